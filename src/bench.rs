//! The render benchmark behind `kiosk bench render` and `cargo bench`.
//!
//! Reads the clock, so it lives beside the pipeline, not inside it.

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
