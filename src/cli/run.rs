use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use campus_kiosk::adapters::clock::SystemClock;
use campus_kiosk::config::Config;
use campus_kiosk::ui::setup::{self, Setup};

/// `kiosk run`: the kiosk, fullscreen.
pub fn run(config: &Path, demo: bool, data: Option<PathBuf>, windowed: bool) -> anyhow::Result<()> {
    let clock = Arc::new(SystemClock::new());
    // The demo's platform serves from this runtime while the UI runs.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (setup, _server) = if demo {
        let data = data.unwrap_or_else(|| campus_kiosk::fonts::assets_dir().join("sample-data"));
        let printed = std::env::temp_dir().join(format!("campus-kiosk-demo-{}", std::process::id()));
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
        (Setup::from_config(&cfg, clock)?, None)
    };
    // Attempts a crash left behind are settled before anyone prints, and
    // final records go to the platform in the background.
    let settled = rt.block_on(campus_kiosk::adapters::journal::reconcile(
        &setup.journal,
        setup.printer.as_ref(),
        &super::template::now_rfc3339(),
    ))?;
    for a in &settled {
        eprintln!("journal: attempt {} settled as {}", a.id, a.stage.as_str());
    }
    // Person ids leave the journal once the platform has the record and
    // it is older than [journal] keep_person_days.
    rt.spawn(campus_kiosk::adapters::journal::keep_forgetting(
        setup.journal.clone(),
        setup.clock.clone(),
        setup.utc_offset,
        setup.keep_person_days,
    ));
    rt.spawn(campus_kiosk::adapters::outbox::run(
        setup.journal.clone(),
        setup.platform.clone(),
        campus_kiosk::adapters::outbox::Pace::default(),
        setup.outbox_nudge.clone(),
    ));
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
