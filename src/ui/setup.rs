//! What the shell runs on: the ports, built from a terminal's
//! configuration (`Setup::from_config`) or, for the demo, around an
//! in-process reference platform and a directory printer
//! (`Setup::demo`). The demo differs from production only here.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::adapters::card_reader::SerialSettings;
use crate::adapters::journal::SqliteJournal;
use crate::adapters::platform::demo::{DemoOptions, DemoServer, DemoState};
use crate::adapters::platform::http::PlatformClient;
use crate::adapters::printing::from_config;
use crate::config::{Config, ReaderProtocol, TechnicianConfig};
use crate::core::clock::{Clock, local_rfc3339};
use crate::core::session::Timings;
use crate::fonts::FontBook;
use crate::i18n::{Bilingual, T, demo_card};
use crate::journal::Journal;
use crate::platform::Platform;
use crate::printing::{Follow, Printer};
use crate::template::Template;
use crate::ui::screen::attract::DemoCard;

/// Why the kiosk cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("platform: {0}")]
    Platform(#[from] crate::platform::PlatformError),
    #[error(transparent)]
    Printer(#[from] crate::printing::PrinterError),
    #[error("fonts: {0}")]
    Fonts(String),
    #[error("services.templates {dir}: {reason}")]
    Templates { dir: PathBuf, reason: String },
    #[error("demo: {0}")]
    Demo(String),
    #[error(
        "{0}: a terminal seals every document it prints; add a [seal] section with key_file and verify_url (docs/verification.md; `kiosk keygen` makes the key)"
    )]
    NoSeal(PathBuf),
    #[error(transparent)]
    Key(#[from] crate::adapters::files::keys::KeyError),
    #[error(
        "seal.key_file {path} does not exist: make the terminal's key with `kiosk keygen --terminal-id {terminal} --out {folder}` (or try the demo: `kiosk run --demo`)"
    )]
    NoKey {
        path: PathBuf,
        terminal: String,
        folder: String,
    },
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
    #[error("seal.key_file {path} belongs to terminal {owner}, not {terminal}")]
    KeyOwner {
        path: PathBuf,
        owner: String,
        terminal: String,
    },
}

/// The demo's extras: its platform's state (to confirm a QR scan) and
/// its cards.
#[derive(Debug, Clone)]
pub struct Demo {
    pub state: Arc<DemoState>,
    pub cards: Vec<DemoCard>,
    /// Who a simulated phone scan logs in.
    pub scan_person: String,
    /// Where the printed PDFs go, as shown.
    pub printed_label: String,
}

/// The durable journal and the platform client of a real terminal.
#[derive(Debug, Clone)]
pub struct Durable {
    pub journal: Arc<SqliteJournal>,
    pub platform: PlatformClient,
}

/// The ports and settings of a running kiosk.
#[derive(Clone)]
pub struct Setup {
    pub terminal_id: String,
    pub terminal_name: String,
    /// Issue times and journal days are local to this offset.
    pub utc_offset: time::UtcOffset,
    /// When terms start, for per-term quotas.
    pub terms: crate::core::quota::Terms,
    pub platform: Arc<dyn Platform>,
    pub platform_url: String,
    /// Whether the attract screen offers the scan-to-log-in QR code.
    pub qr_login: bool,
    pub printer: Arc<dyn Printer>,
    pub follow: Follow,
    pub templates: Arc<Vec<Arc<Template>>>,
    pub book: &'static FontBook,
    pub clock: Arc<dyn Clock>,
    pub timings: Timings,
    pub reader: Option<SerialSettings>,
    /// A keyboard-wedge reader's protocol: its digits and Enter are taps.
    pub wedge: Option<crate::reader::Protocol>,
    pub technician: Option<TechnicianConfig>,
    pub duplex_default: bool,
    /// Seals every document.
    pub sealer: crate::pipeline::Sealer,
    /// Every print attempt, written before each step.
    pub journal: Arc<dyn Journal>,
    /// The adapters behind the platform and journal ports, for a running
    /// terminal's background work (settling attempts a crash left,
    /// forgetting people, the outbox); `None` when the ports are fakes.
    pub durable: Option<Durable>,
    /// Days a person's id stays in records the platform has taken.
    pub keep_person_days: u32,
    /// Wakes the outbox when a record is final.
    pub outbox_nudge: Arc<tokio::sync::Notify>,
    pub demo: Option<Demo>,
    /// Speech guidance, where the terminal can speak.
    pub speech: Option<Arc<dyn crate::speech::Speaker>>,
    /// The audio jack's input device, read while there is speech.
    pub headphones: Option<std::path::PathBuf>,
    /// Longest a sign-in waits for the platform's campus-wide counts.
    pub counts_wait: std::time::Duration,
    /// What the platform calls, the reader and sign-ins' quotas did, for the
    /// technician and the centre's metrics.
    pub telemetry: Arc<crate::metrics::Telemetry>,
    /// When the signing key stops being valid (Unix seconds), from the
    /// keyring entry `kiosk keygen` wrote beside it, if it is there.
    pub key_not_after: Option<u64>,
    /// systemd's notification socket, when systemd runs the kiosk.
    pub watchdog: Option<Arc<crate::adapters::watchdog::Watchdog>>,
}

/// The speaker `[speech]` describes, if it is on and its engine runs here.
pub fn speaker(cfg: &crate::config::SpeechConfig) -> Option<Arc<dyn crate::speech::Speaker>> {
    use crate::adapters::speech::espeak::{Espeak, Output};
    if !cfg.enabled {
        return None;
    }
    let output = cfg.wav_dir.clone().map_or(Output::Device, Output::Wav);
    let e = Espeak::new(&cfg.program, cfg.rate, output);
    if e.available() {
        Some(Arc::new(e))
    } else {
        eprintln!(
            "speech: {} does not run here: no voice guidance (install espeak-ng)",
            cfg.program.display()
        );
        None
    }
}

impl std::fmt::Debug for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setup")
            .field("terminal_id", &self.terminal_id)
            .field("printer", &self.printer.describe())
            .finish_non_exhaustive()
    }
}

impl Setup {
    /// The print flow's ports.
    pub fn print_ports(&self) -> crate::flow::print::Ports {
        crate::flow::print::Ports {
            journal: self.journal.clone(),
            printer: self.printer.clone(),
            clock: self.clock.clone(),
            utc_offset: self.utc_offset,
            follow: self.follow,
            outbox: Some(self.outbox_nudge.clone()),
        }
    }

    /// Now, local to the terminal, to the second (RFC 3339).
    pub fn now_rfc3339(&self) -> String {
        local_rfc3339(self.clock.as_ref(), self.utc_offset)
    }

    /// The first day (YYYY-MM-DD) of the term today falls in, local to
    /// the terminal.
    pub fn term_start(&self) -> String {
        let today = self.clock.now_utc().to_offset(self.utc_offset).date();
        self.terms.start_of(today).to_string()
    }
}

/// Loads the offered templates: `offer`'s ids in order, or every folder.
pub fn templates(dir: &Path, offer: &[String]) -> Result<Vec<Arc<Template>>, SetupError> {
    let bad = |reason: String| SetupError::Templates {
        dir: dir.to_path_buf(),
        reason,
    };
    let ids: Vec<String> = if offer.is_empty() {
        let mut ids: Vec<String> = std::fs::read_dir(dir)
            .map_err(|e| bad(e.to_string()))?
            .flatten()
            .filter(|e| e.path().join("template.toml").is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        ids.sort();
        ids
    } else {
        offer.to_vec()
    };
    ids.iter()
        .map(|id| {
            Template::load(&dir.join(id)).map(Arc::new).map_err(|e| {
                bad(format!(
                    "{id}: {e} (run `kiosk template check {}`)",
                    dir.join(id).display()
                ))
            })
        })
        .collect()
}

/// The terminal's sealer from `[seal]`: its key must exist, be private
/// (mode 0600) and belong to this terminal.
pub fn load_sealer(cfg: &Config) -> Result<crate::pipeline::Sealer, SetupError> {
    let seal = cfg
        .seal
        .as_ref()
        .ok_or_else(|| SetupError::NoSeal(cfg.dir.join("terminal.toml")))?;
    let key_file = cfg.resolve(&seal.key_file);
    if !key_file.exists() {
        return Err(SetupError::NoKey {
            folder: key_file.parent().map_or(".".to_string(), |p| p.display().to_string()),
            path: key_file,
            terminal: cfg.terminal.id.clone(),
        });
    }
    let (owner, key) = crate::adapters::files::keys::load_signing_key(&key_file)?;
    if owner != cfg.terminal.id {
        return Err(SetupError::KeyOwner {
            path: key_file,
            owner,
            terminal: cfg.terminal.id.clone(),
        });
    }
    Ok(crate::pipeline::Sealer {
        terminal: cfg.terminal.id.clone(),
        key,
        verify_url: seal.verify_url.clone(),
    })
}

/// When the terminal's key stops being valid, from the keyring entry
/// `kiosk keygen` wrote beside it (`<id>.keyring.toml`), if it is there.
fn key_expiry(cfg: &Config, sealer: &crate::pipeline::Sealer) -> Option<u64> {
    let seal = cfg.seal.as_ref()?;
    let entry = cfg
        .resolve(&seal.key_file)
        .with_file_name(format!("{}.keyring.toml", cfg.terminal.id));
    let ring = crate::adapters::files::keys::load_keyring(&entry).ok()?;
    let public = sealer.key.verifying_key();
    ring.iter().find(|k| k.public == public).map(|k| k.not_after)
}

impl Setup {
    /// The kiosk a configuration describes.
    pub fn from_config(cfg: &Config, clock: Arc<dyn Clock>) -> Result<Setup, SetupError> {
        Self::with_sealer(cfg, clock, load_sealer(cfg)?)
    }

    fn with_sealer(cfg: &Config, clock: Arc<dyn Clock>, sealer: crate::pipeline::Sealer) -> Result<Setup, SetupError> {
        let book = FontBook::shared().map_err(|e| SetupError::Fonts(e.to_string()))?;
        let client = PlatformClient::from_config(cfg)?;
        let journal = Arc::new(SqliteJournal::open(&cfg.resolve(&cfg.journal.path))?);
        let printer = from_config(cfg)?;
        let templates = templates(&cfg.resolve(&cfg.services.templates), &cfg.services.offer)?;
        let (reader, wedge) = match &cfg.reader {
            Some(r) if r.protocol == ReaderProtocol::Keyboard => (None, Some(r.protocol())),
            Some(r) => (
                Some(SerialSettings {
                    port: cfg.resolve(&r.port),
                    baud: r.baud,
                    protocol: r.protocol(),
                    debounce: std::time::Duration::from_millis(r.debounce_ms),
                }),
                None,
            ),
            None => (None, None),
        };
        let telemetry = Arc::new(crate::metrics::Telemetry::default());
        let key_not_after = key_expiry(cfg, &sealer);
        Ok(Setup {
            terminal_id: cfg.terminal.id.clone(),
            terminal_name: cfg.terminal.name.clone(),
            utc_offset: cfg.terminal.offset(),
            terms: cfg.terms.terms(),
            platform: Arc::new(crate::adapters::metrics::Metered {
                inner: Arc::new(client.clone()),
                telemetry: telemetry.clone(),
            }),
            platform_url: cfg.platform.base_url.clone(),
            qr_login: true,
            printer,
            follow: cfg.printer.follow(),
            templates: Arc::new(templates),
            book,
            clock,
            timings: cfg.session.timings(),
            reader,
            wedge,
            technician: cfg.technician.clone(),
            duplex_default: cfg.printer.duplex_default,
            sealer,
            journal: journal.clone(),
            durable: Some(Durable {
                journal,
                platform: client,
            }),
            keep_person_days: cfg.journal.keep_person_days,
            outbox_nudge: Arc::new(tokio::sync::Notify::new()),
            demo: None,
            speech: speaker(&cfg.speech),
            headphones: cfg.speech.headphones.as_ref().map(|p| cfg.resolve(p)),
            counts_wait: cfg.platform.counts_timeout(),
            telemetry,
            key_not_after,
            watchdog: crate::adapters::watchdog::Watchdog::from_env().map(Arc::new),
        })
    }

    /// The demo terminal: `kiosk-config/demo` with its platform replaced
    /// by a reference platform started here (on the current tokio
    /// runtime) over `data`, and its printer by a folder, `printed`.
    pub async fn demo(
        config: &Path,
        data: &Path,
        printed: &Path,
        clock: Arc<dyn Clock>,
    ) -> Result<(Setup, DemoServer), SetupError> {
        let mut cfg = Config::load(config)?;
        // A fresh token for this run, private to it: the reference platform
        // and the terminal share it through a file only they read.
        let token = {
            let mut b = [0u8; 16];
            getrandom::fill(&mut b).map_err(|e| SetupError::Demo(format!("no randomness for a token: {e}")))?;
            crate::seal::hex(&b)
        };
        std::fs::create_dir_all(printed).map_err(|e| SetupError::Demo(format!("{}: {e}", printed.display())))?;
        let token_file = printed.join("token");
        {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&token_file)
                .and_then(|mut f| f.write_all(token.as_bytes()))
                .map_err(|e| SetupError::Demo(format!("{}: {e}", token_file.display())))?;
        }
        cfg.platform.token_file = token_file;
        let mut opts = DemoOptions::new(data, token);
        opts.max_copies = crate::adapters::platform::demo::service_limits(&cfg.services.templates);
        let server = DemoServer::start(opts, std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .map_err(|e| SetupError::Demo(e.to_string()))?;
        cfg.platform.base_url = server.base_url();
        cfg.printer.kind = crate::config::PrinterKind::Directory;
        cfg.printer.dir = Some(printed.to_path_buf());
        cfg.journal.path = printed.join("journal.sqlite");
        // A fresh key for this run, and its keyring beside the printed
        // files, so the demo's documents can be verified.
        let from = clock.now_utc() - time::Duration::days(1);
        let (key, _, entry) = crate::adapters::files::keys::generate(&cfg.terminal.id, from, 30)
            .map_err(|e| SetupError::Demo(format!("no randomness for a key: {e}")))?;
        // Its expiry, for the fleet's key alert as a real terminal's.
        let key_not_after = u64::try_from((from + time::Duration::days(30)).unix_timestamp()).ok();
        std::fs::create_dir_all(printed).map_err(|e| SetupError::Demo(format!("{}: {e}", printed.display())))?;
        std::fs::write(
            printed.join("keyring.toml"),
            crate::adapters::files::keys::entry_toml(&entry),
        )
        .map_err(|e| SetupError::Demo(format!("{}: {e}", printed.display())))?;
        let verify_url = cfg
            .seal
            .as_ref()
            .map_or("HTTPS://VERIFY.EXAMPLE.EDU.CN/V".to_string(), |s| s.verify_url.clone());
        let sealer = crate::pipeline::Sealer {
            terminal: cfg.terminal.id.clone(),
            key,
            verify_url,
        };
        let mut setup = Setup::with_sealer(&cfg, clock, sealer)?;
        setup.key_not_after = key_not_after;
        setup.demo = Some(Demo {
            state: server.state.clone(),
            cards: demo_cards(data),
            scan_person: "2023011234".into(),
            printed_label: printed.display().to_string(),
        });
        Ok((setup, server))
    }
}

/// The demo's cards, from the data's cards.json and the people's names,
/// plus a card the platform does not know.
pub fn demo_cards(data: &Path) -> Vec<DemoCard> {
    let mut cards = Vec::new();
    let read =
        |p: PathBuf| -> Option<serde_json::Value> { serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok() };
    if let Some(serde_json::Value::Object(map)) = read(data.join("cards.json")) {
        for (uid, v) in map {
            let person = v.get("person_id").and_then(|p| p.as_str()).unwrap_or_default();
            let name = read(data.join(person).join("enrollment.json"))
                .and_then(|e| e.get("name").and_then(|n| n.as_str()).map(str::to_string))
                .unwrap_or_else(|| person.to_string());
            let status = read(data.join(person).join("enrollment.json"))
                .and_then(|e| e.get("status_label").and_then(|n| n.as_str()).map(str::to_string));
            let label = if v.get("frozen").and_then(|f| f.as_bool()) == Some(true) {
                let lost = Bilingual::from(T::DemoLostCard);
                demo_card(&name, &format!("{} {}", lost.zh, lost.en))
            } else if let Some(s) = status {
                demo_card(&name, &s)
            } else {
                name
            };
            cards.push(DemoCard { label, uid });
        }
    }
    let unknown = Bilingual::from(T::DemoUnknownCard);
    cards.push(DemoCard {
        label: format!("{} {}", unknown.zh, unknown.en),
        uid: "DEADBEEF".into(),
    });
    cards
}

/// Runs the kiosk fullscreen (or in a portrait window when `windowed`).
pub fn run(setup: Setup, windowed: bool) -> iced::Result {
    load_fonts(setup.book);
    let window = iced::window::Settings {
        size: iced::Size::new(1080.0, 1920.0),
        fullscreen: !windowed,
        decorations: windowed,
        resizable: windowed,
        ..iced::window::Settings::default()
    };
    iced::application(
        move || crate::ui::Kiosk::new(setup.clone()),
        crate::ui::Kiosk::update,
        crate::ui::Kiosk::view,
    )
    .title("campus-kiosk")
    .theme(iced::Theme::Light)
    .style(crate::ui::Kiosk::window_style)
    .subscription(crate::ui::Kiosk::subscription)
    .default_font(crate::ui::style::FONT)
    .window(window)
    .run()
}

/// Hands the UI's faces to the text system: the print pipeline's memory
/// maps, shared, not copied.
pub fn load_fonts(book: &'static FontBook) {
    use iced_graphics::text::cosmic_text::fontdb::Source;
    let mut fs = iced_graphics::text::font_system()
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for id in [2u8, 3, 4] {
        let data: &'static [u8] = book.data(crate::fonts::FaceId(id));
        let _ = fs.raw().db_mut().load_font_source(Source::Binary(Arc::new(data)));
    }
}
