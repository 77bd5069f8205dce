//! `kiosk diagnose`: every part a terminal needs, checked in one go, each
//! with what to do when it fails.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use campus_kiosk::adapters::journal::SqliteJournal;
use campus_kiosk::adapters::platform::http::PlatformClient;
use campus_kiosk::adapters::printing::from_config;
use campus_kiosk::config::{Config, ReaderProtocol};
use campus_kiosk::printing::{Readiness, advice, readiness};
use campus_kiosk::seal;
use campus_kiosk::text::printable;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Ok,
    /// Works, but needs a look soon.
    Warn,
    /// Students cannot be served until it is fixed.
    Fail,
}

/// One finding: what was checked, what was found, and what to do.
struct Finding {
    level: Level,
    part: &'static str,
    found: String,
    todo: Option<String>,
}

fn ok(part: &'static str, found: impl Into<String>) -> Finding {
    Finding {
        level: Level::Ok,
        part,
        found: found.into(),
        todo: None,
    }
}

fn warn(part: &'static str, found: impl Into<String>, todo: impl Into<String>) -> Finding {
    Finding {
        level: Level::Warn,
        part,
        found: found.into(),
        todo: Some(todo.into()),
    }
}

fn fail(part: &'static str, found: impl Into<String>, todo: impl Into<String>) -> Finding {
    Finding {
        level: Level::Fail,
        part,
        found: found.into(),
        todo: Some(todo.into()),
    }
}

/// The largest clock difference from the platform that is still fine, and
/// the one past which documents would carry a wrong issue time.
const SKEW_WARN: i64 = 60;
const SKEW_FAIL: i64 = 300;

/// Runs every check; `true` when nothing failed.
pub fn run(config: &Path, keyring: Option<&Path>) -> anyhow::Result<bool> {
    let mut out = std::io::stdout().lock();
    let cfg = match Config::load(config) {
        Ok(c) => c,
        Err(e) => {
            let todo = match &e {
                campus_kiosk::config::ConfigError::Io { .. } => {
                    "give --config the folder that holds the terminal's terminal.toml"
                }
                _ => "fix the file as the message says (docs/configuration.md)",
            };
            print(&mut out, &fail("config", e.to_string(), todo));
            return Ok(false);
        }
    };
    let _ = writeln!(
        out,
        "{}",
        printable(&format!(
            "terminal {} · {} · {}",
            cfg.terminal.id,
            cfg.terminal.name,
            cfg.dir.join("terminal.toml").display()
        ))
    );
    let mut found = vec![ok("config", "parses and every field is in range")];
    found.extend(fonts_and_templates(&cfg));
    found.extend(sealing(&cfg, keyring));
    found.extend(journal(&cfg));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    found.extend(rt.block_on(platform(&cfg)));
    found.push(rt.block_on(printer(&cfg)));
    found.push(reader(&cfg));
    for f in &found {
        print(&mut out, f);
    }
    let failed = found.iter().filter(|f| f.level == Level::Fail).count();
    let warned = found.iter().filter(|f| f.level == Level::Warn).count();
    let _ = match (failed, warned) {
        (0, 0) => writeln!(out, "all good: the terminal can serve students"),
        (0, w) => writeln!(out, "{w} to look at soon; the terminal can serve students"),
        (f, _) => writeln!(
            out,
            "{f} {} to fix before the terminal can serve students",
            if f == 1 { "problem" } else { "problems" }
        ),
    };
    Ok(failed == 0)
}

fn print(out: &mut impl Write, f: &Finding) {
    let tag = match f.level {
        Level::Ok => "ok  ",
        Level::Warn => "WARN",
        Level::Fail => "FAIL",
    };
    // What a part says (a printer's reasons, a platform's answer, a file
    // name) is shown escaped, never obeyed by the technician's terminal.
    let _ = writeln!(out, "{tag}  {:<10} {}", f.part, printable(&f.found));
    if let Some(t) = &f.todo {
        let _ = writeln!(out, "      {:<10} → {}", "", printable(t));
    }
}

fn fonts_and_templates(cfg: &Config) -> Vec<Finding> {
    let book = match campus_kiosk::fonts::FontBook::shared() {
        Ok(b) => b,
        Err(e) => {
            return vec![fail(
                "fonts",
                e.to_string(),
                "reinstall the kiosk: its fonts ship with it",
            )];
        }
    };
    let mut found = vec![ok("fonts", "the bundled faces open")];
    let dir = cfg.resolve(&cfg.services.templates);
    let templates = match campus_kiosk::ui::setup::templates(&dir, &cfg.services.offer) {
        Ok(t) => t,
        Err(e) => {
            found.push(fail(
                "templates",
                e.to_string(),
                "install the templates, or fix [services] templates / offer",
            ));
            return found;
        }
    };
    if templates.is_empty() {
        found.push(fail(
            "templates",
            format!("{}: no templates", dir.display()),
            "install the templates, or fix [services] templates / offer",
        ));
        return found;
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut good = Vec::new();
    for t in &templates {
        let problems = campus_kiosk::authoring::check::check_dir(book, &t.dir, now);
        match problems.first() {
            None => good.push(t.id().to_string()),
            Some(p) => found.push(fail(
                "templates",
                format!("{}: {} ({} problems)", p.at, p.message, problems.len()),
                format!("kiosk template check {}", t.dir.display()),
            )),
        }
    }
    if !good.is_empty() {
        found.push(ok("templates", format!("{} pass their checks", good.join(", "))));
    }
    found
}

fn sealing(cfg: &Config, keyring: Option<&Path>) -> Vec<Finding> {
    let sealer = match campus_kiosk::ui::setup::load_sealer(cfg) {
        Ok(s) => s,
        Err(e) => return vec![fail("seal", e.to_string(), "see docs/verification.md, \"Keys\"")],
    };
    // A round trip through the code, as a recipient's verifier reads it.
    let public = sealer.key.verifying_key();
    let payload = seal::Payload {
        document_id: "DIAGNOSE".into(),
        service: "diagnose".into(),
        terminal: sealer.terminal.clone(),
        issued: u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0),
        fields: Default::default(),
        digest: [0; 16],
    };
    let code = seal::to_code(&sealer.verify_url, &seal::sign(&payload, &sealer.key));
    let me = [seal::TrustedKey {
        terminal: sealer.terminal.clone(),
        public,
        not_before: 0,
        not_after: u64::MAX,
        revoked: false,
    }];
    let kid = seal::hex(&seal::key_id(&public));
    let mut found = vec![match seal::check(&code, &me) {
        Ok(_) => ok("seal", format!("key {kid} signs, and its codes verify")),
        Err(r) => fail(
            "seal",
            format!("key {kid}: a test seal does not verify: {}", r.why),
            "make a new key with `kiosk keygen`",
        ),
    }];
    let Some(ring) = keyring else {
        return found;
    };
    let trusted = match campus_kiosk::adapters::files::keys::load_keyring(ring) {
        Ok(t) => t,
        Err(e) => {
            found.push(fail("keyring", e.to_string(), "give the university's keyring file"));
            return found;
        }
    };
    let now = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0);
    found.push(match trusted.iter().find(|k| k.public == public) {
        None => fail(
            "keyring",
            format!(
                "{}: key {kid} is not in it: recipients cannot verify this terminal's documents",
                ring.display()
            ),
            "add the entry `kiosk keygen` printed to the keyring and publish it",
        ),
        Some(k) if k.revoked => fail(
            "keyring",
            format!("key {kid} is revoked: its documents are invalid"),
            "make a new key with `kiosk keygen` and add it to the keyring",
        ),
        Some(k) if now < k.not_before || now > k.not_after => fail(
            "keyring",
            format!("key {kid} is not valid today: its documents are invalid"),
            "make a new key with `kiosk keygen` (rotation: docs/verification.md)",
        ),
        Some(k) if k.not_after - now < 30 * 86_400 => warn(
            "keyring",
            format!("key {kid} expires in {} days", (k.not_after - now) / 86_400),
            "rotate the key before it expires (docs/verification.md)",
        ),
        Some(_) => ok("keyring", format!("key {kid} is trusted and valid")),
    });
    found
}

fn journal(cfg: &Config) -> Vec<Finding> {
    let path = cfg.resolve(&cfg.journal.path);
    // Looking must not make one.
    if !path.exists() {
        let folder = path.parent().unwrap_or(Path::new("."));
        return vec![if folder.is_dir() {
            ok(
                "journal",
                format!(
                    "{}: not made yet; the kiosk makes it at its first start",
                    path.display()
                ),
            )
        } else {
            fail(
                "journal",
                format!("{}: the folder does not exist", folder.display()),
                "make it, writable by the kiosk, on a disk that survives reboots",
            )
        }];
    }
    let j = match SqliteJournal::open(&path) {
        Ok(j) => j,
        Err(e) => {
            return vec![fail(
                "journal",
                e.to_string(),
                "make the folder writable by the kiosk, on a disk that survives reboots",
            )];
        }
    };
    let (all, unfinished, outbox) = match (j.all(), j.unfinished(), j.outbox()) {
        (Ok(a), Ok(u), Ok(o)) => (a.len(), u.len(), o),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return vec![fail(
                "journal",
                e.to_string(),
                "copy the file aside for staff, then let the kiosk start a new one",
            )];
        }
    };
    let mut found = vec![ok(
        "journal",
        format!(
            "{}: {all} attempts, {} waiting for the platform",
            path.display(),
            outbox.len()
        ),
    )];
    if unfinished > 0 {
        found.push(warn(
            "journal",
            format!("{unfinished} attempts left unfinished by a crash or a power cut"),
            "`kiosk journal reconcile` settles them (the kiosk also does at start)",
        ));
    }
    let day_ago = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    let oldest = outbox.first().map(|a| a.created_at.clone());
    if let Some(o) = oldest
        && time::OffsetDateTime::parse(&o, &time::format_description::well_known::Rfc3339).is_ok_and(|t| t < day_ago)
    {
        found.push(warn(
            "journal",
            format!("the platform has not taken records since {o}"),
            "check the platform below; records are kept until it takes them",
        ));
    }
    found
}

async fn platform(cfg: &Config) -> Vec<Finding> {
    let client = match PlatformClient::from_config(cfg) {
        Ok(c) => c,
        Err(e) => {
            return vec![fail(
                "platform",
                e.to_string(),
                "fix [platform] (token_file, ca_file) as the message says",
            )];
        }
    };
    let probe = match client.probe().await {
        Ok(p) => p,
        Err(e) => {
            let todo = match e.kind {
                campus_kiosk::platform::ErrorKind::Unauthorized => {
                    "the token was refused: ask the platform team for this terminal's token"
                }
                campus_kiosk::platform::ErrorKind::Unavailable => {
                    "check the network and that the platform is up (base_url)"
                }
                _ => "compare base_url with the platform team's address",
            };
            return vec![
                fail("platform", format!("{}: {e}", cfg.platform.base_url), todo),
                warn(
                    "quotas",
                    "counted on this terminal only while the platform cannot be reached",
                    "a student could print a term's quota again at another terminal; fix the platform above",
                ),
            ];
        }
    };
    let ms = probe.round_trip.as_millis();
    let mut found = vec![if probe.round_trip > Duration::from_secs(1) {
        warn(
            "platform",
            format!("{} answered in {ms} ms", cfg.platform.base_url),
            "slow: students wait this long after every tap; check the network",
        )
    } else {
        ok("platform", format!("{} answered in {ms} ms", cfg.platform.base_url))
    }];
    found.push(match probe.server_time {
        None => warn(
            "clock",
            "the platform sent no Date header: the clock was not compared",
            "check the terminal's time synchronisation (timedatectl)",
        ),
        Some(theirs) => clock((time::OffsetDateTime::now_utc() - theirs).whole_seconds()),
    });
    found.push(quotas(cfg, &client).await);
    found
}

/// Whether quotas are counted campus-wide: the platform's print counts
/// (contract 1.1) asked for an id no one has, within the time a sign-in
/// waits for them.
async fn quotas(cfg: &Config, client: &PlatformClient) -> Finding {
    use campus_kiosk::platform::ErrorKind;
    let wait = cfg.platform.counts_timeout();
    let since = time::OffsetDateTime::now_utc().date().to_string();
    let local = "a student could print a term's quota again at another terminal";
    match tokio::time::timeout(wait, client.print_counts("kiosk-diagnose", &since)).await {
        Ok(Ok(_)) => ok(
            "quotas",
            "campus-wide: the platform counts copies printed on every terminal",
        ),
        Ok(Err(e)) if e.kind == ErrorKind::NotFound => ok(
            "quotas",
            "campus-wide: the platform counts copies printed on every terminal",
        ),
        Ok(Err(e)) if e.kind == ErrorKind::NotImplemented => warn(
            "quotas",
            "LOCAL to this terminal: the platform runs contract 1.0, which has no print counts",
            format!("{local}; ask the platform team for contract 1.1"),
        ),
        Ok(Err(e)) => warn(
            "quotas",
            format!("LOCAL to this terminal: the platform's print counts failed: {e}"),
            format!("{local}; ask the platform team"),
        ),
        Err(_) => warn(
            "quotas",
            format!(
                "LOCAL to this terminal: the platform gave no print counts within {wait:?} (platform.counts_timeout_ms)"
            ),
            format!("{local}; check the network, or raise counts_timeout_ms"),
        ),
    }
}

/// The terminal's clock, `skew` seconds ahead of the platform's.
fn clock(skew: i64) -> Finding {
    let said = format!("{skew:+} s from the platform's clock");
    if skew.abs() > SKEW_FAIL {
        fail(
            "clock",
            format!("{said}: documents would carry a wrong issue time"),
            "turn on time synchronisation (timedatectl set-ntp true)",
        )
    } else if skew.abs() > SKEW_WARN {
        warn("clock", said, "turn on time synchronisation (timedatectl set-ntp true)")
    } else {
        ok("clock", said)
    }
}

async fn printer(cfg: &Config) -> Finding {
    let printer = match from_config(cfg) {
        Ok(p) => p,
        Err(e) => return fail("printer", e.to_string(), "fix [printer] as the message says"),
    };
    let name = printer.describe();
    let status = match printer.status().await {
        Ok(s) => s,
        Err(e) => {
            return fail(
                "printer",
                format!("{name}: {e}"),
                "check the printer's power and cable or network, then `kiosk printer status`",
            );
        }
    };
    let low: Vec<String> = status
        .supplies
        .iter()
        .filter(|s| s.level.is_some_and(|l| l <= 10))
        .map(|s| format!("{} {}%", s.name, s.level.unwrap_or(0)))
        .collect();
    match readiness(&status) {
        Readiness::NotReady { reason } => {
            let a = advice(&reason);
            fail(
                "printer",
                format!("{name}: {reason} ({})", a.en()),
                "`kiosk printer status` shows every reason",
            )
        }
        Readiness::Misconfigured { message } => fail("printer", format!("{name}: {message}"), "fix the print queue"),
        // Jobs ask for A4; many printers then print on what is loaded.
        Readiness::Ready { .. } if status.a4_loaded() == Some(false) => warn(
            "printer",
            format!(
                "{name}: ready, but it reports no A4 paper loaded ({})",
                status.media_ready.join(", ")
            ),
            "load A4 paper, or set the tray's paper size to A4 in the printer's settings",
        ),
        Readiness::Ready { .. } if !low.is_empty() => warn(
            "printer",
            format!("{name}: ready; low: {}", low.join(", ")),
            "replace the supplies soon",
        ),
        Readiness::Ready { .. } => ok("printer", format!("{name}: ready")),
    }
}

fn reader(cfg: &Config) -> Finding {
    let Some(r) = &cfg.reader else {
        return ok("reader", "none configured: students sign in with the QR code");
    };
    if r.protocol == ReaderProtocol::Keyboard {
        return ok(
            "reader",
            "keyboard reader: its taps arrive as typing; `kiosk reader test` shows them",
        );
    }
    let port = cfg.resolve(&r.port);
    match serialport::new(port.to_string_lossy(), r.baud)
        .timeout(Duration::from_millis(200))
        .open()
    {
        Ok(_) => ok("reader", format!("{} opens at {} baud", port.display(), r.baud)),
        Err(e) => fail(
            "reader",
            format!("{}: {e}", port.display()),
            "plug the reader in (ls /dev/serial/by-id); if the kiosk is running it holds the port: stop it first",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_off_by_minutes_is_a_problem_and_seconds_are_not() {
        assert_eq!(clock(1).level, Level::Ok);
        assert_eq!(clock(-59).level, Level::Ok);
        assert_eq!(clock(90).level, Level::Warn);
        let f = clock(-3600);
        assert_eq!(f.level, Level::Fail);
        assert!(
            f.found.starts_with("-3600 s") && f.found.contains("wrong issue time"),
            "{}",
            f.found
        );
        assert!(f.todo.unwrap().contains("set-ntp"));
    }
}
