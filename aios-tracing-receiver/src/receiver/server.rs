//! The accept loop shared by both transports, and connection-level faults.

use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::state::Shared;
use crate::Fault;

/// How long open connections get to finish once the receiver stops.
const GRACE: Duration = Duration::from_millis(300);

/// Resolves once shutdown is requested (or the handle is gone).
pub(crate) async fn shutdown_requested(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Accepts connections until shutdown, serving each with `app` (HTTP/1.1 and
/// HTTP/2 prior knowledge, detected per connection) unless a connection-level
/// fault applies. On shutdown the listener is closed first, then open
/// connections get [`GRACE`] to finish before they are dropped.
pub(crate) async fn serve(
    listener: TcpListener,
    app: axum::Router,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let for_connections = shutdown.clone();
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown_requested(&mut shutdown) => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(_) => {
                        // E.g. too many open files: back off briefly.
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let index = shared.next_connection_index();
                match shared.plan.connection_fault(index) {
                    Some(Fault::Blackhole) => {
                        shared.reject();
                        tasks.spawn(blackhole(stream, for_connections.clone()));
                    }
                    Some(_) => {
                        shared.reject();
                        tasks.spawn(close_mid_request(stream));
                    }
                    None => {
                        tasks.spawn(serve_connection(stream, app.clone(), for_connections.clone()));
                    }
                }
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(GRACE + Duration::from_millis(100), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    tasks.abort_all();
}

async fn serve_connection(
    stream: TcpStream,
    app: axum::Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let builder = auto::Builder::new(TokioExecutor::new());
    let conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = shutdown_requested(&mut shutdown) => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(GRACE, conn.as_mut()).await;
        }
    }
}

/// Holds the connection open without reading or writing until shutdown.
async fn blackhole(stream: TcpStream, mut shutdown: watch::Receiver<bool>) {
    shutdown_requested(&mut shutdown).await;
    drop(stream);
}

/// Reads a few bytes of whatever the client sends, then drops the connection.
async fn close_mid_request(mut stream: TcpStream) {
    let mut buf = [0u8; 16];
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await;
    drop(stream);
}
