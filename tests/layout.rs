//! Layout behaviour: pagination, repeated headers, rare characters,
//! eligibility, and reference snapshots of the page model.

use crate::common::*;
use campus_kiosk::page::{Document, Item};
use campus_kiosk::pipeline::{self, PipelineError};

/// The text runs of a page with their top y, in drawing order.
fn runs(doc: &Document, page: usize) -> Vec<(f32, String)> {
    doc.pages[page]
        .items
        .iter()
        .filter_map(|it| match it {
            Item::Text(t) => Some((t.y, t.glyphs.iter().map(|g| g.ch).collect())),
            _ => None,
        })
        .collect()
}

#[test]
fn long_transcript_repeats_the_header_and_splits_no_row() {
    let data = long_transcript(120);
    let (doc, _) = pipeline::render(book(), &template("transcript-zh"), &data, ISSUED_AT).unwrap();
    assert!(doc.pages.len() >= 3, "{} pages", doc.pages.len());
    let mut seen = std::collections::HashMap::new();
    for p in 0..doc.pages.len() {
        let text = runs(&doc, p);
        // The header row, once on every page, above every course on it.
        let heads: Vec<f32> = text.iter().filter(|(_, s)| s == "课程代码").map(|(y, _)| *y).collect();
        assert_eq!(heads.len(), 1, "page {}: header rows {heads:?}", p + 1);
        for (y, s) in &text {
            // A course code (GC0042), not a document code that happens to
            // start with GC.
            if let Some(k) = s
                .strip_prefix("GC")
                .filter(|k| k.len() == 4 && k.bytes().all(|b| b.is_ascii_digit()))
            {
                assert!(*y > heads[0], "page {}: course {s} above the header", p + 1);
                let k: usize = k.parse().unwrap();
                // The row's name is on the same page, on the same line.
                let name = format!("（第{}部分）", k + 1);
                assert!(
                    text.iter().any(|(y2, n)| n.ends_with(&name) && (y2 - y).abs() < 0.5),
                    "page {}: row GC{k:04} split from its name",
                    p + 1
                );
                assert!(seen.insert(k, p).is_none(), "course {k} printed twice");
            }
        }
    }
    assert_eq!(seen.len(), 120, "every course printed once");
    // Page numbers are right on every page.
    let n = doc.pages.len();
    for p in 0..n {
        let page = doc.page_text(p);
        assert!(page.contains(&format!("第 {} 页 / 共 {n} 页", p + 1)), "page {}", p + 1);
    }
}

#[test]
fn a_group_title_is_never_left_alone_at_a_page_end() {
    let data = long_transcript(120);
    let (doc, _) = pipeline::render(book(), &template("transcript-zh"), &data, ISSUED_AT).unwrap();
    let is_title = |s: &str| s.starts_with('第') && s.ends_with("学期");
    let mut titles = 0;
    for p in 0..doc.pages.len() {
        let text = runs(&doc, p);
        titles += text.iter().filter(|(_, s)| is_title(s)).count();
        // The lowest table line on the page is a course, not a term title.
        let last = text
            .iter()
            .filter(|(_, s)| is_title(s) || s.starts_with("GC"))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap();
        assert!(!is_title(&last.1), "page {} ends with the term title {}", p + 1, last.1);
    }
    assert_eq!(titles, 12, "every term title printed once");
}

#[test]
fn rare_name_characters_render_from_the_bundled_fonts() {
    let mut data = sample("2023011234");
    let name = "王䶮𠇗堃喆昇";
    data.enrollment.as_mut().unwrap()["name"] = serde_json::json!(name);
    let (doc, _) = pipeline::render(book(), &template("enrollment-certificate"), &data, ISSUED_AT).unwrap();
    let all: String = (0..doc.pages.len()).map(|p| doc.page_text(p)).collect();
    assert!(squash(&all).contains(name), "{all}");
    // 𠇗 (Extension B) comes from the fallback face, and no glyph is .notdef.
    let mut fallback = false;
    for p in &doc.pages {
        for it in &p.items {
            if let Item::Text(t) = it {
                for g in &t.glyphs {
                    assert_ne!(g.gid, 0, "{:?} drawn as .notdef", g.ch);
                    if g.ch == '𠇗' {
                        fallback = t.face.0 == 4;
                    }
                }
            }
        }
    }
    assert!(fallback, "𠇗 should come from HanaMinB");

    // And through a real PDF reader.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("rare.pdf");
    std::fs::write(&path, campus_kiosk::export::pdf::to_pdf(book(), &doc).unwrap()).unwrap();
    let text = squash(&run("pdftotext", &[path.to_str().unwrap(), "-"]));
    assert!(text.contains(name), "{text}");
    let fonts = run("pdffonts", &[path.to_str().unwrap()]);
    assert!(fonts.contains("+HanaMinB"), "{fonts}");
}

#[test]
fn an_uncovered_character_is_refused_with_its_field() {
    let mut data = sample("2023011234");
    data.enrollment.as_mut().unwrap()["name"] = serde_json::json!("王\u{17000}明");
    let err = pipeline::render(book(), &template("enrollment-certificate"), &data, ISSUED_AT).unwrap_err();
    match &err {
        PipelineError::MissingGlyph { ch, code, field, .. } => {
            assert_eq!(*ch, '\u{17000}');
            assert_eq!(*code, 0x17000);
            assert_eq!(field.as_deref(), Some("enrollment.name"));
        }
        other => panic!("expected a missing glyph, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("U+17000") && msg.contains("enrollment.name"), "{msg}");
}

#[test]
fn suspended_student_is_refused_with_the_templates_message() {
    let err = pipeline::render(
        book(),
        &template("enrollment-certificate"),
        &sample("2024020456"),
        ISSUED_AT,
    )
    .unwrap_err();
    match err {
        PipelineError::Ineligible { message } => {
            assert!(message.zh.contains("在读"));
            assert!(message.en.contains("enrolled"));
        }
        other => panic!("expected ineligible, got {other:?}"),
    }
    // The transcript has no such rule.
    assert!(pipeline::render(book(), &template("transcript-zh"), &sample("2024020456"), ISSUED_AT).is_ok());
}

#[test]
fn missing_data_and_bad_issue_time_are_named() {
    let mut data = sample("2023011234");
    data.transcript = None;
    let err = pipeline::render(book(), &template("transcript-en"), &data, ISSUED_AT).unwrap_err();
    assert!(err.to_string().contains("transcript"), "{err}");
    let err = pipeline::render(book(), &template("transcript-en"), &sample("2023011234"), "yesterday").unwrap_err();
    assert!(matches!(err, PipelineError::IssueTime(_)), "{err}");
}

#[test]
fn wrong_data_types_are_errors_not_panics() {
    let mut data = sample("2023011234");
    data.transcript.as_mut().unwrap()["terms"] = serde_json::json!("not a list");
    let err = pipeline::render(book(), &template("transcript-zh"), &data, ISSUED_AT).unwrap_err();
    assert!(err.to_string().contains("transcript.terms"), "{err}");
    assert!(err.to_string().contains("list"), "{err}");
}

#[test]
fn data_cannot_inject_markup() {
    let mut data = sample("2023011234");
    data.enrollment.as_mut().unwrap()["name"] = serde_json::json!("**王**");
    let (doc, _) = pipeline::render(book(), &template("enrollment-certificate"), &data, ISSUED_AT).unwrap();
    assert!(doc.page_text(0).contains("**王**"));
}

/// Reference tests: the page model of each built-in with the first example
/// student, compared with `tests/ref/<name>.txt`. Set `UPDATE_REFS=1` to
/// write new references after an intended change, and review the diff.
#[test]
fn reference_page_models() {
    for id in ["enrollment-certificate", "transcript-zh", "transcript-en"] {
        let (doc, _) = pipeline::render(book(), &template(id), &sample("2023011234"), ISSUED_AT).unwrap();
        let got = doc.snapshot();
        let path = root().join("tests/ref").join(format!("{id}.txt"));
        if std::env::var_os("UPDATE_REFS").is_some() {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_REFS=1", path.display()));
        if got != want {
            let line = got.lines().zip(want.lines()).position(|(a, b)| a != b).unwrap_or(0);
            panic!(
                "{id}: page model differs from {} at line {}:\n  got:  {}\n  want: {}",
                path.display(),
                line + 1,
                got.lines().nth(line).unwrap_or(""),
                want.lines().nth(line).unwrap_or("")
            );
        }
    }
}

#[test]
fn a_row_taller_than_a_page_is_split_with_the_header_repeated() {
    let mut data = sample("2023011234");
    let long: String = "超长课程名称用于测试跨页拆分".repeat(160);
    data.transcript.as_mut().unwrap()["terms"][0]["courses"][1]["name"] = serde_json::json!(long);
    let tpl = template("transcript-zh");
    let (doc, _) = pipeline::render(book(), &tpl, &data, ISSUED_AT).unwrap();
    let bottom = doc.pages[0].height - campus_kiosk::page::mm(tpl.file.page.margins.bottom);
    let mut pages_with_part = 0;
    let mut all = String::new();
    for p in 0..doc.pages.len() {
        let text = runs(&doc, p);
        if text.iter().any(|(_, s)| s.contains("超长课程")) {
            pages_with_part += 1;
            assert!(text.iter().any(|(_, s)| s == "课程代码"), "page {}: no header", p + 1);
        }
        for (y, s) in &text {
            if !s.starts_with("文档编号") {
                assert!(*y < bottom, "page {}: {s:?} at {y} runs into the bottom margin", p + 1);
            }
            // (The header cell 课程名称 is made of the same characters.)
            if s != "课程名称" && s.chars().all(|c| "超长课程名称用于测试跨页拆分".contains(c)) {
                all.push_str(s);
            }
        }
    }
    assert!(pages_with_part >= 2, "the row should continue over pages");
    assert_eq!(squash(&all), long, "the long name is printed whole, once");
}

#[test]
fn an_image_can_be_placed_absolutely() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("badge");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(root().join("assets/images/seal.png"), dir.join("seal.png")).unwrap();
    let src = r#"
[service]
id = "badge"
version = "1"
name = { zh = "徽章", en = "Badge" }
audience = ["student"]
data = ["person"]
issuer = "x"
title = "x"
[[body]]
type = "text"
text = "{{ person.name }}"
[[body]]
type = "image"
file = "seal.png"
width = 30
at = [150, 240]
[[body]]
type = "text"
text = "after"
"#;
    let tpl = campus_kiosk::template::Template::from_source(&dir, &dir.join("template.toml"), src).unwrap();
    let (doc, _) = pipeline::render(book(), &tpl, &sample("2023011234"), ISSUED_AT).unwrap();
    let mm = campus_kiosk::page::mm;
    let img = doc.pages[0]
        .items
        .iter()
        .find_map(|it| match it {
            Item::Image { x, y, w, .. } => Some((*x, *y, *w)),
            _ => None,
        })
        .expect("image drawn");
    assert!(
        (img.0 - mm(150.0)).abs() < 0.01 && (img.1 - mm(240.0)).abs() < 0.01,
        "{img:?}"
    );
    assert!((img.2 - mm(30.0)).abs() < 0.01);
    // It takes no room: "after" sits right below the name.
    let text = runs(&doc, 0);
    let (y_name, y_after) = (text[0].0, text[1].0);
    assert!(y_after - y_name < 20.0, "{text:?}");
}

/// Every built-in service's closing block (seal, verification code, date)
/// has other content above it on its page, for the sample people and for
/// transcripts of every length from one course to two pages' worth.
#[test]
fn no_page_holds_only_the_closing_block() {
    let closing = |id: &str| match id {
        "transcript-en" => "Office of Academic Affairs",
        _ => "示范大学教务处",
    };
    let mut cases: Vec<(&str, campus_kiosk::data::DataSet, String)> = Vec::new();
    for id in ["enrollment-certificate", "transcript-zh", "transcript-en"] {
        cases.push((id, sample("2023011234"), "sample".into()));
        if id != "enrollment-certificate" {
            for n in (1..90).step_by(3) {
                cases.push((id, long_transcript(n), format!("{n} courses")));
            }
        }
    }
    for (id, data, what) in cases {
        let (doc, _) = pipeline::render(book(), &template(id), &data, ISSUED_AT).unwrap();
        let last = doc.pages.len() - 1;
        // The body's lines, top to bottom: below the header (the top
        // margin), the watermark (drawn at an angle) left out.
        let top = template(id).file.page.margins.top * 72.0 / 25.4;
        let mut lines: Vec<(f32, String)> = doc.pages[last]
            .items
            .iter()
            .filter_map(|it| match it {
                Item::Text(t) if t.angle == 0.0 && t.y > top => Some((t.y, t.glyphs.iter().map(|g| g.ch).collect())),
                _ => None,
            })
            .collect();
        lines.sort_by(|a, b| a.0.total_cmp(&b.0));
        let body: Vec<String> = lines.into_iter().map(|(_, s)| s).collect();
        let at = body.iter().rposition(|s| s.contains(closing(id)));
        let Some(at) = at else {
            panic!("{id} ({what}): the closing block is not on the last page: {body:?}");
        };
        assert!(
            at >= 2,
            "{id} ({what}): page {} starts with the closing block: {body:?}",
            last + 1
        );
    }
}

/// Justified Chinese lines of the certificate open no gap wider than a
/// quarter em between two characters (a line is never stretched to make
/// up for a long id number moved to the next one).
#[test]
fn justified_chinese_is_never_spread_wide() {
    let (doc, _) = pipeline::render(
        book(),
        &template("enrollment-certificate"),
        &sample("2023011234"),
        ISSUED_AT,
    )
    .unwrap();
    let is_han = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
    let mut checked = 0;
    let body_size = template("enrollment-certificate").file.page.size;
    for it in &doc.pages[0].items {
        // The body text (the letterhead's tracked title is a design, not a
        // justified line).
        let Item::Text(t) = it else { continue };
        if t.size != body_size {
            continue;
        }
        for w in t.glyphs.windows(2) {
            if is_han(w[0].ch) && is_han(w[1].ch) {
                let gap = (w[1].x - w[0].x) / t.size - 1.0;
                assert!(
                    gap <= 0.25 + 1e-3,
                    "{}{}: a gap of {gap:.2} em in {:?}",
                    w[0].ch,
                    w[1].ch,
                    t.glyphs.iter().map(|g| g.ch).collect::<String>()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "the certificate's text was measured ({checked} pairs)");
    let first = doc.page_text(0);
    assert!(first.contains("兹证明"), "{first}");
}
