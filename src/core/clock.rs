//! The clock port: how the terminal reads time. The session core takes
//! time as an input; the shell and the print flow read it through this
//! trait, and tests use a [`ManualClock`] they move by hand. The machine's
//! clocks are `adapters::clock::SystemClock`, the one place time is read.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::core::session::Ms;

/// Monotonic milliseconds for the session, wall time for documents.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds on a monotonic clock.
    fn now_ms(&self) -> Ms;
    /// Wall-clock time, for issue dates.
    fn now_utc(&self) -> time::OffsetDateTime;
}

/// A clock that moves only when told; clones share one time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    ms: Arc<AtomicU64>,
    utc_at_zero: time::OffsetDateTime,
}

impl ManualClock {
    /// At 0 ms, the wall clock reads `utc_at_zero`.
    pub fn new(utc_at_zero: time::OffsetDateTime) -> ManualClock {
        ManualClock {
            ms: Arc::new(AtomicU64::new(0)),
            utc_at_zero,
        }
    }

    pub fn advance(&self, ms: Ms) {
        self.ms.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> Ms {
        self.ms.load(Ordering::SeqCst)
    }

    fn now_utc(&self) -> time::OffsetDateTime {
        let ms = i64::try_from(self.now_ms()).unwrap_or(i64::MAX);
        self.utc_at_zero + time::Duration::milliseconds(ms)
    }
}

/// Now on `clock`, at `offset`, to the second (RFC 3339): how issue times
/// and journal steps are written.
pub fn local_rfc3339(clock: &dyn Clock, offset: time::UtcOffset) -> String {
    let now = clock.now_utc().to_offset(offset);
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
