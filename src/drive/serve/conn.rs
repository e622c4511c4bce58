//! The connections, served here rather than by `axum::serve`, which sets
//! no timer and so no timeout: a client that sent half a request line was
//! kept open for good.
//!
//! * At most `max_connections` are open at once: the next is accepted only
//!   when one closes, and meanwhile waits in the kernel's backlog, holding
//!   no descriptor of this process.
//! * Each is hyper's HTTP/1.1 with a timer: a request's head must come
//!   within the read timeout of the connection waiting for it — on a new
//!   connection, and between the requests of a kept-alive one, so it is
//!   the idle timeout too. (The body has the same time again:
//!   [`super::gate`].) An answer being written has no limit: a streamed
//!   run writes a heartbeat line every half second however long it runs.
//! * Each request carries its peer address ([`ConnectInfo`]), by which the
//!   run queue tells clients apart.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt as _;

/// The limits on connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections open at once.
    pub max_connections: usize,
    /// How long a request's head may take, counted from when the
    /// connection starts waiting for it.
    pub read_timeout: Duration,
}

/// Accepts and serves connections with `app`, for good.
pub async fn serve_connections(listener: TcpListener, app: Router, limits: Limits) {
    let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.read_timeout)
        .keep_alive(true);
    loop {
        // Waits for a connection to close before accepting another.
        let Ok(permit) = open.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // As axum::serve: a failed connection is the client's
                // business; anything else (out of descriptors) passes.
                if !matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionRefused
                        | std::io::ErrorKind::ConnectionAborted
                        | std::io::ErrorKind::ConnectionReset
                ) {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            // A Router is always ready: `oneshot` only calls it.
            app.clone().oneshot(request.map(Body::new))
        });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        tokio::spawn(async move {
            let _permit = permit;
            // An error here is the connection's end (a timeout, a reset):
            // there is nobody to tell.
            let _ = connection.await;
        });
    }
}
