//! systemd's service notification (`sd_notify`): `READY=1` once the kiosk's
//! window runs, then `WATCHDOG=1` from its event loop, so a hung screen is
//! restarted by systemd (`WatchdogSec=` in the unit). Only when systemd
//! asked (`NOTIFY_SOCKET`); a datagram to that socket, nothing else.

#![allow(clippy::disallowed_methods, reason = "pings are spaced by the monotonic clock")]

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The notification socket systemd gave, and how often to ping it.
#[derive(Debug)]
pub struct Watchdog {
    socket: PathBuf,
    /// Opened once, at start: a ping needs no new descriptor, so a process
    /// short of descriptors (a flood of connections elsewhere) still pings.
    out: Option<UnixDatagram>,
    /// Half the watchdog's interval, as systemd advises; `None`: readiness
    /// only.
    every: Option<Duration>,
    last: Mutex<Option<Instant>>,
}

impl Watchdog {
    /// From systemd's environment (`NOTIFY_SOCKET`, `WATCHDOG_USEC`);
    /// `None` when not run by systemd with `Type=notify`. An abstract
    /// socket (`@name`) is not supported. `WATCHDOG_PID` names the unit's
    /// main process, which under cage is the compositor, not the kiosk: the
    /// unit lets its children notify (`NotifyAccess=all`), so it is not
    /// checked.
    pub fn from_env() -> Option<Watchdog> {
        let socket = PathBuf::from(std::env::var_os("NOTIFY_SOCKET")?);
        if socket.as_os_str().is_empty() || socket.to_string_lossy().starts_with('@') {
            return None;
        }
        let every = std::env::var("WATCHDOG_USEC")
            .ok()
            .and_then(|u| u.parse::<u64>().ok())
            .filter(|&u| u > 0)
            .map(|u| Duration::from_micros(u / 2));
        let out = UnixDatagram::unbound()
            .inspect_err(|e| eprintln!("watchdog: cannot open a socket to notify systemd: {e}"))
            .ok();
        Some(Watchdog {
            socket,
            out,
            every,
            last: Mutex::new(None),
        })
    }

    fn send(&self, what: &str) {
        let sent = match &self.out {
            Some(s) => s.send_to(what.as_bytes(), &self.socket),
            None => UnixDatagram::unbound().and_then(|s| s.send_to(what.as_bytes(), &self.socket)),
        };
        if let Err(e) = sent {
            eprintln!("watchdog: cannot notify {}: {e}", self.socket.display());
        }
    }

    /// The event loop turned: the first time, readiness; then a ping each
    /// half interval.
    pub fn alive(&self) {
        let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        match *last {
            None => self.send("READY=1\nSTATUS=serving\n"),
            Some(t) if self.every.is_some_and(|e| now.duration_since(t) >= e) => self.send("WATCHDOG=1\n"),
            Some(_) => return,
        }
        *last = Some(now);
    }

    /// The kiosk is stopping (the technician's exit).
    pub fn stopping(&self) {
        self.send("STOPPING=1\n");
    }
}
