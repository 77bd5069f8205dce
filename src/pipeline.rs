//! The print pipeline: template + data → (eligibility) → layout → export.
//!
//! This module decides; it does not fetch, print or read the clock: the
//! issue time and the data come in as arguments.

use crate::data::{DataSet, DocumentFacts, Source};
use crate::fonts::FontBook;
use crate::layout::{self, LayoutError};
use crate::page::Document;
pub use crate::template::limits::Cancel;
use crate::template::{Bilingual, RenderError, Template};

/// Why a document was not made.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The person may not use this service; `message` says why.
    #[error("not eligible: {} / {}", message.zh, message.en)]
    Ineligible { message: Bilingual },
    #[error("the data lacks {}: the template {template} reads it", missing.join(", "))]
    MissingData { template: String, missing: Vec<String> },
    #[error("the eligibility rule {rule:?} could not be evaluated: {message}")]
    Rule { rule: String, message: String },
    #[error("issue time {0:?} is not an RFC 3339 time such as 2026-11-23T09:30:00+08:00")]
    IssueTime(String),
    #[error("refusing to print: character {ch:?} (U+{code:04X}) {} is in none of the bundled fonts", field.as_deref().map(|f| format!("from field {f}")).unwrap_or_else(|| format!("in template text {text:?}")))]
    MissingGlyph {
        ch: char,
        code: u32,
        field: Option<String>,
        text: String,
    },
    #[error("{0}")]
    Layout(LayoutError),
    #[error("seal field {field:?}: {message}")]
    Seal { field: String, message: String },
    /// The text is too long for the pages the template allows
    /// (`[page] max_pages`).
    #[error(
        "the document takes {pages} pages, more than the {max} the template allows ([page] max_pages): a text is too long for the page"
    )]
    Overflow { pages: usize, max: u32 },
}

/// What seals documents: the terminal's id and key, and the address a
/// recipient's phone opens (the code follows it after `#`).
#[derive(Clone)]
pub struct Sealer {
    pub terminal: String,
    pub key: ed25519_dalek::SigningKey,
    pub verify_url: String,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("terminal", &self.terminal)
            .field(
                "key_id",
                &crate::seal::hex(&crate::seal::key_id(&self.key.verifying_key())),
            )
            .finish_non_exhaustive()
    }
}

impl From<RenderError> for PipelineError {
    fn from(e: RenderError) -> Self {
        PipelineError::Layout(LayoutError::Render(e))
    }
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn base32(bytes: &[u8], chars: usize) -> String {
    let mut out = String::with_capacity(chars);
    let mut acc = 0u32;
    let mut bits = 0;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 && out.len() < chars {
            bits -= 5;
            out.push(char::from(CROCKFORD[((acc >> bits) & 31) as usize]));
        }
    }
    out
}

/// The facts of a document made from `data` by `service` at `issued_at`.
///
/// Its verification payload is the unsealed one
/// (`urn:campus-kiosk:unsigned:<id>`: it names the document but proves
/// nothing); a sealed render replaces it with the signed seal.
pub fn document_facts(service: &str, data: &DataSet, issued_at: &str) -> DocumentFacts {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(service.as_bytes());
    h.update([0]);
    h.update(issued_at.as_bytes());
    h.update([0]);
    h.update(data.digest());
    let digest = h.finalize();
    let id = base32(&digest, 16);
    DocumentFacts {
        short_code: grouped(&id),
        verification: format!("urn:campus-kiosk:unsigned:{id}"),
        issued_at: issued_at.to_string(),
        id,
    }
}

/// A document id as printed under the QR code, in fours: all 16
/// characters (80 bits), so a code cannot be guessed (docs/verification.md).
pub fn grouped(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

fn check_time(issued_at: &str) -> Result<(), PipelineError> {
    time::OffsetDateTime::parse(issued_at, &time::format_description::well_known::Rfc3339)
        .map(|_| ())
        .map_err(|_| PipelineError::IssueTime(issued_at.to_string()))
}

/// The sources a template reads.
pub fn sources(tpl: &Template) -> Vec<Source> {
    tpl.file.service.data.iter().filter_map(|d| Source::parse(d)).collect()
}

/// Checks that the data is complete and the person eligible; `ctx` is
/// `data.context(..)`.
pub fn eligibility(tpl: &Template, data: &DataSet, ctx: &minijinja::Value) -> Result<(), PipelineError> {
    let missing = data.missing(&sources(tpl));
    if !missing.is_empty() {
        return Err(PipelineError::MissingData {
            template: tpl.id().to_string(),
            missing: missing.iter().map(Source::key).collect(),
        });
    }
    if let Some(e) = &tpl.file.eligibility {
        let v = tpl.eval(&e.rule, ctx).map_err(|err| PipelineError::Rule {
            rule: e.rule.clone(),
            message: err.message,
        })?;
        if v.kind() != minijinja::value::ValueKind::Bool {
            // `"no"` or `enrollment.name` would be "true" for everyone.
            return Err(PipelineError::Rule {
                rule: e.rule.clone(),
                message: format!(
                    "the rule gives {} ({v}), not true or false: compare something, e.g. enrollment.status == 'enrolled'",
                    v.kind()
                ),
            });
        }
        if !v.is_true() {
            return Err(PipelineError::Ineligible {
                message: e.message.clone(),
            });
        }
    }
    Ok(())
}

/// Makes an unsealed document (a template author's preview, a test
/// page): its code names the document but proves nothing.
pub fn render(
    book: &FontBook,
    tpl: &Template,
    data: &DataSet,
    issued_at: &str,
) -> Result<(Document, DocumentFacts), PipelineError> {
    render_with(book, tpl, data, issued_at, None, &Cancel::new())
}

/// Makes a sealed document: its verification code carries the signed
/// seal (see `seal` and docs/verification.md).
pub fn render_sealed(
    book: &FontBook,
    tpl: &Template,
    data: &DataSet,
    issued_at: &str,
    sealer: &Sealer,
) -> Result<(Document, DocumentFacts), PipelineError> {
    render_with(book, tpl, data, issued_at, Some(sealer), &Cancel::new())
}

/// [`render_sealed`] that stops early, with an error, once `cancel` is
/// raised (the caller's time is up, or it no longer wants the document).
pub fn render_sealed_cancellable(
    book: &FontBook,
    tpl: &Template,
    data: &DataSet,
    issued_at: &str,
    sealer: &Sealer,
    cancel: &Cancel,
) -> Result<(Document, DocumentFacts), PipelineError> {
    render_with(book, tpl, data, issued_at, Some(sealer), cancel)
}

/// The seal's payload for a document.
pub fn seal_payload(
    tpl: &Template,
    data: &DataSet,
    facts: &DocumentFacts,
    terminal: &str,
) -> Result<crate::seal::Payload, PipelineError> {
    let ctx = data.context(facts);
    let mut fields = std::collections::BTreeMap::new();
    for (name, text) in &tpl.file.seal.fields {
        let value = tpl.string(text, &ctx).map_err(|e| PipelineError::Seal {
            field: name.clone(),
            message: e.message,
        })?;
        fields.insert(name.clone(), value);
    }
    let issued = time::OffsetDateTime::parse(&facts.issued_at, &time::format_description::well_known::Rfc3339)
        .map_err(|_| PipelineError::IssueTime(facts.issued_at.clone()))?
        .unix_timestamp();
    let mut digest = [0u8; 16];
    digest.copy_from_slice(&data.digest()[..16]);
    Ok(crate::seal::Payload {
        document_id: facts.id.clone(),
        service: tpl.id().to_string(),
        terminal: terminal.to_string(),
        issued: u64::try_from(issued).map_err(|_| PipelineError::IssueTime(facts.issued_at.clone()))?,
        fields,
        digest,
    })
}

fn render_with(
    book: &FontBook,
    tpl: &Template,
    data: &DataSet,
    issued_at: &str,
    sealer: Option<&Sealer>,
    cancel: &Cancel,
) -> Result<(Document, DocumentFacts), PipelineError> {
    crate::template::limits::with_budget(cancel, || render_bounded(book, tpl, data, issued_at, sealer))
}

fn render_bounded(
    book: &FontBook,
    tpl: &Template,
    data: &DataSet,
    issued_at: &str,
    sealer: Option<&Sealer>,
) -> Result<(Document, DocumentFacts), PipelineError> {
    check_time(issued_at)?;
    // A document binds only what its template declares.
    let bound = data.only(&sources(tpl));
    let data = &bound;
    let mut facts = document_facts(tpl.id(), data, issued_at);
    let ctx = data.context(&facts);
    eligibility(tpl, data, &ctx)?;
    if let Some(s) = sealer {
        let payload = seal_payload(tpl, data, &facts, &s.terminal)?;
        facts.verification = crate::seal::to_code(&s.verify_url, &crate::seal::sign(&payload, &s.key));
    }
    let doc = layout::layout(book, tpl, &ctx, &facts.verification, issued_at).map_err(|e| match e {
        LayoutError::MissingGlyph { ch, code, text } => PipelineError::MissingGlyph {
            ch,
            code,
            field: data.field_with_char(ch),
            text,
        },
        other => PipelineError::Layout(other),
    })?;
    if let Some(max) = tpl.file.page.max_pages
        && doc.pages.len() > max as usize
    {
        return Err(PipelineError::Overflow {
            pages: doc.pages.len(),
            max,
        });
    }
    Ok((doc, facts))
}
