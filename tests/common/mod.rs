//! Shared helpers of the integration tests.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use campus_kiosk::adapters::files::data_dir;
use campus_kiosk::data::DataSet;
use campus_kiosk::fonts::FontBook;
use campus_kiosk::template::Template;

pub mod sheet_gen;

pub const ISSUED_AT: &str = "2026-11-23T09:30:00+08:00";
/// A fixed "now" (2026-11-23) for checks that compare dates.
pub const NOW: i64 = 1_795_397_400;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn book() -> &'static FontBook {
    FontBook::shared().expect("bundled fonts load")
}

pub fn template(id: &str) -> Template {
    Template::load(&root().join("print-templates").join(id)).expect("built-in template loads")
}

pub fn sample_dir(person: &str) -> PathBuf {
    root().join("assets/sample-data").join(person)
}

pub fn sample(person: &str) -> DataSet {
    data_dir::load(&sample_dir(person)).expect("sample data loads")
}

/// The path of a required external tool. A missing tool fails the test:
/// `scripts/test` installs every tool the tests use.
pub fn tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("required tool `{name}` is not installed: run scripts/test, which installs the test dependencies")
    })
}

/// Runs a tool and returns its output, failing on a non-zero exit.
pub fn run(name: &str, args: &[&str]) -> String {
    let out = Command::new(tool(name)).args(args).output().expect("tool runs");
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `dir/terminal.toml` for terminal `id` (its key `<id>.key` in `dir`,
/// its token in `dir/token`): the platform at `base_url`, an IPP printer, a
/// `line` reader on `reader`, the built-in templates, and `extra` sections.
pub fn write_terminal_config(dir: &Path, id: &str, base_url: &str, printer_uri: &str, reader: &Path, extra: &str) {
    std::fs::write(
        dir.join("terminal.toml"),
        format!(
            r#"[terminal]
id = "{id}"
name = "测试终端 Test terminal"

[platform]
base_url = "{base_url}"
token_file = "token"

[printer]
kind = "ipp"
uri = "{printer_uri}"

[reader]
port = "{}"
protocol = "line"
format = "hex"

[services]
templates = "{}"

[seal]
key_file = "{id}.key"
verify_url = "HTTPS://VERIFY.EXAMPLE.EDU.CN/V"
{extra}"#,
            reader.display(),
            root().join("print-templates").display()
        ),
    )
    .unwrap();
}

/// What a finished command printed: its standard output, then its errors.
pub fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs the `kiosk` binary.
pub fn kiosk(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("kiosk runs")
}

/// Text without any white space (pdftotext breaks and spaces lines freely).
pub fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A transcript with `n` courses spread over terms of 10.
pub fn long_transcript(n: usize) -> DataSet {
    let mut data = sample("2023011234");
    let names = [
        "高等数学",
        "线性代数",
        "大学物理",
        "程序设计基础",
        "数据结构与算法",
        "操作系统原理与实践",
    ];
    let mut terms = Vec::new();
    for t in 0..n.div_ceil(10) {
        let courses: Vec<_> = (0..10.min(n - t * 10))
            .map(|i| {
                let k = t * 10 + i;
                serde_json::json!({
                    "code": format!("GC{k:04}"),
                    "name": format!("{}（第{}部分）", names[k % names.len()], k + 1),
                    "name_en": format!("Generated Course {}", k + 1),
                    "credits": 2.0, "hours": 32, "category": "必修", "grade": "85",
                    "grade_points": 3.5, "exam_kind": "正常考试"
                })
            })
            .collect();
        terms.push(serde_json::json!({
            "term": format!("T{t}"), "name": format!("第{}学期", t + 1), "name_en": format!("Term {}", t + 1),
            "courses": courses
        }));
    }
    data.transcript = Some(serde_json::json!({
        "student_id": "2023011234", "terms": terms,
        "summary": {"total_credits": (2 * n) as f64, "gpa": 3.5, "gpa_scale": "4.0", "average_score": 85.0}
    }));
    data
}

// A real IPP printer for the tests: ippeveprinter with a private D-Bus.

/// Processes killed when the test ends, pass or fail.
pub struct Procs(pub Vec<std::process::Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The same, with extra ippeveprinter options (`-2`, `-c script`).
pub fn ippeveprinter_with(spool: &std::path::Path, formats: &str, extra: &[&str]) -> (Procs, String) {
    let mut bus = Command::new(tool("dbus-daemon"))
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon starts");
    let mut addr = String::new();
    BufReader::new(bus.stdout.take().unwrap()).read_line(&mut addr).unwrap();
    let port = free_port();
    let printer = Command::new(tool("ippeveprinter"))
        .args([
            "-p",
            &port.to_string(),
            "-n",
            "localhost",
            "-r",
            "off",
            "-k",
            "-d",
            spool.to_str().unwrap(),
            "-f",
            formats,
        ])
        .args(extra)
        .arg("Front")
        .env("DBUS_SYSTEM_BUS_ADDRESS", addr.trim())
        .env("DBUS_SESSION_BUS_ADDRESS", addr.trim())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ippeveprinter starts");
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    (Procs(vec![printer, bus]), format!("ipp://127.0.0.1:{port}/ipp/print"))
}

/// A print command for ippeveprinter: records the job's IPP_* environment
/// beside the spool, then runs `tail` (its exit status is the job's).
pub fn script(dir: &std::path::Path, tail: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join("print.sh");
    std::fs::write(
        &p,
        format!(
            "#!/bin/sh\nenv | grep '^IPP_' > \"{}/job-env.txt\"\n{tail}\n",
            dir.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// socat linking two pseudo-terminals, `dir/reader` (the kiosk's end) and
/// `dir/host` (what a card reader would write into), once both exist.
pub fn socat_pair(dir: &Path) -> std::process::Child {
    let child = Command::new(tool("socat"))
        .arg(format!("pty,raw,echo=0,link={}", dir.join("reader").display()))
        .arg(format!("pty,raw,echo=0,link={}", dir.join("host").display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("socat starts");
    for _ in 0..200 {
        if dir.join("reader").exists() && dir.join("host").exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(dir.join("host").exists(), "socat made no ptys");
    child
}

/// `kiosk keygen` for `terminal` into `dir`: the key file and the keyring
/// entry file.
pub fn keygen_files(dir: &Path, terminal: &str) -> (PathBuf, PathBuf) {
    let out = kiosk(
        &["keygen", "--terminal-id", terminal, "--out", dir.to_str().unwrap()],
        dir,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (
        dir.join(format!("{terminal}.key")),
        dir.join(format!("{terminal}.keyring.toml")),
    )
}

/// `kiosk demo-platform` over `data` on a free port: the process and its
/// base URL (from the first line it prints).
pub fn demo_platform(data: &Path) -> (Procs, String) {
    demo_platform_with(data, &[])
}

/// The same, with extra options (`--contract 1.0`).
pub fn demo_platform_with(data: &Path, extra: &[&str]) -> (Procs, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args([
            "demo-platform",
            "--data",
            data.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("kiosk demo-platform starts");
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut line).unwrap();
    // Whatever it prints later is read too: a closed pipe would end it.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let base = line
        .split('"')
        .nth(1)
        .unwrap_or_else(|| panic!("no base_url in {line:?}"))
        .to_string();
    (Procs(vec![child]), base)
}

/// Writes a file only its owner may read (a token, a key).
pub fn write_private(path: &Path, text: impl AsRef<[u8]>) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// Prints `job` on `printer` through the print flow, journaled in memory:
/// the result, what the screen would have heard, and the journal.
pub async fn print_recorded(
    printer: std::sync::Arc<dyn campus_kiosk::printing::Printer>,
    job: &campus_kiosk::printing::PrintJob,
    follow: campus_kiosk::printing::Follow,
) -> (
    Result<campus_kiosk::printing::JobOutcome, campus_kiosk::printing::PrintError>,
    Vec<campus_kiosk::printing::Progress>,
    std::sync::Arc<campus_kiosk::journal::fake::FakeJournal>,
) {
    use std::sync::{Arc, Mutex};
    let journal = Arc::new(campus_kiosk::journal::fake::FakeJournal::new());
    let ports = campus_kiosk::flow::print::Ports {
        journal: journal.clone(),
        printer,
        clock: Arc::new(campus_kiosk::core::clock::ManualClock::new(
            time::macros::datetime!(2026-11-23 01:30 UTC),
        )),
        utc_offset: time::macros::offset!(+8),
        follow,
        outbox: None,
    };
    let order = campus_kiosk::flow::print::Order {
        terminal: "T-1".into(),
        service: "transcript-zh".into(),
        person: "2023011234".into(),
        document: job.id.clone(),
        job: job.clone(),
        quota: None,
        seal: None,
        template_version: None,
    };
    let seen = Mutex::new(Vec::new());
    let finished = campus_kiosk::flow::print::print(&ports, order, &mut |p| {
        seen.lock().unwrap().push(p);
    })
    .await;
    (finished.result, seen.into_inner().unwrap(), journal)
}

/// Copies a folder's files and folders (a template, its sample data).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The names in a folder, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
