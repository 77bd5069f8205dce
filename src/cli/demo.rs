use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use campus_kiosk::adapters::platform::demo::{DemoOptions, DemoServer};

/// `kiosk demo-platform`: serves until Ctrl-C.
pub fn serve(data: PathBuf, listen: SocketAddr, token: String) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async {
        let server = DemoServer::start(DemoOptions::new(&data, token), listen).await?;
        // A closed stdout (a log pipe gone) must not stop the server.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "reference platform listening: base_url = \"{}\"",
            server.base_url()
        );
        let _ = writeln!(
            out,
            "data from {}; QR login page, print records and faults under http://{}/demo/",
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
