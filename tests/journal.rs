//! The journal survives a crash: `kiosk printer test-page` is killed
//! (SIGKILL) after the job was handed to a real IPP printer and before it
//! printed; `kiosk journal reconcile` then asks the printer and settles the
//! attempt.

mod common;

use std::time::{Duration, Instant};

use campus_kiosk::adapters::journal::{Journal, Stage};
use common::*;

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
            && let Ok(j) = Journal::open(&db)
            && let Some(a) = j.all().unwrap().into_iter().find(|a| a.printer_job.is_some())
        {
            assert_eq!(a.stage, Stage::Submitted, "{a:?}");
            break a.id;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    kiosk.kill().unwrap(); // SIGKILL: no destructor, no last write.
    kiosk.wait().unwrap();
    let j = Journal::open(&db).unwrap();
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
    let a = Journal::open(&db).unwrap().get(&id).unwrap();
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
