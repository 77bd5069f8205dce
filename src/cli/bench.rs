use std::path::Path;
use std::time::Instant;

use campus_kiosk::adapters::data_dir;
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
