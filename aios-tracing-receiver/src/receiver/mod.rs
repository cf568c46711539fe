//! The in-process OTLP receiver.

mod grpc;
mod http;
mod server;
mod state;
#[cfg(test)]
mod tests;

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::faults::{Fault, FaultPlan};
use crate::received::{ReceivedRequest, ReceivedSpan};
use state::Shared;

/// How long [`OtlpReceiver::stop`] waits for the server thread before leaving
/// it behind (it never keeps the process alive either way).
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a bind to a fixed port keeps retrying while the port is still in use
/// (e.g. right after a previous receiver on it stopped).
const REBIND_TIMEOUT: Duration = Duration::from_secs(3);

/// The OTLP transport a receiver speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// OTLP/gRPC (`TraceService/Export` over HTTP/2 cleartext).
    Grpc,
    /// OTLP/HTTP (`POST /v1/traces`, protobuf or JSON; HTTP/1.1 or h2c).
    Http,
}

/// Configures an [`OtlpReceiver`] before it starts; see
/// [`OtlpReceiver::builder`].
#[derive(Debug, Clone)]
#[must_use = "call .start() to run the receiver"]
pub struct ReceiverBuilder {
    transport: Transport,
    addr: SocketAddr,
    plan: FaultPlan,
}

impl ReceiverBuilder {
    /// Injects `fault` for the first `n` requests (or connections, for
    /// connection-level faults); later ones are served normally. Replaces any
    /// fault set before.
    pub fn fail_first(mut self, n: u64, fault: Fault) -> Self {
        self.plan.fault = Some((fault, Some(n)));
        self
    }

    /// Injects `fault` for every request (or connection). Replaces any fault set
    /// before.
    pub fn fail_always(mut self, fault: Fault) -> Self {
        self.plan.fault = Some((fault, None));
        self
    }

    /// Waits `delay` before every answer, successful or faulted.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.plan.delay = Some(delay);
        self
    }

    /// Listens on `addr` instead of `127.0.0.1:0` (e.g. to restart on the port of
    /// a receiver that was stopped). Binding retries for a few seconds while the
    /// port is still in use.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Counts spans without keeping them, for load tests whose memory
    /// figures must be the SDK's, not the receiver's. `spans()` stays empty;
    /// `span_count()` counts.
    pub fn count_only(mut self) -> Self {
        self.plan.count_only = true;
        self
    }

    /// Starts the receiver; it is listening when this returns.
    pub fn start(self) -> io::Result<OtlpReceiver> {
        OtlpReceiver::launch(self)
    }

    /// Shorthand for `.bind(addr).start()`.
    pub fn start_on(self, addr: SocketAddr) -> io::Result<OtlpReceiver> {
        self.bind(addr).start()
    }
}

/// An OTLP trace receiver for tests, listening on `127.0.0.1`.
///
/// It runs on its own thread with its own 2-worker tokio runtime, so it works
/// from plain `#[test]`s and from `#[tokio::test]`s alike. It records every
/// accepted export request and its spans, and stops when dropped (or on
/// [`OtlpReceiver::stop`]); what it recorded stays readable after it stopped.
///
/// ```no_run
/// use std::time::Duration;
/// use aios_tracing_receiver::{OtlpReceiver, SpansExt, Transport};
///
/// let rx = OtlpReceiver::start(Transport::Grpc).unwrap();
/// // ... point an exporter at rx.endpoint() and export one span ...
/// let spans = rx.wait_for_spans(1, Duration::from_secs(5));
/// assert_eq!(spans.one("work").kind_name(), "internal");
/// ```
pub struct OtlpReceiver {
    transport: Transport,
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: Option<ServerThread>,
}

struct ServerThread {
    shutdown: watch::Sender<bool>,
    /// Behind a mutex only so that `OtlpReceiver` is `Sync`.
    done: Mutex<mpsc::Receiver<()>>,
    thread: JoinHandle<()>,
}

impl fmt::Debug for OtlpReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpReceiver")
            .field("transport", &self.transport)
            .field("addr", &self.addr)
            .field("running", &self.is_running())
            .field("span_count", &self.span_count())
            .field("request_count", &self.request_count())
            .field("rejected_count", &self.rejected_count())
            .finish()
    }
}

impl OtlpReceiver {
    /// Starts a well-behaved receiver on `127.0.0.1:<free port>`.
    pub fn start(transport: Transport) -> io::Result<OtlpReceiver> {
        Self::builder(transport).start()
    }

    /// Starts a well-behaved receiver on `addr` (retrying for a few seconds while
    /// the port is still in use): restarts a receiver on the port of one that
    /// was stopped.
    pub fn start_on(transport: Transport, addr: SocketAddr) -> io::Result<OtlpReceiver> {
        Self::builder(transport).start_on(addr)
    }

    /// A builder to inject faults or pick the address.
    pub fn builder(transport: Transport) -> ReceiverBuilder {
        ReceiverBuilder {
            transport,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            plan: FaultPlan::default(),
        }
    }

    fn launch(config: ReceiverBuilder) -> io::Result<OtlpReceiver> {
        let listener = bind(config.addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let transport = config.transport;
        let shared = Arc::new(Shared::new(transport, config.plan));

        // The receiver stands in for a collector in another process: its own
        // HTTP/2 and gRPC machinery must not feed spans back into the SDK
        // under test (with the `tracing` bridge on, it would loop).
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("otlp-receiver-worker")
            .on_thread_start(suppress_telemetry_on_this_thread)
            .enable_all()
            .build()?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (done_tx, done) = mpsc::channel();
        let for_thread = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name(format!("otlp-receiver-{}", addr.port()))
            .spawn(move || {
                suppress_telemetry_on_this_thread();
                runtime.block_on(async move {
                    let app = match for_thread.transport {
                        Transport::Grpc => grpc::router(Arc::clone(&for_thread)),
                        Transport::Http => http::router(Arc::clone(&for_thread)),
                    };
                    match TcpListener::from_std(listener) {
                        Ok(listener) => server::serve(listener, app, for_thread, shutdown_rx).await,
                        Err(e) => {
                            eprintln!("otlp receiver on {addr}: cannot register listener: {e}")
                        }
                    }
                });
                runtime.shutdown_timeout(Duration::from_millis(500));
                let _ = done_tx.send(());
            })?;

        Ok(OtlpReceiver {
            transport,
            addr,
            shared,
            server: Some(ServerThread {
                shutdown,
                done: Mutex::new(done),
                thread,
            }),
        })
    }

    /// The transport this receiver speaks.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// The address it listens on (`127.0.0.1:<port>`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL, `http://127.0.0.1:<port>` (for HTTP without `/v1/traces`): what
    /// an OTLP exporter's endpoint setting takes.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The full traces URL: `<endpoint>/v1/traces` for HTTP, the endpoint for
    /// gRPC.
    pub fn traces_url(&self) -> String {
        match self.transport {
            Transport::Http => format!("{}{}", self.endpoint(), http::TRACES_PATH),
            Transport::Grpc => self.endpoint(),
        }
    }

    /// All spans received so far, in arrival order.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.shared.lock().spans.clone()
    }

    /// Number of spans received so far.
    pub fn span_count(&self) -> usize {
        let recorded = self.shared.lock();
        recorded.spans.len() + recorded.counted
    }

    /// All accepted export requests so far, in arrival order.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Number of accepted export requests (rejected ones not included).
    pub fn request_count(&self) -> usize {
        self.shared.lock().requests.len()
    }

    /// Number of requests (or connections, for connection-level faults) that got
    /// a fault or could not be decoded. Their spans are not recorded.
    pub fn rejected_count(&self) -> usize {
        self.shared.lock().rejected
    }

    /// Accepted plus rejected: every export attempt the receiver saw.
    pub fn attempt_count(&self) -> usize {
        let rec = self.shared.lock();
        rec.requests.len() + rec.rejected
    }

    /// Number of TCP connections accepted so far (faulted ones included).
    pub fn connection_count(&self) -> u64 {
        self.shared.connections()
    }

    /// Why malformed requests were rejected (bad content type, encoding or body).
    pub fn decode_errors(&self) -> Vec<String> {
        self.shared.lock().errors.clone()
    }

    /// Blocks until at least `n` spans arrived or `timeout` passed; returns all
    /// spans received so far either way (check the length).
    ///
    /// Blocking is fine from a `#[tokio::test]` as long as the exporter does not
    /// need that same (current-thread) runtime to make progress; otherwise use
    /// [`OtlpReceiver::wait_for_spans_async`].
    pub fn wait_for_spans(&self, n: usize, timeout: Duration) -> Vec<ReceivedSpan> {
        self.shared
            .wait_until(timeout, |r| r.spans.len() >= n, |r| r.spans.clone())
    }

    /// Async form of [`OtlpReceiver::wait_for_spans`] (needs a tokio runtime
    /// with the time driver, as `#[tokio::test]` has).
    pub async fn wait_for_spans_async(&self, n: usize, timeout: Duration) -> Vec<ReceivedSpan> {
        self.shared
            .wait_until_async(timeout, |r| r.spans.len() >= n, |r| r.spans.clone())
            .await
    }

    /// Blocks until at least `n` attempts (accepted + rejected) were seen or
    /// `timeout` passed; returns the attempt count.
    pub fn wait_for_attempts(&self, n: usize, timeout: Duration) -> usize {
        let count = |r: &state::Recorded| r.requests.len() + r.rejected;
        self.shared.wait_until(timeout, |r| count(r) >= n, count)
    }

    /// Async form of [`OtlpReceiver::wait_for_attempts`].
    pub async fn wait_for_attempts_async(&self, n: usize, timeout: Duration) -> usize {
        let count = |r: &state::Recorded| r.requests.len() + r.rejected;
        self.shared
            .wait_until_async(timeout, |r| count(r) >= n, count)
            .await
    }

    /// Waits `quiet` and returns the spans that arrived meanwhile plus before:
    /// use it to assert that *nothing more* arrives (e.g. after shutdown).
    pub fn spans_after(&self, quiet: Duration) -> Vec<ReceivedSpan> {
        thread::sleep(quiet);
        self.spans()
    }

    /// Forgets everything recorded (requests, spans, rejections, errors). Fault
    /// counters keep running.
    pub fn clear(&self) {
        let mut rec = self.shared.lock();
        *rec = state::Recorded::default();
    }

    /// True until [`OtlpReceiver::stop`] (or drop).
    pub fn is_running(&self) -> bool {
        self.server.is_some()
    }

    /// Stops the server: closes the listener, gives open connections a short
    /// grace period, then drops them, and joins the server thread (bounded wait).
    /// The port is free again when this returns. Idempotent; recorded data stays
    /// readable.
    pub fn stop(&mut self) {
        let Some(server) = self.server.take() else {
            return;
        };
        let _ = server.shutdown.send(true);
        let done = server.done.lock().unwrap_or_else(|e| e.into_inner());
        match done.recv_timeout(STOP_TIMEOUT) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = server.thread.join();
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                eprintln!(
                    "otlp receiver on {}: server thread did not stop within {STOP_TIMEOUT:?}; leaving it",
                    self.addr
                );
            }
        }
    }
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Binds a std listener, retrying a fixed port that is still in use.
fn bind(addr: SocketAddr) -> io::Result<StdTcpListener> {
    let deadline = Instant::now() + REBIND_TIMEOUT;
    loop {
        match StdTcpListener::bind(addr) {
            Err(e)
                if e.kind() == io::ErrorKind::AddrInUse
                    && addr.port() != 0
                    && Instant::now() < deadline =>
            {
                thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// Marks the calling thread as never producing telemetry, for its lifetime.
fn suppress_telemetry_on_this_thread() {
    // The guard would restore the previous context on drop; the thread
    // keeps the suppressed one until it ends.
    std::mem::forget(opentelemetry::Context::enter_telemetry_suppressed_scope());
}
