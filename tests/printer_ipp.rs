//! IPP preflight against a real printer: ippeveprinter (cups-ipp-utils) on
//! 127.0.0.1, with a private D-Bus for its DNS-SD code.

use std::time::Duration;

use std::sync::Arc;

use crate::common::*;
use campus_kiosk::adapters::printing::ipp::IppPrinter;
use campus_kiosk::printing::{Follow, Progress};
use campus_kiosk::printing::{
    JobId, JobOutcome, JobState, PrintJob, Printer, PrinterErrorKind, PrinterState, Readiness, readiness,
};

/// A private D-Bus and an IPP Everywhere printer taking `formats`.
fn ippeveprinter(spool: &std::path::Path, formats: &str) -> (Procs, String) {
    ippeveprinter_with(spool, formats, &[])
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pdf_printer_is_ready() {
    let tmp = tempfile::tempdir().unwrap();
    let (_procs, uri) = ippeveprinter(tmp.path(), "application/pdf");
    let p = IppPrinter::new(&uri, Duration::from_secs(5)).unwrap();
    let s = p.status().await.unwrap();
    assert_eq!(s.state, PrinterState::Idle);
    assert!(s.accepts_pdf, "{s:?}");
    assert_eq!(s.reasons, ["none"]);
    assert_eq!(readiness(&s), Readiness::Ready { warnings: vec![] });
    // What a technician reads: formats, media loaded, supply levels.
    assert!(s.formats.iter().any(|f| f == "application/pdf"), "{s:?}");
    assert!(!s.media_ready.is_empty(), "{s:?}");
    assert!(!s.supplies.is_empty(), "{s:?}");
    assert!(
        s.supplies
            .iter()
            .any(|x| x.kind == "toner" && x.level.is_some_and(|l| l <= 100)),
        "{s:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_queue_without_pdf_is_a_setup_error() {
    let tmp = tempfile::tempdir().unwrap();
    let (_procs, uri) = ippeveprinter(tmp.path(), "image/pwg-raster");
    let s = IppPrinter::new(&uri, Duration::from_secs(5))
        .unwrap()
        .status()
        .await
        .unwrap();
    assert!(!s.accepts_pdf, "{s:?}");
    match readiness(&s) {
        Readiness::Misconfigured { message } => assert!(message.contains("application/pdf"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_printer_that_does_not_answer_is_offline_within_the_timeout() {
    // Accepts connections (the kernel's backlog) but never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let p = IppPrinter::new(&format!("ipp://127.0.0.1:{port}/ipp/print"), Duration::from_millis(800)).unwrap();
    let e = p.status().await.unwrap_err();
    assert_eq!(e.kind, PrinterErrorKind::Offline, "{e}");
    // And nothing listening at all.
    let closed = free_port();
    let p = IppPrinter::new(
        &format!("ipp://127.0.0.1:{closed}/ipp/print"),
        Duration::from_millis(800),
    )
    .unwrap();
    assert_eq!(p.status().await.unwrap_err().kind, PrinterErrorKind::Offline);
    drop(silent);
}

fn transcript_pdf() -> Vec<u8> {
    let (doc, _) =
        campus_kiosk::pipeline::render(book(), &template("transcript-zh"), &sample("2023011234"), ISSUED_AT).unwrap();
    campus_kiosk::export::pdf::to_pdf(book(), &doc).unwrap()
}

fn files_in(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_in(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn job(pdf: Vec<u8>, copies: u32, duplex: bool) -> PrintJob {
    PrintJob {
        id: "j1".into(),
        title: "transcript-zh".into(),
        pdf: Arc::from(pdf),
        copies,
        pages: 2,
        duplex,
    }
}

const FOLLOW: Follow = Follow {
    poll: Duration::from_millis(150),
    stuck_after: Duration::from_secs(30),
};

#[tokio::test(flavor = "multi_thread")]
async fn a_job_completes_with_the_exact_pdf_copies_and_sides() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    let cmd = script(tmp.path(), "exit 0");
    let (_procs, uri) = ippeveprinter_with(&spool, "application/pdf", &["-2", "-c", cmd.to_str().unwrap()]);
    let p = IppPrinter::new(&uri, Duration::from_secs(5)).unwrap();
    let pdf = transcript_pdf();
    let (outcome, seen, _) = print_recorded(Arc::new(p), &job(pdf.clone(), 2, true), FOLLOW).await;
    let outcome = outcome.unwrap();
    assert!(
        matches!(outcome, JobOutcome::Printed { .. }),
        "{outcome:?} after {seen:?}"
    );
    assert!(
        matches!(seen[..2], [Progress::Submitting, Progress::Accepted { .. }]),
        "{seen:?}"
    );
    // The spooled file is byte for byte the PDF we sent.
    let spooled: Vec<_> = files_in(&spool)
        .into_iter()
        .filter(|f| std::fs::read(f).map(|b| b == pdf).unwrap_or(false))
        .collect();
    assert_eq!(spooled.len(), 1, "{:?}", files_in(&spool));
    // Copies and sides arrived as job attributes.
    let env = std::fs::read_to_string(tmp.path().join("job-env.txt")).unwrap();
    assert!(env.contains("IPP_COPIES=2"), "{env}");
    assert!(env.contains("IPP_SIDES=two-sided-long-edge"), "{env}");
    assert!(env.contains("iso_a4_210x297mm"), "{env}");
}

/// An ippeveprinter whose print command ends with `tail`.
fn printer_running(dir: &std::path::Path, tail: &str) -> (Procs, Arc<IppPrinter>) {
    let cmd = script(dir, tail);
    let (procs, uri) = ippeveprinter_with(dir, "application/pdf", &["-c", cmd.to_str().unwrap()]);
    (procs, Arc::new(IppPrinter::new(&uri, Duration::from_secs(5)).unwrap()))
}

/// Prints one transcript on an ippeveprinter whose print command ends with
/// `tail`, following it with `follow`: the printer, the outcome, and
/// what was seen on the way.
async fn print_one_with(
    dir: &std::path::Path,
    tail: &str,
    follow: Follow,
) -> (Procs, Arc<IppPrinter>, JobOutcome, Vec<Progress>) {
    let (procs, p) = printer_running(dir, tail);
    let (outcome, seen, _) = print_recorded(p.clone(), &job(transcript_pdf(), 1, false), follow).await;
    let outcome = outcome.unwrap();
    (procs, p, outcome, seen)
}

async fn print_one(dir: &std::path::Path, tail: &str) -> (Procs, Arc<IppPrinter>, JobOutcome) {
    let (procs, p, outcome, _) = print_one_with(dir, tail, FOLLOW).await;
    (procs, p, outcome)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_aborted_job_is_failed_not_printed() {
    let tmp = tempfile::tempdir().unwrap();
    let (_procs, p, outcome) = print_one(tmp.path(), "exit 1").await;
    drop(p);
    assert!(matches!(outcome, JobOutcome::Failed { .. }), "{outcome:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn media_empty_blocks_the_next_job_with_the_right_words() {
    let tmp = tempfile::tempdir().unwrap();
    let (_procs, p, _) = print_one(tmp.path(), "echo 'STATE: +media-empty' >&2\nexit 0").await;
    let s = p.status().await.unwrap();
    // printer-state may well be idle: the reasons decide.
    match readiness(&s) {
        Readiness::NotReady { reason } => {
            assert_eq!(reason, "media-empty", "{s:?}");
            let advice = campus_kiosk::printing::advice(&reason);
            assert_eq!(
                (advice.zh(), advice.en(), advice.call_staff),
                ("打印机缺纸。", "The printer is out of paper.", true)
            );
        }
        other => panic!("{other:?} from {s:?}"),
    }
}

fn config(dir: &std::path::Path, printer: &str) -> std::path::PathBuf {
    let cfg = dir.join("terminal.toml");
    std::fs::write(
        &cfg,
        format!("[terminal]\nid = \"T-1\"\nname = \"t\"\n[platform]\nbase_url = \"http://127.0.0.1:1/api/v1\"\ntoken_file = \"token\"\n[printer]\n{printer}"),
    )
    .unwrap();
    cfg
}

#[test]
fn technician_commands_against_a_real_printer() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    let (_procs, uri) = ippeveprinter(&spool, "application/pdf");
    let cfg = config(tmp.path(), &format!("kind = \"ipp\"\nuri = \"{uri}\"\n"));
    let out = kiosk(&["printer", "status", "--config", cfg.to_str().unwrap()], tmp.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("accepts PDF: yes") && text.ends_with("ready\n"), "{text}");
    // Media and supplies, as the printer reports them.
    assert!(text.contains("media ready: ") && text.contains("supply: "), "{text}");
    assert!(text.contains("formats: ") && text.contains("application/pdf"), "{text}");

    let out = kiosk(&["printer", "test-page", "--config", cfg.to_str().unwrap()], tmp.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("outcome: Printed"), "{text}");
    // What the printer spooled is a sound PDF.
    let pdfs: Vec<_> = files_in(&spool)
        .into_iter()
        .filter(|f| std::fs::read(f).unwrap().starts_with(b"%PDF"))
        .collect();
    assert_eq!(pdfs.len(), 1, "{:?}", files_in(&spool));
    run("qpdf", &["--check", pdfs[0].to_str().unwrap()]);
}

#[test]
fn technician_commands_report_problems() {
    let tmp = tempfile::tempdir().unwrap();
    let (_procs, uri) = ippeveprinter(tmp.path(), "image/pwg-raster");
    let cfg = config(tmp.path(), &format!("kind = \"ipp\"\nuri = \"{uri}\"\n"));
    let out = kiosk(&["printer", "status", "--config", cfg.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("MISCONFIGURED"));
    // Nobody there: offline, and nothing is sent.
    let closed = free_port();
    let cfg = config(
        tmp.path(),
        &format!("kind = \"ipp\"\nuri = \"ipp://127.0.0.1:{closed}/ipp/print\"\ntimeout_ms = 800\n"),
    );
    let out = kiosk(&["printer", "test-page", "--config", cfg.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("printer offline"));
    // The directory printer writes the test page into its folder.
    let cfg = config(tmp.path(), "kind = \"directory\"\ndir = \"printed\"\n");
    let out = kiosk(&["printer", "test-page", "--config", cfg.to_str().unwrap()], tmp.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written: Vec<_> = files_in(&tmp.path().join("printed"));
    assert_eq!(written.len(), 1);
    run("qpdf", &["--check", written[0].to_str().unwrap()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fault_mid_job_is_reported_and_the_job_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    // Paper runs out mid-job and is refilled a little later.
    let refill = "echo 'STATE: +media-empty' >&2\nsleep 2\necho 'STATE: -media-empty' >&2\nexit 0";
    let (_procs, p, outcome, seen) = print_one_with(tmp.path(), refill, FOLLOW).await;
    let faults = Progress::faults(&seen);
    let at = faults
        .iter()
        .position(|f| f.as_deref() == Some("media-empty"))
        .unwrap_or_else(|| panic!("the empty tray was reported while the job ran: {seen:?}"));
    assert!(
        faults[at..].contains(&None) || matches!(outcome, JobOutcome::Printed { .. }),
        "{seen:?}"
    );
    assert!(matches!(outcome, JobOutcome::Printed { .. }), "{outcome:?}");
    assert!(matches!(readiness(&p.status().await.unwrap()), Readiness::Ready { .. }));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stuck_job_is_cancelled_and_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let follow = Follow {
        poll: Duration::from_millis(200),
        stuck_after: Duration::from_secs(2),
    };
    let (_procs, p, outcome, seen) = print_one_with(tmp.path(), "sleep 60", follow).await;
    match outcome {
        JobOutcome::Failed { reason } => assert!(reason.starts_with("job-stuck"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let id: JobId = seen
        .iter()
        .find_map(|e| match e {
            Progress::Accepted { job } => Some(job.clone()),
            Progress::Submitting | Progress::Running { .. } => None,
        })
        .unwrap();
    // The printer took the cancel: the job is canceled, or (IPP's
    // processing-to-stop-point) finishing what it was doing before it is.
    let mut job_now = p.job(&id).await.unwrap();
    for _ in 0..50 {
        if job_now.state == JobState::Canceled || job_now.reasons.iter().any(|r| r == "processing-to-stop-point") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        job_now = p.job(&id).await.unwrap();
    }
    assert!(
        job_now.state == JobState::Canceled || job_now.reasons.iter().any(|r| r == "processing-to-stop-point"),
        "{job_now:?}"
    );
}
