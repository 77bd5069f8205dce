//! A scripted printer for tests, in the manner of embedded-hal's mocks:
//! the test says what the printer will answer, runs the code, then reads
//! what the code asked for. Its futures are ready at once.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use super::PrinterStatus;
use super::port::{JobId, JobState, JobStatus, PrintJob, Printer, PrinterError, PrinterFuture};

/// A printer whose answers are scripted. Each script is a queue: each
/// call takes the next answer, and the last answer repeats (so a job left
/// `Processing` is a stuck job). Clones share one script and one log.
#[derive(Debug, Clone, Default)]
pub struct FakePrinter {
    inner: Arc<Mutex<Script>>,
}

#[derive(Debug, Default)]
struct Script {
    statuses: VecDeque<Result<PrinterStatus, PrinterError>>,
    submits: VecDeque<Result<(), PrinterError>>,
    jobs: VecDeque<Result<JobStatus, PrinterError>>,
    submitted: Vec<PrintJob>,
    cancelled: Vec<JobId>,
}

fn next<T: Clone>(q: &mut VecDeque<T>) -> Option<T> {
    if q.len() > 1 { q.pop_front() } else { q.front().cloned() }
}

/// A ready printer's status.
pub fn ready() -> PrinterStatus {
    PrinterStatus::ready_for_pdf_a4()
}

/// A ready printer with these `printer-state-reasons`.
pub fn with_reasons(reasons: &[&str]) -> PrinterStatus {
    PrinterStatus {
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
        ..ready()
    }
}

/// A job status.
pub fn job(state: JobState, impressions: Option<u32>) -> JobStatus {
    JobStatus {
        state,
        reasons: Vec::new(),
        impressions,
    }
}

impl FakePrinter {
    /// Ready, takes every job, and completes it at the first look.
    pub fn new() -> FakePrinter {
        let p = FakePrinter::default();
        p.statuses([Ok(ready())]);
        p.submits([Ok(())]);
        p.jobs([Ok(job(JobState::Completed, None))]);
        p
    }

    fn script(&self) -> std::sync::MutexGuard<'_, Script> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A printer whose paper runs out in the middle of a two-side job and
    /// is refilled: ready, then `media-empty` while the job is stopped,
    /// then ready again and the job completes.
    pub fn paper_out_mid_job() -> FakePrinter {
        let p = FakePrinter::new();
        p.statuses([
            Ok(ready()),
            Ok(ready()),
            Ok(with_reasons(&["media-empty-error"])),
            Ok(with_reasons(&["media-empty-error"])),
            Ok(ready()),
        ]);
        p.jobs([
            Ok(job(JobState::Processing, Some(1))),
            Ok(job(JobState::Stopped, Some(1))),
            Ok(job(JobState::Stopped, Some(1))),
            Ok(job(JobState::Processing, Some(1))),
            Ok(job(JobState::Completed, Some(2))),
        ]);
        p
    }

    /// What `status` answers, in turn.
    pub fn statuses(&self, s: impl IntoIterator<Item = Result<PrinterStatus, PrinterError>>) -> &Self {
        self.script().statuses = s.into_iter().collect();
        self
    }

    /// What `submit` answers, in turn.
    pub fn submits(&self, s: impl IntoIterator<Item = Result<(), PrinterError>>) -> &Self {
        self.script().submits = s.into_iter().collect();
        self
    }

    /// What `job` answers, in turn.
    pub fn jobs(&self, s: impl IntoIterator<Item = Result<JobStatus, PrinterError>>) -> &Self {
        self.script().jobs = s.into_iter().collect();
        self
    }

    /// The jobs handed over, in order.
    pub fn submitted(&self) -> Vec<PrintJob> {
        self.script().submitted.clone()
    }

    /// The jobs the code cancelled.
    pub fn cancelled(&self) -> Vec<JobId> {
        self.script().cancelled.clone()
    }
}

impl Printer for FakePrinter {
    fn describe(&self) -> String {
        "fake printer".into()
    }

    fn status(&self) -> PrinterFuture<'_, PrinterStatus> {
        let answer = next(&mut self.script().statuses).unwrap_or_else(|| Ok(ready()));
        Box::pin(std::future::ready(answer))
    }

    fn submit<'a>(&'a self, job: &'a PrintJob) -> PrinterFuture<'a, JobId> {
        let mut s = self.script();
        let answer = next(&mut s.submits).unwrap_or(Ok(())).map(|()| {
            s.submitted.push(job.clone());
            JobId(format!("fake-{}", s.submitted.len()))
        });
        Box::pin(std::future::ready(answer))
    }

    fn job<'a>(&'a self, _id: &'a JobId) -> PrinterFuture<'a, JobStatus> {
        let answer = next(&mut self.script().jobs).unwrap_or_else(|| Ok(job(JobState::Completed, None)));
        Box::pin(std::future::ready(answer))
    }

    fn cancel<'a>(&'a self, id: &'a JobId) -> PrinterFuture<'a, ()> {
        self.script().cancelled.push(id.clone());
        Box::pin(std::future::ready(Ok(())))
    }
}
