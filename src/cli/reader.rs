use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::mpsc::channel;
use std::time::Duration;

use anyhow::{Context, bail};
use campus_kiosk::adapters::card_reader::{ReaderEvent, SerialSettings, spawn};
use campus_kiosk::config::{Config, ReaderProtocol};
use campus_kiosk::reader::{Key, Parser};

/// `kiosk reader test`: every tap's UID and every protocol error, until
/// Ctrl-C (or the end of input for a keyboard reader).
pub fn test(config: &Path) -> anyhow::Result<()> {
    let cfg = Config::load(config)?;
    let Some(r) = cfg.reader.clone() else {
        bail!(
            "{}: no [reader] section: this terminal has no card reader configured",
            config.display()
        );
    };
    let mut out = std::io::stdout().lock();
    if r.protocol == ReaderProtocol::Keyboard {
        let _ = writeln!(
            out,
            "keyboard reader: tap a card (its digits and Enter arrive here); Ctrl-C to stop"
        );
        let _ = out.flush();
        let mut parser = Parser::new(r.protocol());
        let mut found = Vec::new();
        for line in std::io::stdin().lock().lines() {
            let line = line.context("cannot read the keyboard")?;
            for c in line.chars() {
                parser.key(Key::Char(c), &mut found);
            }
            parser.key(Key::Enter, &mut found);
            for f in found.drain(..) {
                let _ = match f {
                    Ok(uid) => writeln!(out, "tap {uid}"),
                    Err(e) => writeln!(out, "error: {e}"),
                };
            }
            let _ = out.flush();
        }
        return Ok(());
    }
    let settings = SerialSettings {
        port: cfg.resolve(&r.port),
        baud: r.baud,
        protocol: r.protocol(),
        debounce: Duration::from_millis(r.debounce_ms),
    };
    let _ = writeln!(
        out,
        "reader on {} at {} baud, {:?}; tap cards, Ctrl-C to stop",
        settings.port.display(),
        settings.baud,
        r.protocol
    );
    let _ = out.flush();
    let (tx, rx) = channel();
    let _reader = spawn(settings, tx).context("cannot start the reader thread")?;
    let (mut taps, mut errors) = (0u64, 0u64);
    for ev in rx {
        let _ = match ev {
            ReaderEvent::Online => writeln!(out, "online"),
            ReaderEvent::Offline(why) => writeln!(out, "offline: {why} (retrying)"),
            ReaderEvent::Tap(uid) => {
                taps += 1;
                writeln!(out, "tap {uid}  (taps {taps}, errors {errors})")
            }
            ReaderEvent::Error(e) => {
                errors += 1;
                writeln!(out, "error: {e}  (taps {taps}, errors {errors})")
            }
        };
        let _ = out.flush();
    }
    Ok(())
}
