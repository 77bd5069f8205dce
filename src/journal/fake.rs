//! An in-memory journal for tests: the same forward-only steps and quota
//! rule as the durable one, every step kept in order, and writes that fail
//! on cue (a full disk, a locked database).

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{Attempt, End, Journal, JournalError, Made, Stage};
use crate::printing::{JobId, JobOutcome};

/// A journal in memory.
#[derive(Debug, Default)]
pub struct FakeJournal {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    attempts: Vec<Attempt>,
    /// Every step written: (attempt id, stage name).
    steps: Vec<(String, &'static str)>,
    /// Methods that fail until healed: "create", "rendered", "submitting",
    /// "printer_job", "finished", "rate", "read".
    failing: HashSet<&'static str>,
    next: u64,
}

impl FakeJournal {
    pub fn new() -> FakeJournal {
        FakeJournal::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// From now on, `method` fails as a database that cannot write would:
    /// one of "create", "rendered", "submitting", "printer_job",
    /// "finished", "rate", "read".
    pub fn fail(&self, method: &'static str) {
        self.lock().failing.insert(method);
    }

    /// Every method works again.
    pub fn heal(&self) {
        self.lock().failing.clear();
    }

    /// Every attempt, oldest first.
    pub fn all(&self) -> Vec<Attempt> {
        self.lock().attempts.clone()
    }

    /// Every step written so far, in order: (attempt id, stage).
    pub fn steps(&self) -> Vec<(String, &'static str)> {
        self.lock().steps.clone()
    }

    /// Adds attempts as they are (earlier prints, for quotas).
    pub fn import(&self, attempts: &[Attempt]) {
        self.lock().attempts.extend_from_slice(attempts);
    }
}

fn broken(method: &str) -> JournalError {
    JournalError::Db {
        path: "fake journal".into(),
        source: format!("{method}: the disk is full").into(),
    }
}

impl Inner {
    fn check(&self, method: &'static str) -> Result<(), JournalError> {
        if self.failing.contains(method) {
            return Err(broken(method));
        }
        Ok(())
    }

    fn printed(&self, person: &str, service: &str, since: &str) -> u32 {
        self.printed_where(person, service, since, |_| true)
    }

    fn printed_where(&self, person: &str, service: &str, since: &str, also: impl Fn(&Attempt) -> bool) -> u32 {
        self.attempts
            .iter()
            .filter(|a| a.stage == Stage::Printed && a.person == person && a.service == service)
            .filter(|a| a.created_at.get(..10).unwrap_or("") >= since)
            .filter(|a| also(a))
            .fold(0u32, |n, a| n.saturating_add(a.copies))
    }

    fn attempt(&mut self, id: &str) -> Result<&mut Attempt, JournalError> {
        self.attempts
            .iter_mut()
            .find(|a| a.id == id)
            .ok_or_else(|| JournalError::Unknown(id.to_string()))
    }

    /// Moves `id` from one of `from` to `to`, or says why not.
    fn step(&mut self, id: &str, from: &[Stage], to: Stage) -> Result<&mut Attempt, JournalError> {
        let stage = self.attempt(id)?.stage;
        if !from.contains(&stage) {
            return Err(JournalError::Transition {
                id: id.to_string(),
                state: stage.as_str().to_string(),
                to: to.as_str(),
            });
        }
        self.steps.push((id.to_string(), to.as_str()));
        let a = self.attempt(id)?;
        a.stage = to;
        Ok(a)
    }
}

impl Journal for FakeJournal {
    fn create_within(
        &self,
        terminal: &str,
        service: &str,
        person: &str,
        copies: u32,
        at: &str,
        quota: Option<(u32, &str)>,
    ) -> Result<String, JournalError> {
        let mut j = self.lock();
        j.check("create")?;
        if let Some((limit, since)) = quota {
            let used = j.printed(person, service, since);
            if u64::from(used) + u64::from(copies) > u64::from(limit) {
                return Err(JournalError::QuotaReached { used, limit });
            }
        }
        j.next += 1;
        let id = format!("fake-{:04}", j.next);
        j.attempts.push(Attempt {
            id: id.clone(),
            terminal: terminal.to_string(),
            service: service.to_string(),
            person: person.to_string(),
            document: None,
            pages: 0,
            copies,
            content_sha256: None,
            stage: Stage::Created,
            printer_job: None,
            reason: None,
            impressions: None,
            rating: None,
            created_at: at.to_string(),
            finished_at: None,
            posted: false,
            seal: None,
            template_version: None,
        });
        j.steps.push((id.clone(), "created"));
        Ok(id)
    }

    fn rendered(&self, id: &str, made: &Made<'_>, _at: &str) -> Result<(), JournalError> {
        let mut j = self.lock();
        j.check("rendered")?;
        let a = j.step(id, &[Stage::Created], Stage::Rendered)?;
        a.document = Some(made.document.to_string());
        a.pages = made.pages;
        a.content_sha256 = Some(made.sha256.to_string());
        a.seal = made.seal.map(str::to_string);
        a.template_version = made.template_version.map(str::to_string);
        Ok(())
    }

    fn submitting(&self, id: &str, _at: &str) -> Result<(), JournalError> {
        let mut j = self.lock();
        j.check("submitting")?;
        j.step(id, &[Stage::Rendered], Stage::Submitted).map(|_| ())
    }

    fn printer_job(&self, id: &str, job: &JobId) -> Result<(), JournalError> {
        let mut j = self.lock();
        j.check("printer_job")?;
        j.attempt(id)?.printer_job = Some(job.0.clone());
        Ok(())
    }

    fn finished(&self, id: &str, outcome: &JobOutcome, at: &str) -> Result<(), JournalError> {
        let mut j = self.lock();
        j.check("finished")?;
        let end = End::of(outcome);
        let a = j.step(id, end.from, end.stage)?;
        a.reason = end.reason;
        a.impressions = end.impressions;
        a.finished_at = Some(at.to_string());
        Ok(())
    }

    fn rate(&self, id: &str, rating: u8) -> Result<(), JournalError> {
        let mut j = self.lock();
        j.check("rate")?;
        j.attempt(id)?.rating = Some(rating.clamp(1, 5));
        Ok(())
    }

    fn printed_copies(&self, person: &str, service: &str, since: &str) -> Result<u32, JournalError> {
        let j = self.lock();
        j.check("read")?;
        Ok(j.printed(person, service, since))
    }

    fn undelivered_copies(&self, person: &str, service: &str, since: &str) -> Result<u32, JournalError> {
        let j = self.lock();
        j.check("read")?;
        Ok(j.printed_where(person, service, since, |a| !a.posted))
    }

    fn get(&self, id: &str) -> Result<Attempt, JournalError> {
        let mut j = self.lock();
        j.check("read")?;
        j.attempt(id).cloned()
    }

    fn outbox(&self) -> Result<Vec<Attempt>, JournalError> {
        let j = self.lock();
        j.check("read")?;
        Ok(j.attempts
            .iter()
            .filter(|a| a.stage.is_final() && !a.posted)
            .cloned()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: &str = "2026-11-23T09:30:00+08:00";

    fn made(document: &str) -> Made<'_> {
        Made {
            document,
            pages: 1,
            sha256: "ab",
            seal: None,
            template_version: None,
        }
    }

    #[test]
    fn steps_only_go_forward_and_quotas_count_printed_copies() {
        let j = FakeJournal::new();
        let id = j.create_within("T", "s", "p", 2, AT, Some((3, "2026-09-01"))).unwrap();
        // Not rendered yet: it cannot be handed over.
        assert!(matches!(j.submitting(&id, AT), Err(JournalError::Transition { .. })));
        j.rendered(&id, &made("D"), AT).unwrap();
        j.submitting(&id, AT).unwrap();
        j.finished(&id, &JobOutcome::Printed { impressions: Some(2) }, AT)
            .unwrap();
        assert!(j.finished(&id, &JobOutcome::Cancelled, AT).is_err());
        assert_eq!(j.printed_copies("p", "s", "2026-09-01").unwrap(), 2);
        assert!(matches!(
            j.create_within("T", "s", "p", 2, AT, Some((3, "2026-09-01"))),
            Err(JournalError::QuotaReached { used: 2, limit: 3 })
        ));
        let steps: Vec<&str> = j.steps().into_iter().map(|(_, s)| s).collect();
        assert_eq!(steps, ["created", "rendered", "submitted", "printed"]);
    }

    #[test]
    fn a_write_fails_on_cue_until_healed() {
        let j = FakeJournal::new();
        j.fail("create");
        assert!(matches!(
            j.create_within("T", "s", "p", 1, AT, None),
            Err(JournalError::Db { .. })
        ));
        j.heal();
        assert!(j.create_within("T", "s", "p", 1, AT, None).is_ok());
    }
}
