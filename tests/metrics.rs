//! The centre's view of a terminal: `kiosk run --metrics` scraped by a
//! real Prometheus (Debian's package, started here on loopback) while the
//! printer (ippeveprinter) runs out of paper and a print completes;
//! `promtool` checks the scrape and the alert rules; systemd's watchdog
//! protocol against a notification socket the test holds.

use std::io::{Read, Write};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::Value;

/// `GET path` from `addr` over plain HTTP/1.0: the status and the body.
fn get(addr: &str, path: &str) -> Option<(u16, String)> {
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
    Some((status, body))
}

/// Waits up to `secs` for `f` to give something.
fn within<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let until = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < until, "{what}: not within {secs} s");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Prometheus on loopback scraping `target` every second.
fn prometheus(dir: &Path, target: &str) -> (Procs, String) {
    let port = free_port();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: campus-kiosk\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let child = Command::new(tool("prometheus"))
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("tsdb").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (Procs(vec![child]), format!("127.0.0.1:{port}"))
}

/// The value Prometheus has now for `query`, if it has exactly one series.
fn query(prom: &str, q: &str) -> Option<f64> {
    let enc: String = q
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let (status, body) = get(prom, &format!("/api/v1/query?query={enc}"))?;
    if status != 200 {
        return None;
    }
    let v: Value = serde_json::from_str(&body).ok()?;
    let result = v["data"]["result"].as_array()?;
    if result.len() != 1 {
        return None;
    }
    result[0]["value"][1].as_str()?.parse().ok()
}

#[test]
fn prometheus_sees_the_paper_run_out_and_a_print_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (_platform, base) = demo_platform(&root().join("assets/sample-data"));
    // Each job empties the tray.
    let spool = dir.join("spool");
    std::fs::create_dir(&spool).unwrap();
    let cmd = script(dir, "echo 'STATE: +media-empty' >&2\nexit 0");
    let (_printer, uri) = ippeveprinter_with(&spool, "application/pdf", &["-c", cmd.to_str().unwrap()]);
    keygen_files(dir, "T-METRICS");
    let _reader = Procs(vec![socat_pair(dir)]);
    write_private(&dir.join("token"), "demo-token\n");
    let metrics = format!("127.0.0.1:{}", free_port());
    write_terminal_config(
        dir,
        "T-METRICS",
        &base,
        &uri,
        &dir.join("reader"),
        &format!("\n[metrics]\nlisten = \"{metrics}\"\n"),
    );
    let (mut procs, display) = crate::gui_smoke::x_server(1080, 1920);
    let log = std::fs::File::create(dir.join("kiosk.log")).unwrap();
    procs.0.push(
        Command::new(env!("CARGO_BIN_EXE_kiosk"))
            .args(["run", "--config", dir.to_str().unwrap()])
            .env("DISPLAY", &display)
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let said = || std::fs::read_to_string(dir.join("kiosk.log")).unwrap_or_default();
    let (status, body) = within(60, "the metrics server", || get(&metrics, "/health"));
    assert_eq!((status, body.as_str()), (200, "ok\n"), "{}", said());

    let (_prom, prom) = prometheus(dir, &metrics);
    let up = within(60, "a first scrape", || query(&prom, "kiosk_up"));
    assert_eq!(up, 1.0);
    assert_eq!(query(&prom, "kiosk_printer_ready"), Some(1.0));
    assert_eq!(query(&prom, r#"kiosk_build_info{terminal="T-METRICS"}"#), Some(1.0));
    within(30, "the reader online", || {
        query(&prom, "kiosk_reader_online").filter(|&v| v == 1.0)
    });
    // The key's expiry comes from the keyring entry beside it (730 days).
    let days = query(&prom, "(kiosk_signing_key_expiry_timestamp_seconds - time()) / 86400").unwrap();
    assert!((729.0..=730.0).contains(&days), "{days}");

    // A test page prints (the journal is shared with the running kiosk),
    // and the tray is empty after it.
    let out = kiosk(&["printer", "test-page", "--config", dir.to_str().unwrap()], dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = within(30, "the print in Prometheus", || {
        query(&prom, r#"kiosk_prints_total{service="test-page",outcome="printed"}"#).filter(|&n| n >= 1.0)
    });
    assert_eq!(printed, 1.0);
    assert!(query(&prom, r#"kiosk_pages_total{service="test-page"}"#).is_some_and(|n| n >= 1.0));
    within(30, "paper out in Prometheus", || {
        query(&prom, r#"kiosk_printer_state_reason{reason=~"media-empty.*"}"#).filter(|&v| v == 1.0)
    });
    within(30, "the terminal down in Prometheus", || {
        query(&prom, "kiosk_up").filter(|&v| v == 0.0)
    });
    let (status, body) = get(&metrics, "/health").unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("printer: media-empty"), "{body}");

    // The scrape is well-formed for Prometheus's own checker, and names
    // no person.
    let (_, text) = get(&metrics, "/metrics").unwrap();
    // Every series the fleet's dashboard and alerts read is one the
    // terminal serves.
    for name in monitored_series() {
        assert!(
            text.contains(&format!("# TYPE {name} ")),
            "{name} is not served:\n{text}"
        );
    }
    assert!(!text.contains("2023011234") && !text.contains("王小明"));
    let mut check = Command::new(tool("promtool"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    check.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let checked = check.wait_with_output().unwrap();
    assert!(
        checked.status.success(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}

/// The `kiosk_*` series the dashboard's panels and the alert rules query.
fn monitored_series() -> std::collections::BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("assets/monitoring/grafana-dashboard.json")).unwrap()
        + &std::fs::read_to_string(root().join("assets/monitoring/alerts.yml")).unwrap();
    let mut names = std::collections::BTreeSet::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("kiosk_") {
        let name: String = rest[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        // A histogram's series are read through its buckets.
        names.insert(name.trim_end_matches("_bucket").to_string());
        rest = &rest[i + name.len()..];
    }
    names.retain(|n| n != "kiosk_keygen" && n.len() > "kiosk_".len());
    names
}

#[test]
fn the_dashboards_queries_are_promql() {
    let dash: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("assets/monitoring/grafana-dashboard.json")).unwrap(),
    )
    .unwrap();
    let exprs: Vec<String> = dash["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().unwrap().iter())
        .map(|t| t["expr"].as_str().unwrap().to_string())
        .collect();
    assert!(exprs.len() >= 10, "{exprs:?}");
    assert!(monitored_series().contains("kiosk_printer_state_reason"));
    // promtool parses each as a recording rule's expression.
    let tmp = tempfile::tempdir().unwrap();
    let rules: String = exprs
        .iter()
        .enumerate()
        .map(|(i, e)| {
            format!(
                "      - record: dashboard:panel_{i}\n        expr: {}\n",
                serde_json::to_string(e).unwrap()
            )
        })
        .collect();
    let file = tmp.path().join("dashboard-rules.yml");
    std::fs::write(&file, format!("groups:\n  - name: dashboard\n    rules:\n{rules}")).unwrap();
    let checked = run("promtool", &["check", "rules", file.to_str().unwrap()]);
    assert!(
        checked.contains(&format!("SUCCESS: {} rules found", exprs.len())),
        "{checked}"
    );
}

#[test]
fn the_alert_rules_pass_their_unit_tests() {
    let rules = root().join("assets/monitoring/alerts.yml");
    let checked = run("promtool", &["check", "rules", rules.to_str().unwrap()]);
    assert!(checked.contains("SUCCESS: 5 rules found"), "{checked}");
    let out = Command::new(tool("promtool"))
        .args(["test", "rules", "alerts_test.yml"])
        .current_dir(root().join("tests/monitoring"))
        .output()
        .unwrap();
    let said = said(&out);
    assert!(out.status.success() && said.contains("SUCCESS"), "{said}");
}

/// `kiosk run --demo --metrics ADDR` under Xvfb as systemd runs it with
/// `Type=notify` and a 1 s watchdog, its notifications to a socket held
/// here; `before` is put in front of the command (`prlimit …`). The
/// processes, the socket and the metrics address.
pub(crate) fn watched_demo(tmp: &Path, before: &[&str]) -> (crate::gui_smoke::Procs, UnixDatagram, String) {
    let socket = tmp.join("notify");
    let listener = UnixDatagram::bind(&socket).unwrap();
    let metrics = format!("127.0.0.1:{}", free_port());
    let (mut procs, display) = crate::gui_smoke::x_server(1080, 1920);
    let kiosk = env!("CARGO_BIN_EXE_kiosk");
    let mut command: Vec<&str> = before.to_vec();
    command.extend([kiosk, "run", "--demo", "--metrics", &metrics]);
    let child = Command::new(command[0])
        .args(&command[1..])
        .current_dir(root())
        .env("DISPLAY", &display)
        .env("TMPDIR", tmp)
        .env("NOTIFY_SOCKET", &socket)
        .env("WATCHDOG_USEC", "1000000")
        // Under cage the unit's main process is the compositor.
        .env("WATCHDOG_PID", "1")
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    procs.0.push(child);
    (procs, listener, metrics)
}

/// The next notification on `socket` within `wait_ms`.
pub(crate) fn notice(socket: &UnixDatagram, wait_ms: u64) -> Option<String> {
    let mut buf = [0u8; 256];
    socket.set_read_timeout(Some(Duration::from_millis(wait_ms))).unwrap();
    let n = socket.recv(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf[..n]).into_owned())
}

#[test]
fn a_hung_event_loop_stops_the_watchdog_pings() {
    let tmp = tempfile::tempdir().unwrap();
    let (procs, listener, metrics) = watched_demo(tmp.path(), &[]);
    let pid = procs.0.last().unwrap().id().to_string();
    let next = |wait_ms: u64| notice(&listener, wait_ms);
    // Ready once its window runs, then a ping every half second.
    let first = next(60_000).expect("the kiosk says it is ready");
    assert!(first.contains("READY=1"), "{first}");
    for _ in 0..3 {
        let ping = next(2_000).expect("a watchdog ping within the interval");
        assert_eq!(ping, "WATCHDOG=1\n");
    }
    // The demo serves its metrics too.
    let (status, text) = within(30, "the demo's metrics", || get(&metrics, "/metrics"));
    assert!(status == 200 && text.contains("kiosk_build_info"), "{text}");
    // The event loop stops (as a hung UI): no ping comes, which is what
    // makes systemd restart the service after WatchdogSec.
    run("kill", &["-STOP", &pid]);
    while next(100).is_some() {}
    assert_eq!(next(3_000), None, "no ping from a stopped kiosk");
    run("kill", &["-CONT", &pid]);
    let ping = next(5_000).expect("pings again once it runs");
    assert_eq!(ping, "WATCHDOG=1\n");
}

#[test]
fn under_cage_the_kiosk_serves_and_notifies_systemd() {
    // cage, the compositor the unit runs, on wlroots' headless backend:
    // a real Wayland session without a screen. cage refuses to run as
    // root; as root, the kiosk runs as nobody, as the unit runs it as its
    // own user.
    let tmp = tempfile::tempdir().unwrap();
    let runtime = tmp.path().join("runtime");
    let home = tmp.path().join("home");
    for d in [&runtime, &home] {
        std::fs::create_dir(d).unwrap();
    }
    let socket = tmp.path().join("notify");
    let listener = UnixDatagram::bind(&socket).unwrap();
    let root_user = run("id", &["-u"]).trim() == "0";
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o777)).unwrap();
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let mut cmd = if root_user {
        for d in [&runtime, &home] {
            run("chown", &["65534:65534", d.to_str().unwrap()]);
        }
        let mut c = Command::new(tool("setpriv"));
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(tool("cage"));
        c
    } else {
        Command::new(tool("cage"))
    };
    let metrics = format!("127.0.0.1:{}", free_port());
    let _ = tool("Xwayland");
    cmd.args([
        "-d",
        "--",
        env!("CARGO_BIN_EXE_kiosk"),
        "run",
        "--demo",
        "--metrics",
        &metrics,
    ])
    .current_dir(root())
    .env("HOME", &home)
    .env("TMPDIR", &home)
    .env("XDG_RUNTIME_DIR", &runtime)
    .env("WLR_BACKENDS", "headless")
    .env("WLR_LIBINPUT_NO_DEVICES", "1")
    .env("WLR_RENDERER", "pixman")
    .env("NOTIFY_SOCKET", &socket)
    .env("WATCHDOG_USEC", "1000000")
    .env_remove("DISPLAY")
    .env_remove("WAYLAND_DISPLAY")
    .stdout(Stdio::null())
    .stderr(std::fs::File::create(tmp.path().join("cage.log")).unwrap());
    let cage = cmd.spawn().unwrap();
    // systemd names the unit's main process: cage, not the kiosk.
    let _procs = Procs(vec![cage]);
    listener.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut buf = [0u8; 256];
    let said = || std::fs::read_to_string(tmp.path().join("cage.log")).unwrap_or_default();
    let n = listener
        .recv(&mut buf)
        .unwrap_or_else(|e| panic!("no READY=1 from the kiosk under cage ({e}):\n{}", said()));
    assert!(String::from_utf8_lossy(&buf[..n]).contains("READY=1"));
    listener.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let n = listener.recv(&mut buf).expect("a watchdog ping through cage");
    assert_eq!(&buf[..n], b"WATCHDOG=1\n");
    let (status, body) = within(30, "the kiosk's health under cage", || get(&metrics, "/health"));
    assert_eq!((status, body.as_str()), (200, "ok\n"), "{}", said());
}
