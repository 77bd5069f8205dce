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
    /// (1.1) The verification QR code's exact text: printed documents
    /// only, for the public status lookup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<String>,
    /// (1.1) The version of the template (service bundle) that rendered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_version: Option<String>,
}

/// Copies printed for one person on every terminal since a day
/// (`GET /persons/{id}/print-counts`, contract 1.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrintCounts {
    /// The first day counted (YYYY-MM-DD).
    pub since: String,
    /// Service id → copies printed; services with none are absent.
    pub counts: std::collections::BTreeMap<String, u32>,
    /// When the platform counted (RFC 3339).
    pub as_of: String,
}

impl PrintCounts {
    /// Copies of `service` printed on every terminal.
    pub fn of(&self, service: &str) -> u32 {
        self.counts.get(service).copied().unwrap_or(0)
    }
}

/// Where a printed document stands for the office that issued it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentState {
    Valid,
    /// The issuing office withdrew it.
    Revoked,
    /// The data it certified changed; a newer document may replace it.
    Superseded,
}

impl DocumentState {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentState::Valid => "valid",
            DocumentState::Revoked => "revoked",
            DocumentState::Superseded => "superseded",
        }
    }
}

/// A printed document's standing with the office that issued it, as the
/// platform keeps it and staff set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: DocumentState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_changed_at: Option<String>,
    /// Why revoked or superseded, in Chinese, for the recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_en: Option<String>,
    /// The newer document, if one was printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
}

/// One document as the public lookup answers it
/// (`GET /public/documents/{code}`, contract 1.1): the seal its terminal
/// reported, which the caller verifies itself, and its status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentStatus {
    pub document_id: String,
    pub seal: String,
    #[serde(flatten)]
    pub change: StatusChange,
}

/// A code a recipient may look a document up by: the code printed under
/// the QR code, the whole document id (16 characters of Crockford's base
/// 32, printed `XXXX-XXXX-XXXX-XXXX`; hyphens and spaces between the
/// groups optional, any case, `I` and `L` read as `1`, `O` as `0`). Its
/// canonical form, upper case without hyphens; or why not, naming the
/// character. The 8-character prefix that papers once carried is refused:
/// 40 bits can be guessed (docs/verification.md).
pub fn lookup_code(input: &str) -> Result<String, String> {
    let t = input.trim();
    let mut out = String::with_capacity(16);
    for (i, c) in t.chars().enumerate() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' if !out.is_empty() && out.len().is_multiple_of(4) => continue,
            'I' | 'L' => '1',
            'O' => '0',
            c @ ('0'..='9' | 'A'..='Z') if c != 'U' => c,
            other => {
                return Err(format!(
                    "character {} ({:?}) cannot be in a document code: codes are XXXX-XXXX-XXXX-XXXX in the digits 0-9 and the letters A-Z but U",
                    i + 1,
                    crate::text::printable(&other.to_string())
                ));
            }
        };
        if out.len() == 16 {
            return Err(format!(
                "{:?} is longer than a document code: it has 16 characters (XXXX-XXXX-XXXX-XXXX)",
                crate::text::printable(t)
            ));
        }
        out.push(c);
    }
    match out.len() {
        16 => Ok(out),
        8 => Err(format!(
            "{:?} is the 8-character short code of older papers, which is no longer looked up: type all 16 characters under the QR code (XXXX-XXXX-XXXX-XXXX), or scan the QR code",
            crate::text::printable(t)
        )),
        n => Err(format!(
            "{:?} has {n} characters: a document code has 16 (XXXX-XXXX-XXXX-XXXX)",
            crate::text::printable(t)
        )),
    }
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
    /// The platform does not offer this call: it runs an older contract
    /// (1.0 answers the 1.1 calls with 404 `not_implemented`).
    NotImplemented,
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
        ErrorKind::NotImplemented => "not offered by this platform (contract 1.0)",
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
    /// The kind in words, for logs and technicians: no request path, so no
    /// person's id.
    pub fn describe(self) -> &'static str {
        kind_text(self)
    }

    /// What the person at the terminal is told (a catalogue string).
    pub fn for_person(self) -> T {
        match self {
            ErrorKind::NotFound => T::NotFound,
            ErrorKind::CardFrozen => T::CardFrozen,
            ErrorKind::Unauthorized | ErrorKind::Rejected => T::TerminalUnusable,
            ErrorKind::Unavailable | ErrorKind::NotImplemented => T::PlatformUnavailable,
            ErrorKind::BadData => T::BadData,
        }
    }
}
