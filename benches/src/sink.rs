//! A lean OTLP trace receiver that decodes every request (as a collector
//! would) and only counts what it got: OTLP/gRPC (`TraceService/Export`) and
//! OTLP/HTTP protobuf (`POST /v1/traces`) on the same `127.0.0.1` port.
//!
//! Unlike `aios_tracing_tests::OtlpReceiver` it keeps no spans, so millions of
//! them cost no memory and little CPU.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;
use tokio::sync::oneshot;

/// Largest accepted request, decoded (gRPC) or raw (HTTP).
const MESSAGE_LIMIT: usize = 64 << 20;

/// What the receiver has counted so far.
#[derive(Debug)]
pub struct Counts {
    spans: AtomicU64,
    requests: AtomicU64,
    bytes: AtomicU64,
    /// Nanoseconds after `epoch` when the last span arrived.
    last_arrival_ns: AtomicU64,
    epoch: Instant,
}

impl Counts {
    fn new() -> Self {
        Counts {
            spans: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            last_arrival_ns: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    fn record(&self, request: &ExportTraceServiceRequest, bytes: usize) {
        let spans: usize = request
            .resource_spans
            .iter()
            .flat_map(|rs| &rs.scope_spans)
            .map(|ss| ss.spans.len())
            .sum();
        self.spans.fetch_add(spans as u64, Ordering::AcqRel);
        self.requests.fetch_add(1, Ordering::AcqRel);
        self.bytes.fetch_add(bytes as u64, Ordering::AcqRel);
        let ns = self.epoch.elapsed().as_nanos() as u64;
        self.last_arrival_ns.fetch_max(ns, Ordering::AcqRel);
    }

    /// Spans received.
    pub fn spans(&self) -> u64 {
        self.spans.load(Ordering::Acquire)
    }

    /// Export requests received.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Acquire)
    }

    /// Encoded bytes received.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Acquire)
    }

    /// When the last span arrived (`None` before any did).
    pub fn last_arrival(&self) -> Option<Instant> {
        match self.last_arrival_ns.load(Ordering::Acquire) {
            0 => None,
            ns => Some(self.epoch + std::time::Duration::from_nanos(ns)),
        }
    }
}

/// A running receiver; stops when dropped.
#[derive(Debug)]
pub struct Sink {
    addr: SocketAddr,
    counts: Arc<Counts>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Sink {
    /// Starts on `127.0.0.1:<free port>` with `workers` runtime threads.
    pub fn start(workers: usize) -> io::Result<Sink> {
        Self::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), workers)
    }

    /// Starts on `addr` with `workers` runtime threads.
    pub fn start_on(addr: SocketAddr, workers: usize) -> io::Result<Sink> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers.max(1))
            .thread_name("otlp-sink")
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind(addr))?;
        let addr = listener.local_addr()?;
        let counts = Arc::new(Counts::new());
        let (stop, stopped) = oneshot::channel::<()>();
        let app = router(Arc::clone(&counts));
        // As collectors do (Go sets it on every TCP connection): without
        // it, Nagle's algorithm holds back the small responses until the
        // client's delayed ACK, and export throughput collapses in some runs.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let thread = std::thread::Builder::new()
            .name("otlp-sink".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stopped.await;
                        })
                        .await;
                });
                runtime.shutdown_background();
            })?;
        Ok(Sink {
            addr,
            counts,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, for OTLP/gRPC exporters.
    pub fn grpc_endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:<port>/v1/traces`, for OTLP/HTTP exporters.
    pub fn traces_url(&self) -> String {
        format!("http://{}/v1/traces", self.addr)
    }

    /// The counters.
    pub fn counts(&self) -> &Arc<Counts> {
        &self.counts
    }

    /// Spans received so far.
    pub fn spans(&self) -> u64 {
        self.counts.spans()
    }

    /// Stops serving (open connections are closed).
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop();
    }
}

fn router(counts: Arc<Counts>) -> axum::Router {
    let grpc = TraceServiceServer::new(GrpcCounter {
        counts: Arc::clone(&counts),
    })
    .accept_compressed(tonic::codec::CompressionEncoding::Gzip)
    .max_decoding_message_size(MESSAGE_LIMIT);
    let http = axum::Router::new()
        .route("/v1/traces", post(http_export))
        .layer(DefaultBodyLimit::max(MESSAGE_LIMIT))
        .with_state(counts);
    tonic::service::Routes::new(grpc)
        .prepare()
        .into_axum_router()
        .merge(http)
}

#[derive(Debug)]
struct GrpcCounter {
    counts: Arc<Counts>,
}

#[tonic::async_trait]
impl TraceService for GrpcCounter {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let request = request.into_inner();
        self.counts.record(&request, request.encoded_len());
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

/// The body as encoded, decompressed if it came gzipped.
fn decompressed(headers: &header::HeaderMap, body: &Bytes) -> Result<Bytes, String> {
    let gzipped = headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    if !gzipped {
        return Ok(body.clone());
    }
    let mut out = Vec::with_capacity(body.len() * 4);
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(body.as_ref()), &mut out)
        .map_err(|e| e.to_string())?;
    Ok(out.into())
}

/// Counts bytes as they came on the wire (compressed, if they were).
async fn http_export(
    State(counts): State<Arc<Counts>>,
    headers: header::HeaderMap,
    body: Bytes,
) -> Response {
    let decoded = decompressed(&headers, &body)
        .and_then(|raw| ExportTraceServiceRequest::decode(raw.as_ref()).map_err(|e| e.to_string()));
    match decoded {
        Ok(request) => {
            counts.record(&request, body.len());
            let reply = ExportTraceServiceResponse {
                partial_success: None,
            };
            (
                [(header::CONTENT_TYPE, "application/x-protobuf")],
                reply.encode_to_vec(),
            )
                .into_response()
        }
        Err(error) => (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    }
}
