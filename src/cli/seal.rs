use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use campus_kiosk::adapters::keys;
use campus_kiosk::seal;

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

/// The QR codes in a picture.
fn decode(img: &image::DynamicImage) -> Vec<String> {
    // Photos and 300 dpi scans differ in scale: try the picture as it is,
    // then smaller (the decoder finds finder patterns best at a few
    // pixels per module).
    let grey = img.to_luma8();
    for shrink in [1u32, 2, 3, 4] {
        let scaled = if shrink == 1 {
            grey.clone()
        } else {
            image::imageops::resize(
                &grey,
                grey.width() / shrink,
                grey.height() / shrink,
                image::imageops::FilterType::Triangle,
            )
        };
        let codes: Vec<String> = rqrr::PreparedImage::prepare(scaled)
            .detect_grids()
            .into_iter()
            .filter_map(|g| g.decode().ok().map(|(_, text)| text))
            .collect();
        if !codes.is_empty() {
            return codes;
        }
    }
    Vec::new()
}

/// The pages of a PDF as a scanner would see them (300 dpi, grey), by
/// poppler's pdftoppm.
fn pages_of(pdf: &Path) -> anyhow::Result<Vec<image::DynamicImage>> {
    let tmp = std::env::temp_dir().join(format!("kiosk-verify-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let out = std::process::Command::new("pdftoppm")
        .args(["-r", "300", "-gray", "-png"])
        .arg(pdf)
        .arg(tmp.join("page"))
        .output()
        .context("cannot run pdftoppm (from poppler-utils) to read the PDF's pages")?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&tmp)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let pages: Vec<_> = files.iter().filter_map(|f| image::open(f).ok()).collect();
    let _ = std::fs::remove_dir_all(&tmp);
    if !out.status.success() {
        bail!(
            "{}: pdftoppm could not render it: {}",
            pdf.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(pages)
}

/// The codes in the input: its text, or the QR codes of a PDF's pages or
/// of a picture.
/// Whether `input` is the short code printed under a QR code:
/// `XXXX-XXXX` in Crockford's base 32.
fn is_short_code(input: &str) -> bool {
    let b = input.trim().as_bytes();
    b.len() == 9
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || (c.is_ascii_alphanumeric() && !b"ILOUilou".contains(c)))
}

fn codes_in(input: &str) -> anyhow::Result<Vec<String>> {
    let path = PathBuf::from(input);
    if !path.is_file() && is_short_code(input) {
        bail!(
            "{}: this is the short code under the QR code; it names the document but proves nothing by itself. \
             Looking it up needs the platform, whose interface has no lookup yet (docs/verification.md, \"Short codes\"). \
             Verify the QR code instead: scan it with a phone, or give a photo, scan or PDF of the document",
            input.trim()
        );
    }
    if !path.is_file() {
        return Ok(vec![input.to_string()]);
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let codes: Vec<String> = if ext == "pdf" {
        pages_of(&path)?.iter().flat_map(decode).collect()
    } else {
        let img =
            image::open(&path).with_context(|| format!("{}: not a PDF or a picture (PNG, JPEG)", path.display()))?;
        decode(&img)
    };
    if codes.is_empty() {
        bail!(
            "{}: no QR code could be read; photograph the code straight on, filling a third of the picture",
            path.display()
        );
    }
    Ok(codes)
}

/// `kiosk verify`: exit 0 only when the code is a valid seal.
pub fn verify(input: &str, keyring: &Path) -> anyhow::Result<bool> {
    let trusted = keys::load_keyring(keyring)?;
    let codes = codes_in(input)?;
    let mut o = std::io::stdout().lock();
    // A page may carry other codes: the first that reads as a seal counts.
    let mut last = None;
    let issued = |p: &seal::Payload| {
        time::OffsetDateTime::from_unix_timestamp(i64::try_from(p.issued).unwrap_or(i64::MAX))
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_else(|| p.issued.to_string())
    };
    for code in &codes {
        match seal::check(code, &trusted) {
            Ok((parsed, key)) => {
                let p = &parsed.payload;
                let _ = writeln!(o, "VALID: a genuine, unaltered document");
                let _ = writeln!(o, "document: {}", p.document_id);
                let _ = writeln!(o, "service: {}", p.service);
                let _ = writeln!(
                    o,
                    "terminal: {} (key {})",
                    key.terminal,
                    seal::hex(&seal::key_id(&key.public))
                );
                let _ = writeln!(o, "issued: {}", issued(p));
                for (k, v) in &p.fields {
                    let _ = writeln!(o, "{k}: {v}");
                }
                let _ = writeln!(o, "Compare these with the paper: they must match it exactly.");
                return Ok(true);
            }
            Err(r) => match *r {
                seal::Rejected {
                    claimed: Some(parsed),
                    why,
                } => {
                    let p = &parsed.payload;
                    let _ = writeln!(o, "INVALID: {why}");
                    let _ = writeln!(
                        o,
                        "claims: document {} from terminal {}, issued {}",
                        p.document_id,
                        p.terminal,
                        issued(p)
                    );
                    return Ok(false);
                }
                seal::Rejected { claimed: None, why } => last = Some(why),
            },
        }
    }
    let _ = writeln!(
        o,
        "INVALID: {}",
        last.map_or("no verification code".to_string(), |e| e.to_string())
    );
    Ok(false)
}

const PAGE: &str = include_str!("../../assets/verify-page/index.html");
const PAGE_JS: &str = include_str!("../../assets/verify-page/verify.js");

/// The verification web page for `keyring`: one self-contained HTML file
/// that checks the code in its address (after `#`) on the recipient's
/// phone, with the trusted keys inside it.
/// `services` names each service id in (zh, en).
pub fn page_html(
    trusted: &[seal::TrustedKey],
    services: &std::collections::BTreeMap<String, (String, String)>,
    made: &str,
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
    let ring = serde_json::json!({ "made": made, "keys": keys, "services": services })
        .to_string()
        .replace('<', "\\u003c");
    PAGE.replace("\"__KEYRING__\"", &ring).replace("/*VERIFY_JS*/", PAGE_JS)
}

/// `kiosk verify-page`: writes `out/index.html`; with `templates`, the
/// page names the services of the templates there.
pub fn page(keyring: &Path, templates: Option<&Path>, out: &Path) -> anyhow::Result<()> {
    let trusted = keys::load_keyring(keyring)?;
    let mut services = std::collections::BTreeMap::new();
    if let Some(dir) = templates {
        let all = campus_kiosk::ui::setup::templates(dir, &[])?;
        for t in all {
            let name = &t.file.service.name;
            services.insert(t.id().to_string(), (name.zh.clone(), name.en.clone()));
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot make the folder", out.display()))?;
    let made = time::OffsetDateTime::now_utc().date().to_string();
    let file = out.join("index.html");
    std::fs::write(&file, page_html(&trusted, &services, &made))
        .with_context(|| format!("{}: cannot write", file.display()))?;
    println!(
        "{}: the verification page, with {} trusted keys; publish it at the terminals' [seal] verify_url",
        file.display(),
        trusted.len()
    );
    Ok(())
}
