//! The benchmarks behind `kiosk bench` and `cargo bench`: rendering, and
//! the journal's writes and look-ups at a given size.
//!
//! Reads the clock, so it lives beside the pipeline, not inside it.

#![allow(clippy::disallowed_methods, reason = "benchmarks measure wall time")]

use std::time::Instant;

use crate::data::DataSet;
use crate::export::pdf;
use crate::fonts::FontBook;
use crate::pipeline::{self, PipelineError};
use crate::template::Template;

/// Figures of one benchmark run (milliseconds).
#[derive(Debug, Clone)]
pub struct RenderFigures {
    pub cold_ms: f64,
    pub median_ms: f64,
    pub min_ms: f64,
    pub layout_median_ms: f64,
    pub pdf_bytes: usize,
    pub pages: usize,
}

/// Why a benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    Pdf(#[from] pdf::PdfError),
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Renders `tpl` with `data` to PDF `n` times after one cold run.
pub fn render(book: &FontBook, tpl: &Template, data: &DataSet, n: usize) -> Result<RenderFigures, BenchError> {
    let issued_at = "2026-11-23T09:30:00+08:00";
    let cold = Instant::now();
    let (doc, _) = pipeline::render(book, tpl, data, issued_at)?;
    pdf::to_pdf(book, &doc)?;
    let cold_ms = ms(cold);
    let (mut total, mut layout) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut pdf_bytes, mut pages) = (0, 0);
    for _ in 0..n.max(1) {
        let t = Instant::now();
        let (doc, _) = pipeline::render(book, tpl, data, issued_at)?;
        layout.push(ms(t));
        let out = pdf::to_pdf(book, &doc)?;
        total.push(ms(t));
        pdf_bytes = out.len();
        pages = doc.pages.len();
    }
    total.sort_by(f64::total_cmp);
    layout.sort_by(f64::total_cmp);
    Ok(RenderFigures {
        cold_ms,
        median_ms: total[total.len() / 2],
        min_ms: total[0],
        layout_median_ms: layout[layout.len() / 2],
        pdf_bytes,
        pages,
    })
}

/// Figures of the journal benchmark (milliseconds).
#[derive(Debug, Clone)]
pub struct JournalFigures {
    pub attempts: usize,
    /// Filling the journal with `attempts` final attempts, in one go.
    pub fill_ms: f64,
    /// One print attempt's five durable writes (created, rendered,
    /// submitted, printer job, finished): median and worst.
    pub attempt_median_ms: f64,
    pub attempt_max_ms: f64,
    /// One person's printed copies of one service this term (the quota
    /// look-up at sign-in): median.
    pub quota_lookup_median_ms: f64,
    /// `kiosk stats` over the whole journal.
    pub stats_ms: f64,
    pub file_bytes: u64,
}

/// Fills a journal at `path` (which must not exist) with `attempts` final
/// attempts of `people` people over a year, then times what a print and a
/// sign-in do to it, `n` times each.
pub fn journal(
    path: &std::path::Path,
    attempts: usize,
    people: usize,
    n: usize,
) -> Result<JournalFigures, crate::adapters::journal::JournalError> {
    use crate::adapters::journal::{Attempt, SqliteJournal, Stage};
    use crate::printing::JobOutcome;
    let j = SqliteJournal::open(path)?;
    let services = ["enrollment-certificate", "transcript-zh", "transcript-en"];
    let people = people.max(1);
    let rows: Vec<Attempt> = (0..attempts)
        .map(|i| {
            let day = 1 + (i * 365 / attempts.max(1)) as i64;
            let at = (time::macros::date!(2025 - 11 - 23) + time::Duration::days(day)).to_string();
            Attempt {
                id: crate::adapters::journal::new_id(),
                terminal: "BENCH-01".into(),
                service: services[i % services.len()].into(),
                person: format!("2025{:06}", (i * 7919) % people),
                document: Some(format!("D{i:015}")),
                pages: 2,
                copies: 1 + (i % 3) as u32,
                content_sha256: Some("0".repeat(64)),
                stage: if i % 20 == 0 { Stage::Failed } else { Stage::Printed },
                printer_job: Some(i.to_string()),
                reason: (i % 20 == 0).then(|| "media-jam".to_string()),
                impressions: None,
                rating: (i % 4 == 0).then_some(5),
                created_at: format!("{at}T10:00:00+08:00"),
                finished_at: Some(format!("{at}T10:01:00+08:00")),
                posted: true,
                seal: None,
                template_version: None,
            }
        })
        .collect();
    let t = Instant::now();
    j.import(&rows)?;
    let fill_ms = ms(t);
    let at = "2026-11-23T10:00:00+08:00";
    let mut writes = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        let id = j.create("BENCH-01", "transcript-zh", "2025000001", 1, at)?;
        j.rendered(
            &id,
            &crate::journal::Made::unsealed(&format!("B{i}"), 2, &"0".repeat(64)),
            at,
        )?;
        j.submitting(&id, at)?;
        j.printer_job(&id, &crate::printing::JobId(i.to_string()))?;
        j.finished(&id, &JobOutcome::Printed { impressions: Some(2) }, at)?;
        writes.push(ms(t));
    }
    let mut lookups = Vec::with_capacity(n);
    for i in 0..n {
        let person = format!("2025{:06}", (i * 31) % people);
        let t = Instant::now();
        j.printed_copies(&person, "transcript-zh", "2026-09-01")?;
        lookups.push(ms(t));
    }
    let t = Instant::now();
    j.stats(None)?;
    let stats_ms = ms(t);
    writes.sort_by(f64::total_cmp);
    lookups.sort_by(f64::total_cmp);
    let median = |v: &[f64]| v.get(v.len() / 2).copied().unwrap_or(0.0);
    Ok(JournalFigures {
        attempts,
        fill_ms,
        attempt_median_ms: median(&writes),
        attempt_max_ms: writes.last().copied().unwrap_or(0.0),
        quota_lookup_median_ms: median(&lookups),
        stats_ms,
        file_bytes: std::fs::metadata(path).map_or(0, |m| m.len()),
    })
}
