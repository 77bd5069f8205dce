//! The serial card reader over real pseudo-terminals (socat), as a reader
//! on a USB-serial adapter would appear.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use crate::common::*;
use campus_kiosk::adapters::card_reader::{ReaderEvent, SerialSettings, spawn};
use campus_kiosk::reader::{ByteOrder, Protocol, ProtocolError, UidFormat};

/// A pair of linked pseudo-terminals: the kiosk opens `reader`, the test
/// writes what a card reader would into `host`.
struct Pty {
    child: Child,
    dir: PathBuf,
}

impl Pty {
    fn start(dir: &Path) -> Pty {
        let child = socat_pair(dir);
        Pty {
            child,
            dir: dir.to_path_buf(),
        }
    }

    fn send(&self, bytes: &[u8]) {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(self.dir.join("host"))
            .unwrap();
        f.write_all(bytes).unwrap();
        f.flush().unwrap();
    }

    /// Pulls the plug.
    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn next(rx: &Receiver<ReaderEvent>) -> ReaderEvent {
    rx.recv_timeout(Duration::from_secs(10))
        .expect("the reader reports within 10 s")
}

fn settings(dir: &Path, protocol: Protocol) -> SerialSettings {
    SerialSettings {
        port: dir.join("reader"),
        baud: 9600,
        protocol,
        debounce: Duration::from_secs(2),
    }
}

const HEX: Protocol = Protocol::Line {
    format: UidFormat::Hex,
    order: ByteOrder::Msb,
};

#[test]
fn line_reader_taps_errors_debounce_and_bounded_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let pty = Pty::start(tmp.path());
    let (tx, rx) = channel();
    let _reader = spawn(settings(tmp.path(), HEX), tx).unwrap();
    assert_eq!(next(&rx), ReaderEvent::Online);

    for (end, uid) in [("\r", "04A1B2C3"), ("\n", "0BADCAFE"), ("\r\n", "04D5E6F708A1B2")] {
        pty.send(format!("{}{end}", uid.to_lowercase()).as_bytes());
        assert_eq!(next(&rx), ReaderEvent::Tap(uid.into()), "{end:?}");
    }
    // The same card read three times in a row is one tap…
    pty.send(b"11223344\r\n11223344\r\n11223344\r\n");
    assert_eq!(next(&rx), ReaderEvent::Tap("11223344".into()));
    // …garbage is an error, not a tap…
    pty.send(b"hello?\r\n");
    assert!(matches!(next(&rx), ReaderEvent::Error(ProtocolError::BadUid { .. })));
    // …and a 10 KB line without an end is dropped, then reading goes on.
    pty.send(&vec![b'7'; 10 * 1024]);
    pty.send(b"\r\n55667788\r\n");
    assert_eq!(
        next(&rx),
        ReaderEvent::Error(ProtocolError::Overlong {
            max: campus_kiosk::reader::MAX_LINE
        })
    );
    assert_eq!(next(&rx), ReaderEvent::Tap("55667788".into()));
}

#[test]
fn decimal_and_framed_readers() {
    let tmp = tempfile::tempdir().unwrap();
    let pty = Pty::start(tmp.path());
    let (tx, rx) = channel();
    let decimal = Protocol::Line {
        format: UidFormat::Decimal,
        order: ByteOrder::Lsb,
    };
    let reader = spawn(settings(tmp.path(), decimal), tx).unwrap();
    assert_eq!(next(&rx), ReaderEvent::Online);
    // 3283263748 = 0xC3B2A104: printed least significant byte first.
    pty.send(b"3283263748\r\n");
    assert_eq!(next(&rx), ReaderEvent::Tap("04A1B2C3".into()));
    drop(reader);
    drop(rx);
    // A fresh pair: socat may end once the first reader closes its side.
    let tmp = tempfile::tempdir().unwrap();
    let pty = Pty::start(tmp.path());
    let (tx, rx) = channel();
    let _reader = spawn(settings(tmp.path(), Protocol::Framed), tx).unwrap();
    assert_eq!(next(&rx), ReaderEvent::Online);
    // RDM6300: STX, version 01 + tag 0BADCAFE, checksum, ETX.
    let sum = [0x01u8, 0x0B, 0xAD, 0xCA, 0xFE].iter().fold(0, |a, b| a ^ b);
    pty.send(format!("\x02010BADCAFE{sum:02X}\x03").as_bytes());
    assert_eq!(next(&rx), ReaderEvent::Tap("0BADCAFE".into()));
    pty.send(b"\x02010BADCAFE00\x03");
    assert!(matches!(
        next(&rx),
        ReaderEvent::Error(ProtocolError::BadChecksum { .. })
    ));
    pty.send(b"noise");
    pty.send(format!("\x02010BADCAFE{sum:02X}\x03").as_bytes());
    assert_eq!(next(&rx), ReaderEvent::Error(ProtocolError::Garbage { bytes: 5 }));
}

#[test]
fn unplug_goes_offline_and_replug_comes_back() {
    let tmp = tempfile::tempdir().unwrap();
    // Not plugged in yet: offline, once.
    let (tx, rx) = channel();
    let _reader = spawn(settings(tmp.path(), HEX), tx).unwrap();
    assert!(matches!(next(&rx), ReaderEvent::Offline(_)));
    let pty = Pty::start(tmp.path());
    assert_eq!(next(&rx), ReaderEvent::Online);
    pty.send(b"04A1B2C3\r\n");
    assert_eq!(next(&rx), ReaderEvent::Tap("04A1B2C3".into()));
    // Unplug.
    pty.stop();
    match next(&rx) {
        ReaderEvent::Offline(why) => assert!(why.contains("reader"), "{why}"),
        other => panic!("expected offline, got {other:?}"),
    }
    // Plug it back in: the same device name comes back.
    let pty = Pty::start(tmp.path());
    assert_eq!(next(&rx), ReaderEvent::Online);
    pty.send(b"0BADCAFE\r\n");
    assert_eq!(next(&rx), ReaderEvent::Tap("0BADCAFE".into()));
}

fn config_with_reader(dir: &Path, reader: &str) -> PathBuf {
    let cfg = dir.join("terminal.toml");
    std::fs::write(
        &cfg,
        format!(
            "[terminal]\nid = \"T-1\"\nname = \"t\"\n[platform]\nbase_url = \"http://127.0.0.1:1/api/v1\"\ntoken_file = \"token\"\n[printer]\nkind = \"directory\"\ndir = \"out\"\n{reader}"
        ),
    )
    .unwrap();
    cfg
}

#[test]
fn kiosk_reader_test_prints_taps_and_errors() {
    use std::io::{BufRead, BufReader};
    let tmp = tempfile::tempdir().unwrap();
    let pty = Pty::start(tmp.path());
    let cfg = config_with_reader(tmp.path(), "[reader]\nport = \"reader\"\nprotocol = \"framed\"\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["reader", "test", "--config", cfg.to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut line = || lines.next().unwrap().unwrap();
    assert!(line().starts_with("reader on"));
    assert_eq!(line(), "online");
    let sum = [0x01u8, 0x04, 0xA1, 0xB2, 0xC3].iter().fold(0, |a, b| a ^ b);
    pty.send(format!("\x020104A1B2C3{sum:02X}\x03").as_bytes());
    assert_eq!(line(), "tap 04A1B2C3  (taps 1, errors 0)");
    pty.send(b"\x020104A1B2C300\x03");
    let l = line();
    assert!(
        l.starts_with("error: bad checksum") && l.ends_with("(taps 1, errors 1)"),
        "{l}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn kiosk_reader_test_with_a_keyboard_reader() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config_with_reader(tmp.path(), "[reader]\nprotocol = \"keyboard\"\nformat = \"decimal\"\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["reader", "test", "--config", cfg.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"0077705923\nabc\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("tap 04A1B2C3"), "{text}");
    assert!(text.contains("error: \"abc\" is not a card UID"), "{text}");
}

#[test]
fn kiosk_reader_test_without_a_reader_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config_with_reader(tmp.path(), "");
    let out = kiosk(&["reader", "test", "--config", cfg.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no [reader] section"));
}
