//! The outbox delivers each final record exactly once to the reference
//! platform, across a platform outage and a restart of the terminal.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::*;
use campus_kiosk::adapters::journal::{Made, SqliteJournal};
use campus_kiosk::adapters::platform::demo::{DemoOptions, DemoServer, Fault};
use campus_kiosk::adapters::platform::http::{ClientSettings, PlatformClient};
use campus_kiosk::adapters::platform::outbox::{self, Pace};
use campus_kiosk::printing::{JobId, JobOutcome};

const AT: &str = "2026-11-23T09:30:00+08:00";

fn client(base: &str) -> PlatformClient {
    PlatformClient::new(
        ClientSettings {
            base_url: base.to_string(),
            terminal_id: "T-1".into(),
            connect_timeout: Duration::from_secs(2),
            call_timeout: Duration::from_secs(2),
            max_response_bytes: 256 * 1024,
            ca_pem: None,
        },
        "tok".into(),
    )
    .unwrap()
}

/// An attempt that reached `outcome`.
fn attempt(j: &SqliteJournal, outcome: &JobOutcome) -> String {
    let id = j.create("T-1", "transcript-zh", "2023011234", 1, AT).unwrap();
    j.rendered(&id, &Made::unsealed("DOC", 2, "ab"), AT).unwrap();
    j.submitting(&id, AT).unwrap();
    j.printer_job(&id, &JobId("1".into())).unwrap();
    j.finished(&id, outcome, AT).unwrap();
    id
}

#[tokio::test(flavor = "multi_thread")]
async fn each_record_arrives_once_across_an_outage_and_a_restart() {
    let server = DemoServer::start(
        DemoOptions::new(root().join("assets/sample-data"), "tok"),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("journal.sqlite");
    let j = SqliteJournal::open(&db).unwrap();
    let mut ids = vec![
        attempt(&j, &JobOutcome::Printed { impressions: Some(2) }),
        attempt(
            &j,
            &JobOutcome::Failed {
                reason: "media-jam".into(),
            },
        ),
        attempt(&j, &JobOutcome::Cancelled),
    ];
    // Still printing: not a record yet.
    let open = j.create("T-1", "transcript-zh", "2023011234", 1, AT).unwrap();
    let c = client(&server.base_url());

    // The platform is away: nothing is delivered, nothing is lost.
    for _ in 0..20 {
        server.state.push_fault(Fault::Status {
            status: 503,
            code: "unavailable".into(),
            retry_after: None,
        });
    }
    assert!(outbox::deliver(&j, &c).await.is_err());
    assert!(server.state.records().is_empty());
    assert_eq!(j.outbox().unwrap().len(), 3);

    // The terminal restarts: a record had reached the platform just before
    // (its "posted" mark never written).
    drop(j);
    let j = Arc::new(SqliteJournal::open(&db).unwrap());
    while server.state.records().is_empty() {
        // The outage ends when the injected faults are used up.
        if c.post_print_record(&j.get(&ids[0]).unwrap().record()).await.is_ok() {
            break;
        }
    }
    let nudge = Arc::new(tokio::sync::Notify::new());
    let pace = Pace {
        idle: Duration::from_millis(100),
        min_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(400),
    };
    let task = tokio::spawn(outbox::run(j.clone(), c.clone(), pace, nudge.clone()));
    let started = Instant::now();
    while !j.outbox().unwrap().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(30), "the outbox never emptied");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A record finished later is delivered too, without waiting long.
    ids.push(attempt(&j, &JobOutcome::Printed { impressions: Some(1) }));
    nudge.notify_one();
    while !j.outbox().unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the late record never went"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    task.abort();

    let records = server.state.records();
    let mut got: Vec<String> = records
        .iter()
        .map(|r| r["record_id"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    ids.sort();
    assert_eq!(
        got, ids,
        "each final record exactly once, and the open attempt not at all"
    );
    assert!(!got.contains(&open));
    assert!(
        server.state.record_posts() > 4,
        "the duplicate post happened and was absorbed"
    );
    let failed = records.iter().find(|r| r["status"] == "failed").unwrap();
    assert_eq!(failed["failure"], "media-jam");
    server.stop().await;
}
