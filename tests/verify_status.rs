//! Recipients check a paper "through the system" (contract 1.1): `kiosk
//! verify --online` and the verification page (headless Chromium) add the
//! issuing office's word, valid, revoked or superseded, to the seal's
//! verdict, from the reference platform over HTTP; offline they say the
//! status was not checked; a 1.0 platform leaves it unknown; and a seal
//! altered on the platform fails the signature check in both.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use campus_kiosk::adapters::files::keys;
use campus_kiosk::adapters::platform::demo::{self, Contract, DemoOptions, DemoServer, StatusChange};
use campus_kiosk::adapters::platform::http::{ClientSettings, PlatformClient};
use campus_kiosk::platform::{DocumentState, PrintRecord};
use campus_kiosk::seal::{self, Payload};
use serde_json::{Value, json};

const URL: &str = "HTTPS://VERIFY.EXAMPLE.EDU.CN/V";
const TOKEN: &str = "status-token";
/// Three printed documents: one still valid, one revoked, one superseded
/// by the first.
const VALID: &str = "7K3M9P2QR4S6T8V1";
const REVOKED: &str = "8A2B3C4D5E6F7G8H";
const SUPERSEDED: &str = "9JKMNPQRSTVWXYZ0";

struct World {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    data: PathBuf,
    ring: PathBuf,
    codes: std::collections::BTreeMap<&'static str, String>,
}

fn payload(document_id: &str) -> Payload {
    Payload {
        document_id: document_id.into(),
        service: "transcript-zh".into(),
        terminal: "T-STATUS".into(),
        issued: u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap(),
        fields: [("name", "王小明"), ("student_id", "2023011234")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        digest: [5; 16],
    }
}

/// A key, three sealed codes and a copy of the sample data to serve.
fn world() -> World {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let (key, ring) = keygen_files(&dir, "T-STATUS");
    let key = keys::load_signing_key(&key).unwrap().1;
    let data = dir.join("data");
    copy_dir(&root().join("assets/sample-data"), &data);
    let codes = [VALID, REVOKED, SUPERSEDED]
        .into_iter()
        .map(|id| (id, seal::to_code(URL, &seal::sign(&payload(id), &key))))
        .collect();
    World {
        _tmp: tmp,
        dir,
        data,
        ring,
        codes,
    }
}

/// The reference platform over `w`'s data, holding the three documents'
/// print records (as terminals report them), with their statuses set the
/// way staff set them: `kiosk demo-platform revoke`, and the library's
/// own call for the supersession.
async fn platform(w: &World, contract: Contract) -> DemoServer {
    let mut opts = DemoOptions::new(&w.data, TOKEN);
    opts.contract = contract;
    opts.lookup_limit = 1000;
    let srv = DemoServer::start(opts, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = PlatformClient::new(
        ClientSettings {
            base_url: srv.base_url(),
            terminal_id: "T-STATUS".into(),
            connect_timeout: Duration::from_secs(1),
            call_timeout: Duration::from_secs(3),
            max_response_bytes: 1 << 20,
            ca_pem: None,
        },
        TOKEN.into(),
    )
    .unwrap();
    for (n, (id, code)) in w.codes.iter().enumerate() {
        let record = PrintRecord {
            record_id: format!("00000000-0000-4000-8000-00000000000{n}"),
            terminal_id: "T-STATUS".into(),
            person_id: "2023011234".into(),
            service_id: "transcript-zh".into(),
            document_id: Some(id.to_string()),
            copies: 1,
            pages: 2,
            status: "printed".into(),
            failure: None,
            content_sha256: Some("ab".repeat(32)),
            created_at: "2026-11-23T09:30:00+08:00".into(),
            finished_at: Some("2026-11-23T09:30:40+08:00".into()),
            seal: Some(code.clone()),
            template_version: Some("1.0.0".into()),
        };
        client.post_print_record(&record).await.unwrap();
    }
    let out = kiosk(
        &[
            "demo-platform",
            "revoke",
            REVOKED,
            "--reason",
            "申请材料不实，已撤销",
            "--reason-en",
            "Issued on a false request",
            "--data",
            w.data.to_str().unwrap(),
        ],
        &w.dir,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    demo::set_document_status(
        &w.data,
        SUPERSEDED,
        StatusChange {
            status: DocumentState::Superseded,
            reason: Some("成绩更正".into()),
            reason_en: Some("A grade was corrected".into()),
            superseded_by: Some(VALID.into()),
            status_changed_at: Some("2026-12-01T10:00:00+08:00".into()),
        },
    )
    .unwrap();
    srv
}

/// `kiosk verify` of `input`, with `--online base` if given: whether it
/// exited 0, and what it printed.
fn verify(w: &World, input: &str, online: Option<&str>) -> (bool, String) {
    let mut args = vec!["verify", input, "--keyring", w.ring.to_str().unwrap()];
    if let Some(base) = online {
        args.extend(["--online", base]);
    }
    let out = kiosk(&args, &w.dir);
    (out.status.success(), said(&out))
}

/// `code` with one character of its signature changed.
fn altered(code: &str) -> String {
    let mut chars: Vec<char> = code.chars().collect();
    let i = chars.len() - 30;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

/// A seal of document VALID for someone else, made with a key nobody trusts.
fn forged(w: &World) -> String {
    let mut p = payload(VALID);
    p.fields.insert("name".into(), "李四".into());
    let _ = w;
    seal::to_code(URL, &seal::sign(&p, &ed25519_dalek::SigningKey::from_bytes(&[66; 32])))
}

/// The code printed under the QR code: the whole id, in fours.
fn short(id: &str) -> String {
    campus_kiosk::pipeline::grouped(id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosk_verify_online_adds_the_documents_status() {
    let w = world();
    let srv = platform(&w, Contract::V1_1).await;
    let base = srv.base_url();
    let online = Some(base.as_str());

    let (ok, said) = verify(&w, &w.codes[VALID], online);
    assert!(ok && said.contains("VALID") && said.contains("status: valid"), "{said}");
    let (ok, said) = verify(&w, &w.codes[REVOKED], online);
    assert!(!ok && said.starts_with("REVOKED"), "{said}");
    assert!(
        said.contains("申请材料不实") && said.contains("Issued on a false request"),
        "{said}"
    );
    let (ok, said) = verify(&w, &w.codes[SUPERSEDED], online);
    assert!(!ok && said.starts_with("SUPERSEDED"), "{said}");
    assert!(
        said.contains(&format!("by document {VALID}")) && said.contains("成绩更正"),
        "{said}"
    );

    // The same codes offline: the signature's verdict, status not checked.
    for id in [VALID, REVOKED, SUPERSEDED] {
        let (ok, said) = verify(&w, &w.codes[id], None);
        assert!(ok && said.starts_with("VALID"), "{said}");
        assert!(said.contains("status: not checked"), "{said}");
    }
    // A platform that cannot be reached: unknown, never an error.
    let dead = format!("http://127.0.0.1:{}/api/v1", free_port());
    let (ok, said) = verify(&w, &w.codes[REVOKED], Some(&dead));
    assert!(
        ok && said.contains("status: UNKNOWN") && said.contains("could not be reached"),
        "{said}"
    );

    // A short code (any case, with or without the hyphen) fetches the
    // seal and verifies it exactly as the QR code.
    let (ok, said) = verify(&w, &short(REVOKED).to_lowercase(), online);
    assert!(!ok && said.starts_with("REVOKED") && said.contains("王小明"), "{said}");
    let (ok, said) = verify(&w, &short(VALID).replace('-', ""), online);
    assert!(
        ok && said.contains("status: valid") && said.contains("学号 Student ID: 2023011234"),
        "{said}"
    );
    let (ok, said) = verify(&w, "ZZZZ-ZZZZ-ZZZZ-ZZZZ", online);
    assert!(!ok && said.contains("NOT FOUND"), "{said}");
    // A mistyped code is named by its character; a bad address is named.
    let (ok, said) = verify(&w, "8A2B-3C!D-5E6F-7G8H", online);
    assert!(!ok && said.contains("character 8"), "{said}");
    // The 8-character short code of older papers is refused, saying why.
    let (ok, said) = verify(&w, &REVOKED[..8], online);
    assert!(!ok && said.contains("8-character short code of older papers"), "{said}");
    let (ok, said) = verify(&w, &short(VALID), Some("ftp://data.example"));
    assert!(!ok && said.contains("not an http(s) address"), "{said}");
    // Without --online a short code proves nothing, and says what to do.
    let (ok, said) = verify(&w, &short(VALID), None);
    assert!(!ok && said.contains("--online"), "{said}");

    // The platform's record altered (one character of its seal): the
    // short code's seal fails the signature check.
    assert!(srv.state.tamper_seal(VALID, &altered(&w.codes[VALID])));
    let (ok, said) = verify(&w, &short(VALID), online);
    assert!(!ok && said.contains("INVALID") && said.contains("fails"), "{said}");
    // Replaced by a seal of another name, made with another key: the
    // paper's own code still verifies, but the platform's word about it
    // counts for nothing.
    assert!(srv.state.tamper_seal(VALID, &forged(&w)));
    let (ok, said) = verify(&w, &short(VALID), online);
    assert!(!ok && said.contains("INVALID"), "{said}");
    let (ok, said) = verify(&w, &w.codes[VALID], online);
    assert!(
        ok && said.contains("status: UNKNOWN") && said.contains("not the one on the paper"),
        "{said}"
    );
    srv.stop().await;

    // A 1.0 platform: status unknown, never an error.
    let old = platform(&w, Contract::V1_0).await;
    let (ok, said) = verify(&w, &w.codes[REVOKED], Some(&old.base_url()));
    assert!(ok && said.contains("status: UNKNOWN") && said.contains("1.0"), "{said}");
    old.stop().await;
}

/// `kiosk verify-page` for `w`'s keyring, asking `status` if given, into
/// `dir`.
fn page(w: &World, dir: &Path, status: Option<&str>) -> PathBuf {
    let templates = root().join("print-templates");
    let mut args = vec![
        "verify-page",
        "--keyring",
        w.ring.to_str().unwrap(),
        "--templates",
        templates.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ];
    if let Some(s) = status {
        args.extend(["--status-url", s]);
    }
    let out = kiosk(&args, &w.dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir.join("index.html")
}

/// A static web server for `dir` on loopback, as the page is published.
fn serve(dir: &Path) -> (Procs, String) {
    let port = free_port();
    let child = Command::new(tool("python3"))
        .args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
            "--directory",
        ])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let procs = Procs(vec![child]);
    let until = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "the page server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (procs, format!("http://127.0.0.1:{port}/index.html"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verification_page_shows_the_status_beside_the_verdict() {
    let w = world();
    let srv = platform(&w, Contract::V1_1).await;
    let old = platform(&w, Contract::V1_0).await;
    let page_dir = w.dir.join("page");
    let index = page(&w, &page_dir, Some(&srv.base_url()));
    let html = std::fs::read_to_string(&index).unwrap();
    // The page may connect to the platform and nowhere else.
    assert!(
        html.contains(&format!("default-src 'none'; connect-src http://{};", srv.addr)),
        "{}",
        &html[..600]
    );
    // An address the page could not ask is refused, named.
    for bad in ["ftp://data.example/api", "https://data.example/api?x=1", "not a url"] {
        let out = kiosk(
            &[
                "verify-page",
                "--keyring",
                w.ring.to_str().unwrap(),
                "--out",
                w.dir.join("bad").to_str().unwrap(),
                "--status-url",
                bad,
            ],
            &w.dir,
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains("--status-url"), "{bad}: {err}");
    }
    let old_dir = w.dir.join("page-old");
    page(&w, &old_dir, Some(&old.base_url()));
    let (_web, url) = serve(&page_dir);
    let (_web_old, old_url) = serve(&old_dir);
    // UPDATE_SCREENSHOTS=1 keeps the page's look in docs/screenshots.
    let shots = if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        root().join("docs/screenshots")
    } else {
        w.dir.join("shots")
    };
    std::fs::create_dir_all(&shots).unwrap();

    let code = |id: &str| w.codes[id].split_once('#').unwrap().1.to_string();
    let cases = json!([
        { "name": "valid", "url": format!("{url}#{}", code(VALID)) },
        { "name": "revoked", "url": format!("{url}#{}", code(REVOKED)), "shot": shots.join("verify-revoked.png") },
        { "name": "superseded", "url": format!("{url}#{}", code(SUPERSEDED)) },
        { "name": "offline", "url": format!("file://{}#{}", index.display(), code(REVOKED)), "offline": true, "shot": shots.join("verify-offline.png") },
        { "name": "old-platform", "url": format!("{old_url}#{}", code(REVOKED)) },
        { "name": "typed", "url": url, "type": short(SUPERSEDED).to_lowercase() },
        { "name": "typed-bad", "url": url, "type": "ABCD-EF!H-JKMN-PQRS" },
        { "name": "typed-unknown", "url": url, "type": "ZZZZ-ZZZZ-ZZZZ-ZZZZ" },
    ]);
    let run = |cases: &Value| -> std::collections::BTreeMap<String, Value> {
        let file = w.dir.join("cases.json");
        std::fs::write(&file, cases.to_string()).unwrap();
        let out = Command::new(tool("node"))
            .arg(root().join("tests/js/verify_status.mjs"))
            .arg(&file)
            .current_dir(root().join("tests/js"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the browser failed (is playwright-core installed? scripts/test installs it):\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .map(|v| (v["name"].as_str().unwrap().to_string(), v))
            .collect()
    };
    let seen = run(&cases);
    let shown = |name: &str| {
        let v = &seen[name];
        assert_eq!(v["errors"], json!([]), "{name}: {v:#}");
        (
            v["verdict"].as_str().unwrap().to_string(),
            v["text"].as_str().unwrap().to_string(),
        )
    };

    let (kind, text) = shown("valid");
    assert!(
        kind == "valid" && text.contains("状态有效") && text.contains("王小明"),
        "{text}"
    );
    let (kind, text) = shown("revoked");
    assert!(
        kind == "invalid" && text.contains("已撤销") && text.contains("申请材料不实"),
        "{text}"
    );
    assert!(text.contains("Revoked") && !text.contains("状态有效"), "{text}");
    let (kind, text) = shown("superseded");
    assert!(
        kind == "invalid" && text.contains("已更新") && text.contains(VALID),
        "{text}"
    );
    // Offline, the revoked paper's genuine seal: never plain green.
    let (kind, text) = shown("offline");
    assert!(
        kind == "unchecked" && text.contains("状态未核验") && text.contains("offline"),
        "{text}"
    );
    let (kind, text) = shown("old-platform");
    assert!(kind == "unchecked" && text.contains("does not offer"), "{text}");
    // A typed short code: the platform's seal verified on the phone.
    let (kind, text) = shown("typed");
    assert!(
        kind == "invalid" && text.contains("已更新") && text.contains("王小明"),
        "{text}"
    );
    let (_, text) = shown("typed-bad");
    assert!(text.contains("XXXX-XXXX-XXXX-XXXX"), "{text}");
    let (kind, text) = shown("typed-unknown");
    assert!(kind == "invalid" && text.contains("Not found"), "{text}");
    // The phone sends the platform the document's id, nothing else.
    let asked: Vec<&str> = seen["revoked"]["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|u| u.contains("/public/"))
        .collect();
    assert_eq!(
        asked,
        [format!("{}/public/documents/{REVOKED}", srv.base_url())],
        "{asked:?}"
    );

    // The platform's record altered: the typed code's seal fails on the
    // phone too; the paper's own code still verifies, status unknown.
    assert!(srv.state.tamper_seal(VALID, &altered(&w.codes[VALID])));
    let seen = run(&json!([{ "name": "typed-altered", "url": url, "type": short(VALID) }]));
    let v = &seen["typed-altered"];
    assert_eq!(v["verdict"], "invalid", "{v:#}");
    assert!(v["text"].as_str().unwrap().contains("未通过核验"), "{v:#}");
    assert!(srv.state.tamper_seal(VALID, &forged(&w)));
    let seen = run(&json!([{ "name": "paper-altered", "url": format!("{url}#{}", code(VALID)) }]));
    let v = &seen["paper-altered"];
    assert_eq!(v["verdict"], "unchecked", "{v:#}");
    assert!(v["text"].as_str().unwrap().contains("不符"), "{v:#}");
    srv.stop().await;
    old.stop().await;
}
