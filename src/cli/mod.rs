//! Command-line interface. `anyhow` lives here, at the edge; the library
//! returns typed errors.

#![allow(
    clippy::disallowed_methods,
    reason = "the binary's edge reads the clock for the commands it runs"
)]

mod bench;
mod demo;
mod diagnose;
mod printer;
mod reader;
mod run;
mod seal;
mod studio;
mod template;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "kiosk",
    version,
    about = "Self-service print terminal of the smart-campus service centre"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the kiosk: fullscreen, on a terminal's configuration, or the
    /// demo (`--demo`: a reference platform in-process, a folder printer).
    Run {
        /// The terminal's configuration (folder or terminal.toml).
        #[arg(long, default_value = "kiosk-config/demo")]
        config: PathBuf,
        /// Run the demo: no platform, printer or reader needed.
        #[arg(long)]
        demo: bool,
        /// With --demo: the records the demo platform serves.
        #[arg(long)]
        data: Option<PathBuf>,
        /// In a portrait window instead of fullscreen (for development).
        #[arg(long)]
        windowed: bool,
        /// Serve `/metrics` (Prometheus) and `/health` here, instead of
        /// `[metrics] listen`.
        #[arg(long, value_name = "ADDR")]
        metrics: Option<std::net::SocketAddr>,
    },
    /// Make a signing key for a terminal: a secret key file (mode 0600) and
    /// the keyring entry that lets recipients verify its documents.
    Keygen {
        /// The terminal's id, as in its `[terminal] id`.
        #[arg(long)]
        terminal_id: String,
        /// Folder for `<id>.key` and `<id>.keyring.toml`.
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Days the key may sign documents.
        #[arg(long, default_value_t = 730)]
        valid_days: u32,
    },
    /// Check a document's verification code: the code's text or URL, a PDF,
    /// or a photo or scan (PNG, JPEG). Exit 0 only when it is valid.
    Verify {
        /// The URL or code, or a file.
        input: String,
        /// The trusted keys (see docs/verification.md).
        #[arg(long)]
        keyring: PathBuf,
        /// Name the services of the templates in this folder (e.g.
        /// print-templates) and label the fields in the paper's language.
        #[arg(long)]
        templates: Option<PathBuf>,
        /// Also ask the platform (its base URL, e.g.
        /// `https://data.example.edu.cn/api/v1`) whether the document was
        /// since revoked or superseded; a short code is looked up there.
        #[arg(long, value_name = "PLATFORM_URL")]
        online: Option<String>,
    },
    /// Print the salted argon2id hash of a technician PIN, for `[technician] pin_hash`
    PinHash {
        /// The PIN: digits only, 4 to 12 of them.
        pin: String,
    },
    /// Check and preview print templates (for department staff).
    #[command(subcommand)]
    Template(TemplateCmd),
    /// The template studio: a web app in which department staff build,
    /// check, preview and hand in a print service (docs/studio.md).
    Studio {
        /// Where it listens; another address than this machine's needs
        /// --allow-network and a password.
        #[arg(long, default_value = "127.0.0.1:8710")]
        listen: std::net::SocketAddr,
        /// The folder of services it works in (it writes nowhere else).
        #[arg(long, default_value = "print-templates")]
        templates: PathBuf,
        /// Let other machines of the campus network open it.
        #[arg(long)]
        allow_network: bool,
        /// studio.toml, holding `[studio] password_hash`.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Read a password from standard input, print its hash for
        /// studio.toml, and stop.
        #[arg(long, exclusive = true)]
        hash_password: bool,
    },
    /// Measure the print pipeline and the journal.
    #[command(subcommand)]
    Bench(BenchCmd),
    /// Technician checks of the printer.
    #[command(subcommand)]
    Printer(PrinterCmd),
    /// The journal of print attempts.
    #[command(subcommand)]
    Journal(JournalCmd),
    /// Write the verification web page for a keyring: one HTML file that
    /// checks a document's code on the recipient's phone, offline.
    VerifyPage {
        /// The trusted keys (see docs/verification.md).
        #[arg(long)]
        keyring: PathBuf,
        /// Name the services of the templates in this folder (e.g.
        /// print-templates) instead of showing their ids.
        #[arg(long)]
        templates: Option<PathBuf>,
        /// The folder to write index.html into.
        #[arg(long)]
        out: PathBuf,
        /// The platform's base URL (e.g.
        /// `https://data.example.edu.cn/api/v1`): the page then asks its
        /// public lookup whether a document was revoked or superseded, and
        /// takes a typed short code.
        #[arg(long, value_name = "URL")]
        status_url: Option<String>,
    },
    /// Check everything this terminal needs (configuration, fonts,
    /// templates, key, journal, platform, clock, printer, reader) and say
    /// what to do about each problem. Exit 0 when nothing fails.
    Diagnose {
        #[arg(long, default_value = "kiosk-config/demo")]
        config: PathBuf,
        /// Also check that the terminal's key is in the university's
        /// keyring, trusted and valid.
        #[arg(long)]
        keyring: Option<PathBuf>,
    },
    /// Counts of print attempts by service, day and outcome; pages; failures
    /// by reason; the average rating; how per-term quotas are used.
    Stats {
        #[arg(long, default_value = "kiosk-config/demo")]
        config: PathBuf,
        /// From this date on (YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
        /// Quotas in the term that holds this date (YYYY-MM-DD; default: today).
        #[arg(long = "term")]
        term_of: Option<String>,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Technician checks of the campus-card reader.
    #[command(subcommand)]
    Reader(ReaderCmd),
    /// Serve the reference data platform from a folder of records.
    #[command(args_conflicts_with_subcommands = true)]
    DemoPlatform {
        #[command(flatten)]
        serve: demo::Serve,
        #[command(subcommand)]
        status: Option<DocumentCmd>,
    },
}

/// Staff's changes to a printed document's status on the reference
/// platform (written to `document-status.json` in its data folder).
#[derive(Debug, Subcommand)]
pub enum DocumentCmd {
    /// The issuing office withdraws a document.
    Revoke {
        /// The document id printed beside the seal (16 characters).
        document: String,
        /// Why, in Chinese, as the recipient reads it.
        #[arg(long)]
        reason: String,
        /// Why, in English.
        #[arg(long)]
        reason_en: Option<String>,
        #[arg(long, default_value = "assets/sample-data")]
        data: PathBuf,
    },
    /// The data a document certified changed (a grade was corrected).
    Supersede {
        document: String,
        /// The newer document's id, if one was printed.
        #[arg(long)]
        by: Option<String>,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        reason_en: Option<String>,
        #[arg(long, default_value = "assets/sample-data")]
        data: PathBuf,
    },
    /// The document is valid again (a revocation made by mistake).
    Reinstate {
        document: String,
        #[arg(long, default_value = "assets/sample-data")]
        data: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum TemplateCmd {
    /// Validate templates: syntax, fields, placeholders, images, fonts.
    Check {
        /// Template folders, folders of templates or bundles (default: print-templates/).
        dirs: Vec<PathBuf>,
    },
    /// Render a template with data from a folder (or the platform), without a
    /// terminal or printer.
    Preview {
        /// The template folder, or a bundle.
        template: PathBuf,
        /// Folder with person.json, enrollment.json, transcript.json, datasets/.
        #[arg(long, required_unless_present = "platform", conflicts_with = "platform")]
        data: Option<PathBuf>,
        /// Fetch live data from the platform for this person id (or card UID
        /// with --card) instead of --data.
        #[arg(long, value_name = "PERSON_ID")]
        platform: Option<String>,
        /// With --platform: the value is a card UID (upper-case hex).
        #[arg(long, requires = "platform")]
        card: bool,
        /// The terminal's configuration (folder or terminal.toml) for --platform.
        #[arg(long, default_value = "kiosk-config/demo")]
        config: PathBuf,
        /// Write the PDF here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write one PNG per page into this folder.
        #[arg(long)]
        png: Option<PathBuf>,
        /// Resolution of the PNG pages.
        #[arg(long, default_value_t = 150.0)]
        dpi: f32,
        /// Issue time printed on the document (RFC 3339; default: now).
        #[arg(long)]
        issued_at: Option<String>,
    },
    /// Pack a template folder into one bundle file to hand in for approval
    /// (docs/templates.md, "Handing in a service").
    Bundle {
        /// The template folder.
        template: PathBuf,
        /// The department that owns the service (学生处).
        #[arg(long)]
        department: String,
        /// Who made it, and how to reach them.
        #[arg(long)]
        author: String,
        /// The bundle file (default: ID-VERSION.service.zip in this folder).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Render every row of a department's spreadsheet (.xlsx or .csv) and
    /// name each problem by row and column; exit 0 only when every row
    /// renders.
    DryRun(template::DryRunArgs),
}

#[derive(Debug, Subcommand)]
pub enum PrinterCmd {
    /// State, reasons in plain words, PDF support; exit 0 only when ready.
    Status {
        #[arg(long, default_value = "kiosk-config/demo")]
        config: PathBuf,
    },
    /// Print a test page through the print pipeline and follow it to the end.
    TestPage {
        #[arg(long, default_value = "kiosk-config/demo")]
        config: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum JournalCmd {
    /// Settle attempts a crash or power cut left unfinished (asks the printer).
    Reconcile {
        #[arg(long, default_value = "kiosk-config/demo")]
        config: PathBuf,
    },
    /// Every attempt, one line each.
    List {
        #[arg(long, default_value = "kiosk-config/demo")]
        config: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReaderCmd {
    /// Print each tap's UID and every protocol error, until Ctrl-C.
    Test {
        /// The terminal's configuration (folder or terminal.toml).
        #[arg(long, default_value = "kiosk-config/demo")]
        config: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// Render a template N times in one process and report timings.
    Render {
        template: PathBuf,
        #[arg(long)]
        data: PathBuf,
        #[arg(short = 'n', long, default_value_t = 50)]
        n: usize,
    },
    /// Time the journal: a print attempt's durable writes, the quota
    /// look-up at sign-in and `kiosk stats`, on a journal of a given size.
    /// Run it on the disk the terminal's journal lives on.
    Journal {
        /// The folder to make the scratch journal in (removed afterwards).
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Final attempts already in the journal.
        #[arg(long, default_value_t = 200_000)]
        attempts: usize,
        /// Distinct people among them.
        #[arg(long, default_value_t = 20_000)]
        people: usize,
        #[arg(short = 'n', long, default_value_t = 50)]
        n: usize,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Template(TemplateCmd::Check { dirs }) => template::check(dirs),
        Command::Template(TemplateCmd::Preview {
            template,
            data,
            platform,
            card,
            config,
            out,
            png,
            dpi,
            issued_at,
        }) => {
            let source = match (data, platform) {
                (Some(d), _) => template::DataFrom::Dir(d),
                (None, Some(id)) => template::DataFrom::Platform { id, card, config },
                (None, None) => anyhow::bail!("give --data DIR or --platform PERSON_ID"),
            };
            template::preview(&template, source, out.as_deref(), png.as_deref(), dpi, issued_at)
        }
        Command::Studio {
            hash_password: true, ..
        } => studio::hash_password(),
        Command::Studio {
            listen,
            templates,
            allow_network,
            config,
            ..
        } => studio::run(listen, templates, allow_network, config),
        Command::Template(TemplateCmd::Bundle {
            template,
            department,
            author,
            out,
        }) => template::make_bundle(
            &template,
            campus_kiosk::authoring::bundle::HandIn { department, author },
            out.as_deref(),
        ),
        Command::Template(TemplateCmd::DryRun(args)) => template::dry_run(&args),
        Command::Run {
            config,
            demo,
            data,
            windowed,
            metrics,
        } => run::run(&installed(&config), demo, data, windowed, metrics),
        Command::PinHash { pin } => run::pin_hash(&pin),
        Command::Keygen {
            terminal_id,
            out,
            valid_days,
        } => seal::keygen(&terminal_id, &out, valid_days),
        Command::Verify {
            input,
            keyring,
            templates,
            online,
        } => {
            if seal::verify(&input, &keyring, templates.as_deref(), online.as_deref())? {
                Ok(())
            } else {
                std::process::exit(1)
            }
        }
        Command::Bench(BenchCmd::Render { template, data, n }) => bench::render(&template, &data, n),
        Command::Bench(BenchCmd::Journal {
            dir,
            attempts,
            people,
            n,
        }) => bench::journal(&dir, attempts, people, n),
        Command::DemoPlatform { status: Some(cmd), .. } => demo::set_status(cmd),
        Command::DemoPlatform { serve, status: None } => demo::serve(serve),
        Command::Reader(ReaderCmd::Test { config }) => reader::test(&config),
        Command::Printer(PrinterCmd::Status { config }) => printer::status(&config),
        Command::Printer(PrinterCmd::TestPage { config }) => printer::test_page(&config),
        Command::Journal(JournalCmd::Reconcile { config }) => printer::journal_reconcile(&config),
        Command::Journal(JournalCmd::List { config }) => printer::journal_list(&config),
        Command::VerifyPage {
            keyring,
            templates,
            out,
            status_url,
        } => seal::page(&keyring, templates.as_deref(), &out, status_url.as_deref()),
        Command::Diagnose { config, keyring } => {
            if diagnose::run(&config, keyring.as_deref())? {
                Ok(())
            } else {
                std::process::exit(1)
            }
        }
        Command::Stats {
            config,
            since,
            term_of,
            json,
        } => printer::stats(&config, since.as_deref(), term_of.as_deref(), json),
    }
}

/// The font book, with a message that says what to do if it is missing.
pub fn fonts() -> anyhow::Result<&'static campus_kiosk::fonts::FontBook> {
    campus_kiosk::fonts::FontBook::shared().map_err(|e| anyhow::anyhow!("{e}"))
}

/// A path named relative to the repository or the installation
/// (`kiosk-config/demo`, `print-templates`): as given when it exists from
/// the current folder, else beside the assets this binary uses (the source
/// tree it was built from, or /usr/share/campus-kiosk), else as given.
pub fn installed(p: &std::path::Path) -> PathBuf {
    if p.is_absolute() || p.exists() {
        return p.to_path_buf();
    }
    let assets = campus_kiosk::fonts::assets_dir();
    match assets.parent().map(|root| root.join(p)) {
        Some(there) if there.exists() => there,
        _ => p.to_path_buf(),
    }
}

/// The built-in services' templates.
pub fn builtin_templates() -> PathBuf {
    installed(std::path::Path::new("print-templates"))
}
