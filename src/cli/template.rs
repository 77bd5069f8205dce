use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use campus_kiosk::adapters::files::data_dir;
use campus_kiosk::adapters::platform::http::PlatformClient;
use campus_kiosk::authoring::dry_run::{self, Grid, Stands};
use campus_kiosk::authoring::{bundle, check};
use campus_kiosk::export::{pdf, raster};
use campus_kiosk::pipeline::{self, PipelineError};
use campus_kiosk::template::Template;

pub fn check(dirs: Vec<PathBuf>) -> anyhow::Result<()> {
    let book = super::fonts()?;
    let roots = if dirs.is_empty() {
        vec![PathBuf::from("print-templates")]
    } else {
        dirs
    };
    let mut failed = 0usize;
    let mut checked = 0usize;
    for root in roots {
        let found = if bundle::is_bundle(&root) {
            vec![root.clone()]
        } else {
            check::template_dirs(&root).with_context(|| format!("{}: cannot list templates", root.display()))?
        };
        if found.is_empty() {
            bail!(
                "{}: no template folders (a folder holding template.toml) found",
                root.display()
            );
        }
        for dir in found {
            checked += 1;
            let opened = Opened::open(&dir)?;
            let problems: Vec<String> = check::check_dir(book, opened.dir(), now_unix())
                .into_iter()
                .map(|p| opened.name(&p.to_string()))
                .collect();
            if problems.is_empty() {
                println!("ok      {}", dir.display());
            } else {
                failed += 1;
                println!("FAILED  {}", dir.display());
                for p in problems {
                    println!("  {p}");
                }
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {checked} templates have problems");
    }
    println!("{checked} templates ok");
    Ok(())
}

/// Now as Unix seconds, at the binary's edge.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Now, at the binary's edge: the library never reads the clock.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8));
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// Where a preview's data comes from.
pub enum DataFrom {
    Dir(PathBuf),
    Platform { id: String, card: bool, config: PathBuf },
}

/// Fetches what `tpl` reads from the platform configured in `config`.
fn fetch(tpl: &Template, id: &str, card: bool, config: &Path) -> anyhow::Result<campus_kiosk::data::DataSet> {
    let cfg = campus_kiosk::config::Config::load(config)?;
    let client = PlatformClient::from_config(&cfg)?;
    let sources = pipeline::sources(tpl);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async {
        let person = if card {
            client.card(id).await?
        } else {
            // The platform has no person endpoint: the enrollment record
            // names the student.
            let e = client.enrollment(id).await?;
            let record = serde_json::json!({
                "id": id,
                "kind": "student",
                "name": e["name"],
                "name_en": e.get("name_en"),
                "org_name": e.get("college"),
                "org_name_en": e.get("college_en"),
            });
            campus_kiosk::platform::validate::person(&record, "person")?
        };
        Ok(client.fetch(&person, &sources).await?)
    })
}

pub fn preview(
    dir: &Path,
    source: DataFrom,
    out: Option<&Path>,
    png: Option<&Path>,
    dpi: f32,
    issued_at: Option<String>,
) -> anyhow::Result<()> {
    let book = super::fonts()?;
    let opened = Opened::open(dir)?;
    let tpl = Template::load(opened.dir())?;
    let mut data = match source {
        DataFrom::Dir(d) => data_dir::load(&d)?,
        DataFrom::Platform { id, card, config } => fetch(&tpl, &id, card, &config)
            .with_context(|| format!("cannot fetch the data of {id} from the platform"))?,
    };
    campus_kiosk::adapters::files::spreadsheet::bind(&tpl, &mut data, now_unix())?;
    let issued_at = issued_at.unwrap_or_else(now_rfc3339);
    let (doc, facts) = match pipeline::render(book, &tpl, &data, &issued_at) {
        Ok(d) => d,
        Err(PipelineError::Ineligible { message }) => {
            bail!(
                "{} cannot be issued: {} / {}",
                tpl.file.service.name.zh,
                message.zh,
                message.en
            )
        }
        Err(e) => match campus_kiosk::authoring::check::locate(&tpl, &e) {
            Some(at) => bail!("{at}: {e}"),
            None => return Err(e.into()),
        },
    };
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(format!("{}.pdf", tpl.id())));
    let bytes = pdf::to_pdf(book, &doc)?;
    std::fs::write(&out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    if let Some(png_dir) = png {
        std::fs::create_dir_all(png_dir).with_context(|| format!("cannot create {}", png_dir.display()))?;
        for (i, page) in doc.pages.iter().enumerate() {
            let path = png_dir.join(format!("page-{}.png", i + 1));
            let bytes = raster::to_png(book, page, dpi)?;
            std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    println!(
        "{} page(s) -> {} ({} bytes), document {}",
        doc.pages.len(),
        out.display(),
        bytes.len(),
        facts.id
    );
    Ok(())
}

/// `kiosk template dry-run`'s arguments.
#[derive(Debug, clap::Args)]
pub struct DryRunArgs {
    /// The template folder, or a bundle.
    #[arg(value_name = "TEMPLATE")]
    pub dir: PathBuf,
    /// The spreadsheet: one person per row, a header in row 1.
    #[arg(long)]
    pub sheet: PathBuf,
    /// The worksheet of an .xlsx (default: the one the template names, else the first).
    #[arg(long)]
    pub worksheet: Option<String>,
    /// What the rows stand for: a `[sources]` spreadsheet, or
    /// `enrollment`, `transcript`, `dataset:<name>` (default: the
    /// template's only spreadsheet, else the first record it reads).
    #[arg(long)]
    pub source: Option<String>,
    /// The report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Rows rendered at once (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Also ask the data platform of this terminal configuration (folder
    /// or terminal.toml) whether it knows each row's student.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Issue time the documents carry (RFC 3339; default: now).
    #[arg(long)]
    pub issued_at: Option<String>,
}

/// Which of `keys` the platform of `config` does not know (students, by
/// their enrollment record), asking a few at a time.
fn not_on_platform(config: &Path, keys: Vec<String>) -> anyhow::Result<std::collections::BTreeSet<String>> {
    use campus_kiosk::platform::ErrorKind;
    let cfg = campus_kiosk::config::Config::load(config)?;
    let client = std::sync::Arc::new(PlatformClient::from_config(&cfg)?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(8));
        let mut asks = tokio::task::JoinSet::new();
        for key in keys {
            let (client, gate) = (client.clone(), gate.clone());
            asks.spawn(async move {
                let _turn = gate.acquire_owned().await;
                let answer = client.enrollment(&key).await;
                (key, answer)
            });
        }
        let mut unknown = std::collections::BTreeSet::new();
        while let Some(done) = asks.join_next().await {
            let (key, answer) = done.context("a platform lookup stopped")?;
            match answer {
                Ok(_) => {}
                Err(e) if e.kind == ErrorKind::NotFound => {
                    unknown.insert(key);
                }
                Err(e) => bail!("cannot ask the data platform about {key}: {e}"),
            }
        }
        Ok(unknown)
    })
}

pub fn dry_run(a: &DryRunArgs) -> anyhow::Result<()> {
    let book = super::fonts()?;
    let opened = Opened::open(&a.dir)?;
    let tpl = Template::load(opened.dir())?;
    let stands = Stands::choose(&tpl, a.source.as_deref()).map_err(|e| anyhow::anyhow!("{}: {e}", a.dir.display()))?;
    let mut sample = data_dir::load(&opened.dir().join(&tpl.file.sample.data))
        .with_context(|| format!("{}: the template's sample data", a.dir.display()))?;
    // The sample person's rows of the other spreadsheets; the sheet
    // handed in stands for its own.
    let _ = campus_kiosk::adapters::files::spreadsheet::bind(&tpl, &mut sample, now_unix());
    let worksheet = a.worksheet.clone().or_else(|| match &stands {
        Stands::Sheet(n) => tpl.file.sources.get(n).and_then(|s| s.sheet.clone()),
        Stands::Record(_) => None,
    });
    let (sheet_name, cells) = campus_kiosk::adapters::files::spreadsheet::read_grid(&a.sheet, worksheet.as_deref())?;
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let issued_at = a.issued_at.clone().unwrap_or_else(now_rfc3339);
    let file = a.sheet.display().to_string();
    let grid = Grid {
        file: &file,
        sheet: &sheet_name,
        cells: &cells,
    };
    let unknown = match &a.config {
        Some(config) => {
            let mut keys = dry_run::keys(&tpl, &grid, &stands);
            keys.sort();
            keys.dedup();
            not_on_platform(config, keys)?
        }
        None => Default::default(),
    };
    let report = dry_run::dry_run_known(book, &tpl, &sample, grid, &stands, &issued_at, threads, &unknown);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for p in &report.problems {
            println!("{}: {}", report.locate(p), p.message);
            println!("    {}", p.message_zh);
        }
        println!(
            "{} of {} rows render ({} page(s)); {} problem(s); the rows stand for {}",
            report.rendered,
            report.rows,
            report.pages,
            report.problems.len(),
            report.stands_for
        );
    }
    if !report.ok() {
        bail!(
            "{} of {} rows of {} do not render",
            report.rows - report.rendered,
            report.rows,
            file
        );
    }
    Ok(())
}

/// A template given on the command line: a folder, or a bundle unpacked
/// into a private temporary folder for as long as this lives.
pub struct Opened {
    given: PathBuf,
    /// The temporary folder and the template folder in it.
    unpacked: Option<(tempfile::TempDir, PathBuf)>,
}

impl Opened {
    pub fn open(path: &Path) -> anyhow::Result<Opened> {
        if !bundle::is_bundle(path) {
            return Ok(Opened {
                given: path.to_path_buf(),
                unpacked: None,
            });
        }
        let bytes = read_bundle(path)?;
        let tmp = tempfile::Builder::new()
            .prefix("kiosk-bundle-")
            .tempdir()
            .context("cannot make a temporary folder for the bundle")?;
        let (_, dir) = bundle::unpack(&bytes, tmp.path()).with_context(|| format!("{}", path.display()))?;
        Ok(Opened {
            given: path.to_path_buf(),
            unpacked: Some((tmp, dir)),
        })
    }

    /// The template folder.
    pub fn dir(&self) -> &Path {
        self.unpacked.as_ref().map_or(&self.given, |(_, dir)| dir)
    }

    /// `text` with the temporary folder named as the bundle it came from:
    /// `dorm-1.0.0.service.zip!/template.toml:3:1`.
    pub fn name(&self, text: &str) -> String {
        match &self.unpacked {
            Some((_, dir)) => text.replace(&dir.display().to_string(), &format!("{}!", self.given.display())),
            None => text.to_string(),
        }
    }
}

/// A bundle file's bytes, within the size a service may hand in.
fn read_bundle(path: &Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut bytes = Vec::new();
    f.take(bundle::MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > bundle::MAX_BYTES {
        bail!(
            "{}: larger than the {} MB a service may hand in",
            path.display(),
            bundle::MAX_BYTES / (1024 * 1024)
        );
    }
    Ok(bytes)
}

/// `kiosk template bundle`: the folder as one file to hand in.
pub fn make_bundle(dir: &Path, who: bundle::HandIn, out: Option<&Path>) -> anyhow::Result<()> {
    // Its errors name the file, line and field.
    let (manifest, bytes) = bundle::pack(dir, &who, &now_rfc3339())?;
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(bundle::file_name(&manifest)));
    // Only its owner may read it: a bundle holds sample data.
    campus_kiosk::adapters::files::write_private(&out, &bytes)
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "{} {} ({} files, {} bytes) -> {}\ncontent {}",
        manifest.id,
        manifest.version,
        manifest.content.files.len(),
        bytes.len(),
        out.display(),
        manifest.content.hash
    );
    Ok(())
}
