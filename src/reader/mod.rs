//! Campus-card readers: the protocols they speak, parsed into the
//! platform's UID form (upper-case hex, 8 or 14 digits), and debouncing.
//!
//! Pure: bytes and key presses come in, taps and protocol errors go out.
//! Buffers are bounded: a reader that sends garbage or never ends a line
//! costs at most a few dozen bytes. The serial-port adapter is
//! `adapters::card_reader`.

use serde::Deserialize;

/// How a reader writes UIDs when they are decimal numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ByteOrder {
    /// The number's most significant byte is the UID's first byte.
    #[default]
    Msb,
    /// The reader printed the bytes in reverse (common with Wiegand-style
    /// decimal output).
    Lsb,
}

/// How a line or keyboard reader writes a UID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum UidFormat {
    #[default]
    Hex,
    /// A decimal number (10 digits for a 4-byte UID).
    Decimal,
}

/// A reader protocol, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// ASCII UID ended by CR, LF or CRLF.
    Line { format: UidFormat, order: ByteOrder },
    /// STX, hex payload, XOR checksum, ETX (RDM6300-style).
    Framed,
    /// A USB keyboard-wedge reader: digits then Enter.
    Keyboard { format: UidFormat, order: ByteOrder },
}

/// Something wrong on the wire (reported and counted, never a tap).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("bad checksum in frame {frame:?}")]
    BadChecksum { frame: String },
    #[error("{bytes} bytes of noise outside a frame")]
    Garbage { bytes: usize },
    #[error("a line or frame longer than {max} bytes was dropped")]
    Overlong { max: usize },
    #[error("{text:?} is not a card UID")]
    BadUid { text: String },
}

/// Longest line or frame kept; longer ones are dropped.
pub const MAX_LINE: usize = 40;

/// Hex text to the platform form: 8 or 14 upper-case hex digits.
pub fn normalise_hex(text: &str) -> Result<String, ProtocolError> {
    let clean: String = text.chars().filter(|c| !matches!(c, ' ' | ':' | '-')).collect();
    let ok = matches!(clean.len(), 8 | 14) && clean.chars().all(|c| c.is_ascii_hexdigit());
    if ok {
        Ok(clean.to_ascii_uppercase())
    } else {
        Err(ProtocolError::BadUid { text: text.into() })
    }
}

/// A decimal UID (4 bytes up to 4294967295, else 7 bytes) to hex.
pub fn decimal_to_hex(text: &str, order: ByteOrder) -> Result<String, ProtocolError> {
    let bad = || ProtocolError::BadUid { text: text.into() };
    if text.is_empty() || text.len() > 17 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u64 = text.parse().map_err(|_| bad())?;
    let width = if n <= u64::from(u32::MAX) {
        4
    } else if n < 1 << 56 {
        7
    } else {
        return Err(bad());
    };
    let mut bytes: Vec<u8> = n.to_be_bytes()[8 - width..].to_vec();
    if order == ByteOrder::Lsb {
        bytes.reverse();
    }
    Ok(bytes.iter().map(|b| format!("{b:02X}")).collect())
}

fn uid_from_text(text: &str, format: UidFormat, order: ByteOrder) -> Result<String, ProtocolError> {
    match format {
        UidFormat::Hex => normalise_hex(text),
        UidFormat::Decimal => decimal_to_hex(text, order),
    }
}

/// One thing the parser found.
pub type Parsed = Result<String, ProtocolError>;

/// A byte-stream parser for the serial protocols.
#[derive(Debug, Clone)]
pub struct Parser {
    protocol: Protocol,
    buf: Vec<u8>,
    /// The current line/frame overflowed: drop bytes until its end.
    dropping: bool,
    /// Framed: inside STX…ETX.
    in_frame: bool,
    noise: usize,
}

const STX: u8 = 0x02;
const ETX: u8 = 0x03;

impl Parser {
    pub fn new(protocol: Protocol) -> Parser {
        Parser {
            protocol,
            buf: Vec::with_capacity(MAX_LINE),
            dropping: false,
            in_frame: false,
            noise: 0,
        }
    }

    /// Whether no card's input has begun: an Enter now is a person's.
    pub fn idle(&self) -> bool {
        self.buf.is_empty() && !self.dropping && !self.in_frame
    }

    /// Bytes held for an unfinished line or frame (bounded by `MAX_LINE`).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Feeds bytes; taps and errors are appended to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<Parsed>) {
        for &b in bytes {
            match self.protocol {
                Protocol::Line { format, order } | Protocol::Keyboard { format, order } => {
                    self.line_byte(b, format, order, out)
                }
                Protocol::Framed => self.frame_byte(b, out),
            }
        }
    }

    fn line_byte(&mut self, b: u8, format: UidFormat, order: ByteOrder, out: &mut Vec<Parsed>) {
        if b == b'\r' || b == b'\n' {
            if self.dropping {
                out.push(Err(ProtocolError::Overlong { max: MAX_LINE }));
            } else if !self.buf.is_empty() {
                let text = String::from_utf8_lossy(&self.buf).trim().to_string();
                if !text.is_empty() {
                    out.push(uid_from_text(&text, format, order));
                }
            }
            self.buf.clear();
            self.dropping = false;
            return;
        }
        self.keep(b);
    }

    /// Keeps a byte of the current line or frame; past `MAX_LINE` the rest
    /// of it is dropped (and reported when it ends).
    fn keep(&mut self, b: u8) {
        if self.dropping {
            return;
        }
        if self.buf.len() >= MAX_LINE {
            self.buf.clear();
            self.dropping = true;
            return;
        }
        self.buf.push(b);
    }

    fn flush_noise(&mut self, out: &mut Vec<Parsed>) {
        if self.noise > 0 {
            out.push(Err(ProtocolError::Garbage { bytes: self.noise }));
            self.noise = 0;
        }
    }

    fn frame_byte(&mut self, b: u8, out: &mut Vec<Parsed>) {
        if b == STX {
            self.flush_noise(out);
            if self.in_frame && self.dropping {
                out.push(Err(ProtocolError::Overlong { max: MAX_LINE }));
            } else if self.in_frame && !self.buf.is_empty() {
                // A frame cut short by the next one.
                self.noise += self.buf.len() + 1;
                self.flush_noise(out);
            }
            self.in_frame = true;
            self.dropping = false;
            self.buf.clear();
            return;
        }
        if !self.in_frame {
            // Line noise between frames (CR/LF some readers add is fine).
            if !matches!(b, b'\r' | b'\n') {
                self.noise += 1;
            }
            return;
        }
        if b == ETX {
            self.in_frame = false;
            if self.dropping {
                self.dropping = false;
                out.push(Err(ProtocolError::Overlong { max: MAX_LINE }));
            } else {
                out.push(self.finish_frame());
            }
            self.buf.clear();
            return;
        }
        self.keep(b);
    }

    /// A frame's text: hex payload then two hex digits of checksum (XOR of
    /// the payload bytes). A 5-byte payload is RDM6300's version byte and
    /// a 4-byte tag; 4- and 7-byte payloads are the UID itself.
    fn finish_frame(&self) -> Parsed {
        let text = String::from_utf8_lossy(&self.buf).to_string();
        let bad = || ProtocolError::BadUid { text: text.clone() };
        if text.len() < 4 || !text.len().is_multiple_of(2) || !text.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let bytes: Vec<u8> = (0..text.len() / 2)
            .filter_map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
            .collect();
        let (payload, sum) = bytes.split_at(bytes.len() - 1);
        if payload.iter().fold(0u8, |a, b| a ^ b) != sum[0] {
            return Err(ProtocolError::BadChecksum { frame: text.clone() });
        }
        let uid = match payload.len() {
            4 | 7 => payload,
            5 => &payload[1..],
            _ => return Err(bad()),
        };
        Ok(uid.iter().map(|b| format!("{b:02X}")).collect())
    }

    /// Ends a keyboard reader's input (Enter).
    pub fn key(&mut self, key: Key, out: &mut Vec<Parsed>) {
        match key {
            Key::Char(c) if c.is_ascii() => self.push(&[c as u8], out),
            Key::Char(_) => {
                // Not a reader: a person typing. Forget the partial input.
                self.buf.clear();
                self.dropping = false;
            }
            Key::Enter => self.push(b"\n", out),
        }
    }
}

/// A key press from a keyboard-wedge reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
}

/// Makes the same card read several times within a window one tap.
#[derive(Debug, Clone, Default)]
pub struct Debouncer {
    window_ms: u64,
    last: Option<(String, u64)>,
}

impl Debouncer {
    pub fn new(window_ms: u64) -> Debouncer {
        Debouncer { window_ms, last: None }
    }

    /// Whether a read of `uid` at `now` is a new tap.
    pub fn tap(&mut self, uid: &str, now: u64) -> bool {
        let repeat = self
            .last
            .as_ref()
            .is_some_and(|(last, at)| last == uid && now.saturating_sub(*at) < self.window_ms);
        // The window runs from the latest read: a card held on the reader
        // stays one tap.
        self.last = Some((uid.to_string(), now));
        !repeat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(p: Protocol, bytes: &[u8]) -> Vec<Parsed> {
        let mut out = Vec::new();
        Parser::new(p).push(bytes, &mut out);
        out
    }

    const HEX: Protocol = Protocol::Line {
        format: UidFormat::Hex,
        order: ByteOrder::Msb,
    };

    #[test]
    fn line_endings() {
        for end in ["\r", "\n", "\r\n"] {
            let got = parse(HEX, format!("04a1b2c3{end}04D5E6F708A1B2{end}").as_bytes());
            assert_eq!(got, [Ok("04A1B2C3".into()), Ok("04D5E6F708A1B2".into())], "{end:?}");
        }
    }

    #[test]
    fn decimal_uids_become_hex_in_either_byte_order() {
        // 0x04A1B2C3 = 77705923.
        assert_eq!(decimal_to_hex("0077705923", ByteOrder::Msb).unwrap(), "04A1B2C3");
        assert_eq!(decimal_to_hex("0077705923", ByteOrder::Lsb).unwrap(), "C3B2A104");
        assert_eq!(decimal_to_hex("4294967295", ByteOrder::Msb).unwrap(), "FFFFFFFF");
        assert_eq!(decimal_to_hex("4294967296", ByteOrder::Msb).unwrap(), "00000100000000");
        assert!(decimal_to_hex("12ab", ByteOrder::Msb).is_err());
        let p = Protocol::Line {
            format: UidFormat::Decimal,
            order: ByteOrder::Msb,
        };
        assert_eq!(parse(p, b"0077705923\r\n"), [Ok("04A1B2C3".into())]);
    }

    #[test]
    fn bad_lines_are_errors_not_taps() {
        let got = parse(HEX, b"hello\r\n04A1B2\n");
        assert!(got.iter().all(Result::is_err), "{got:?}");
    }

    #[test]
    fn an_endless_line_is_dropped_with_bounded_memory() {
        let mut p = Parser::new(HEX);
        let mut out = Vec::new();
        p.push(&vec![b'A'; 10_240], &mut out);
        assert!(out.is_empty());
        assert!(p.buf.capacity() <= 2 * MAX_LINE);
        p.push(b"\n04A1B2C3\n", &mut out);
        assert_eq!(
            out,
            [Err(ProtocolError::Overlong { max: MAX_LINE }), Ok("04A1B2C3".into())]
        );
    }

    fn frame(payload: &[u8]) -> Vec<u8> {
        let sum = payload.iter().fold(0u8, |a, b| a ^ b);
        let mut f = vec![STX];
        for b in payload.iter().chain([&sum]) {
            f.extend(format!("{b:02X}").bytes());
        }
        f.push(ETX);
        f
    }

    #[test]
    fn frames_checksums_and_noise() {
        let mut bytes = frame(&[0x04, 0xA1, 0xB2, 0xC3]);
        bytes.extend(b"xyz");
        bytes.extend(frame(&[0x01, 0x0B, 0xAD, 0xCA, 0xFE])); // RDM6300: version byte first
        let mut bad = frame(&[0x04, 0xA1, 0xB2, 0xC3]);
        bad[9] = b'0'; // corrupt the checksum
        bytes.extend(&bad);
        let got = parse(Protocol::Framed, &bytes);
        assert_eq!(got[0], Ok("04A1B2C3".into()));
        assert_eq!(got[1], Err(ProtocolError::Garbage { bytes: 3 }));
        assert_eq!(got[2], Ok("0BADCAFE".into()));
        assert!(matches!(got[3], Err(ProtocolError::BadChecksum { .. })), "{got:?}");
        // An endless frame is dropped, then the next one reads.
        let mut long = vec![STX];
        long.extend(vec![b'1'; 10_240]);
        long.push(ETX);
        long.extend(frame(&[0x04, 0xD5, 0xE6, 0xF7, 0x08, 0xA1, 0xB2]));
        let got = parse(Protocol::Framed, &long);
        assert_eq!(
            got,
            [
                Err(ProtocolError::Overlong { max: MAX_LINE }),
                Ok("04D5E6F708A1B2".into())
            ]
        );
    }

    #[test]
    fn keyboard_wedge() {
        let mut p = Parser::new(Protocol::Keyboard {
            format: UidFormat::Decimal,
            order: ByteOrder::Msb,
        });
        let mut out = Vec::new();
        for c in "0077705923".chars() {
            p.key(Key::Char(c), &mut out);
        }
        p.key(Key::Enter, &mut out);
        assert_eq!(out, [Ok("04A1B2C3".into())]);
        // A person typing Chinese into the attract screen is not a tap.
        out.clear();
        p.key(Key::Char('1'), &mut out);
        p.key(Key::Char('你'), &mut out);
        p.key(Key::Enter, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn debounce() {
        let mut d = Debouncer::new(2000);
        assert!(d.tap("04A1B2C3", 0));
        assert!(!d.tap("04A1B2C3", 500));
        assert!(!d.tap("04A1B2C3", 2400), "held on the reader: still one tap");
        assert!(d.tap("04A1B2C3", 4500));
        assert!(d.tap("0BADCAFE", 4600), "another card is a new tap at once");
    }
}
