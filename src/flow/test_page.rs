//! The technician's test page: rendered from `assets/test-page` like any
//! document (unsealed: it certifies nothing), and printed through
//! [`super::print`] like any attempt, so it is journaled step by step.

use std::sync::Arc;

use super::print::Order;
use crate::fonts::FontBook;
use crate::printing::PrintJob;

/// The journal's service id and person for a test page.
pub const SERVICE: &str = "test-page";
pub const PERSON: &str = "technician";

/// Why the test page cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum TestPageError {
    #[error(transparent)]
    Template(#[from] crate::template::TemplateError),
    #[error(transparent)]
    Pipeline(#[from] crate::pipeline::PipelineError),
    #[error(transparent)]
    Pdf(#[from] crate::export::pdf::PdfError),
}

/// The test page of terminal `terminal`, issued at `issued_at` (RFC 3339,
/// the terminal's local time), as an order to print.
pub fn order(book: &FontBook, terminal: &str, issued_at: &str) -> Result<Order, TestPageError> {
    let tpl = crate::template::Template::load(&crate::fonts::assets_dir().join("test-page"))?;
    let (doc, facts) = crate::pipeline::render(book, &tpl, &Default::default(), issued_at)?;
    let pdf = crate::export::pdf::to_pdf(book, &doc)?;
    Ok(Order {
        terminal: terminal.to_string(),
        service: SERVICE.to_string(),
        person: PERSON.to_string(),
        job: PrintJob {
            id: format!("test-{}", facts.id),
            title: "test page".into(),
            pdf: Arc::from(pdf),
            copies: 1,
            pages: u32::try_from(doc.pages.len()).unwrap_or(1),
            duplex: false,
        },
        document: facts.id,
        quota: None,
        seal: None,
        template_version: None,
    })
}
