//! What hostile probing of the servers, the spreadsheets and the
//! technician screen once broke, each tried again the way it was found.

use std::path::{Path, PathBuf};

use crate::common::*;
use crate::studio::{curl, json, studio};

// ---- spreadsheets that claim or unpack to far more than they are ----

/// Makes a hostile copy of the dormitory fixture's workbook at `dst`:
/// `shared` adds a shared-strings part claiming 2^40 entries (after a
/// first element, where the library still finds it); `ratio` pads a
/// worksheet with 200 MB of spaces that pack to a few hundred KB; `text`
/// has one 600 KB shared string used by 150 cells (90 MB of cells);
/// `cellref` names a cell in row 99,999,999,999.
fn hostile_xlsx(kind: &str, dst: &Path) {
    let script = r#"
import sys, zipfile
src, dst, kind = sys.argv[1], sys.argv[2], sys.argv[3]
with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
    for item in z.infolist():
        data = z.read(item.filename)
        if item.filename == "xl/worksheets/sheet1.xml":
            if kind == "ratio":
                data = data.replace(b"</sheetData>", b" " * (200 << 20) + b"</sheetData>")
            if kind == "cellref":
                data = data.replace(b'r="A1"', b'r="A99999999999"', 1)
            if kind == "text":
                rows = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>' % (r, r) for r in range(10, 160))
                data = data.replace(b"</sheetData>", rows + b"</sheetData>")
        out.writestr(item.filename, data)
    if kind == "shared":
        out.writestr("xl/sharedStrings.xml", b'<?xml version="1.0"?><x/><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1099511627776"><si><t>x</t></si></sst>')
    if kind == "text":
        # Stored, not packed: it is the cells' copies that are too many.
        out.writestr("xl/sharedStrings.xml", b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="150" uniqueCount="1"><si><t>' + b"x" * (600 << 10) + b'</t></si></sst>', compress_type=zipfile.ZIP_STORED)
"#;
    let src = root().join("tests/fixtures/dormitory-certificate/dorm.xlsx");
    run(
        "python3",
        &["-c", script, src.to_str().unwrap(), dst.to_str().unwrap(), kind],
    );
}

/// The dormitory service with its workbook replaced by a hostile one.
fn hostile_service(dir: &Path, kind: &str) -> PathBuf {
    let service = dir.join(kind).join("dormitory-certificate");
    copy_dir(&root().join("tests/fixtures/dormitory-certificate"), &service);
    hostile_xlsx(kind, &service.join("dorm.xlsx"));
    service
}

#[test]
fn a_workbook_that_claims_or_unpacks_to_too_much_is_refused_by_name_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "shared",
            "uniqueCount=\"1099511627776\" shared strings, more than the 2000000",
        ),
        (
            "ratio",
            "xl/worksheets/sheet1.xml unpacks to more than 100 times its packed size",
        ),
        ("text", "more than 64 MB of text"),
        // A cell reference longer than any cell's (the library's
        // arithmetic overflows on it).
        ("cellref", "names the cell \"A99999999999\", which no sheet has"),
    ];
    for (kind, said_) in cases {
        let service = hostile_service(tmp.path(), kind);
        let sheet = service.join("dorm.xlsx");
        let size = std::fs::metadata(&sheet).unwrap().len();
        assert!(size < 1024 * 1024, "{kind}: {size} bytes");

        // The library call every reader goes through.
        let bytes = std::fs::read(&sheet).unwrap();
        let e = campus_kiosk::adapters::files::spreadsheet::grid_from_bytes(&bytes, "dorm.xlsx", None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("dorm.xlsx") && e.contains(said_), "{kind}: {e}");

        // The dry run of every row, on the command line.
        let out = kiosk(
            &[
                "template",
                "dry-run",
                service.to_str().unwrap(),
                "--sheet",
                sheet.to_str().unwrap(),
            ],
            tmp.path(),
        );
        let text = said(&out);
        assert_eq!(out.status.code(), Some(1), "{kind}: {text}");
        assert!(text.contains(said_), "{kind}: {text}");

        // The same service handed in as a bundle, and checked.
        let bundled = tmp.path().join(format!("{kind}.service.zip"));
        let out = crate::bundle::bundle_output(&service, &bundled);
        assert!(out.status.success(), "{kind}: {}", said(&out));
        let out = kiosk(&["template", "check", bundled.to_str().unwrap()], tmp.path());
        let text = said(&out);
        assert!(
            !out.status.success() && out.status.code() != Some(134),
            "{kind}: {text}"
        );
        assert!(text.contains(said_), "{kind}: {text}");
    }

    // Through the studio's upload: refused by name, and the studio goes
    // on serving.
    let (_studio, url, _) = studio(tmp.path());
    for (kind, said_) in cases {
        let sheet = tmp.path().join(format!("{kind}/dormitory-certificate/dorm.xlsx"));
        let (status, body) = curl(&[
            "-X",
            "POST",
            "--data-binary",
            &format!("@{}", sheet.display()),
            &format!("{url}/api/services/enrollment-certificate/sheet?name=dorm.xlsx"),
        ]);
        assert_eq!(status, 400, "{kind}: {}", String::from_utf8_lossy(&body));
        let en = json(&body)["error"]["en"].as_str().unwrap().to_string();
        assert!(en.contains(said_), "{kind}: {en}");
    }
    let (status, body) = curl(&[&format!("{url}/api/services")]);
    assert_eq!(status, 200);
    assert!(!json(&body)["services"].as_array().unwrap().is_empty());
}

// ---- the studio's saves, one writer at a time ----

/// curl with headers given as `(name, value)`.
fn curl_h(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> (u16, Vec<u8>) {
    let mut args: Vec<String> = vec!["-X".into(), method.into()];
    for (k, v) in headers {
        args.push("-H".into());
        args.push(format!("{k}: {v}"));
    }
    if let Some(b) = body {
        args.push("--data-binary".into());
        args.push(b.into());
    }
    args.push(url.into());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    curl(&refs)
}

/// The files of a folder, recursively, relative to it.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in walk(dir) {
        out.push(e.strip_prefix(dir).unwrap().display().to_string());
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn concurrent_saves_never_lose_or_tear_a_file_and_leave_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let (_studio, url, templates) = studio(tmp.path());
    let (status, _) = curl_h(
        "POST",
        &format!("{url}/api/services"),
        &[("content-type", "application/json")],
        Some(r#"{"from":"blank","id":"race"}"#),
    );
    assert_eq!(status, 201);
    let service = format!("{url}/api/services/race");
    let on_disk = || std::fs::read_to_string(templates.join("race/template.toml")).unwrap();
    let base = on_disk();
    let (mut won, mut lost) = (0, 0);
    for round in 0..100 {
        let (status, body) = curl(&[&service]);
        assert_eq!(status, 200);
        let revision = json(&body)["revision"].as_str().unwrap().to_string();
        assert_eq!(revision.len(), 64);
        let tag = format!("\"{revision}\"");
        let bodies: Vec<String> = ["a", "b"]
            .iter()
            .map(|w| format!("# round {round}, writer {w}\n{base}"))
            .collect();
        let answers: Vec<(u16, Vec<u8>)> = std::thread::scope(|s| {
            let saves: Vec<_> = bodies
                .iter()
                .map(|b| {
                    let (service, tag) = (&service, &tag);
                    s.spawn(move || curl_h("PUT", &format!("{service}/toml"), &[("if-match", tag)], Some(b)))
                })
                .collect();
            saves.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let disk = on_disk();
        let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
        let winners: Vec<usize> = (0..2).filter(|&i| answers[i].0 == 200).collect();
        assert_eq!(winners.len(), 1, "round {round}: {statuses:?}");
        let w = winners[0];
        // The save that was answered 200 is what is on disk, whole, and
        // the other was told it lost.
        assert_eq!(
            json(&answers[w].1)["toml"].as_str().unwrap(),
            bodies[w],
            "round {round}"
        );
        assert_eq!(disk, bodies[w], "round {round}");
        let other = &answers[1 - w];
        assert_eq!(other.0, 409, "round {round}");
        assert!(
            json(&other.1)["error"]["en"]
                .as_str()
                .unwrap()
                .contains("changed meanwhile"),
            "round {round}"
        );
        won += 1;
        lost += 1;
    }
    assert_eq!((won, lost), (100, 100));

    // A department's sheet named like the template, saved as the template
    // is saved: each is what it was sent as, never the other.
    for round in 0..20 {
        let (_, body) = curl(&[&service]);
        let tag = format!("\"{}\"", json(&body)["revision"].as_str().unwrap());
        let toml = format!("# sheet round {round}\n{base}");
        let csv = tmp.path().join("template.csv");
        std::fs::write(&csv, "学号,姓名\n2023011234,张三\n").unwrap();
        let csv_at = format!("@{}", csv.display());
        let source = format!(
            "{service}/source?file=template.csv&name=roster&key_column=%E5%AD%A6%E5%8F%B7&owner=%E5%AD%A6%E7%94%9F%E5%A4%84&max_age_days=30"
        );
        let answers: Vec<(u16, Vec<u8>)> = std::thread::scope(|s| {
            let a = s.spawn(|| curl_h("PUT", &format!("{service}/toml"), &[("if-match", &tag)], Some(&toml)));
            let b = s.spawn(|| curl_h("POST", &source, &[("if-match", &tag)], Some(&csv_at)));
            vec![a.join().unwrap(), b.join().unwrap()]
        });
        let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
        assert!(
            statuses.contains(&409) && statuses.contains(&200),
            "round {round}: {statuses:?}"
        );
        let disk = on_disk();
        assert!(
            !disk.contains("2023011234"),
            "round {round}: the sheet replaced the template"
        );
        assert!(disk.parse::<toml::Table>().is_ok(), "round {round}: {disk}");
        if answers[0].0 == 200 {
            assert_eq!(disk, toml);
        } else {
            assert!(disk.contains("roster"), "{disk}");
        }
        // Back to the blank template for the next round.
        let (_, body) = curl(&[&service]);
        let tag = format!("\"{}\"", json(&body)["revision"].as_str().unwrap());
        let (status, _) = curl_h("PUT", &format!("{service}/toml"), &[("if-match", &tag)], Some(&base));
        assert_eq!(status, 200);
    }

    // No temporary file is left, and none is handed in.
    let left: Vec<String> = files_under(&templates.join("race"))
        .into_iter()
        .filter(|f| f.contains("saving") || f.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let (status, zip) = curl_h(
        "POST",
        &format!("{service}/bundle"),
        &[("content-type", "application/json")],
        Some(r#"{"department":"学生处","author":"张老师"}"#),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&zip));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    assert!(names.iter().all(|n| !n.contains("saving")), "{names:?}");
}

#[test]
fn a_save_that_fails_for_want_of_room_leaves_the_template_and_no_partial_file() {
    let tmp = tempfile::tempdir().unwrap();
    let templates = tmp.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    copy_dir(
        &root().join("print-templates/enrollment-certificate"),
        &templates.join("enrollment-certificate"),
    );
    let before = std::fs::read_to_string(templates.join("enrollment-certificate/template.toml")).unwrap();
    // The studio may write files of at most 64 KB (as a full disk would
    // refuse more); SIGXFSZ is ignored so the write fails instead.
    let port = free_port();
    let child = std::process::Command::new("bash")
        .args([
            "-c",
            "trap '' XFSZ; exec prlimit --fsize=65536 -- \"$@\"",
            "studio",
            env!("CARGO_BIN_EXE_kiosk"),
            "studio",
            "--templates",
            templates.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _p = Procs(vec![child]);
    wait_for_port(port);
    let url = format!("http://127.0.0.1:{port}/api/services/enrollment-certificate");
    let big = format!("{before}\n# {}\n", "填".repeat(40_000));
    let (status, body) = curl_h("PUT", &format!("{url}/toml"), &[], Some(&big));
    assert_eq!(status, 500, "{}", String::from_utf8_lossy(&body));
    let after = std::fs::read_to_string(templates.join("enrollment-certificate/template.toml")).unwrap();
    assert_eq!(after, before);
    let names = files_under(&templates.join("enrollment-certificate"));
    assert!(names.iter().all(|n| !n.contains("saving")), "{names:?}");
    // And the studio still saves what fits.
    let (status, _) = curl_h("PUT", &format!("{url}/toml"), &[], Some(&before));
    assert_eq!(status, 200);
}

/// Waits until something listens on 127.0.0.1:`port`.
fn wait_for_port(port: u16) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

// ---- the studio driven from other sites, and guessed at ----

/// The head of curl's answer to GET `url` from the local address `from`
/// (with `extra` arguments), in lower case: the status line and headers.
fn head_from(from: &str, extra: &[&str], url: &str) -> String {
    let out = std::process::Command::new(tool("curl"))
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-D",
            "-",
            "--max-time",
            "120",
            "--interface",
            from,
        ])
        .args(extra)
        .arg(url)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).to_lowercase()
}

/// The peak resident memory of a process, in MB.
fn peak_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
}

#[test]
fn the_studio_answers_no_other_site_and_renders_a_few_at_a_time() {
    let tmp = tempfile::tempdir().unwrap();
    let (studio, url, _) = studio(tmp.path());
    let page = format!("{url}/api/services/enrollment-certificate/page/1?dpi=300");
    // A page of another site, as Chromium sends its image or fetch.
    for headers in [
        vec![("sec-fetch-site", "cross-site"), ("sec-fetch-mode", "no-cors")],
        vec![("sec-fetch-site", "same-site"), ("sec-fetch-mode", "cors")],
        vec![("origin", "http://evil.example")],
    ] {
        let (status, _) = curl_h("GET", &page, &headers, None);
        assert_eq!(status, 403, "{headers:?}");
        let (status, _) = curl_h("GET", &format!("{url}/api/services"), &headers, None);
        assert_eq!(status, 403, "{headers:?}");
    }
    // A link from elsewhere still opens the studio's page, and its own
    // page's requests are answered.
    let (status, _) = curl_h(
        "GET",
        &format!("{url}/"),
        &[("sec-fetch-site", "cross-site"), ("sec-fetch-mode", "navigate")],
        None,
    );
    assert_eq!(status, 200);
    let (status, png) = curl_h("GET", &page, &[("sec-fetch-site", "same-origin")], None);
    assert_eq!(status, 200);
    assert!(png.starts_with(b"\x89PNG"));

    // 64 previews at once at the highest resolution: a few are drawn at
    // a time, the others told to come back, and memory stays bounded.
    let answers: Vec<(u16, Vec<u8>)> = std::thread::scope(|s| {
        // From four addresses, each within its share of connections.
        let all: Vec<_> = (0..64)
            .map(|i| {
                let page = &page;
                s.spawn(move || {
                    let head = head_from(&format!("127.0.0.{}", 20 + i % 4), &[], page);
                    let status = head.split_whitespace().nth(1).unwrap_or("0").parse().unwrap_or(0);
                    (status, head.into_bytes())
                })
            })
            .collect();
        all.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let drawn = answers.iter().filter(|a| a.0 == 200).count();
    let busy: Vec<&(u16, Vec<u8>)> = answers.iter().filter(|a| a.0 == 503).collect();
    assert_eq!(
        drawn + busy.len(),
        64,
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(drawn >= 4, "{drawn} drawn");
    assert!(
        busy.iter()
            .all(|a| String::from_utf8_lossy(&a.1).contains("retry-after: 2")),
        "every 503 says when to come back"
    );
    let peak = peak_mb(studio.0[0].id());
    assert!(peak < 800, "the studio reached {peak} MB");
    let (status, _) = curl(&[&format!("{url}/api/services")]);
    assert_eq!(status, 200);
}

#[test]
fn password_guessers_are_slowed_locked_out_and_logged_while_staff_work_on() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("studio.log");
    let (_p, port) = crate::studio::studio_with_password(
        tmp.path(),
        "correct horse battery",
        std::fs::File::create(&log).unwrap().into(),
    );
    let api = format!("http://127.0.0.1:{port}/api/services");
    let staff = |api: &str| curl(&["-u", "staff:correct horse battery", api]).0;
    assert_eq!(staff(&api), 200);

    // 16 guessers, each from an address of its own, 8 guesses each, while
    // the staff member goes on working.
    let (guesses, staff_answers) = std::thread::scope(|s| {
        let guessers: Vec<_> = (0..16)
            .map(|g| {
                let api = api.clone();
                s.spawn(move || {
                    let from = format!("127.0.0.{}", 10 + g);
                    (0..8)
                        .map(|n| head_from(&from, &["-u", &format!("staff:guess-{g}-{n}")], &api))
                        .collect::<Vec<String>>()
                })
            })
            .collect();
        let staff_answers: Vec<u16> = (0..20).map(|_| staff(&api)).collect();
        let guesses: Vec<Vec<String>> = guessers.into_iter().map(|h| h.join().unwrap()).collect();
        (guesses, staff_answers)
    });
    assert!(staff_answers.iter().all(|&s| s == 200), "{staff_answers:?}");
    for (g, answers) in guesses.iter().enumerate() {
        let codes: Vec<&str> = answers
            .iter()
            .map(|h| h.split_whitespace().nth(1).unwrap_or(""))
            .collect();
        assert_eq!(codes[..5], ["401"; 5], "guesser {g}: {codes:?}");
        assert_eq!(codes[5..], ["429"; 3], "guesser {g}: {codes:?}");
        assert!(answers[5].contains("retry-after: 30"), "{}", answers[5]);
    }
    // Even the right password waits out the lockout from a locked address.
    let (status, _) = curl(&["--interface", "127.0.0.10", "-u", "staff:correct horse battery", &api]);
    assert_eq!(status, 429);

    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("wrong password from 127.0.0.10 (5 in a row); it must wait 30 s"),
        "{logged}"
    );
    assert!(!logged.contains("guess-"), "a password reached the log: {logged}");
}

// ---- idle connections against the terminal's /metrics ----

/// `GET path` from `addr`, all of it within `limit`: the status.
fn get_within(addr: &str, path: &str, limit: std::time::Duration) -> Option<u16> {
    get_text(addr, path, limit).map(|(status, _)| status)
}

/// `GET path` from `addr`, all of it within `limit`: the status and body.
fn get_text(addr: &str, path: &str, limit: std::time::Duration) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let to: std::net::SocketAddr = addr.parse().unwrap();
    let mut s = std::net::TcpStream::connect_timeout(&to, limit).ok()?;
    s.set_read_timeout(Some(limit)).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, text.split_once("\r\n\r\n")?.1.to_string()))
}

#[test]
fn idle_connections_by_the_thousand_neither_stop_the_watchdog_nor_health() {
    use std::time::Duration;
    // This test holds more connections than a default descriptor limit.
    run("prlimit", &["--pid", &std::process::id().to_string(), "--nofile=8192:"]);
    let tmp = tempfile::tempdir().unwrap();
    // The kiosk as systemd starts it by default: 1,024 descriptors.
    let (_procs, listener, metrics) =
        crate::metrics::watched_demo(tmp.path(), &["prlimit", "--nofile=1024:1024", "--"]);
    let next = |wait_ms: u64| crate::metrics::notice(&listener, wait_ms);
    let first = next(60_000).expect("the kiosk says it is ready");
    assert!(first.contains("READY=1"), "{first}");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while get_within(&metrics, "/health", Duration::from_secs(1)).is_none() {
        assert!(std::time::Instant::now() < deadline, "the metrics server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }

    // 1,100 connections that say nothing, held open.
    let held: Vec<std::net::TcpStream> = (0..1_100)
        .filter_map(|_| std::net::TcpStream::connect(&metrics).ok())
        .collect();
    assert_eq!(held.len(), 1_100);
    // The watchdog goes on pinging every half second, and /health answers
    // at once, again and again.
    while next(50).is_some() {}
    for round in 0..5 {
        let ping = next(2_000).unwrap_or_else(|| panic!("round {round}: no watchdog ping"));
        assert_eq!(ping, "WATCHDOG=1\n");
        let status = get_within(&metrics, "/health", Duration::from_secs(1));
        assert!(
            matches!(status, Some(200 | 503)),
            "round {round}: /health did not answer within 1 s"
        );
    }
    drop(held);
    // The demo signs its documents, so its key's expiry is watched too.
    let (_, scrape) = get_text(&metrics, "/metrics", Duration::from_secs(10)).unwrap();
    assert!(
        scrape.contains("kiosk_signing_key_expiry_timestamp_seconds{terminal=\"DEMO-01\"}"),
        "{scrape}"
    );
}

// ---- a platform that answers what suits it ----

/// A platform that answers every public lookup with `answer`.
async fn hostile_platform(answer: std::sync::Arc<std::sync::Mutex<serde_json::Value>>) -> String {
    use axum::routing::get;
    let app = axum::Router::new().route(
        "/api/v1/public/documents/{code}",
        get(move || {
            let answer = answer.clone();
            async move { axum::Json(answer.lock().unwrap().clone()) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/api/v1")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosk_verify_exits_zero_only_for_a_valid_paper_whatever_the_platform_lists() {
    use campus_kiosk::adapters::files::keys;
    use campus_kiosk::seal::{self, Payload};
    let tmp = tempfile::tempdir().unwrap();
    let (key, ring) = keygen_files(tmp.path(), "T-HOSTILE");
    let key = keys::load_signing_key(&key).unwrap().1;
    let id = "8A2B3C4D5E6F7G8H";
    let payload = Payload {
        document_id: id.into(),
        service: "transcript-zh".into(),
        terminal: "T-HOSTILE".into(),
        issued: u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap(),
        fields: [("name".to_string(), "王小明".to_string())].into(),
        digest: [5; 16],
    };
    let code = seal::to_code("HTTPS://VERIFY.EXAMPLE.EDU.CN/V", &seal::sign(&payload, &key));
    let entry = |status: &str| {
        serde_json::json!({
            "document_id": id, "seal": code, "status": status,
            "status_changed_at": "2026-12-01T10:00:00+08:00",
            "reason": "申请材料不实，已撤销", "reason_en": "Issued on a false request"
        })
    };
    let answer = std::sync::Arc::new(std::sync::Mutex::new(serde_json::json!({ "documents": [] })));
    let base = hostile_platform(answer.clone()).await;
    let verify = |input: &str| {
        let out = kiosk(
            &["verify", input, "--keyring", ring.to_str().unwrap(), "--online", &base],
            tmp.path(),
        );
        (out.status.code(), said(&out))
    };

    // Nothing listed under the short code: nothing was verified.
    let (exit, text) = verify("8A2B-3C4D-5E6F-7G8H");
    assert_eq!(exit, Some(1), "{text}");
    assert!(
        text.contains("NOT FOUND") && text.contains("Nothing was verified"),
        "{text}"
    );
    assert!(!text.contains("VALID:"), "{text}");

    // The paper's own seal listed twice, valid and revoked, in either
    // order: revoked, by the short code and by the QR code alike.
    for order in [["valid", "revoked"], ["revoked", "valid"]] {
        *answer.lock().unwrap() = serde_json::json!({ "documents": [entry(order[0]), entry(order[1])] });
        for input in ["8A2B-3C4D-5E6F-7G8H", code.as_str()] {
            let (exit, text) = verify(input);
            assert_eq!(exit, Some(1), "{order:?} {input}: {text}");
            assert!(text.contains("REVOKED"), "{order:?}: {text}");
            assert_eq!(text.matches("document: ").count(), 1, "shown once: {text}");
        }
    }
    // Listed once, valid: exit 0, and only then.
    *answer.lock().unwrap() = serde_json::json!({ "documents": [entry("valid")] });
    let (exit, text) = verify("8A2B-3C4D-5E6F-7G8H");
    assert_eq!(exit, Some(0), "{text}");

    // The page's script decides the same in either order.
    let script = root().join("assets/verify-page/verify.js");
    let check = format!(
        r#"
const {{ standing }} = await import({script:?});
const [a, b] = {entries};
const code = {code:?};
const one = standing({{ documents: [a, b] }}, {id:?}, code).state;
const two = standing({{ documents: [b, a] }}, {id:?}, code).state;
const empty = standing({{ documents: [] }}, {id:?}, code).state;
console.log(JSON.stringify([one, two, empty]));
"#,
        script = format!("file://{}", script.display()),
        entries = serde_json::json!([entry("valid"), entry("revoked")]),
        code = code,
        id = id,
    );
    let out = std::process::Command::new(tool("node"))
        .args(["--input-type=module", "-e", &check])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", said(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"["revoked","revoked","unknown"]"#
    );
}

// ---- print records, bound to the terminal that reports them ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_reports_only_its_own_prints_within_the_services_bounds() {
    use campus_kiosk::adapters::platform::demo::{self, DemoOptions, DemoServer};
    let mut opts = DemoOptions::new(root().join("assets/sample-data"), "shared-token");
    opts.max_copies = demo::service_limits(&root().join("print-templates"));
    assert_eq!(opts.max_copies["enrollment-certificate"], 5);
    opts.terminal_tokens = [("T-1", "t1-secret"), ("T-2", "t2-secret")]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let srv = DemoServer::start(opts, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let base = srv.base_url();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let mut n = 0;
    let mut post =
        |as_terminal: &'static str, token: &'static str, record_terminal: &str, copies: serde_json::Value| {
            n += 1;
            let record = serde_json::json!({
                "record_id": format!("00000000-0000-4000-8000-{n:012}"),
                "terminal_id": record_terminal,
                "person_id": "2023011234",
                "service_id": "enrollment-certificate",
                "copies": copies,
                "pages": 1,
                "status": "printed",
                "created_at": "2026-11-23T09:30:00+08:00",
            });
            let req = http
                .post(format!("{base}/print-records"))
                .bearer_auth(token)
                .header("X-Terminal-Id", as_terminal)
                .header("content-type", "application/json")
                .body(record.to_string());
            async move {
                let r = req.send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.text().await.unwrap())
            }
        };
    // Another terminal's record, or one of impossible size: refused, and
    // nothing counted.
    let (status, body) = post("T-1", "t1-secret", "T-2", 1.into()).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("terminal_mismatch"), "{body}");
    let (status, body) = post("T-1", "t1-secret", "T-1", 1_000.into()).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("copies_out_of_range") && body.contains('5'), "{body}");
    let (status, _) = post("T-1", "t1-secret", "T-1", 4.into()).await;
    assert_eq!(status, 201);
    let (status, body) = post("T-1", "t1-secret", "T-1", serde_json::json!(u64::MAX - 3)).await;
    assert_eq!(status, 422, "{body}");
    // A token speaks for its own terminal only; the shared one no longer.
    let (status, _) = post("T-1", "t2-secret", "T-1", 1.into()).await;
    assert_eq!(status, 401);
    let (status, _) = post("T-1", "shared-token", "T-1", 1.into()).await;
    assert_eq!(status, 401);

    // The student's campus-wide count is the one real print: 4.
    let counts = http
        .get(format!("{base}/persons/2023011234/print-counts?since=2026-09-01"))
        .bearer_auth("t2-secret")
        .header("X-Terminal-Id", "T-2")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let counts: serde_json::Value = serde_json::from_str(&counts).unwrap();
    assert_eq!(counts["counts"]["enrollment-certificate"], 4, "{counts}");
    srv.stop().await;
}

// ---- smaller ----

#[test]
fn the_demo_runs_from_any_folder_and_an_error_says_its_cause_once() {
    let tmp = tempfile::tempdir().unwrap();
    // Without a display the kiosk stops just before its window: by then
    // it has found its demo configuration, templates and sample data.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["run", "--demo"])
        .current_dir(tmp.path())
        .env("TMPDIR", tmp.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let text = said(&out);
    assert!(text.contains("demo: reference platform on http://127.0.0.1:"), "{text}");
    assert!(text.contains("no display"), "{text}");

    let out = kiosk(&["run", "--demo", "--config", "/nonexistent/terminal.toml"], tmp.path());
    let text = said(&out);
    assert!(!out.status.success());
    assert_eq!(text.matches("No such file or directory").count(), 1, "{text}");
}

#[test]
fn a_bundle_with_a_second_manifest_or_a_disguised_name_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("cert.service.zip");
    let out = crate::bundle::bundle_output(&root().join("print-templates/enrollment-certificate"), &good);
    assert!(out.status.success(), "{}", said(&out));
    // A second manifest after the real one (unzip reads the last), naming
    // another version; and a file whose name carries a bidi override.
    let script = r#"
import sys, zipfile, warnings
warnings.simplefilter("ignore")
src, dst, kind = sys.argv[1:4]
with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w") as out:
    for i in z.infolist():
        out.writestr(i, z.read(i.filename))
    if kind == "manifest":
        m = z.read("manifest.toml").decode().replace('version = "', 'version = "9', 1)
        out.writestr("manifest.toml", m)
    if kind == "bidi":
        out.writestr("service/invoice\u202egpj.exe", b"x")
"#;
    for (kind, expected) in [
        ("manifest", "manifest.toml (or another file) twice under one name"),
        ("bidi", "U+202E"),
    ] {
        let bad = tmp.path().join(format!("{kind}.service.zip"));
        run(
            "python3",
            &["-c", script, good.to_str().unwrap(), bad.to_str().unwrap(), kind],
        );
        let out = kiosk(&["template", "check", bad.to_str().unwrap()], tmp.path());
        let text = said(&out);
        assert!(!out.status.success(), "{kind}: {text}");
        assert!(text.contains(expected), "{kind}: {text}");
        assert!(!text.contains('\u{202e}'), "{kind}: the name is shown escaped: {text}");
    }
    // Nor is such a name packed.
    let dir = tmp.path().join("enrollment-certificate");
    copy_dir(&root().join("print-templates/enrollment-certificate"), &dir);
    std::fs::write(dir.join("note\u{202e}txt.exe"), "x").unwrap();
    let out = crate::bundle::bundle_output(&dir, &tmp.path().join("again.zip"));
    let text = said(&out);
    assert!(!out.status.success() && text.contains("U+202E"), "{text}");
}

// ---- codes that cannot be guessed, and lookups counted by network ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_codes_cannot_be_enumerated_from_one_network() {
    use campus_kiosk::adapters::platform::demo::{DemoOptions, DemoServer};
    let _ = rustls::crypto::ring::default_provider().install_default();
    // The printed code is the whole document id: 16 characters of base 32,
    // 80 bits. At 10 million documents a guess hits one in 2^80 / 10^7.
    let facts = campus_kiosk::pipeline::document_facts("transcript-zh", &sample("2023011234"), ISSUED_AT);
    assert_eq!(facts.short_code, campus_kiosk::pipeline::grouped(&facts.id));
    assert_eq!(facts.short_code.replace('-', ""), facts.id);
    let expected_guesses = 2f64.powi(80) / 1e7;
    assert!(expected_guesses >= 1e12, "{expected_guesses:e}");

    let mut opts = DemoOptions::new(root().join("assets/sample-data"), "t");
    opts.lookup_limit = 5;
    opts.lookup_window = std::time::Duration::from_secs(3);
    let srv = DemoServer::start(opts, "0.0.0.0:0".parse().unwrap()).await.unwrap();
    let port = srv.addr.port();
    // A lookup of `code` from the address `ip`: the status.
    let ask = |ip: [u8; 4], code: String| async move {
        let client = reqwest::Client::builder()
            .local_address(std::net::IpAddr::from(ip))
            .build()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}/api/v1/public/documents/{code}");
        client.get(url).send().await.unwrap().status().as_u16()
    };
    // An 8-character prefix is refused outright (and counts as a lookup).
    assert_eq!(ask([127, 0, 0, 1], facts.id[..8].to_string()).await, 400);

    // One network's lookups count together: five from 127.0.0.1 and
    // 127.0.0.2 fill 127.0.0.0/24's share; another /24 still has its own.
    let mut statuses = Vec::new();
    for n in 0..4 {
        let ip = [127, 0, 0, 1 + (n % 2)];
        statuses.push(ask(ip, format!("ZZZZ-ZZZZ-ZZZZ-ZZZ{n}")).await);
    }
    assert_eq!(statuses, [404; 4]);
    assert_eq!(ask([127, 0, 0, 3], "ZZZZ-ZZZZ-ZZZZ-ZZZ9".into()).await, 429);
    assert_eq!(ask([127, 0, 0, 9], "ZZZZ-ZZZZ-ZZZZ-ZZZ9".into()).await, 429);
    assert_eq!(ask([127, 0, 1, 1], "ZZZZ-ZZZZ-ZZZZ-ZZZ9".into()).await, 404);

    // A sliding window: a window that started with the first lookup would
    // let a burst through at its boundary; here the last 3 s count.
    let ip = [127, 0, 2, 1];
    assert_eq!(ask(ip, "ZZZZ-ZZZZ-ZZZZ-ZZZA".into()).await, 404);
    tokio::time::sleep(std::time::Duration::from_millis(2_000)).await;
    for _ in 0..4 {
        assert_eq!(ask(ip, "ZZZZ-ZZZZ-ZZZZ-ZZZB".into()).await, 404);
    }
    // 1.4 s later the first lookup has left the window, the other four
    // have not: one more is allowed, the next is not.
    tokio::time::sleep(std::time::Duration::from_millis(1_400)).await;
    assert_eq!(ask(ip, "ZZZZ-ZZZZ-ZZZZ-ZZZC".into()).await, 404);
    assert_eq!(ask(ip, "ZZZZ-ZZZZ-ZZZZ-ZZZD".into()).await, 429);
    srv.stop().await;
}
