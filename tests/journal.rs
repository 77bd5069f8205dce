//! The journal survives a crash: `kiosk printer test-page` is killed
//! (SIGKILL) after the job was handed to a real IPP printer and before it
//! printed; `kiosk journal reconcile` then asks the printer and settles the
//! attempt.

use std::time::{Duration, Instant};

use crate::common::*;
use campus_kiosk::adapters::journal::{Made, SqliteJournal, Stage};

#[test]
fn an_attempt_killed_between_submitted_and_printed_is_reconciled() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    // The printer takes a few seconds over each job.
    let cmd = script(tmp.path(), "sleep 4\nexit 0");
    let (_procs, uri) = ippeveprinter_with(&spool, "application/pdf", &["-c", cmd.to_str().unwrap()]);
    let cfg = tmp.path().join("terminal.toml");
    std::fs::write(
        &cfg,
        format!(
            "[terminal]\nid = \"T-1\"\nname = \"t\"\n[platform]\nbase_url = \"http://127.0.0.1:1/api/v1\"\ntoken_file = \"token\"\n[printer]\nkind = \"ipp\"\nuri = \"{uri}\"\n[journal]\npath = \"journal.sqlite\"\n"
        ),
    )
    .unwrap();
    let mut kiosk = std::process::Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["printer", "test-page", "--config", cfg.to_str().unwrap()])
        .current_dir(tmp.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the journal says the job was handed over, then kill.
    let db = tmp.path().join("journal.sqlite");
    let started = Instant::now();
    let id = loop {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the job was never handed over"
        );
        if db.exists()
            && let Ok(j) = SqliteJournal::open(&db)
            && let Some(a) = j.all().unwrap().into_iter().find(|a| a.printer_job.is_some())
        {
            assert_eq!(a.stage, Stage::Submitted, "{a:?}");
            break a.id;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    kiosk.kill().unwrap(); // SIGKILL: no destructor, no last write.
    kiosk.wait().unwrap();
    let j = SqliteJournal::open(&db).unwrap();
    assert_eq!(
        j.get(&id).unwrap().stage,
        Stage::Submitted,
        "nothing ran after the kill"
    );
    drop(j);

    // Restarted: reconcile until the printer has finished the job.
    let started = Instant::now();
    loop {
        let out = kiosk_run(&["journal", "reconcile", "--config", cfg.to_str().unwrap()], tmp.path());
        if out.contains("1 settled") {
            assert!(out.contains("printed"), "{out}");
            break;
        }
        assert!(out.contains("still submitted"), "{out}");
        assert!(started.elapsed() < Duration::from_secs(30), "never settled: {out}");
        std::thread::sleep(Duration::from_millis(500));
    }
    let a = SqliteJournal::open(&db).unwrap().get(&id).unwrap();
    assert_eq!(a.stage, Stage::Printed, "{a:?}");
    assert!(a.finished_at.is_some() && a.content_sha256.is_some() && a.document.is_some());
    // It went through every step, each written once.
    let listed = kiosk_run(&["journal", "list", "--config", cfg.to_str().unwrap()], tmp.path());
    assert!(listed.contains(&id) && listed.contains("test-page printed"), "{listed}");
}

fn kiosk_run(args: &[&str], cwd: &std::path::Path) -> String {
    let out = kiosk(args, cwd);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn stats_match_a_known_journal() {
    use campus_kiosk::printing::{JobId, JobOutcome};
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("terminal.toml"),
        format!(
            "[terminal]\nid = \"T-1\"\nname = \"t\"\n[platform]\nbase_url = \"http://127.0.0.1:1/api/v1\"\ntoken_file = \"token\"\n[printer]\nkind = \"directory\"\ndir = \"printed\"\n[services]\ntemplates = {:?}\n[terms]\nstarts = [\"02-20\", \"09-01\"]\n",
            root().join("print-templates").display().to_string()
        ),
    )
    .unwrap();
    let j = SqliteJournal::open(&tmp.path().join("journal.sqlite")).unwrap();
    // (service, day, pages, copies, outcome, rating)
    type Known<'a> = (&'a str, &'a str, u32, u32, Option<JobOutcome>, Option<u8>);
    let known: [Known<'_>; 6] = [
        (
            "transcript-zh",
            "2026-11-22",
            2,
            2,
            Some(JobOutcome::Printed { impressions: None }),
            Some(5),
        ),
        (
            "transcript-zh",
            "2026-11-23",
            2,
            1,
            Some(JobOutcome::Printed { impressions: None }),
            Some(3),
        ),
        (
            "enrollment-certificate",
            "2026-11-23",
            1,
            3,
            Some(JobOutcome::Failed {
                reason: "media-jam".into(),
            }),
            None,
        ),
        (
            "enrollment-certificate",
            "2026-11-23",
            1,
            1,
            Some(JobOutcome::Failed {
                reason: "job-stuck: not finished after 300s; cancelled".into(),
            }),
            None,
        ),
        ("transcript-en", "2026-11-23", 3, 1, Some(JobOutcome::Cancelled), None),
        // Still printing: not counted.
        ("transcript-en", "2026-11-23", 3, 1, None, None),
    ];
    for (service, day, pages, copies, outcome, rating) in &known {
        let at = format!("{day}T10:00:00+08:00");
        let id = j.create("T-1", service, "2023011234", *copies, &at).unwrap();
        j.rendered(&id, &Made::unsealed("D", *pages, "x"), &at).unwrap();
        j.submitting(&id, &at).unwrap();
        j.printer_job(&id, &JobId("1".into())).unwrap();
        if let Some(o) = outcome {
            j.finished(&id, o, &at).unwrap();
        }
        if let Some(r) = rating {
            j.rate(&id, *r).unwrap();
        }
    }
    let out = kiosk(
        &[
            "stats",
            "--config",
            tmp.path().to_str().unwrap(),
            "--term",
            "2026-11-23",
            "--json",
        ],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["total"]["attempts"], 5);
    assert_eq!(s["total"]["printed"], 2);
    assert_eq!(s["total"]["failed"], 2);
    assert_eq!(s["total"]["cancelled"], 1);
    assert_eq!(s["total"]["pages_printed"], 2 * 2 + 2);
    assert_eq!(s["by_service"]["transcript-zh"]["printed"], 2);
    assert_eq!(s["by_service"]["enrollment-certificate"]["failed"], 2);
    assert_eq!(s["by_day"]["2026-11-22"]["attempts"], 1);
    assert_eq!(s["by_day"]["2026-11-23"]["attempts"], 4);
    assert_eq!(s["failures"]["media-jam"], 1);
    assert_eq!(s["failures"]["job-stuck"], 1);
    assert_eq!(s["ratings"], 2);
    assert_eq!(s["average_rating"], 4.0);
    // The transcripts set a quota of 20 copies per term: one person
    // printed 3 copies of the Chinese one (the cancelled English one does
    // not count).
    let quotas = s["quotas"].as_array().unwrap();
    let zh = quotas.iter().find(|q| q["service"] == "transcript-zh").unwrap();
    assert_eq!(
        (
            &zh["limit"],
            &zh["term_start"],
            &zh["people"],
            &zh["copies"],
            &zh["most"]
        ),
        (&20.into(), &"2026-09-01".into(), &1.into(), &3.into(), &3.into())
    );
    let en = quotas.iter().find(|q| q["service"] == "transcript-en").unwrap();
    assert_eq!((&en["people"], &en["copies"]), (&0.into(), &0.into()));
    assert!(quotas.iter().all(|q| q["service"] != "enrollment-certificate"));
    // From a date on; and the table for people.
    let out = kiosk(
        &[
            "stats",
            "--config",
            tmp.path().to_str().unwrap(),
            "--since",
            "2026-11-23",
            "--json",
        ],
        tmp.path(),
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["total"]["attempts"], 4);
    let table = kiosk(&["stats", "--config", tmp.path().to_str().unwrap()], tmp.path());
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("transcript-zh")
            && text.contains("media-jam")
            && text.contains("average 4.00")
            && text.contains("quotas in the term from"),
        "{text}"
    );
    let bad = kiosk(
        &[
            "stats",
            "--config",
            tmp.path().to_str().unwrap(),
            "--since",
            "yesterday",
        ],
        tmp.path(),
    );
    assert!(!bad.status.success());
}

#[test]
fn the_journal_benchmark_reports_figures_and_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let out = kiosk_run(
        &[
            "bench",
            "journal",
            "--dir",
            tmp.path().to_str().unwrap(),
            "--attempts",
            "300",
            "--people",
            "30",
            "-n",
            "3",
        ],
        tmp.path(),
    );
    let figure = |key: &str| -> f64 {
        out.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key} in {out}"))
            .parse()
            .unwrap()
    };
    assert_eq!(figure("attempts"), 300.0);
    assert!(figure("attempt_writes_ms_median") > 0.0, "{out}");
    assert!(figure("file_bytes") > 0.0, "{out}");
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "the scratch journal is removed"
    );
}
