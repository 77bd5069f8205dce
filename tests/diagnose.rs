//! `kiosk diagnose` on a terminal put together from real parts: the
//! reference platform as a process, ippeveprinter, a socat
//! pseudo-terminal as the card reader, a key from `kiosk keygen`.

use std::path::Path;

use crate::common::*;

fn write_config(dir: &Path, base_url: &str, printer_uri: &str, reader: &Path) {
    write_terminal_config(dir, "T-DIAG", base_url, printer_uri, reader, "");
}

fn diagnose(dir: &Path, keyring: &Path) -> (bool, String) {
    let out = kiosk(
        &[
            "diagnose",
            "--config",
            dir.to_str().unwrap(),
            "--keyring",
            keyring.to_str().unwrap(),
        ],
        &root(),
    );
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The line a part's finding starts with.
fn line<'a>(out: &'a str, tag: &str, part: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(tag) && l[4..].trim_start().starts_with(part))
        .unwrap_or_else(|| panic!("no {tag} {part} in:\n{out}"))
}

#[test]
fn a_sound_terminal_passes_and_each_broken_part_is_named_with_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (_platform, base) = demo_platform(&root().join("assets/sample-data"));
    let spool = dir.join("spool");
    std::fs::create_dir(&spool).unwrap();
    let (_printer, uri) = ippeveprinter_with(&spool, "application/pdf", &[]);
    let _reader = Procs(vec![socat_pair(dir)]);
    let (_, ring) = keygen_files(dir, "T-DIAG");
    write_private(&dir.join("token"), "demo-token\n");
    write_config(dir, &base, &uri, &dir.join("reader"));

    let (ok, out) = diagnose(dir, &ring);
    assert!(ok, "{out}");
    for part in [
        "config",
        "fonts",
        "templates",
        "seal",
        "keyring",
        "journal",
        "platform",
        "clock",
        "quotas",
        "reader",
    ] {
        line(&out, "ok  ", part);
    }
    assert!(line(&out, "ok  ", "quotas").contains("campus-wide"), "{out}");
    // ippeveprinter reports US Letter in its tray: printing works, and the
    // technician is told to load A4.
    assert!(line(&out, "WARN", "printer").contains("no A4 paper loaded"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
    assert!(
        out.contains("1 to look at soon; the terminal can serve students"),
        "{out}"
    );
    assert!(
        !dir.join("journal.sqlite").exists(),
        "looking at the journal does not make one"
    );

    // A platform still on contract 1.0: the terminal serves, and quotas
    // are local to it, which the technician is told.
    let (_old, old_base) = demo_platform_with(&root().join("assets/sample-data"), &["--contract", "1.0"]);
    write_config(dir, &old_base, &uri, &dir.join("reader"));
    let (ok, out) = diagnose(dir, &ring);
    assert!(ok, "{out}");
    let quotas = line(&out, "WARN", "quotas");
    assert!(quotas.contains("LOCAL") && quotas.contains("contract 1.0"), "{out}");
    assert!(out.contains("2 to look at soon"), "{out}");

    // Break four parts: a refused token, a printer that is gone, a reader
    // unplugged, and a keyring that does not know this terminal's key.
    write_private(&dir.join("token"), "wrong-token\n");
    let gone = format!("ipp://127.0.0.1:{}/ipp/print", free_port());
    write_config(dir, &base, &gone, &dir.join("unplugged"));
    let other = tempfile::tempdir().unwrap();
    let (_, other_ring) = keygen_files(other.path(), "OTHER");
    let (ok, out) = diagnose(dir, &other_ring);
    assert!(!ok, "{out}");
    assert!(line(&out, "FAIL", "platform").contains(&base), "{out}");
    assert!(out.contains("token was refused"), "{out}");
    assert!(line(&out, "WARN", "quotas").contains("this terminal only"), "{out}");
    assert!(line(&out, "FAIL", "printer").contains(&gone), "{out}");
    assert!(line(&out, "FAIL", "reader").contains("unplugged"), "{out}");
    assert!(line(&out, "FAIL", "keyring").contains("is not in it"), "{out}");
    // Each failure says what to do on the line below it.
    let lines: Vec<&str> = out.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with("FAIL") {
            assert!(lines[i + 1].contains('→'), "no advice after {l:?}:\n{out}");
        }
    }
    assert!(out.contains("4 problems to fix"), "{out}");
    // The parts that still work say so.
    line(&out, "ok  ", "seal");
    line(&out, "ok  ", "templates");

    // A token others can read, and a keyring listing a key twice.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.join("token"), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let text = std::fs::read_to_string(&ring).unwrap();
    let twice = dir.join("twice.toml");
    std::fs::write(&twice, format!("{text}\n{text}")).unwrap();
    let (_, out) = diagnose(dir, &twice);
    assert!(line(&out, "FAIL", "platform").contains("chmod 600"), "{out}");
    assert!(line(&out, "FAIL", "keyring").contains("more than once"), "{out}");

    // No key at all: named, with the command that makes one.
    std::fs::remove_file(dir.join("T-DIAG.key")).unwrap();
    let (_, out) = diagnose(dir, &ring);
    assert!(
        line(&out, "FAIL", "seal").contains("kiosk keygen --terminal-id T-DIAG"),
        "{out}"
    );
}

#[test]
fn a_configuration_that_does_not_parse_is_the_only_finding() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("terminal.toml"), "[terminal]\nid = \"T 1\"\n").unwrap();
    let (ok, out) = diagnose(tmp.path(), &tmp.path().join("none.toml"));
    assert!(!ok);
    let first = line(&out, "FAIL", "config");
    assert!(first.contains("terminal.toml"), "{out}");
    assert_eq!(out.lines().filter(|l| l.starts_with("FAIL")).count(), 1, "{out}");
    // No configuration there at all: where to point --config.
    let (ok, out) = diagnose(&tmp.path().join("nowhere"), &tmp.path().join("none.toml"));
    assert!(!ok);
    assert!(out.contains("give --config the folder"), "{out}");
}
