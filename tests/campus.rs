//! Contract 1.1 across terminals, over real HTTP on 127.0.0.1: two
//! terminals (two journals) and one reference platform share a student's
//! quota; a terminal whose platform stops or speaks 1.0 counts on its own
//! journal and says so. And the public lookup under load.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use campus_kiosk::adapters::journal::SqliteJournal;
use campus_kiosk::adapters::platform::demo::{Contract, DemoOptions, DemoServer, Fault};
use campus_kiosk::adapters::platform::http::{ClientSettings, PlatformClient};
use campus_kiosk::adapters::platform::outbox;
use campus_kiosk::adapters::printing::dir::DirectoryPrinter;
use campus_kiosk::core::quota::Basis;
use campus_kiosk::flow::print::{self, Ports};
use campus_kiosk::metrics::Telemetry;
use campus_kiosk::platform::{ErrorKind, Person};
use campus_kiosk::printing::{Follow, JobOutcome, PrintError};
use campus_kiosk::template::Template;
use campus_kiosk::ui::work::{self, Lookup, Service};

const TOKEN: &str = "campus-token";
const TERM: &str = "2026-08-01";
const URL: &str = "HTTPS://VERIFY.EXAMPLE.EDU.CN/V";

async fn platform(contract: Contract) -> DemoServer {
    let mut opts = DemoOptions::new(root().join("assets/sample-data"), TOKEN);
    opts.contract = contract;
    DemoServer::start(opts, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

fn client(base: &str, terminal: &str) -> PlatformClient {
    PlatformClient::new(
        ClientSettings {
            base_url: base.to_string(),
            terminal_id: terminal.into(),
            connect_timeout: Duration::from_millis(500),
            call_timeout: Duration::from_secs(3),
            max_response_bytes: 1024 * 1024,
            ca_pem: None,
        },
        TOKEN.into(),
    )
    .unwrap()
}

/// One terminal: its id, journal, platform client and printer folder.
struct Terminal {
    id: &'static str,
    journal: Arc<SqliteJournal>,
    client: PlatformClient,
    note: Arc<Telemetry>,
    printed: std::path::PathBuf,
}

impl Terminal {
    fn new(id: &'static str, dir: &Path, base: &str) -> Terminal {
        let printed = dir.join(format!("{id}-printed"));
        std::fs::create_dir_all(&printed).unwrap();
        Terminal {
            id,
            journal: Arc::new(SqliteJournal::open(&dir.join(format!("{id}.sqlite"))).unwrap()),
            client: client(base, id),
            note: Arc::default(),
            printed,
        }
    }

    async fn services(&self, templates: &Arc<Vec<Arc<Template>>>, person: &Person) -> Vec<Service> {
        work::services(
            Arc::new(self.client.clone()),
            self.journal.clone(),
            templates.clone(),
            person.clone(),
            Lookup {
                issued_at: ISSUED_AT.into(),
                now_unix: NOW,
                term_start: TERM.into(),
                counts_wait: Duration::from_secs(2),
            },
            self.note.clone(),
        )
        .await
        .unwrap()
    }

    /// Prints `copies` of `service` through the print flow, as the kiosk
    /// does from its preview, on a folder printer.
    async fn print(&self, service: &Service, person: &Person, copies: u32) -> print::Finished {
        let sealer = campus_kiosk::pipeline::Sealer {
            terminal: self.id.into(),
            key: ed25519_dalek::SigningKey::from_bytes(&[3; 32]),
            verify_url: URL.into(),
        };
        let rendered = work::render(book(), service, ISSUED_AT, &sealer).unwrap();
        let mut preview = campus_kiosk::ui::screen::preview::State::new(service, false, false);
        preview.copies = copies;
        let order = work::order(self.id, &person.id, &preview, &rendered, Some(service), TERM);
        let ports = Ports {
            journal: self.journal.clone(),
            printer: Arc::new(DirectoryPrinter::new(&self.printed)),
            clock: Arc::new(campus_kiosk::core::clock::ManualClock::new(
                time::macros::datetime!(2026-11-23 01:30 UTC),
            )),
            utc_offset: time::macros::offset!(+8),
            follow: Follow {
                poll: Duration::from_millis(10),
                stuck_after: Duration::from_secs(5),
            },
            outbox: None,
        };
        print::print(&ports, order, &mut |_| {}).await
    }
}

/// The Chinese transcript with a quota of 4 copies a term.
fn templates(dir: &Path) -> Arc<Vec<Arc<Template>>> {
    let folder = dir.join("transcript-zh");
    copy_dir(&root().join("print-templates/transcript-zh"), &folder);
    let toml = std::fs::read_to_string(folder.join("template.toml")).unwrap();
    assert!(toml.contains("quota_per_term = 20"));
    std::fs::write(
        folder.join("template.toml"),
        toml.replace("quota_per_term = 20", "quota_per_term = 4"),
    )
    .unwrap();
    Arc::new(vec![Arc::new(Template::load(&folder).unwrap())])
}

fn transcript(list: &[Service]) -> &Service {
    list.iter().find(|s| s.id == "transcript-zh").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_terminals_share_one_students_quota() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = platform(Contract::V1_1).await;
    let templates = templates(tmp.path());
    let a = Terminal::new("T-A", tmp.path(), &srv.base_url());
    let b = Terminal::new("T-B", tmp.path(), &srv.base_url());
    let person = a.client.card("04A1B2C3").await.unwrap();

    // Terminal A prints 3 of the 4 copies; its outbox hands the record over.
    let on_a = a.services(&templates, &person).await;
    assert_eq!(transcript(&on_a).quota.unwrap().used, 0);
    let done = a.print(transcript(&on_a), &person, 3).await;
    assert!(matches!(done.result, Ok(JobOutcome::Printed { .. })), "{done:?}");
    assert_eq!(outbox::deliver(&a.journal, &a.client).await.unwrap(), 1);
    let records = srv.state.records();
    assert_eq!(records.len(), 1);
    // The record carries the seal that was printed, and the template's version.
    let seal = records[0]["seal"].as_str().unwrap();
    assert!(seal.starts_with(&format!("{URL}#")), "{seal}");
    assert_eq!(
        records[0]["template_version"],
        templates[0].file.service.version.as_str()
    );
    // Once the platform has it, the journal keeps no seal (it holds the
    // certified fields).
    let kept = a.journal.all().unwrap();
    assert!(kept[0].posted && kept[0].seal.is_none(), "{kept:?}");

    // On terminal B, the student has 1 copy left.
    let on_b = b.services(&templates, &person).await;
    let q = transcript(&on_b).quota.unwrap();
    assert_eq!((q.used, q.elsewhere, q.remaining()), (3, 3, 1), "{q:?}");
    assert_eq!(transcript(&on_b).max_copies, 1);
    assert_eq!(b.note.live().quota_basis, Some(Basis::Campus));
    assert!(work::quota_line(&b.note).contains("campus-wide"));
    // Two copies are refused as B's journal writes the attempt, with the
    // whole count.
    let refused = b.print(transcript(&on_b), &person, 2).await;
    assert!(
        matches!(refused.result, Err(PrintError::QuotaReached { used: 3, limit: 4 })),
        "{refused:?}"
    );
    assert!(
        b.journal.all().unwrap().is_empty(),
        "nothing was recorded, nothing charged"
    );

    // B prints the last copy, and does not deliver it yet: A sees the
    // platform's 3 only, B its own undelivered copy on top.
    let last = b.print(transcript(&on_b), &person, 1).await;
    assert!(matches!(last.result, Ok(JobOutcome::Printed { .. })), "{last:?}");
    let q = transcript(&b.services(&templates, &person).await).quota.unwrap();
    assert_eq!((q.used, q.remaining()), (4, 0));
    assert!(transcript(&b.services(&templates, &person).await).unavailable.is_some());
    assert_eq!(
        transcript(&a.services(&templates, &person).await).quota.unwrap().used,
        3
    );
    outbox::deliver(&b.journal, &b.client).await.unwrap();
    let on_a = a.services(&templates, &person).await;
    assert_eq!(transcript(&on_a).quota.unwrap().used, 4);
    assert!(transcript(&on_a).unavailable.is_some(), "spent on every terminal");

    // The platform is too slow with its counts: B counts on its own
    // journal (its 1 copy) and says so; everything else works.
    srv.state.push_fault_on("print-counts", Fault::Stall { ms: 2_500 });
    let on_b = b.services(&templates, &person).await;
    let q = transcript(&on_b).quota.unwrap();
    assert_eq!((q.used, q.elsewhere), (1, 0), "{q:?}");
    match &b.note.live().quota_basis {
        Some(Basis::Local { why }) => assert!(why.contains("within"), "{why}"),
        other => panic!("quotas should be local: {other:?}"),
    }
    assert!(work::quota_line(&b.note).contains("LOCAL"));

    // A service from the person's own record (no platform data): A prints
    // its 2 copies; then the platform stops, and B, counting on its own
    // journal, would let 2 more through: it says its quotas are local.
    let card = card_template(tmp.path());
    let on_a = a.services(&card, &person).await;
    let done = a.print(&on_a[0], &person, 2).await;
    assert!(matches!(done.result, Ok(JobOutcome::Printed { .. })), "{done:?}");
    outbox::deliver(&a.journal, &a.client).await.unwrap();
    assert_eq!(b.services(&card, &person).await[0].quota.unwrap().used, 2);
    srv.stop().await;
    let on_b = b.services(&card, &person).await;
    assert_eq!(on_b[0].quota.unwrap().used, 0);
    match &b.note.live().quota_basis {
        Some(Basis::Local { why }) => {
            assert!(why.contains("unavailable"), "{why}");
            assert!(!why.contains(&person.id), "no person's id in what is logged: {why}");
        }
        other => panic!("quotas should be local: {other:?}"),
    }
    let line = work::quota_line(&b.note);
    assert!(line.contains("LOCAL"), "{line}");
}

/// A service printed from the person's own record: a campus-card
/// certificate, 2 copies a term.
fn card_template(dir: &Path) -> Arc<Vec<Arc<Template>>> {
    let folder = dir.join("campus-card");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("template.toml"),
        r#"[service]
id = "campus-card"
version = "1.0.0"
name = { zh = "校园卡证明", en = "Campus card certificate" }
audience = ["student"]
data = ["person"]
max_copies = 2
quota_per_term = 2
paper = "A4"
issuer = "Campus card centre"
title = "Campus card certificate"

[[body]]
type = "fields"
columns = 1
label_width = 40
items = [{ label = "Name", value = "{{ person.name_en }}" }]
"#,
    )
    .unwrap();
    Arc::new(vec![Arc::new(Template::load(&folder).unwrap())])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_on_contract_1_0_leaves_quotas_local() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = platform(Contract::V1_0).await;
    let templates = templates(tmp.path());
    let t = Terminal::new("T-OLD", tmp.path(), &srv.base_url());
    let person = t.client.card("04A1B2C3").await.unwrap();
    let e = t.client.print_counts(&person.id, TERM).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotImplemented, "{e}");
    // Everything else works as before.
    let list = t.services(&templates, &person).await;
    let done = t.print(transcript(&list), &person, 2).await;
    assert!(matches!(done.result, Ok(JobOutcome::Printed { .. })), "{done:?}");
    assert_eq!(outbox::deliver(&t.journal, &t.client).await.unwrap(), 1);
    let q = transcript(&t.services(&templates, &person).await).quota.unwrap();
    assert_eq!((q.used, q.elsewhere), (2, 0));
    assert!(
        work::quota_line(&t.note).contains("contract 1.0"),
        "{}",
        work::quota_line(&t.note)
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn print_counts_are_checked_and_bad_days_refused() {
    let srv = platform(Contract::V1_1).await;
    let c = client(&srv.base_url(), "T-1");
    let counts = c.print_counts("2023011234", TERM).await.unwrap();
    assert!(counts.counts.is_empty() && counts.since == TERM);
    let e = c.print_counts("nobody", TERM).await.unwrap_err();
    assert_eq!(
        (e.kind, e.code.as_deref()),
        (ErrorKind::NotFound, Some("person_unknown"))
    );
    let e = c.print_counts("2023011234", "2026-13-01").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Rejected, "{e}");
    // No token, no counts.
    let anonymous = PlatformClient::public(&srv.base_url(), Duration::from_secs(2)).unwrap();
    let e = anonymous.print_counts("2023011234", TERM).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_lookup_answers_the_seal_only_and_limits_each_client() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = platform(Contract::V1_1).await;
    let templates = templates(tmp.path());
    let t = Terminal::new("T-PUB", tmp.path(), &srv.base_url());
    let person = t.client.card("04A1B2C3").await.unwrap();
    let list = t.services(&templates, &person).await;
    t.print(transcript(&list), &person, 1).await;
    outbox::deliver(&t.journal, &t.client).await.unwrap();
    let record = &srv.state.records()[0];
    let id = record["document_id"].as_str().unwrap().to_string();
    let short = campus_kiosk::pipeline::grouped(&id);
    assert_eq!(short.len(), 19, "{short}");

    let http = reqwest::Client::new();
    let get = |code: String| {
        let http = http.clone();
        let url = format!("{}/public/documents/{code}", srv.base_url());
        async move { http.get(url).send().await.unwrap() }
    };
    // Any case, with or without the hyphens: the code under the QR code is
    // the whole id.
    for code in [short.clone(), short.to_lowercase(), short.replace('-', ""), id.clone()] {
        let r = get(code.clone()).await;
        assert_eq!(r.status(), 200, "{code}");
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        let body: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        let doc = &body["documents"][0];
        // Nothing but what the seal holds, and its status.
        let mut keys: Vec<&str> = doc.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["document_id", "seal", "status"], "{body}");
        assert_eq!(doc["seal"], record["seal"]);
        assert!(!body.to_string().contains(&person.id), "no person id: {body}");
    }
    let r = get("ABCD-EFG!".into()).await;
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "bad_code");
    // The 8-character prefix older papers carried is no way in.
    assert_eq!(get(id[..8].to_string()).await.status(), 400);
    assert_eq!(get("ZZZZ-ZZZZ-ZZZZ-ZZZZ".into()).await.status(), 404);

    // A bounded loop: past the limit (30 a minute), 429 with Retry-After.
    let mut limited = None;
    for i in 0..100 {
        let r = get(short.clone()).await;
        if r.status() == 429 {
            limited = Some((i, r));
            break;
        }
        assert_eq!(r.status(), 200);
    }
    let (after, r) = limited.expect("the lookup is rate-limited");
    assert!(after < 30, "limited after {after} more lookups");
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    // The terminal's own calls are not held back by it.
    assert!(t.client.print_counts(&person.id, TERM).await.is_ok());
    srv.stop().await;
}
