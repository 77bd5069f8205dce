//! One print attempt, from its journal record to its end: the quota
//! checked again as the attempt is written, the document's digest, the
//! `submitted` step before the hand-over, the printer's job id, the
//! outcome, and the reason the session core hears if it failed.
//!
//! ```text
//! created ─▶ rendered ─▶ [preflight] ─▶ submitted ─▶ hand-over ─▶ follow ─▶ finished
//! ```
//!
//! Every step is written before the action it describes; a step that cannot
//! be written before the hand-over stops the print (nothing sent, nothing
//! charged), and the record keeps why.

use std::sync::Arc;

use sha2::Digest;

use super::driver::{self, Steps};
use crate::core::clock::{Clock, local_rfc3339};
use crate::core::fault::FaultAdvice;
use crate::core::quota::Quota;
use crate::journal::{Journal, JournalError, Made};
use crate::printing::{Follow, JobOutcome, PrintError, PrintJob, Printer, PrinterErrorKind, Progress};

/// What a print runs on.
#[derive(Clone)]
pub struct Ports {
    pub journal: Arc<dyn Journal>,
    pub printer: Arc<dyn Printer>,
    pub clock: Arc<dyn Clock>,
    /// Journal times are local to this offset.
    pub utc_offset: time::UtcOffset,
    pub follow: Follow,
    /// Woken once a record is final (the outbox hands it to the platform).
    pub outbox: Option<Arc<tokio::sync::Notify>>,
}

impl std::fmt::Debug for Ports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ports")
            .field("printer", &self.printer.describe())
            .field("follow", &self.follow)
            .finish_non_exhaustive()
    }
}

/// What to print, for whom.
#[derive(Debug, Clone)]
pub struct Order {
    pub terminal: String,
    pub service: String,
    /// The person's id (`technician` for a test page).
    pub person: String,
    /// The document's id, as sealed on it.
    pub document: String,
    pub job: PrintJob,
    /// The service's quota as counted when the person signed in (on every
    /// terminal, or on this one) and the term's first day (YYYY-MM-DD).
    /// The journal checks it again as the attempt is written, counting its
    /// own copies and those printed elsewhere.
    pub quota: Option<(Quota, String)>,
    /// The verification code's text, for the platform's record.
    pub seal: Option<String>,
    /// The template's version, for the platform's record.
    pub template_version: Option<String>,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// The journal's id of the attempt; `None` if none could be written
    /// (the quota was spent, or the journal cannot write).
    pub attempt: Option<String>,
    /// An outcome once the job was handed over; before it, why not.
    pub result: Result<JobOutcome, PrintError>,
}

impl Finished {
    /// Why it failed, as the session core hears it (`Input::PrintFailed`):
    /// an IPP keyword (`media-empty`), `offline`, `canceled`, `timed-out`,
    /// `quota-reached` or `other`. `None` when it printed.
    pub fn failure(&self) -> Option<String> {
        match &self.result {
            Ok(JobOutcome::Printed { .. }) => None,
            Ok(JobOutcome::Failed { reason }) => Some(reason.split(':').next().unwrap_or("other").to_string()),
            Ok(JobOutcome::Cancelled) => Some("canceled".to_string()),
            Ok(JobOutcome::Unknown { .. }) => Some("timed-out".to_string()),
            Err(PrintError::NotReady { reason }) => Some(reason.clone()),
            Err(PrintError::QuotaReached { .. }) => Some("quota-reached".to_string()),
            Err(PrintError::Misconfigured { .. } | PrintError::NotRecorded { .. }) => Some("other".to_string()),
            Err(PrintError::Printer(e)) if e.kind == PrinterErrorKind::Offline => Some("offline".to_string()),
            Err(PrintError::Printer(_)) => Some("other".to_string()),
        }
    }

    /// What the person is told beyond the failure's own words: a spent
    /// quota is theirs to know, not staff's.
    pub fn explanation(&self) -> Option<FaultAdvice> {
        self.quota_reached().map(FaultAdvice::quota_spent)
    }

    /// The quota that stopped it, if one did.
    pub fn quota_reached(&self) -> Option<Quota> {
        match self.result {
            Err(PrintError::QuotaReached { used, limit }) => Some(Quota::local(limit, used)),
            _ => None,
        }
    }
}

/// The PDF's SHA-256, as the journal and the platform's record keep it.
pub fn digest(pdf: &[u8]) -> String {
    crate::seal::hex(&sha2::Sha256::digest(pdf))
}

/// Writes the attempt's steps as the driver reaches them, and passes each
/// on to whoever follows the print.
struct Recorder<'a> {
    ports: &'a Ports,
    attempt: &'a str,
    on_progress: &'a mut (dyn FnMut(Progress) + Send),
}

impl Recorder<'_> {
    fn now(&self) -> String {
        local_rfc3339(self.ports.clock.as_ref(), self.ports.utc_offset)
    }
}

impl Steps for Recorder<'_> {
    fn submitting(&mut self) -> Result<(), String> {
        let at = self.now();
        self.ports.journal.submitting(self.attempt, &at).map_err(|e| {
            eprintln!("journal: {e}");
            e.to_string()
        })?;
        (self.on_progress)(Progress::Submitting);
        Ok(())
    }

    fn seen(&mut self, progress: &Progress) {
        if let Progress::Accepted { job } = progress
            && let Err(e) = self.ports.journal.printer_job(self.attempt, job)
        {
            // The job is the printer's now; reconciling finds it by its
            // document id if the printer's id is lost.
            eprintln!("journal: {e}");
        }
        (self.on_progress)(progress.clone());
    }
}

/// Prints `order` on `ports`, writing each step before it happens.
/// `on_progress` hears what the screen shows (handing over, accepted,
/// each change while it runs).
pub async fn print(ports: &Ports, order: Order, on_progress: &mut (dyn FnMut(Progress) + Send)) -> Finished {
    let now = || local_rfc3339(ports.clock.as_ref(), ports.utc_offset);
    let Order {
        terminal,
        service,
        person,
        document,
        job,
        quota,
        seal,
        template_version,
    } = order;
    let at = now();
    let local = quota.as_ref().map(|(q, since)| (q.local_limit(), since.as_str()));
    let attempt = match ports
        .journal
        .create_within(&terminal, &service, &person, job.copies, &at, local)
    {
        Ok(id) => id,
        Err(JournalError::QuotaReached { used, limit }) => {
            // The person hears the whole count: here and elsewhere.
            let (used, limit) = match &quota {
                Some((q, _)) => (used.saturating_add(q.elsewhere), q.limit),
                None => (used, limit),
            };
            return Finished {
                attempt: None,
                result: Err(PrintError::QuotaReached { used, limit }),
            };
        }
        Err(e) => {
            eprintln!("journal: {e}");
            return Finished {
                attempt: None,
                result: Err(PrintError::NotRecorded { message: e.to_string() }),
            };
        }
    };
    let sha256 = digest(&job.pdf);
    let made = Made {
        document: &document,
        pages: job.pages,
        sha256: &sha256,
        seal: seal.as_deref(),
        template_version: template_version.as_deref(),
    };
    if let Err(e) = ports.journal.rendered(&attempt, &made, &at) {
        eprintln!("journal: {e}");
        // The real reason, kept if the disk is full right now.
        let failed = JobOutcome::Failed {
            reason: format!("journal-write-failed: {e}"),
        };
        let _ = ports.journal.finished(&attempt, &failed, &now());
        return Finished {
            attempt: Some(attempt),
            result: Err(PrintError::NotRecorded { message: e.to_string() }),
        };
    }
    let mut recorder = Recorder {
        ports,
        attempt: &attempt,
        on_progress,
    };
    let result = driver::print(ports.printer.as_ref(), &job, ports.follow, &mut recorder).await;
    let outcome = match &result {
        Ok(o) => o.clone(),
        Err(e) => JobOutcome::Failed { reason: e.to_string() },
    };
    if let Err(e) = ports.journal.finished(&attempt, &outcome, &now()) {
        eprintln!("journal: {e}");
    }
    if let Some(outbox) = &ports.outbox {
        outbox.notify_one();
    }
    Finished {
        attempt: Some(attempt),
        result,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::ManualClock;
    use crate::journal::Stage;
    use crate::journal::fake::FakeJournal;
    use crate::printing::fake::{self, FakePrinter};

    fn ports(journal: Arc<FakeJournal>, printer: Arc<FakePrinter>) -> Ports {
        Ports {
            journal,
            printer,
            clock: Arc::new(ManualClock::new(time::macros::datetime!(2026-11-23 01:30 UTC))),
            utc_offset: time::macros::offset!(+8),
            follow: Follow {
                poll: std::time::Duration::from_millis(500),
                stuck_after: std::time::Duration::from_secs(60),
            },
            outbox: None,
        }
    }

    fn order(copies: u32, quota: Option<u32>) -> Order {
        Order {
            terminal: "T-1".into(),
            service: "transcript-zh".into(),
            person: "2023011234".into(),
            document: "D-1".into(),
            job: PrintJob {
                id: "D-1".into(),
                title: "中文成绩单".into(),
                pdf: Arc::from(&b"%PDF-1.7 test"[..]),
                copies,
                pages: 2,
                duplex: false,
            },
            quota: quota.map(|q| (Quota::local(q, 0), "2026-09-01".to_string())),
            seal: None,
            template_version: None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn every_step_is_written_before_it_happens() {
        let journal = Arc::new(FakeJournal::new());
        let printer = Arc::new(FakePrinter::new());
        let p = ports(journal.clone(), printer.clone());
        let mut heard = Vec::new();
        let done = print(&p, order(2, None), &mut |e| heard.push(e)).await;
        assert!(matches!(done.result, Ok(JobOutcome::Printed { .. })), "{done:?}");
        assert_eq!(done.failure(), None);
        let id = done.attempt.unwrap();
        let steps: Vec<&str> = journal.steps().into_iter().map(|(_, s)| s).collect();
        assert_eq!(steps, ["created", "rendered", "submitted", "printed"]);
        let a = journal.get(&id).unwrap();
        assert_eq!(a.content_sha256.as_deref(), Some(digest(b"%PDF-1.7 test").as_str()));
        assert_eq!(a.printer_job.as_deref(), Some("fake-1"));
        assert_eq!(a.created_at, "2026-11-23T09:30:00+08:00");
        assert_eq!(heard[0], Progress::Submitting);
    }

    #[tokio::test(start_paused = true)]
    async fn a_journal_that_cannot_write_the_hand_over_sends_nothing() {
        let journal = Arc::new(FakeJournal::new());
        let printer = Arc::new(FakePrinter::new());
        journal.fail("submitting");
        let done = print(&ports(journal.clone(), printer.clone()), order(1, None), &mut |_| {}).await;
        assert!(matches!(done.result, Err(PrintError::NotRecorded { .. })), "{done:?}");
        assert_eq!(done.failure().as_deref(), Some("other"));
        assert!(printer.submitted().is_empty());
        journal.heal();
        assert_eq!(journal.get(&done.attempt.unwrap()).unwrap().stage, Stage::Failed);
        // Nor when the attempt itself cannot be written.
        journal.fail("create");
        let done = print(&ports(journal, printer.clone()), order(1, None), &mut |_| {}).await;
        assert_eq!(done.attempt, None);
        assert!(printer.submitted().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn the_quota_is_checked_again_as_the_attempt_is_written() {
        let journal = Arc::new(FakeJournal::new());
        let printer = Arc::new(FakePrinter::new());
        let p = ports(journal.clone(), printer.clone());
        let first = print(&p, order(2, Some(3)), &mut |_| {}).await;
        assert_eq!(first.failure(), None);
        let second = print(&p, order(2, Some(3)), &mut |_| {}).await;
        assert_eq!(second.quota_reached(), Some(Quota::local(3, 2)));
        assert_eq!(second.failure().as_deref(), Some("quota-reached"));
        assert!(!second.explanation().unwrap().call_staff);
        assert_eq!(printer.submitted().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_printer_fault_is_a_failure_the_core_can_name() {
        let journal = Arc::new(FakeJournal::new());
        let printer = Arc::new(FakePrinter::new());
        printer.statuses([Ok(fake::with_reasons(&["media-empty-error"]))]);
        let done = print(&ports(journal.clone(), printer.clone()), order(1, None), &mut |_| {}).await;
        assert_eq!(done.failure().as_deref(), Some("media-empty"));
        let a = journal.get(&done.attempt.unwrap()).unwrap();
        assert_eq!(a.stage, Stage::Failed);
        assert!(a.reason.unwrap().contains("media-empty"));
    }
}
