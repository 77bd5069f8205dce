//! The `ipp` printer: any CUPS queue or IPP Everywhere printer, through the
//! `ipp` crate (async, rustls).
//!
//! This part is the preflight: Get-Printer-Attributes into a
//! `printing::PrinterStatus` (state, every state reason, whether PDF is
//! accepted). A printer that does not answer within the timeout is
//! reported offline.

use std::time::Duration;

use ipp::prelude::*;

use crate::printing::{PrinterState, PrinterStatus};

/// Why an IPP printer could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IppPrinterError {
    #[error("printer.uri {uri:?}: {reason}")]
    BadUri { uri: String, reason: String },
    #[error("printer offline: {0}")]
    Offline(String),
    #[error("the printer refused the request: {0}")]
    Refused(String),
}

/// An IPP printer queue.
#[derive(Debug, Clone)]
pub struct IppPrinter {
    uri: Uri,
    timeout: Duration,
}

/// Parses a printer URI; `ipps://` without a port means 631 (the `ipp`
/// crate would take 443, where printers do not listen).
pub fn printer_uri(s: &str) -> Result<Uri, IppPrinterError> {
    let bad = |reason: &str| IppPrinterError::BadUri {
        uri: s.to_string(),
        reason: reason.to_string(),
    };
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

fn keywords(v: &IppValue) -> Vec<String> {
    match v {
        IppValue::Array(items) => items.iter().map(ToString::to_string).collect(),
        other => vec![other.to_string()],
    }
}

impl IppPrinter {
    pub fn new(uri: &str, timeout: Duration) -> Result<IppPrinter, IppPrinterError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Ok(IppPrinter {
            uri: printer_uri(uri)?,
            timeout,
        })
    }

    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// Get-Printer-Attributes: state, reasons, formats.
    pub async fn status(&self) -> Result<PrinterStatus, IppPrinterError> {
        let op = IppOperationBuilder::get_printer_attributes(self.uri.clone())
            .attributes(["printer-state", "printer-state-reasons", "document-format-supported"])
            .build()
            .map_err(|e| IppPrinterError::Refused(e.to_string()))?;
        let client = AsyncIppClient::builder(self.uri.clone())
            .request_timeout(self.timeout)
            .build();
        let resp = match tokio::time::timeout(self.timeout, client.send(op)).await {
            Err(_) => {
                return Err(IppPrinterError::Offline(format!(
                    "no answer from {} within {:?}",
                    self.uri, self.timeout
                )));
            }
            Ok(Err(e)) => return Err(IppPrinterError::Offline(format!("{}: {e}", self.uri))),
            Ok(Ok(r)) => r,
        };
        let code = resp.header().status_code();
        if !code.is_success() {
            return Err(IppPrinterError::Refused(format!("{code:?}")));
        }
        let group = resp
            .attributes()
            .groups_of(DelimiterTag::PrinterAttributes)
            .next()
            .ok_or_else(|| IppPrinterError::Refused("no printer attributes in the answer".into()))?;
        let state = match group.get("printer-state").map(IppAttribute::value) {
            Some(IppValue::Enum(3)) => PrinterState::Idle,
            Some(IppValue::Enum(4)) => PrinterState::Processing,
            _ => PrinterState::Stopped,
        };
        let reasons = group
            .get("printer-state-reasons")
            .map(|a| keywords(a.value()))
            .unwrap_or_default();
        let accepts_pdf = group
            .get("document-format-supported")
            .map(|a| keywords(a.value()))
            .unwrap_or_default()
            .iter()
            .any(|f| f == "application/pdf");
        Ok(PrinterStatus {
            state,
            reasons,
            accepts_pdf,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipps_without_a_port_means_631() {
        assert_eq!(
            printer_uri("ipps://printer.local/ipp/print").unwrap().to_string(),
            "ipps://printer.local:631/ipp/print"
        );
        assert_eq!(
            printer_uri("ipp://127.0.0.1:8631/printers/Front").unwrap().port_u16(),
            Some(8631)
        );
        assert!(printer_uri("http://x/").is_err());
        assert!(printer_uri("not a uri").is_err());
    }
}
