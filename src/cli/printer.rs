use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use campus_kiosk::adapters::printer_dir::{DirectoryPrinter, PrintJob};
use campus_kiosk::adapters::printer_ipp::{IppJob, IppPrinter};
use campus_kiosk::config::{Config, PrinterKind};
use campus_kiosk::printing::{JobOutcome, PrinterStatus, Readiness, advice, readiness, split_reason};

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn ipp(cfg: &Config) -> anyhow::Result<IppPrinter> {
    let uri = cfg.printer.uri.as_deref().unwrap_or_default();
    Ok(IppPrinter::new(uri, Duration::from_millis(cfg.printer.timeout_ms))?)
}

fn describe(out: &mut impl Write, s: &PrinterStatus) -> bool {
    let _ = writeln!(out, "state: {:?}", s.state);
    let _ = writeln!(out, "accepts PDF: {}", if s.accepts_pdf { "yes" } else { "NO" });
    for r in s.reasons.iter().filter(|r| r.as_str() != "none") {
        let (k, sev) = split_reason(r);
        let a = advice(k);
        let _ = writeln!(
            out,
            "reason: {r} ({sev:?}) · {} {}{}",
            a.zh,
            a.en,
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
            let _ = writeln!(out, "NOT READY: {reason} · {} {}", a.zh, a.en);
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
    let mut out = std::io::stdout().lock();
    let status = match cfg.printer.kind {
        PrinterKind::Directory => {
            let dir = cfg.resolve(cfg.printer.dir.as_deref().unwrap_or(Path::new(".")));
            let _ = writeln!(out, "printer: directory {}", dir.display());
            DirectoryPrinter::new(dir).status()?
        }
        PrinterKind::Ipp => {
            let p = ipp(&cfg)?;
            let _ = writeln!(out, "printer: {}", p.uri());
            runtime()?.block_on(p.status())?
        }
    };
    if !describe(&mut out, &status) {
        bail!("the printer is not ready");
    }
    Ok(())
}

/// `kiosk printer test-page`: renders the test page with the print
/// pipeline, prints it and follows it to the end.
pub fn test_page(config: &Path) -> anyhow::Result<()> {
    let cfg = Config::load(config)?;
    let book = super::fonts()?;
    let tpl = campus_kiosk::template::Template::load(&campus_kiosk::fonts::assets_dir().join("test-page"))?;
    let issued_at = super::template::now_rfc3339();
    let (doc, facts) = campus_kiosk::pipeline::render(book, &tpl, &Default::default(), &issued_at)?;
    let pdf = campus_kiosk::export::pdf::to_pdf(book, &doc)?;
    let mut out = std::io::stdout().lock();
    let job_id = format!("test-{}", facts.id);
    let outcome = match cfg.printer.kind {
        PrinterKind::Directory => {
            let dir = cfg.resolve(cfg.printer.dir.as_deref().unwrap_or(Path::new(".")));
            let p = DirectoryPrinter::new(&dir);
            let o = p.print(&PrintJob {
                job_id: &job_id,
                pdf: &pdf,
                copies: 1,
                pages: doc.pages.len() as u32,
                duplex: false,
            })?;
            let _ = writeln!(out, "written: {}", dir.join(format!("{job_id}.pdf")).display());
            o
        }
        PrinterKind::Ipp => {
            let p = ipp(&cfg)?;
            runtime()?.block_on(async {
                let s = p.status().await?;
                if !describe(&mut out, &s) {
                    bail!("the printer is not ready: nothing was sent");
                }
                let id = p
                    .submit(&IppJob {
                        name: "test page",
                        pdf: &pdf,
                        copies: 1,
                        duplex: false,
                    })
                    .await?;
                let _ = writeln!(out, "job {id} sent");
                let stuck = Duration::from_secs(cfg.printer.job_stuck_s);
                let mut last = None;
                let o = p
                    .follow(id, Duration::from_millis(500), stuck, |j, reasons| {
                        let now = (j.state, reasons.to_vec());
                        if last.as_ref() != Some(&now) {
                            let _ = writeln!(
                                std::io::stdout(),
                                "job {id}: {:?} · printer: {}",
                                j.state,
                                reasons.join(", ")
                            );
                            last = Some(now);
                        }
                    })
                    .await?;
                Ok(o)
            })?
        }
    };
    let _ = writeln!(out, "outcome: {outcome:?}");
    match outcome {
        JobOutcome::Printed { .. } => Ok(()),
        other => bail!("the test page did not print: {other:?}"),
    }
}
