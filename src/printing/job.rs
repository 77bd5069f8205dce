//! A print's course as the driver reports it: how a job is followed
//! (`Follow`), what the screen hears of it (`Progress`), and why a job was
//! not handed over (`PrintError`). Pure types; the driver itself is
//! `flow::print`'s.

use std::time::Duration;

use super::{JobId, JobState, PrinterError};

/// How a job is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Follow {
    /// Time between two looks at the job.
    pub poll: Duration,
    /// A job not finished after this long is cancelled and failed.
    pub stuck_after: Duration,
}

/// What the student's screen follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The printer is ready; the job is about to be handed over. A journal
    /// writes this down before it happens.
    Submitting,
    /// The printer took the job.
    Accepted { job: JobId },
    /// A look at the running job: impressions done so far, and the
    /// printer's blocking fault if it stopped (out of paper, a jam);
    /// `None` once it runs again.
    Running {
        state: JobState,
        impressions: Option<u32>,
        fault: Option<String>,
    },
}

impl Progress {
    /// The printer's fault at each look at the running job, in order.
    pub fn faults(seen: &[Progress]) -> Vec<Option<String>> {
        seen.iter()
            .filter_map(|e| match e {
                Progress::Running { fault, .. } => Some(fault.clone()),
                Progress::Submitting | Progress::Accepted { .. } => None,
            })
            .collect()
    }
}

/// Why a job was not handed over: in every case, nothing was printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// A blocking reason (no paper, a jam): what to tell the student.
    #[error("the printer is not ready: {reason}")]
    NotReady { reason: String },
    /// The queue cannot print PDFs: a technician must fix it.
    #[error("{message}")]
    Misconfigured { message: String },
    /// The step could not be recorded before the hand-over (the journal
    /// failed): the job was not sent.
    #[error("the print could not be recorded, so it was not sent: {message}")]
    NotRecorded { message: String },
    /// The person's quota of the service is spent (checked again as the
    /// attempt is written): nothing was sent, nothing charged.
    #[error("quota reached: {used} of {limit} copies printed this term")]
    QuotaReached { used: u32, limit: u32 },
    #[error(transparent)]
    Printer(#[from] PrinterError),
}
