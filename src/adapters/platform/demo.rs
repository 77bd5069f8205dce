//! The reference platform: the whole terminal API of the platform contract,
//! served from a folder laid out like `shared/data-platform/examples/`
//! (`cards.json`, and per person `person.json`, `enrollment.json`,
//! `transcript.json`, `datasets/<name>.json`).
//!
//! It is what the demo mode and the tests run against, and what a
//! technician uses before the real platform is connected. It speaks
//! contract 1.1 (print counts from the records it received, the public
//! document lookup) or, on request, 1.0, which answers the 1.1 calls with
//! 404 `not_implemented`. Beyond the contract it has `/demo/...`
//! endpoints: confirm or cancel a QR session, list the print records
//! received, and queue faults (an error status, a stall, a raw body) for
//! the next API calls. Documents are revoked or superseded in a file of
//! its data folder, `document-status.json` ([`set_document_status`]),
//! read at every lookup: nothing a terminal's token reaches.

#![allow(
    clippy::disallowed_methods,
    reason = "the reference platform keeps its own clock, as the real one does"
)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

pub use crate::platform::StatusChange;
use serde_json::{Value, json};

/// A fault the server answers the next API call with.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Fault {
    /// An error status with the contract's error body.
    Status {
        status: u16,
        code: String,
        #[serde(default)]
        retry_after: Option<u64>,
    },
    /// Wait this long before answering normally.
    Stall { ms: u64 },
    /// This status and raw body instead of the real answer.
    Body { status: u16, body: String },
    /// A body of this many bytes.
    Oversize { bytes: usize },
}

/// Which version of the platform contract the server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contract {
    /// 1.0: no print counts, no public lookup (404 `not_implemented`).
    V1_0,
    /// 1.1 (2026-12).
    V1_1,
}

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// The folder of records.
    pub data: PathBuf,
    /// The bearer token terminals must send.
    pub token: String,
    /// Life of a QR session.
    pub qr_ttl: Duration,
    pub qr_poll_interval_ms: u64,
    pub contract: Contract,
    /// The public lookup answers each client this many times per
    /// `lookup_window`, then 429 with `Retry-After`.
    pub lookup_limit: u32,
    pub lookup_window: Duration,
    /// Each service's most copies in one print (its template's
    /// `max_copies`); a service not listed: [`MAX_COPIES_ANY`].
    pub max_copies: BTreeMap<String, u32>,
    /// Tokens of their own for terminals: when any is given, a terminal
    /// is let in only with its own token (the shared one no longer
    /// serves).
    pub terminal_tokens: BTreeMap<String, String>,
}

/// The most copies any service may print at once (the template format's
/// own bound on `max_copies`).
pub const MAX_COPIES_ANY: u64 = 20;
/// The most pages a print record may report.
pub const MAX_PAGES: u64 = 10_000;

/// The `max_copies` of every service in a templates folder (folders that
/// do not load as templates are left out).
pub fn service_limits(templates: &Path) -> BTreeMap<String, u32> {
    let Ok(dirs) = std::fs::read_dir(templates) else {
        return BTreeMap::new();
    };
    dirs.filter_map(Result::ok)
        .filter_map(|d| crate::template::Template::load(&d.path()).ok())
        .map(|t| (t.file.service.id.clone(), t.file.service.max_copies))
        .collect()
}

impl DemoOptions {
    pub fn new(data: impl Into<PathBuf>, token: impl Into<String>) -> Self {
        DemoOptions {
            data: data.into(),
            token: token.into(),
            qr_ttl: Duration::from_secs(120),
            qr_poll_interval_ms: 1000,
            contract: Contract::V1_1,
            lookup_limit: 30,
            lookup_window: Duration::from_secs(60),
            max_copies: BTreeMap::new(),
            terminal_tokens: BTreeMap::new(),
        }
    }
}

/// The file of a data folder that holds the documents revoked or
/// superseded: `{ "<document id>": { "status": "revoked", "reason": …,
/// "reason_en": …, "superseded_by": …, "status_changed_at": … } }`.
pub const STATUS_FILE: &str = "document-status.json";

/// Why a status could not be set.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{0}")]
    BadId(String),
}

fn read_statuses(data: &Path) -> Result<std::collections::BTreeMap<String, StatusChange>, StatusError> {
    let path = data.join(STATUS_FILE);
    match std::fs::read_to_string(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
        Err(e) => Err(StatusError::File {
            path,
            message: e.to_string(),
        }),
        Ok(text) => serde_json::from_str(&text).map_err(|e| StatusError::File {
            path,
            message: format!("line {}, column {}: {e}", e.line(), e.column()),
        }),
    }
}

/// Sets `document_id`'s status in `data`'s [`STATUS_FILE`] (the file is
/// replaced whole); `valid` removes the entry. A running server sees it
/// at its next lookup.
pub fn set_document_status(data: &Path, document_id: &str, entry: StatusChange) -> Result<(), StatusError> {
    let id = crate::platform::lookup_code(document_id).map_err(StatusError::BadId)?;
    if id.len() != 16 {
        return Err(StatusError::BadId(format!(
            "{document_id}: give the whole document id (16 characters, on the paper beside the seal), not the short code"
        )));
    }
    let mut all = read_statuses(data)?;
    if entry.status == crate::platform::DocumentState::Valid {
        all.remove(&id);
    } else {
        all.insert(id, entry);
    }
    let path = data.join(STATUS_FILE);
    let text = serde_json::to_string_pretty(&all).unwrap_or_default();
    let tmp = data.join(format!(".{STATUS_FILE}.tmp"));
    std::fs::write(&tmp, text + "\n")
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| StatusError::File {
            path,
            message: e.to_string(),
        })
}

#[derive(Debug, Clone)]
struct QrEntry {
    expires: SystemTime,
    status: &'static str,
    person: Option<Value>,
}

/// The server's state, shared with the handlers.
#[derive(Debug)]
pub struct DemoState {
    opts: DemoOptions,
    public_base: Mutex<String>,
    qr: Mutex<HashMap<String, QrEntry>>,
    records: Mutex<Vec<Value>>,
    record_posts: AtomicU64,
    /// Faults queued, each for any call or for calls whose path holds a text.
    faults: Mutex<VecDeque<(Option<String>, Fault)>>,
    next_id: AtomicU64,
    /// The times of each network's lookups within the window, oldest first.
    lookups: Mutex<HashMap<std::net::IpAddr, VecDeque<SystemTime>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl DemoState {
    /// Queues a fault for the next API call.
    pub fn push_fault(&self, f: Fault) {
        lock(&self.faults).push_back((None, f));
    }

    /// Queues a fault for the next API call whose path holds `path`
    /// (`print-counts`), whatever calls come in between.
    pub fn push_fault_on(&self, path: &str, f: Fault) {
        lock(&self.faults).push_back((Some(path.to_string()), f));
    }

    /// Faults queued and not yet played.
    pub fn faults_left(&self) -> usize {
        lock(&self.faults).len()
    }

    /// The print records received, each once.
    pub fn records(&self) -> Vec<Value> {
        lock(&self.records).clone()
    }

    /// Replaces the seal of the record of `document_id` (what a platform
    /// whose database was tampered with would answer). Whether one was.
    pub fn tamper_seal(&self, document_id: &str, seal: &str) -> bool {
        let mut records = lock(&self.records);
        let mut found = false;
        for r in records.iter_mut().filter(|r| r["document_id"] == document_id) {
            r["seal"] = json!(seal);
            found = true;
        }
        found
    }

    /// The data folder it serves.
    pub fn data(&self) -> &Path {
        &self.opts.data
    }

    /// How many times `POST /print-records` was called (retries included).
    pub fn record_posts(&self) -> u64 {
        self.record_posts.load(Ordering::SeqCst)
    }

    /// Confirms a QR session as `person_id` (what the campus app does).
    pub fn confirm_qr(&self, session: &str, person_id: &str) -> Result<(), String> {
        let person = self
            .read_record(person_id, "person.json")
            .ok_or_else(|| format!("no person {person_id}"))?;
        let mut qr = lock(&self.qr);
        let e = qr.get_mut(session).ok_or_else(|| format!("no session {session}"))?;
        if e.status != "pending" || SystemTime::now() > e.expires {
            return Err(format!("session {session} is not pending"));
        }
        e.status = "confirmed";
        e.person = Some(person);
        Ok(())
    }

    /// Cancels a pending QR session (what the campus app's "cancel" does).
    pub fn cancel_qr(&self, session: &str) -> Result<(), String> {
        let mut qr = lock(&self.qr);
        match qr.get_mut(session) {
            Some(e) if e.status == "pending" => {
                e.status = "cancelled";
                Ok(())
            }
            Some(_) => Err(format!("session {session} is not pending")),
            None => Err(format!("no session {session}")),
        }
    }

    fn read_record(&self, person_id: &str, file: &str) -> Option<Value> {
        if !safe_id(person_id) {
            return None;
        }
        read_json(&self.opts.data.join(person_id).join(file))
    }

    fn cards(&self) -> Value {
        read_json(&self.opts.data.join("cards.json")).unwrap_or_else(|| json!({}))
    }
}

fn read_json(p: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()
}

fn safe_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": { "code": code, "message": message } }))).into_response()
}

/// Checks the token and terminal id, and plays queued faults.
async fn guard(State(st): State<Arc<DemoState>>, headers: HeaderMap, req: Request, next: Next) -> Response {
    let fault = {
        let mut faults = lock(&st.faults);
        let path = req.uri().path();
        let first = faults
            .iter()
            .position(|(on, _)| on.as_deref().is_none_or(|p| path.contains(p)));
        first.and_then(|i| faults.remove(i)).map(|(_, f)| f)
    };
    match fault {
        Some(Fault::Status {
            status,
            code,
            retry_after,
        }) => {
            let mut r = error(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                &code,
                "演示平台注入的故障",
            );
            if let Some(s) = retry_after {
                r.headers_mut().insert("retry-after", HeaderValue::from(s));
            }
            return r;
        }
        Some(Fault::Stall { ms }) => tokio::time::sleep(Duration::from_millis(ms)).await,
        Some(Fault::Body { status, body }) => {
            return (
                StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                [("content-type", "application/json")],
                body,
            )
                .into_response();
        }
        Some(Fault::Oversize { bytes }) => {
            let body = format!("{{\"padding\": \"{}\"}}", "x".repeat(bytes));
            return ([("content-type", "application/json")], body).into_response();
        }
        None => {}
    }
    let terminal = headers.get("x-terminal-id").and_then(|v| v.to_str().ok()).unwrap_or("");
    // With tokens of their own, a token speaks for its terminal only.
    let expected = if st.opts.terminal_tokens.is_empty() {
        Some(st.opts.token.as_str())
    } else {
        st.opts.terminal_tokens.get(terminal).map(String::as_str)
    };
    let auth_ok = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| Some(t) == expected);
    if !auth_ok {
        return error(StatusCode::UNAUTHORIZED, "token_invalid", "终端令牌无效或已吊销");
    }
    if terminal.is_empty() {
        return error(StatusCode::UNAUTHORIZED, "terminal_unknown", "缺少 X-Terminal-Id");
    }
    next.run(req).await
}

#[derive(Deserialize)]
struct CardBody {
    card_uid: String,
}

async fn card(State(st): State<Arc<DemoState>>, body: Option<Json<CardBody>>) -> Response {
    let Some(Json(b)) = body else {
        return error(StatusCode::BAD_REQUEST, "bad_request", "请求体应为 {\"card_uid\": ...}");
    };
    let uid = b.card_uid;
    let valid = matches!(uid.len(), 8 | 14) && uid.bytes().all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c));
    if !valid {
        return error(StatusCode::BAD_REQUEST, "bad_request", "卡号格式错误");
    }
    let cards = st.cards();
    let Some(entry) = cards.get(&uid) else {
        return error(StatusCode::NOT_FOUND, "card_unknown", "未登记的卡");
    };
    if entry.get("frozen").and_then(Value::as_bool) == Some(true) {
        return error(StatusCode::LOCKED, "card_frozen", "该卡已挂失");
    }
    let pid = entry.get("person_id").and_then(Value::as_str).unwrap_or_default();
    match st.read_record(pid, "person.json") {
        Some(person) => Json(json!({ "person": person })).into_response(),
        None => error(StatusCode::NOT_FOUND, "card_unknown", "持卡人不存在"),
    }
}

fn rfc3339(t: SystemTime) -> String {
    let t = time::OffsetDateTime::from(t).to_offset(time::macros::offset!(+8));
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

async fn qr_create(State(st): State<Arc<DemoState>>) -> Response {
    let n = st.next_id.fetch_add(1, Ordering::SeqCst);
    let id = format!("qr-{n:06}-{:08x}", (n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32);
    let expires = SystemTime::now() + st.opts.qr_ttl;
    lock(&st.qr).insert(
        id.clone(),
        QrEntry {
            expires,
            status: "pending",
            person: None,
        },
    );
    let base = lock(&st.public_base).clone();
    (
        StatusCode::CREATED,
        Json(json!({
            "session_id": id,
            "login_url": format!("{base}/demo/qr/{id}"),
            "expires_at": rfc3339(expires),
            "poll_interval_ms": st.opts.qr_poll_interval_ms,
        })),
    )
        .into_response()
}

async fn qr_poll(State(st): State<Arc<DemoState>>, UrlPath(id): UrlPath<String>) -> Response {
    let mut qr = lock(&st.qr);
    let Some(e) = qr.get_mut(&id) else {
        return error(StatusCode::NOT_FOUND, "session_unknown", "会话不存在");
    };
    if e.status == "pending" && SystemTime::now() > e.expires {
        e.status = "expired";
    }
    let mut body = json!({ "status": e.status });
    if let Some(p) = &e.person {
        body["person"] = p.clone();
    }
    Json(body).into_response()
}

#[derive(Deserialize)]
struct ConfirmBody {
    person_id: String,
}

async fn qr_confirm(
    State(st): State<Arc<DemoState>>,
    UrlPath(id): UrlPath<String>,
    body: Option<Json<ConfirmBody>>,
) -> Response {
    let Some(Json(b)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "请求体应为 {\"person_id\": ...}",
        );
    };
    match st.confirm_qr(&id, &b.person_id) {
        Ok(()) => Json(json!({ "status": "confirmed" })).into_response(),
        Err(m) => error(StatusCode::CONFLICT, "not_pending", &m),
    }
}

async fn qr_cancel(State(st): State<Arc<DemoState>>, UrlPath(id): UrlPath<String>) -> Response {
    match st.cancel_qr(&id) {
        Ok(()) => Json(json!({ "status": "cancelled" })).into_response(),
        Err(m) => error(StatusCode::CONFLICT, "not_pending", &m),
    }
}

/// The page a phone opens from the QR code: confirm as one of the people
/// in the data folder.
async fn qr_page(State(st): State<Arc<DemoState>>, UrlPath(id): UrlPath<String>) -> Response {
    let mut people: Vec<(String, String)> = std::fs::read_dir(&st.opts.data)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| {
                    let pid = e.file_name().to_string_lossy().into_owned();
                    let name = st.read_record(&pid, "person.json")?.get("name")?.as_str()?.to_string();
                    Some((pid, name))
                })
                .collect()
        })
        .unwrap_or_default();
    people.sort();
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;");
    let buttons: String = people
        .iter()
        .map(|(pid, name)| {
            format!(
                "<p><button onclick=\"fetch('/demo/qr-sessions/{id}/confirm',{{method:'POST',headers:{{'content-type':'application/json'}},body:JSON.stringify({{person_id:'{pid}'}})}}).then(r=>document.body.innerHTML=r.ok?'<h1>已确认 Confirmed</h1>':'<h1>会话已失效 Session ended</h1>')\">{} ({})</button></p>",
                esc(name),
                esc(pid),
                id = esc(&id),
                pid = esc(pid)
            )
        })
        .collect();
    Html(format!(
        "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'><title>扫码登录 Demo</title><h1>演示平台 · 扫码登录</h1><p>以谁的身份登录终端？ Log in to the terminal as:</p>{buttons}"
    ))
    .into_response()
}

async fn student_file(st: &DemoState, id: &str, file: &str) -> Response {
    match st.read_record(id, file) {
        Some(v) => Json(v).into_response(),
        None => error(StatusCode::NOT_FOUND, "student_unknown", "学生不存在"),
    }
}

async fn enrollment(State(st): State<Arc<DemoState>>, UrlPath(id): UrlPath<String>) -> Response {
    student_file(&st, &id, "enrollment.json").await
}

async fn transcript(State(st): State<Arc<DemoState>>, UrlPath(id): UrlPath<String>) -> Response {
    student_file(&st, &id, "transcript.json").await
}

async fn dataset(State(st): State<Arc<DemoState>>, UrlPath((id, name)): UrlPath<(String, String)>) -> Response {
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-');
    if !name_ok {
        return error(StatusCode::NOT_FOUND, "dataset_unknown", "数据集不存在");
    }
    if st.read_record(&id, "person.json").is_none() {
        return error(StatusCode::NOT_FOUND, "record_unknown", "人员不存在");
    }
    match st.read_record(&id, &format!("datasets/{name}.json")) {
        Some(v) => Json(v).into_response(),
        None => error(StatusCode::NOT_FOUND, "dataset_unknown", "数据集不存在"),
    }
}

async fn print_record(State(st): State<Arc<DemoState>>, headers: HeaderMap, body: Option<Json<Value>>) -> Response {
    st.record_posts.fetch_add(1, Ordering::SeqCst);
    let Some(Json(rec)) = body else {
        return error(StatusCode::BAD_REQUEST, "bad_request", "请求体应为 JSON");
    };
    for k in [
        "record_id",
        "terminal_id",
        "person_id",
        "service_id",
        "status",
        "created_at",
    ] {
        if !rec.get(k).is_some_and(Value::is_string) {
            return error(StatusCode::BAD_REQUEST, "bad_request", &format!("缺少字段 {k}"));
        }
    }
    for k in ["copies", "pages"] {
        if !rec.get(k).is_some_and(Value::is_u64) {
            return error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                &format!("字段 {k} 应为非负整数"),
            );
        }
    }
    if !matches!(rec["status"].as_str(), Some("printed" | "failed" | "cancelled")) {
        return error(StatusCode::BAD_REQUEST, "bad_request", "status 取值错误");
    }
    // A terminal reports its own prints only.
    let caller = headers.get("x-terminal-id").and_then(|v| v.to_str().ok()).unwrap_or("");
    if rec["terminal_id"].as_str() != Some(caller) {
        return error(
            StatusCode::FORBIDDEN,
            "terminal_mismatch",
            "terminal_id 与 X-Terminal-Id 不符：终端只能报告自己的打印记录",
        );
    }
    let service = rec["service_id"].as_str().unwrap_or_default();
    let most = st
        .opts
        .max_copies
        .get(service)
        .map_or(MAX_COPIES_ANY, |&m| u64::from(m));
    let copies = rec["copies"].as_u64().unwrap_or(u64::MAX);
    if copies > most {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "copies_out_of_range",
            &format!("copies {copies} 超出该服务每次最多 {most} 份"),
        );
    }
    if rec["pages"].as_u64().unwrap_or(u64::MAX) > MAX_PAGES {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "pages_out_of_range",
            &format!("pages 超出 {MAX_PAGES}"),
        );
    }
    for k in ["seal", "template_version", "document_id"] {
        if !rec.get(k).is_none_or(|v| v.is_string() || v.is_null()) {
            return error(StatusCode::BAD_REQUEST, "bad_request", &format!("字段 {k} 应为字符串"));
        }
    }
    let mut records = lock(&st.records);
    if records.iter().any(|r| r["record_id"] == rec["record_id"]) {
        return (StatusCode::OK, Json(json!({ "recorded": false }))).into_response();
    }
    // A person's count never wraps: a record it would overflow is refused.
    let total = records
        .iter()
        .filter(|r| r["person_id"] == rec["person_id"] && r["service_id"] == rec["service_id"])
        .try_fold(copies, |sum, r| sum.checked_add(r["copies"].as_u64().unwrap_or(0)));
    if total.is_none() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "copies_out_of_range",
            "打印份数累计溢出",
        );
    }
    records.push(rec);
    (StatusCode::CREATED, Json(json!({ "recorded": true }))).into_response()
}

fn not_implemented() -> Response {
    error(StatusCode::NOT_FOUND, "not_implemented", "平台接口 1.0 未提供此调用")
}

#[derive(Deserialize)]
struct CountsQuery {
    since: Option<String>,
}

/// `GET /persons/{id}/print-counts?since=` (1.1): the printed copies of
/// the records received, by service.
async fn print_counts(
    State(st): State<Arc<DemoState>>,
    UrlPath(id): UrlPath<String>,
    query: Result<axum::extract::Query<CountsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if st.opts.contract == Contract::V1_0 {
        return not_implemented();
    }
    let since = query.ok().and_then(|q| q.0.since).unwrap_or_default();
    let day_ok = since.len() == 10
        && time::Date::parse(&since, time::macros::format_description!("[year]-[month]-[day]")).is_ok();
    if !day_ok {
        return error(StatusCode::BAD_REQUEST, "bad_request", "since 应为日期 YYYY-MM-DD");
    }
    if st.read_record(&id, "person.json").is_none() {
        return error(StatusCode::NOT_FOUND, "person_unknown", "人员不存在");
    }
    let mut counts = serde_json::Map::new();
    for r in lock(&st.records).iter().filter(|r| {
        r["person_id"] == id.as_str()
            && r["status"] == "printed"
            && r["created_at"]
                .as_str()
                .and_then(|t| t.get(..10))
                .is_some_and(|d| d >= since.as_str())
    }) {
        let service = r["service_id"].as_str().unwrap_or_default().to_string();
        let n = counts
            .get(&service)
            .and_then(Value::as_u64)
            .unwrap_or(0)
            .checked_add(r["copies"].as_u64().unwrap_or(0));
        let Some(n) = n else {
            return error(StatusCode::UNPROCESSABLE_ENTITY, "count_overflow", "打印份数累计溢出");
        };
        counts.insert(service, json!(n));
    }
    Json(json!({
        "person_id": id,
        "since": since,
        "counts": counts,
        "as_of": rfc3339(SystemTime::now()),
    }))
    .into_response()
}

/// Whose lookups count together: an IPv4 /24 or an IPv6 /64 (one
/// household's, one host's or one small network's addresses), so that a
/// client cannot multiply its share by taking the next address.
fn lookup_network(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V4(v4) => std::net::IpAddr::V4(std::net::Ipv4Addr::from_bits(v4.to_bits() & !0xFF)),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => lookup_network(std::net::IpAddr::V4(v4)),
            None => std::net::IpAddr::V6(std::net::Ipv6Addr::from_bits(v6.to_bits() & !u128::from(u64::MAX))),
        },
    }
}

/// Whether the client at `ip` may make one more public lookup now: at
/// most `lookup_limit` in any `lookup_window` (a sliding window: the times
/// of its network's last lookups are kept), or the seconds until it may.
fn lookup_allowed(st: &DemoState, ip: std::net::IpAddr) -> Result<(), u64> {
    let now = SystemTime::now();
    let window = st.opts.lookup_window;
    let within = |t: &SystemTime| now.duration_since(*t).is_ok_and(|d| d < window);
    let mut all = lock(&st.lookups);
    // Forget networks whose lookups are all past, so the map stays small.
    if all.len() > 10_000 {
        all.retain(|_, times| times.back().is_some_and(within));
    }
    let times = all.entry(lookup_network(ip)).or_default();
    while times.front().is_some_and(|t| !within(t)) {
        times.pop_front();
    }
    if times.len() >= st.opts.lookup_limit as usize {
        let oldest = times.front().copied().unwrap_or(now);
        let left = window.saturating_sub(now.duration_since(oldest).unwrap_or_default());
        return Err(left.as_secs_f64().ceil().max(1.0) as u64);
    }
    times.push_back(now);
    Ok(())
}

/// `GET /public/documents/{code}` (1.1, public): the printed document
/// whose id is the code (the whole id: the contract's 8-character prefix
/// is refused, see docs/verification.md), with the seal its terminal
/// reported and its status. Nothing else of the record is given.
async fn public_document(State(st): State<Arc<DemoState>>, UrlPath(code): UrlPath<String>, req: Request) -> Response {
    let ip = req
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    let mut r = public_answer(&st, &code, ip);
    r.headers_mut()
        .insert("access-control-allow-origin", HeaderValue::from_static("*"));
    r.headers_mut()
        .insert("access-control-expose-headers", HeaderValue::from_static("retry-after"));
    r
}

fn public_answer(st: &DemoState, code: &str, ip: std::net::IpAddr) -> Response {
    if st.opts.contract == Contract::V1_0 {
        return not_implemented();
    }
    if let Err(wait) = lookup_allowed(st, ip) {
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "查询过于频繁，请稍后再试",
        );
        r.headers_mut().insert("retry-after", HeaderValue::from(wait));
        return r;
    }
    let Ok(code) = crate::platform::lookup_code(code) else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_code",
            "核验码格式错误：应为二维码下方的 16 位核验码 XXXX-XXXX-XXXX-XXXX",
        );
    };
    let statuses = match read_statuses(&st.opts.data) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("demo platform: {e}");
            return error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "状态文件无法读取");
        }
    };
    let documents: Vec<Value> = lock(&st.records)
        .iter()
        .filter(|r| r["status"] == "printed" && r["seal"].is_string())
        .filter_map(|r| {
            let id = r["document_id"].as_str()?;
            (id == code).then_some((id, r["seal"].as_str()?))
        })
        .map(|(id, seal)| {
            let mut d = json!({ "document_id": id, "seal": seal, "status": "valid" });
            if let Some(e) = statuses.get(id)
                && let Ok(Value::Object(fields)) = serde_json::to_value(e)
                && let Some(o) = d.as_object_mut()
            {
                o.extend(fields);
            }
            d
        })
        .take(crate::platform::validate::MAX_LOOKUP_DOCUMENTS)
        .collect();
    if documents.is_empty() {
        return error(StatusCode::NOT_FOUND, "document_unknown", "未找到该文件");
    }
    Json(json!({ "documents": documents })).into_response()
}

async fn list_records(State(st): State<Arc<DemoState>>) -> Response {
    Json(json!({ "records": st.records(), "posts": st.record_posts() })).into_response()
}

async fn add_fault(State(st): State<Arc<DemoState>>, body: Option<Json<Fault>>) -> Response {
    match body {
        Some(Json(f)) => {
            st.push_fault(f);
            StatusCode::NO_CONTENT.into_response()
        }
        None => error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "fault: {\"kind\": \"status\"|\"stall\"|\"body\"|\"oversize\", ...}",
        ),
    }
}

/// The routes, for serving or for testing.
pub fn router(state: Arc<DemoState>) -> Router {
    let api = Router::new()
        .route("/auth/card", post(card))
        .route("/auth/qr-sessions", post(qr_create))
        .route("/auth/qr-sessions/{id}", get(qr_poll))
        .route("/students/{id}/enrollment", get(enrollment))
        .route("/students/{id}/transcript", get(transcript))
        .route("/persons/{id}/datasets/{name}", get(dataset))
        .route("/print-records", post(print_record))
        .route("/persons/{id}/print-counts", get(print_counts))
        .route_layer(middleware::from_fn_with_state(state.clone(), guard));
    // Public: no token, no terminal id, any origin.
    let public = Router::new().route("/public/documents/{code}", get(public_document));
    Router::new()
        .nest("/api/v1", public.merge(api))
        .route("/demo/qr/{id}", get(qr_page))
        .route("/demo/qr-sessions/{id}/confirm", post(qr_confirm))
        .route("/demo/qr-sessions/{id}/cancel", post(qr_cancel))
        .route("/demo/print-records", get(list_records))
        .route("/demo/faults", post(add_fault))
        .with_state(state)
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{0}: not a data folder (it needs cards.json and a folder per person)")]
    NotData(PathBuf),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
}

/// A running reference platform.
#[derive(Debug)]
pub struct DemoServer {
    pub addr: SocketAddr,
    pub state: Arc<DemoState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl DemoServer {
    /// Binds `listen` (port 0: any free port) and serves in the background
    /// of the current tokio runtime.
    pub async fn start(opts: DemoOptions, listen: SocketAddr) -> Result<DemoServer, DemoError> {
        if !opts.data.join("cards.json").is_file() {
            return Err(DemoError::NotData(opts.data.clone()));
        }
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| DemoError::Listen { addr: listen, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| DemoError::Listen { addr: listen, source })?;
        let state = Arc::new(DemoState {
            opts,
            public_base: Mutex::new(format!("http://{addr}")),
            qr: Mutex::new(HashMap::new()),
            records: Mutex::new(Vec::new()),
            record_posts: AtomicU64::new(0),
            faults: Mutex::new(VecDeque::new()),
            next_id: AtomicU64::new(1),
            lookups: Mutex::new(HashMap::new()),
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = router(state.clone());
        let task = tokio::spawn(async move {
            crate::adapters::http_server::serve(listener, app, crate::adapters::http_server::Limits::PLATFORM, async {
                let _ = rx.await;
            })
            .await;
        });
        Ok(DemoServer {
            addr,
            state,
            stop: Some(tx),
            task,
        })
    }

    /// The API's base URL, as a terminal's `platform.base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }

    /// Stops serving and waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}
