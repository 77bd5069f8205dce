//! The platform port: the calls the kiosk makes while it runs, as one
//! trait. `adapters::platform::http::PlatformClient` speaks the platform's
//! HTTP API; [`super::fake::FakePlatform`] answers from records it is
//! given, with faults on cue. Pure: no adapter code, no I/O.

use std::future::Future;
use std::pin::Pin;

use super::{Person, PlatformError, PrintCounts, PrintRecord, QrSession, QrStatus, RecordOutcome};
use crate::data::{DataSet, Source};

/// What a platform call returns.
pub type PlatformFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, PlatformError>> + Send + 'a>>;

/// The data platform as the kiosk uses it. Every answer has passed
/// `platform::validate` before it is returned.
pub trait Platform: Send + Sync {
    /// Where it is, for technicians (the base URL).
    fn describe(&self) -> String;
    /// The holder of a card (UID as upper-case hex).
    fn card<'a>(&'a self, uid: &'a str) -> PlatformFuture<'a, Person>;
    /// A new scan-to-log-in session.
    fn open_qr_session(&self) -> PlatformFuture<'_, QrSession>;
    /// Where a scan-to-log-in session stands.
    fn poll_qr_session<'a>(&'a self, session_id: &'a str) -> PlatformFuture<'a, QrStatus>;
    /// Everything a template needs about `person` from these sources.
    fn fetch<'a>(&'a self, person: &'a Person, sources: &'a [Source]) -> PlatformFuture<'a, DataSet>;
    /// Hands a final print record over (idempotent by record id).
    fn post_print_record<'a>(&'a self, record: &'a PrintRecord) -> PlatformFuture<'a, RecordOutcome>;
    /// Copies printed for `person_id` on every terminal from the day
    /// `since` (YYYY-MM-DD), by service (contract 1.1; a 1.0 platform
    /// answers `ErrorKind::NotImplemented`).
    fn print_counts<'a>(&'a self, person_id: &'a str, since: &'a str) -> PlatformFuture<'a, PrintCounts>;
}
