use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use campus_kiosk::adapters::files::data_dir;
use campus_kiosk::adapters::platform::http::PlatformClient;
use campus_kiosk::authoring::check;
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
        let found =
            check::template_dirs(&root).with_context(|| format!("{}: cannot list templates", root.display()))?;
        if found.is_empty() {
            bail!(
                "{}: no template folders (a folder holding template.toml) found",
                root.display()
            );
        }
        for dir in found {
            checked += 1;
            let problems = check::check_dir(book, &dir, now_unix());
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
    let tpl = Template::load(dir)?;
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
