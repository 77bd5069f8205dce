//! Quotas: how many copies of a service one person may print in a term.
//!
//! Pure: the day and the copies already printed come in. Terms recur every
//! year from fixed month-days (`[terms] starts` in the configuration); a
//! template sets its limit (`[service] quota_per_term`); the journal counts
//! the printed copies.

use time::{Date, Month};

/// The month-days terms start on, every year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// Sorted, distinct.
    starts: Vec<(Month, u8)>,
}

impl Default for Terms {
    /// A spring term from 1 February and an autumn term from 1 August:
    /// the boundaries fall in the winter and summer holidays.
    fn default() -> Self {
        Terms {
            starts: vec![(Month::February, 1), (Month::August, 1)],
        }
    }
}

impl Terms {
    /// Terms from `"MM-DD"` month-days, e.g. `["02-20", "09-01"]`. Why not,
    /// naming the bad entry.
    pub fn parse(list: &[String]) -> Result<Terms, String> {
        if list.is_empty() {
            return Err("name at least one month-day a term starts on, e.g. [\"02-20\", \"09-01\"]".into());
        }
        let mut starts = Vec::with_capacity(list.len());
        for s in list {
            let bad = || format!("{s:?}: write a month-day as \"MM-DD\", e.g. \"09-01\" (not 02-29)");
            let (m, d) = s.split_once('-').ok_or_else(bad)?;
            if m.len() != 2 || d.len() != 2 {
                return Err(bad());
            }
            let month = m
                .parse::<u8>()
                .ok()
                .and_then(|m| Month::try_from(m).ok())
                .ok_or_else(bad)?;
            let day = d.parse::<u8>().map_err(|_| bad())?;
            // Valid in every year: checked against a common year.
            Date::from_calendar_date(2025, month, day).map_err(|_| bad())?;
            starts.push((month, day));
        }
        starts.sort_by_key(|&(m, d)| (m as u8, d));
        if starts.windows(2).any(|w| w[0] == w[1]) {
            return Err("a month-day is listed twice".into());
        }
        Ok(Terms { starts })
    }

    /// The first day of the term `day` falls in.
    pub fn start_of(&self, day: Date) -> Date {
        let at = |year: i32, (m, d): (Month, u8)| Date::from_calendar_date(year, m, d).ok();
        let this_year = self
            .starts
            .iter()
            .rev()
            .filter_map(|&s| at(day.year(), s))
            .find(|&s| s <= day);
        // Before the year's first start: the previous year's last term.
        this_year
            .or_else(|| self.starts.last().and_then(|&s| at(day.year() - 1, s)))
            .unwrap_or(day)
    }
}

/// One person's quota of one service this term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Copies allowed per term.
    pub limit: u32,
    /// Copies printed so far this term, on every terminal counted.
    pub used: u32,
    /// Of those, the copies printed on other terminals (0 when only this
    /// terminal's journal was counted).
    pub elsewhere: u32,
}

/// This terminal's printed copies of one service for one person this term,
/// from its journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LocalCopies {
    pub printed: u32,
    /// Of those, the copies whose records the platform does not have yet.
    pub undelivered: u32,
}

/// What a person's quotas were counted from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// The platform's count over every terminal, and this terminal's
    /// copies it does not have yet.
    Campus,
    /// This terminal's journal only: the platform did not answer in time,
    /// failed, or runs a contract without counts. Why, for technicians.
    Local { why: String },
}

impl Quota {
    /// A quota counted on this terminal only.
    pub fn local(limit: u32, used: u32) -> Quota {
        Quota {
            limit,
            used,
            elsewhere: 0,
        }
    }

    /// A campus-wide quota: `platform` copies counted by the platform over
    /// every terminal, plus this terminal's copies it does not have yet.
    /// Never fewer than this terminal's own count (a platform that lost
    /// records does not give copies back).
    pub fn campus(limit: u32, platform: u32, local: LocalCopies) -> Quota {
        let used = platform.saturating_add(local.undelivered).max(local.printed);
        Quota {
            limit,
            used,
            elsewhere: used - local.printed,
        }
    }

    /// What this terminal's journal may still let through: the limit less
    /// the copies printed elsewhere (the journal counts its own).
    pub fn local_limit(self) -> u32 {
        self.limit.saturating_sub(self.elsewhere)
    }

    /// Copies still allowed.
    pub fn remaining(self) -> u32 {
        self.limit.saturating_sub(self.used)
    }

    /// Whether `copies` more may be printed.
    pub fn allows(self, copies: u32) -> bool {
        copies <= self.remaining()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn terms(list: &[&str]) -> Result<Terms, String> {
        Terms::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn a_day_belongs_to_the_latest_start_before_it() {
        let t = terms(&["09-01", "02-20"]).unwrap();
        assert_eq!(t.start_of(date!(2026 - 11 - 24)), date!(2026 - 09 - 01));
        assert_eq!(t.start_of(date!(2026 - 09 - 01)), date!(2026 - 09 - 01));
        assert_eq!(t.start_of(date!(2026 - 08 - 31)), date!(2026 - 02 - 20));
        assert_eq!(t.start_of(date!(2026 - 02 - 20)), date!(2026 - 02 - 20));
        // January is still last year's autumn term.
        assert_eq!(t.start_of(date!(2027 - 01 - 15)), date!(2026 - 09 - 01));
    }

    #[test]
    fn the_default_splits_the_year_in_the_holidays() {
        let t = Terms::default();
        assert_eq!(t.start_of(date!(2026 - 11 - 24)), date!(2026 - 08 - 01));
        assert_eq!(t.start_of(date!(2026 - 01 - 31)), date!(2025 - 08 - 01));
        assert_eq!(t.start_of(date!(2026 - 03 - 01)), date!(2026 - 02 - 01));
    }

    #[test]
    fn one_start_makes_a_year_long_term() {
        let t = terms(&["09-01"]).unwrap();
        assert_eq!(t.start_of(date!(2026 - 06 - 30)), date!(2025 - 09 - 01));
    }

    #[test]
    fn bad_month_days_are_named() {
        for bad in ["9-1", "13-01", "02-30", "02-29", "0901", "ab-cd", "09-01-02"] {
            let e = terms(&["02-20", bad]).unwrap_err();
            assert!(e.contains(bad), "{bad}: {e}");
        }
        assert!(terms(&[]).is_err());
        assert!(terms(&["09-01", "09-01"]).unwrap_err().contains("twice"));
    }

    #[test]
    fn a_campus_quota_adds_what_the_platform_does_not_have_yet() {
        // 2 printed elsewhere and delivered; here 3, of which 1 is still
        // in the outbox: the platform counts 2 + 2 = 4.
        let q = Quota::campus(
            6,
            4,
            LocalCopies {
                printed: 3,
                undelivered: 1,
            },
        );
        assert_eq!((q.used, q.elsewhere, q.remaining()), (5, 2, 1));
        // The journal, counting its own 3, may let 6 - 2 = 4 through.
        assert_eq!(q.local_limit(), 4);
        // A platform that lost this terminal's records counts no fewer.
        let q = Quota::campus(
            6,
            0,
            LocalCopies {
                printed: 3,
                undelivered: 0,
            },
        );
        assert_eq!((q.used, q.elsewhere), (3, 0));
        assert_eq!(Quota::local(6, 3).local_limit(), 6);
    }

    #[test]
    fn a_quota_allows_up_to_its_limit() {
        let q = Quota::local(4, 3);
        assert_eq!(q.remaining(), 1);
        assert!(q.allows(1));
        assert!(!q.allows(2));
        let over = Quota::local(4, 6);
        assert_eq!(over.remaining(), 0);
        assert!(!over.allows(1));
    }
}
