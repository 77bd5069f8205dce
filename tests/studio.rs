//! The template studio (`kiosk studio`), served by the kiosk binary and
//! driven in Debian's Chromium by playwright-core (tests/js/studio.mjs) as a
//! department's administrator would: start from the enrollment
//! certificate, change its title and who may print it, break the TOML,
//! check a spreadsheet with seeded defects, hand the service in. And its
//! API on bad input, with curl.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::sheet_gen::{SEEDED, enrollment_sheet};
use crate::common::*;
use serde_json::Value;

const ISSUED_AT: &str = "2026-11-23T09:30:00+08:00";

/// A studio over a copy of the built-in services in `dir/templates`.
pub(crate) fn studio(dir: &Path) -> (Procs, String, PathBuf) {
    let templates = dir.join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    for id in ["enrollment-certificate", "transcript-zh"] {
        copy_dir(&root().join("print-templates").join(id), &templates.join(id));
    }
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args([
            "studio",
            "--templates",
            templates.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the studio did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (Procs(vec![child]), url, templates)
}

/// A studio on every address of this machine over the built-in services,
/// with `password` (hashed by `kiosk studio --hash-password`, its
/// configuration in `dir`), its errors to `stderr`: it and its port.
pub(crate) fn studio_with_password(dir: &Path, password: &str, stderr: Stdio) -> (Procs, u16) {
    let mut hash = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["studio", "--hash-password"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    hash.stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    let hashed = String::from_utf8(hash.wait_with_output().unwrap().stdout).unwrap();
    let config = dir.join("studio.toml");
    std::fs::write(&config, format!("[studio]\npassword_hash = \"{}\"\n", hashed.trim())).unwrap();
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args([
            "studio",
            "--listen",
            &format!("0.0.0.0:{port}"),
            "--allow-network",
            "--config",
            config.to_str().unwrap(),
            "--templates",
            root().join("print-templates").to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let procs = Procs(vec![child]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the studio did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (procs, port)
}

/// curl: (status, body).
pub(crate) fn curl(args: &[&str]) -> (u16, Vec<u8>) {
    let mut all = vec![
        "-s",
        "--path-as-is",
        "-o",
        "-",
        "-w",
        "\n%{http_code}",
        "--max-time",
        "60",
    ];
    all.extend(args);
    let out = Command::new(tool("curl")).args(&all).output().unwrap();
    let body = out.stdout;
    let cut = body.iter().rposition(|&b| b == b'\n').unwrap();
    let status = String::from_utf8_lossy(&body[cut + 1..]).trim().parse().unwrap();
    (status, body[..cut].to_vec())
}

/// curl: POST a JSON body to `url`.
pub(crate) fn post_json(url: &str, body: &str) -> (u16, Vec<u8>) {
    curl(&["-X", "POST", "-H", "content-type: application/json", "-d", body, url])
}

pub(crate) fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(body)))
}

fn b64(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

#[test]
fn a_department_builds_checks_previews_and_hands_in_a_service_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let (_studio, url, templates) = studio(tmp.path());
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let sheet = tmp.path().join("名单.xlsx");
    enrollment_sheet(&sheet, 30, &SEEDED);
    let big = tmp.path().join("big.xlsx");
    std::fs::write(&big, vec![b'P'; 50 * 1024 * 1024]).unwrap();
    let fake = tmp.path().join("photo.xlsx");
    std::fs::write(&fake, b"\x89PNG\r\n\x1a\n not a workbook").unwrap();

    let script = root().join("tests/js/studio.mjs");
    let node = Command::new(tool("node"))
        .arg(&script)
        .args([&url, out.to_str().unwrap(), ISSUED_AT])
        .args([&sheet, &big, &fake])
        .arg(root().join("tests/fixtures/dormitory-certificate/dorm.xlsx"))
        .current_dir(root().join("tests/js"))
        .output()
        .unwrap();
    assert!(
        node.status.success(),
        "the browser journey failed (is playwright-core installed? scripts/test installs it):\n{}{}",
        String::from_utf8_lossy(&node.stdout),
        String::from_utf8_lossy(&node.stderr)
    );
    let mut seen: Value = serde_json::from_str(&std::fs::read_to_string(out.join("seen.json")).unwrap()).unwrap();
    let before = seen["before"].take();
    let after = seen["after"].take();

    // A page of its own: no error, nothing fetched from elsewhere, a strict policy.
    assert_eq!(seen["errors"], serde_json::json!([]), "{}", seen["errors"]);
    assert_eq!(seen["external"], serde_json::json!([]), "{seen:#}");
    assert!(
        seen["csp"].as_str().unwrap().starts_with("default-src 'none'"),
        "{seen:#}"
    );

    // Started from the certificate, the title changed the preview and the file.
    assert_eq!(seen["created"], "proof-of-study");
    let service = templates.join("proof-of-study");
    let toml = std::fs::read_to_string(service.join("template.toml")).unwrap();
    assert!(
        toml.contains("id = \"proof-of-study\"") && toml.contains("在 籍 证 明"),
        "{toml}"
    );
    assert!(seen["tomlHasHeading"].as_bool().unwrap());
    assert!(before != after, "the preview changed with the title");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(service.join("template.toml")).unwrap().permissions(),
    );
    assert_eq!(mode & 0o077, 0, "what the studio writes is not world-readable");

    // The preview is the kiosk's own raster of the same page model, byte for byte.
    let shown = b64(after.as_str().unwrap());
    let tpl = campus_kiosk::template::Template::load(&service).unwrap();
    let data = campus_kiosk::adapters::files::data_dir::load(&service.join("sample")).unwrap();
    let (doc, _) = campus_kiosk::pipeline::render(book(), &tpl, &data, ISSUED_AT).unwrap();
    let kiosk_png =
        campus_kiosk::export::raster::to_png(book(), &doc.pages[0], campus_kiosk::ui::work::PREVIEW_DPI).unwrap();
    assert!(
        shown == kiosk_png,
        "the studio's preview is the kiosk's raster of the page"
    );
    let pix =
        campus_kiosk::export::raster::render_page(book(), &doc.pages[0], campus_kiosk::ui::work::PREVIEW_DPI).unwrap();
    let decoded = image::load_from_memory(&shown).unwrap().to_rgba8();
    assert_eq!(
        decoded.as_raw().as_slice(),
        pix.data(),
        "pixel for pixel, the kiosk's preview"
    );
    let png_dir = tmp.path().join("png");
    let o = kiosk(
        &[
            "template",
            "preview",
            service.to_str().unwrap(),
            "--data",
            service.join("sample").to_str().unwrap(),
            "--out",
            tmp.path().join("x.pdf").to_str().unwrap(),
            "--png",
            png_dir.to_str().unwrap(),
            "--dpi",
            "110",
            "--issued-at",
            ISSUED_AT,
        ],
        &root(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        std::fs::read(png_dir.join("page-1.png")).unwrap() == shown,
        "and `kiosk template preview`'s"
    );

    // Who may print: the refusal shows, in the template's words.
    assert_eq!(seen["rule"], "enrollment.status == \"graduated\"");
    let refused = seen["refused"].as_str().unwrap();
    assert!(
        refused.contains("在读证明") || refused.contains("不是“在读”"),
        "{refused}"
    );
    assert!(!seen["restored"].as_str().unwrap().contains("拒绝"), "{seen:#}");

    // The broken TOML is shown at its line, in words, and selected there.
    let line = toml.lines().position(|l| l.starts_with("max_copies")).unwrap() + 1;
    let problems = seen["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{seen:#}");
    assert_eq!(problems[0]["line"], line.to_string());
    let text = problems[0]["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("第 {line} 行")) && text.contains("类型不对") && text.contains("five"),
        "{text}"
    );
    assert_eq!(seen["badLines"], serde_json::json!([line.to_string()]));
    assert_eq!(seen["selected"], "max_copies = \"five\"");
    assert_eq!(
        seen["formProblem"]["invalid"], "true",
        "and at its field in the form: {seen:#}"
    );
    assert!(
        seen["formProblem"]["note"].as_str().unwrap().contains("类型不对"),
        "{seen:#}"
    );
    let broken = seen["brokenPreview"].as_str().unwrap();
    assert!(
        broken.contains("template.toml:") && !broken.contains("/tmp"),
        "no server path: {broken}"
    );

    // Every row: exactly the seeded defects, located.
    let report = seen["report"].as_array().unwrap();
    let got: Vec<(String, String, String)> = report
        .iter()
        .map(|r| {
            let cells = r["cells"].as_array().unwrap();
            (
                r["row"].as_str().unwrap().to_string(),
                cells[1].as_str().unwrap().to_string(),
                r["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String, String)> = [
        ("5", "B name", "missing-glyph"),
        ("7", "E college", "empty"),
        ("10", "A student_id", "duplicate-key"),
        ("13", "I enrollment_date", "bad-date"),
        ("16", "F major", "overflow"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(got, want, "{seen:#}");
    assert!(
        seen["summary"].as_str().unwrap().contains("30 行中 25 行能打印"),
        "{seen:#}"
    );
    assert!(
        report[0]["cells"][3].as_str().unwrap().contains("字体"),
        "zh words: {seen:#}"
    );
    assert!(
        seen["rowPreview"].as_str().unwrap().contains("文字太长"),
        "the long row's preview: {seen:#}"
    );
    assert!(seen["tooBig"].as_str().unwrap().contains("20 MB"), "{seen:#}");
    assert!(
        seen["notSheet"].as_str().unwrap().contains("not a spreadsheet"),
        "{seen:#}"
    );

    // The bundle handed in is what `kiosk template check` accepts.
    let name = seen["bundleName"].as_str().unwrap();
    assert_eq!(name, "proof-of-study-1.0.0.service.zip");
    assert!(seen["handedIn"].as_str().unwrap().contains("sha256:"));
    let o = kiosk(&["template", "check", out.join(name).to_str().unwrap()], &root());
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(seen["english"], "Names");
    assert!(seen["sheetUsed"].as_str().unwrap().contains("sheets.dorm"), "{seen:#}");
    assert_eq!(
        seen["sheetShown"],
        serde_json::json!({ "hidden": false, "file": "dorm.xlsx", "key": "学号" })
    );
    assert!(templates.join("dorm-proof/dorm.xlsx").is_file());

    // Nothing was written outside the templates folder.
    let outside = names_in(tmp.path());
    assert_eq!(
        outside,
        [
            "big.xlsx",
            "out",
            "photo.xlsx",
            "png",
            "templates",
            "x.pdf",
            "名单.xlsx"
        ]
    );

    if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        for s in [
            "studio-open",
            "studio-form",
            "studio-toml-problem",
            "studio-rows",
            "studio-hand-in",
            "studio-english",
        ] {
            std::fs::copy(
                out.join(format!("{s}.png")),
                root().join("docs/screenshots").join(format!("{s}.png")),
            )
            .unwrap();
        }
    }
}

#[test]
fn bad_input_to_the_studio_gets_a_clear_answer_and_writes_nothing_outside() {
    let tmp = tempfile::tempdir().unwrap();
    let (_studio, url, templates) = studio(tmp.path());
    let api = format!("{url}/api/services");

    // Names with .. reach no file.
    for bad in ["..%2F..%2Fetc", "..", "Enrollment", "a%2Fb"] {
        let (status, body) = curl(&[&format!("{api}/{bad}")]);
        assert!(status == 400 || status == 404, "{bad}: {status}");
        assert!(json(&body)["error"]["en"].is_string(), "{bad}");
    }
    let (status, body) = post_json(&api, r#"{"from":"blank","id":"../evil"}"#);
    assert_eq!(status, 400);
    assert!(json(&body)["error"]["zh"].as_str().unwrap().contains("服务编号"));
    let (status, _) = post_json(&api, r#"{"from":"../../etc","id":"fine"}"#);
    assert_eq!(status, 400);

    // A service from the blank model passes the check.
    let (status, body) = post_json(&api, r#"{"from":"blank","id":"new-one"}"#);
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let (_, body) = curl(&[&format!("{api}/new-one")]);
    assert_eq!(
        json(&body)["problems"],
        serde_json::json!([]),
        "{}",
        String::from_utf8_lossy(&body)
    );
    let (status, _) = post_json(&api, r#"{"from":"blank","id":"new-one"}"#);
    assert_eq!(status, 409, "a service is not overwritten");

    // A template with a 10⁶-item loop: the check and the preview stop, with words.
    let toml = std::fs::read_to_string(templates.join("new-one/template.toml")).unwrap();
    let looped = toml.replace(
        "特此证明。",
        "特此证明。{% for i in range(1000000) %}{{ i }}{% endfor %}",
    );
    let file = tmp.path().join("looped.toml");
    std::fs::write(&file, looped).unwrap();
    let started = Instant::now();
    let (status, body) = curl(&[
        "-X",
        "PUT",
        "--data-binary",
        &format!("@{}", file.display()),
        &format!("{api}/new-one/toml"),
    ]);
    assert_eq!(status, 200);
    let problems = json(&body)["problems"].as_array().unwrap().clone();
    assert!(!problems.is_empty(), "the loop is a problem");
    let (status, body) = curl(&[&format!("{api}/new-one/render?issued_at=2026-11-23T09:30:00%2B08:00")]);
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&body));
    assert!(json(&body)["error"]["en"].is_string());
    assert!(started.elapsed() < Duration::from_secs(55), "bounded, never a hang");

    // A 50 MB upload and a file that is not a spreadsheet.
    let big = tmp.path().join("big.csv");
    std::fs::write(&big, vec![b'x'; 50 * 1024 * 1024]).unwrap();
    let (status, body) = curl(&[
        "-X",
        "POST",
        "--data-binary",
        &format!("@{}", big.display()),
        &format!("{api}/enrollment-certificate/sheet?name=big.csv"),
    ]);
    assert_eq!(status, 413);
    assert!(json(&body)["error"]["zh"].as_str().unwrap().contains("20 MB"));
    let fake = tmp.path().join("fake.xlsx");
    std::fs::write(&fake, "name,id\n").unwrap();
    let (status, body) = curl(&[
        "-X",
        "POST",
        "--data-binary",
        &format!("@{}", fake.display()),
        &format!("{api}/enrollment-certificate/sheet?name=../../fake.xlsx"),
    ]);
    assert_eq!(status, 400);
    assert!(
        json(&body)["error"]["en"]
            .as_str()
            .unwrap()
            .contains("not a spreadsheet")
    );

    // A page of another site under this machine's address is refused.
    let (status, _) = curl(&["-H", "Host: rebound.example:8710", &api]);
    assert_eq!(status, 403);
    // A change from another site is refused.
    let (status, _) = curl(&[
        "-X",
        "PUT",
        "-H",
        "Origin: http://evil.example",
        "--data-binary",
        "x",
        &format!("{api}/new-one/toml"),
    ]);
    assert_eq!(status, 403);

    let outside = names_in(tmp.path());
    assert_eq!(outside, ["big.csv", "fake.xlsx", "looped.toml", "templates"]);
    let inside = names_in(&templates);
    assert_eq!(inside, ["enrollment-certificate", "new-one", "transcript-zh"]);
}

#[test]
fn the_studio_leaves_this_machine_only_with_a_password() {
    let tmp = tempfile::tempdir().unwrap();
    let templates = root().join("print-templates");
    let public = |extra: &[&str]| {
        let mut args = vec![
            "studio",
            "--listen",
            "0.0.0.0:0",
            "--templates",
            templates.to_str().unwrap(),
        ];
        args.extend(extra);
        let o = kiosk(&args, tmp.path());
        assert!(!o.status.success(), "{extra:?}");
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    assert!(public(&[]).contains("--allow-network"));
    assert!(public(&["--allow-network"]).contains("password"));

    // With one: asked for, and let in once given.
    let (_p, port) = studio_with_password(tmp.path(), "correct horse battery", Stdio::inherit());
    let api = format!("http://127.0.0.1:{port}/api/services");
    let (status, _) = curl(&[&api]);
    assert_eq!(status, 401);
    let (status, _) = curl(&["-u", "staff:wrong password", &api]);
    assert_eq!(status, 401);
    let (status, body) = curl(&["-u", "staff:correct horse battery", &api]);
    assert_eq!(status, 200);
    assert!(json(&body)["services"].as_array().unwrap().len() >= 3);
}

#[test]
fn a_departments_spreadsheet_becomes_the_services_data() {
    let tmp = tempfile::tempdir().unwrap();
    let (_studio, url, templates) = studio(tmp.path());
    let api = format!("{url}/api/services");
    let (status, _) = post_json(&api, r#"{"from":"blank","id":"dorm-proof"}"#);
    assert_eq!(status, 201);
    let sheet = root().join("tests/fixtures/dormitory-certificate/dorm.xlsx");
    let upload = |query: &str| {
        curl(&[
            "-X",
            "POST",
            "--data-binary",
            &format!("@{}", sheet.display()),
            &format!("{api}/dorm-proof/source?{query}"),
        ])
    };
    let good =
        "file=dorm.xlsx&name=dorm&key_column=%E5%AD%A6%E5%8F%B7&owner=%E5%AE%BF%E7%AE%A1%E7%A7%91&max_age_days=45";
    let (status, body) = upload(good);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let desc = json(&body);
    assert_eq!(desc["form"]["sheet"]["name"], "dorm");
    assert_eq!(desc["form"]["sheet"]["key_column"], "学号");
    assert!(
        desc["form"]["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == "spreadsheet:dorm"),
        "{desc:#}"
    );
    let kept = templates.join("dorm-proof/dorm.xlsx");
    assert!(std::fs::read(&kept).unwrap() == std::fs::read(&sheet).unwrap());
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&kept).unwrap().permissions());
    assert_eq!(mode & 0o077, 0);
    let toml = std::fs::read_to_string(templates.join("dorm-proof/template.toml")).unwrap();
    assert!(
        toml.contains("[sources.dorm]") && toml.contains("key_column = \"学号\""),
        "{toml}"
    );
    // The template can read it: the sample student's row binds.
    let tpl = campus_kiosk::template::Template::load(&templates.join("dorm-proof")).unwrap();
    let mut data = campus_kiosk::adapters::files::data_dir::load(&templates.join("dorm-proof/sample")).unwrap();
    campus_kiosk::adapters::files::spreadsheet::bind(&tpl, &mut data, 0).unwrap();
    assert!(data.sheets["dorm"]["房间"].is_number() || data.sheets["dorm"]["房间"].is_string());

    // Names that would leave the folder, a missing key column, no owner.
    for (query, words) in [
        (
            "file=..%2Fdorm.xlsx&name=dorm&key_column=x&owner=y&max_age_days=4",
            "file name",
        ),
        (
            "file=dorm.xlsx&name=..&key_column=x&owner=y&max_age_days=4",
            "service id",
        ),
        (
            "file=dorm.xlsx&name=dorm&key_column=%E5%B7%A5%E5%8F%B7&owner=y&max_age_days=4",
            "no column",
        ),
        (
            "file=dorm.xlsx&name=dorm&key_column=x&owner=&max_age_days=4",
            "who keeps",
        ),
    ] {
        let (status, body) = upload(query);
        assert_eq!(status, 400, "{query}");
        let en = json(&body)["error"]["en"].as_str().unwrap().to_string();
        assert!(en.contains(words), "{query}: {en}");
    }
    assert_eq!(names_in(tmp.path()), ["templates"]);
}
