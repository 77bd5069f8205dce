use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use campus_kiosk::adapters::clock::SystemClock;
use campus_kiosk::config::Config;
use campus_kiosk::ui::setup::{self, Setup};

/// `kiosk run`: the kiosk, fullscreen.
pub fn run(
    config: &Path,
    demo: bool,
    data: Option<PathBuf>,
    windowed: bool,
    metrics: Option<std::net::SocketAddr>,
) -> anyhow::Result<()> {
    let clock = Arc::new(SystemClock::new());
    // The demo's platform serves from this runtime while the UI runs.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut listen = metrics;
    let (setup, _server) = if demo {
        let data = data.unwrap_or_else(|| campus_kiosk::fonts::assets_dir().join("sample-data"));
        // A fresh private folder (mode 0700), kept after the demo so its
        // PDFs can be looked at.
        let printed = tempfile::Builder::new()
            .prefix("campus-kiosk-demo-")
            .tempdir()
            .context("cannot make a folder for the demo's printed files")?
            .keep();
        let (setup, server) = rt
            .block_on(Setup::demo(config, &data, &printed, clock))
            .with_context(|| format!("cannot start the demo from {}", config.display()))?;
        eprintln!(
            "demo: reference platform on {}, printed PDFs go to {}",
            server.base_url(),
            printed.display()
        );
        (setup, Some(server))
    } else {
        let cfg = Config::load(config)?;
        listen = listen.or(cfg.metrics.as_ref().and_then(|m| m.listen()));
        (Setup::from_config(&cfg, clock)?, None)
    };
    // Attempts a crash left behind are settled before anyone prints, and
    // final records go to the platform in the background.
    let durable = setup
        .durable
        .clone()
        .context("the kiosk runs on its durable journal and platform client")?;
    let settled = rt.block_on(campus_kiosk::adapters::journal::reconcile(
        &durable.journal,
        setup.printer.as_ref(),
        &super::template::now_rfc3339(),
    ))?;
    for a in &settled {
        eprintln!("journal: attempt {} settled as {}", a.id, a.stage.as_str());
    }
    // Person ids leave the journal once the platform has the record and
    // it is older than [journal] keep_person_days.
    rt.spawn(campus_kiosk::adapters::journal::keep_forgetting(
        durable.journal.clone(),
        setup.clock.clone(),
        setup.utc_offset,
        setup.keep_person_days,
    ));
    if let Some(addr) = listen {
        let sources = campus_kiosk::adapters::metrics::Sources {
            terminal: setup.terminal_id.clone(),
            printer: setup.printer.clone(),
            journal: durable.journal.clone(),
            telemetry: setup.telemetry.clone(),
            key_not_after: setup.key_not_after,
        };
        let at = rt.block_on(campus_kiosk::adapters::metrics::serve(addr, sources))?;
        eprintln!("metrics: http://{at}/metrics and http://{at}/health");
    }
    rt.spawn(campus_kiosk::adapters::platform::outbox::run(
        durable.journal,
        durable.platform,
        campus_kiosk::adapters::platform::outbox::Pace::default(),
        setup.outbox_nudge.clone(),
    ));
    // Without a display the windowing library panics deep inside; say so
    // plainly instead.
    let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty());
    if !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
        bail!(
            "no display: neither DISPLAY nor WAYLAND_DISPLAY is set. Run the kiosk in the terminal's graphical session \
             (or under Xvfb for a test); technicians' commands (kiosk diagnose, kiosk printer status) need none"
        );
    }
    setup::run(setup, windowed).context("the kiosk's window could not run")?;
    Ok(())
}

/// `kiosk pin-hash`: the value for `[technician] pin_hash`, salted with
/// fresh randomness.
pub fn pin_hash(pin: &str) -> anyhow::Result<()> {
    if !campus_kiosk::core::pin::is_pin(pin) {
        bail!("a PIN is 4 to 12 digits");
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("the system gave no randomness for a salt: {e}"))?;
    let hash = campus_kiosk::core::pin::hash(pin, &salt).map_err(|e| anyhow::anyhow!("cannot hash the PIN: {e}"))?;
    println!("{hash}");
    Ok(())
}
