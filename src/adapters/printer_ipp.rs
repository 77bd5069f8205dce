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
        let resp = self.send(op).await?;
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

/// A job to print.
#[derive(Debug, Clone, Copy)]
pub struct IppJob<'a> {
    pub name: &'a str,
    pub pdf: &'a [u8],
    pub copies: u32,
    pub duplex: bool,
}

/// IPP `job-state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Pending,
    Held,
    Processing,
    /// Processing, stopped by a printer fault (it may resume after a refill).
    Stopped,
    Canceled,
    Aborted,
    Completed,
}

/// What Get-Job-Attributes says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStatus {
    pub state: JobState,
    pub reasons: Vec<String>,
    pub impressions: Option<u32>,
}

impl IppPrinter {
    async fn send(&self, op: impl ipp::operation::IppOperation) -> Result<IppRequestResponse, IppPrinterError> {
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
        Ok(resp)
    }

    /// Print-Job: the PDF with copies, sides and A4 media. Returns the job id.
    pub async fn submit(&self, job: &IppJob<'_>) -> Result<i32, IppPrinterError> {
        let attr = |name: &str, v: Result<IppValue, ipp::parser::IppParseError>| {
            v.and_then(|v| IppAttribute::with_name(name, v))
                .map_err(|e| IppPrinterError::Refused(e.to_string()))
        };
        let sides = if job.duplex { "two-sided-long-edge" } else { "one-sided" };
        let copies = i32::try_from(job.copies.clamp(1, 99)).unwrap_or(1);
        let op = IppOperationBuilder::print_job(
            self.uri.clone(),
            IppPayload::new(std::io::Cursor::new(job.pdf.to_vec())),
        )
        .user_name("campus-kiosk")
        .job_title(job.name)
        .document_format("application/pdf")
        .attribute(attr("copies", Ok(IppValue::Integer(copies)))?)
        .attribute(attr("sides", IppValue::new_keyword(sides))?)
        .attribute(attr("media", IppValue::new_keyword("iso_a4_210x297mm"))?)
        .build()
        .map_err(|e| IppPrinterError::Refused(e.to_string()))?;
        let resp = self.send(op).await?;
        resp.attributes()
            .groups_of(DelimiterTag::JobAttributes)
            .find_map(|g| match g.get("job-id").map(IppAttribute::value) {
                Some(IppValue::Integer(id)) => Some(*id),
                _ => None,
            })
            .ok_or_else(|| IppPrinterError::Refused("no job-id in the answer".into()))
    }

    /// Get-Job-Attributes.
    pub async fn job(&self, id: i32) -> Result<JobStatus, IppPrinterError> {
        let op = IppOperationBuilder::get_job_attributes(self.uri.clone(), id)
            .build()
            .map_err(|e| IppPrinterError::Refused(e.to_string()))?;
        let resp = self.send(op).await?;
        let g = resp
            .attributes()
            .groups_of(DelimiterTag::JobAttributes)
            .next()
            .ok_or_else(|| IppPrinterError::Refused("no job attributes in the answer".into()))?;
        let state = match g.get("job-state").map(IppAttribute::value) {
            Some(IppValue::Enum(3)) => JobState::Pending,
            Some(IppValue::Enum(4)) => JobState::Held,
            Some(IppValue::Enum(5)) => JobState::Processing,
            Some(IppValue::Enum(6)) => JobState::Stopped,
            Some(IppValue::Enum(7)) => JobState::Canceled,
            Some(IppValue::Enum(8)) => JobState::Aborted,
            Some(IppValue::Enum(9)) => JobState::Completed,
            other => return Err(IppPrinterError::Refused(format!("job-state {other:?}"))),
        };
        let impressions = match g.get("job-impressions-completed").map(IppAttribute::value) {
            Some(IppValue::Integer(n)) if *n >= 0 => Some(*n as u32),
            _ => None,
        };
        Ok(JobStatus {
            state,
            reasons: g
                .get("job-state-reasons")
                .map(|a| keywords(a.value()))
                .unwrap_or_default(),
            impressions,
        })
    }

    /// Cancel-Job.
    pub async fn cancel(&self, id: i32) -> Result<(), IppPrinterError> {
        let op = IppOperationBuilder::cancel_job(self.uri.clone(), id)
            .build()
            .map_err(|e| IppPrinterError::Refused(e.to_string()))?;
        self.send(op).await.map(|_| ())
    }

    /// Follows a job to its end, polling every `poll`; `on_update` sees each
    /// state and the printer's reasons (a fault mid-job, a resume). A job
    /// not finished after `stuck_after` is cancelled and reported failed.
    pub async fn follow(
        &self,
        id: i32,
        poll: Duration,
        stuck_after: Duration,
        mut on_update: impl FnMut(&JobStatus, &[String]),
    ) -> Result<crate::printing::JobOutcome, IppPrinterError> {
        use crate::printing::JobOutcome;
        let deadline = tokio::time::Instant::now() + stuck_after;
        loop {
            let job = self.job(id).await?;
            let printer_reasons = self.status().await.map(|s| s.reasons).unwrap_or_default();
            on_update(&job, &printer_reasons);
            match job.state {
                JobState::Completed => {
                    return Ok(JobOutcome::Printed {
                        impressions: job.impressions,
                    });
                }
                JobState::Canceled => return Ok(JobOutcome::Cancelled),
                JobState::Aborted => {
                    let reason = printer_reasons
                        .iter()
                        .chain(&job.reasons)
                        .find(|r| r.as_str() != "none")
                        .cloned()
                        .unwrap_or_else(|| "job-aborted".into());
                    return Ok(JobOutcome::Failed { reason });
                }
                _ => {}
            }
            if tokio::time::Instant::now() >= deadline {
                let _ = self.cancel(id).await;
                return Ok(JobOutcome::Failed {
                    reason: format!("job-stuck: not finished after {stuck_after:?}; cancelled"),
                });
            }
            tokio::time::sleep(poll).await;
        }
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
