//! Devices as iced subscriptions: the serial card reader (its thread) and
//! the live login QR code (its polling task). Each runs while the shell
//! subscribes and stops when it no longer does: the QR login runs only on
//! the attract screen.

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use iced::Subscription;
use iced::futures::{SinkExt, Stream};

use crate::adapters::card_reader::{self, ReaderEvent, SerialSettings};
use crate::adapters::platform::qr_login::{QrLogin, QrLoginEvent};
use crate::platform::Platform;

/// A new login code this long before the shown one expires.
pub const QR_MARGIN: Duration = Duration::from_secs(20);

/// The card reader's events.
pub fn reader(settings: SerialSettings) -> Subscription<ReaderEvent> {
    Subscription::run_with(settings, reader_events)
}

fn reader_events(settings: &SerialSettings) -> impl Stream<Item = ReaderEvent> + use<> {
    let settings = settings.clone();
    iced::stream::channel(16, async move |mut out| {
        let (tx, rx) = std::sync::mpsc::channel();
        let handle = match card_reader::spawn(settings, tx) {
            Ok(h) => h,
            Err(e) => {
                let _ = out.send(ReaderEvent::Offline(e.to_string())).await;
                return;
            }
        };
        forward(rx, &mut out).await;
        drop(handle);
    })
}

/// Carries a device thread's events into a subscription until either end
/// is gone. The thread's channel is blocking: a thread of its own carries
/// them over.
async fn forward<T: Send + 'static>(
    rx: std::sync::mpsc::Receiver<T>,
    out: &mut iced::futures::channel::mpsc::Sender<T>,
) {
    let (ftx, mut frx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for ev in rx {
            if ftx.send(ev).is_err() {
                break;
            }
        }
    });
    while let Some(ev) = frx.recv().await {
        if out.send(ev).await.is_err() {
            break;
        }
    }
}

/// Headphones plugged in (`true`) or pulled out, from the audio jack's
/// input device.
pub fn headphones(device: std::path::PathBuf) -> Subscription<bool> {
    Subscription::run_with(Jack(device), headphone_events)
}

/// The jack's device, as the subscription's identity.
#[derive(Hash)]
struct Jack(std::path::PathBuf);

fn headphone_events(jack: &Jack) -> impl Stream<Item = bool> + use<> {
    let device = jack.0.clone();
    iced::stream::channel(4, async move |mut out| {
        let (tx, rx) = std::sync::mpsc::channel();
        crate::adapters::speech::jack::spawn(device, tx);
        forward(rx, &mut out).await;
    })
}

/// The platform client, as a subscription's identity.
#[derive(Clone)]
struct Client(Arc<dyn Platform>);

impl Hash for Client {
    fn hash<H: Hasher>(&self, state: &mut H) {
        "qr-login".hash(state);
    }
}

/// The login QR code's events, while subscribed.
pub fn qr(client: Arc<dyn Platform>) -> Subscription<QrLoginEvent> {
    Subscription::run_with(Client(client), |c| qr_events(c.0.clone()))
}

/// The QR login as a stream: the shell subscribes to it, tests poll it.
pub fn qr_events(client: Arc<dyn Platform>) -> impl Stream<Item = QrLoginEvent> {
    iced::stream::channel(8, async move |mut out| {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let _login = QrLogin::start(client, QR_MARGIN, tx);
        while let Some(ev) = rx.recv().await {
            if out.send(ev).await.is_err() {
                break;
            }
        }
    })
}
