//! What the journal says about a period (`kiosk stats`) and about a
//! service's quota (`kiosk quota`).

use rusqlite::params;

use crate::journal::{Attempt, JournalError, Stage};

use super::SqliteJournal;

/// Counts of attempts.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Counts {
    pub attempts: u64,
    pub printed: u64,
    pub failed: u64,
    pub cancelled: u64,
    pub unknown: u64,
    /// Sheets' sides of printed attempts: pages × copies.
    pub pages_printed: u64,
}

impl Counts {
    fn add(&mut self, a: &Attempt) {
        self.attempts += 1;
        match a.stage {
            Stage::Printed => {
                self.printed += 1;
                self.pages_printed += u64::from(a.pages) * u64::from(a.copies);
            }
            Stage::Failed => self.failed += 1,
            Stage::Cancelled => self.cancelled += 1,
            Stage::Unknown => self.unknown += 1,
            _ => {}
        }
    }
}

/// What the journal says about a period (`kiosk stats`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Stats {
    /// Attempts from this day on (YYYY-MM-DD), if limited.
    pub since: Option<String>,
    pub total: Counts,
    pub by_service: std::collections::BTreeMap<String, Counts>,
    /// By the terminal's local date of the attempt.
    pub by_day: std::collections::BTreeMap<String, Counts>,
    /// Failures by reason (IPP keyword or cause).
    pub failures: std::collections::BTreeMap<String, u64>,
    pub ratings: u64,
    pub average_rating: Option<f64>,
    /// Services with a per-term quota: how it is used this term.
    pub quotas: Vec<QuotaUse>,
}

/// How a service's quota is used in a term.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QuotaUse {
    pub service: String,
    /// Copies per person per term.
    pub limit: u32,
    /// The term's first day (YYYY-MM-DD).
    pub term_start: String,
    /// People who printed it this term.
    pub people: u64,
    /// Copies printed this term.
    pub copies: u64,
    /// People who have used their whole quota.
    pub at_limit: u64,
    /// The most copies one person printed.
    pub most: u32,
}

impl SqliteJournal {
    /// Figures over the final attempts from `since` (a YYYY-MM-DD date) on.
    pub fn stats(&self, since: Option<&str>) -> Result<Stats, JournalError> {
        let mut s = Stats {
            since: since.map(str::to_string),
            ..Stats::default()
        };
        let mut rating_sum = 0u64;
        for a in self.all()? {
            let day = a.created_at.get(..10).unwrap_or_default().to_string();
            if since.is_some_and(|d| day.as_str() < d) || !a.stage.is_final() {
                continue;
            }
            s.total.add(&a);
            s.by_service.entry(a.service.clone()).or_default().add(&a);
            s.by_day.entry(day).or_default().add(&a);
            if matches!(a.stage, Stage::Failed | Stage::Unknown) {
                let reason = a.reason.clone().unwrap_or_else(|| "unknown".into());
                // The keyword, not the detail after it.
                let key = reason.split([':', ' ']).next().unwrap_or_default().to_string();
                *s.failures.entry(key).or_default() += 1;
            }
            if let Some(r) = a.rating {
                s.ratings += 1;
                rating_sum += u64::from(r);
            }
        }
        s.average_rating = (s.ratings > 0).then(|| rating_sum as f64 / s.ratings as f64);
        Ok(s)
    }

    /// How the quota of `limit` copies of `service` is used in the term
    /// from `term_start` (YYYY-MM-DD) on: printed attempts only.
    pub fn quota_use(&self, service: &str, limit: u32, term_start: &str) -> Result<QuotaUse, JournalError> {
        let db = self.db();
        let mut st = db
            .prepare(
                "SELECT SUM(copies) FROM attempts
                 WHERE stage = 'printed' AND service = ?1 AND substr(created_at, 1, 10) >= ?2
                 GROUP BY person",
            )
            .map_err(|e| self.err(e))?;
        let per_person = st
            .query_map(params![service, term_start], |r| r.get::<_, i64>(0))
            .map_err(|e| self.err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        let per_person: Vec<u32> = per_person
            .into_iter()
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
            .collect();
        Ok(QuotaUse {
            service: service.to_string(),
            limit,
            term_start: term_start.to_string(),
            people: per_person.len() as u64,
            copies: per_person.iter().map(|&n| u64::from(n)).sum(),
            at_limit: per_person.iter().filter(|&&n| n >= limit).count() as u64,
            most: per_person.iter().copied().max().unwrap_or(0),
        })
    }
}

/// The journal's counts for the centre's metrics, by SQL (a scrape does
/// not read every attempt).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tallies {
    /// (service, stage, attempts, sides printed).
    pub by_service: Vec<(String, String, u64, u64)>,
    /// (reason, failed attempts).
    pub failures: Vec<(String, u64)>,
    pub outbox: u64,
    /// When the oldest record the platform has not taken was made.
    pub outbox_oldest: Option<String>,
}

impl SqliteJournal {
    /// Attempts by service and stage, failures by reason, the outbox.
    pub fn tallies(&self) -> Result<Tallies, JournalError> {
        self.flush_pending();
        let db = self.db();
        let q = || -> rusqlite::Result<Tallies> {
            let mut t = Tallies::default();
            let mut st = db.prepare(
                "SELECT service, stage, COUNT(*), COALESCE(SUM(pages * copies), 0) FROM attempts GROUP BY service, stage",
            )?;
            t.by_service = st
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get::<_, i64>(2)?.max(0) as u64,
                        r.get::<_, i64>(3)?.max(0) as u64,
                    ))
                })?
                .collect::<Result<_, _>>()?;
            let mut st = db.prepare(
                "SELECT COALESCE(reason, 'other'), COUNT(*) FROM attempts WHERE stage = 'failed' GROUP BY reason",
            )?;
            t.failures = st
                .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64)))?
                .collect::<Result<_, _>>()?;
            let (n, oldest): (i64, Option<String>) = db.query_row(
                "SELECT COUNT(*), MIN(created_at) FROM attempts
                 WHERE posted = 0 AND stage IN ('printed', 'failed', 'cancelled', 'unknown')",
                params![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            t.outbox = n.max(0) as u64;
            t.outbox_oldest = oldest;
            Ok(t)
        };
        q().map_err(|e| self.err(e))
    }
}
