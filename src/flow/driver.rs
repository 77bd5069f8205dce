//! The print driver: one job on any `printing::Printer`, start to end:
//! the preflight, the hand-over, then following the job (polling, faults
//! while it runs, the stuck limit) to a `JobOutcome`. Written once over
//! the port, so the IPP printer, the directory printer and the fake
//! behave alike.

use crate::printing::{
    Follow, JobOutcome, JobState, PrintError, PrintJob, Printer, PrinterErrorKind, Progress, Readiness, readiness,
};

/// What the driver needs of its caller: the hand-over step written
/// before the job is handed over, and every later step heard. Only the
/// print flow implements it (with the journal); the trait and the driver
/// are private to `flow`, so no other code hands a job over.
pub(super) trait Steps: Send {
    /// Writes that the job is about to be handed over. An `Err` (it could
    /// not be recorded) means the job is not sent.
    fn submitting(&mut self) -> Result<(), String>;
    /// A later step: `Accepted` (the printer's job id) and each change
    /// while it runs. After the hand-over the job is the printer's, so a
    /// step that cannot be written is the caller's to log.
    fn seen(&mut self, progress: &Progress);
}

/// Prints `job`: preflight, hand-over, follow to the end.
///
/// Before the hand-over, any problem is an `Err` and nothing was printed;
/// the job is handed over only once `steps` has written `submitting`.
/// After it, the result is always an outcome: a printer that stops
/// answering is retried until `stuck_after`, then the outcome is
/// `Unknown` (the job may or may not have come out).
pub(super) async fn print(
    printer: &dyn Printer,
    job: &PrintJob,
    follow: Follow,
    steps: &mut dyn Steps,
) -> Result<JobOutcome, PrintError> {
    match readiness(&printer.status().await?) {
        Readiness::Ready { .. } => {}
        Readiness::NotReady { reason } => return Err(PrintError::NotReady { reason }),
        Readiness::Misconfigured { message } => return Err(PrintError::Misconfigured { message }),
    }
    steps
        .submitting()
        .map_err(|message| PrintError::NotRecorded { message })?;
    let id = printer.submit(job).await?;
    steps.seen(&Progress::Accepted { job: id.clone() });
    let deadline = tokio::time::Instant::now() + follow.stuck_after;
    let mut last: Option<Progress> = None;
    loop {
        let looked = printer.job(&id).await;
        let fault = match printer.status().await {
            Ok(s) => match readiness(&s) {
                Readiness::NotReady { reason } => Some(reason),
                _ => None,
            },
            Err(e) if e.kind == PrinterErrorKind::Offline => Some("offline".to_string()),
            Err(_) => None,
        };
        match looked {
            Ok(status) => {
                match status.state {
                    JobState::Completed => {
                        return Ok(JobOutcome::Printed {
                            impressions: status.impressions,
                        });
                    }
                    JobState::Canceled => return Ok(JobOutcome::Cancelled),
                    JobState::Aborted => {
                        let reason = fault
                            .or_else(|| status.reasons.iter().find(|r| r.as_str() != "none").cloned())
                            .unwrap_or_else(|| "job-aborted".into());
                        return Ok(JobOutcome::Failed { reason });
                    }
                    _ => {}
                }
                let now = Progress::Running {
                    state: status.state,
                    impressions: status.impressions,
                    fault,
                };
                if last.as_ref() != Some(&now) {
                    steps.seen(&now);
                    last = Some(now);
                }
            }
            Err(e) => {
                // The job was handed over: keep asking until the limit.
                let now = Progress::Running {
                    state: JobState::Processing,
                    impressions: None,
                    fault: Some(if e.kind == PrinterErrorKind::Offline {
                        "offline".to_string()
                    } else {
                        fault.unwrap_or_else(|| "other".into())
                    }),
                };
                if last.as_ref() != Some(&now) {
                    steps.seen(&now);
                    last = Some(now);
                }
                if tokio::time::Instant::now() >= deadline {
                    return Ok(JobOutcome::Unknown { reason: e.to_string() });
                }
            }
        }
        if tokio::time::Instant::now() >= deadline {
            let _ = printer.cancel(&id).await;
            return Ok(JobOutcome::Failed {
                reason: format!("job-stuck: not finished after {:?}; cancelled", follow.stuck_after),
            });
        }
        tokio::time::sleep(follow.poll).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::printing::fake::{self, FakePrinter};
    use crate::printing::{JobId, PrinterError};

    /// Steps that keep what they hear; `refuse` makes the hand-over step
    /// fail to be written.
    #[derive(Default)]
    struct Heard {
        seen: Vec<Progress>,
        refuse: Option<String>,
    }

    impl Steps for Heard {
        fn submitting(&mut self) -> Result<(), String> {
            match &self.refuse {
                Some(why) => Err(why.clone()),
                None => {
                    self.seen.push(Progress::Submitting);
                    Ok(())
                }
            }
        }
        fn seen(&mut self, progress: &Progress) {
            self.seen.push(progress.clone());
        }
    }

    fn job() -> PrintJob {
        PrintJob {
            id: "doc-1".into(),
            title: "在读证明".into(),
            pdf: Arc::from(&b"%PDF-1.7 test"[..]),
            copies: 2,
            pages: 1,
            duplex: false,
        }
    }

    const FOLLOW: Follow = Follow {
        poll: Duration::from_millis(500),
        stuck_after: Duration::from_secs(60),
    };

    async fn run(p: &FakePrinter) -> (Result<JobOutcome, PrintError>, Vec<Progress>) {
        let mut heard = Heard::default();
        let r = print(p, &job(), FOLLOW, &mut heard).await;
        (r, heard.seen)
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_is_sent_when_the_hand_over_cannot_be_recorded() {
        let p = FakePrinter::new();
        let mut heard = Heard {
            refuse: Some("disk full".into()),
            ..Heard::default()
        };
        let r = print(&p, &job(), FOLLOW, &mut heard).await;
        assert!(
            matches!(r, Err(PrintError::NotRecorded { ref message }) if message == "disk full"),
            "{r:?}"
        );
        assert!(p.submitted().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_runs_to_completion_with_its_impressions() {
        let p = FakePrinter::new();
        p.jobs([
            Ok(fake::job(JobState::Pending, None)),
            Ok(fake::job(JobState::Processing, Some(1))),
            Ok(fake::job(JobState::Completed, Some(2))),
        ]);
        let (r, seen) = run(&p).await;
        assert_eq!(r, Ok(JobOutcome::Printed { impressions: Some(2) }));
        assert_eq!(p.submitted(), [job()]);
        assert_eq!(seen[0], Progress::Submitting);
        assert_eq!(
            seen[1],
            Progress::Accepted {
                job: JobId("fake-1".into())
            }
        );
        assert_eq!(seen.len(), 4, "{seen:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_printer_without_paper_gets_no_job() {
        let p = FakePrinter::new();
        p.statuses([Ok(fake::with_reasons(&["media-empty-error"]))]);
        let (r, seen) = run(&p).await;
        assert_eq!(
            r,
            Err(PrintError::NotReady {
                reason: "media-empty".into()
            })
        );
        assert!(p.submitted().is_empty() && seen.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn an_offline_printer_or_a_refused_job_prints_nothing() {
        let p = FakePrinter::new();
        p.statuses([Err(PrinterError::new(PrinterErrorKind::Offline, "no answer"))]);
        let (r, _) = run(&p).await;
        assert!(
            matches!(r, Err(PrintError::Printer(ref e)) if e.kind == PrinterErrorKind::Offline),
            "{r:?}"
        );
        let p = FakePrinter::new();
        p.submits([Err(PrinterError::new(PrinterErrorKind::Refused, "busy"))]);
        let (r, seen) = run(&p).await;
        assert!(matches!(r, Err(PrintError::Printer(_))), "{r:?}");
        assert_eq!(seen, [Progress::Submitting], "refused at the hand-over: never accepted");
        let p = FakePrinter::new();
        p.statuses([Ok(crate::printing::PrinterStatus {
            accepts_pdf: false,
            ..fake::ready()
        })]);
        assert!(matches!(run(&p).await.0, Err(PrintError::Misconfigured { .. })));
    }

    #[tokio::test(start_paused = true)]
    async fn a_fault_mid_job_is_reported_then_cleared() {
        let p = FakePrinter::paper_out_mid_job();
        let (r, seen) = run(&p).await;
        assert_eq!(r, Ok(JobOutcome::Printed { impressions: Some(2) }));
        assert_eq!(
            Progress::faults(&seen),
            [None, Some("media-empty".into()), None],
            "{seen:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_aborted_job_fails_with_the_printers_reason() {
        let p = FakePrinter::new();
        p.statuses([Ok(fake::ready()), Ok(fake::with_reasons(&["media-jam-error"]))]);
        p.jobs([Ok(fake::job(JobState::Aborted, None))]);
        assert_eq!(
            run(&p).await.0,
            Ok(JobOutcome::Failed {
                reason: "media-jam".into()
            })
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stuck_job_is_cancelled_at_the_limit() {
        let p = FakePrinter::new();
        p.jobs([Ok(fake::job(JobState::Processing, Some(0)))]);
        let started = tokio::time::Instant::now();
        let (r, _) = run(&p).await;
        assert!(
            matches!(r, Ok(JobOutcome::Failed { ref reason }) if reason.starts_with("job-stuck")),
            "{r:?}"
        );
        assert_eq!(p.cancelled(), [JobId("fake-1".into())]);
        // Paused time: the limit, not a moment less.
        assert!(started.elapsed() >= FOLLOW.stuck_after);
    }

    #[tokio::test(start_paused = true)]
    async fn a_printer_lost_after_the_hand_over_is_unknown_not_failed() {
        let p = FakePrinter::new();
        p.statuses([
            Ok(fake::ready()),
            Err(PrinterError::new(PrinterErrorKind::Offline, "gone")),
        ]);
        p.jobs([Err(PrinterError::new(PrinterErrorKind::Offline, "gone"))]);
        let (r, seen) = run(&p).await;
        assert!(matches!(r, Ok(JobOutcome::Unknown { .. })), "{r:?}");
        assert!(
            seen.iter()
                .any(|e| matches!(e, Progress::Running { fault: Some(f), .. } if f == "offline"))
        );
    }
}
