//! Printing as the terminal understands it: the printer's state and
//! reasons (IPP's `printer-state` and `printer-state-reasons`), whether a
//! job may start, what a student is told about a fault, and how a job
//! ended. Pure; adapters (`adapters::printing::dir`, IPP) report into these
//! types.

pub mod fake;
pub mod job;
pub mod port;
pub mod reasons;
pub mod uri;

pub use job::{Follow, PrintError, Progress};
pub use port::{JobId, JobState, JobStatus, PrintJob, Printer, PrinterError, PrinterErrorKind, PrinterFuture};
pub use reasons::{Advice, advice};

/// IPP `printer-state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrinterState {
    #[default]
    Idle,
    Processing,
    Stopped,
}

/// What a printer says about itself before a job.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrinterStatus {
    pub state: PrinterState,
    /// IPP `printer-state-reasons` keywords, with their `-report`,
    /// `-warning` or `-error` suffix if the printer sent one.
    pub reasons: Vec<String>,
    /// Whether the printer takes `application/pdf` as is.
    pub accepts_pdf: bool,
    /// `document-format-supported`.
    pub formats: Vec<String>,
    /// `media-ready`: the sizes loaded now, e.g. `iso_a4_210x297mm`.
    pub media_ready: Vec<String>,
    /// Toner, ink, waste: from `printer-supply` or CUPS's `marker-*`.
    pub supplies: Vec<Supply>,
}

impl PrinterStatus {
    /// An idle printer with no reasons, taking PDF, with A4 loaded.
    pub fn ready_for_pdf_a4() -> PrinterStatus {
        PrinterStatus {
            state: PrinterState::Idle,
            reasons: vec!["none".into()],
            accepts_pdf: true,
            formats: vec!["application/pdf".into()],
            media_ready: vec!["iso_a4_210x297mm".into()],
            supplies: Vec::new(),
        }
    }

    /// Whether A4 is loaded; `None` when the printer does not say.
    pub fn a4_loaded(&self) -> Option<bool> {
        if self.media_ready.is_empty() {
            return None;
        }
        Some(self.media_ready.iter().any(|m| m.starts_with("iso_a4_")))
    }
}

/// One supply (consumable) and how full it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supply {
    /// e.g. "Black Toner".
    pub name: String,
    /// e.g. "toner", "wasteToner", "ink".
    pub kind: String,
    /// Percent; `None` when the printer does not know.
    pub level: Option<u8>,
}

/// Whether a job may start now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// Yes; `warnings` (low toner, low paper) are for staff, not a stop.
    Ready { warnings: Vec<String> },
    /// No: the first blocking reason, to show.
    NotReady { reason: String },
    /// This queue cannot print our PDFs: a technician must fix the setup.
    Misconfigured { message: String },
}

/// Splits `media-empty-error` into (`media-empty`, severity).
pub fn split_reason(r: &str) -> (&str, Severity) {
    for (suffix, sev) in [
        ("-error", Severity::Error),
        ("-warning", Severity::Warning),
        ("-report", Severity::Report),
    ] {
        if let Some(k) = r.strip_suffix(suffix) {
            return (k, sev);
        }
    }
    // No suffix: RFC 8011 says treat it as an error.
    (r, Severity::Error)
}

/// How bad a reason is, by its suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Report,
    Warning,
    Error,
}

/// Decides whether a job may start. `printer-state` alone is not enough:
/// many printers stay idle with their paper tray empty.
pub fn readiness(s: &PrinterStatus) -> Readiness {
    if !s.accepts_pdf {
        return Readiness::Misconfigured {
            message: "this print queue does not accept application/pdf: point printer.uri at a PDF-capable (IPP Everywhere or CUPS) queue".into(),
        };
    }
    let mut warnings = Vec::new();
    for r in &s.reasons {
        let (keyword, sev) = split_reason(r);
        if keyword == "none" {
            continue;
        }
        // A known physical condition (no paper, a jam, an open door) blocks
        // whatever its suffix: printers and CUPS filters disagree on
        // suffixes (ippeveprinter reports `media-empty-report`). A keyword
        // we do not know blocks only as an error.
        let known = reasons::ADVICE.iter().any(|a| a.keyword == keyword);
        if advice(keyword).blocks && (known || sev == Severity::Error) {
            return Readiness::NotReady {
                reason: keyword.to_string(),
            };
        }
        warnings.push(keyword.to_string());
    }
    if s.state == PrinterState::Stopped {
        return Readiness::NotReady {
            reason: warnings.first().cloned().unwrap_or_else(|| "stopped".into()),
        };
    }
    Readiness::Ready { warnings }
}

/// How a print job ended, as the journal records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// Completed; impressions if the printer counted them.
    Printed {
        impressions: Option<u32>,
    },
    /// Aborted by the printer or stuck past the limit: why.
    Failed {
        reason: String,
    },
    Cancelled,
    /// Contact with the printer was lost after the job was handed over:
    /// staff must look at the printer.
    Unknown {
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: PrinterState, reasons: &[&str]) -> PrinterStatus {
        PrinterStatus {
            state,
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
            accepts_pdf: true,
            ..Default::default()
        }
    }

    #[test]
    fn idle_with_no_paper_is_not_ready() {
        let r = readiness(&status(PrinterState::Idle, &["media-empty-error"]));
        assert_eq!(
            r,
            Readiness::NotReady {
                reason: "media-empty".into()
            }
        );
        let r = readiness(&status(PrinterState::Idle, &["media-needed"]));
        assert_eq!(
            r,
            Readiness::NotReady {
                reason: "media-needed".into()
            }
        );
    }

    #[test]
    fn a_physical_condition_blocks_whatever_its_suffix() {
        for r in ["media-empty-report", "media-jam-warning", "door-open"] {
            assert!(
                matches!(readiness(&status(PrinterState::Idle, &[r])), Readiness::NotReady { .. }),
                "{r}"
            );
        }
        // An unknown keyword blocks only as an error.
        let r = readiness(&status(PrinterState::Idle, &["cups-waiting-for-job-completed-report"]));
        assert!(matches!(r, Readiness::Ready { .. }), "{r:?}");
        let r = readiness(&status(PrinterState::Idle, &["developer-unit-dislocated-error"]));
        assert!(matches!(r, Readiness::NotReady { .. }), "{r:?}");
    }

    #[test]
    fn warnings_do_not_block() {
        let r = readiness(&status(
            PrinterState::Idle,
            &["none", "toner-low-warning", "media-low-report"],
        ));
        assert_eq!(
            r,
            Readiness::Ready {
                warnings: vec!["toner-low".into(), "media-low".into()]
            }
        );
    }

    #[test]
    fn stopped_or_paused_is_not_ready() {
        let r = readiness(&status(PrinterState::Stopped, &["paused"]));
        assert_eq!(
            r,
            Readiness::NotReady {
                reason: "paused".into()
            }
        );
        let r = readiness(&status(PrinterState::Stopped, &[]));
        assert_eq!(
            r,
            Readiness::NotReady {
                reason: "stopped".into()
            }
        );
    }

    #[test]
    fn a_queue_without_pdf_is_a_setup_error() {
        let mut s = status(PrinterState::Idle, &[]);
        s.accepts_pdf = false;
        assert!(matches!(readiness(&s), Readiness::Misconfigured { .. }));
    }
}
