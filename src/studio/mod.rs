//! `kiosk studio`: the template studio, a web app for the department staff
//! who own a print service. It serves one page (assets/studio/, in the
//! binary: no external request, a strict Content-Security-Policy) and a
//! JSON API over one templates folder, which it never writes outside:
//! start a service from a model, edit its form or its TOML, see the
//! problems `kiosk template check` finds where they are, preview the pages
//! from the real pipeline (the kiosk's own raster of the same page model),
//! check every row of a spreadsheet, and hand the service in as a bundle.

pub mod form;

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::adapters::files::{data_dir, spreadsheet, write_private};
use crate::authoring::{bundle, check, dry_run};
use crate::core::clock::{Clock, local_rfc3339};
use crate::data::DataSet;
use crate::fonts::FontBook;
use crate::i18n::{self, Bilingual};
use crate::pipeline::{self, PipelineError};
use crate::template::{TEMPLATE_FILE, Template};

const INDEX: &str = include_str!("../../assets/studio/index.html");
const SCRIPT: &str = include_str!("../../assets/studio/studio.js");
const STYLE: &str = include_str!("../../assets/studio/studio.css");
/// The blank model a service can start from.
const BLANK_TEMPLATE: &str = include_str!("../../assets/studio/blank/template.toml");
const BLANK_PERSON: &str = include_str!("../../assets/studio/blank/sample/person.json");
const BLANK_ENROLLMENT: &str = include_str!("../../assets/studio/blank/sample/enrollment.json");

/// Everything a page of the studio may load: itself, nothing else.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
/// Largest template.toml the studio saves.
pub const MAX_TOML_BYTES: usize = 256 * 1024;
/// The highest resolution a preview page is drawn at.
const PREVIEW_DPI_MAX: f32 = 200.0;

/// How the studio runs.
pub struct Options {
    /// The templates folder it works in.
    pub root: PathBuf,
    /// The staff password's argon2id hash (`kiosk pin-hash`'s form); none:
    /// no password (loopback only).
    pub password_hash: Option<String>,
    pub clock: Arc<dyn Clock>,
    /// The offset issue times are written in.
    pub offset: time::UtcOffset,
    /// Rows rendered at once by a check of every row.
    pub threads: usize,
}

/// The last spreadsheet uploaded for a service: its rows preview.
struct Uploaded {
    file: String,
    sheet: String,
    cells: Vec<Vec<crate::sheets::Cell>>,
    stands: dry_run::Stands,
}

/// The studio's state.
pub struct Studio {
    root: PathBuf,
    book: &'static FontBook,
    password_hash: Option<String>,
    /// Authorization headers already verified (their SHA-256).
    verified: Mutex<HashSet<[u8; 32]>>,
    /// Wrong passwords by client, for slowing down and locking out guessers.
    guesses: Mutex<HashMap<IpAddr, Guesses>>,
    /// One password check (argon2, deliberately slow) at a time.
    checking: tokio::sync::Semaphore,
    /// Turns at the blocking work (renders, checks, files): the cores, and
    /// two more for quick answers.
    work: Arc<tokio::sync::Semaphore>,
    sheets: Mutex<HashMap<String, Arc<Uploaded>>>,
    /// One writer per service at a time: a save reads, compares and
    /// writes the service's files while it holds its service's lock.
    writers: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    clock: Arc<dyn Clock>,
    offset: time::UtcOffset,
    threads: usize,
}

/// Why the studio could not start.
#[derive(Debug, thiserror::Error)]
pub enum StudioError {
    #[error("--templates {0}: no such folder; give the folder the department's services are kept in")]
    NoFolder(PathBuf),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
}

impl Studio {
    pub fn new(book: &'static FontBook, opts: Options) -> Result<Studio, StudioError> {
        let root = std::fs::canonicalize(&opts.root)
            .ok()
            .filter(|p| p.is_dir())
            .ok_or_else(|| StudioError::NoFolder(opts.root.clone()))?;
        Ok(Studio {
            root,
            book,
            password_hash: opts.password_hash,
            verified: Mutex::new(HashSet::new()),
            guesses: Mutex::new(HashMap::new()),
            checking: tokio::sync::Semaphore::new(1),
            work: Arc::new(tokio::sync::Semaphore::new(opts.threads.max(1) + 2)),
            sheets: Mutex::new(HashMap::new()),
            writers: Mutex::new(HashMap::new()),
            clock: opts.clock,
            offset: opts.offset,
            threads: opts.threads.max(1),
        })
    }

    /// The folder of service `id`, if `id` is a service id and names a
    /// folder of the templates folder (never a link, never outside).
    fn service_dir(&self, id: &str) -> Result<PathBuf, ApiError> {
        if !valid_id(id) {
            return Err(ApiError::bad(i18n::studio_bad_id(id)));
        }
        let dir = self.root.join(id);
        match std::fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => Ok(dir),
            _ => Err(ApiError::new(StatusCode::NOT_FOUND, i18n::studio_no_service(id))),
        }
    }

    fn now(&self) -> String {
        local_rfc3339(self.clock.as_ref(), self.offset)
    }

    /// Runs `f` as the service's only writer. `expected`: the revision
    /// the page edited (`If-Match`); when the template is no longer that
    /// one, nothing is written and the answer is 409.
    fn write<T>(
        &self,
        id: &str,
        dir: &Path,
        expected: Option<&str>,
        f: impl FnOnce(&str) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let lock = self
            .writers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(id.to_string())
            .or_default()
            .clone();
        let _only = lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let current = std::fs::read_to_string(dir.join(TEMPLATE_FILE)).map_err(ApiError::internal)?;
        if expected.is_some_and(|e| e != revision(&current)) {
            return Err(ApiError::new(StatusCode::CONFLICT, i18n::studio_changed()));
        }
        f(&current)
    }
}

/// A template's revision, as the page sends it back in `If-Match`: the
/// SHA-256 of its text.
fn revision(toml: &str) -> String {
    Sha256::digest(toml.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The revision a save was made on (`If-Match: "…"`), if it says.
fn if_match(h: &HeaderMap) -> Option<String> {
    let v = h.get(header::IF_MATCH)?.to_str().ok()?.trim();
    let v = v.strip_prefix("W/").unwrap_or(v);
    Some(v.trim_matches('"').to_string())
}

/// A service id: lower-case letters, digits and `-`, as a folder name.
pub fn valid_id(id: &str) -> bool {
    crate::data::Source::parse(&format!("dataset:{id}")).is_some()
}

/// An answer that went wrong: a status and words in both languages.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    words: Bilingual,
    /// Seconds to wait before asking again (`Retry-After`).
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, words: Bilingual) -> ApiError {
        ApiError {
            status,
            words,
            retry_after: None,
        }
    }
    fn busy() -> ApiError {
        ApiError {
            retry_after: Some(2),
            ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, i18n::studio_busy())
        }
    }
    fn bad(words: Bilingual) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, words)
    }
    fn internal(e: impl std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, i18n::studio_failed(&e.to_string()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (
            self.status,
            Json(json!({ "error": { "zh": self.words.zh, "en": self.words.en } })),
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        r
    }
}

type Shared = Arc<Studio>;
type ApiResult<T> = Result<T, ApiError>;

/// How long a request waits for a turn at the studio's work before it is
/// told to come back.
const WORK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Runs blocking work (rendering, checking, files) off the async threads,
/// a few at once ([`Studio::work`]): beyond them, after [`WORK_WAIT`], 503
/// with `Retry-After`, so no number of requests (a page of another site
/// asking for previews) makes the studio render more at once.
async fn blocking<T: Send + 'static>(s: &Studio, f: impl FnOnce() -> ApiResult<T> + Send + 'static) -> ApiResult<T> {
    let turn = tokio::time::timeout(WORK_WAIT, s.work.clone().acquire_owned()).await;
    let Ok(Ok(permit)) = turn else {
        return Err(ApiError::busy());
    };
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        f()
    })
    .await
    .map_err(ApiError::internal)?
}

/// The routes.
pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(|| async { page(INDEX, "text/html; charset=utf-8") }))
        .route(
            "/studio.js",
            get(|| async { page(SCRIPT, "text/javascript; charset=utf-8") }),
        )
        .route("/studio.css", get(|| async { page(STYLE, "text/css; charset=utf-8") }))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/api/services", get(list).post(create))
        .route("/api/services/{id}", get(show))
        .route("/api/services/{id}/toml", put(save_toml))
        .route("/api/services/{id}/form", put(save_form))
        .route("/api/services/{id}/render", get(render_info))
        .route("/api/services/{id}/page/{n}", get(page_png))
        .route("/api/services/{id}/document.pdf", get(document_pdf))
        .route(
            "/api/services/{id}/sheet",
            post(upload_sheet).layer(DefaultBodyLimit::max(SHEET_LIMIT)),
        )
        .route(
            "/api/services/{id}/source",
            post(add_sheet_source).layer(DefaultBodyLimit::max(SHEET_LIMIT)),
        )
        .route("/api/services/{id}/bundle", post(make_bundle))
        .layer(DefaultBodyLimit::max(MAX_TOML_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

fn page(body: &'static str, kind: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

/// Every answer: the same site only, the password when one is set, and
/// headers that keep the page to itself.
async fn guard(State(s): State<Shared>, req: Request, next: Next) -> Response {
    // Without a password the studio is this machine's only: a page of
    // another site that renames itself to 127.0.0.1 (DNS rebinding) still
    // sends its own name as the Host.
    if s.password_hash.is_none() && !local_host(req.headers()) {
        return secure(ApiError::new(StatusCode::FORBIDDEN, i18n::studio_other_site()).into_response());
    }
    // A page of another site can make a browser ask for a preview (an
    // image) or a list: nothing but the studio's own page may.
    if cross_site(req.method(), req.uri().path(), req.headers()) {
        return secure(ApiError::new(StatusCode::FORBIDDEN, i18n::studio_other_site()).into_response());
    }
    if let Some(hash) = &s.password_hash {
        let client = req
            .extensions()
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        let auth = req.headers().get(header::AUTHORIZATION).map(|v| v.as_bytes().to_vec());
        if let Err(e) = authorized(&s, hash, client, auth).await {
            let mut r = e.into_response();
            if r.status() == StatusCode::UNAUTHORIZED {
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"kiosk studio\", charset=\"UTF-8\""),
                );
            }
            return secure(r);
        }
    }
    secure(next.run(req).await)
}

/// Whether a browser sent the request for a page of another site
/// (`Sec-Fetch-Site`, or an `Origin` that is not the studio's). A link
/// from elsewhere may still open the studio's page itself; tools that
/// send neither header (curl) are not browsers.
fn cross_site(method: &Method, path: &str, h: &HeaderMap) -> bool {
    let navigation =
        method == Method::GET && path == "/" && h.get("sec-fetch-mode").is_some_and(|m| m.as_bytes() == b"navigate");
    match h.get("sec-fetch-site").map(HeaderValue::as_bytes) {
        Some(b"same-origin" | b"none") => {}
        Some(_) if navigation => {}
        Some(_) => return true,
        None => {}
    }
    !same_origin(h)
}
fn secure(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Whether the request names this machine as its host.
fn local_host(h: &HeaderMap) -> bool {
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

/// A change comes from the studio's own page: its `Origin`, when the
/// browser sends one, is the address the page was loaded from.
fn same_origin(h: &HeaderMap) -> bool {
    let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        == Some(host)
}

/// Wrong passwords from one client.
#[derive(Debug, Default, Clone, Copy)]
struct Guesses {
    /// Wrong in a row.
    wrong: u32,
    /// Not heard again before this (the studio's clock, in milliseconds).
    until: crate::core::session::Ms,
}

/// Wrong passwords a client may give in a row before it must wait.
const FREE_GUESSES: u32 = 5;

/// How long a client waits after `wrong` wrong passwords in a row: from the
/// sixth on, 30 s doubling to 15 minutes.
fn lockout_ms(wrong: u32) -> crate::core::session::Ms {
    if wrong < FREE_GUESSES {
        return 0;
    }
    let doublings = (wrong - FREE_GUESSES).min(5);
    (30_000u64 << doublings).min(15 * 60_000)
}

/// Checks the password of `auth` (HTTP Basic), the argon2 work on the
/// blocking threads, one check at a time, for a client not locked out:
/// 401 when wrong, 429 with `Retry-After` while locked out. A wrong one
/// is logged with the client's address, never the password.
async fn authorized(s: &Shared, hash: &str, client: IpAddr, auth: Option<Vec<u8>>) -> ApiResult<()> {
    let unauthorized = || ApiError::new(StatusCode::UNAUTHORIZED, i18n::studio_password());
    let Some(auth) = auth else { return Err(unauthorized()) };
    let key: [u8; 32] = Sha256::digest(&auth).into();
    let locked = |s: &Studio| {
        let now = s.clock.now_ms();
        let g = s.guesses.lock().ok()?.get(&client).copied()?;
        (g.until > now).then(|| ApiError {
            retry_after: Some((g.until - now).div_ceil(1000)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                i18n::studio_locked_out((g.until - now).div_ceil(1000)),
            )
        })
    };
    // A locked-out client is not heard at all, not even with a password
    // verified before (or the cache would answer its guesses).
    if let Some(e) = locked(s) {
        return Err(e);
    }
    if s.verified.lock().is_ok_and(|v| v.contains(&key)) {
        return Ok(());
    }
    let Ok(_turn) = s.checking.acquire().await else {
        return Err(ApiError::busy());
    };
    // Another request of the same client may have locked it meanwhile.
    if let Some(e) = locked(s) {
        return Err(e);
    }
    let stored = hash.to_string();
    let ok = tokio::task::spawn_blocking(move || {
        let password = std::str::from_utf8(&auth)
            .ok()
            .and_then(|a| a.strip_prefix("Basic "))
            .and_then(|b| base64_decode(b.trim()))
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|up| up.split_once(':').map(|(_, p)| p.to_string()));
        password.is_some_and(|p| crate::core::pin::matches(&p, &stored))
    })
    .await
    .map_err(ApiError::internal)?;
    let mut guesses = s.guesses.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if ok {
        guesses.remove(&client);
        drop(guesses);
        if let Ok(mut v) = s.verified.lock() {
            v.insert(key);
        }
        return Ok(());
    }
    // A bounded table: an address not seen for a while is forgotten first.
    if guesses.len() >= 10_000 {
        let now = s.clock.now_ms();
        guesses.retain(|_, g| g.until > now);
    }
    let g = guesses.entry(client).or_default();
    g.wrong = g.wrong.saturating_add(1);
    let wait = lockout_ms(g.wrong);
    g.until = s.clock.now_ms() + wait;
    let wrong = g.wrong;
    drop(guesses);
    if wait > 0 {
        eprintln!(
            "studio: wrong password from {client} ({wrong} in a row); it must wait {} s",
            wait / 1000
        );
    } else {
        eprintln!("studio: wrong password from {client} ({wrong} in a row)");
    }
    Err(unauthorized())
}

/// Standard base64 (RFC 4648), as HTTP Basic credentials are sent.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

// ---- services ----

#[derive(Serialize)]
struct Listed {
    id: String,
    name_zh: String,
    name_en: String,
    version: String,
}

async fn list(State(s): State<Shared>) -> ApiResult<Json<serde_json::Value>> {
    let root = s.root.clone();
    let services = blocking(&s.clone(), move || {
        let dirs = check::template_dirs(&root).map_err(ApiError::internal)?;
        let mut out = Vec::new();
        for d in dirs {
            let Some(id) = d.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
                continue;
            };
            if !valid_id(&id) || d.parent() != Some(root.as_path()) {
                continue;
            }
            let src = std::fs::read_to_string(d.join(TEMPLATE_FILE)).unwrap_or_default();
            let f = form::read(&src).unwrap_or_default();
            let version = src
                .parse::<toml_edit::DocumentMut>()
                .ok()
                .and_then(|doc| doc.get("service")?.get("version")?.as_str().map(str::to_string))
                .unwrap_or_default();
            out.push(Listed {
                id,
                name_zh: f.name_zh,
                name_en: f.name_en,
                version,
            });
        }
        Ok(out)
    })
    .await?;
    Ok(Json(json!({ "services": services })))
}

#[derive(Deserialize)]
struct Create {
    /// A service of the folder, or `blank`.
    from: String,
    id: String,
}

async fn create(State(s): State<Shared>, Json(c): Json<Create>) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    if !valid_id(&c.id) {
        return Err(ApiError::bad(i18n::studio_bad_id(&c.id)));
    }
    let target = s.root.join(&c.id);
    if std::fs::symlink_metadata(&target).is_ok() {
        return Err(ApiError::new(StatusCode::CONFLICT, i18n::studio_exists(&c.id)));
    }
    let from = if c.from == "blank" {
        None
    } else {
        Some(s.service_dir(&c.from)?)
    };
    let id = c.id.clone();
    blocking(&s.clone(), move || {
        let files: Vec<(String, Vec<u8>)> = match &from {
            None => vec![
                (TEMPLATE_FILE.into(), BLANK_TEMPLATE.as_bytes().to_vec()),
                ("sample/person.json".into(), BLANK_PERSON.as_bytes().to_vec()),
                ("sample/enrollment.json".into(), BLANK_ENROLLMENT.as_bytes().to_vec()),
            ],
            Some(dir) => bundle::folder_files(dir).map_err(|e| ApiError::bad(i18n::studio_failed(&e.to_string())))?,
        };
        let staging = tempfile::Builder::new()
            .prefix(".new-")
            .tempdir_in(target.parent().unwrap_or(&target))
            .map_err(ApiError::internal)?;
        for (rel, bytes) in &files {
            let bytes = if rel == TEMPLATE_FILE {
                renamed(bytes, &id)?
            } else {
                bytes.clone()
            };
            let path = staging.path().join(rel);
            if let Some(p) = path.parent() {
                std::fs::create_dir_all(p).map_err(ApiError::internal)?;
            }
            write_private(&path, &bytes).map_err(ApiError::internal)?;
        }
        let staged = staging.keep();
        std::fs::rename(&staged, &target).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staged);
            ApiError::internal(e)
        })?;
        Ok(())
    })
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": c.id }))))
}

/// A model's template.toml with its id (and a first version) for the new service.
fn renamed(src: &[u8], id: &str) -> ApiResult<Vec<u8>> {
    let text = std::str::from_utf8(src).map_err(ApiError::internal)?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(ApiError::internal)?;
    if let Some(service) = doc.get_mut("service").and_then(|i| i.as_table_like_mut()) {
        service.insert("id", toml_edit::value(id));
        service.insert("version", toml_edit::value("1.0.0"));
    }
    Ok(doc.to_string().into_bytes())
}

/// A message with the service's folder left out: the page names files
/// as the department knows them (`template.toml:13:14`), never the
/// server's paths.
fn inside(dir: &Path, e: &dyn std::fmt::Display) -> String {
    e.to_string().replace(&format!("{}/", dir.display()), "")
}

/// A problem of `kiosk template check`, where it is and in words.
#[derive(Serialize)]
struct Located {
    /// The file, relative to the service's folder.
    file: String,
    line: Option<usize>,
    column: Option<usize>,
    field: Option<String>,
    zh: String,
    en: String,
}

/// `file:line:col`, `file:line: field` or `file: field` of a problem.
fn locate(dir: &Path, p: &check::Problem) -> Located {
    let at = p.at.strip_prefix(&format!("{}/", dir.display())).unwrap_or(&p.at);
    let (place, field) = match at.split_once(": ") {
        Some((place, field)) => (place, Some(field.to_string())),
        None => (at, None),
    };
    let mut parts = place.split(':');
    let file = parts.next().unwrap_or("").to_string();
    let line = parts.next().and_then(|l| l.parse().ok());
    let column = parts.next().and_then(|c| c.parse().ok());
    let words = i18n::template_problem(&p.message);
    Located {
        file,
        line,
        column,
        field,
        zh: words.zh,
        en: words.en,
    }
}

/// A service as the page shows it: its TOML, its form, its problems and
/// the fields its rule can use.
fn describe(s: &Studio, id: &str, dir: &Path) -> ApiResult<serde_json::Value> {
    let toml = std::fs::read_to_string(dir.join(TEMPLATE_FILE)).map_err(ApiError::internal)?;
    let (form, form_error) = match form::read(&toml) {
        Ok(f) => (Some(f), None),
        Err(e) => (None, Some(e)),
    };
    let now = s.clock.now_utc().unix_timestamp();
    let problems: Vec<Located> = check::check_dir(s.book, dir, now)
        .iter()
        .map(|p| locate(dir, p))
        .collect();
    let fields = Template::load(dir)
        .ok()
        .and_then(|t| data_dir::load(&dir.join(&t.file.sample.data)).ok())
        .map(|d| sample_fields(&d))
        .unwrap_or_default();
    Ok(json!({
        "id": id,
        "revision": revision(&toml),
        "toml": toml,
        "form": form,
        "form_error": form_error,
        "problems": problems,
        "fields": fields,
    }))
}

/// The sample's scalar fields, dotted, with their values: what a rule
/// can compare (`enrollment.status` is `enrolled`).
fn sample_fields(d: &DataSet) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (source, record) in [("person", &d.person), ("enrollment", &d.enrollment)] {
        if let Some(serde_json::Value::Object(m)) = record {
            for (k, v) in m {
                let shown = match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Bool(b) => b.to_string(),
                    _ => continue,
                };
                out.push((format!("{source}.{k}"), shown));
            }
        }
    }
    for (name, record) in &d.sheets {
        if let serde_json::Value::Object(m) = record {
            for (k, v) in m {
                if let Some(s) = v.as_str() {
                    out.push((format!("sheets.{name}['{k}']"), s.to_string()));
                }
            }
        }
    }
    out
}

async fn show(State(s): State<Shared>, UrlPath(id): UrlPath<String>) -> ApiResult<Json<serde_json::Value>> {
    let dir = s.service_dir(&id)?;
    blocking(&s.clone(), move || describe(&s, &id, &dir).map(Json)).await
}

async fn save_toml(
    State(s): State<Shared>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let dir = s.service_dir(&id)?;
    let body =
        body.map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, i18n::studio_too_large(MAX_TOML_BYTES)))?;
    let text = String::from_utf8(body.to_vec()).map_err(|_| ApiError::bad(i18n::studio_not_text()))?;
    let expected = if_match(&headers);
    blocking(&s.clone(), move || {
        s.write(&id, &dir, expected.as_deref(), |_| {
            write_private(&dir.join(TEMPLATE_FILE), text.as_bytes()).map_err(ApiError::internal)?;
            describe(&s, &id, &dir).map(Json)
        })
    })
    .await
}

async fn save_form(
    State(s): State<Shared>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    Json(f): Json<form::Form>,
) -> ApiResult<Json<serde_json::Value>> {
    let dir = s.service_dir(&id)?;
    let expected = if_match(&headers);
    blocking(&s.clone(), move || {
        s.write(&id, &dir, expected.as_deref(), |src| {
            let out = form::apply(src, &f).map_err(|e| ApiError::bad(i18n::studio_form(&e)))?;
            write_private(&dir.join(TEMPLATE_FILE), out.as_bytes()).map_err(ApiError::internal)?;
            describe(&s, &id, &dir).map(Json)
        })
    })
    .await
}

// ---- preview ----

#[derive(Deserialize, Default)]
struct PreviewQuery {
    /// The issue time (RFC 3339; default: now).
    issued_at: Option<String>,
    /// A row of the last spreadsheet uploaded (Excel's row number).
    row: Option<usize>,
    dpi: Option<f32>,
}

/// The document for a preview, or why there is none.
fn render(s: &Studio, dir: &Path, id: &str, q: &PreviewQuery) -> ApiResult<crate::page::Document> {
    let tpl = Template::load(dir).map_err(|e| ApiError::bad(i18n::template_problem(&inside(dir, &e))))?;
    let mut data = data_dir::load(&dir.join(&tpl.file.sample.data))
        .map_err(|e| ApiError::bad(i18n::studio_failed(&inside(dir, &e))))?;
    let now = s.clock.now_utc().unix_timestamp();
    let _ = spreadsheet::bind(&tpl, &mut data, now);
    if let Some(row) = q.row {
        let up = s.sheets.lock().ok().and_then(|m| m.get(id).cloned());
        let Some(up) = up else {
            return Err(ApiError::bad(i18n::studio_no_sheet()));
        };
        let grid = dry_run::Grid {
            file: &up.file,
            sheet: &up.sheet,
            cells: &up.cells,
        };
        data = dry_run::row_data(&tpl, &data, &grid, &up.stands, row)
            .ok_or_else(|| ApiError::bad(i18n::studio_no_row(row)))?;
    }
    let issued_at = q.issued_at.clone().unwrap_or_else(|| s.now());
    match pipeline::render(s.book, &tpl, &data, &issued_at) {
        Ok((doc, _)) => Ok(doc),
        Err(PipelineError::Ineligible { message }) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            i18n::row_refused(&message),
        )),
        Err(PipelineError::Overflow { pages, max }) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            i18n::page_overflow(pages, max),
        )),
        Err(e) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            i18n::template_problem(&inside(dir, &e)),
        )),
    }
}

async fn render_info(
    State(s): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<PreviewQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let dir = s.service_dir(&id)?;
    blocking(&s.clone(), move || {
        let doc = render(&s, &dir, &id, &q)?;
        Ok(Json(json!({ "pages": doc.pages.len() })))
    })
    .await
}

async fn page_png(
    State(s): State<Shared>,
    UrlPath((id, n)): UrlPath<(String, usize)>,
    Query(q): Query<PreviewQuery>,
) -> ApiResult<Response> {
    let dir = s.service_dir(&id)?;
    let dpi = q
        .dpi
        .unwrap_or(crate::export::raster::SCREEN_DPI)
        .clamp(36.0, PREVIEW_DPI_MAX);
    blocking(&s.clone(), move || {
        let doc = render(&s, &dir, &id, &q)?;
        let page = n
            .checked_sub(1)
            .and_then(|i| doc.pages.get(i))
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, i18n::studio_no_page(n, doc.pages.len())))?;
        let png = crate::export::raster::to_png(s.book, page, dpi).map_err(ApiError::internal)?;
        let mut r = ([(header::CONTENT_TYPE, "image/png")], png).into_response();
        if let Ok(v) = HeaderValue::from_str(&doc.pages.len().to_string()) {
            r.headers_mut().insert("x-pages", v);
        }
        Ok(r)
    })
    .await
}

async fn document_pdf(
    State(s): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<PreviewQuery>,
) -> ApiResult<Response> {
    let dir = s.service_dir(&id)?;
    blocking(&s.clone(), move || {
        let doc = render(&s, &dir, &id, &q)?;
        let pdf = crate::export::pdf::to_pdf(s.book, &doc).map_err(ApiError::internal)?;
        let name = format!("attachment; filename=\"{id}.pdf\"");
        Ok((
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("application/pdf")),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_str(&name).map_err(ApiError::internal)?,
                ),
            ],
            pdf,
        )
            .into_response())
    })
    .await
}

// ---- every row ----

/// The most a spreadsheet upload may hold.
const SHEET_LIMIT: usize = spreadsheet::MAX_FILE_BYTES as usize;

/// An uploaded spreadsheet's bytes, or why they were refused (too large).
fn sheet_body(body: Result<Bytes, BytesRejection>) -> ApiResult<Bytes> {
    body.map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, i18n::studio_too_large(SHEET_LIMIT)))
}

#[derive(Deserialize)]
struct SheetQuery {
    /// The uploaded file's name (its extension tells .xlsx from .csv).
    name: String,
    source: Option<String>,
    issued_at: Option<String>,
}

async fn upload_sheet(
    State(s): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<SheetQuery>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let dir = s.service_dir(&id)?;
    let body = sheet_body(body)?;
    // Only the name's extension is used: nothing is written.
    let name = Path::new(&q.name)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("upload")
        .to_string();
    blocking(&s.clone(), move || {
        let tpl = Template::load(&dir).map_err(|e| ApiError::bad(i18n::template_problem(&inside(&dir, &e))))?;
        let stands =
            dry_run::Stands::choose(&tpl, q.source.as_deref()).map_err(|e| ApiError::bad(i18n::studio_failed(&e)))?;
        let mut sample = data_dir::load(&dir.join(&tpl.file.sample.data))
            .map_err(|e| ApiError::bad(i18n::studio_failed(&inside(&dir, &e))))?;
        let _ = spreadsheet::bind(&tpl, &mut sample, s.clock.now_utc().unix_timestamp());
        let worksheet = match &stands {
            dry_run::Stands::Sheet(n) => tpl.file.sources.get(n).and_then(|x| x.sheet.clone()),
            dry_run::Stands::Record(_) => None,
        };
        let (sheet, cells) = spreadsheet::grid_from_bytes(&body, &name, worksheet.as_deref())
            .map_err(|e| ApiError::bad(i18n::studio_sheet(&e.to_string())))?;
        let issued_at = q.issued_at.clone().unwrap_or_else(|| s.now());
        let grid = dry_run::Grid {
            file: &name,
            sheet: &sheet,
            cells: &cells,
        };
        let report = dry_run::dry_run(s.book, &tpl, &sample, grid, &stands, &issued_at, s.threads);
        let located: Vec<String> = report.problems.iter().map(|p| report.locate(p)).collect();
        if let Ok(mut m) = s.sheets.lock() {
            m.insert(
                id.clone(),
                Arc::new(Uploaded {
                    file: name.clone(),
                    sheet,
                    cells,
                    stands,
                }),
            );
        }
        Ok(Json(json!({ "report": report, "located": located, "ok": report.ok() })))
    })
    .await
}

// ---- a department's spreadsheet as the service's data ----

#[derive(Deserialize)]
struct SourceQuery {
    /// The uploaded file's name: the file's name in the service's folder.
    file: String,
    /// The source's name (`dorm`: templates read `sheets.dorm`).
    name: String,
    key_column: String,
    owner: String,
    max_age_days: u32,
}

/// A file name a service may keep: a plain name ending in .xlsx or .csv.
fn sheet_file_name(name: &str) -> Option<String> {
    let plain = Path::new(name).file_name()?.to_str()?;
    let ext = Path::new(plain).extension()?.to_str()?.to_ascii_lowercase();
    let ok = plain == name
        && !plain.starts_with('.')
        && plain.chars().count() <= 100
        && plain.chars().all(|c| !c.is_control() && !matches!(c, '/' | '\\' | ':'))
        && (ext == "xlsx" || ext == "csv");
    ok.then(|| plain.to_string())
}

async fn add_sheet_source(
    State(s): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<SourceQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let dir = s.service_dir(&id)?;
    let expected = if_match(&headers);
    let body = sheet_body(body)?;
    let file = sheet_file_name(&q.file).ok_or_else(|| ApiError::bad(i18n::studio_sheet_name(&q.file)))?;
    if !valid_id(&q.name) {
        return Err(ApiError::bad(i18n::studio_bad_id(&q.name)));
    }
    if q.key_column.trim().is_empty() || q.owner.trim().is_empty() || !(1..=3650).contains(&q.max_age_days) {
        return Err(ApiError::bad(i18n::studio_sheet_declaration()));
    }
    blocking(&s.clone(), move || {
        // A spreadsheet, with its key column, before anything is written.
        let (_, cells) = spreadsheet::grid_from_bytes(&body, &file, None)
            .map_err(|e| ApiError::bad(i18n::studio_sheet(&e.to_string())))?;
        let has_key = cells.first().is_some_and(|h| {
            h.iter()
                .any(|c| matches!(c, crate::sheets::Cell::Text(t) if t.trim() == q.key_column.trim()))
        });
        if !has_key {
            return Err(ApiError::bad(i18n::sheet_no_column(q.key_column.trim(), None)));
        }
        s.write(&id, &dir, expected.as_deref(), |src| {
            let path = dir.join(TEMPLATE_FILE);
            let mut f = form::read(src).map_err(|e| ApiError::bad(i18n::studio_form(&e)))?;
            f.sheet = Some(form::SheetForm {
                name: q.name.clone(),
                file: file.clone(),
                key_column: q.key_column.trim().to_string(),
                owner: q.owner.trim().to_string(),
                max_age_days: q.max_age_days,
            });
            let declared = format!("spreadsheet:{}", q.name);
            if !f.data.contains(&declared) {
                f.data.push(declared);
            }
            let out = form::apply(src, &f).map_err(|e| ApiError::bad(i18n::studio_form(&e)))?;
            write_private(&dir.join(&file), &body).map_err(ApiError::internal)?;
            write_private(&path, out.as_bytes()).map_err(ApiError::internal)?;
            describe(&s, &id, &dir).map(Json)
        })
    })
    .await
}

// ---- hand in ----

#[derive(Deserialize)]
struct HandInForm {
    department: String,
    author: String,
}

async fn make_bundle(
    State(s): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Json(h): Json<HandInForm>,
) -> ApiResult<Response> {
    let dir = s.service_dir(&id)?;
    if h.department.trim().is_empty() || h.author.trim().is_empty() {
        return Err(ApiError::bad(i18n::studio_hand_in_who()));
    }
    blocking(&s.clone(), move || {
        let who = bundle::HandIn {
            department: h.department.trim().to_string(),
            author: h.author.trim().to_string(),
        };
        let (manifest, bytes) =
            bundle::pack(&dir, &who, &s.now()).map_err(|e| ApiError::bad(i18n::template_problem(&inside(&dir, &e))))?;
        let name = format!("attachment; filename=\"{}\"", bundle::file_name(&manifest));
        let mut r = (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("application/zip")),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_str(&name).map_err(ApiError::internal)?,
                ),
            ],
            bytes,
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&manifest.content.hash) {
            r.headers_mut().insert("x-content-hash", v);
        }
        Ok(r)
    })
    .await
}

/// Serves the studio on `listener` until `stop` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    studio: Studio,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) {
    crate::adapters::http_server::serve(
        listener,
        router(Arc::new(studio)),
        crate::adapters::http_server::Limits::STUDIO,
        stop,
    )
    .await;
}
