//! A campus-card reader on a serial port (`serialport`, no libudev).
//!
//! Runs on its own thread and sends `ReaderEvent`s over a channel: taps
//! (normalised, debounced), protocol errors, and the reader going offline
//! (unplugged, no such port) and back online. While offline it retries
//! opening the port with backoff.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use crate::reader::{Debouncer, Parser, Protocol, ProtocolError};

/// What the reader thread reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderEvent {
    /// The port is open.
    Online,
    /// The port cannot be used; retrying. The text says why.
    Offline(String),
    /// A card (upper-case hex UID), once per debounce window.
    Tap(String),
    /// Something wrong on the wire.
    Error(ProtocolError),
}

/// How to reach the reader.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct SerialSettings {
    pub port: PathBuf,
    pub baud: u32,
    pub protocol: Protocol,
    pub debounce: Duration,
}

const BACKOFF_MIN: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(3);
const READ_TIMEOUT: Duration = Duration::from_millis(100);

/// A running reader thread; stops when dropped.
#[derive(Debug)]
pub struct ReaderHandle {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for ReaderHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts reading; events go to `tx` until the handle is dropped or the
/// receiver hangs up.
pub fn spawn(settings: SerialSettings, tx: Sender<ReaderEvent>) -> std::io::Result<ReaderHandle> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("card-reader".into())
        .spawn(move || run(settings, tx, flag))?;
    Ok(ReaderHandle {
        stop,
        thread: Some(thread),
    })
}

#[allow(
    clippy::disallowed_methods,
    reason = "the reader's own thread times its debounce and reopen backoff"
)]
fn run(s: SerialSettings, tx: Sender<ReaderEvent>, stop: Arc<AtomicBool>) {
    let started = Instant::now();
    let mut debounce = Debouncer::new(s.debounce.as_millis() as u64);
    let mut backoff = BACKOFF_MIN;
    let mut offline_said = false;
    let path = s.port.to_string_lossy().into_owned();
    while !stop.load(Ordering::SeqCst) {
        let mut port = match serialport::new(path.as_str(), s.baud)
            .timeout(READ_TIMEOUT)
            .open_native()
        {
            Ok(p) => p,
            Err(e) => {
                if !offline_said {
                    offline_said = true;
                    if tx.send(ReaderEvent::Offline(format!("{path}: {e}"))).is_err() {
                        return;
                    }
                }
                sleep_unless_stopped(backoff, &stop);
                backoff = (backoff * 2).min(BACKOFF_MAX);
                continue;
            }
        };
        backoff = BACKOFF_MIN;
        if tx.send(ReaderEvent::Online).is_err() {
            return;
        }
        let mut parser = Parser::new(s.protocol);
        let mut buf = [0u8; 256];
        let mut found = Vec::new();
        let reason = loop {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            match port.read(&mut buf) {
                Ok(0) => break format!("{path}: the reader hung up"),
                Ok(n) => {
                    parser.push(&buf[..n], &mut found);
                    let now = started.elapsed().as_millis() as u64;
                    for r in found.drain(..) {
                        let ev = match r {
                            Ok(uid) if debounce.tap(&uid, now) => ReaderEvent::Tap(uid),
                            Ok(_) => continue,
                            Err(e) => ReaderEvent::Error(e),
                        };
                        if tx.send(ev).is_err() {
                            return;
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break format!("{path}: {e}"),
            }
        };
        drop(port);
        offline_said = true;
        if tx.send(ReaderEvent::Offline(reason)).is_err() {
            return;
        }
        sleep_unless_stopped(backoff, &stop);
    }
}

#[allow(clippy::disallowed_methods, reason = "a wait on the reader's own thread")]
fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let until = Instant::now() + d;
    while Instant::now() < until && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(20).min(until.saturating_duration_since(Instant::now())));
    }
}
