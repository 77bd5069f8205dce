//! The verification web page (`kiosk verify-page`): its script, run by
//! Node on codes sealed by the kiosk, agrees with `kiosk verify`; and the
//! page itself, opened by headless Chromium at `…/index.html#<code>` as a
//! recipient's phone opens the QR code's address, says what it found.

use std::path::{Path, PathBuf};

use crate::common::*;
use campus_kiosk::adapters::files::keys;
use campus_kiosk::seal::{self, Payload};
use serde_json::{Value, json};

const URL: &str = "HTTPS://VERIFY.EXAMPLE.EDU.CN/V";

/// A key made by `kiosk keygen` for `terminal` in `dir`: the signing key
/// and the keyring file.
fn keygen(dir: &Path, terminal: &str) -> (ed25519_dalek::SigningKey, PathBuf) {
    let (key, ring) = keygen_files(dir, terminal);
    (keys::load_signing_key(&key).unwrap().1, ring)
}

fn payload(document_id: &str) -> Payload {
    Payload {
        document_id: document_id.into(),
        service: "enrollment-certificate".into(),
        terminal: "T-PAGE".into(),
        issued: u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap(),
        fields: [("name", "王小明"), ("student_id", "2023011234"), ("status", "在读")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        digest: [7; 16],
    }
}

/// `kiosk verify-page` for `ring` into `dir`: the page's path and the
/// keyring it carries.
fn page(ring: &Path, dir: &Path) -> (PathBuf, Value) {
    let out = kiosk(
        &[
            "verify-page",
            "--keyring",
            ring.to_str().unwrap(),
            "--templates",
            root().join("print-templates").to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
        ],
        dir.parent().unwrap(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let start = html.find("id=\"keyring\">").expect("the keyring is in the page") + "id=\"keyring\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    let ring: Value = serde_json::from_str(&html[start..end]).unwrap();
    assert!(!html.contains("/*VERIFY_JS*/"), "the script is inlined");
    (dir.join("index.html"), ring)
}

/// The documented test vector: `name = value` lines.
fn vector() -> std::collections::BTreeMap<String, String> {
    let doc = std::fs::read_to_string(root().join("docs/verification.md")).unwrap();
    let block = doc.split("## Test vector").nth(1).unwrap();
    block
        .lines()
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_page_script_agrees_with_kiosk_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let (key, ring) = keygen(tmp.path(), "T-PAGE");
    let (_, embedded) = page(&ring, &tmp.path().join("page"));
    let keys = embedded["keys"].clone();
    assert_eq!(keys.as_array().unwrap().len(), 1);

    let code = seal::to_code(URL, &seal::sign(&payload("DOC-PLAIN"), &key));
    // About one seal in two hundred has "%20" among its base45 characters.
    let literal = (0..100_000)
        .map(|i| seal::to_code(URL, &seal::sign(&payload(&format!("DOC{i:06}")), &key)))
        .find(|c| c.contains("%20"))
        .unwrap();
    let tampered = {
        let mut chars: Vec<char> = code.chars().collect();
        let i = chars.len() - 40;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect::<String>()
    };
    let mut revoked = keys.clone();
    revoked[0]["revoked"] = json!(true);
    let other = tempfile::tempdir().unwrap();
    let (_, other_ring) = keygen(other.path(), "OTHER");
    let (_, other_keys) = page(&other_ring, &other.path().join("page"));
    let v = vector();
    let vector_ring = json!([{
        "terminal": v["terminal"], "public": v["public"],
        "not_before": 0, "not_after": 4_000_000_000u64, "revoked": false
    }]);
    // The same key twice, once revoked: which entry counts would depend
    // on the order, so neither verifier decides.
    let mut duplicate = keys.clone();
    duplicate.as_array_mut().unwrap().push(revoked[0].clone());
    // A well-signed seal with a byte after it.
    let trailing = {
        let mut bytes = seal::sign(&payload("DOC-TRAIL"), &key);
        bytes.push(0);
        seal::to_code(URL, &bytes)
    };
    let cases = json!([
        { "name": "duplicate-key", "code": code, "keyring": duplicate },
        { "name": "trailing-bytes", "code": trailing, "keyring": keys },
        { "name": "raw", "code": code, "keyring": keys },
        { "name": "browser", "code": code.replace(' ', "%20"), "keyring": keys },
        { "name": "literal-raw", "code": literal, "keyring": keys },
        { "name": "literal-browser", "code": literal.replace(' ', "%20"), "keyring": keys },
        { "name": "tampered", "code": tampered, "keyring": keys },
        { "name": "revoked", "code": code, "keyring": revoked },
        { "name": "unknown", "code": code, "keyring": other_keys["keys"] },
        { "name": "garbage", "code": "HTTPS://X/V#hello", "keyring": keys },
        { "name": "vector", "code": v["code"], "keyring": vector_ring },
        { "name": "old-browser", "code": code, "keyring": keys, "noEd25519": true },
    ]);
    let file = tmp.path().join("cases.json");
    std::fs::write(&file, cases.to_string()).unwrap();
    let out = run(
        "node",
        &[
            root().join("tests/js/verify_cases.mjs").to_str().unwrap(),
            root().join("assets/verify-page/verify.js").to_str().unwrap(),
            file.to_str().unwrap(),
        ],
    );
    let said: std::collections::BTreeMap<String, Value> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|v| (v["name"].as_str().unwrap().to_string(), v))
        .collect();
    let verdict = |name: &str| {
        let v = &said[name];
        (v["valid"].as_bool().unwrap(), v["reason"].as_str().map(str::to_string))
    };
    for name in ["raw", "browser", "literal-raw", "literal-browser", "vector"] {
        assert_eq!(verdict(name), (true, None), "{name}: {out}");
    }
    assert_eq!(said["raw"]["fields"]["name"], "王小明", "{out}");
    assert_eq!(said["vector"]["document"], v["document_id"].as_str(), "{out}");
    assert!(!verdict("tampered").0, "{out}");
    assert_eq!(verdict("revoked"), (false, Some("revoked".into())), "{out}");
    assert_eq!(verdict("unknown"), (false, Some("unknown-key".into())), "{out}");
    assert_eq!(verdict("garbage"), (false, Some("malformed".into())), "{out}");
    // A browser that cannot check says so: never a verdict either way.
    assert_eq!(verdict("old-browser"), (false, Some("unsupported".into())), "{out}");
    assert_eq!(verdict("duplicate-key"), (false, Some("duplicate-key".into())), "{out}");
    assert_eq!(verdict("trailing-bytes"), (false, Some("malformed".into())), "{out}");

    // One corpus, two verifiers: the library's `seal::check` gives the
    // same verdict and reason as the page's script on every case.
    for case in cases
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("noEd25519").is_none())
    {
        let name = case["name"].as_str().unwrap();
        let ring: Vec<seal::TrustedKey> = case["keyring"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                let public: [u8; 32] = (0..32)
                    .map(|i| u8::from_str_radix(&k["public"].as_str().unwrap()[2 * i..2 * i + 2], 16).unwrap())
                    .collect::<Vec<_>>()
                    .try_into()
                    .unwrap();
                seal::TrustedKey {
                    terminal: k["terminal"].as_str().unwrap().into(),
                    public: ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap(),
                    not_before: k["not_before"].as_u64().unwrap(),
                    not_after: k["not_after"].as_u64().unwrap(),
                    revoked: k["revoked"].as_bool().unwrap(),
                }
            })
            .collect();
        let ours = match seal::check(case["code"].as_str().unwrap(), &ring) {
            Ok(_) => (true, None),
            Err(r) => (false, Some(r.why.code().to_string())),
        };
        assert_eq!(ours, verdict(name), "{name}: the library and the page disagree");
    }

    // A keyring file that lists a key twice is refused by every command
    // that reads one.
    let text = std::fs::read_to_string(&ring).unwrap();
    let twice = tmp.path().join("twice.toml");
    std::fs::write(
        &twice,
        format!(
            "{text}\n{}",
            text.replace("[[key]]", "[[key]]\nrevoked_at = \"2026-01-01T00:00:00Z\"")
        ),
    )
    .unwrap();
    for args in [
        vec!["verify", code.as_str(), "--keyring", twice.to_str().unwrap()],
        vec![
            "verify-page",
            "--keyring",
            twice.to_str().unwrap(),
            "--out",
            tmp.path().join("p2").to_str().unwrap(),
        ],
    ] {
        let out = kiosk(&args, tmp.path());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("more than once"),
            "{args:?}: {err}"
        );
    }

    // `kiosk verify` says the same of the same codes.
    let check = |code: &str| {
        kiosk(&["verify", code, "--keyring", ring.to_str().unwrap()], tmp.path())
            .status
            .success()
    };
    assert!(check(&literal) && check(&literal.replace(' ', "%20")) && check(&code));
    assert!(!check(&tampered));
}

/// What headless Chromium shows for the page at `#code`: the page's
/// `<main>` after its script ran (the script itself, which holds every
/// message, is left out).
fn open(page: &Path, code: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}#{}", page.display(), code);
    let user_data = format!("--user-data-dir={}", profile.path().display());
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        &user_data,
        "--virtual-time-budget=10000",
        "--dump-dom",
        &url,
    ];
    let dom = run("chromium", &args);
    let start = dom.find("<main>").expect("the page has its <main>");
    let end = dom.find("</main>").expect("the page has its </main>");
    dom[start..end].to_string()
}

#[test]
fn a_phone_opening_the_codes_address_sees_the_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let (key, ring) = keygen(tmp.path(), "T-PAGE");
    let (index, _) = page(&ring, &tmp.path().join("page"));
    let code = seal::to_code(URL, &seal::sign(&payload("DOC-PHONE"), &key));

    let dom = open(&index, &code);
    assert!(
        dom.contains("真实有效") && dom.contains("Genuine and unaltered"),
        "{dom}"
    );
    assert!(
        dom.contains("王小明") && dom.contains("DOC-PHONE") && dom.contains("T-PAGE"),
        "{dom}"
    );
    assert!(
        dom.contains("在读证明 Certificate of Enrollment"),
        "the service by its name: {dom}"
    );
    assert!(
        dom.contains("姓名 Name"),
        "a Chinese paper's labels, Chinese first: {dom}"
    );

    // An English transcript's fields are labelled in English first.
    let mut en = payload("DOC-EN");
    en.service = "transcript-en".into();
    en.fields = [("name", "WANG Xiaoming"), ("student_id", "2023011234")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let en_code = seal::to_code(URL, &seal::sign(&en, &key));
    let dom = open(&index, &en_code);
    assert!(dom.contains("Name 姓名") && dom.contains("WANG Xiaoming"), "{dom}");
    assert!(dom.contains("英文成绩单 Transcript (English)"), "{dom}");
    // `kiosk verify` labels them alike; without the templates it cannot
    // know the paper's language, and labels Chinese first.
    let templates = root().join("print-templates");
    for (args, service, field) in [
        (
            vec!["--templates", templates.to_str().unwrap()],
            "service: 英文成绩单 Transcript (English) (transcript-en)",
            "Name 姓名: WANG Xiaoming",
        ),
        (vec![], "service: transcript-en", "姓名 Name: WANG Xiaoming"),
    ] {
        let mut all = vec!["verify", en_code.as_str(), "--keyring", ring.to_str().unwrap()];
        all.extend(args);
        let out = kiosk(&all, tmp.path());
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{said}");
        assert!(said.contains(service) && said.contains(field), "{said}");
        assert!(
            said.contains("学号 Student ID: 2023011234") != (field.starts_with("Name")),
            "{said}"
        );
    }
    // A templates folder that is not there is named, with what to give.
    let out = kiosk(
        &[
            "verify",
            en_code.as_str(),
            "--keyring",
            ring.to_str().unwrap(),
            "--templates",
            "/nonexistent",
        ],
        tmp.path(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--templates /nonexistent: no such folder"),
        "{err}"
    );

    let forged = code.replace("#", "#A");
    let dom = open(&index, &forged);
    assert!(dom.contains("无效") && !dom.contains("真实有效"), "{dom}");

    let dom = open(&index, "");
    assert!(dom.contains("请用手机扫描"), "{dom}");

    // The same code on the page of a keyring that revoked the key.
    let revoked = tmp.path().join("revoked.toml");
    std::fs::write(
        &revoked,
        std::fs::read_to_string(&ring).unwrap() + "revoked_at = \"2026-01-01T00:00:00Z\"\n",
    )
    .unwrap();
    let (index, _) = page(&revoked, &tmp.path().join("page-revoked"));
    let dom = open(&index, &code);
    assert!(dom.contains("已被吊销") && dom.contains("DOC-PHONE"), "{dom}");
}
