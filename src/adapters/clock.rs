//! The clock: the one place the terminal reads time. The session core
//! takes time as an input; the shell reads it here, and tests use a
//! `ManualClock` they move by hand.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::core::session::Ms;

/// Monotonic milliseconds for the session, wall time for documents.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds on a monotonic clock.
    fn now_ms(&self) -> Ms;
    /// Wall-clock time, for issue dates.
    fn now_utc(&self) -> time::OffsetDateTime;
}

/// The machine's clocks.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    start: Instant,
}

impl SystemClock {
    pub fn new() -> SystemClock {
        SystemClock { start: Instant::now() }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now_ms(&self) -> Ms {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn now_utc(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
    }
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
