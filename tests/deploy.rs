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
    let said = said(&out);
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
        "CapabilityBoundingSet=",
        "SystemCallFilter=@system-service",
        "DevicePolicy=closed",
        "LimitNOFILE=8192",
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

/// The package `cargo deb` makes from this build's binary (the debug one:
/// the layout is the release's), and where it is unpacked.
fn package(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let out = dir.join("deb");
    let made = Command::new(tool("cargo-deb"))
        .args(["--no-build", "--profile", "dev", "--fast", "--no-strip", "-o"])
        .arg(&out)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "cargo deb: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let deb = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .expect("a .deb");
    let root_fs = dir.join("root");
    run("dpkg-deb", &["-x", deb.to_str().unwrap(), root_fs.to_str().unwrap()]);
    (deb, root_fs)
}

#[test]
fn the_package_holds_what_a_terminal_needs_and_runs_from_where_it_installs() {
    let tmp = tempfile::tempdir().unwrap();
    let (deb, fs) = package(tmp.path());
    let deb = deb.to_str().unwrap();
    let listing = run("dpkg-deb", &["-c", deb]);
    let has = |path: &str| listing.lines().any(|l| l.ends_with(&format!(" ./{path}")));
    for path in [
        "usr/bin/kiosk",
        "usr/lib/systemd/system/campus-kiosk.service",
        "usr/lib/sysusers.d/campus-kiosk.conf",
        "usr/lib/tmpfiles.d/campus-kiosk.conf",
        "etc/campus-kiosk/terminal.toml",
        "usr/share/campus-kiosk/assets/fonts/NotoSerifSC-Regular.ttf",
        "usr/share/campus-kiosk/assets/fonts/HanaMinB.ttf",
        "usr/share/campus-kiosk/assets/verify-page/index.html",
        "usr/share/campus-kiosk/assets/test-page/template.toml",
        "usr/share/campus-kiosk/assets/studio/studio.js",
        "usr/share/campus-kiosk/print-templates/enrollment-certificate/template.toml",
        "usr/share/campus-kiosk/print-templates/transcript-zh/seal.png",
        "usr/share/campus-kiosk/monitoring/alerts.yml",
        "usr/share/campus-kiosk/monitoring/grafana-dashboard.json",
        "usr/share/doc/campus-kiosk/deployment.md",
    ] {
        assert!(has(path), "the package lacks {path}:\n{listing}");
    }
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with("-rwxr-xr-x") && l.ends_with("./usr/bin/kiosk"))
    );
    // The configuration is the one conffile, and holds no secret.
    let conffiles = run("dpkg-deb", &["-f", deb, "Conffiles"]);
    let control = tmp.path().join("control");
    run("dpkg-deb", &["-e", deb, control.to_str().unwrap()]);
    let conffiles = conffiles + &std::fs::read_to_string(control.join("conffiles")).unwrap();
    assert!(conffiles.contains("/etc/campus-kiosk/terminal.toml"), "{conffiles}");
    let config = std::fs::read_to_string(fs.join("etc/campus-kiosk/terminal.toml")).unwrap();
    assert!(!config.contains("BEGIN") && !config.lines().any(|l| l.trim_start().starts_with("token =")));
    assert!(run("dpkg-deb", &["-f", deb, "Depends"]).contains("cage"));
    // The user, the journal's folder (0700) and the configuration folder.
    let sysusers = std::fs::read_to_string(fs.join("usr/lib/sysusers.d/campus-kiosk.conf")).unwrap();
    assert!(sysusers.contains("u campus-kiosk"), "{sysusers}");
    let tmpfiles = std::fs::read_to_string(fs.join("usr/lib/tmpfiles.d/campus-kiosk.conf")).unwrap();
    assert!(
        tmpfiles.contains("d /var/lib/campus-kiosk 0700 campus-kiosk campus-kiosk"),
        "{tmpfiles}"
    );
    let postinst = std::fs::read_to_string(control.join("postinst")).unwrap();
    assert!(
        postinst.contains("systemd-sysusers")
            && postinst.contains("systemd-tmpfiles --create campus-kiosk.conf")
            && postinst.contains("deb-systemd-helper enable campus-kiosk.service"),
        "{postinst}"
    );
    // The unit as installed verifies.
    let out = Command::new(tool("systemd-analyze"))
        .arg("verify")
        .arg(fs.join("usr/lib/systemd/system/campus-kiosk.service"))
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // And it exposes little: systemd's own score at most 4.0 (of 10).
    let out = Command::new(tool("systemd-analyze"))
        .args(["security", "--offline=true", "--threshold=40", "--no-pager"])
        .arg(fs.join("usr/lib/systemd/system/campus-kiosk.service"))
        .output()
        .unwrap();
    let report = said(&out);
    let score: f64 = report
        .lines()
        .find_map(|l| l.split("exposure level for campus-kiosk.service: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no score: {report}"));
    assert!(out.status.success() && score <= 4.0, "exposure {score}: {report}");
    // The demo's configuration is there for `kiosk run --demo`.
    assert!(
        fs.join("usr/share/campus-kiosk/kiosk-config/demo/terminal.toml")
            .is_file()
    );
    // The installed binary finds its fonts and templates where the
    // package put them (../share/campus-kiosk), not in this source tree.
    let check = || {
        Command::new(fs.join("usr/bin/kiosk"))
            .args(["template", "check"])
            .arg(fs.join("usr/share/campus-kiosk/print-templates"))
            .env_remove("KIOSK_ASSETS")
            .current_dir(tmp.path())
            .output()
            .unwrap()
    };
    let checked = check();
    let said = said(&checked);
    assert!(checked.status.success(), "{said}");
    assert!(said.contains("transcript-zh"), "{said}");
    // It is that folder it reads: without its fonts, nothing prints.
    std::fs::remove_file(fs.join("usr/share/campus-kiosk/assets/fonts/HanaMinB.ttf")).unwrap();
    let broken = check();
    let said = String::from_utf8_lossy(&broken.stderr);
    assert!(!broken.status.success() && said.contains("HanaMinB"), "{said}");
}
