//! The one way the project serves HTTP: every server it ships (the
//! terminal's `/metrics`, the template studio, the reference platform)
//! accepts its connections here, so none can be starved of file
//! descriptors or held open by clients that say nothing.
//!
//! - A request's head must arrive within [`Limits::header_read`]; the same
//!   timer runs while a kept-alive connection waits for its next request,
//!   so an idle connection is closed after that long.
//! - A request is answered within [`Limits::request`] (its body read
//!   included), or 503.
//! - At most [`Limits::per_peer`] connections from one client (one IPv4
//!   address, one IPv6 /64) and [`Limits::connections`] in all. A client
//!   at its share gives up its own oldest idle connection to a new one; at
//!   the total the oldest idle connection of anyone is closed; when every
//!   connection is busy the new one is closed at once. Idle connections
//!   never keep a request out, and a client never closes another's busy
//!   connection.
//! - A failed `accept` (no descriptor left) waits a moment instead of
//!   spinning.

#![allow(
    clippy::disallowed_methods,
    reason = "connection idleness is timed by the monotonic clock"
)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tower::ServiceExt;

/// How much a server gives its clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections open at once, in all.
    pub connections: usize,
    /// Connections open at once from one client (an IPv4 address, an IPv6 /64).
    pub per_peer: usize,
    /// The most time a request's head may take to arrive, and a kept-alive
    /// connection may wait for its next request.
    pub header_read: Duration,
    /// The most time a request may take, its body read and its answer made.
    pub request: Duration,
}

impl Limits {
    /// A terminal's `/metrics` and `/health`: a Prometheus or two and a
    /// monitor, on a machine whose descriptors the kiosk itself needs.
    pub const METRICS: Limits = Limits {
        connections: 64,
        per_peer: 16,
        header_read: Duration::from_secs(10),
        request: Duration::from_secs(30),
    };
    /// The template studio: a department's few browsers (a check of every
    /// row of a sheet takes seconds).
    pub const STUDIO: Limits = Limits {
        connections: 128,
        per_peer: 32,
        header_read: Duration::from_secs(15),
        request: Duration::from_secs(120),
    };
    /// The reference platform: a fleet of terminals and the public lookup.
    pub const PLATFORM: Limits = Limits {
        connections: 512,
        per_peer: 64,
        header_read: Duration::from_secs(10),
        request: Duration::from_secs(30),
    };
}

/// Who a client is, for its share of connections: its IPv4 address, or
/// its IPv6 /64 (one host's or one household's block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Peer {
    V4(u32),
    V6(u64),
}

fn peer_key(ip: IpAddr) -> Peer {
    match ip {
        IpAddr::V4(v4) => Peer::V4(v4.to_bits()),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => Peer::V4(v4.to_bits()),
            None => Peer::V6((v6.to_bits() >> 64) as u64),
        },
    }
}

/// One open connection, as the accept loop sees it.
#[derive(Debug)]
struct Conn {
    peer: Peer,
    /// Requests being answered on it now.
    busy: AtomicUsize,
    /// Asked to close (it was the oldest idle one when room was needed).
    closing: AtomicBool,
    close: tokio::sync::Notify,
}

/// The open connections, oldest first (by accept order).
#[derive(Debug, Default)]
struct Table {
    next: u64,
    open: BTreeMap<u64, Arc<Conn>>,
}

impl Table {
    fn live(&self) -> impl Iterator<Item = &Arc<Conn>> {
        self.open.values().filter(|c| !c.closing.load(Ordering::Acquire))
    }

    /// Asks the oldest idle connection that `pick` allows to close; false
    /// when there is none.
    fn evict(&self, pick: impl Fn(&Conn) -> bool) -> bool {
        let Some(c) = self.live().find(|c| pick(c) && c.busy.load(Ordering::Acquire) == 0) else {
            return false;
        };
        c.closing.store(true, Ordering::Release);
        c.close.notify_one();
        true
    }

    /// Room for a new connection from `peer`, or `None` (every connection
    /// that could give way is busy).
    fn admit(&mut self, peer: Peer, limits: &Limits) -> Option<(u64, Arc<Conn>)> {
        let mine = self.live().filter(|c| c.peer == peer).count();
        if mine >= limits.per_peer && !self.evict(|c| c.peer == peer) {
            return None;
        }
        if self.live().count() >= limits.connections && !self.evict(|_| true) {
            return None;
        }
        let id = self.next;
        self.next += 1;
        let conn = Arc::new(Conn {
            peer,
            busy: AtomicUsize::new(0),
            closing: AtomicBool::new(false),
            close: tokio::sync::Notify::new(),
        });
        self.open.insert(id, conn.clone());
        Some((id, conn))
    }
}

/// Counts a request as being answered while it lives.
struct Busy(Arc<Conn>);

impl Busy {
    fn new(c: &Arc<Conn>) -> Busy {
        c.busy.fetch_add(1, Ordering::AcqRel);
        Busy(c.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

fn unavailable(why: &'static str) -> Response<Body> {
    let mut r = Response::new(Body::from(why));
    *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    r.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// Serves `app` on `listener` until `stop` resolves, within `limits`.
/// Handlers can read the client's address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: Limits,
    stop: impl Future<Output = ()> + Send + 'static,
) {
    let table = Arc::new(Mutex::new(Table::default()));
    let stopping = Arc::new(tokio::sync::Notify::new());
    let stopped = Arc::new(AtomicBool::new(false));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .max_buf_size(64 * 1024);
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(_) => {
                    // Out of descriptors, or a connection reset before it
                    // was taken: let closing connections free theirs.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let admitted = table
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .admit(peer_key(peer.ip()), &limits);
        let Some((id, conn)) = admitted else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let svc_conn = conn.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            let busy = Busy::new(&svc_conn);
            req.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move {
                let answer = tokio::time::timeout(limits.request, app.oneshot(req.map(Body::new))).await;
                drop(busy);
                Ok::<_, Infallible>(match answer {
                    Ok(Ok(r)) => r,
                    Ok(Err(never)) => match never {},
                    Err(_) => unavailable("the request took too long\n"),
                })
            }
        });
        let served = builder.serve_connection(TokioIo::new(stream), service);
        let table = table.clone();
        let stopping = stopping.clone();
        let stopped = stopped.clone();
        tokio::spawn(async move {
            tokio::pin!(served);
            let mut asked = false;
            loop {
                tokio::select! {
                    _ = served.as_mut() => break,
                    () = conn.close.notified(), if !asked => {
                        asked = true;
                        served.as_mut().graceful_shutdown();
                    }
                    () = stopping.notified(), if !asked => {
                        asked = true;
                        served.as_mut().graceful_shutdown();
                    }
                }
                if !asked && stopped.load(Ordering::Acquire) {
                    asked = true;
                    served.as_mut().graceful_shutdown();
                }
            }
            table.lock().unwrap_or_else(PoisonError::into_inner).open.remove(&id);
        });
    }
    stopped.store(true, Ordering::Release);
    stopping.notify_waiters();
    // Connections finish what they are answering, then close.
    loop {
        if table.lock().unwrap_or_else(PoisonError::into_inner).open.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        stopping.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Limits = Limits {
        connections: 4,
        per_peer: 2,
        header_read: Duration::from_secs(1),
        request: Duration::from_secs(1),
    };

    #[test]
    fn a_client_at_its_share_gives_up_its_own_oldest_idle_connection() {
        let mut t = Table::default();
        let (a1, c1) = t.admit(Peer::V4(1), &L).unwrap();
        let (_, _c2) = t.admit(Peer::V4(1), &L).unwrap();
        let (_, other) = t.admit(Peer::V4(2), &L).unwrap();
        assert!(t.admit(Peer::V4(1), &L).is_some());
        assert!(c1.closing.load(Ordering::Acquire), "the oldest of client 1 closes");
        assert!(
            !other.closing.load(Ordering::Acquire),
            "another client's connection stays"
        );
        assert_eq!(a1, 0);
    }

    #[test]
    fn busy_connections_are_never_closed_for_room() {
        let mut t = Table::default();
        let (_, c1) = t.admit(Peer::V4(1), &L).unwrap();
        let (_, c2) = t.admit(Peer::V4(1), &L).unwrap();
        let _b1 = Busy::new(&c1);
        let _b2 = Busy::new(&c2);
        assert!(
            t.admit(Peer::V4(1), &L).is_none(),
            "both are answering: the new one is refused"
        );
        let (_, c3) = t.admit(Peer::V4(2), &L).unwrap();
        let (_, _c4) = t.admit(Peer::V4(3), &L).unwrap();
        // The total is reached: the oldest idle one (client 2's) gives way.
        assert!(t.admit(Peer::V4(4), &L).is_some());
        assert!(c3.closing.load(Ordering::Acquire));
        assert!(!c1.closing.load(Ordering::Acquire) && !c2.closing.load(Ordering::Acquire));
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(peer_key(a), peer_key(b));
        assert_ne!(peer_key(a), peer_key(c));
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(peer_key(v4), peer_key(mapped));
    }
}
