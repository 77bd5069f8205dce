//! The machine's clocks: the one place the terminal reads time (the
//! `core::clock::Clock` port).

#![allow(
    clippy::disallowed_methods,
    reason = "the machine's clocks: the one place time is read"
)]

use std::time::Instant;

use crate::core::clock::Clock;
use crate::core::session::Ms;

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
