//! A terminal's configuration: `kiosk-config/<name>/terminal.toml`.
//! See docs/configuration.md.
//!
//! Parsing is pure (`Config::parse`); `Config::load` reads the file, and
//! `PlatformConfig::read_token` the token file, at start-up.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The file a configuration folder holds.
pub const CONFIG_FILE: &str = "terminal.toml";

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {field}: {message}")]
    Invalid {
        path: PathBuf,
        field: &'static str,
        message: String,
    },
}

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub terminal: TerminalConfig,
    pub platform: PlatformConfig,
    /// The campus-card reader; none: QR login only.
    pub reader: Option<ReaderConfig>,
    pub printer: PrinterConfig,
    #[serde(default)]
    pub session: SessionConfig,
    /// The print services offered (`[services]`).
    #[serde(default)]
    pub services: ServicesConfig,
    /// The hidden technician screen (`[technician]`); none: no screen.
    pub technician: Option<TechnicianConfig>,
    /// Sealing documents (`[seal]`): required to run the kiosk.
    pub seal: Option<SealConfig>,
    /// The journal of print attempts (`[journal]`).
    #[serde(default)]
    pub journal: JournalConfig,
    /// When terms start (`[terms]`), for templates' per-term quotas.
    #[serde(default)]
    pub terms: TermsConfig,
    /// Speech guidance (`[speech]`): on by default where the engine is
    /// installed.
    #[serde(default)]
    pub speech: SpeechConfig,
    /// The centre's view (`[metrics]`): Prometheus metrics and a health
    /// check over HTTP; none: not served.
    pub metrics: Option<MetricsConfig>,
    /// The folder the file is in; relative paths in the file are taken
    /// from here.
    #[serde(skip)]
    pub dir: PathBuf,
}

/// `[metrics]`: where `/metrics` and `/health` are served.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// e.g. `127.0.0.1:9464` (this machine only) or the terminal's campus
    /// address for the centre's Prometheus.
    listen: String,
}

impl MetricsConfig {
    /// The address to listen on (checked when the file is loaded).
    pub fn listen(&self) -> Option<std::net::SocketAddr> {
        self.listen.parse().ok()
    }
}

/// The terminal itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalConfig {
    /// Sent as `X-Terminal-Id`, printed in documents' records.
    pub id: String,
    /// Shown on the screen, e.g. "图书馆一楼 Library, ground floor".
    pub name: String,
    /// The terminal's time zone as an offset from UTC: issue dates on
    /// documents and days in the journal are local to it.
    #[serde(default = "default_utc_offset")]
    pub utc_offset: String,
}

fn default_utc_offset() -> String {
    "+08:00".into()
}

impl TerminalConfig {
    /// `utc_offset`, parsed (checked when the configuration loads).
    pub fn offset(&self) -> time::UtcOffset {
        parse_offset(&self.utc_offset).unwrap_or(time::UtcOffset::UTC)
    }
}

/// An offset the world uses: -12:00 to +14:00 (time's parser takes up to
/// ±25:59).
fn parse_offset(s: &str) -> Option<time::UtcOffset> {
    time::UtcOffset::parse(
        s,
        time::macros::format_description!("[offset_hour sign:mandatory]:[offset_minute]"),
    )
    .ok()
    .filter(|o| (-12 * 3600..=14 * 3600).contains(&o.whole_seconds()))
}

/// How to reach the data platform.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformConfig {
    /// e.g. `https://data.example.edu.cn/api/v1`.
    pub base_url: String,
    /// File holding the terminal's bearer token (relative to the config).
    pub token_file: PathBuf,
    /// Extra CA certificate (PEM) for a campus CA.
    pub ca_file: Option<PathBuf>,
    #[serde(default = "default_connect_ms")]
    pub connect_timeout_ms: u64,
    /// Deadline of one call, retries included.
    #[serde(default = "default_call_ms")]
    pub call_timeout_ms: u64,
    /// Largest response body accepted.
    #[serde(default = "default_max_bytes")]
    pub max_response_bytes: usize,
    /// Longest a sign-in waits for the platform's campus-wide print counts
    /// (contract 1.1) before quotas are counted on this terminal alone.
    #[serde(default = "default_counts_ms")]
    pub counts_timeout_ms: u64,
}

/// The printer (`[printer]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterConfig {
    pub kind: PrinterKind,
    /// `ipp`: the queue, e.g. `ipp://127.0.0.1:631/printers/Front`.
    pub uri: Option<String>,
    /// `directory`: the folder jobs are written into.
    pub dir: Option<PathBuf>,
    /// One request to the printer may take this long.
    #[serde(default = "default_printer_timeout_ms")]
    pub timeout_ms: u64,
    /// Whether two-sided is preselected where a service allows it.
    #[serde(default)]
    pub duplex_default: bool,
    /// A job not finished after this long is cancelled and reported failed.
    #[serde(default = "default_stuck_s")]
    pub job_stuck_s: u64,
}

impl PrinterConfig {
    /// How a job is followed: from `job_stuck_s`, looking twice a second.
    pub fn follow(&self) -> crate::printing::Follow {
        crate::printing::Follow {
            poll: std::time::Duration::from_millis(500),
            stuck_after: std::time::Duration::from_secs(self.job_stuck_s),
        }
    }
}

/// Which printer backend.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PrinterKind {
    Ipp,
    Directory,
}

fn default_printer_timeout_ms() -> u64 {
    5_000
}

fn default_stuck_s() -> u64 {
    300
}

/// The campus-card reader (`[reader]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReaderConfig {
    /// Serial port, e.g. `/dev/ttyUSB0` (not used by `keyboard` readers).
    #[serde(default)]
    pub port: PathBuf,
    #[serde(default = "default_baud")]
    pub baud: u32,
    pub protocol: ReaderProtocol,
    /// `line` and `keyboard`: how the UID is written.
    #[serde(default)]
    pub format: crate::reader::UidFormat,
    /// Decimal UIDs: the byte order of the number.
    #[serde(default)]
    pub byte_order: crate::reader::ByteOrder,
    /// The same card within this window is one tap.
    #[serde(default = "default_debounce_ms")]
    pub debounce_ms: u64,
}

/// A reader protocol name in the configuration.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ReaderProtocol {
    Line,
    Framed,
    Keyboard,
}

impl ReaderConfig {
    pub fn protocol(&self) -> crate::reader::Protocol {
        use crate::reader::Protocol;
        match self.protocol {
            ReaderProtocol::Line => Protocol::Line {
                format: self.format,
                order: self.byte_order,
            },
            ReaderProtocol::Framed => Protocol::Framed,
            ReaderProtocol::Keyboard => Protocol::Keyboard {
                format: self.format,
                order: self.byte_order,
            },
        }
    }
}

fn default_baud() -> u32 {
    9600
}

fn default_debounce_ms() -> u64 {
    2000
}

/// The print services offered (`[services]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServicesConfig {
    /// The folder of templates, one sub-folder each.
    #[serde(default = "default_templates")]
    pub templates: PathBuf,
    /// Template ids offered, in this order; empty: every template there.
    #[serde(default)]
    pub offer: Vec<String>,
}

impl Default for ServicesConfig {
    fn default() -> Self {
        ServicesConfig {
            templates: default_templates(),
            offer: Vec::new(),
        }
    }
}

fn default_templates() -> PathBuf {
    PathBuf::from("/usr/share/campus-kiosk/print-templates")
}

/// The journal of print attempts (`[journal]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalConfig {
    /// The SQLite database (relative to the configuration's folder).
    #[serde(default = "default_journal")]
    pub path: PathBuf,
    /// Days a person's id stays in a record the platform has taken; then
    /// the terminal forgets it (counts stay). At least a term, for quotas.
    #[serde(default = "default_keep_person_days")]
    pub keep_person_days: u32,
}

fn default_keep_person_days() -> u32 {
    400
}

impl Default for JournalConfig {
    fn default() -> Self {
        JournalConfig {
            path: default_journal(),
            keep_person_days: default_keep_person_days(),
        }
    }
}

fn default_journal() -> PathBuf {
    PathBuf::from("journal.sqlite")
}

/// When terms start (`[terms]`): quotas count per term.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsConfig {
    /// Month-days ("MM-DD") a term starts on, every year.
    #[serde(default = "default_term_starts")]
    pub starts: Vec<String>,
}

impl Default for TermsConfig {
    fn default() -> Self {
        TermsConfig {
            starts: default_term_starts(),
        }
    }
}

fn default_term_starts() -> Vec<String> {
    vec!["02-01".into(), "08-01".into()]
}

impl TermsConfig {
    /// The terms (checked when the configuration loads).
    pub fn terms(&self) -> crate::core::quota::Terms {
        crate::core::quota::Terms::parse(&self.starts).unwrap_or_default()
    }
}

/// Sealing documents (`[seal]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealConfig {
    /// The terminal's signing key (`kiosk keygen`), mode 0600.
    pub key_file: PathBuf,
    /// The address a recipient's phone opens; the seal follows after `#`.
    /// Upper case keeps the QR code small (QR's alphanumeric mode).
    pub verify_url: String,
}

/// The technician screen (`[technician]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TechnicianConfig {
    /// The PIN's salted argon2id hash (`kiosk pin-hash` prints it).
    #[serde(default)]
    pub pin_hash: String,
    /// The old unsalted SHA-256 form: refused, with what to do.
    #[serde(default)]
    pub pin_sha256: Option<String>,
    /// Wrong PINs in a row before the screen locks.
    #[serde(default = "default_pin_attempts")]
    pub max_attempts: u32,
    /// How long it stays locked.
    #[serde(default = "default_lockout_s")]
    pub lockout_s: u64,
}

fn default_pin_attempts() -> u32 {
    3
}

fn default_lockout_s() -> u64 {
    300
}

/// Session timings (`[session]`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// Seconds without a touch before the person is signed out.
    #[serde(default = "default_idle_s")]
    pub idle_timeout_s: u64,
    /// The last seconds of that, shown as a countdown.
    #[serde(default = "default_countdown_s")]
    pub countdown_s: u64,
}

/// Speech guidance (语音): the offline engine and how it speaks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeechConfig {
    /// Offered on the attract screen (and by the keypad's `*`).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The eSpeak NG program.
    #[serde(default = "default_espeak")]
    pub program: PathBuf,
    /// Words per minute, 80–400.
    #[serde(default = "default_rate")]
    pub rate: u16,
    /// Write each utterance to a WAV file in this folder instead of the
    /// sound card (a terminal without one; tests).
    pub wav_dir: Option<PathBuf>,
    /// The sound card's input device reporting its headphone jack (e.g.
    /// `/dev/input/by-path/platform-…-event`): headphones plugged in turn
    /// voice guidance on, pulled out turn it off.
    pub headphones: Option<PathBuf>,
}

fn yes() -> bool {
    true
}

fn default_espeak() -> PathBuf {
    PathBuf::from("espeak-ng")
}

fn default_rate() -> u16 {
    160
}

impl Default for SpeechConfig {
    fn default() -> Self {
        SpeechConfig {
            enabled: true,
            program: default_espeak(),
            rate: default_rate(),
            wav_dir: None,
            headphones: None,
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            idle_timeout_s: default_idle_s(),
            countdown_s: default_countdown_s(),
        }
    }
}

impl SessionConfig {
    pub fn timings(&self) -> crate::core::session::Timings {
        crate::core::session::Timings {
            idle_timeout: self.idle_timeout_s * 1000,
            countdown: self.countdown_s * 1000,
            ..Default::default()
        }
    }
}

fn default_idle_s() -> u64 {
    60
}

fn default_countdown_s() -> u64 {
    10
}

fn default_connect_ms() -> u64 {
    2_000
}

fn default_call_ms() -> u64 {
    6_000
}

fn default_counts_ms() -> u64 {
    2_000
}

fn default_max_bytes() -> usize {
    4 * 1024 * 1024
}

impl PlatformConfig {
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }

    pub fn call_timeout(&self) -> Duration {
        Duration::from_millis(self.call_timeout_ms)
    }

    pub fn counts_timeout(&self) -> Duration {
        Duration::from_millis(self.counts_timeout_ms)
    }
}

impl Config {
    /// Reads `path`: a `terminal.toml`, or a folder holding one.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        // A folder (or a name that is not a .toml file) means its terminal.toml.
        let file = if path.is_dir() || path.extension().is_none_or(|e| e != "toml") {
            path.join(CONFIG_FILE)
        } else {
            path.to_path_buf()
        };
        let src = std::fs::read_to_string(&file).map_err(|source| ConfigError::Io {
            path: file.clone(),
            source,
        })?;
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(meta) = std::fs::metadata(&file)
                && meta.permissions().mode() & 0o022 != 0
            {
                return Err(ConfigError::Invalid {
                    message: format!(
                        "other users can change this file (mode {:o}), and with it where the terminal sends students' data: run `chmod go-w {}`",
                        meta.permissions().mode() & 0o777,
                        file.display()
                    ),
                    path: file,
                    field: "terminal.toml",
                });
            }
        }
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse(&src, &file, &dir)
    }

    /// Parses and checks a configuration; `file` names it in messages.
    pub fn parse(src: &str, file: &Path, dir: &Path) -> Result<Config, ConfigError> {
        let mut cfg: Config = toml::from_str(src).map_err(|e| {
            let (line, column) = crate::toml_pos::toml_error_at(src, &e);
            ConfigError::Syntax {
                path: file.to_path_buf(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        cfg.dir = dir.to_path_buf();
        let invalid = |field: &'static str, message: String| ConfigError::Invalid {
            path: file.to_path_buf(),
            field,
            message,
        };
        let t = &cfg.terminal;
        if t.id.is_empty()
            || t.id.len() > 64
            || !t.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(invalid(
                "terminal.id",
                format!("{:?}: use 1–64 letters, digits, '-' or '_'", t.id),
            ));
        }
        let p = &cfg.platform;
        let url = reqwest::Url::parse(&p.base_url)
            .map_err(|e| invalid("platform.base_url", format!("{:?} is not a URL: {e}", p.base_url)))?;
        if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
            return Err(invalid(
                "platform.base_url",
                format!("{:?}: use an https:// URL", p.base_url),
            ));
        }
        if url.scheme() == "http" && !url.host_str().is_some_and(is_loopback) {
            return Err(invalid(
                "platform.base_url",
                format!(
                    "{:?}: plain http is allowed only to this machine (127.0.0.1, localhost); use https",
                    p.base_url
                ),
            ));
        }
        if !(100..=60_000).contains(&p.connect_timeout_ms) {
            return Err(invalid("platform.connect_timeout_ms", "must be 100–60000".into()));
        }
        if !(100..=30_000).contains(&p.counts_timeout_ms) {
            return Err(invalid(
                "platform.counts_timeout_ms",
                "must be 100–30000: a person waits this long at sign-in".into(),
            ));
        }
        if !(500..=120_000).contains(&p.call_timeout_ms) {
            return Err(invalid("platform.call_timeout_ms", "must be 500–120000".into()));
        }
        if !(64 * 1024..=64 * 1024 * 1024).contains(&p.max_response_bytes) {
            return Err(invalid("platform.max_response_bytes", "must be 64 KiB–64 MiB".into()));
        }
        let pr = &cfg.printer;
        match pr.kind {
            PrinterKind::Ipp => {
                let uri = pr.uri.as_deref().ok_or_else(|| {
                    invalid(
                        "printer.uri",
                        "an ipp printer needs uri = \"ipp://host:631/...\"".into(),
                    )
                })?;
                crate::printing::uri::printer_uri(uri).map_err(|e| invalid("printer.uri", e.detail))?;
            }
            PrinterKind::Directory if pr.dir.is_none() => {
                return Err(invalid(
                    "printer.dir",
                    "a directory printer needs dir = \"/path/to/folder\"".into(),
                ));
            }
            PrinterKind::Directory => {}
        }
        if !(200..=60_000).contains(&pr.timeout_ms) {
            return Err(invalid("printer.timeout_ms", "must be 200–60000".into()));
        }
        if !(30..=3600).contains(&pr.job_stuck_s) {
            return Err(invalid("printer.job_stuck_s", "must be 30–3600".into()));
        }
        if let Some(r) = &cfg.reader {
            if r.protocol != ReaderProtocol::Keyboard && r.port.as_os_str().is_empty() {
                return Err(invalid("reader.port", "name the serial port, e.g. /dev/ttyUSB0".into()));
            }
            if ![1200, 2400, 4800, 9600, 19200, 38400, 57600, 115_200].contains(&r.baud) {
                return Err(invalid(
                    "reader.baud",
                    format!("{}: use a standard rate such as 9600", r.baud),
                ));
            }
            if r.debounce_ms > 10_000 {
                return Err(invalid("reader.debounce_ms", "must be at most 10000".into()));
            }
        }
        if parse_offset(&cfg.terminal.utc_offset).is_none() {
            return Err(invalid(
                "terminal.utc_offset",
                format!(
                    "{:?}: write the offset from UTC, -12:00 to +14:00, as \"+08:00\"",
                    cfg.terminal.utc_offset
                ),
            ));
        }
        if !(200..=3650).contains(&cfg.journal.keep_person_days) {
            return Err(invalid(
                "journal.keep_person_days",
                "must be 200–3650: at least a whole term, which quotas count over".into(),
            ));
        }
        if let Err(message) = crate::core::quota::Terms::parse(&cfg.terms.starts) {
            return Err(invalid("terms.starts", message));
        }
        if let Some(m) = &cfg.metrics
            && m.listen().is_none()
        {
            return Err(invalid(
                "metrics.listen",
                format!(
                    "{:?}: write an IP address and a port, e.g. \"127.0.0.1:9464\" for this machine only",
                    m.listen
                ),
            ));
        }
        if let Some(seal) = &cfg.seal {
            let u = seal.verify_url.to_ascii_lowercase();
            if !(u.starts_with("https://") || u.starts_with("http://")) || seal.verify_url.contains('#') {
                return Err(invalid(
                    "seal.verify_url",
                    "must be an http(s) address without '#', e.g. \"HTTPS://VERIFY.EXAMPLE.EDU.CN/V\"".into(),
                ));
            }
        }
        if let Some(t) = &cfg.technician {
            if t.pin_sha256.is_some() {
                return Err(invalid(
                    "technician.pin_sha256",
                    "an unsalted SHA-256 of a PIN is recovered in under a second: run `kiosk pin-hash <PIN>` and set pin_hash to what it prints (then remove pin_sha256)".into(),
                ));
            }
            if let Err(m) = crate::core::pin::check_stored(&t.pin_hash) {
                return Err(invalid(
                    "technician.pin_hash",
                    format!("{m}: run `kiosk pin-hash <PIN>`"),
                ));
            }
            if !(1..=10).contains(&t.max_attempts) || !(10..=86_400).contains(&t.lockout_s) {
                return Err(invalid(
                    "technician",
                    "max_attempts must be 1–10 and lockout_s 10–86400".into(),
                ));
            }
        }
        let se = &cfg.session;
        if !(15..=600).contains(&se.idle_timeout_s)
            || !(3..=30).contains(&se.countdown_s)
            || se.countdown_s >= se.idle_timeout_s
        {
            return Err(invalid(
                "session",
                "idle_timeout_s must be 15–600 and countdown_s 3–30, shorter than the timeout".into(),
            ));
        }
        Ok(cfg)
    }

    /// A path from the file, taken relative to the file's folder.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.dir.join(p)
        }
    }

    /// The platform token, read from `platform.token_file`.
    pub fn read_token(&self) -> Result<String, ConfigError> {
        let path = self.resolve(&self.platform.token_file);
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(&path)
            && meta.permissions().mode() & 0o077 != 0
        {
            return Err(ConfigError::Invalid {
                message: format!(
                    "{} can be read by other users (mode {:o}): the token lets anyone read students' records; run `chmod 600 {}`",
                    path.display(),
                    meta.permissions().mode() & 0o777,
                    path.display()
                ),
                path,
                field: "platform.token_file",
            });
        }
        let token = std::fs::read_to_string(&path).map_err(|source| ConfigError::Io {
            path: path.clone(),
            source,
        })?;
        let token = token.trim().to_string();
        if token.is_empty() || token.contains(char::is_whitespace) {
            return Err(ConfigError::Invalid {
                path,
                field: "platform.token_file",
                message: "the token file must hold one token on one line".into(),
            });
        }
        Ok(token)
    }

    /// The extra CA certificate, if one is configured.
    pub fn read_ca(&self) -> Result<Option<Vec<u8>>, ConfigError> {
        let Some(ca) = &self.platform.ca_file else {
            return Ok(None);
        };
        let path = self.resolve(ca);
        std::fs::read(&path)
            .map(Some)
            .map_err(|source| ConfigError::Io { path, source })
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[terminal]
id = "LIB-1F-01"
name = "图书馆一楼"

[platform]
base_url = "https://data.example.edu.cn/api/v1"
token_file = "token"

[printer]
kind = "ipp"
uri = "ipps://printer.local/ipp/print"
"#;

    fn parse(src: &str) -> Result<Config, ConfigError> {
        Config::parse(
            src,
            Path::new("kiosk-config/x/terminal.toml"),
            Path::new("kiosk-config/x"),
        )
    }

    #[test]
    fn a_metrics_address_without_a_port_is_named() {
        let e = parse(&format!("{GOOD}\n[metrics]\nlisten = \"localhost\"\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("metrics.listen") && e.contains("127.0.0.1:9464"), "{e}");
        let ok = parse(&format!("{GOOD}\n[metrics]\nlisten = \"127.0.0.1:9464\"\n")).unwrap();
        assert_eq!(
            ok.metrics.and_then(|m| m.listen()),
            Some("127.0.0.1:9464".parse().unwrap())
        );
    }

    #[test]
    fn a_good_file_parses_with_defaults() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.terminal.id, "LIB-1F-01");
        assert_eq!(c.platform.call_timeout(), Duration::from_secs(6));
        assert_eq!(c.resolve(&c.platform.token_file), Path::new("kiosk-config/x/token"));
        assert_eq!(c.terminal.offset(), time::macros::offset!(+8));
    }

    #[test]
    fn the_terminals_offset_is_checked() {
        let ok = parse(&GOOD.replace(
            "name = \"图书馆一楼\"",
            "name = \"图书馆一楼\"\nutc_offset = \"-05:00\"",
        ))
        .unwrap();
        assert_eq!(ok.terminal.offset(), time::macros::offset!(-5));
        let e = parse(&GOOD.replace(
            "name = \"图书馆一楼\"",
            "name = \"图书馆一楼\"\nutc_offset = \"Asia/Shanghai\"",
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("terminal.utc_offset") && e.contains("+08:00"), "{e}");
        for far in ["+25:00", "+14:30", "-13:00"] {
            let toml = GOOD.replace(
                "name = \"图书馆一楼\"",
                &format!("name = \"图书馆一楼\"\nutc_offset = \"{far}\""),
            );
            assert!(parse(&toml).is_err(), "{far}");
        }
    }

    #[test]
    fn terms_default_and_are_checked() {
        use time::macros::date;
        let c = parse(GOOD).unwrap();
        assert_eq!(c.terms.terms().start_of(date!(2026 - 11 - 24)), date!(2026 - 08 - 01));
        let c = parse(&format!("{GOOD}\n[terms]\nstarts = [\"09-01\", \"02-20\"]\n")).unwrap();
        assert_eq!(c.terms.terms().start_of(date!(2026 - 11 - 24)), date!(2026 - 09 - 01));
        let e = parse(&format!("{GOOD}\n[terms]\nstarts = [\"09-31\"]\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("terms.starts") && e.contains("09-31"), "{e}");
    }

    #[test]
    fn the_journal_keeps_person_ids_for_at_least_a_term() {
        assert_eq!(parse(GOOD).unwrap().journal.keep_person_days, 400);
        let e = parse(&format!("{GOOD}\n[journal]\nkeep_person_days = 30\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("journal.keep_person_days"), "{e}");
    }

    #[test]
    fn errors_name_the_line_or_field() {
        let e = parse(&GOOD.replace("token_file", "tokn_file")).unwrap_err().to_string();
        assert!(e.starts_with("kiosk-config/x/terminal.toml:8:1:"), "{e}");
        assert!(e.contains("tokn_file"), "{e}");

        let e = parse(&GOOD.replace("https://data", "ftp://data"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("platform.base_url"), "{e}");

        let e = parse(&GOOD.replace("https://data.example.edu.cn", "http://data.example.edu.cn")).unwrap_err();
        assert!(e.to_string().contains("plain http"), "{e}");
        assert!(parse(&GOOD.replace("https://data.example.edu.cn", "http://127.0.0.1:8080")).is_ok());

        let e = parse(&GOOD.replace(
            "token_file = \"token\"\n",
            "token_file = \"token\"\ncall_timeout_ms = 5\n",
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("platform.call_timeout_ms"), "{e}");

        let e = parse(&GOOD.replace("kind = \"ipp\"", "kind = \"directory\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("printer.dir"), "{e}");
        let e = parse(&GOOD.replace("ipps://printer.local", "lpd://printer.local"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("printer.uri"), "{e}");

        let e = parse(&GOOD.replace("LIB-1F-01", "lib 1f")).unwrap_err().to_string();
        assert!(e.contains("terminal.id"), "{e}");

        let reader = "\n[reader]\nport = \"/dev/ttyUSB0\"\nprotocol = \"line\"\nformat = \"decimal\"\n";
        let c = parse(&format!("{GOOD}{reader}")).unwrap();
        assert_eq!(c.reader.unwrap().debounce_ms, 2000);
        let e = parse(&format!("{GOOD}{reader}baud = 1234\n")).unwrap_err().to_string();
        assert!(e.contains("reader.baud"), "{e}");
        let e = parse(&format!("{GOOD}{}", reader.replace("line", "morse")))
            .unwrap_err()
            .to_string();
        assert!(e.contains(":16:12") && e.contains("morse"), "{e}");
        let e = parse(&format!("{GOOD}\n[session]\nidle_timeout_s = 5\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("session"), "{e}");
    }
}
