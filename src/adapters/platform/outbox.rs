//! The outbox: final print records go to the platform
//! (`POST /print-records`) in the background, oldest first, with backoff
//! while the platform is away. A record leaves the outbox only when the
//! platform has it; posting is idempotent by record id, so a record posted
//! again after a crash (sent, but not yet marked) is still counted once.
//! Nothing here ever waits on a student.

use std::sync::Arc;
use std::time::Duration;

use crate::adapters::journal::{JournalError, SqliteJournal};
use crate::adapters::platform::http::{PlatformClient, seed};
use crate::core::backoff::Backoff;
use crate::platform::{ErrorKind, PlatformError};

/// The shortest wait after a failed round, whatever the pace says.
pub const MIN_BACKOFF: Duration = Duration::from_millis(100);

/// How the outbox paces itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// With nothing to send, look again this often (or when nudged).
    pub idle: Duration,
    /// After a failure, wait this long, doubling up to `max_backoff`.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            idle: Duration::from_secs(30),
            min_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(300),
        }
    }
}

/// Why a round stopped early.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("the platform did not take record {record}: {error}")]
    Platform { record: String, error: PlatformError },
}

/// Posts every undelivered record, oldest first; stops at the first one
/// the platform cannot take now (the order is kept). A record the
/// platform rejects as such (a 4xx) is skipped this round, kept, and
/// reported. How many were delivered.
pub async fn deliver(journal: &SqliteJournal, client: &PlatformClient) -> Result<usize, OutboxError> {
    let mut delivered = 0;
    let mut rejected = None;
    for a in journal.outbox()? {
        match client.post_print_record(&a.record()).await {
            Ok(_) => {
                journal.posted(&a.id)?;
                delivered += 1;
            }
            Err(e) if matches!(e.kind, ErrorKind::Rejected | ErrorKind::BadData) => {
                rejected.get_or_insert(OutboxError::Platform {
                    record: a.id.clone(),
                    error: e,
                });
            }
            Err(e) => {
                return Err(OutboxError::Platform {
                    record: a.id.clone(),
                    error: e,
                });
            }
        }
    }
    match rejected {
        Some(e) => Err(e),
        None => Ok(delivered),
    }
}

/// Runs until the task is dropped: delivers, backs off while the platform
/// is away, sleeps while there is nothing to send (a `nudge` wakes it when
/// a record lands).
pub async fn run(journal: Arc<SqliteJournal>, client: PlatformClient, pace: Pace, nudge: Arc<tokio::sync::Notify>) {
    let mut backoff = Backoff::new(pace.min_backoff.max(MIN_BACKOFF), pace.max_backoff, seed());
    loop {
        match deliver(&journal, &client).await {
            Ok(_) => {
                backoff.reset();
                let _ = tokio::time::timeout(pace.idle, nudge.notified()).await;
            }
            Err(e) => {
                let wait = backoff.next_wait(None);
                eprintln!("outbox: {e}; next try in {wait:?}");
                tokio::time::sleep(wait).await;
            }
        }
    }
}
