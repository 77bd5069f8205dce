//! How long to wait before trying again: exponential, with a floor, a cap
//! and jitter, so that a platform that answers "retry now" (a 429 with
//! `Retry-After: 0`) is not hammered, and terminals that lost the platform
//! together do not come back in step. Pure: the randomness is a seed.

use std::time::Duration;

/// A retry schedule.
#[derive(Debug, Clone)]
pub struct Backoff {
    floor: Duration,
    cap: Duration,
    next: Duration,
    rng: u64,
}

impl Backoff {
    /// Waits start at `floor` and double up to `cap`; `seed` makes the
    /// jitter (any value; 0 is replaced).
    pub fn new(floor: Duration, cap: Duration, seed: u64) -> Backoff {
        let floor = floor.max(Duration::from_millis(1));
        Backoff {
            floor,
            cap: cap.max(floor),
            next: floor,
            rng: seed | 1,
        }
    }

    fn random(&mut self) -> u64 {
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// The wait before the next try: the current step plus up to half of
    /// it again (never over the cap), and at least what the server asked
    /// for (`hint`, its `Retry-After`). Each call doubles the step.
    pub fn next_wait(&mut self, hint: Option<Duration>) -> Duration {
        let step = self.next;
        self.next = (self.next * 2).min(self.cap);
        let half = u64::try_from((step / 2).as_nanos()).unwrap_or(u64::MAX).max(1);
        let wait = (step + Duration::from_nanos(self.random() % half)).min(self.cap);
        hint.map_or(wait, |h| wait.max(h))
    }

    /// Back to the first step, after a success.
    pub fn reset(&mut self) {
        self.next = self.floor;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn waits_grow_from_the_floor_to_the_cap_and_never_fall_below_the_floor() {
        let mut b = Backoff::new(200 * MS, 5000 * MS, 42);
        let waits: Vec<Duration> = (0..10).map(|_| b.next_wait(Some(Duration::ZERO))).collect();
        assert!(waits.iter().all(|w| *w >= 200 * MS && *w <= 5000 * MS), "{waits:?}");
        assert!(waits[6] >= 2500 * MS, "the step reaches the cap: {waits:?}");
        let total: Duration = waits.iter().sum();
        // Ten tries take many seconds, however often the server says "now".
        assert!(total >= 20_000 * MS, "{total:?}");
        b.reset();
        assert!(b.next_wait(None) <= 300 * MS);
    }

    #[test]
    fn a_longer_retry_after_is_honoured_and_seeds_spread_the_waits() {
        let mut b = Backoff::new(200 * MS, 5000 * MS, 1);
        assert_eq!(b.next_wait(Some(3000 * MS)), 3000 * MS);
        let spread: std::collections::BTreeSet<Duration> = (0..20u64)
            .map(|seed| {
                let mut b = Backoff::new(1000 * MS, 60_000 * MS, seed * 7919);
                b.next_wait(None)
            })
            .collect();
        assert!(spread.len() > 10, "jitter: {spread:?}");
    }
}
