use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use campus_kiosk::adapters::platform::demo::{self, Contract, DemoOptions, DemoServer, StatusChange};
use campus_kiosk::platform::DocumentState;

use super::DocumentCmd;

/// `kiosk demo-platform revoke|supersede|reinstate`.
pub fn set_status(cmd: DocumentCmd) -> anyhow::Result<()> {
    let now = Some(
        time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
            .format(&time::format_description::well_known::Rfc3339)?,
    );
    let change = |status, reason, reason_en, superseded_by| StatusChange {
        status,
        status_changed_at: now.clone(),
        reason,
        reason_en,
        superseded_by,
    };
    let (data, document, entry) = match cmd {
        DocumentCmd::Revoke {
            document,
            reason,
            reason_en,
            data,
        } => (
            data,
            document,
            change(DocumentState::Revoked, Some(reason), reason_en, None),
        ),
        DocumentCmd::Supersede {
            document,
            by,
            reason,
            reason_en,
            data,
        } => (
            data,
            document,
            change(DocumentState::Superseded, Some(reason), reason_en, by),
        ),
        DocumentCmd::Reinstate { document, data } => (data, document, change(DocumentState::Valid, None, None, None)),
    };
    if !data.join("cards.json").is_file() {
        anyhow::bail!(
            "--data {}: not the reference platform's data folder (it has cards.json)",
            data.display()
        );
    }
    let state = entry.status;
    demo::set_document_status(&data, &document, entry)?;
    println!(
        "{}: {} (in {}; the running platform answers so at its next lookup)",
        document.trim(),
        state.as_str(),
        data.join(demo::STATUS_FILE).display()
    );
    Ok(())
}

/// `kiosk demo-platform`: serves until Ctrl-C.
/// `kiosk demo-platform`'s arguments.
#[derive(Debug, clap::Args)]
pub struct Serve {
    /// Folder laid out like the platform's examples: `cards.json`, `<person id>/*.json`.
    #[arg(long, default_value = "assets/sample-data")]
    pub data: PathBuf,
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8700")]
    pub listen: SocketAddr,
    /// Bearer token terminals must send.
    #[arg(long, default_value = "demo-token")]
    pub token: String,
    /// The contract version to speak: 1.1, or 1.0 (no print counts, no
    /// public lookup), to try a terminal against an older platform.
    #[arg(long, default_value = "1.1", value_parser = ["1.0", "1.1"])]
    pub contract: String,
    /// Public lookups each network (an IPv4 /24, an IPv6 /64) may make in
    /// any minute.
    #[arg(long, default_value_t = 30)]
    pub lookups_per_minute: u32,
    /// The services' templates, whose `max_copies` bound the copies a
    /// print record may report (default: the built-in services;
    /// others: 20, the most any template allows).
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// A terminal's own token, `TERMINAL-ID=TOKEN` (repeatable): once any
    /// is given, each terminal is let in only with its own.
    #[arg(long = "terminal-token", value_name = "TERMINAL-ID=TOKEN")]
    pub terminal_tokens: Vec<String>,
}

pub fn serve(a: Serve) -> anyhow::Result<()> {
    let Serve {
        data,
        listen,
        token,
        contract,
        lookups_per_minute,
        templates,
        terminal_tokens,
    } = a;
    let mut tokens = std::collections::BTreeMap::new();
    for t in &terminal_tokens {
        let Some((id, secret)) = t.split_once('=').filter(|(i, s)| !i.is_empty() && !s.is_empty()) else {
            anyhow::bail!(
                "--terminal-token {t}: give TERMINAL-ID=TOKEN, e.g. --terminal-token T-0001=a-long-random-token"
            );
        };
        tokens.insert(id.to_string(), secret.to_string());
    }
    let templates = templates.unwrap_or_else(super::builtin_templates);
    if !templates.is_dir() {
        anyhow::bail!(
            "--templates {}: no such folder; give the folder of the services' templates",
            templates.display()
        );
    }
    let max_copies = campus_kiosk::adapters::platform::demo::service_limits(&templates);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async {
        let mut opts = DemoOptions::new(&data, token);
        opts.contract = if contract == "1.0" {
            Contract::V1_0
        } else {
            Contract::V1_1
        };
        opts.lookup_limit = lookups_per_minute.max(1);
        opts.max_copies = max_copies;
        opts.terminal_tokens = tokens;
        let server = DemoServer::start(opts, listen).await?;
        // A closed stdout (a log pipe gone) must not stop the server.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "reference platform listening: base_url = \"{}\"",
            server.base_url()
        );
        let _ = writeln!(
            out,
            "data from {}; QR login page, print records and faults under http://{}/demo/; contract {contract}",
            data.display(),
            server.addr
        );
        let _ = out.flush();
        drop(out);
        tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
        server.stop().await;
        Ok(())
    })
}
