//! What a terminal is installed with: the systemd unit that runs the kiosk
//! under cage from boot, checked by `systemd-analyze verify` (cage, its
//! program, must be installed) and for what it promises.

use std::process::Command;

use crate::common::*;

#[test]
fn the_kiosk_unit_verifies_and_is_sandboxed_and_supervised() {
    let unit = root().join("assets/deploy/campus-kiosk.service");
    let out = Command::new(tool("systemd-analyze"))
        .arg("verify")
        .arg(&unit)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Unknown keys are only warned about: nothing may be said at all.
    assert!(out.status.success() && said.trim().is_empty(), "{said}");
    let text = std::fs::read_to_string(&unit).unwrap();
    let set: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .collect();
    for want in [
        "Type=notify",
        "NotifyAccess=all",
        "WatchdogSec=30",
        "Restart=always",
        "User=campus-kiosk",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/campus-kiosk",
        "StateDirectoryMode=0700",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "ProtectHome=yes",
        "UMask=0077",
        "ExecStart=/usr/bin/cage -d -- /usr/bin/kiosk run --config /etc/campus-kiosk",
    ] {
        assert!(set.contains(&want), "the unit lacks {want}:\n{text}");
    }
    // Nothing but the journal's folder is writable.
    assert_eq!(
        set.iter().filter(|l| l.starts_with("ReadWritePaths=")).count(),
        1,
        "{text}"
    );
}
