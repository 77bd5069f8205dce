//! Terminal configuration (`terminal.toml`) from arbitrary text: no panic,
//! and a configuration that loads has every field in its documented range.
#![no_main]

use std::path::Path;

use campus_kiosk::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    if let Ok(cfg) = Config::parse(src, Path::new("terminal.toml"), Path::new("/nonexistent")) {
        assert!((15..=600).contains(&cfg.session.idle_timeout_s));
        assert!(cfg.session.countdown_s < cfg.session.idle_timeout_s);
        let offset = cfg.terminal.offset().whole_seconds();
        assert!((-12 * 3600..=14 * 3600).contains(&offset));
    }
});
