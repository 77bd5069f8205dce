//! What we print, checked with real PDF tools (qpdf, poppler).

use std::fs;

use crate::common::*;
use campus_kiosk::export::{pdf, raster};
use campus_kiosk::pipeline;

const TEMPLATES: [&str; 3] = ["enrollment-certificate", "transcript-zh", "transcript-en"];

fn preview(id: &str, person: &str, out: &std::path::Path) -> std::process::Output {
    let tpl = root().join("print-templates").join(id);
    kiosk(
        &[
            "template",
            "preview",
            tpl.to_str().unwrap(),
            "--data",
            sample_dir(person).to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--issued-at",
            ISSUED_AT,
        ],
        &root(),
    )
}

fn json(person: &str, file: &str) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(sample_dir(person).join(file)).unwrap()).unwrap()
}

#[test]
fn built_ins_for_each_example_student() {
    let tmp = tempfile::tempdir().unwrap();
    for person in ["2023011234", "2024020456"] {
        let enrollment = json(person, "enrollment.json");
        for id in TEMPLATES {
            let out = tmp.path().join(format!("{id}-{person}.pdf"));
            let res = preview(id, person, &out);
            if id == "enrollment-certificate" && enrollment["status"] != "enrolled" {
                // The suspended student's certificate is refused, with the
                // template's message, and nothing is written.
                assert_eq!(res.status.code(), Some(1), "{id} {person}");
                let err = String::from_utf8_lossy(&res.stderr);
                assert!(err.contains("不能开具在读证明"), "{err}");
                assert!(err.contains("cannot be issued"), "{err}");
                assert!(!out.exists());
                continue;
            }
            assert!(
                res.status.success(),
                "{id} {person}: {}",
                String::from_utf8_lossy(&res.stderr)
            );
            let path = out.to_str().unwrap();
            let stdout = String::from_utf8_lossy(&res.stdout);

            // Structurally sound.
            run("qpdf", &["--check", path]);

            // Only embedded subset fonts.
            let fonts = run("pdffonts", &[path]);
            let rows: Vec<&str> = fonts.lines().skip(2).collect();
            assert!(!rows.is_empty(), "{fonts}");
            for row in &rows {
                let cols: Vec<&str> = row.split_whitespace().collect();
                assert!(cols[0].chars().nth(6) == Some('+'), "not a subset: {row}");
                let n = cols.len();
                assert_eq!(&cols[n - 5..n - 2], &["yes", "yes", "yes"], "emb/sub/uni: {row}");
            }

            // A4, and the page count the command printed.
            let info = run("pdfinfo", &[path]);
            let size = info.lines().find_map(|l| l.strip_prefix("Page size:")).unwrap();
            let dims: Vec<f64> = size.split_whitespace().filter_map(|w| w.parse().ok()).collect();
            assert!(
                (dims[0] - 595.276).abs() < 0.01 && (dims[1] - 841.89).abs() < 0.01,
                "{info}"
            );
            assert!(size.contains("(A4)"), "{info}");
            assert!(!info.contains("PDF/X"), "claims PDF/X: {info}");
            assert!(info.contains("CreationDate:    Mon Nov 23 01:30:00 2026 UTC"), "{info}");
            let pages: usize = info
                .lines()
                .find_map(|l| l.strip_prefix("Pages:"))
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            assert!(stdout.starts_with(&format!("{pages} page(s)")), "{stdout}");

            // The words on the paper.
            let text = squash(&run("pdftotext", &["-raw", path, "-"]));
            let (name, name_en) = (
                enrollment["name"].as_str().unwrap(),
                enrollment["name_en"].as_str().unwrap(),
            );
            if id == "transcript-en" {
                assert!(text.contains(&squash(name_en)), "{id}: {name_en}");
            } else {
                assert!(text.contains(name), "{id}: {name}");
            }
            assert!(text.contains(person), "{id}: id");
            for p in 1..=pages {
                let zh = squash(&format!("第 {p} 页 / 共 {pages} 页"));
                let en = squash(&format!("Page {p} of {pages}"));
                assert!(text.contains(&zh) && text.contains(&en), "{id}: page {p} of {pages}");
            }
            if id.starts_with("transcript") {
                let t = json(person, "transcript.json");
                for term in t["terms"].as_array().unwrap() {
                    for c in term["courses"].as_array().unwrap() {
                        let key = if id == "transcript-en" { "name_en" } else { "name" };
                        let course = squash(c[key].as_str().unwrap());
                        assert!(text.contains(&course), "{id} {person}: course {course}");
                        assert!(text.contains(c["code"].as_str().unwrap()));
                    }
                }
                let total = t["summary"]["total_credits"].as_f64().unwrap();
                let total = format!("{total:.1}");
                let label = if id == "transcript-en" {
                    "Totalcredits:"
                } else {
                    "总学分："
                };
                assert!(text.contains(&format!("{label}{total}")), "{id}: total {total}");
                if let Some(gpa) = t["summary"]["gpa"].as_f64() {
                    assert!(text.contains(&format!("{gpa:.2}")), "{id}: gpa {gpa}");
                }
            }
        }
    }
}

#[test]
fn same_input_and_issue_time_give_identical_bytes() {
    let tpl = template("transcript-zh");
    let data = sample("2023011234");
    let make = || {
        let (doc, _) = pipeline::render(book(), &tpl, &data, ISSUED_AT).unwrap();
        pdf::to_pdf(book(), &doc).unwrap()
    };
    let (a, b) = (make(), make());
    assert!(a == b, "two renders in one process differ");

    // And across processes, through the command.
    let tmp = tempfile::tempdir().unwrap();
    let (p1, p2) = (tmp.path().join("1.pdf"), tmp.path().join("2.pdf"));
    assert!(preview("transcript-zh", "2023011234", &p1).status.success());
    assert!(preview("transcript-zh", "2023011234", &p2).status.success());
    let (f1, f2) = (fs::read(&p1).unwrap(), fs::read(&p2).unwrap());
    assert!(f1 == f2, "two runs of the command differ");
    assert!(f1 == a, "the command and the library differ");

    // A different issue time is a different document.
    let (doc, _) = pipeline::render(book(), &tpl, &data, "2026-11-24T09:30:00+08:00").unwrap();
    assert!(
        pdf::to_pdf(book(), &doc).unwrap() != a,
        "another issue time gave the same bytes"
    );
}

#[test]
fn raster_page_matches_poppler_rendering() {
    let tmp = tempfile::tempdir().unwrap();
    for id in ["enrollment-certificate", "transcript-zh"] {
        let tpl = template(id);
        let (doc, _) = pipeline::render(book(), &tpl, &sample("2023011234"), ISSUED_AT).unwrap();
        let path = tmp.path().join(format!("{id}.pdf"));
        fs::write(&path, pdf::to_pdf(book(), &doc).unwrap()).unwrap();
        let ours = image::load_from_memory(&raster::to_png(book(), &doc.pages[0], 100.0).unwrap())
            .unwrap()
            .to_luma8();
        let prefix = tmp.path().join(id);
        run(
            "pdftoppm",
            &[
                "-r",
                "100",
                "-gray",
                "-png",
                "-singlefile",
                "-f",
                "1",
                "-l",
                "1",
                path.to_str().unwrap(),
                prefix.to_str().unwrap(),
            ],
        );
        let theirs = image::open(prefix.with_extension("png")).unwrap().to_luma8();
        assert_eq!(ours.dimensions(), theirs.dimensions(), "{id}: page size in pixels");
        // Compare 10×10-pixel blocks: anti-aliasing differs between the two
        // renderers, a misplaced or missing item does not average out.
        let blocks = |img: &image::GrayImage| -> Vec<f64> {
            let (w, h) = img.dimensions();
            let mut v = Vec::new();
            for by in 0..h / 10 {
                for bx in 0..w / 10 {
                    let mut sum = 0u32;
                    for y in 0..10 {
                        for x in 0..10 {
                            sum += u32::from(img.get_pixel(bx * 10 + x, by * 10 + y)[0]);
                        }
                    }
                    v.push(f64::from(sum) / 100.0);
                }
            }
            v
        };
        let (a, b) = (blocks(&ours), blocks(&theirs));
        let diffs: Vec<f64> = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).collect();
        let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
        let worst = diffs.iter().cloned().fold(0.0, f64::max);
        let inked = a.iter().filter(|&&v| v < 250.0).count();
        assert!(inked > 500, "{id}: our page is nearly blank");
        // Measured: certificate 0.7, transcript 2.7 (poppler draws hairlines
        // a little darker); the worst block stays near 23.
        assert!(mean < 4.0, "{id}: mean block difference {mean:.2}/255");
        assert!(worst < 60.0, "{id}: worst block difference {worst:.1}/255");
    }
}

#[test]
fn the_exporters_refuse_a_page_with_a_number_no_pdf_may_hold() {
    use campus_kiosk::page::Item;
    let tpl = template("enrollment-certificate");
    let (doc, _) = pipeline::render(book(), &tpl, &sample("2023011234"), ISSUED_AT).unwrap();
    assert!(pdf::to_pdf(book(), &doc).is_ok());
    for poison in [f32::NAN, f32::INFINITY, 3e38] {
        let mut bad = doc.clone();
        let last = bad.pages[0].items.len() - 1;
        match &mut bad.pages[0].items[last] {
            Item::Text(t) => t.x = poison,
            Item::Line { x1, .. } => *x1 = poison,
            Item::Rect { w, .. } | Item::Image { w, .. } => *w = poison,
            Item::Qr { module, .. } => *module = poison,
        }
        let e = pdf::to_pdf(book(), &bad).unwrap_err().to_string();
        assert!(e.contains("page 1") && e.contains("not a finite number"), "{e}");
        assert!(raster::render_page(book(), &bad.pages[0], 72.0).is_err());
    }
    // A run whose face was not embedded is an error, never a gap.
    let mut bad = doc.clone();
    let Some(Item::Text(t)) = bad.pages[0].items.iter_mut().find(|i| matches!(i, Item::Text(_))) else {
        panic!("the certificate has text")
    };
    t.glyphs[0].gid = u16::MAX;
    assert!(pdf::to_pdf(book(), &bad).is_err());
}
