//! The audio jack: headphones plugged in or pulled out, as the Linux
//! kernel reports them on the sound card's input device (an evdev switch,
//! `SW_HEADPHONE_INSERT`). The shell turns voice guidance on when a
//! person plugs headphones in, and off when they pull them out.
//!
//! The device is a file of `struct input_event` records (64-bit Linux:
//! seconds and microseconds as 8-byte integers, then type, code and value);
//! each record is read whole and decoded here, everything but the
//! headphone switch ignored. Find the device with
//! `grep -l Headphone /sys/class/input/event*/device/name` and name it in
//! `[speech] headphones` (docs/configuration.md).

use std::io::Read;
use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::time::Duration;

/// Bytes of one `struct input_event` on 64-bit Linux.
pub const EVENT_SIZE: usize = 24;
/// `EV_SW`: a switch changed.
const EV_SW: u16 = 0x05;
/// `SW_HEADPHONE_INSERT`: 1 when headphones are in, 0 when out.
const SW_HEADPHONE_INSERT: u16 = 0x02;
/// The shortest wait before the device is opened again after it closed or
/// failed, and the longest (doubling between).
const REOPEN_FLOOR: Duration = Duration::from_millis(500);
const REOPEN_CAP: Duration = Duration::from_secs(30);

/// What one input event says of the headphones: `Some(true)` plugged in,
/// `Some(false)` pulled out, `None` for any other event.
pub fn decode(event: &[u8; EVENT_SIZE]) -> Option<bool> {
    let kind = u16::from_ne_bytes([event[16], event[17]]);
    let code = u16::from_ne_bytes([event[18], event[19]]);
    let value = i32::from_ne_bytes([event[20], event[21], event[22], event[23]]);
    (kind == EV_SW && code == SW_HEADPHONE_INSERT).then_some(value != 0)
}

/// An input event record, as the kernel writes it (for tests and tools).
pub fn encode(kind: u16, code: u16, value: i32) -> [u8; EVENT_SIZE] {
    let mut e = [0u8; EVENT_SIZE];
    e[16..18].copy_from_slice(&kind.to_ne_bytes());
    e[18..20].copy_from_slice(&code.to_ne_bytes());
    e[20..24].copy_from_slice(&value.to_ne_bytes());
    e
}

/// The record of headphones plugged in (`true`) or pulled out.
pub fn headphone_event(plugged: bool) -> [u8; EVENT_SIZE] {
    encode(EV_SW, SW_HEADPHONE_INSERT, i32::from(plugged))
}

/// Reads `device` on a thread of its own and sends each change of the
/// headphones (repeats left out); it ends at the first change nobody
/// receives (the shell has stopped listening). A device
/// that cannot be opened, or that closes, is opened again after a wait
/// that doubles from half a second to half a minute: a jack that is
/// missing never busies the terminal.
pub fn spawn(device: PathBuf, tx: Sender<bool>) {
    std::thread::spawn(move || {
        let mut wait = REOPEN_FLOOR;
        let mut last = None;
        let mut said = false;
        loop {
            match std::fs::File::open(&device) {
                Ok(mut f) => {
                    said = false;
                    let mut event = [0u8; EVENT_SIZE];
                    // read_exact: a record is never decoded from pieces.
                    while f.read_exact(&mut event).is_ok() {
                        wait = REOPEN_FLOOR;
                        if let Some(plugged) = decode(&event)
                            && last != Some(plugged)
                        {
                            last = Some(plugged);
                            if tx.send(plugged).is_err() {
                                return;
                            }
                        }
                    }
                }
                // Said once, not at every try.
                Err(e) if !said => {
                    said = true;
                    eprintln!(
                        "{}: cannot read the audio jack ([speech] headphones): {e}",
                        device.display()
                    );
                }
                Err(_) => {}
            }
            std::thread::sleep(wait);
            wait = (wait * 2).min(REOPEN_CAP);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_headphone_switch_counts() {
        assert_eq!(decode(&headphone_event(true)), Some(true));
        assert_eq!(decode(&headphone_event(false)), Some(false));
        // A key, a sync report and the microphone switch say nothing.
        assert_eq!(decode(&encode(0x01, 0x02, 1)), None);
        assert_eq!(decode(&encode(0x00, 0x00, 0)), None);
        assert_eq!(decode(&encode(EV_SW, 0x04, 1)), None);
    }
}
