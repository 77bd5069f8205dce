use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use campus_kiosk::studio::{Options, Studio};

/// `studio.toml`: what the studio needs to be opened from other machines.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StudioFile {
    studio: StudioSection,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StudioSection {
    /// The staff password's argon2id hash (`kiosk studio --hash-password`).
    password_hash: String,
}

fn password_hash(config: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(config).with_context(|| format!("cannot read {}", config.display()))?;
    let file: StudioFile = toml::from_str(&text).map_err(|e| {
        let (line, column) = campus_kiosk::toml_pos::toml_error_at(&text, &e);
        anyhow::anyhow!("{}:{line}:{column}: {}", config.display(), e.message().trim())
    })?;
    campus_kiosk::core::pin::check_stored(&file.studio.password_hash)
        .map_err(|e| anyhow::anyhow!("{}: studio.password_hash: {e}", config.display()))?;
    Ok(file.studio.password_hash)
}

/// Reads a password from standard input and prints its argon2id hash.
pub fn hash_password() -> anyhow::Result<()> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the password")?;
    let password = line.trim_end_matches(['\r', '\n']);
    if password.chars().count() < 10 {
        bail!("a studio password has at least 10 characters");
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("the system gave no randomness for a salt: {e}"))?;
    let hash =
        campus_kiosk::core::pin::hash(password, &salt).map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?;
    println!("{hash}");
    Ok(())
}

pub fn run(listen: SocketAddr, templates: PathBuf, allow_network: bool, config: Option<PathBuf>) -> anyhow::Result<()> {
    let password_hash = match &config {
        Some(c) => Some(password_hash(c)?),
        None => None,
    };
    if !listen.ip().is_loopback() {
        if !allow_network {
            bail!(
                "--listen {listen}: the studio listens on this machine only (127.0.0.1) unless --allow-network is given"
            );
        }
        if password_hash.is_none() {
            bail!(
                "--listen {listen} --allow-network: other machines need a password; give --config studio.toml with [studio] password_hash (make one with `kiosk studio --hash-password`)"
            );
        }
    }
    let book = super::fonts()?;
    let studio = Studio::new(
        book,
        Options {
            root: templates,
            password_hash,
            clock: Arc::new(campus_kiosk::adapters::clock::SystemClock::new()),
            offset: time::macros::offset!(+8),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        },
    )?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr().context("no local address")?;
        println!("template studio: http://{addr}/");
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        campus_kiosk::studio::serve(listener, studio, stop).await;
        Ok(())
    })
}
