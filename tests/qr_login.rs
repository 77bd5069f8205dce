//! Scan-to-log-in against the reference platform over HTTP on 127.0.0.1.

use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use campus_kiosk::adapters::platform::demo::{DemoOptions, DemoServer};
use campus_kiosk::adapters::platform::http::{ClientSettings, PlatformClient};
use campus_kiosk::adapters::platform::qr_login::{QrLogin, QrLoginEvent};
use campus_kiosk::platform::QrSession;
use campus_kiosk::qr::QrMatrix;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

async fn server(ttl: Duration) -> DemoServer {
    let mut opts = DemoOptions::new(root().join("assets/sample-data"), "t0ken");
    opts.qr_ttl = ttl;
    opts.qr_poll_interval_ms = 200;
    DemoServer::start(opts, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

fn client(srv: &DemoServer) -> PlatformClient {
    PlatformClient::new(
        ClientSettings {
            base_url: srv.base_url(),
            terminal_id: "QR-01".into(),
            connect_timeout: Duration::from_secs(2),
            call_timeout: Duration::from_secs(3),
            max_response_bytes: 256 * 1024,
            ca_pem: None,
        },
        "t0ken".into(),
    )
    .unwrap()
}

async fn next(rx: &mut UnboundedReceiver<QrLoginEvent>) -> QrLoginEvent {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("an event within 10 s")
        .expect("the login is running")
}

async fn shown(rx: &mut UnboundedReceiver<QrLoginEvent>) -> (String, String, QrMatrix) {
    match next(rx).await {
        QrLoginEvent::Show {
            session_id,
            login_url,
            qr,
        } => (session_id, login_url, qr),
        other => panic!("expected a code to show, got {other:?}"),
    }
}

/// What a phone camera reads from the code as drawn.
fn decode(qr: &QrMatrix) -> String {
    let (w, h, px) = qr.to_luma(4);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| px[y * w as usize + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    grids[0].decode().expect("the code decodes").1
}

#[tokio::test(flavor = "multi_thread")]
async fn pending_then_confirmed_and_the_code_decodes_to_the_login_url() {
    let srv = server(Duration::from_secs(120)).await;
    let (tx, mut rx) = unbounded_channel();
    let _login = QrLogin::start(Arc::new(client(&srv)), Duration::from_secs(5), tx);
    let (id, url, qr) = shown(&mut rx).await;
    assert_eq!(decode(&qr), url);
    assert!(url.ends_with(&format!("/demo/qr/{id}")), "{url}");
    // Nothing happens while it is pending; then the phone confirms.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(rx.try_recv().is_err(), "no event while pending");
    srv.state.confirm_qr(&id, "2024020456").unwrap();
    match next(&mut rx).await {
        QrLoginEvent::Confirmed(p) => assert_eq!((p.id.as_str(), p.name.as_str()), ("2024020456", "李思远")),
        other => panic!("{other:?}"),
    }
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_is_refreshed_before_it_expires_and_after_a_cancel() {
    // Sessions live 3 s; a fresh one is opened 2 s before expiry.
    let srv = server(Duration::from_secs(3)).await;
    let (tx, mut rx) = unbounded_channel();
    let _login = QrLogin::start(Arc::new(client(&srv)), Duration::from_secs(2), tx);
    let (first, url1, _) = shown(&mut rx).await;
    let (second, url2, qr2) = shown(&mut rx).await;
    assert_ne!(first, second);
    assert_ne!(url1, url2);
    assert_eq!(decode(&qr2), url2, "the new code shows the new URL");
    // The old session can no longer be confirmed into this terminal's view:
    // the new one is what the screen shows. Cancel it from the app side.
    srv.state.cancel_qr(&second).unwrap();
    let (third, ..) = shown(&mut rx).await;
    assert_ne!(third, second);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stopping_ends_polling() {
    let srv = server(Duration::from_secs(120)).await;
    let (tx, mut rx) = unbounded_channel();
    let login = QrLogin::start(Arc::new(client(&srv)), Duration::from_secs(5), tx);
    let (id, ..) = shown(&mut rx).await;
    drop(login); // a card was tapped
    srv.state.confirm_qr(&id, "2023011234").unwrap();
    // The channel closes without a confirmation.
    let rest = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("closed within 5 s");
    assert!(rest.is_none(), "{rest:?}");
    srv.stop().await;
}

#[test]
fn refresh_time_is_before_expiry_and_bounded() {
    let s = QrSession {
        session_id: "s".into(),
        login_url: "https://x/".into(),
        expires_at: "2026-11-23T09:32:00+08:00".into(),
        poll_interval_ms: 1000,
    };
    let now = 1_795_397_400_000; // 09:30:00+08:00
    assert_eq!(s.refresh_after(now, Duration::from_secs(10)), Duration::from_secs(110));
    assert_eq!(
        s.refresh_after(now + 119_000, Duration::from_secs(10)),
        Duration::from_secs(1)
    );
    let far = QrSession {
        expires_at: "2027-01-01T00:00:00+08:00".into(),
        ..s
    };
    assert_eq!(
        far.refresh_after(now, Duration::from_secs(10)),
        Duration::from_secs(600)
    );
}
