//! Scan-to-log-in: keeps a live login QR code on the attract screen.
//!
//! Opens a session on the platform, hands out its `login_url` (and the QR
//! matrix to draw), polls it every `poll_interval_ms`, opens a fresh one
//! shortly before it expires or when it is cancelled, and reports the
//! person when it is confirmed. Dropping the handle stops it (a card was
//! tapped, or the screen left).

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

use std::sync::Arc;

use crate::platform::Platform;
use crate::platform::{ErrorKind, Person, PlatformError, QrStatus};
use crate::qr::QrMatrix;

/// What the QR login reports.
#[derive(Debug, Clone, PartialEq)]
pub enum QrLoginEvent {
    /// Show this code (a new session: replace any code shown before).
    Show {
        session_id: String,
        login_url: String,
        qr: QrMatrix,
    },
    /// The person confirmed in the campus app. The login has ended.
    Confirmed(Person),
    /// The platform could not be used; the login keeps trying.
    Trouble(PlatformError),
}

/// A running QR login; stops when dropped.
#[derive(Debug)]
pub struct QrLogin {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for QrLogin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl QrLogin {
    /// Starts on the current tokio runtime. A session is refreshed
    /// `margin` before it expires.
    pub fn start(client: Arc<dyn Platform>, margin: Duration, tx: UnboundedSender<QrLoginEvent>) -> QrLogin {
        QrLogin {
            task: tokio::spawn(run(client, margin, tx)),
        }
    }
}

const RETRY: Duration = Duration::from_secs(3);

#[allow(
    clippy::disallowed_methods,
    reason = "the platform states a QR session's expiry in wall time"
)]
fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

async fn run(client: Arc<dyn Platform>, margin: Duration, tx: UnboundedSender<QrLoginEvent>) {
    loop {
        let session = match client.open_qr_session().await {
            Ok(s) => s,
            Err(e) => {
                if tx.send(QrLoginEvent::Trouble(e)).is_err() {
                    return;
                }
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        let qr = match crate::qr::encode(&session.login_url) {
            Ok(q) => q,
            Err(m) => {
                let _ = tx.send(QrLoginEvent::Trouble(PlatformError::bad_data(format!(
                    "login_url: {m}"
                ))));
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        let refresh_at = Instant::now() + session.refresh_after(unix_ms(), margin);
        let shown = QrLoginEvent::Show {
            session_id: session.session_id.clone(),
            login_url: session.login_url.clone(),
            qr,
        };
        if tx.send(shown).is_err() {
            return;
        }
        let every = Duration::from_millis(session.poll_interval_ms);
        loop {
            tokio::time::sleep(every.min(refresh_at.saturating_duration_since(Instant::now()))).await;
            if Instant::now() >= refresh_at {
                break;
            }
            match client.poll_qr_session(&session.session_id).await {
                Ok(QrStatus::Pending) => {}
                Ok(QrStatus::Confirmed(p)) => {
                    let _ = tx.send(QrLoginEvent::Confirmed(p));
                    return;
                }
                Ok(QrStatus::Expired | QrStatus::Cancelled) => break,
                Err(e) if e.kind == ErrorKind::NotFound => break,
                Err(e) => {
                    if tx.send(QrLoginEvent::Trouble(e)).is_err() {
                        return;
                    }
                }
            }
        }
    }
}
