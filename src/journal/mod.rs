//! The journal port: every print attempt as a forward-only state machine
//!
//! ```text
//! created ─▶ rendered ─▶ submitted ─▶ printed | failed | cancelled | unknown
//!    └──────────┴──────────────────▶ failed (nothing was sent)
//! ```
//!
//! whose every step is written before the action it describes. The
//! [`Journal`] trait holds the calls the kiosk makes while a person is at
//! the terminal (the print flow, the services' quotas, the rating, the
//! technician's outbox line); `adapters::journal::SqliteJournal` is the
//! durable one, [`fake::FakeJournal`] an in-memory one for tests, with
//! failures on cue. Pure: no adapter code, no I/O.

pub mod fake;

use std::path::PathBuf;

use crate::platform::PrintRecord;
use crate::printing::{JobId, JobOutcome};

/// Why the journal cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal {path}: {source}")]
    Db {
        path: PathBuf,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("journal: attempt {id} is {state}, it cannot become {to}")]
    Transition {
        id: String,
        state: String,
        to: &'static str,
    },
    #[error("journal: no attempt {0}")]
    Unknown(String),
    /// The person has printed `used` of the `limit` copies this term.
    #[error("quota reached: {used} of {limit} copies printed this term")]
    QuotaReached { used: u32, limit: u32 },
}

/// Where an attempt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Created,
    Rendered,
    Submitted,
    Printed,
    Failed,
    Cancelled,
    /// The job was handed over but its end is not known: staff look.
    Unknown,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Created => "created",
            Stage::Rendered => "rendered",
            Stage::Submitted => "submitted",
            Stage::Printed => "printed",
            Stage::Failed => "failed",
            Stage::Cancelled => "cancelled",
            Stage::Unknown => "unknown",
        }
    }

    /// The stage a stored name stands for; an unknown name is `Unknown`
    /// (staff look).
    pub fn parse(s: &str) -> Stage {
        match s {
            "created" => Stage::Created,
            "rendered" => Stage::Rendered,
            "submitted" => Stage::Submitted,
            "printed" => Stage::Printed,
            "failed" => Stage::Failed,
            "cancelled" => Stage::Cancelled,
            _ => Stage::Unknown,
        }
    }

    pub fn is_final(self) -> bool {
        !matches!(self, Stage::Created | Stage::Rendered | Stage::Submitted)
    }
}

/// One print attempt as the journal holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub id: String,
    pub terminal: String,
    pub service: String,
    pub person: String,
    pub document: Option<String>,
    pub pages: u32,
    pub copies: u32,
    pub content_sha256: Option<String>,
    pub stage: Stage,
    pub printer_job: Option<String>,
    pub reason: Option<String>,
    pub impressions: Option<u32>,
    pub rating: Option<u8>,
    pub created_at: String,
    pub finished_at: Option<String>,
    pub posted: bool,
    /// The verification code's text, kept only until the platform has
    /// the record (it holds the certified fields).
    pub seal: Option<String>,
    /// The template's version.
    pub template_version: Option<String>,
}

/// What the rendered step records: the document made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Made<'a> {
    pub document: &'a str,
    pub pages: u32,
    /// The PDF's SHA-256 (hex).
    pub sha256: &'a str,
    /// The verification code's text (sealed documents).
    pub seal: Option<&'a str>,
    pub template_version: Option<&'a str>,
}

impl<'a> Made<'a> {
    /// A document without a seal or template version (a test page).
    pub fn unsealed(document: &'a str, pages: u32, sha256: &'a str) -> Made<'a> {
        Made {
            document,
            pages,
            sha256,
            seal: None,
            template_version: None,
        }
    }
}

impl Attempt {
    /// The record the platform takes (`POST /print-records`).
    pub fn record(&self) -> PrintRecord {
        PrintRecord {
            record_id: self.id.clone(),
            terminal_id: self.terminal.clone(),
            person_id: self.person.clone(),
            service_id: self.service.clone(),
            document_id: self.document.clone(),
            copies: self.copies.max(1),
            pages: self.pages,
            status: match self.stage {
                Stage::Printed => "printed",
                Stage::Cancelled => "cancelled",
                _ => "failed",
            }
            .into(),
            failure: match self.stage {
                Stage::Unknown => Some(format!("unknown: {}", self.reason.clone().unwrap_or_default())),
                _ => self.reason.clone(),
            },
            content_sha256: self.content_sha256.clone(),
            created_at: self.created_at.clone(),
            finished_at: self.finished_at.clone(),
            // Only a printed document is looked up by recipients.
            seal: self.seal.clone().filter(|_| self.stage == Stage::Printed),
            template_version: self.template_version.clone(),
        }
    }
}

/// How an attempt ends: the final stage an outcome is, its reason and
/// its impressions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct End {
    pub stage: Stage,
    pub reason: Option<String>,
    pub impressions: Option<u32>,
    /// The stages it may end from: before the hand-over only a failure is
    /// possible.
    pub from: &'static [Stage],
}

impl End {
    pub fn of(outcome: &JobOutcome) -> End {
        let (stage, reason, impressions) = match outcome {
            JobOutcome::Printed { impressions } => (Stage::Printed, None, *impressions),
            JobOutcome::Failed { reason } => (Stage::Failed, Some(reason.clone()), None),
            JobOutcome::Cancelled => (Stage::Cancelled, None, None),
            JobOutcome::Unknown { reason } => (Stage::Unknown, Some(reason.clone()), None),
        };
        let from: &'static [Stage] = if stage == Stage::Failed {
            &[Stage::Created, Stage::Rendered, Stage::Submitted]
        } else {
            &[Stage::Submitted]
        };
        End {
            stage,
            reason,
            impressions,
            from,
        }
    }
}

/// The journal as the kiosk uses it. Every method writes (or reads) at
/// once and durably; an `Err` means the step is not recorded.
pub trait Journal: Send + Sync {
    /// A new attempt, if `quota` allows it: `(limit, term_start)`, the
    /// copies allowed per term and the term's first day (YYYY-MM-DD). The
    /// count and the new attempt are one step: two terminals, or two
    /// taps, cannot both pass the last copy.
    fn create_within(
        &self,
        terminal: &str,
        service: &str,
        person: &str,
        copies: u32,
        at: &str,
        quota: Option<(u32, &str)>,
    ) -> Result<String, JournalError>;
    /// The document is made: its id, pages, the PDF's SHA-256, its seal and
    /// the template's version.
    fn rendered(&self, id: &str, made: &Made<'_>, at: &str) -> Result<(), JournalError>;
    /// About to hand the job over (written before it is).
    fn submitting(&self, id: &str, at: &str) -> Result<(), JournalError>;
    /// The printer's id for the job, once it has one.
    fn printer_job(&self, id: &str, job: &JobId) -> Result<(), JournalError>;
    /// How it ended.
    fn finished(&self, id: &str, outcome: &JobOutcome, at: &str) -> Result<(), JournalError>;
    /// The person's 1–5 rating.
    fn rate(&self, id: &str, rating: u8) -> Result<(), JournalError>;
    /// Copies of `service` printed for `person` from the day `since`
    /// (YYYY-MM-DD) on: only printed attempts count.
    fn printed_copies(&self, person: &str, service: &str, since: &str) -> Result<u32, JournalError>;
    /// Of those, the copies the platform does not have yet (their records
    /// wait in the outbox): what this terminal adds to the platform's
    /// campus-wide count.
    fn undelivered_copies(&self, person: &str, service: &str, since: &str) -> Result<u32, JournalError>;
    /// One attempt.
    fn get(&self, id: &str) -> Result<Attempt, JournalError>;
    /// Final attempts the platform has not acknowledged yet, oldest first.
    fn outbox(&self) -> Result<Vec<Attempt>, JournalError>;
}
