//! Card-reader parsers against arbitrary bytes: no panic, bounded memory,
//! every tap a well-formed UID, and the same result however the bytes are
//! split into reads.
#![no_main]

use campus_kiosk::reader::{ByteOrder, MAX_LINE, Parser, Protocol, UidFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let Some((&chunk, bytes)) = rest.split_first() else {
        return;
    };
    let order = if sel & 4 == 0 { ByteOrder::Msb } else { ByteOrder::Lsb };
    let format = if sel & 8 == 0 {
        UidFormat::Hex
    } else {
        UidFormat::Decimal
    };
    let protocol = match sel % 3 {
        0 => Protocol::Line { format, order },
        1 => Protocol::Framed,
        _ => Protocol::Keyboard { format, order },
    };

    let mut whole = Vec::new();
    Parser::new(protocol).push(bytes, &mut whole);

    let mut split = Vec::new();
    let mut p = Parser::new(protocol);
    for part in bytes.chunks(usize::from(chunk).max(1)) {
        p.push(part, &mut split);
        assert!(p.buffered() <= MAX_LINE);
    }
    assert_eq!(whole, split, "chunking changed the result");

    for uid in whole.iter().flatten() {
        assert!(matches!(uid.len(), 8 | 14), "{uid}");
        assert!(
            uid.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)),
            "{uid}"
        );
    }
});
