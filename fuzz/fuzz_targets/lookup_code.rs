//! Codes a recipient types (or an address carries) through
//! `platform::lookup_code`: no panic; an accepted code's canonical form is
//! the 16 characters of a document id in Crockford's base 32, and reading
//! it again gives it back.
#![no_main]

use campus_kiosk::platform::lookup_code;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match lookup_code(text) {
        Ok(code) => {
            assert_eq!(code.len(), 16, "{code:?}");
            assert!(code.bytes().all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b)), "{code:?}");
            assert_eq!(lookup_code(&code).as_deref(), Ok(code.as_str()));
        }
        Err(message) => assert!(!message.is_empty()),
    }
});
