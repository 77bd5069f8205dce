//! After a crash, and while the terminal runs: settling attempts a crash
//! left behind, and forgetting people in old records.

use crate::journal::{Attempt, JournalError, Stage};
use crate::printing::{JobId, JobOutcome, JobState, Printer, PrinterErrorKind};

use super::SqliteJournal;

/// Forgets, every six hours from now on, the person in records the
/// platform has taken that are older than `days` (local days at
/// `offset`). Runs until the runtime stops.
pub async fn keep_forgetting(
    journal: std::sync::Arc<SqliteJournal>,
    clock: std::sync::Arc<dyn crate::core::clock::Clock>,
    offset: time::UtcOffset,
    days: u32,
) {
    loop {
        let today = clock.now_utc().to_offset(offset).date();
        let before = (today - time::Duration::days(i64::from(days))).to_string();
        match journal.forget_people(&before) {
            Ok(0) => {}
            Ok(n) => eprintln!("journal: forgot the person in {n} records from before {before}"),
            Err(e) => eprintln!("journal: {e}"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(6 * 3600)).await;
    }
}

/// Settles attempts a crash left behind. Nothing was sent for `created` and
/// `rendered` ones: failed. A `submitted` one is asked of the printer: its
/// end if it has one; still running, it is left for the next look; no
/// answer, or no job id, is `unknown` for staff. What was settled.
pub async fn reconcile(journal: &SqliteJournal, printer: &dyn Printer, at: &str) -> Result<Vec<Attempt>, JournalError> {
    let mut settled = Vec::new();
    for a in journal.unfinished()? {
        let outcome = match (a.stage, &a.printer_job) {
            (Stage::Created | Stage::Rendered, _) => Some(JobOutcome::Failed {
                reason: "interrupted-before-printing".into(),
            }),
            (_, None) => Some(JobOutcome::Unknown {
                reason: "interrupted while handing the job to the printer".into(),
            }),
            (_, Some(job)) => match printer.job(&JobId(job.clone())).await {
                Ok(s) => match s.state {
                    JobState::Completed => Some(JobOutcome::Printed {
                        impressions: s.impressions,
                    }),
                    JobState::Canceled => Some(JobOutcome::Cancelled),
                    JobState::Aborted => Some(JobOutcome::Failed {
                        reason: "job-aborted".into(),
                    }),
                    _ => None,
                },
                Err(e) if e.kind == PrinterErrorKind::Offline => None,
                Err(e) => Some(JobOutcome::Unknown {
                    reason: format!("the printer does not know job {job}: {e}"),
                }),
            },
        };
        if let Some(o) = outcome {
            journal.finished(&a.id, &o, at)?;
            settled.push(journal.get(&a.id)?);
        }
    }
    Ok(settled)
}
