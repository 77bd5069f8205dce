//! A platform in memory for tests: people by card, their records, a
//! scan-to-log-in session confirmed by hand, the print records it was
//! given, and faults on cue (each call in turn takes the next one).

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::port::{Platform, PlatformFuture};
use super::{ErrorKind, Person, PlatformError, PrintCounts, PrintRecord, QrSession, QrStatus, RecordOutcome};
use crate::data::{DataSet, Source};

/// A platform that answers from what it was given.
#[derive(Debug, Default)]
pub struct FakePlatform {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    cards: HashMap<String, Person>,
    records: HashMap<String, DataSet>,
    faults: VecDeque<PlatformError>,
    sessions: u64,
    confirmed: HashMap<String, Person>,
    posted: Vec<PrintRecord>,
    calls: Vec<String>,
    /// Answers the 1.1 calls as a 1.0 platform does.
    contract_1_0: bool,
}

impl FakePlatform {
    pub fn new() -> FakePlatform {
        FakePlatform::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `uid` is `person`'s card.
    pub fn card_of(&self, uid: &str, person: Person) {
        self.lock().cards.insert(uid.to_string(), person);
    }

    /// What the platform holds about the person `id` (enrollment,
    /// transcript, datasets); a source it lacks is `NotFound`.
    pub fn records_of(&self, id: &str, data: DataSet) {
        self.lock().records.insert(id.to_string(), data);
    }

    /// The next call fails with `e`.
    pub fn push_fault(&self, e: PlatformError) {
        self.lock().faults.push_back(e);
    }

    /// The phone scanned the code of `session`: `person` is logged in.
    pub fn confirm_qr(&self, session: &str, person: Person) {
        self.lock().confirmed.insert(session.to_string(), person);
    }

    /// Answers the 1.1 calls (print counts) as a 1.0 platform does: 404
    /// `not_implemented`.
    pub fn speak_contract_1_0(&self) {
        self.lock().contract_1_0 = true;
    }

    /// The print records handed over, in order.
    pub fn posted(&self) -> Vec<PrintRecord> {
        self.lock().posted.clone()
    }

    /// Every call made, in order (`card`, `fetch enrollment`, …): never
    /// with a person's data in it beyond the call's own arguments.
    pub fn calls(&self) -> Vec<String> {
        self.lock().calls.clone()
    }

    fn call(&self, what: String) -> Result<MutexGuard<'_, Inner>, PlatformError> {
        let mut inner = self.lock();
        inner.calls.push(what);
        match inner.faults.pop_front() {
            Some(e) => Err(e),
            None => Ok(inner),
        }
    }
}

fn not_found(what: &str) -> PlatformError {
    PlatformError::new(ErrorKind::NotFound, format!("{what}: HTTP 404"))
}

impl Platform for FakePlatform {
    fn describe(&self) -> String {
        "fake platform".to_string()
    }

    fn card<'a>(&'a self, uid: &'a str) -> PlatformFuture<'a, Person> {
        let r = self
            .call(format!("card {uid}"))
            .and_then(|p| p.cards.get(uid).cloned().ok_or_else(|| not_found("card")));
        Box::pin(async move { r })
    }

    fn open_qr_session(&self) -> PlatformFuture<'_, QrSession> {
        let r = self.call("open qr session".into()).map(|mut p| {
            p.sessions += 1;
            let id = format!("qr-{}", p.sessions);
            QrSession {
                login_url: format!("https://platform.invalid/qr/{id}"),
                session_id: id,
                expires_at: "2099-01-01T00:00:00Z".into(),
                poll_interval_ms: 50,
            }
        });
        Box::pin(async move { r })
    }

    fn poll_qr_session<'a>(&'a self, session_id: &'a str) -> PlatformFuture<'a, QrStatus> {
        let r = self
            .call(format!("poll {session_id}"))
            .map(|mut p| match p.confirmed.remove(session_id) {
                Some(person) => QrStatus::Confirmed(person),
                None => QrStatus::Pending,
            });
        Box::pin(async move { r })
    }

    fn fetch<'a>(&'a self, person: &'a Person, sources: &'a [Source]) -> PlatformFuture<'a, DataSet> {
        let keys: Vec<String> = sources.iter().map(Source::key).collect();
        let r = self.call(format!("fetch {}", keys.join(" "))).and_then(|p| {
            let held = p.records.get(&person.id).cloned().unwrap_or_default();
            let mut data = DataSet {
                person: Some(person.record.clone()),
                ..DataSet::default()
            };
            for s in sources {
                match s {
                    Source::Person => {}
                    Source::Enrollment => {
                        data.enrollment = Some(held.enrollment.clone().ok_or_else(|| not_found("enrollment"))?);
                    }
                    Source::Transcript => {
                        data.transcript = Some(held.transcript.clone().ok_or_else(|| not_found("transcript"))?);
                    }
                    Source::Dataset(name) => {
                        let v = held.datasets.get(name).cloned().ok_or_else(|| not_found(name))?;
                        data.datasets.insert(name.clone(), v);
                    }
                    Source::Spreadsheet(name) => {
                        return Err(PlatformError::not_a_platform_source(name));
                    }
                }
            }
            Ok(data)
        });
        Box::pin(async move { r })
    }

    fn post_print_record<'a>(&'a self, record: &'a PrintRecord) -> PlatformFuture<'a, RecordOutcome> {
        let r = self.call(format!("post record {}", record.record_id)).map(|mut p| {
            if p.posted.iter().any(|r| r.record_id == record.record_id) {
                RecordOutcome::AlreadyRecorded
            } else {
                p.posted.push(record.clone());
                RecordOutcome::Created
            }
        });
        Box::pin(async move { r })
    }

    fn print_counts<'a>(&'a self, person_id: &'a str, since: &'a str) -> PlatformFuture<'a, PrintCounts> {
        let r = self.call(format!("print counts since {since}")).and_then(|p| {
            if p.contract_1_0 {
                return Err(PlatformError {
                    kind: ErrorKind::NotImplemented,
                    code: Some("not_implemented".into()),
                    detail: "print-counts: HTTP 404".into(),
                });
            }
            let mut counts = std::collections::BTreeMap::new();
            for r in p.posted.iter().filter(|r| {
                r.person_id == person_id && r.status == "printed" && r.created_at.get(..10).is_some_and(|d| d >= since)
            }) {
                *counts.entry(r.service_id.clone()).or_insert(0) += r.copies;
            }
            Ok(PrintCounts {
                since: since.to_string(),
                counts,
                as_of: "2026-11-23T09:30:00+08:00".into(),
            })
        });
        Box::pin(async move { r })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::PersonKind;

    fn person() -> Person {
        Person {
            id: "2023011234".into(),
            kind: PersonKind::Student,
            name: "张三".into(),
            record: serde_json::json!({ "id": "2023011234" }),
        }
    }

    #[tokio::test]
    async fn answers_what_it_holds_and_faults_on_cue() {
        let p = FakePlatform::new();
        p.card_of("04A1B2C3", person());
        assert_eq!(p.card("04A1B2C3").await.unwrap().id, "2023011234");
        assert_eq!(p.card("FFFFFFFF").await.unwrap_err().kind, ErrorKind::NotFound);
        p.push_fault(PlatformError::new(ErrorKind::Unavailable, "down"));
        assert_eq!(p.card("04A1B2C3").await.unwrap_err().kind, ErrorKind::Unavailable);
        // A source the person has no record of is NotFound.
        let e = p.fetch(&person(), &[Source::Transcript]).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert_eq!(p.calls().len(), 4);
    }
}
