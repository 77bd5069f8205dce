//! The printer port: the one trait every printer adapter implements (IPP,
//! the directory printer, the scripted fake), its job and status types,
//! and its error kinds. Pure: no adapter code, no I/O.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::PrinterStatus;

/// What a printer adapter's operations return.
pub type PrinterFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, PrinterError>> + Send + 'a>>;

/// A printer as the terminal uses it: ask its state, hand it a job, follow
/// the job, cancel it. Following a job to its end (polling, faults, the
/// stuck limit) is written once, over this trait, in
/// `adapters::printing::print`.
pub trait Printer: Send + Sync {
    /// Where it prints, for technicians: `ipp://…` or `directory /path`.
    fn describe(&self) -> String;
    /// State, reasons, formats, media and supplies.
    fn status(&self) -> PrinterFuture<'_, PrinterStatus>;
    /// Hands over a job; the printer's id for it.
    fn submit<'a>(&'a self, job: &'a PrintJob) -> PrinterFuture<'a, JobId>;
    /// Where a job stands.
    fn job<'a>(&'a self, id: &'a JobId) -> PrinterFuture<'a, JobStatus>;
    /// Asks the printer to drop a job.
    fn cancel<'a>(&'a self, id: &'a JobId) -> PrinterFuture<'a, ()>;
}

/// One document to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintJob {
    /// Unique; letters, digits, '-' and '_' (the document id).
    pub id: String,
    /// The job's title at the printer (the service's name).
    pub title: String,
    pub pdf: Arc<[u8]>,
    /// 1–99.
    pub copies: u32,
    /// Pages of one copy.
    pub pages: u32,
    /// Two-sided, long edge.
    pub duplex: bool,
}

impl PrintJob {
    /// Whether `id` is usable as a job id and a file name.
    pub fn id_is_valid(&self) -> bool {
        !self.id.is_empty()
            && self.id.len() <= 64
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }

    /// Sheets sides the job prints: pages × copies.
    pub fn impressions(&self) -> u32 {
        self.pages.saturating_mul(self.copies)
    }
}

/// The printer's id for a job.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JobId(pub String);

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// IPP `job-state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Pending,
    Held,
    Processing,
    /// Processing, stopped by a printer fault (it may resume after a refill).
    Stopped,
    Canceled,
    Aborted,
    Completed,
}

/// Where a job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStatus {
    pub state: JobState,
    /// IPP `job-state-reasons`.
    pub reasons: Vec<String>,
    /// `job-impressions-completed`, when the printer counts.
    pub impressions: Option<u32>,
}

/// What went wrong talking to a printer, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterErrorKind {
    /// No answer, or no connection, within the timeout.
    Offline,
    /// The setup cannot work: a bad URI, an unusable folder.
    Misconfigured,
    /// The printer answered and said no.
    Refused,
    /// The job could not be written.
    Io,
}

/// A printer error: its kind, and a detail naming what and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {detail}", match kind {
    PrinterErrorKind::Offline => "printer offline",
    PrinterErrorKind::Misconfigured => "printer setup",
    PrinterErrorKind::Refused => "the printer refused the request",
    PrinterErrorKind::Io => "the printer could not take the job",
})]
pub struct PrinterError {
    pub kind: PrinterErrorKind,
    pub detail: String,
}

impl PrinterError {
    pub fn new(kind: PrinterErrorKind, detail: impl Into<String>) -> PrinterError {
        PrinterError {
            kind,
            detail: detail.into(),
        }
    }
}
