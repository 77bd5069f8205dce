//! The audio jack's input device, through a real FIFO written with the
//! kernel's `struct input_event` records: what the kiosk reads of it, and
//! a device that comes and goes.

use std::io::Write;
use std::time::Duration;

use campus_kiosk::adapters::speech::jack::{self, encode, headphone_event};

fn fifo(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("event-jack");
    let ok = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .expect("mkfifo runs")
        .success();
    assert!(ok, "mkfifo {}", path.display());
    path
}

#[test]
fn headphones_in_and_out_are_read_from_the_jacks_events() {
    let tmp = tempfile::tempdir().unwrap();
    let path = fifo(tmp.path());
    let (tx, rx) = std::sync::mpsc::channel();
    jack::spawn(path.clone(), tx);

    // What a sound card reports around a plug: sync reports, a key, the
    // microphone switch, the headphone switch (twice: said once).
    let mut w = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    for e in [
        encode(0, 0, 0),
        encode(0x01, 0x72, 1),
        encode(0x05, 0x04, 1),
        headphone_event(true),
        encode(0, 0, 0),
        headphone_event(true),
    ] {
        w.write_all(&e).unwrap();
    }
    w.flush().unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(true));
    // A record written in two pieces is read whole.
    let out = headphone_event(false);
    w.write_all(&out[..10]).unwrap();
    w.flush().unwrap();
    std::thread::sleep(Duration::from_millis(50));
    assert!(rx.try_recv().is_err(), "half a record says nothing");
    w.write_all(&out[10..]).unwrap();
    w.flush().unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(false));

    // The device goes away (its writer closes) and comes back: read again.
    drop(w);
    let mut w = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    w.write_all(&headphone_event(true)).unwrap();
    w.flush().unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(true));
}
