//! A lean OTLP trace receiver that counts what it got: OTLP/gRPC
//! (`TraceService/Export`) and OTLP/HTTP protobuf (`POST /v1/traces`) on
//! the same `127.0.0.1` port.
//!
//! Every request's protobuf is walked down to its spans, every key and
//! length checked (a malformed request is refused), and the spans are
//! counted without being built into structs: a few tens of ns a span,
//! where decoding them into opentelemetry-proto's structs costs ~0.8 µs
//! here and made the receiver, not the exporter, what a drain rate of more
//! than ~1.2 M spans/s measured. Unlike `aios_tracing_tests::OtlpReceiver`
//! it keeps no spans, so millions of them cost no memory and little CPU.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Buf;
use bytes::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::encoding::{decode_key, skip_field, DecodeContext, WireType};
use prost::{DecodeError, Message};
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

    fn record(&self, spans: u64, bytes: usize) {
        self.spans.fetch_add(spans, Ordering::AcqRel);
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

/// The gRPC method OTLP exporters call.
const EXPORT_PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

fn router(counts: Arc<Counts>) -> axum::Router {
    axum::Router::new()
        .route(EXPORT_PATH, post(grpc_export))
        .route("/v1/traces", post(http_export))
        .layer(DefaultBodyLimit::max(MESSAGE_LIMIT))
        .with_state(counts)
}

/// An `ExportTraceServiceRequest` as this receiver reads it: its spans
/// counted, nothing kept.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SpanCount {
    /// Spans in the request.
    pub spans: u64,
    /// Bytes of its `resource_spans`.
    pub bytes: usize,
}

impl Message for SpanCount {
    fn encode_raw(&self, _: &mut impl bytes::BufMut) {
        // Only ever received.
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        if tag != 1 || wire_type != WireType::LengthDelimited {
            return skip_field(wire_type, tag, buf, ctx);
        }
        let mut resource_spans = Bytes::new();
        prost::encoding::bytes::merge(wire_type, &mut resource_spans, buf, ctx.clone())?;
        self.bytes += resource_spans.len();
        // ResourceSpans.scope_spans (2) -> ScopeSpans.spans (2).
        self.spans += count_fields(resource_spans, &[2, 2], &ctx)?;
        Ok(())
    }

    fn encoded_len(&self) -> usize {
        0
    }

    fn clear(&mut self) {
        *self = SpanCount::default();
    }
}

/// How many fields at `path` (field numbers, one per nesting level) the
/// message in `buf` holds; every key and length on the way is checked.
fn count_fields(mut buf: Bytes, path: &[u32], ctx: &DecodeContext) -> Result<u64, DecodeError> {
    let mut count = 0;
    while buf.has_remaining() {
        let (tag, wire_type) = decode_key(&mut buf)?;
        match path.split_first() {
            Some((&field, rest)) if tag == field && wire_type == WireType::LengthDelimited => {
                let mut inner = Bytes::new();
                prost::encoding::bytes::merge(wire_type, &mut inner, &mut buf, ctx.clone())?;
                count += if rest.is_empty() {
                    1
                } else {
                    count_fields(inner, rest, ctx)?
                };
            }
            _ => skip_field(wire_type, tag, &mut buf, ctx.clone())?,
        }
    }
    Ok(count)
}

#[derive(Debug, Clone)]
struct GrpcCounter {
    counts: Arc<Counts>,
}

impl tonic::server::UnaryService<SpanCount> for GrpcCounter {
    type Response = ExportTraceServiceResponse;
    type Future = std::future::Ready<Result<tonic::Response<Self::Response>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<SpanCount>) -> Self::Future {
        let count = request.into_inner();
        self.counts.record(count.spans, count.bytes);
        std::future::ready(Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        })))
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

async fn grpc_export(
    State(counts): State<Arc<Counts>>,
    request: axum::extract::Request,
) -> Response {
    let codec = tonic_prost::ProstCodec::<ExportTraceServiceResponse, SpanCount>::default();
    let mut grpc = tonic::server::Grpc::new(codec)
        .accept_compressed(tonic::codec::CompressionEncoding::Gzip)
        .max_decoding_message_size(MESSAGE_LIMIT);
    grpc.unary(GrpcCounter { counts }, request)
        .await
        .into_response()
}

/// Counts bytes as they came on the wire (compressed, if they were).
async fn http_export(
    State(counts): State<Arc<Counts>>,
    headers: header::HeaderMap,
    body: Bytes,
) -> Response {
    let decoded = decompressed(&headers, &body)
        .and_then(|raw| SpanCount::decode(raw).map_err(|e| e.to_string()));
    match decoded {
        Ok(count) => {
            counts.record(count.spans, body.len());
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

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

    fn request(layout: &[&[usize]]) -> ExportTraceServiceRequest {
        let span = |i: usize| Span {
            name: format!("span-{i}"),
            trace_id: vec![1; 16],
            span_id: vec![2; 8],
            ..Span::default()
        };
        ExportTraceServiceRequest {
            resource_spans: layout
                .iter()
                .map(|scopes| ResourceSpans {
                    scope_spans: scopes
                        .iter()
                        .map(|n| ScopeSpans {
                            spans: (0..*n).map(span).collect(),
                            schema_url: "https://example.com/schema".into(),
                            ..ScopeSpans::default()
                        })
                        .collect(),
                    schema_url: "s".into(),
                    ..ResourceSpans::default()
                })
                .collect(),
        }
    }

    #[test]
    fn counts_every_span_of_every_scope_and_resource() {
        for layout in [&[][..], &[&[][..]], &[&[3, 0, 2][..], &[1]]] {
            let encoded = request(layout).encode_to_vec();
            let count = SpanCount::decode(&encoded[..]).expect("valid");
            let expected: usize = layout.iter().flat_map(|s| s.iter()).sum();
            assert_eq!(count.spans, expected as u64, "{layout:?}");
        }
    }

    #[test]
    fn refuses_a_truncated_request() {
        let encoded = request(&[&[4]]).encode_to_vec();
        for cut in [1, 7, encoded.len() - 1] {
            assert!(SpanCount::decode(&encoded[..cut]).is_err(), "cut at {cut}");
        }
    }
}
