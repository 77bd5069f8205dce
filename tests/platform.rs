//! The platform client against the reference platform, over real HTTP on
//! 127.0.0.1.

use std::path::Path;
use std::time::Duration;

use crate::common::*;
use campus_kiosk::adapters::platform::demo::{DemoOptions, DemoServer, Fault};
use campus_kiosk::adapters::platform::http::{ClientSettings, PlatformClient};
use campus_kiosk::data::Source;
use campus_kiosk::platform::{ErrorKind, PlatformError, PrintRecord, QrStatus, RecordOutcome};

const TOKEN: &str = "s3cret-T0KEN-never-shown";

async fn server(data: &Path) -> DemoServer {
    DemoServer::start(DemoOptions::new(data, TOKEN), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("reference platform starts")
}

fn client(base: &str, token: &str, call_timeout: Duration) -> PlatformClient {
    PlatformClient::new(
        ClientSettings {
            base_url: base.to_string(),
            terminal_id: "TEST-01".into(),
            connect_timeout: Duration::from_secs(2),
            call_timeout,
            max_response_bytes: 256 * 1024,
            ca_pem: None,
        },
        token.to_string(),
    )
    .unwrap()
}

fn data_dir() -> std::path::PathBuf {
    root().join("assets/sample-data")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_endpoint_answers_in_the_contracts_shapes() {
    let srv = server(&data_dir()).await;
    let c = client(&srv.base_url(), TOKEN, Duration::from_secs(5));

    let person = c.card("04A1B2C3").await.unwrap();
    assert_eq!(person.id, "2023011234");
    assert_eq!(person.name, "王小明");
    let other = c.card("04D5E6F708A1B2").await.unwrap();
    assert_eq!(other.id, "2024020456");

    let e = c.enrollment("2023011234").await.unwrap();
    assert_eq!(e["status"], "enrolled");
    let t = c.transcript("2023011234").await.unwrap();
    assert_eq!(t["terms"].as_array().unwrap().len(), 6);
    let d = c.dataset("2023011234", "scholarships").await.unwrap();
    assert_eq!(d["awards"].as_array().unwrap().len(), 2);

    // Everything a template needs, in one go.
    let sources = [
        Source::Person,
        Source::Enrollment,
        Source::Transcript,
        Source::Dataset("scholarships".into()),
    ];
    let data = c.fetch(&person, &sources).await.unwrap();
    assert!(data.missing(&sources).is_empty());
    // …and it prints: the platform's data goes through the same pipeline.
    let (doc, _) = campus_kiosk::pipeline::render(book(), &template("transcript-zh"), &data, ISSUED_AT).unwrap();
    assert_eq!(doc.pages.len(), 2);

    // QR login: pending → confirmed, with the person.
    let s = c.open_qr_session().await.unwrap();
    assert!(s.login_url.contains(&s.session_id));
    assert_eq!(c.poll_qr_session(&s.session_id).await.unwrap(), QrStatus::Pending);
    srv.state.confirm_qr(&s.session_id, "2024020456").unwrap();
    match c.poll_qr_session(&s.session_id).await.unwrap() {
        QrStatus::Confirmed(p) => assert_eq!(p.id, "2024020456"),
        other => panic!("{other:?}"),
    }
    let unknown = c.poll_qr_session("no-such-session").await.unwrap_err();
    assert_eq!(
        (unknown.kind, unknown.code.as_deref()),
        (ErrorKind::NotFound, Some("session_unknown"))
    );
    srv.stop().await;
}

fn record(id: &str) -> PrintRecord {
    PrintRecord {
        record_id: id.into(),
        terminal_id: "TEST-01".into(),
        person_id: "2023011234".into(),
        service_id: "transcript-zh".into(),
        document_id: Some("N4GVJYT7BSBG1KP4".into()),
        copies: 2,
        pages: 2,
        status: "printed".into(),
        failure: None,
        content_sha256: Some("ab".repeat(32)),
        created_at: "2026-11-23T09:30:00+08:00".into(),
        finished_at: Some("2026-11-23T09:30:41+08:00".into()),
        seal: Some("HTTPS://VERIFY.EXAMPLE/V#SEAL".into()),
        template_version: Some("1.2.0".into()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_print_record_posted_twice_is_recorded_once() {
    let srv = server(&data_dir()).await;
    let c = client(&srv.base_url(), TOKEN, Duration::from_secs(5));
    let rec = record("5f0c6a52-2f36-4c0e-9d8e-1b2a3c4d5e6f");
    assert_eq!(c.post_print_record(&rec).await.unwrap(), RecordOutcome::Created);
    assert_eq!(c.post_print_record(&rec).await.unwrap(), RecordOutcome::AlreadyRecorded);
    assert_eq!(srv.state.record_posts(), 2);
    let got = srv.state.records();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["record_id"], rec.record_id);
    assert_eq!(got[0]["copies"], 2);

    // A 503 with Retry-After on the idempotent POST is retried, and the
    // record still lands once.
    srv.state.push_fault(Fault::Status {
        status: 503,
        code: "maintenance".into(),
        retry_after: Some(1),
    });
    let rec2 = record("8d7e6f5a-0000-4000-8000-000000000002");
    assert_eq!(c.post_print_record(&rec2).await.unwrap(), RecordOutcome::Created);
    assert_eq!(srv.state.records().len(), 2);
    srv.stop().await;
}

/// Every error of the run, to check none of them shows the token.
struct Seen(Vec<String>);

impl Seen {
    fn err<T: std::fmt::Debug>(&mut self, r: Result<T, PlatformError>) -> PlatformError {
        let e = r.expect_err("the call should fail");
        self.0.push(format!("{e} {e:?}"));
        e
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_are_typed_and_never_show_the_token() {
    let srv = server(&data_dir()).await;
    let c = client(&srv.base_url(), TOKEN, Duration::from_secs(4));
    let mut seen = Seen(Vec::new());

    // 401: a revoked or wrong token.
    let wrong = client(&srv.base_url(), "revoked-token", Duration::from_secs(4));
    let e = seen.err(wrong.enrollment("2023011234").await);
    assert_eq!(
        (e.kind, e.code.as_deref()),
        (ErrorKind::Unauthorized, Some("token_invalid"))
    );

    // 404 card_unknown, 423 card_frozen.
    let e = seen.err(c.card("DEADBEEF").await);
    assert_eq!((e.kind, e.code.as_deref()), (ErrorKind::NotFound, Some("card_unknown")));
    let e = seen.err(c.card("0BADCAFE").await);
    assert_eq!(
        (e.kind, e.code.as_deref()),
        (ErrorKind::CardFrozen, Some("card_frozen"))
    );
    assert!(campus_kiosk::i18n::Bilingual::from(e.for_person()).zh.contains("挂失"));
    // A malformed UID never leaves the terminal.
    assert_eq!(seen.err(c.card("04a1b2c3").await).kind, ErrorKind::Rejected);

    // 429 with Retry-After on a GET: honoured, then success.
    srv.state.push_fault(Fault::Status {
        status: 429,
        code: "rate_limited".into(),
        retry_after: Some(1),
    });
    let started = std::time::Instant::now();
    assert_eq!(c.enrollment("2023011234").await.unwrap()["student_id"], "2023011234");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was not honoured"
    );

    // 503 on a call that is not retried; and a Retry-After past the deadline.
    srv.state.push_fault(Fault::Status {
        status: 503,
        code: "maintenance".into(),
        retry_after: Some(1),
    });
    let e = seen.err(c.card("04A1B2C3").await);
    assert_eq!(
        (e.kind, e.code.as_deref()),
        (ErrorKind::Unavailable, Some("maintenance"))
    );
    srv.state.push_fault(Fault::Status {
        status: 503,
        code: "maintenance".into(),
        retry_after: Some(30),
    });
    let e = seen.err(c.transcript("2023011234").await);
    assert_eq!(e.kind, ErrorKind::Unavailable);

    // A server that stalls past the deadline.
    let quick = client(&srv.base_url(), TOKEN, Duration::from_millis(700));
    srv.state.push_fault(Fault::Stall { ms: 3000 });
    let e = seen.err(quick.enrollment("2023011234").await);
    assert_eq!(e.kind, ErrorKind::Unavailable);
    assert!(e.detail.contains("no answer"), "{e}");

    // Malformed JSON, a wrong type, an oversize body.
    srv.state.push_fault(Fault::Body {
        status: 200,
        body: "{\"student_id\": \"2023011234\",".into(),
    });
    assert_eq!(seen.err(c.enrollment("2023011234").await).kind, ErrorKind::BadData);
    let mut wrong_type: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data_dir().join("2023011234/enrollment.json")).unwrap()).unwrap();
    wrong_type["major"] = serde_json::json!(["软件工程"]);
    srv.state.push_fault(Fault::Body {
        status: 200,
        body: wrong_type.to_string(),
    });
    let e = seen.err(c.enrollment("2023011234").await);
    assert_eq!(e.kind, ErrorKind::BadData);
    assert!(e.detail.contains("enrollment.major"), "{e}");
    srv.state.push_fault(Fault::Oversize { bytes: 1024 * 1024 });
    let e = seen.err(c.transcript("2023011234").await);
    assert_eq!(e.kind, ErrorKind::BadData);
    assert!(e.detail.contains("larger than"), "{e}");

    // A record of someone else than asked for.
    let mut other = wrong_type.clone();
    other["major"] = serde_json::json!("软件工程");
    other["student_id"] = serde_json::json!("2024020456");
    srv.state.push_fault(Fault::Body {
        status: 200,
        body: other.to_string(),
    });
    let e = seen.err(c.enrollment("2023011234").await);
    assert_eq!(e.kind, ErrorKind::BadData);
    assert!(e.detail.contains("student_id"), "{e}");

    // Nobody listening at all.
    let gone = srv.addr;
    srv.stop().await;
    let e = seen.err(
        client(&format!("http://{gone}/api/v1"), TOKEN, Duration::from_secs(1))
            .card("04A1B2C3")
            .await,
    );
    assert_eq!(e.kind, ErrorKind::Unavailable);

    // The token is in no message, and not in the client's own Debug.
    seen.0.push(format!("{c:?}"));
    for s in &seen.0 {
        assert!(!s.contains(TOKEN), "token leaked: {s}");
    }
    assert!(seen.0.len() >= 12);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mismatched_record_on_disk_is_bad_data() {
    // The same check with the server's own files: a transcript filed under
    // the wrong student.
    let tmp = tempfile::tempdir().unwrap();
    let src = data_dir();
    std::fs::copy(src.join("cards.json"), tmp.path().join("cards.json")).unwrap();
    let dir = tmp.path().join("2023011234");
    std::fs::create_dir(&dir).unwrap();
    for f in ["person.json", "enrollment.json"] {
        std::fs::copy(src.join("2023011234").join(f), dir.join(f)).unwrap();
    }
    std::fs::copy(src.join("2024020456/transcript.json"), dir.join("transcript.json")).unwrap();
    let srv = server(tmp.path()).await;
    let c = client(&srv.base_url(), TOKEN, Duration::from_secs(3));
    let e = c.transcript("2023011234").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadData);
    assert!(e.detail.contains("transcript.student_id"), "{e}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_fetches_live_data_from_the_platform() {
    let srv = server(&data_dir()).await;
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("terminal.toml");
    std::fs::write(
        &cfg,
        format!(
            "[terminal]\nid = \"T-1\"\nname = \"t\"\n[platform]\nbase_url = \"{}\"\ntoken_file = \"token\"\n[printer]\nkind = \"directory\"\ndir = \"out\"\n",
            srv.base_url()
        ),
    )
    .unwrap();
    write_private(&tmp.path().join("token"), format!("{TOKEN}\n"));
    let tpl = root().join("print-templates/transcript-zh");
    let dir = tmp.path().to_path_buf();
    let run_preview = move |who: Vec<&'static str>, out: &'static str| {
        let (tpl, dir) = (tpl.clone(), dir.clone());
        tokio::task::spawn_blocking(move || {
            let mut args = vec![
                "template",
                "preview",
                tpl.to_str().unwrap(),
                "--config",
                dir.to_str().unwrap(),
            ];
            args.extend(who);
            let out = dir.join(out);
            args.extend(["--out", out.to_str().unwrap(), "--issued-at", ISSUED_AT]);
            (kiosk(&args, &dir), out.exists())
        })
    };

    let (res, written) = run_preview(vec!["--platform", "2023011234"], "by-id.pdf")
        .await
        .unwrap();
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    assert!(written && String::from_utf8_lossy(&res.stdout).starts_with("2 page(s)"));

    let (res, written) = run_preview(vec!["--platform", "04A1B2C3", "--card"], "by-card.pdf")
        .await
        .unwrap();
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    assert!(written);
    // The same document as from the sample folder (same data, same time).
    let from_dir = {
        let (doc, _) =
            campus_kiosk::pipeline::render(book(), &template("transcript-zh"), &sample("2023011234"), ISSUED_AT)
                .unwrap();
        campus_kiosk::export::pdf::to_pdf(book(), &doc).unwrap()
    };
    assert!(
        std::fs::read(tmp.path().join("by-card.pdf")).unwrap() == from_dir,
        "platform and folder data give different PDFs"
    );

    let (res, written) = run_preview(vec!["--platform", "0BADCAFE", "--card"], "frozen.pdf")
        .await
        .unwrap();
    assert_eq!(res.status.code(), Some(1));
    assert!(!written);
    assert!(String::from_utf8_lossy(&res.stderr).contains("card frozen"));

    write_private(&tmp.path().join("token"), "another-token\n");
    let (res, _) = run_preview(vec!["--platform", "2023011234"], "x.pdf").await.unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(1));
    assert!(
        err.contains("not authorized") && !err.contains("another-token"),
        "{err}"
    );
    srv.stop().await;
}

/// A campus CA and a server certificate for localhost it signed, made with
/// the openssl command.
fn campus_pki(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let p = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let ext = dir.join("san.ext");
    std::fs::write(
        &ext,
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=Example Campus CA",
            "-keyout",
            &p("ca.key"),
            "-out",
            &p("ca.pem"),
        ],
    );
    run(
        "openssl",
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            &p("srv.key"),
            "-out",
            &p("srv.csr"),
        ],
    );
    run(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            &p("srv.csr"),
            "-CA",
            &p("ca.pem"),
            "-CAkey",
            &p("ca.key"),
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            ext.to_str().unwrap(),
            "-out",
            &p("srv.pem"),
        ],
    );
    (dir.join("ca.pem"), dir.join("srv.pem"), dir.join("srv.key"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_campus_ca_from_the_config_is_trusted() {
    let tmp = tempfile::tempdir().unwrap();
    let (ca, cert, key) = campus_pki(tmp.path());
    // A real TLS server on a free port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new(tool("openssl"))
        .args([
            "s_server",
            "-quiet",
            "-www",
            "-accept",
            &port.to_string(),
            "-cert",
            cert.to_str().unwrap(),
            "-key",
            key.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until it accepts connections (bounded).
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let base = format!("https://localhost:{port}/api/v1");
    let settings = |ca_pem: Option<Vec<u8>>| ClientSettings {
        base_url: base.clone(),
        terminal_id: "TEST-01".into(),
        connect_timeout: Duration::from_secs(2),
        call_timeout: Duration::from_secs(3),
        max_response_bytes: 256 * 1024,
        ca_pem,
    };
    // Without the campus CA the certificate is not trusted: no connection.
    let plain = PlatformClient::new(settings(None), TOKEN.into()).unwrap();
    let e = plain.enrollment("2023011234").await.unwrap_err();
    // With it, TLS succeeds; openssl's status page is then not JSON.
    let trusting = PlatformClient::new(settings(Some(std::fs::read(&ca).unwrap())), TOKEN.into()).unwrap();
    let e2 = trusting.enrollment("2023011234").await.unwrap_err();
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(e.kind, ErrorKind::Unavailable, "{e}");
    assert_eq!(e2.kind, ErrorKind::BadData, "{e2}");
    assert!(e2.detail.contains("not JSON"), "{e2}");

    // A CA file that is not a certificate is a configuration error.
    let bad = PlatformClient::new(settings(Some(b"not a certificate".to_vec())), TOKEN.into());
    let e = bad.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized);
    assert!(e.detail.contains("platform.ca_file"), "{e}");
}

/// A card tap through the state machine and the real platform: the
/// shell's loop in miniature.
#[tokio::test(flavor = "multi_thread")]
async fn card_taps_resolve_to_a_person_or_a_clear_fault() {
    use campus_kiosk::core::session::{Effect, Fault, Input, Session, State, Timings};
    let srv = server(&data_dir()).await;
    let c = client(&srv.base_url(), TOKEN, Duration::from_secs(3));
    let (mut s, _) = Session::new(Timings::default());
    let mut now = 0;
    let mut tap = async |s: &mut Session, uid: &str| {
        now += 1000;
        let fx = s.update(Input::CardTapped(uid.into()), now);
        let uid = fx
            .iter()
            .find_map(|e| match e {
                Effect::LookUpCard(u) => Some(u.clone()),
                _ => None,
            })
            .expect("a lookup");
        s.update(Input::from_lookup(c.card(&uid).await), now + 200)
    };

    tap(&mut s, "04A1B2C3").await;
    assert_eq!(s.person().unwrap().name, "王小明");
    // Someone else's card ends that session first.
    let fx = tap(&mut s, "04D5E6F708A1B2").await;
    assert!(fx.is_empty());
    assert_eq!(s.person().unwrap().id, "2024020456");
    s.update(Input::Logout, 10_000);
    // A frozen card: a fault that tells the person where to go.
    tap(&mut s, "0BADCAFE").await;
    match s.state() {
        State::Fault {
            fault: Fault::Identify(kind),
            ..
        } => {
            let e = campus_kiosk::platform::PlatformError::new(*kind, "");
            let told = campus_kiosk::i18n::Bilingual::from(e.for_person());
            assert!(told.zh.contains("挂失") && told.en.contains("card centre"));
        }
        other => panic!("{other:?}"),
    }
    // An unknown card likewise; the fault clears by itself.
    s.update(Input::Touch, 20_000);
    tap(&mut s, "DEADBEEF").await;
    assert!(matches!(
        s.state(),
        State::Fault {
            fault: Fault::Identify(campus_kiosk::platform::ErrorKind::NotFound),
            ..
        }
    ));
    s.update(Input::Tick, 60_000);
    assert_eq!(s.state(), &State::Idle);
    srv.stop().await;
}

/// A copy of the examples with 2023011234's enrollment `edit`ed.
fn with_enrollment(tmp: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let src = data_dir();
    std::fs::copy(src.join("cards.json"), tmp.join("cards.json")).unwrap();
    let dir = tmp.join("2023011234");
    std::fs::create_dir(&dir).unwrap();
    for f in ["person.json", "transcript.json"] {
        std::fs::copy(src.join("2023011234").join(f), dir.join(f)).unwrap();
    }
    let mut e: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(src.join("2023011234/enrollment.json")).unwrap()).unwrap();
    edit(&mut e);
    std::fs::write(dir.join("enrollment.json"), e.to_string()).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn control_direction_and_invisible_characters_never_reach_a_document() {
    for (name, bad) in [
        ("a forged line", "王小明\nstatus: 已毕业 graduated\u{1b}[2K"),
        ("a bidi override", "王\u{202e}明小"),
        ("a zero-width space", "王\u{200b}小明"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        with_enrollment(tmp.path(), |e| e["name"] = bad.into());
        let srv = server(tmp.path()).await;
        let c = client(&srv.base_url(), TOKEN, Duration::from_secs(3));
        let e = c.enrollment("2023011234").await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadData, "{name}");
        assert!(
            e.detail.contains("answer.name") && e.detail.contains("U+"),
            "{name}: {e}"
        );
        assert!(
            !e.detail.contains('\u{1b}'),
            "{name}: the message must not carry the escape"
        );
        srv.stop().await;
    }
    // A decomposed name is composed; a soft hyphen is dropped, not printed.
    let tmp = tempfile::tempdir().unwrap();
    with_enrollment(tmp.path(), |e| {
        e["name_en"] = "Wang Mu\u{308}ller".into();
        e["major_en"] = "Inter\u{ad}national Relations".into();
    });
    let srv = server(tmp.path()).await;
    let c = client(&srv.base_url(), TOKEN, Duration::from_secs(3));
    let e = c.enrollment("2023011234").await.unwrap();
    assert_eq!(e["name_en"], "Wang Müller");
    assert_eq!(e["major_en"], "International Relations");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_is_one_path_segment_never_a_folder() {
    let srv = server(&data_dir()).await;
    let c = client(&srv.base_url(), TOKEN, Duration::from_secs(3));
    for id in [".", ".."] {
        assert_eq!(c.enrollment(id).await.unwrap_err().kind, ErrorKind::Rejected, "{id}");
    }
    // Slashes and queries are encoded into the one segment: no other
    // record or route is reached.
    for id in ["2023011234/../2024020456", "2023011234?x=1", "%2e%2e"] {
        assert_eq!(c.enrollment(id).await.unwrap_err().kind, ErrorKind::NotFound, "{id}");
    }
    // And a person whose id is ".." is bad data, never looked up.
    let e = campus_kiosk::platform::validate::person(
        &serde_json::json!({ "id": "..", "kind": "student", "name": "王小明" }),
        "person",
    )
    .unwrap_err();
    assert!(e.detail.contains("person.id"), "{e}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_after_zero_does_not_make_the_client_hammer_the_platform() {
    let srv = server(&data_dir()).await;
    let c = client(&srv.base_url(), TOKEN, Duration::from_secs(3));
    const QUEUED: usize = 2000;
    for _ in 0..QUEUED {
        srv.state.push_fault(Fault::Status {
            status: 429,
            code: "rate_limited".into(),
            retry_after: Some(0),
        });
    }
    let e = c.enrollment("2023011234").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable);
    let requests = QUEUED - srv.state.faults_left();
    // A floor of 200 ms, doubling: a handful of tries in three seconds.
    assert!((2..=12).contains(&requests), "{requests} requests");
    srv.stop().await;
}
