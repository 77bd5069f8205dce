//! The centre's view of a terminal: `/metrics` (Prometheus text format)
//! and `/health` (200 when the terminal can serve a student, 503 with the
//! reasons, one per line, when not), served by axum on the address
//! `[metrics] listen` or `kiosk run --metrics` gives; and the platform
//! port timed into the [`Telemetry`].
//!
//! A scrape asks the printer (bounded by [`PRINTER_WAIT`]) and reads the
//! journal's tallies; nothing of a person is read or served.

#![allow(
    clippy::disallowed_methods,
    reason = "platform calls are timed with the monotonic clock, and the outbox's age needs the wall clock"
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::adapters::journal::SqliteJournal;
use crate::data::{DataSet, Source};
use crate::metrics::{self, Journaled, Snapshot, Telemetry};
use crate::platform::{
    ErrorKind, Person, Platform, PlatformError, PlatformFuture, PrintCounts, PrintRecord, QrSession, QrStatus,
    RecordOutcome,
};
use crate::printing::Printer;

/// Longest a scrape waits for the printer's answer.
pub const PRINTER_WAIT: Duration = Duration::from_secs(3);

/// The platform port, each call timed into the telemetry.
pub struct Metered {
    pub inner: Arc<dyn Platform>,
    pub telemetry: Arc<Telemetry>,
}

impl Metered {
    fn time<'a, T: Send + 'a>(&'a self, call: PlatformFuture<'a, T>) -> PlatformFuture<'a, T> {
        Box::pin(async move {
            let start = Instant::now();
            let r = call.await;
            // An answer, even "no such card", means the platform is up.
            let up = !matches!(
                &r,
                Err(PlatformError {
                    kind: ErrorKind::Unavailable,
                    ..
                })
            );
            self.telemetry.platform_call(start.elapsed().as_secs_f64(), up);
            r
        })
    }
}

impl Platform for Metered {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn card<'a>(&'a self, uid: &'a str) -> PlatformFuture<'a, Person> {
        self.time(self.inner.card(uid))
    }
    fn open_qr_session(&self) -> PlatformFuture<'_, QrSession> {
        self.time(self.inner.open_qr_session())
    }
    fn poll_qr_session<'a>(&'a self, session_id: &'a str) -> PlatformFuture<'a, QrStatus> {
        self.time(self.inner.poll_qr_session(session_id))
    }
    fn fetch<'a>(&'a self, person: &'a Person, sources: &'a [Source]) -> PlatformFuture<'a, DataSet> {
        self.time(self.inner.fetch(person, sources))
    }
    fn post_print_record<'a>(&'a self, record: &'a PrintRecord) -> PlatformFuture<'a, RecordOutcome> {
        self.time(self.inner.post_print_record(record))
    }
    fn print_counts<'a>(&'a self, person_id: &'a str, since: &'a str) -> PlatformFuture<'a, PrintCounts> {
        self.time(self.inner.print_counts(person_id, since))
    }
}

/// What a scrape reads.
#[derive(Clone)]
pub struct Sources {
    pub terminal: String,
    pub printer: Arc<dyn Printer>,
    pub journal: Arc<SqliteJournal>,
    pub telemetry: Arc<Telemetry>,
    /// When the signing key stops being valid (Unix seconds), if known.
    pub key_not_after: Option<u64>,
}

impl Sources {
    /// Everything at this moment.
    pub async fn snapshot(&self) -> Snapshot {
        let printer = match tokio::time::timeout(PRINTER_WAIT, self.printer.status()).await {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {PRINTER_WAIT:?}")),
        };
        let now = time::OffsetDateTime::now_utc();
        let journal = tallies(&self.journal, now).map_err(|e| e.to_string());
        Snapshot {
            terminal: self.terminal.clone(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            printer,
            journal,
            live: self.telemetry.live(),
            key_not_after: self.key_not_after,
            now: now.unix_timestamp(),
        }
    }
}

/// The journal's counts: attempts by service and outcome, sides printed,
/// failures by reason, the outbox and the age of its oldest record.
fn tallies(journal: &SqliteJournal, now: time::OffsetDateTime) -> Result<Journaled, crate::journal::JournalError> {
    let t = journal.tallies()?;
    let mut out = Journaled {
        outbox: t.outbox,
        outbox_oldest_seconds: t.outbox_oldest.as_deref().and_then(|at| {
            time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
                .ok()
                .map(|made| (now - made).as_seconds_f64().max(0.0))
        }),
        ..Journaled::default()
    };
    for (service, stage, n, sides) in t.by_service {
        if !matches!(stage.as_str(), "printed" | "failed" | "cancelled" | "unknown") {
            continue;
        }
        *out.attempts.entry((service.clone(), stage.clone())).or_default() += n;
        if stage == "printed" {
            *out.pages.entry(service).or_default() += sides;
        }
    }
    for (reason, n) in t.failures {
        *out.failures.entry(metrics::keyword(&reason)).or_default() += n;
    }
    Ok(out)
}

async fn scrape(State(src): State<Arc<Sources>>) -> Response {
    let s = src.snapshot().await;
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        metrics::encode(&s),
    )
        .into_response()
}

async fn health(State(src): State<Arc<Sources>>) -> Response {
    let s = src.snapshot().await;
    let problems = metrics::problems(&s);
    let plain = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
    if problems.is_empty() {
        (StatusCode::OK, plain, "ok\n".to_string()).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, plain, problems.join("\n") + "\n").into_response()
    }
}

/// The routes, for serving or testing.
pub fn router(src: Arc<Sources>) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .route("/health", get(health))
        .with_state(src)
}

/// Why the metrics server could not start.
#[derive(Debug, thiserror::Error)]
#[error("metrics: cannot listen on {addr}: {source}; use another [metrics] listen address")]
pub struct ListenError {
    pub addr: SocketAddr,
    pub source: std::io::Error,
}

/// Binds `listen` and serves in the background of the current runtime:
/// the address it listens on.
pub async fn serve(listen: SocketAddr, src: Sources) -> Result<SocketAddr, ListenError> {
    let err = |source| ListenError { addr: listen, source };
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(err)?;
    let addr = listener.local_addr().map_err(err)?;
    let app = router(Arc::new(src));
    tokio::spawn(super::http_server::serve(
        listener,
        app,
        super::http_server::Limits::METRICS,
        std::future::pending(),
    ));
    Ok(addr)
}
