use std::path::Path;
use std::time::Instant;

use campus_kiosk::adapters::files::data_dir;
use campus_kiosk::fonts::{FontBook, assets_dir};
use campus_kiosk::template::Template;

/// Renders N times in one process; the last line is machine-readable.
pub fn render(dir: &Path, data: &Path, n: usize) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let book = FontBook::load(&assets_dir())?;
    let font_load_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let tpl = Template::load(dir)?;
    let data = data_dir::load(data)?;
    let f = campus_kiosk::bench::render(&book, &tpl, &data, n)?;
    println!(
        "cold_render_ms={:.2} layout_ms_median={:.2}",
        f.cold_ms, f.layout_median_ms
    );
    println!(
        "render_ms_median={:.2} render_ms_min={:.2} font_load_ms={font_load_ms:.2} pdf_bytes={} pages={}",
        f.median_ms, f.min_ms, f.pdf_bytes, f.pages
    );
    Ok(())
}

/// Times the journal on a scratch file in `dir`, removed afterwards.
pub fn journal(dir: &Path, attempts: usize, people: usize, n: usize) -> anyhow::Result<()> {
    if !dir.is_dir() {
        anyhow::bail!("--dir {}: no such folder", dir.display());
    }
    let path = dir.join(format!("journal-bench-{}.sqlite", std::process::id()));
    if path.exists() {
        anyhow::bail!("{} exists: remove it or pick another --dir", path.display());
    }
    let result = campus_kiosk::bench::journal(&path, attempts, people, n.max(1));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let f = result?;
    println!(
        "attempts={} fill_ms={:.0} file_bytes={}",
        f.attempts, f.fill_ms, f.file_bytes
    );
    println!(
        "attempt_writes_ms_median={:.2} attempt_writes_ms_max={:.2} quota_lookup_ms_median={:.3} stats_ms={:.0}",
        f.attempt_median_ms, f.attempt_max_ms, f.quota_lookup_median_ms, f.stats_ms
    );
    Ok(())
}
