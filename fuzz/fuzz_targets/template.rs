//! Template loading and rendering from arbitrary `template.toml` text,
//! against the example student, within the evaluation bounds: no panic,
//! no hang (fuel, budgets), and a template that renders gives pages whose
//! every number is finite and that export to PDF.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use campus_kiosk::data::DataSet;
use campus_kiosk::fonts::FontBook;
use campus_kiosk::template::Template;
use libfuzzer_sys::fuzz_target;

/// A folder named `fuzz` holding the built-in certificate's pictures, and
/// the example student's records.
fn setup() -> &'static (PathBuf, DataSet, &'static FontBook) {
    static S: OnceLock<(PathBuf, DataSet, &'static FontBook)> = OnceLock::new();
    S.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let dir = std::env::temp_dir()
            .join(format!("campus-kiosk-fuzz-{}", std::process::id()))
            .join("fuzz");
        std::fs::create_dir_all(&dir).unwrap();
        for f in ["logo.png", "seal.png"] {
            std::fs::copy(root.join("print-templates/enrollment-certificate").join(f), dir.join(f)).unwrap();
        }
        let data = campus_kiosk::adapters::files::data_dir::load(&root.join("assets/sample-data/2023011234")).unwrap();
        (dir, data, FontBook::shared().unwrap())
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let (dir, sample, book) = setup();
    let Ok(tpl) = Template::from_source(dir, &dir.join("template.toml"), src) else {
        return;
    };
    if let Ok((doc, _)) = campus_kiosk::pipeline::render(book, &tpl, sample, "2026-11-23T09:30:00+08:00") {
        assert!(doc.pages.iter().all(|p| p.unprintable().is_none()));
        let _ = campus_kiosk::export::pdf::to_pdf(book, &doc);
    }
});
