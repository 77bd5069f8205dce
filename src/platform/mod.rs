//! The university's data platform as the terminal sees it: the records it
//! returns, the errors a call can end in, and the checks every answer goes
//! through before anything is printed from it.
//!
//! The contract is `openapi.yaml` of the platform team. This module is pure;
//! the HTTP client lives in `adapters::platform::http`.

pub mod fake;
pub mod port;
pub mod validate;

pub use port::{Platform, PlatformFuture};

use serde::{Deserialize, Serialize};

use crate::i18n::T;
use serde_json::Value as Json;

/// Who a person is to the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PersonKind {
    Student,
    Staff,
}

/// A person, as card login and QR login return them.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: String,
    pub kind: PersonKind,
    pub name: String,
    /// The record as the platform sent it (templates read it as `person`).
    pub record: Json,
}

/// An open scan-to-log-in session.
#[derive(Debug, Clone, PartialEq)]
pub struct QrSession {
    pub session_id: String,
    pub login_url: String,
    /// RFC 3339.
    pub expires_at: String,
    pub poll_interval_ms: u64,
}

impl QrSession {
    /// How long to show this session before opening a fresh one: until
    /// `margin` before it expires, at least one second, at most ten
    /// minutes. `now_ms` is Unix milliseconds.
    pub fn refresh_after(&self, now_ms: i64, margin: std::time::Duration) -> std::time::Duration {
        let expires_ms = time::OffsetDateTime::parse(&self.expires_at, &time::format_description::well_known::Rfc3339)
            .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
            .unwrap_or(now_ms);
        let left = expires_ms - now_ms - margin.as_millis() as i64;
        std::time::Duration::from_millis(left.clamp(1_000, 600_000) as u64)
    }
}

/// Where a scan-to-log-in session stands.
#[derive(Debug, Clone, PartialEq)]
pub enum QrStatus {
    Pending,
    Confirmed(Person),
    Expired,
    Cancelled,
}

/// How a print record was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordOutcome {
    /// 201: recorded now.
    Created,
    /// 200: this record id was recorded before; nothing changed.
    AlreadyRecorded,
}

/// One print attempt, reported after it ends (`POST /print-records`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrintRecord {
    pub record_id: String,
    pub terminal_id: String,
    pub person_id: String,
    pub service_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_id: Option<String>,
    pub copies: u32,
    pub pages: u32,
    /// `printed`, `failed` or `cancelled`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_sha256: Option<String>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

/// What kind of failure a platform call ended in: what the screen and the
/// technician can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The card, person, record or session does not exist.
    NotFound,
    /// The card is reported lost (挂失).
    CardFrozen,
    /// The platform refused this terminal: token revoked or misconfigured.
    Unauthorized,
    /// The platform is down, overloaded, unreachable or too slow.
    Unavailable,
    /// The platform answered something that is not what the contract says.
    BadData,
    /// The platform rejected what we sent (a bug or a misconfiguration).
    Rejected,
}

/// A failed platform call. `code` is the platform's `error.code` when it
/// sent one (kept for the log); the message never holds the token.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{}: {detail}", kind_text(*kind), code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
pub struct PlatformError {
    pub kind: ErrorKind,
    pub code: Option<String>,
    pub detail: String,
}

fn kind_text(k: ErrorKind) -> &'static str {
    match k {
        ErrorKind::NotFound => "not found",
        ErrorKind::CardFrozen => "card frozen",
        ErrorKind::Unauthorized => "terminal not authorized or misconfigured",
        ErrorKind::Unavailable => "platform unavailable",
        ErrorKind::BadData => "bad data from the platform",
        ErrorKind::Rejected => "request rejected",
    }
}

impl PlatformError {
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        PlatformError {
            kind,
            code: None,
            detail: detail.into(),
        }
    }

    /// A template's `spreadsheet:` source asked of the platform: those are
    /// read from a department's file (`adapters::files::spreadsheet`).
    pub fn not_a_platform_source(name: &str) -> Self {
        Self::new(
            ErrorKind::Rejected,
            format!("spreadsheet:{name} is read from a department file, not the platform"),
        )
    }

    pub fn bad_data(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadData, detail)
    }

    /// What the person at the terminal is told.
    pub fn for_person(&self) -> T {
        self.kind.for_person()
    }
}

impl ErrorKind {
    /// What the person at the terminal is told (a catalogue string).
    pub fn for_person(self) -> T {
        match self {
            ErrorKind::NotFound => T::NotFound,
            ErrorKind::CardFrozen => T::CardFrozen,
            ErrorKind::Unauthorized | ErrorKind::Rejected => T::TerminalUnusable,
            ErrorKind::Unavailable => T::PlatformUnavailable,
            ErrorKind::BadData => T::BadData,
        }
    }
}
