use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use campus_kiosk::adapters::files::keys;
use campus_kiosk::recipient::{self, Standing};
use campus_kiosk::seal;
use campus_kiosk::text::printable;

/// `kiosk keygen`: a new signing key for a terminal.
pub fn keygen(terminal: &str, out: &Path, days: u32) -> anyhow::Result<()> {
    if terminal.is_empty()
        || !terminal
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        bail!("--terminal-id {terminal:?}: use the terminal's id from [terminal] id (letters, digits, '-', '_')");
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let (_, secret, entry) = keys::generate(terminal, time::OffsetDateTime::now_utc(), days)
        .map_err(|e| anyhow::anyhow!("the system gave no randomness for a key: {e}"))?;
    let key_path = out.join(format!("{terminal}.key"));
    keys::write_secret(&key_path, &secret)
        .with_context(|| "keys are never overwritten: move the old key away first (and revoke it in the keyring)")?;
    let entry_path = out.join(format!("{terminal}.keyring.toml"));
    let entry_text = keys::entry_toml(&entry);
    std::fs::write(&entry_path, &entry_text).with_context(|| format!("cannot write {}", entry_path.display()))?;
    let mut o = std::io::stdout().lock();
    let _ = writeln!(
        o,
        "signing key: {} (mode 0600; set [seal] key_file to it)",
        key_path.display()
    );
    let _ = writeln!(
        o,
        "keyring entry: {} (add it to the keyring the verification service trusts):",
        entry_path.display()
    );
    let _ = write!(o, "\n{entry_text}");
    Ok(())
}

/// Most pixels of a picture `kiosk verify` decodes (a 12-megapixel phone
/// photo has 12 million; an A4 scan at 300 dpi, 8.7 million).
pub const MAX_PIXELS: u64 = 40_000_000;
/// Pages of a PDF read: a kiosk document's code is on its first pages.
pub const MAX_PAGES: u32 = 4;
/// The longest `kiosk verify` spends on a PDF or a picture.
pub const VERIFY_BUDGET: Duration = Duration::from_secs(60);
/// A PDF page is rendered with its longer side this many pixels (A4 at
/// 300 dpi), whatever size the page claims to be.
const PAGE_PIXELS: u32 = 3508;

/// The QR codes in a picture, trying until `deadline`.
fn decode(img: &image::DynamicImage, shrinks: &[u32], deadline: Instant) -> Vec<String> {
    // Photos and 300 dpi scans differ in scale: try the picture as it is,
    // then smaller (the decoder finds finder patterns best at a few
    // pixels per module).
    let grey = img.to_luma8();
    for &shrink in shrinks {
        if Instant::now() > deadline {
            break;
        }
        let scaled = if shrink == 1 {
            grey.clone()
        } else {
            image::imageops::resize(
                &grey,
                (grey.width() / shrink).max(1),
                (grey.height() / shrink).max(1),
                image::imageops::FilterType::Triangle,
            )
        };
        // The decoder's own local threshold first; then one threshold for
        // the whole picture, which reads clean scans whose grey module
        // edges the local threshold splits (one page in eight at 300 dpi).
        let codes = grids(scaled.clone());
        if !codes.is_empty() {
            return codes;
        }
        if Instant::now() > deadline {
            break;
        }
        let codes = grids(binarized(scaled));
        if !codes.is_empty() {
            return codes;
        }
    }
    Vec::new()
}

/// The texts of the QR codes rqrr finds and decodes in `img`.
fn grids(img: image::GrayImage) -> Vec<String> {
    rqrr::PreparedImage::prepare(img)
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

/// `img` in black and white at Otsu's threshold: the grey level that best
/// separates the picture's dark and light pixels.
fn binarized(mut img: image::GrayImage) -> image::GrayImage {
    let level = otsu_level(&img);
    for p in img.pixels_mut() {
        p.0[0] = if p.0[0] <= level { 0 } else { 255 };
    }
    img
}

/// Otsu's threshold of a grey picture: the level that maximises the
/// variance between the pixels at or below it and those above it.
fn otsu_level(img: &image::GrayImage) -> u8 {
    let mut histogram = [0u64; 256];
    for p in img.pixels() {
        histogram[usize::from(p.0[0])] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let sum_all: f64 = histogram
        .iter()
        .enumerate()
        .map(|(level, &n)| level as f64 * n as f64)
        .sum();
    let (mut below, mut sum_below) = (0u64, 0f64);
    let (mut best, mut best_level) = (-1f64, 127u8);
    for (level, &n) in histogram.iter().enumerate() {
        below += n;
        sum_below += level as f64 * n as f64;
        let above = total - below;
        if below == 0 || above == 0 {
            continue;
        }
        let mean_below = sum_below / below as f64;
        let mean_above = (sum_all - sum_below) / above as f64;
        let between = below as f64 * above as f64 * (mean_below - mean_above).powi(2);
        if between > best {
            best = between;
            best_level = level as u8;
        }
    }
    best_level
}

/// A picture file, refused before decoding if it has more than
/// [`MAX_PIXELS`].
fn picture(path: &Path) -> anyhow::Result<image::DynamicImage> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    campus_kiosk::picture::decode(&bytes, None, MAX_PIXELS).map_err(|e| match e {
        campus_kiosk::picture::PictureError::TooLarge { .. } => anyhow::anyhow!(
            "{}: {e} here; photograph the code closer, or scan at 300 dpi",
            path.display()
        ),
        campus_kiosk::picture::PictureError::Unreadable(m) => {
            anyhow::anyhow!("{}: not a PDF or a picture (PNG, JPEG): {m}", path.display())
        }
    })
}

/// Runs `cmd` until `deadline`, then kills it.
/// Its messages go to `log`: a pipe that nobody reads while waiting would
/// stall a program that writes many.
fn run_until(
    mut cmd: std::process::Command,
    log: &Path,
    deadline: Instant,
) -> anyhow::Result<(std::process::ExitStatus, String)> {
    let err = std::fs::File::create(log).with_context(|| format!("cannot write {}", log.display()))?;
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(err)
        .spawn()
        .context("cannot run pdftoppm (from poppler-utils) to read the PDF's pages")?;
    loop {
        if let Some(status) = child.try_wait()? {
            let said = std::fs::read(log).unwrap_or_default();
            return Ok((
                status,
                String::from_utf8_lossy(&said[..said.len().min(4096)]).into_owned(),
            ));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("reading the PDF took longer than {VERIFY_BUDGET:?}; it was stopped");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The codes on a PDF's first pages, rendered by poppler's pdftoppm as a
/// scanner would see them (grey, A4 at 300 dpi) into a private temporary
/// folder, one page at a time, stopping at the first page with a code.
fn codes_of_pdf(pdf: &Path, deadline: Instant) -> anyhow::Result<Vec<String>> {
    // Made exclusively, mode 0700, removed on return: nothing another
    // user put there can be read as this document's pages.
    let tmp = tempfile::Builder::new()
        .prefix("kiosk-verify-")
        .tempdir()
        .context("cannot make a private temporary folder")?;
    for page in 1..=MAX_PAGES {
        let prefix = tmp.path().join(format!("p{page}"));
        let mut cmd = std::process::Command::new("pdftoppm");
        cmd.args(["-gray", "-png", "-singlefile", "-scale-to"])
            .arg(PAGE_PIXELS.to_string())
            .args(["-f", &page.to_string(), "-l", &page.to_string()])
            .arg(pdf)
            .arg(&prefix);
        let (status, said) = run_until(cmd, &tmp.path().join("pdftoppm.log"), deadline)?;
        let file = prefix.with_extension("png");
        if !status.success() || !file.is_file() {
            if page > 1 {
                // Past the last page.
                return Ok(Vec::new());
            }
            bail!(
                "{}: pdftoppm could not render it: {}",
                pdf.display(),
                printable(said.trim())
            );
        }
        let img = picture(&file)?;
        let _ = std::fs::remove_file(&file);
        // A page at 300 dpi: a few scales suffice.
        let codes = decode(&img, &[1, 2, 3, 4], deadline);
        if !codes.is_empty() {
            return Ok(codes);
        }
        if Instant::now() > deadline {
            bail!("{}: no QR code found within {VERIFY_BUDGET:?}", pdf.display());
        }
    }
    eprintln!(
        "{}: only the first {MAX_PAGES} pages were read (a kiosk document's code is on its first pages)",
        pdf.display()
    );
    Ok(Vec::new())
}

/// Whether `input` is meant as a code to look a document up by: the code
/// printed under a QR code (`XXXX-XXXX-XXXX-XXXX`, the document id), or the
/// 8-character short code of older papers (refused, saying why), by its
/// length (a seal's text is far longer). `Err` names the character that
/// cannot be in one.
fn lookup_code_in(input: &str) -> Option<Result<String, String>> {
    let t = input.trim();
    let n = t.chars().count();
    let meant = matches!(n, 8 | 9 | 16..=19) && !t.contains('#') && !t.contains('/');
    meant.then(|| campus_kiosk::platform::lookup_code(t))
}

/// The codes in the input: its text, or the QR codes of a PDF's pages or
/// of a picture.
fn codes_in(input: &str) -> anyhow::Result<Vec<String>> {
    let path = PathBuf::from(input);
    if !path.is_file() {
        return Ok(vec![input.to_string()]);
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let deadline = Instant::now() + VERIFY_BUDGET;
    let codes: Vec<String> = if ext == "pdf" {
        codes_of_pdf(&path, deadline)?
    } else {
        // A photo or scan at any scale.
        decode(&picture(&path)?, &[1, 2, 3, 4, 5, 6], deadline)
    };
    if codes.is_empty() {
        bail!(
            "{}: no QR code could be read; photograph the code straight on, filling a third of the picture",
            path.display()
        );
    }
    Ok(codes)
}

/// The longest `kiosk verify --online` waits for the platform.
pub const LOOKUP_BUDGET: Duration = Duration::from_secs(10);

/// The platform's public lookup of `code`, within [`LOOKUP_BUDGET`].
fn look_up(
    url: &str,
    code: &str,
) -> Result<Vec<campus_kiosk::platform::DocumentStatus>, campus_kiosk::platform::PlatformError> {
    let client = campus_kiosk::adapters::platform::http::PlatformClient::public(url, LOOKUP_BUDGET)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            campus_kiosk::platform::PlatformError::new(campus_kiosk::platform::ErrorKind::Unavailable, e.to_string())
        })?;
    rt.block_on(client.document_status(code))
}

/// What `kiosk verify` says of a genuine seal, with labels in the paper's
/// language first.
fn describe(say: &mut dyn FnMut(String), parsed: &seal::Seal, key: &seal::TrustedKey, services: &Services) {
    let p = &parsed.payload;
    say(format!("document: {}", p.document_id));
    match services.get(&p.service) {
        Some((zh, en, _)) => say(format!("service: {zh} {en} ({})", p.service)),
        None => say(format!("service: {}", p.service)),
    }
    say(format!(
        "terminal: {} (key {})",
        key.terminal,
        seal::hex(&seal::key_id(&key.public))
    ));
    say(format!("issued: {}", issued(p)));
    let en = services.get(&p.service).is_some_and(|s| s.2 == "en");
    for (k, v) in &p.fields {
        match campus_kiosk::i18n::field_label(k) {
            Some((zh, label)) if en => say(format!("{label} {zh}: {v}")),
            Some((zh, label)) => say(format!("{zh} {label}: {v}")),
            None => say(format!("{k}: {v}")),
        }
    }
}

fn issued(p: &seal::Payload) -> String {
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(p.issued).unwrap_or(i64::MAX))
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| p.issued.to_string())
}

/// The verdict line of a genuine seal with its standing, and the status
/// line after it.
fn verdict_lines(standing: &Standing) -> (String, String) {
    let or_none = |s: &Option<String>| s.clone().unwrap_or_else(|| "no reason given".to_string());
    let when = |at: &Option<String>| at.as_deref().map(|t| format!(" on {t}")).unwrap_or_default();
    match standing {
        Standing::NotChecked => (
            "VALID: a genuine, unaltered document".into(),
            "status: not checked (offline); give --online <platform URL> to ask whether it was since revoked or superseded".into(),
        ),
        Standing::Unknown { why } => (
            "VALID: a genuine, unaltered document".into(),
            format!("status: UNKNOWN: {why}; whether it was since revoked or superseded could not be checked"),
        ),
        Standing::Valid { .. } => (
            "VALID: a genuine, unaltered document".into(),
            "status: valid (the platform holds this seal and has not withdrawn it)".into(),
        ),
        Standing::Revoked { at, reason, reason_en } => (
            "REVOKED: genuine and unaltered, but withdrawn by the issuing office: do not accept it".into(),
            format!(
                "status: revoked{}: {}{}",
                when(at),
                or_none(reason),
                reason_en.as_deref().map(|e| format!(" / {e}")).unwrap_or_default()
            ),
        ),
        Standing::Superseded {
            at,
            by,
            reason,
            reason_en,
        } => (
            "SUPERSEDED: genuine and unaltered, but the data it certified has changed: ask for the newer document".into(),
            format!(
                "status: superseded{}{}: {}{}",
                when(at),
                by.as_deref().map(|b| format!(" by document {b}")).unwrap_or_default(),
                or_none(reason),
                reason_en.as_deref().map(|e| format!(" / {e}")).unwrap_or_default()
            ),
        ),
    }
}

/// `kiosk verify`: exit 0 only when the code is a valid seal that was not
/// revoked or superseded. With `templates`, services are named and fields
/// labelled in the paper's language first; with `online`, the platform is
/// asked for the document's status, and a short code is looked up there.
pub fn verify(input: &str, keyring: &Path, templates: Option<&Path>, online: Option<&str>) -> anyhow::Result<bool> {
    let trusted = keys::load_keyring(keyring)?;
    let services = match templates {
        Some(dir) => services_of(dir)?,
        None => Services::new(),
    };
    let short = match lookup_code_in(input).filter(|_| !Path::new(input).is_file()) {
        Some(Err(why)) => bail!("{}: {why}", printable(input.trim())),
        Some(Ok(_)) => true,
        None => false,
    };
    if short && online.is_none() {
        bail!(
            "{}: this is the short code under the QR code; it names the document but proves nothing by itself. \
             Give --online <platform URL> to fetch its seal from the platform, or verify the QR code: \
             scan it with a phone, or give a photo, scan or PDF of the document",
            input.trim()
        );
    }
    let mut o = std::io::stdout().lock();
    // Everything shown comes from the code or the platform, which anyone
    // can write: control characters are shown escaped, never obeyed.
    let mut say = |line: String| {
        let _ = writeln!(o, "{}", printable(&line));
    };
    if let (true, Some(url)) = (short, online) {
        let answer = match look_up(url, input) {
            Ok(a) => a,
            Err(e) if e.kind == campus_kiosk::platform::ErrorKind::NotFound => {
                say(format!("NOT FOUND: the platform knows no document {}", input.trim()));
                say("Check the code on the paper, or verify its QR code.".into());
                return Ok(false);
            }
            Err(e) => bail!(
                "{}: the platform could not be asked ({e}); verify the QR code instead, which needs no network",
                input.trim()
            ),
        };
        if answer.is_empty() {
            say(format!(
                "NOT FOUND: the platform listed no document for {}",
                input.trim()
            ));
            say("Nothing was verified. Check the code on the paper, or verify its QR code.".into());
            return Ok(false);
        }
        // Exit 0 only when a seal verified and nothing the platform lists
        // under the code is withdrawn or forged. A document listed twice is
        // shown once, with the standing of all its entries together.
        let mut all_good = true;
        let mut verified = false;
        let mut shown = std::collections::HashSet::new();
        for entry in &answer {
            match recipient::looked_up(entry, &trusted) {
                Ok(((parsed, key), _)) => {
                    if !shown.insert(parsed.payload_bytes.clone()) {
                        continue;
                    }
                    let standing = recipient::standing(&parsed, &answer);
                    let (head, status) = verdict_lines(&standing);
                    say(head);
                    say(status);
                    describe(&mut say, &parsed, key, &services);
                    all_good &= !standing.is_withdrawn();
                    verified = true;
                }
                Err(r) => {
                    // The platform vouches for nothing: its seal is checked.
                    say(format!(
                        "INVALID: the seal the platform holds for document {} fails: {}",
                        entry.document_id, r.why
                    ));
                    all_good = false;
                }
            }
        }
        say("Compare these with the paper: they must match it exactly.".into());
        return Ok(all_good && verified);
    }
    let codes = codes_in(input)?;
    // A page may carry other codes: the first that reads as a seal counts.
    let mut last = None;
    for code in &codes {
        match seal::check(code, &trusted) {
            Ok((parsed, key)) => {
                let standing = match online {
                    None => Standing::NotChecked,
                    Some(url) => match look_up(url, &parsed.payload.document_id) {
                        Ok(answer) => recipient::standing(&parsed, &answer),
                        Err(e) => recipient::unknown(&e),
                    },
                };
                let (head, status) = verdict_lines(&standing);
                say(head);
                describe(&mut say, &parsed, key, &services);
                say(status);
                say("Compare these with the paper: they must match it exactly.".into());
                return Ok(!standing.is_withdrawn());
            }
            Err(r) => match *r {
                seal::Rejected {
                    claimed: Some(parsed),
                    why,
                } => {
                    let p = &parsed.payload;
                    say(format!("INVALID: {why}"));
                    say(format!(
                        "claims: document {} from terminal {}, issued {}",
                        p.document_id,
                        p.terminal,
                        issued(p)
                    ));
                    return Ok(false);
                }
                seal::Rejected { claimed: None, why } => last = Some(why),
            },
        }
    }
    say(format!(
        "INVALID: {}",
        last.map_or("no verification code".to_string(), |e| e.to_string())
    ));
    Ok(false)
}

const PAGE: &str = include_str!("../../assets/verify-page/index.html");
const PAGE_JS: &str = include_str!("../../assets/verify-page/verify.js");

/// The verification web page for `keyring`: one self-contained HTML file
/// that checks the code in its address (after `#`) on the recipient's
/// phone, with the trusted keys inside it.
/// `services` names each service id in (zh, en, the document's language).
/// With `status_url` (the platform's base URL), the page also asks the
/// platform's public lookup for the document's status, and its policy
/// lets it connect there and nowhere else.
pub fn page_html(
    trusted: &[seal::TrustedKey],
    services: &Services,
    made: &str,
    status_url: Option<&StatusUrl>,
) -> String {
    let keys: Vec<serde_json::Value> = trusted
        .iter()
        .map(|k| {
            serde_json::json!({
                "terminal": k.terminal,
                "public": seal::hex(k.public.as_bytes()),
                "not_before": k.not_before,
                "not_after": k.not_after,
                "revoked": k.revoked,
            })
        })
        .collect();
    // Inside a <script> element: no "<" may close it early.
    let labels: serde_json::Map<String, serde_json::Value> = campus_kiosk::i18n::FIELD_LABELS
        .iter()
        .map(|&(k, zh, en)| (k.to_string(), serde_json::json!([zh, en])))
        .collect();
    let ring = serde_json::json!({
        "made": made,
        "keys": keys,
        "services": services,
        "labels": labels,
        "status_url": status_url.map(|u| u.base.as_str()),
    })
    .to_string()
    .replace('<', "\\u003c");
    let page = match status_url {
        Some(u) => PAGE.replace(
            "default-src 'none';",
            &format!("default-src 'none'; connect-src {};", u.origin),
        ),
        None => PAGE.to_string(),
    };
    page.replace("\"__KEYRING__\"", &ring).replace("/*VERIFY_JS*/", PAGE_JS)
}

/// The platform's base URL a verification page asks, and its origin (what
/// the page's policy lets it connect to).
#[derive(Debug, Clone)]
pub struct StatusUrl {
    base: String,
    origin: String,
}

impl StatusUrl {
    /// `--status-url`: an http(s) URL without a query or fragment.
    pub fn parse(text: &str) -> anyhow::Result<StatusUrl> {
        let bad = |why: &str| {
            anyhow::anyhow!(
                "--status-url {}: {why}; give the platform's base URL, e.g. https://data.example.edu.cn/api/v1",
                printable(text)
            )
        };
        let url = reqwest::Url::parse(text.trim()).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(bad("not an http(s) address"));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(bad("an address with a query, fragment or user name"));
        }
        let Some(host) = url.host_str() else {
            return Err(bad("no host"));
        };
        let origin = match url.port() {
            Some(p) => format!("{}://{host}:{p}", url.scheme()),
            None => format!("{}://{host}", url.scheme()),
        };
        Ok(StatusUrl {
            base: url.as_str().trim_end_matches('/').to_string(),
            origin,
        })
    }
}

/// Each service id's name in Chinese and English, and its paper's language.
type Services = std::collections::BTreeMap<String, (String, String, &'static str)>;

/// The services of the templates in `dir`.
fn services_of(dir: &Path) -> anyhow::Result<Services> {
    if !dir.is_dir() {
        bail!(
            "--templates {}: no such folder; give the folder of the terminals' templates (e.g. print-templates), or leave --templates out",
            dir.display()
        );
    }
    Ok(campus_kiosk::ui::setup::templates(dir, &[])?
        .into_iter()
        .map(|t| {
            let name = &t.file.service.name;
            (
                t.id().to_string(),
                (name.zh.clone(), name.en.clone(), t.file.seal.lang.code()),
            )
        })
        .collect())
}

/// `kiosk verify-page`: writes `out/index.html`; with `templates`, the
/// page names the services of the templates there.
pub fn page(keyring: &Path, templates: Option<&Path>, out: &Path, status_url: Option<&str>) -> anyhow::Result<()> {
    let status_url = status_url.map(StatusUrl::parse).transpose()?;
    let trusted = keys::load_keyring(keyring)?;
    let services = match templates {
        Some(dir) => services_of(dir)?,
        None => Services::new(),
    };
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot make the folder", out.display()))?;
    let made = time::OffsetDateTime::now_utc().date().to_string();
    let file = out.join("index.html");
    std::fs::write(&file, page_html(&trusted, &services, &made, status_url.as_ref()))
        .with_context(|| format!("{}: cannot write", file.display()))?;
    println!(
        "{}: the verification page, with {} trusted keys{}; publish it at the terminals' [seal] verify_url",
        file.display(),
        trusted.len(),
        status_url
            .as_ref()
            .map(|u| format!(", asking {} for documents' status", u.base))
            .unwrap_or_default()
    );
    Ok(())
}
