//! The configurations shipped in kiosk-config/.

use crate::common::*;
use campus_kiosk::config::Config;

#[test]
fn shipped_configurations_are_valid() {
    let demo = Config::load(&root().join("kiosk-config/demo")).unwrap();
    assert!(demo.platform.base_url.starts_with("http://127.0.0.1:8700/"));
    // The demo's token, once only its owner can read it.
    let tmp = tempfile::tempdir().unwrap();
    for f in ["terminal.toml", "token"] {
        std::fs::copy(root().join("kiosk-config/demo").join(f), tmp.path().join(f)).unwrap();
    }
    set_mode(&tmp.path().join("token"), 0o600);
    set_mode(&tmp.path().join("terminal.toml"), 0o644);
    assert_eq!(Config::load(tmp.path()).unwrap().read_token().unwrap(), "demo-token");

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

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_token_others_can_read_or_a_configuration_others_can_change_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for f in ["terminal.toml", "token"] {
        std::fs::copy(root().join("kiosk-config/demo").join(f), tmp.path().join(f)).unwrap();
    }
    let token = tmp.path().join("token");
    set_mode(&token, 0o644);
    set_mode(&tmp.path().join("terminal.toml"), 0o644);
    let err = Config::load(tmp.path()).unwrap().read_token().unwrap_err().to_string();
    assert!(err.contains("chmod 600") && err.contains("mode 644"), "{err}");
    set_mode(&token, 0o600);
    set_mode(&tmp.path().join("terminal.toml"), 0o666);
    let err = Config::load(tmp.path()).unwrap_err().to_string();
    assert!(err.contains("chmod go-w"), "{err}");
}

#[test]
fn the_technician_pin_is_a_salted_argon2id_hash() {
    // Two hashes of one PIN differ (salted) and are argon2id.
    let hash = |pin: &str| {
        let out = kiosk(&["pin-hash", pin], &root());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let (a, b) = (hash("2468"), hash("2468"));
    assert!(a.starts_with("$argon2id$") && a != b, "{a} {b}");
    assert!(campus_kiosk::core::pin::matches("2468", &a) && !campus_kiosk::core::pin::matches("2469", &a));
    // The old unsalted SHA-256 is refused with what to do.
    let tmp = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(root().join("kiosk-config/demo/terminal.toml")).unwrap();
    let start = src.find("pin_hash = ").unwrap();
    let end = start + src[start..].find('\n').unwrap();
    let old = format!(
        "{}pin_sha256 = \"a1fb4e703a9ef1fa4936801721ff285a97ac85330856674412e054892afe6972\"{}",
        &src[..start],
        &src[end..]
    );
    std::fs::write(tmp.path().join("terminal.toml"), old).unwrap();
    set_mode(&tmp.path().join("terminal.toml"), 0o644);
    let err = Config::load(tmp.path()).unwrap_err().to_string();
    assert!(
        err.contains("technician.pin_sha256") && err.contains("kiosk pin-hash"),
        "{err}"
    );
}
