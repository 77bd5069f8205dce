//! Seal decoding against arbitrary text and bytes: `%20` readings,
//! base45, CBOR. No panic; the readings stay bounded; a
//! payload that parses reads back the same from its own encoding;
//! checking against a keyring never calls a forged seal valid.
#![no_main]

use campus_kiosk::seal;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // As text, the way a scanned QR code arrives.
    if let Ok(text) = std::str::from_utf8(data) {
        let readings = seal::readings(text);
        assert!(!readings.is_empty() && readings.len() <= 4096);
        let _ = seal::parse(text);
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let trusted = [seal::TrustedKey {
            terminal: "FUZZ".into(),
            public: key.verifying_key(),
            not_before: 0,
            not_after: u64::MAX,
            revoked: false,
        }];
        // Only a seal signed with the key verifies, and the fuzzer has
        // no key.
        assert!(seal::check(text, &trusted).is_err(), "a forged seal verified");
    }
    // As the seal's CBOR bytes.
    if let Ok(s) = seal::from_bytes(data) {
        let again = seal::from_bytes(&seal::sign(
            &s.payload,
            &ed25519_dalek::SigningKey::from_bytes(&[1; 32]),
        ))
        .unwrap();
        assert_eq!(again.payload, s.payload, "a payload reads back as it was written");
    }
});
