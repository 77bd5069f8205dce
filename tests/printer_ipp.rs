//! IPP preflight against a real printer: ippeveprinter (cups-ipp-utils) on
//! 127.0.0.1, with a private D-Bus for its DNS-SD code.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use campus_kiosk::adapters::printer_ipp::{IppPrinter, IppPrinterError};
use campus_kiosk::printing::{PrinterState, Readiness, readiness};
use common::*;

/// Processes killed when the test ends, pass or fail.
struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A private D-Bus and an IPP Everywhere printer taking `formats`.
fn ippeveprinter(spool: &std::path::Path, formats: &str) -> (Procs, String) {
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
            "Front",
        ])
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

#[tokio::test(flavor = "multi_thread")]
async fn a_pdf_printer_is_ready() {
    let tmp = tempfile::tempdir().unwrap();
    let (_procs, uri) = ippeveprinter(tmp.path(), "application/pdf");
    let p = IppPrinter::new(&uri, Duration::from_secs(5)).unwrap();
    let s = p.status().await.unwrap();
    assert_eq!(s.state, PrinterState::Idle);
    assert!(s.accepts_pdf, "{s:?}");
    assert_eq!(s.reasons, ["none"]);
    assert_eq!(readiness(&s), Readiness::Ready { warnings: vec![] });
}

#[tokio::test(flavor = "multi_thread")]
async fn a_queue_without_pdf_is_a_setup_error() {
    let tmp = tempfile::tempdir().unwrap();
    let (_procs, uri) = ippeveprinter(tmp.path(), "image/pwg-raster");
    let s = IppPrinter::new(&uri, Duration::from_secs(5))
        .unwrap()
        .status()
        .await
        .unwrap();
    assert!(!s.accepts_pdf, "{s:?}");
    match readiness(&s) {
        Readiness::Misconfigured { message } => assert!(message.contains("application/pdf"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_printer_that_does_not_answer_is_offline_within_the_timeout() {
    // Accepts connections (the kernel's backlog) but never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let p = IppPrinter::new(&format!("ipp://127.0.0.1:{port}/ipp/print"), Duration::from_millis(800)).unwrap();
    let e = p.status().await.unwrap_err();
    assert!(matches!(e, IppPrinterError::Offline(_)), "{e}");
    // And nothing listening at all.
    let closed = free_port();
    let p = IppPrinter::new(
        &format!("ipp://127.0.0.1:{closed}/ipp/print"),
        Duration::from_millis(800),
    )
    .unwrap();
    assert!(matches!(p.status().await.unwrap_err(), IppPrinterError::Offline(_)));
    drop(silent);
}
