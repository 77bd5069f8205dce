//! `kiosk template check` and template loading errors.

use std::fs;
use std::path::Path;

use crate::common::*;
use campus_kiosk::authoring::check::check_dir;

/// A copy of the built-in certificate under a temporary folder, with its
/// template.toml changed by `edit`.
fn broken(edit: impl FnOnce(String) -> String) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("enrollment-certificate");
    fs::create_dir(&dir).unwrap();
    let src = root().join("print-templates/enrollment-certificate");
    for f in ["logo.png", "seal.png"] {
        fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    fs::create_dir(dir.join("sample")).unwrap();
    for f in ["person.json", "enrollment.json"] {
        fs::copy(src.join("sample").join(f), dir.join("sample").join(f)).unwrap();
    }
    let toml = fs::read_to_string(src.join("template.toml")).unwrap();
    fs::write(dir.join("template.toml"), edit(toml)).unwrap();
    (tmp, dir)
}

fn line_of(dir: &Path, needle: &str) -> usize {
    let text = fs::read_to_string(dir.join("template.toml")).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn built_in_templates_pass() {
    for id in ["enrollment-certificate", "transcript-zh", "transcript-en"] {
        let problems = check_dir(book(), &root().join("print-templates").join(id), NOW);
        assert!(problems.is_empty(), "{id}: {problems:?}");
    }
}

#[test]
fn syntax_error_names_file_line_and_column() {
    let (_tmp, dir) = broken(|t| t.replace("size = 24\n", "size = = 24\n"));
    let line = line_of(&dir, "size = = 24");
    let problems = check_dir(book(), &dir, NOW);
    assert_eq!(problems.len(), 1, "{problems:?}");
    let expected = format!("{}:{line}:8", dir.join("template.toml").display());
    assert_eq!(problems[0].at, expected, "{problems:?}");
}

#[test]
fn unknown_field_is_named_with_its_position() {
    let (_tmp, dir) = broken(|t| t.replace("max_copies = 5", "max_copies = 5\nmax_kopies = 3"));
    let line = line_of(&dir, "max_kopies");
    let p = &check_dir(book(), &dir, NOW)[0];
    assert!(p.at.ends_with(&format!(":{line}:1")), "{p:?}");
    assert!(p.message.contains("max_kopies"), "{p:?}");

    // Inside an inline table, the key itself is named, not the table.
    let (_tmp, dir) = broken(|t| {
        t.replace(
            "margins = { top = 42, bottom = 28, left = 25, right = 25 }",
            "margins = { top = 42, bottom = 28,\n  left = 25, rigth = 25 }",
        )
    });
    let line = line_of(&dir, "rigth");
    let p = &check_dir(book(), &dir, NOW)[0];
    assert!(p.at.ends_with(&format!(":{line}:14")), "{p:?}");
}

#[test]
fn a_quota_out_of_range_is_named() {
    let (_tmp, dir) = broken(|t| t.replace("max_copies = 5", "max_copies = 5\nquota_per_term = 0"));
    let p = &check_dir(book(), &dir, NOW)[0];
    let line = line_of(&dir, "quota_per_term");
    assert!(p.at.ends_with(&format!(":{line}: service.quota_per_term")), "{p:?}");
    assert!(p.message.contains("1 and 1000"), "{p:?}");
    let (_tmp, dir) = broken(|t| t.replace("max_copies = 5", "max_copies = 5\nquota_per_term = 12"));
    assert!(check_dir(book(), &dir, NOW).is_empty());
}

#[test]
fn unknown_placeholder_names_the_field() {
    let (_tmp, dir) = broken(|t| {
        assert!(t.contains("学号：{{ enrollment.student_id }}"));
        t.replace("学号：{{ enrollment.student_id }}", "学号：{{ enrollment.studnet_id }}")
    });
    let problems = check_dir(book(), &dir, NOW);
    assert!(
        problems.iter().any(|p| p.message.contains("enrollment.studnet_id")),
        "{problems:?}"
    );
}

#[test]
fn placeholder_syntax_error_is_reported() {
    let (_tmp, dir) = broken(|t| t.replace("text = \"特此证明。\"", "text = \"特此证明{{ 。\""));
    let p = &check_dir(book(), &dir, NOW)[0];
    assert!(p.message.contains("placeholder syntax"), "{p:?}");
    assert!(p.at.contains(&format!(":{}", line_of(&dir, "特此证明{{"))), "{p:?}");
}

#[test]
fn missing_image_and_unknown_font_are_reported() {
    let (_tmp, dir) = broken(|t| t.replace("file = \"seal.png\"", "file = \"stamp.png\""));
    let p = &check_dir(book(), &dir, NOW)[0];
    assert!(p.message.contains("stamp.png"), "{p:?}");

    let (_tmp, dir) = broken(|t| t.replace("family = \"serif\"", "family = \"fangsong\""));
    let p = &check_dir(book(), &dir, NOW)[0];
    assert!(p.message.contains("fangsong"), "{p:?}");
    assert!(p.at.contains(&format!(":{}:", line_of(&dir, "fangsong"))), "{p:?}");
}

#[test]
fn literal_text_outside_the_fonts_is_reported() {
    // U+17000 (Tangut) is in none of the bundled fonts.
    let (_tmp, dir) = broken(|t| t.replace("特此证明。", "特此证明\u{17000}"));
    let problems = check_dir(book(), &dir, NOW);
    assert!(problems.iter().any(|p| p.message.contains("U+17000")), "{problems:?}");
}

#[test]
fn cli_exit_codes() {
    let ok = kiosk(&["template", "check"], &root());
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("3 templates ok"));

    let (tmp, dir) = broken(|t| t.replace("size = 24\n", "size = = 24\n"));
    let bad = kiosk(&["template", "check", dir.to_str().unwrap()], tmp.path());
    assert_eq!(bad.status.code(), Some(1));
    let out = String::from_utf8_lossy(&bad.stdout);
    assert!(
        out.contains(&format!("template.toml:{}:8", line_of(&dir, "size = = 24"))),
        "{out}"
    );

    let none = kiosk(&["template", "check", "/nonexistent-folder"], tmp.path());
    assert_eq!(none.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&none.stderr).contains("/nonexistent-folder"));

    let usage = kiosk(&["template", "frobnicate"], tmp.path());
    assert_eq!(usage.status.code(), Some(1));
}

/// The complete example in docs/templates.md is a working template.
#[test]
fn the_documented_example_checks_and_renders() {
    let doc = fs::read_to_string(root().join("docs/templates.md")).unwrap();
    let section = &doc[doc.find("## A complete example").expect("example section")..];
    let block = |lang: &str| {
        let start = section.find(&format!("```{lang}\n")).unwrap() + lang.len() + 4;
        section[start..][..section[start..].find("```").unwrap()].to_string()
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("scholarship-certificate");
    let sample = dir.join("sample");
    fs::create_dir_all(sample.join("datasets")).unwrap();
    fs::write(dir.join("template.toml"), block("toml")).unwrap();
    fs::write(sample.join("datasets/scholarships.json"), block("json")).unwrap();
    for f in ["person.json", "enrollment.json"] {
        fs::copy(sample_dir("2023011234").join(f), sample.join(f)).unwrap();
    }
    let problems = check_dir(book(), &dir, NOW);
    assert!(problems.is_empty(), "{problems:?}");

    let out = tmp.path().join("s.pdf");
    let preview = || {
        kiosk(
            &[
                "template",
                "preview",
                dir.to_str().unwrap(),
                "--data",
                sample.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            tmp.path(),
        )
    };
    let res = preview();
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    assert!(String::from_utf8_lossy(&res.stdout).starts_with("1 page(s)"));

    // Without an award the person is refused with the template's message.
    fs::write(sample.join("datasets/scholarships.json"), r#"{"awards": []}"#).unwrap();
    let res = preview();
    assert_eq!(res.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&res.stderr).contains("没有查到你的获奖记录"));
}

#[test]
fn unreadable_geometry_is_refused_with_the_block_named() {
    let cases = [
        ("size = 24\n", "size = 0\n", "body[0]"),
        (
            "margins = { top = 42, bottom = 28, left = 25, right = 25 }",
            "margins = { top = 42, bottom = 28, left = 90, right = 90 }",
            "page.margins",
        ),
        (
            "{ type = \"qr\", size = 26,",
            "{ type = \"qr\", size = 2,",
            "body[5].cells[0].blocks[0]",
        ),
        (
            "width = 36, align = \"right\"",
            "width = -3, align = \"right\"",
            "body[5].cells[1].blocks[0]",
        ),
        // Numbers TOML can spell that no page can hold.
        ("offset = [-4, -5]", "offset = [nan, -5]", "body[5].cells[1].blocks[0]"),
        ("offset = [-4, -5]", "offset = [-4, inf]", "body[5].cells[1].blocks[0]"),
        ("width = 7\n", "width = 3e38\n", "header[0]"),
        ("space_after = 8\n", "space_after = -inf\n", "body[1]"),
    ];
    for (from, to, field) in cases {
        let (_tmp, dir) = broken(|t| {
            assert!(t.contains(from), "{from}");
            t.replacen(from, to, 1)
        });
        let p = &check_dir(book(), &dir, NOW)[0];
        assert!(p.at.ends_with(field), "{to}: {p:?}");
    }
}

#[test]
fn malformed_data_is_named_with_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    fs::create_dir(&data).unwrap();
    fs::copy(sample_dir("2023011234").join("person.json"), data.join("person.json")).unwrap();
    fs::write(
        data.join("enrollment.json"),
        "{\n  \"student_id\": \"2023011234\",\n  \"name\": \n}\n",
    )
    .unwrap();
    let tpl = root().join("print-templates/enrollment-certificate");
    let out = tmp.path().join("x.pdf");
    let preview = || {
        kiosk(
            &[
                "template",
                "preview",
                tpl.to_str().unwrap(),
                "--data",
                data.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            tmp.path(),
        )
    };
    let res = preview();
    assert_eq!(res.status.code(), Some(1));
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(err.contains("enrollment.json:4:1"), "{err}");
    assert!(!out.exists());

    // A record missing altogether is named too.
    fs::remove_file(data.join("enrollment.json")).unwrap();
    let res = preview();
    assert_eq!(res.status.code(), Some(1));
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(err.contains("lacks enrollment"), "{err}");
}

#[test]
fn a_bad_placeholder_in_a_seal_field_is_named() {
    let (_tmp, dir) = broken(|t| {
        t.replace(
            "college = \"{{ enrollment.college }}\"",
            "college = \"{{ enrollment.colege }}\"",
        )
    });
    let problems = check_dir(book(), &dir, NOW);
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("enrollment.colege") && p.at.contains("seal.fields.college")),
        "{problems:?}"
    );
}

/// What `check` says of the certificate with `{{ enrollment.college }}`
/// replaced by `text`: the problems, all naming where they are.
fn check_with(text: &str) -> Vec<campus_kiosk::authoring::check::Problem> {
    let (_tmp, dir) = broken(|t| {
        assert!(t.contains("{{ enrollment.college }}"));
        t.replacen("{{ enrollment.college }}", text, 1)
    });
    check_dir(book(), &dir, NOW)
}

#[test]
fn templates_that_would_run_forever_or_fill_memory_are_refused() {
    let many_terms = format!("{{{{ {}1 }}}}", "1 + ".repeat(50_000));
    let mut growing = "enrollment.name".to_string();
    for _ in 0..12 {
        growing = format!("enrollment.name | replace('', {growing})");
    }
    let growing = format!("{{{{ {growing} }}}}");
    let cases: [(&str, &str); 8] = [
        (
            "{% for i in range(1000) %}{% for j in range(1000) %}{{ j }}{% endfor %}{% endfor %}",
            "steps",
        ),
        (
            "{% for i in range(100000) %}x{% endfor %}",
            "range() is limited to 1000",
        ),
        (
            "{% set s = enrollment.name %}{{ s ~ s }}",
            "only {% if %} and {% for %}",
        ),
        ("{{ 'x' * 100000000 }}", "'*' is not available"),
        (&many_terms, "longer than the 4000"),
        ("{{ 3.14159 | fixed(65536) }}", "fixed(65536): use 0 to 10"),
        (&growing, "grew past"),
        ("{{ enrollment | pprint }}", "unknown filter"),
    ];
    // Just under the limit, the deepest expression a text can hold is
    // evaluated without exhausting a thread's stack.
    let deepest = format!("{{{{ {}1 }}}}", "1+".repeat(1700));
    assert!(check_with(&deepest).iter().all(|p| !p.message.contains("longer")));
    for (text, says) in cases {
        let problems = check_with(text);
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains(says) && p.at.contains("template.toml")),
            "{}: {problems:?}",
            &text[..text.len().min(80)]
        );
    }
}

#[test]
fn a_render_is_stopped_when_its_caller_gives_up() {
    use campus_kiosk::pipeline::{self, Cancel};
    // Legal, but slow: a thousand rows, each cell looping thousands of
    // times within its fuel.
    let (_tmp, dir) = broken(|t| t);
    let mut tpl_src = fs::read_to_string(dir.join("template.toml")).unwrap();
    tpl_src.push_str("\n[[body]]\ntype = \"table\"\nrows = \"range(1000)\"\nrow_var = \"r\"\ncolumns = [\n");
    for _ in 0..20 {
        tpl_src.push_str(
            "  { title = \"c\", width = 1, value = \"{% for i in range(1000) %}{% for j in range(3) %}{% endfor %}{% endfor %}{{ r }}\" },\n",
        );
    }
    tpl_src.push_str("]\n");
    fs::write(dir.join("template.toml"), tpl_src).unwrap();
    let tpl = campus_kiosk::template::Template::load(&dir).unwrap();
    let data = campus_kiosk::adapters::files::data_dir::load(&sample_dir("2023011234")).unwrap();
    let sealer = pipeline::Sealer {
        terminal: "T-TEST".into(),
        key: ed25519_dalek::SigningKey::from_bytes(&[9; 32]),
        verify_url: "HTTPS://V.EXAMPLE/V".into(),
    };
    let cancel = Cancel::new();
    let stopper = {
        let cancel = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            cancel.cancel();
        })
    };
    let r = pipeline::render_sealed_cancellable(book(), &tpl, &data, ISSUED_AT, &sealer, &cancel);
    stopper.join().unwrap();
    let Err(e) = r else {
        panic!("a cancelled render gives no document")
    };
    assert!(e.to_string().contains("stopped"), "{e}");
}

#[test]
fn a_tag_inside_a_rule_is_refused_not_a_crash() {
    // Found by the template fuzz target: minijinja's lexer panicked on
    // `}}` inside an expression.
    let (_tmp, dir) = broken(|t| {
        let start = t.find("rule = ").unwrap();
        let end = start + t[start..].find('\n').unwrap();
        format!(
            "{}rule = 'enrol | lower }}}} student {{{{ x }}}}'{}",
            &t[..start],
            &t[end..]
        )
    });
    let problems = check_dir(book(), &dir, NOW);
    assert!(
        problems
            .iter()
            .any(|p| p.at.contains("eligibility.rule") && p.message.contains("not part of an expression")),
        "{problems:?}"
    );
}

#[test]
fn a_rule_that_is_not_true_or_false_and_pictures_too_large_or_outside_are_refused() {
    // A rule giving text would make everyone eligible.
    for rule in ["\"no\"", "enrollment.name"] {
        let (_tmp, dir) = broken(|t| {
            let start = t.find("rule = ").unwrap();
            let end = start + t[start..].find('\n').unwrap();
            format!("{}rule = {rule:?}{}", &t[..start], &t[end..])
        });
        let problems = check_dir(book(), &dir, NOW);
        assert!(
            problems.iter().any(|p| p.message.contains("not true or false")),
            "{rule}: {problems:?}"
        );
    }
    // A picture linked from outside the folder.
    let (tmp, dir) = broken(|t| t);
    let outside = tmp.path().join("outside.png");
    fs::rename(dir.join("logo.png"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("logo.png")).unwrap();
    let problems = check_dir(book(), &dir, NOW);
    assert!(
        problems.iter().any(|p| p.message.contains("links outside")),
        "{problems:?}"
    );
    // 4100 × 4100 pixels.
    let (_tmp, dir) = broken(|t| t);
    image::GrayImage::new(4100, 4100).save(dir.join("logo.png")).unwrap();
    let problems = check_dir(book(), &dir, NOW);
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("4100 × 4100 pixels is more than")),
        "{problems:?}"
    );
}

#[test]
fn a_template_reads_sample_data_only_from_its_own_folder() {
    for outside in ["/etc", "../../assets/sample-data/2023011234"] {
        let (_tmp, dir) = broken(|t| t.replace("data = \"sample\"", &format!("data = {outside:?}")));
        let p = &check_dir(book(), &dir, NOW)[0];
        assert!(
            p.at.contains("sample.data") && p.message.contains("inside the template folder"),
            "{outside}: {p:?}"
        );
    }
    // Nor through a link.
    let (_tmp, dir) = broken(|t| t);
    fs::remove_dir_all(dir.join("sample")).unwrap();
    std::os::unix::fs::symlink(sample_dir("2023011234"), dir.join("sample")).unwrap();
    let p = &check_dir(book(), &dir, NOW)[0];
    assert!(p.message.contains("links outside"), "{p:?}");
}

#[test]
fn certified_fields_too_long_for_the_qr_code_are_found_by_check() {
    let (_tmp, dir) = broken(|t| {
        t.replace(
            "college = \"{{ enrollment.college }}\"",
            &format!("college = \"{}\"", "长".repeat(1500)),
        )
    });
    let problems = check_dir(book(), &dir, NOW);
    assert!(
        problems
            .iter()
            .any(|p| p.at.ends_with("seal.fields") && p.message.contains("fewer or shorter")),
        "{problems:?}"
    );
}

#[test]
fn preview_names_the_file_and_line_of_an_undefined_field() {
    let (tmp, dir) = broken(|t| t.replacen("{{ enrollment.college }}", "{{ enrollment.no_such_field }}", 1));
    let line = line_of(&dir, "enrollment.no_such_field");
    let out = kiosk(
        &[
            "template",
            "preview",
            dir.to_str().unwrap(),
            "--data",
            dir.join("sample").to_str().unwrap(),
            "--out",
            tmp.path().join("x.pdf").to_str().unwrap(),
        ],
        tmp.path(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains(&format!("template.toml:{line}")), "{err}");
}
