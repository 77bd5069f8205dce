use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use campus_kiosk::adapters::clock::SystemClock;
use campus_kiosk::adapters::journal::{SqliteJournal, reconcile};
use campus_kiosk::adapters::printing::from_config;
use campus_kiosk::config::Config;
use campus_kiosk::core::clock::{Clock, local_rfc3339};
use campus_kiosk::flow::print::Ports;
use campus_kiosk::printing::{
    JobOutcome, PrintError, PrinterStatus, Progress, Readiness, advice, readiness, split_reason,
};

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn describe(out: &mut impl Write, s: &PrinterStatus) -> bool {
    let _ = writeln!(out, "state: {:?}", s.state);
    let _ = writeln!(out, "accepts PDF: {}", if s.accepts_pdf { "yes" } else { "NO" });
    if !s.formats.is_empty() {
        let _ = writeln!(out, "formats: {}", s.formats.join(", "));
    }
    match s.a4_loaded() {
        Some(true) => {
            let _ = writeln!(out, "media ready: {} (A4 loaded)", s.media_ready.join(", "));
        }
        Some(false) => {
            let _ = writeln!(
                out,
                "media ready: {} · NO A4 LOADED: jobs ask for iso_a4_210x297mm",
                s.media_ready.join(", ")
            );
        }
        None => {
            let _ = writeln!(out, "media ready: not reported");
        }
    }
    for supply in &s.supplies {
        let level = supply.level.map_or("unknown".to_string(), |l| format!("{l}%"));
        let _ = writeln!(out, "supply: {} ({}) {level}", supply.name, supply.kind);
    }
    for r in s.reasons.iter().filter(|r| r.as_str() != "none") {
        let (k, sev) = split_reason(r);
        let a = advice(k);
        let _ = writeln!(
            out,
            "reason: {r} ({sev:?}) · {} {}{}",
            a.zh(),
            a.en(),
            if a.call_staff { " · call staff" } else { "" }
        );
    }
    match readiness(s) {
        Readiness::Ready { warnings } if warnings.is_empty() => {
            let _ = writeln!(out, "ready");
            true
        }
        Readiness::Ready { warnings } => {
            let _ = writeln!(out, "ready, with warnings: {}", warnings.join(", "));
            true
        }
        Readiness::NotReady { reason } => {
            let a = advice(&reason);
            let _ = writeln!(out, "NOT READY: {reason} · {} {}", a.zh(), a.en());
            false
        }
        Readiness::Misconfigured { message } => {
            let _ = writeln!(out, "MISCONFIGURED: {message}");
            false
        }
    }
}

/// `kiosk printer status`: exit 0 only when the printer is ready.
pub fn status(config: &Path) -> anyhow::Result<()> {
    let cfg = Config::load(config)?;
    let printer = from_config(&cfg)?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "printer: {}", printer.describe());
    let status = runtime()?.block_on(printer.status())?;
    if !describe(&mut out, &status) {
        bail!("the printer is not ready");
    }
    Ok(())
}

/// `kiosk printer test-page`: renders the test page with the print
/// pipeline, prints it and follows it to the end.
pub fn test_page(config: &Path) -> anyhow::Result<()> {
    let cfg = Config::load(config)?;
    let printer = from_config(&cfg)?;
    let book = super::fonts()?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
    let offset = cfg.terminal.offset();
    let order = campus_kiosk::flow::test_page::order(book, &cfg.terminal.id, &local_rfc3339(clock.as_ref(), offset))?;
    let mut out = std::io::stdout();
    let _ = writeln!(out, "printer: {}", printer.describe());
    // A test page is a print attempt like any other: the print flow
    // journals it, each step written before it happens.
    let ports = Ports {
        journal: Arc::new(SqliteJournal::open(&cfg.resolve(&cfg.journal.path))?),
        printer: printer.clone(),
        clock,
        utc_offset: offset,
        follow: cfg.printer.follow(),
        outbox: None,
    };
    let finished = runtime()?.block_on(async {
        if let Ok(s) = printer.status().await {
            describe(&mut out, &s);
        }
        campus_kiosk::flow::print::print(&ports, order, &mut |p| {
            let _ = match p {
                Progress::Submitting => writeln!(std::io::stdout(), "handing the job over"),
                Progress::Accepted { job } => writeln!(std::io::stdout(), "job {job} sent"),
                Progress::Running {
                    state,
                    impressions,
                    fault,
                } => writeln!(
                    std::io::stdout(),
                    "job: {state:?} · impressions {} · printer: {}",
                    impressions.map_or("?".into(), |n| n.to_string()),
                    fault.as_deref().unwrap_or("ok")
                ),
            };
        })
        .await
    });
    if let Some(id) = &finished.attempt {
        let _ = writeln!(out, "journal: attempt {id}");
    }
    let outcome = match finished.result {
        Ok(o) => o,
        Err(PrintError::NotReady { reason }) => bail!("the printer is not ready ({reason}): nothing was sent"),
        Err(e) => return Err(e.into()),
    };
    let _ = writeln!(out, "outcome: {outcome:?}");
    match outcome {
        JobOutcome::Printed { .. } => Ok(()),
        other => bail!("the test page did not print: {other:?}"),
    }
}

/// `kiosk journal reconcile`: settles the attempts a crash or a power cut
/// left unfinished, asking the printer about handed-over jobs.
pub fn journal_reconcile(config: &Path) -> anyhow::Result<()> {
    let cfg = Config::load(config)?;
    let printer = from_config(&cfg)?;
    let journal = SqliteJournal::open(&cfg.resolve(&cfg.journal.path))?;
    let settled = runtime()?.block_on(reconcile(&journal, printer.as_ref(), &super::template::now_rfc3339()))?;
    let left = journal.unfinished()?;
    let mut out = std::io::stdout().lock();
    for a in &settled {
        let _ = writeln!(
            out,
            "settled {} ({}, {}): {}{}",
            a.id,
            a.service,
            a.created_at,
            a.stage.as_str(),
            a.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
        );
    }
    for a in &left {
        let _ = writeln!(out, "still {} {}: the printer is still on it", a.stage.as_str(), a.id);
    }
    let _ = writeln!(out, "{} settled, {} still open", settled.len(), left.len());
    Ok(())
}

/// `kiosk journal list`: every attempt, one line each.
pub fn journal_list(config: &Path) -> anyhow::Result<()> {
    let cfg = Config::load(config)?;
    let journal = SqliteJournal::open(&cfg.resolve(&cfg.journal.path))?;
    let mut out = std::io::stdout().lock();
    for a in journal.all()? {
        let _ = writeln!(
            out,
            "{} {} {} {} pages {} copies {} {}{}",
            a.created_at,
            a.id,
            a.service,
            a.stage.as_str(),
            a.pages,
            a.copies,
            a.printer_job.as_deref().map(|j| format!("job {j}")).unwrap_or_default(),
            a.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
        );
    }
    Ok(())
}

/// `kiosk stats`: counts by service, day and outcome from the journal, and
/// how quotas are used in the term of `term_of` (default: today).
pub fn stats(config: &Path, since: Option<&str>, term_of: Option<&str>, json: bool) -> anyhow::Result<()> {
    if let Some(d) = since
        && time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).is_err()
    {
        bail!("--since {d:?}: give a date such as 2026-09-01");
    }
    let cfg = Config::load(config)?;
    let journal = SqliteJournal::open(&cfg.resolve(&cfg.journal.path))?;
    let mut s = journal.stats(since)?;
    // The quotas the offered templates set, over the term of `term_of`.
    let day = match term_of {
        Some(d) => time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|_| anyhow::anyhow!("--term {d:?}: give a date such as 2026-11-23"))?,
        None => time::OffsetDateTime::now_utc().to_offset(cfg.terminal.offset()).date(),
    };
    let term_start = cfg.terms.terms().start_of(day).to_string();
    match campus_kiosk::ui::setup::templates(&cfg.resolve(&cfg.services.templates), &cfg.services.offer) {
        Ok(templates) => {
            for t in &templates {
                if let Some(limit) = t.file.service.quota_per_term {
                    s.quotas.push(journal.quota_use(t.id(), limit, &term_start)?);
                }
            }
        }
        Err(e) => eprintln!("quotas left out: {e}"),
    }
    let mut out = std::io::stdout().lock();
    if json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&s)?);
        return Ok(());
    }
    let line = |name: &str, c: &campus_kiosk::adapters::journal::Counts| {
        format!(
            "{name:<28} {:>7} {:>7} {:>6} {:>9} {:>7} {:>7}",
            c.attempts, c.printed, c.failed, c.cancelled, c.unknown, c.pages_printed
        )
    };
    let head = format!(
        "{:<28} {:>7} {:>7} {:>6} {:>9} {:>7} {:>7}",
        "", "tries", "printed", "failed", "cancelled", "unknown", "pages"
    );
    let _ = writeln!(out, "since {}", since.unwrap_or("the start of the journal"));
    let _ = writeln!(out, "{head}");
    let _ = writeln!(out, "{}", line("all", &s.total));
    let _ = writeln!(out, "\nby service");
    for (k, c) in &s.by_service {
        let _ = writeln!(out, "{}", line(k, c));
    }
    let _ = writeln!(out, "\nby day");
    for (k, c) in &s.by_day {
        let _ = writeln!(out, "{}", line(k, c));
    }
    let _ = writeln!(out, "\nfailures by reason");
    for (k, n) in &s.failures {
        let _ = writeln!(out, "{k:<28} {n:>7}");
    }
    let _ = writeln!(
        out,
        "\nratings: {} · average {}",
        s.ratings,
        s.average_rating.map_or("—".to_string(), |a| format!("{a:.2}"))
    );
    if !s.quotas.is_empty() {
        let _ = writeln!(out, "\nquotas in the term from {term_start}");
        let _ = writeln!(
            out,
            "{:<28} {:>7} {:>7} {:>7} {:>9} {:>7}",
            "", "limit", "people", "copies", "at limit", "most"
        );
        for q in &s.quotas {
            let _ = writeln!(
                out,
                "{:<28} {:>7} {:>7} {:>7} {:>9} {:>7}",
                q.service, q.limit, q.people, q.copies, q.at_limit, q.most
            );
        }
    }
    Ok(())
}
