//! `cargo bench --bench dry_run`: `kiosk template dry-run`'s work on a
//! generated 10,000-row .xlsx of enrollment records with seeded defects:
//! reading the sheet, then rendering every row on every core. It checks
//! that the report names exactly the seeded defects, and leaves the sheet
//! at `target/dry-run-10000.xlsx` for timing the command itself.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::disallowed_methods,
    reason = "a benchmark without its fonts or templates cannot run, and it reads the clock"
)]

use std::path::Path;
use std::time::Instant;

use campus_kiosk::adapters::files::{data_dir, spreadsheet};
use campus_kiosk::authoring::dry_run::{Grid, Stands, dry_run};
use campus_kiosk::fonts::{FontBook, assets_dir};
use campus_kiosk::template::Template;

#[path = "../tests/common/sheet_gen.rs"]
#[allow(
    dead_code,
    reason = "the tests' seeded set is theirs; the benchmark seeds its own rows"
)]
mod sheet_gen;
use sheet_gen::{Defect, enrollment_sheet};

const ROWS: usize = 10_000;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("print-templates/enrollment-certificate");
    let sheet = root.join("target/dry-run-10000.xlsx");
    let defects = [
        (1_000, Defect::RareCharacter),
        (2_500, Defect::EmptyCollege),
        (5_000, Defect::DuplicateId),
        (7_500, Defect::BadDate),
        (9_000, Defect::LongMajor),
    ];
    enrollment_sheet(&sheet, ROWS, &defects);
    let book = FontBook::load(&assets_dir()).expect("fonts");
    let tpl = Template::load(&dir).expect("template");
    let sample = data_dir::load(&dir.join("sample")).expect("sample data");
    let stands = Stands::choose(&tpl, None).expect("the rows stand for enrollment");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    for run in 0..3 {
        let t0 = Instant::now();
        let (name, cells) = spreadsheet::read_grid(&sheet, None).expect("the sheet reads");
        let read_s = t0.elapsed().as_secs_f64();
        let file = sheet.display().to_string();
        let grid = Grid {
            file: &file,
            sheet: &name,
            cells: &cells,
        };
        let t1 = Instant::now();
        let report = dry_run(
            &book,
            &tpl,
            &sample,
            grid,
            &stands,
            "2026-11-23T09:30:00+08:00",
            threads,
        );
        let render_s = t1.elapsed().as_secs_f64();
        let rows: Vec<usize> = report.problems.iter().filter_map(|p| p.row).collect();
        assert_eq!(
            rows,
            defects.iter().map(|(i, _)| i + 2).collect::<Vec<_>>(),
            "the report names the seeded defects: {:#?}",
            report.problems
        );
        assert_eq!(report.rendered, ROWS - defects.len());
        println!(
            "run {run}: rows={} threads={threads} read_s={read_s:.2} render_s={render_s:.2} rows_per_s={:.0} problems={}",
            report.rows,
            report.rows as f64 / render_s,
            report.problems.len()
        );
    }
}
