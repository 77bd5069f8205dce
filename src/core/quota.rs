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
    /// Copies printed so far this term.
    pub used: u32,
}

impl Quota {
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
    fn a_quota_allows_up_to_its_limit() {
        let q = Quota { limit: 4, used: 3 };
        assert_eq!(q.remaining(), 1);
        assert!(q.allows(1));
        assert!(!q.allows(2));
        let over = Quota { limit: 4, used: 6 };
        assert_eq!(over.remaining(), 0);
        assert!(!over.allows(1));
    }
}
