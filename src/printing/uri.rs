//! Printer URIs as a terminal's `[printer] uri` gives them, checked once
//! for the configuration and the IPP adapter alike.

pub use ipp::prelude::Uri;

use super::{PrinterError, PrinterErrorKind};

/// Parses a printer URI; `ipps://` without a port means 631 (the `ipp`
/// crate would take 443, where printers do not listen).
pub fn printer_uri(s: &str) -> Result<Uri, PrinterError> {
    let bad = |reason: &str| PrinterError::new(PrinterErrorKind::Misconfigured, format!("printer.uri {s:?}: {reason}"));
    let uri: Uri = s.parse().map_err(|_| bad("not a URI"))?;
    match uri.scheme_str() {
        Some("ipp" | "ipps") => {}
        _ => return Err(bad("use ipp://host[:port]/path or ipps://host[:port]/path")),
    }
    let authority = uri.authority().ok_or_else(|| bad("no host"))?;
    if authority.port().is_some() {
        return Ok(uri);
    }
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    format!(
        "{}://{}:631{}",
        uri.scheme_str().unwrap_or("ipp"),
        authority.host(),
        path
    )
    .parse()
    .map_err(|_| bad("not a URI"))
}
