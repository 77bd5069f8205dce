//! The printer adapters (IPP, the directory printer) and the printer a
//! terminal's `[printer]` section describes.

use std::sync::Arc;
use std::time::Duration;

use crate::config::{Config, PrinterKind};
use crate::printing::{Printer, PrinterError, PrinterErrorKind};

pub mod dir;
pub mod ipp;

use dir::DirectoryPrinter;
use ipp::IppPrinter;

/// The printer a terminal's `[printer]` section describes.
pub fn from_config(cfg: &Config) -> Result<Arc<dyn Printer>, PrinterError> {
    let p = &cfg.printer;
    Ok(match p.kind {
        PrinterKind::Directory => {
            let dir = p.dir.as_deref().map(|d| cfg.resolve(d)).ok_or_else(|| {
                PrinterError::new(PrinterErrorKind::Misconfigured, "a directory printer needs printer.dir")
            })?;
            Arc::new(DirectoryPrinter::new(dir))
        }
        PrinterKind::Ipp => Arc::new(IppPrinter::new(
            p.uri.as_deref().unwrap_or_default(),
            Duration::from_millis(p.timeout_ms),
        )?),
    })
}
