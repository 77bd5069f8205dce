//! The `ipp` printer: any CUPS queue or IPP Everywhere printer, through the
//! `ipp` crate (async, rustls), behind the `printing::Printer` port.
//!
//! Get-Printer-Attributes gives the status (state, every state reason,
//! formats, media loaded, supply levels); Print-Job sends the PDF with
//! copies, sides and A4; Get-Job-Attributes and Cancel-Job follow it. A
//! printer that does not answer within the timeout is offline.

use std::time::Duration;

use ipp::prelude::*;

use crate::printing::uri::printer_uri;

use crate::printing::{
    JobId, JobState, JobStatus, PrintJob, Printer, PrinterError, PrinterErrorKind, PrinterFuture, PrinterState,
    PrinterStatus, Supply,
};

/// An IPP printer queue.
#[derive(Debug, Clone)]
pub struct IppPrinter {
    uri: Uri,
    timeout: Duration,
}

fn refused(detail: impl std::fmt::Display) -> PrinterError {
    PrinterError::new(PrinterErrorKind::Refused, detail.to_string())
}

fn values(v: &IppValue) -> Vec<&IppValue> {
    match v {
        IppValue::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

fn keywords(v: &IppValue) -> Vec<String> {
    values(v).into_iter().map(ToString::to_string).collect()
}

fn integers(v: &IppValue) -> Vec<Option<i32>> {
    values(v)
        .into_iter()
        .map(|v| match v {
            IppValue::Integer(n) => Some(*n),
            _ => None,
        })
        .collect()
}

/// Percent from a level and a capacity, as IPP and SNMP's Printer MIB
/// give them: -1, -2 and -3 mean unknown; a capacity of 100 (or unknown)
/// means the level is a percent.
fn percent(level: i32, capacity: i32) -> Option<u8> {
    if level < 0 {
        return None;
    }
    let pct = if capacity > 0 && capacity != 100 {
        i64::from(level) * 100 / i64::from(capacity)
    } else {
        i64::from(level)
    };
    u8::try_from(pct.clamp(0, 100)).ok()
}

/// Supplies from PWG 5100.13's `printer-supply` (`key=value;` strings)
/// with `printer-supply-description`, else from CUPS's `marker-names`,
/// `marker-types` and `marker-levels`.
fn supplies(group: &IppAttributeGroup) -> Vec<Supply> {
    if let Some(raw) = group.get("printer-supply") {
        let names = group
            .get("printer-supply-description")
            .map(|a| keywords(a.value()))
            .unwrap_or_default();
        return values(raw.value())
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                let text = match v {
                    IppValue::OctetString(b) => String::from_utf8_lossy(b).into_owned(),
                    other => other.to_string(),
                };
                let field = |k: &str| {
                    text.split(';')
                        .filter_map(|kv| kv.split_once('='))
                        .find(|(key, _)| *key == k)
                        .map(|(_, v)| v.to_string())
                };
                let num = |k: &str| field(k).and_then(|v| v.parse::<i32>().ok()).unwrap_or(-1);
                Supply {
                    name: names
                        .get(i)
                        .cloned()
                        .or_else(|| field("colorantname"))
                        .unwrap_or_default(),
                    kind: field("type").unwrap_or_default(),
                    level: percent(num("level"), num("maxcapacity")),
                }
            })
            .collect();
    }
    let names = group
        .get("marker-names")
        .map(|a| keywords(a.value()))
        .unwrap_or_default();
    let kinds = group
        .get("marker-types")
        .map(|a| keywords(a.value()))
        .unwrap_or_default();
    let levels = group
        .get("marker-levels")
        .map(|a| integers(a.value()))
        .unwrap_or_default();
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| Supply {
            name,
            kind: kinds.get(i).cloned().unwrap_or_default(),
            level: levels.get(i).copied().flatten().and_then(|l| percent(l, 100)),
        })
        .collect()
}

impl IppPrinter {
    pub fn new(uri: &str, timeout: Duration) -> Result<IppPrinter, PrinterError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Ok(IppPrinter {
            uri: printer_uri(uri)?,
            timeout,
        })
    }

    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    async fn send(&self, op: impl ipp::operation::IppOperation) -> Result<IppRequestResponse, PrinterError> {
        let offline = |d: String| PrinterError::new(PrinterErrorKind::Offline, d);
        let client = AsyncIppClient::builder(self.uri.clone())
            .request_timeout(self.timeout)
            .build();
        let resp = match tokio::time::timeout(self.timeout, client.send(op)).await {
            Err(_) => {
                return Err(offline(format!(
                    "no answer from {} within {:?}",
                    self.uri, self.timeout
                )));
            }
            Ok(Err(e)) => return Err(offline(format!("{}: {e}", self.uri))),
            Ok(Ok(r)) => r,
        };
        let code = resp.header().status_code();
        if !code.is_success() {
            return Err(refused(format!("{code:?}")));
        }
        Ok(resp)
    }

    /// Get-Printer-Attributes.
    async fn get_status(&self) -> Result<PrinterStatus, PrinterError> {
        let op = IppOperationBuilder::get_printer_attributes(self.uri.clone())
            .attributes([
                "printer-state",
                "printer-state-reasons",
                "document-format-supported",
                "media-ready",
                "printer-supply",
                "printer-supply-description",
                "marker-names",
                "marker-types",
                "marker-levels",
            ])
            .build()
            .map_err(refused)?;
        let resp = self.send(op).await?;
        let group = resp
            .attributes()
            .groups_of(DelimiterTag::PrinterAttributes)
            .next()
            .ok_or_else(|| refused("no printer attributes in the answer"))?;
        let list = |name: &str| group.get(name).map(|a| keywords(a.value())).unwrap_or_default();
        let state = match group.get("printer-state").map(IppAttribute::value) {
            Some(IppValue::Enum(3)) => PrinterState::Idle,
            Some(IppValue::Enum(4)) => PrinterState::Processing,
            _ => PrinterState::Stopped,
        };
        let formats = list("document-format-supported");
        Ok(PrinterStatus {
            state,
            reasons: list("printer-state-reasons"),
            accepts_pdf: formats.iter().any(|f| f == "application/pdf"),
            formats,
            media_ready: list("media-ready"),
            supplies: supplies(group),
        })
    }

    /// Print-Job: the PDF with copies, sides and A4 media.
    async fn print_job(&self, job: &PrintJob) -> Result<JobId, PrinterError> {
        let attr = |name: &str, v: Result<IppValue, ipp::parser::IppParseError>| {
            v.and_then(|v| IppAttribute::with_name(name, v)).map_err(refused)
        };
        let sides = if job.duplex { "two-sided-long-edge" } else { "one-sided" };
        let copies = i32::try_from(job.copies.clamp(1, 99)).unwrap_or(1);
        let op = IppOperationBuilder::print_job(
            self.uri.clone(),
            IppPayload::new(std::io::Cursor::new(job.pdf.to_vec())),
        )
        .user_name("campus-kiosk")
        .job_title(&job.title)
        .document_format("application/pdf")
        .attribute(attr("copies", Ok(IppValue::Integer(copies)))?)
        .attribute(attr("sides", IppValue::new_keyword(sides))?)
        .attribute(attr("media", IppValue::new_keyword("iso_a4_210x297mm"))?)
        .build()
        .map_err(refused)?;
        let resp = self.send(op).await?;
        resp.attributes()
            .groups_of(DelimiterTag::JobAttributes)
            .find_map(|g| match g.get("job-id").map(IppAttribute::value) {
                Some(IppValue::Integer(id)) => Some(JobId(id.to_string())),
                _ => None,
            })
            .ok_or_else(|| refused("no job-id in the answer"))
    }

    fn number(id: &JobId) -> Result<i32, PrinterError> {
        id.0.parse()
            .map_err(|_| refused(format!("{id:?} is not an IPP job id")))
    }

    /// Get-Job-Attributes.
    async fn get_job(&self, id: &JobId) -> Result<JobStatus, PrinterError> {
        let op = IppOperationBuilder::get_job_attributes(self.uri.clone(), Self::number(id)?)
            .build()
            .map_err(refused)?;
        let resp = self.send(op).await?;
        let g = resp
            .attributes()
            .groups_of(DelimiterTag::JobAttributes)
            .next()
            .ok_or_else(|| refused("no job attributes in the answer"))?;
        let state = match g.get("job-state").map(IppAttribute::value) {
            Some(IppValue::Enum(3)) => JobState::Pending,
            Some(IppValue::Enum(4)) => JobState::Held,
            Some(IppValue::Enum(5)) => JobState::Processing,
            Some(IppValue::Enum(6)) => JobState::Stopped,
            Some(IppValue::Enum(7)) => JobState::Canceled,
            Some(IppValue::Enum(8)) => JobState::Aborted,
            Some(IppValue::Enum(9)) => JobState::Completed,
            other => return Err(refused(format!("job-state {other:?}"))),
        };
        let impressions = match g.get("job-impressions-completed").map(IppAttribute::value) {
            Some(IppValue::Integer(n)) => u32::try_from(*n).ok(),
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
    async fn cancel_job(&self, id: &JobId) -> Result<(), PrinterError> {
        let op = IppOperationBuilder::cancel_job(self.uri.clone(), Self::number(id)?)
            .build()
            .map_err(refused)?;
        self.send(op).await.map(|_| ())
    }
}

impl Printer for IppPrinter {
    fn describe(&self) -> String {
        self.uri.to_string()
    }

    fn status(&self) -> PrinterFuture<'_, PrinterStatus> {
        Box::pin(self.get_status())
    }

    fn submit<'a>(&'a self, job: &'a PrintJob) -> PrinterFuture<'a, JobId> {
        Box::pin(self.print_job(job))
    }

    fn job<'a>(&'a self, id: &'a JobId) -> PrinterFuture<'a, JobStatus> {
        Box::pin(self.get_job(id))
    }

    fn cancel<'a>(&'a self, id: &'a JobId) -> PrinterFuture<'a, ()> {
        Box::pin(self.cancel_job(id))
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

    #[test]
    fn supply_levels_as_percent() {
        assert_eq!(percent(75, 100), Some(75));
        assert_eq!(percent(300, 600), Some(50));
        assert_eq!(percent(-3, 100), None);
        assert_eq!(percent(40, -2), Some(40));
        assert_eq!(percent(900, 100), Some(100));
    }
}
