//! The data platform over HTTPS (`reqwest` + rustls), as in the platform
//! team's `openapi.yaml`.
//!
//! Every call has one deadline, retries included. Only GETs and the
//! idempotent `POST /print-records` are retried: after a connection
//! failure (with backoff) or a 429/503 whose `Retry-After` still fits the
//! deadline. Bodies are read up to a size cap. Every answer is checked by
//! `platform::validate` before it is used. The token is sent in a header
//! and appears in no message or log.

use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use serde_json::Value as Json;
use tokio::time::Instant;

use crate::config::Config;
use crate::core::backoff::Backoff;
use crate::data::{DataSet, Source};
use crate::platform::{
    DocumentStatus, ErrorKind, Person, PlatformError, PlatformFuture, PrintCounts, PrintRecord, QrSession, QrStatus,
    RecordOutcome, validate,
};

/// The bearer token; never printed.
#[derive(Clone)]
struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Settings of a client.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub base_url: String,
    pub terminal_id: String,
    pub connect_timeout: Duration,
    pub call_timeout: Duration,
    pub max_response_bytes: usize,
    /// Extra trusted CA (PEM).
    pub ca_pem: Option<Vec<u8>>,
}

/// A client of the data platform.
#[derive(Debug, Clone)]
pub struct PlatformClient {
    http: reqwest::Client,
    base: Url,
    token: Token,
    terminal_id: String,
    call_timeout: Duration,
    max_body: usize,
    /// The public lookup's client: no token, no terminal id.
    anonymous: bool,
}

fn misconfigured(detail: impl Into<String>) -> PlatformError {
    PlatformError::new(ErrorKind::Unauthorized, detail)
}

fn unavailable(detail: impl Into<String>) -> PlatformError {
    PlatformError::new(ErrorKind::Unavailable, detail)
}

/// The shortest wait before a retry, whatever `Retry-After` says.
pub const RETRY_FLOOR: Duration = Duration::from_millis(200);
/// The longest step between retries of one call.
pub const RETRY_CAP: Duration = Duration::from_secs(5);

/// A seed for retry jitter.
pub(crate) fn seed() -> u64 {
    let mut b = [0u8; 8];
    // Without randomness the waits are still bounded, only in step.
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}

/// Seconds from a `Retry-After` header (delta-seconds form).
fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let v = resp.headers().get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The platform's `error.code`, if the body is an error object.
fn error_code(body: &[u8]) -> Option<String> {
    let v: Json = serde_json::from_slice(body).ok()?;
    v.get("error")?.get("code")?.as_str().map(str::to_string)
}

impl PlatformClient {
    /// A client from the terminal's configuration (reads the token file and
    /// the CA file).
    pub fn from_config(cfg: &Config) -> Result<PlatformClient, PlatformError> {
        let token = cfg.read_token().map_err(|e| misconfigured(e.to_string()))?;
        let ca_pem = cfg.read_ca().map_err(|e| misconfigured(e.to_string()))?;
        Self::new(
            ClientSettings {
                base_url: cfg.platform.base_url.clone(),
                terminal_id: cfg.terminal.id.clone(),
                connect_timeout: cfg.platform.connect_timeout(),
                call_timeout: cfg.platform.call_timeout(),
                max_response_bytes: cfg.platform.max_response_bytes,
                ca_pem,
            },
            token,
        )
    }

    pub fn new(s: ClientSettings, token: String) -> Result<PlatformClient, PlatformError> {
        // reqwest is built without a default crypto provider; use ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut base = Url::parse(&s.base_url).map_err(|e| misconfigured(format!("platform.base_url: {e}")))?;
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        let mut builder = reqwest::Client::builder()
            .connect_timeout(s.connect_timeout)
            .user_agent(concat!("campus-kiosk/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = &s.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| misconfigured(format!("platform.ca_file: {e}")))?;
            if certs.is_empty() || !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                return Err(misconfigured(
                    "platform.ca_file: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file",
                ));
            }
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| misconfigured(format!("cannot set up HTTPS: {e}")))?;
        Ok(PlatformClient {
            http,
            base,
            token: Token(token),
            terminal_id: s.terminal_id,
            call_timeout: s.call_timeout,
            max_body: s.max_response_bytes,
            anonymous: false,
        })
    }

    /// A client of the platform's public calls only (the document status
    /// lookup a recipient makes): it sends no token and no terminal id.
    pub fn public(base_url: &str, call_timeout: Duration) -> Result<PlatformClient, PlatformError> {
        let rejected = |why: String| {
            PlatformError::new(
                ErrorKind::Rejected,
                format!("{base_url:?}: {why}; give the platform's base URL, e.g. https://data.example.edu.cn/api/v1"),
            )
        };
        let url = Url::parse(base_url).map_err(|e| rejected(e.to_string()))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(rejected("not an http(s) address".into()));
        }
        let mut c = Self::new(
            ClientSettings {
                base_url: base_url.to_string(),
                terminal_id: String::new(),
                connect_timeout: call_timeout.min(Duration::from_secs(5)),
                call_timeout,
                max_response_bytes: 256 * 1024,
                ca_pem: None,
            },
            String::new(),
        )
        .map_err(|e| rejected(e.detail))?;
        c.anonymous = true;
        Ok(c)
    }

    fn url(&self, segments: &[&str]) -> Result<Url, PlatformError> {
        let mut url = self.base.clone();
        {
            let mut path = url
                .path_segments_mut()
                .map_err(|_| misconfigured("platform.base_url cannot have paths"))?;
            path.pop_if_empty();
            for s in segments {
                // `push` percent-encodes `/`, `?`, `#` and `%`; a URL reads
                // `.` and `..` (however encoded) as folders, so they are
                // refused, never sent.
                if matches!(*s, "." | "..") {
                    return Err(PlatformError::new(
                        ErrorKind::Rejected,
                        format!("{s:?} cannot be a segment of a request's path"),
                    ));
                }
                path.push(s);
            }
        }
        Ok(url)
    }

    /// One call: the status, body and the server's `Date`, after any
    /// retries.
    async fn call(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&Json>,
        retry: bool,
    ) -> Result<(StatusCode, Vec<u8>, Option<time::OffsetDateTime>), PlatformError> {
        let mut url = self.url(segments)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let what = format!("{method} /{}", segments.join("/"));
        let deadline = Instant::now() + self.call_timeout;
        let mut backoff = Backoff::new(RETRY_FLOOR, RETRY_CAP, seed());
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(unavailable(format!("{what}: no answer within {:?}", self.call_timeout)));
            }
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .header(reqwest::header::ACCEPT, "application/json")
                .timeout(remaining);
            if !self.anonymous {
                req = req
                    .bearer_auth(&self.token.0)
                    .header("X-Terminal-Id", &self.terminal_id);
            }
            if let Some(b) = body {
                req = req
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(serde_json::to_vec(b).unwrap_or_default());
            }
            let mut resp = match req.send().await {
                Ok(r) => r,
                Err(e) if e.is_timeout() => {
                    return Err(unavailable(format!("{what}: no answer within {:?}", self.call_timeout)));
                }
                Err(e) => {
                    let wait = backoff.next_wait(None);
                    if retry && Instant::now() + wait < deadline {
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    return Err(unavailable(format!("{what}: {}", without_url(&e))));
                }
            };
            let status = resp.status();
            let date = resp
                .headers()
                .get(reqwest::header::DATE)
                .and_then(|d| d.to_str().ok())
                .and_then(|d| time::OffsetDateTime::parse(d, &time::format_description::well_known::Rfc2822).ok());
            if retry
                && (status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE)
                && let Some(asked) = retry_after(&resp)
                && let wait = backoff.next_wait(Some(asked))
                && Instant::now() + wait < deadline
            {
                // Never sooner than the floor, whatever the server asks.
                tokio::time::sleep(wait).await;
                continue;
            }
            // The body, capped, within the deadline.
            let mut buf = Vec::new();
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                match tokio::time::timeout(left, resp.chunk()).await {
                    Err(_) => {
                        return Err(unavailable(format!(
                            "{what}: the answer stalled past {:?}",
                            self.call_timeout
                        )));
                    }
                    Ok(Err(e)) => return Err(unavailable(format!("{what}: {}", without_url(&e)))),
                    Ok(Ok(None)) => break,
                    Ok(Ok(Some(chunk))) => {
                        if buf.len() + chunk.len() > self.max_body {
                            return Err(PlatformError::bad_data(format!(
                                "{what}: the answer is larger than {} bytes",
                                self.max_body
                            )));
                        }
                        buf.extend_from_slice(&chunk);
                    }
                }
            }
            return Ok((status, buf, date));
        }
    }

    /// A call whose success is a JSON body.
    async fn json(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&Json>,
        retry: bool,
    ) -> Result<(StatusCode, Json), PlatformError> {
        self.json_dated(method, segments, &[], body, retry)
            .await
            .map(|(status, v, _)| (status, v))
    }

    /// A JSON call, with the server's `Date`.
    async fn json_dated(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&Json>,
        retry: bool,
    ) -> Result<(StatusCode, Json, Option<time::OffsetDateTime>), PlatformError> {
        let (status, bytes, date) = self.call(method.clone(), segments, query, body, retry).await?;
        let what = format!("{method} /{}", segments.join("/"));
        if status.is_success() {
            let mut v = serde_json::from_slice(&bytes)
                .map_err(|e| PlatformError::bad_data(format!("{what}: the answer is not JSON ({e})")))?;
            validate::clean(&mut v, "answer").map_err(|e| PlatformError::bad_data(format!("{what}: {}", e.detail)))?;
            return Ok((status, v, date));
        }
        let code = error_code(&bytes);
        let kind = match status.as_u16() {
            401 | 403 => ErrorKind::Unauthorized,
            404 if code.as_deref() == Some("not_implemented") => ErrorKind::NotImplemented,
            404 => ErrorKind::NotFound,
            423 => ErrorKind::CardFrozen,
            400 | 409 | 422 => ErrorKind::Rejected,
            429 | 500..=599 => ErrorKind::Unavailable,
            _ => ErrorKind::BadData,
        };
        Err(PlatformError {
            kind,
            code,
            detail: format!("{what}: HTTP {status}"),
        })
    }

    /// `POST /auth/card`: the holder of a card (UID as upper-case hex).
    pub async fn card(&self, uid: &str) -> Result<Person, PlatformError> {
        let ok = matches!(uid.len(), 8 | 14) && uid.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b));
        if !ok {
            return Err(PlatformError::new(
                ErrorKind::Rejected,
                format!("card UID {uid:?} is not 8 or 14 upper-case hex digits"),
            ));
        }
        let body = serde_json::json!({ "card_uid": uid });
        let (_, v) = self.json(Method::POST, &["auth", "card"], Some(&body), false).await?;
        validate::card_answer(&v)
    }

    /// `POST /auth/qr-sessions`: a new scan-to-log-in session.
    pub async fn open_qr_session(&self) -> Result<QrSession, PlatformError> {
        let (_, v) = self
            .json(
                Method::POST,
                &["auth", "qr-sessions"],
                Some(&serde_json::json!({})),
                false,
            )
            .await?;
        validate::qr_session(&v)
    }

    /// A technician's look at the platform: opens a scan-to-log-in
    /// session, the call the attract screen makes all day, so it adds
    /// nothing unusual to the platform's logs. How long it took, and the
    /// platform's clock (its `Date` header), if it sent one.
    pub async fn probe(&self) -> Result<Probe, PlatformError> {
        let t = Instant::now();
        let (_, v, date) = self
            .json_dated(
                Method::POST,
                &["auth", "qr-sessions"],
                &[],
                Some(&serde_json::json!({})),
                false,
            )
            .await?;
        let round_trip = t.elapsed();
        validate::qr_session(&v)?;
        Ok(Probe {
            round_trip,
            server_time: date,
        })
    }

    /// `GET /auth/qr-sessions/{id}`.
    pub async fn poll_qr_session(&self, session_id: &str) -> Result<QrStatus, PlatformError> {
        let (_, v) = self
            .json(Method::GET, &["auth", "qr-sessions", session_id], None, true)
            .await?;
        validate::qr_status(&v)
    }

    /// `GET /students/{id}/enrollment`, checked to be that student's.
    pub async fn enrollment(&self, student_id: &str) -> Result<Json, PlatformError> {
        let (_, v) = self
            .json(Method::GET, &["students", student_id, "enrollment"], None, true)
            .await?;
        validate::enrollment(&v, student_id)?;
        Ok(v)
    }

    /// `GET /students/{id}/transcript`, checked to be that student's.
    pub async fn transcript(&self, student_id: &str) -> Result<Json, PlatformError> {
        let (_, v) = self
            .json(Method::GET, &["students", student_id, "transcript"], None, true)
            .await?;
        validate::transcript(&v, student_id)?;
        Ok(v)
    }

    /// `GET /persons/{id}/datasets/{name}`.
    pub async fn dataset(&self, person_id: &str, name: &str) -> Result<Json, PlatformError> {
        let (_, v) = self
            .json(Method::GET, &["persons", person_id, "datasets", name], None, true)
            .await?;
        validate::dataset(&v, name)?;
        Ok(v)
    }

    /// `POST /print-records`, retried safely (idempotent by record id).
    pub async fn post_print_record(&self, rec: &PrintRecord) -> Result<RecordOutcome, PlatformError> {
        let body = serde_json::to_value(rec).map_err(|e| PlatformError::new(ErrorKind::Rejected, e.to_string()))?;
        let (status, _) = self.json(Method::POST, &["print-records"], Some(&body), true).await?;
        Ok(if status == StatusCode::CREATED {
            RecordOutcome::Created
        } else {
            RecordOutcome::AlreadyRecorded
        })
    }

    /// `GET /persons/{id}/print-counts?since=` (1.1): copies printed for
    /// the person on every terminal from the day `since` (YYYY-MM-DD). A
    /// 1.0 platform's answer is `ErrorKind::NotImplemented`.
    pub async fn print_counts(&self, person_id: &str, since: &str) -> Result<PrintCounts, PlatformError> {
        validate::id_segment(person_id).map_err(|e| PlatformError::new(ErrorKind::Rejected, e))?;
        let (_, v, _) = self
            .json_dated(
                Method::GET,
                &["persons", person_id, "print-counts"],
                &[("since", since)],
                None,
                true,
            )
            .await?;
        validate::print_counts(&v, person_id, since)
    }

    /// `GET /public/documents/{code}` (1.1, public): the document whose id
    /// is `code` (the 16 characters under the QR code, any case, hyphens
    /// optional), with the seal its terminal reported and its status. A
    /// malformed or 8-character code is refused here, never sent.
    pub async fn document_status(&self, code: &str) -> Result<Vec<DocumentStatus>, PlatformError> {
        let code = crate::platform::lookup_code(code).map_err(|e| PlatformError::new(ErrorKind::Rejected, e))?;
        let (_, v) = self
            .json(Method::GET, &["public", "documents", &code], None, true)
            .await?;
        validate::documents(&v, &code)
    }

    /// Everything a template needs about `person`, from the platform.
    pub async fn fetch(&self, person: &Person, sources: &[Source]) -> Result<DataSet, PlatformError> {
        let mut data = DataSet {
            person: Some(person.record.clone()),
            ..DataSet::default()
        };
        for s in sources {
            match s {
                Source::Person => {}
                Source::Enrollment => data.enrollment = Some(self.enrollment(&person.id).await?),
                Source::Transcript => data.transcript = Some(self.transcript(&person.id).await?),
                Source::Dataset(name) => {
                    let v = self.dataset(&person.id, name).await?;
                    data.datasets.insert(name.clone(), v);
                }
                Source::Spreadsheet(name) => {
                    return Err(PlatformError::not_a_platform_source(name));
                }
            }
        }
        Ok(data)
    }
}

/// A reqwest error's text without its URL (which holds person ids).
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.without_url_ref().to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        if self.is_connect() {
            "cannot connect".into()
        } else if self.is_timeout() {
            "timed out".into()
        } else if self.is_body() || self.is_decode() {
            "the answer broke off".into()
        } else {
            "request failed".into()
        }
    }
}

/// What `PlatformClient::probe` found.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    pub round_trip: Duration,
    /// The platform's clock, to the second.
    pub server_time: Option<time::OffsetDateTime>,
}

impl crate::platform::Platform for PlatformClient {
    fn describe(&self) -> String {
        self.base.to_string()
    }
    fn card<'a>(&'a self, uid: &'a str) -> PlatformFuture<'a, Person> {
        Box::pin(PlatformClient::card(self, uid))
    }
    fn open_qr_session(&self) -> PlatformFuture<'_, QrSession> {
        Box::pin(PlatformClient::open_qr_session(self))
    }
    fn poll_qr_session<'a>(&'a self, session_id: &'a str) -> PlatformFuture<'a, QrStatus> {
        Box::pin(PlatformClient::poll_qr_session(self, session_id))
    }
    fn fetch<'a>(&'a self, person: &'a Person, sources: &'a [Source]) -> PlatformFuture<'a, DataSet> {
        Box::pin(PlatformClient::fetch(self, person, sources))
    }
    fn post_print_record<'a>(&'a self, record: &'a PrintRecord) -> PlatformFuture<'a, RecordOutcome> {
        Box::pin(PlatformClient::post_print_record(self, record))
    }
    fn print_counts<'a>(&'a self, person_id: &'a str, since: &'a str) -> PlatformFuture<'a, PrintCounts> {
        Box::pin(PlatformClient::print_counts(self, person_id, since))
    }
}
