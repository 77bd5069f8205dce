//! `cargo bench`: the render benchmark over every built-in template with
//! the first example student (the same loop as `kiosk bench render`).

#![allow(
    clippy::expect_used,
    reason = "a benchmark without its fonts or templates cannot run"
)]

use std::path::Path;

use campus_kiosk::adapters::files::data_dir;
use campus_kiosk::fonts::{FontBook, assets_dir};
use campus_kiosk::template::Template;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let book = FontBook::load(&assets_dir()).expect("fonts");
    let data = data_dir::load(&root.join("assets/sample-data/2023011234")).expect("sample data");
    for id in ["enrollment-certificate", "transcript-zh", "transcript-en"] {
        let tpl = Template::load(&root.join("print-templates").join(id)).expect("template");
        let f = campus_kiosk::bench::render(&book, &tpl, &data, 100).expect("renders");
        println!(
            "{id:24} median {:6.2} ms  min {:6.2} ms  layout {:6.2} ms  cold {:7.2} ms  {:>7} bytes  {} pages",
            f.median_ms, f.min_ms, f.layout_median_ms, f.cold_ms, f.pdf_bytes, f.pages
        );
    }
}
