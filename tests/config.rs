//! The configurations shipped in kiosk-config/.

mod common;

use campus_kiosk::config::Config;
use common::*;

#[test]
fn shipped_configurations_are_valid() {
    let demo = Config::load(&root().join("kiosk-config/demo")).unwrap();
    assert_eq!(demo.read_token().unwrap(), "demo-token");
    assert!(demo.platform.base_url.starts_with("http://127.0.0.1:8700/"));

    let prod = Config::load(&root().join("kiosk-config/production/terminal.toml")).unwrap();
    assert!(prod.platform.base_url.starts_with("https://"));
    // Its token file is on the terminal, not here: a clear error naming it.
    let err = prod.read_token().unwrap_err().to_string();
    assert!(err.contains("/etc/campus-kiosk/platform-token"), "{err}");
}

#[test]
fn a_missing_configuration_is_named() {
    let err = Config::load(&root().join("kiosk-config/nowhere"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("kiosk-config/nowhere/terminal.toml"), "{err}");
}
