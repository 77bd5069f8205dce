//! A service bundle handed in (zip bytes): opened or refused, never a
//! panic; nothing is written unless the manifest's hashes hold, and what
//! is written stays inside the folder given.
#![no_main]

use campus_kiosk::authoring::bundle;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(tmp) = tempfile::tempdir() else { return };
    match bundle::unpack(data, tmp.path()) {
        Ok((manifest, dir)) => {
            assert!(dir.starts_with(tmp.path()));
            assert_eq!(bundle::content_hash(&manifest.content.files), manifest.content.hash);
        }
        Err(_) => {
            // Refused: nothing was written.
            let written = std::fs::read_dir(tmp.path()).map(|d| d.count()).unwrap_or(0);
            assert_eq!(written, 0);
        }
    }
});
