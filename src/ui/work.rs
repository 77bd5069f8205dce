//! The work behind the screens: looking a person's services up, rendering
//! a preview, printing. Plain async functions over the ports (platform
//! client, printer, templates), run by the shell as iced tasks; each
//! returns what its message carries.

use std::collections::HashSet;
use std::sync::Arc;

use iced::widget::image;

use crate::adapters::files::spreadsheet;
use crate::core::quota::{Basis, LocalCopies, Quota};
use crate::data::{DataSet, Source};
use crate::fonts::FontBook;
use crate::i18n::{self, Bilingual, T};
use crate::journal::Journal;
use crate::metrics::Telemetry;
use crate::pipeline::{self, PipelineError};
use crate::platform::{ErrorKind, Person, PersonKind, Platform, PlatformError};
use crate::sheets::SheetError;
use crate::template::Template;
use crate::template::spec::Audience;

/// A service as the person sees it.
#[derive(Debug, Clone)]
pub struct Service {
    pub id: String,
    pub name: Bilingual,
    /// One line on what it is for, if the template says.
    pub summary: Option<Bilingual>,
    pub icon: crate::template::spec::Icon,
    /// Why not, when the person may not use it now.
    pub unavailable: Option<Bilingual>,
    pub max_copies: u32,
    pub duplex: bool,
    /// The person's quota of it this term, if the template sets one.
    pub quota: Option<Quota>,
    template: Arc<Template>,
    data: Arc<DataSet>,
}

/// Where the services are looked up: the moment and the term.
#[derive(Debug, Clone)]
pub struct Lookup {
    /// Now, local to the terminal (RFC 3339).
    pub issued_at: String,
    pub now_unix: i64,
    /// The current term's first day (YYYY-MM-DD).
    pub term_start: String,
    /// Longest to wait for the platform's campus-wide counts.
    pub counts_wait: std::time::Duration,
}

/// Why a department's spreadsheet keeps a person from a service. A file
/// that cannot be used is the department's fault, not the person's: it is
/// logged (without the person) for staff.
fn sheet_refusal(e: &SheetError) -> Bilingual {
    match e {
        SheetError::NotListed { owner, .. } => i18n::not_on_list(owner),
        SheetError::Stale { owner, .. } => {
            eprintln!("services: {e}");
            i18n::list_out_of_date(owner)
        }
        _ => {
            eprintln!("services: {e}");
            T::CannotIssue.into()
        }
    }
}

/// The platform's counts of the person's copies this term, if it gives
/// them within `wait`; if not, why quotas are counted here only.
async fn campus_counts(
    platform: &dyn Platform,
    person: &str,
    since: &str,
    wait: std::time::Duration,
) -> Result<crate::platform::PrintCounts, String> {
    match tokio::time::timeout(wait, platform.print_counts(person, since)).await {
        Ok(Ok(counts)) => Ok(counts),
        Ok(Err(e)) if e.kind == ErrorKind::NotImplemented => {
            Err("the platform runs contract 1.0, which has no print counts".to_string())
        }
        // Its kind only: the error's detail holds the request's path, and
        // with it the person's id, which stays out of logs.
        Ok(Err(e)) => Err(format!("the platform's print counts failed: {}", e.kind.describe())),
        Err(_) => Err(format!("the platform gave no print counts within {wait:?}")),
    }
}

/// The technician's line on how quotas are counted.
pub fn quota_line(note: &Telemetry) -> String {
    match &note.live().quota_basis {
        None => "quotas: no one has signed in yet".to_string(),
        Some(Basis::Campus) => "quotas: campus-wide (the platform's counts)".to_string(),
        Some(Basis::Local { why }) => format!("quotas: LOCAL to this terminal: {why}"),
    }
}

/// Why a quota keeps a person from printing.
pub fn quota_refusal(q: Quota) -> Bilingual {
    i18n::quota_spent(q.used, q.limit)
}

/// The services this person may see, in the configured order. Quotas
/// are counted campus-wide when the platform gives its counts within
/// `at.counts_wait`, on this terminal's journal otherwise; `note` keeps
/// which, for the technician and the centre's metrics.
pub async fn services(
    platform: Arc<dyn Platform>,
    journal: Arc<dyn Journal>,
    templates: Arc<Vec<Arc<Template>>>,
    person: Person,
    at: Lookup,
    note: Arc<Telemetry>,
) -> Result<Vec<Service>, PlatformError> {
    let Lookup {
        issued_at,
        now_unix,
        term_start,
        counts_wait,
    } = at;
    let audience = match person.kind {
        PersonKind::Student => Audience::Student,
        PersonKind::Staff => Audience::Staff,
    };
    let offered: Vec<&Arc<Template>> = templates
        .iter()
        .filter(|t| t.file.service.audience.contains(&audience))
        .collect();
    // The campus-wide counts are asked while the records are fetched.
    let counting = async {
        if offered.iter().any(|t| t.file.service.quota_per_term.is_some()) {
            Some(campus_counts(platform.as_ref(), &person.id, &term_start, counts_wait).await)
        } else {
            None
        }
    };
    let fetching = async {
        let mut all = DataSet {
            person: Some(person.record.clone()),
            ..DataSet::default()
        };
        let mut absent: HashSet<String> = HashSet::new();
        let mut fetched: HashSet<String> = HashSet::new();
        for s in offered.iter().flat_map(|t| pipeline::sources(t)) {
            if matches!(s, Source::Person | Source::Spreadsheet(_)) || !fetched.insert(s.key()) {
                continue;
            }
            match platform.fetch(&person, std::slice::from_ref(&s)).await {
                Ok(got) => {
                    all.enrollment = all.enrollment.or(got.enrollment);
                    all.transcript = all.transcript.or(got.transcript);
                    all.datasets.extend(got.datasets);
                }
                // This person has no such record: the services reading it
                // are greyed out; anything else ends the session.
                Err(e) if e.kind == ErrorKind::NotFound => {
                    absent.insert(s.key());
                }
                Err(e) => return Err(e),
            }
        }
        Ok((all, absent))
    };
    let (counts, fetched) = tokio::join!(counting, fetching);
    let counted = match counts {
        None => None,
        Some(counts) => {
            if let Err(why) = &counts {
                eprintln!("services: quotas counted on this terminal only: {why}");
            }
            note.quotas_counted(match &counts {
                Ok(_) => Basis::Campus,
                Err(why) => Basis::Local { why: why.clone() },
            });
            counts.ok()
        }
    };
    let (all, absent) = fetched?;
    let mut out = Vec::new();
    for tpl in offered {
        let sources = pipeline::sources(tpl);
        let service = &tpl.file.service;
        let mut data = all.only(&sources);
        // Campus-wide where the platform counted, on this terminal's
        // journal otherwise; a journal that cannot be read prints nothing.
        let quota = service.quota_per_term.map(|limit| {
            let printed = journal.printed_copies(&person.id, &service.id, &term_start)?;
            Ok::<_, crate::journal::JournalError>(match &counted {
                Some(counts) => {
                    let undelivered = journal.undelivered_copies(&person.id, &service.id, &term_start)?;
                    Quota::campus(limit, counts.of(&service.id), LocalCopies { printed, undelivered })
                }
                None => Quota::local(limit, printed),
            })
        });
        let unavailable = if sources.iter().any(|s| absent.contains(&s.key())) {
            Some(T::NoRecord.into())
        } else if let Err(e) = spreadsheet::bind(tpl, &mut data, now_unix) {
            Some(sheet_refusal(&e))
        } else {
            let facts = pipeline::document_facts(tpl.id(), &data, &issued_at);
            match pipeline::eligibility(tpl, &data, &data.context(&facts)) {
                Err(PipelineError::Ineligible { message }) => Some(message),
                Err(_) => Some(T::CannotIssue.into()),
                Ok(()) => match &quota {
                    Some(Err(e)) => {
                        eprintln!("services: {e}");
                        Some(T::CannotIssue.into())
                    }
                    Some(Ok(q)) if q.remaining() == 0 => Some(quota_refusal(*q)),
                    _ => None,
                },
            }
        };
        let quota = quota.and_then(Result::ok);
        let max_copies = service.max_copies.clamp(1, 99);
        out.push(Service {
            id: service.id.clone(),
            name: service.name.clone(),
            summary: service.summary.clone(),
            icon: service.icon,
            unavailable,
            max_copies: quota.map_or(max_copies, |q| max_copies.min(q.remaining()).max(1)),
            duplex: service.duplex,
            quota,
            template: tpl.clone(),
            data: Arc::new(data),
        });
    }
    Ok(out)
}

/// A rendered document: its pages as pictures for the screen and its PDF
/// for the printer, both from one layout.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub service: String,
    pub document_id: String,
    /// The document's short code (`ABCD-EFGH`), as printed beside the
    /// seal, for the done screen.
    pub short_code: String,
    /// The verification code's text (the seal), for the platform's record.
    pub seal: String,
    /// The template's version, for the platform's record.
    pub template_version: String,
    /// The laid-out document, for reading a page full size.
    pub doc: Arc<crate::page::Document>,
    pub pages: Vec<image::Handle>,
    pub pdf: Arc<[u8]>,
}

/// How many pages each available service's document has for this person
/// (laid out, not drawn), for the tiles; on a blocking thread, after the
/// tiles are on screen. Services that cannot be made are left out.
pub async fn count_pages(book: &'static FontBook, list: Arc<Vec<Service>>, issued_at: String) -> Vec<(String, usize)> {
    let job = tokio::task::spawn_blocking(move || {
        list.iter()
            .filter(|s| s.unavailable.is_none())
            .filter_map(|s| {
                let (doc, _) = pipeline::render(book, &s.template, &s.data, &issued_at).ok()?;
                Some((s.id.clone(), doc.pages.len()))
            })
            .collect()
    });
    match tokio::time::timeout(RENDER_BUDGET, job).await {
        Ok(Ok(v)) => v,
        _ => Vec::new(),
    }
}

/// Preview resolution: an A4 page about 900 pixels wide.
pub const PREVIEW_DPI: f32 = crate::export::raster::SCREEN_DPI;

/// A page read full size: an A4 page about 1800 pixels wide, larger than
/// the printed page held at reading distance, panned with a finger.
pub const ZOOM_DPI: f32 = 220.0;

/// Page `index` of `doc` at [`ZOOM_DPI`], on a blocking thread.
pub async fn zoom_page(
    book: &'static FontBook,
    doc: Arc<crate::page::Document>,
    index: usize,
) -> Result<image::Handle, Bilingual> {
    let job = tokio::task::spawn_blocking(move || {
        let page = doc.pages.get(index).ok_or_else(|| i18n::cannot_make("no such page"))?;
        let pix =
            crate::export::raster::render_page(book, page, ZOOM_DPI).map_err(|e| i18n::cannot_make(&e.to_string()))?;
        Ok(image::Handle::from_rgba(pix.width(), pix.height(), pix.take()))
    });
    match tokio::time::timeout(RENDER_BUDGET, job).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => Err(i18n::cannot_make(&format!("internal error: {e}"))),
        Err(_) => Err(T::RenderTooSlow.into()),
    }
}

/// Renders `service` for the preview and the printer. Why not, if it
/// cannot be made (a missing glyph, bad data).
pub fn render(
    book: &FontBook,
    service: &Service,
    issued_at: &str,
    sealer: &pipeline::Sealer,
) -> Result<Rendered, Bilingual> {
    render_or_stop(book, service, issued_at, sealer, &pipeline::Cancel::new())
}

/// Longest a preview may take before it is stopped (a template that passed
/// `check` takes well under a second).
pub const RENDER_BUDGET: std::time::Duration = std::time::Duration::from_secs(15);

/// [`render`] on a blocking thread, stopped when `cancel` is raised (the
/// shell raises it when the session is wiped), when [`RENDER_BUDGET`] is
/// spent, or when this future is dropped.
pub async fn render_in_background(
    book: &'static FontBook,
    service: Service,
    issued_at: String,
    sealer: pipeline::Sealer,
    cancel: pipeline::Cancel,
) -> Result<Rendered, Bilingual> {
    struct OnDrop(pipeline::Cancel);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            self.0.cancel();
        }
    }
    let guard = OnDrop(cancel.clone());
    let job = tokio::task::spawn_blocking(move || render_or_stop(book, &service, &issued_at, &sealer, &cancel));
    let r = match tokio::time::timeout(RENDER_BUDGET, job).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => Err(i18n::cannot_make(&format!("internal error: {e}"))),
        Err(_) => Err(T::RenderTooSlow.into()),
    };
    drop(guard);
    r
}

fn render_or_stop(
    book: &FontBook,
    service: &Service,
    issued_at: &str,
    sealer: &pipeline::Sealer,
    cancel: &pipeline::Cancel,
) -> Result<Rendered, Bilingual> {
    let refuse = |e: &dyn std::fmt::Display| i18n::cannot_make(&e.to_string());
    let (doc, facts) =
        pipeline::render_sealed_cancellable(book, &service.template, &service.data, issued_at, sealer, cancel)
            .map_err(|e| refuse(&e))?;
    let pdf = crate::export::pdf::to_pdf(book, &doc).map_err(|e| refuse(&e))?;
    let mut pages = Vec::with_capacity(doc.pages.len());
    for page in &doc.pages {
        let pix = crate::export::raster::render_page(book, page, PREVIEW_DPI).map_err(|e| refuse(&e))?;
        // The page is opaque white: premultiplied RGBA is plain RGBA.
        pages.push(image::Handle::from_rgba(pix.width(), pix.height(), pix.take()));
    }
    Ok(Rendered {
        service: service.id.clone(),
        document_id: facts.id,
        short_code: facts.short_code,
        seal: facts.verification,
        template_version: service.template.file.service.version.clone(),
        doc: Arc::new(doc),
        pages,
        pdf: Arc::from(pdf),
    })
}

/// The order for printing what the preview shows: `copies` and sides as
/// chosen, and the service's quota for this term (the print flow checks it
/// again as the attempt is written).
pub fn order(
    terminal: &str,
    person: &str,
    preview: &crate::ui::screen::preview::State,
    rendered: &Rendered,
    service: Option<&Service>,
    term_start: &str,
) -> crate::flow::print::Order {
    crate::flow::print::Order {
        terminal: terminal.to_string(),
        service: preview.service.clone(),
        person: person.to_string(),
        document: rendered.document_id.clone(),
        job: crate::printing::PrintJob {
            id: rendered.document_id.clone(),
            title: preview.name.en.clone(),
            pdf: rendered.pdf.clone(),
            copies: preview.copies,
            pages: u32::try_from(rendered.pages.len()).unwrap_or(u32::MAX),
            duplex: preview.duplex,
        },
        quota: service.and_then(|s| s.quota).map(|q| (q, term_start.to_string())),
        seal: Some(rendered.seal.clone()),
        template_version: Some(rendered.template_version.clone()),
    }
}

/// Keeps the person's 1–5 rating of the attempt `attempt`; a journal that
/// cannot take it loses only the rating.
pub fn rate(journal: &dyn Journal, attempt: &str, rating: u8) {
    if let Err(e) = journal.rate(attempt, rating) {
        eprintln!("journal: {e}");
    }
}

/// The technician's line about what the platform has not taken yet (the
/// outbox keeps it).
pub fn outbox_line(journal: &dyn Journal) -> String {
    match journal.outbox() {
        Ok(waiting) => match waiting.first() {
            None => "journal: every record is with the platform".to_string(),
            Some(oldest) => format!(
                "journal: {} waiting for the platform, the oldest from {}",
                match waiting.len() {
                    1 => "1 record".to_string(),
                    n => format!("{n} records"),
                },
                oldest.created_at
            ),
        },
        Err(e) => format!("journal: {e}"),
    }
}

/// Prints the test page through the print flow (journaled like any
/// attempt): the technician's line about how it went.
pub async fn test_page(
    ports: crate::flow::print::Ports,
    book: &'static FontBook,
    terminal: String,
    issued_at: String,
) -> String {
    let made = tokio::task::spawn_blocking(move || crate::flow::test_page::order(book, &terminal, &issued_at)).await;
    let order = match made {
        Ok(Ok(order)) => order,
        Ok(Err(e)) => return format!("test page: {e}"),
        Err(e) => return format!("test page: {e}"),
    };
    let finished = crate::flow::print::print(&ports, order, &mut |_| {}).await;
    let attempt = finished.attempt.as_deref().unwrap_or("not journaled");
    match finished.result {
        Ok(crate::printing::JobOutcome::Printed { .. }) => format!("test page: printed (attempt {attempt})"),
        Ok(o) => format!("test page: {o:?} (attempt {attempt})"),
        Err(e) => format!("test page: {e} (attempt {attempt})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The certificate with a thousand-row table whose every cell loops:
    /// legal, and slow enough to be abandoned mid-way.
    fn slow_service(dir: &std::path::Path) -> Service {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("print-templates/enrollment-certificate");
        let folder = dir.join("enrollment-certificate");
        std::fs::create_dir_all(folder.join("sample")).unwrap();
        for f in ["logo.png", "seal.png", "sample/person.json", "sample/enrollment.json"] {
            std::fs::copy(src.join(f), folder.join(f)).unwrap();
        }
        let mut toml = std::fs::read_to_string(src.join("template.toml")).unwrap();
        toml.push_str("\n[[body]]\ntype = \"table\"\nrows = \"range(1000)\"\nrow_var = \"r\"\ncolumns = [\n");
        for _ in 0..20 {
            toml.push_str(
                "  { title = \"c\", width = 1, value = \"{% for i in range(1000) %}{% for j in range(3) %}{% endfor %}{% endfor %}{{ r }}\" },\n",
            );
        }
        toml.push_str("]\n");
        std::fs::write(folder.join("template.toml"), toml).unwrap();
        let tpl = Template::load(&folder).unwrap();
        let data = crate::adapters::files::data_dir::load(&folder.join("sample")).unwrap();
        Service {
            id: tpl.id().to_string(),
            name: Bilingual::new("在读证明", "Certificate"),
            summary: None,
            icon: Default::default(),
            unavailable: None,
            max_copies: 1,
            duplex: false,
            quota: None,
            template: Arc::new(tpl),
            data: Arc::new(data),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn a_preview_nobody_waits_for_is_stopped() {
        let tmp = tempfile::tempdir().unwrap();
        let service = slow_service(tmp.path());
        let book = FontBook::shared().unwrap();
        let sealer = pipeline::Sealer {
            terminal: "T-1".into(),
            key: ed25519_dalek::SigningKey::from_bytes(&[5; 32]),
            verify_url: "HTTPS://V.EXAMPLE/V".into(),
        };
        let cancel = pipeline::Cancel::new();
        let render = render_in_background(
            book,
            service,
            "2026-11-23T09:30:00+08:00".into(),
            sealer,
            cancel.clone(),
        );
        // The screen moves on before the preview is ready: the future is
        // dropped, and the render is told to stop.
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(200), render)
                .await
                .is_err()
        );
        assert!(cancel.is_cancelled());
    }
}
