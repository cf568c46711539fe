//! The OTLP exporter: a batch encoded as one `ExportTraceServiceRequest`
//! (protobuf, or JSON for http/json; see `encode`) and handed to the
//! transport.

use super::encode::Encoder;
pub(crate) use super::encode::Encoding;
use super::{Request, Sink, SpanBatch};
use crate::diagnostics::RateLimited;
use crate::transport::{self, ExportError, Transport};
use opentelemetry_sdk::Resource;
use std::sync::Arc;
use std::time::Duration;

/// The exporter as `init` prepared it: settings checked, not connected.
#[derive(Debug)]
pub(crate) struct PreparedOtlp {
    pub(crate) transport: transport::Prepared,
    pub(crate) encoding: Encoding,
    pub(crate) resource: Resource,
    pub(crate) timeout: Duration,
}

impl PreparedOtlp {
    /// Connects (lazily); must run on the export thread's runtime.
    pub(crate) fn start(self) -> OtlpSink {
        OtlpSink {
            transport: Arc::new(self.transport.connect()),
            encoder: Encoder::new(self.encoding, self.resource),
            timeout: self.timeout,
            partial_success: Arc::new(RateLimited::new()),
        }
    }
}

/// A connected exporter; several of its deliveries may be in flight.
#[derive(Debug)]
pub(crate) struct OtlpSink {
    transport: Arc<Transport>,
    encoder: Encoder,
    timeout: Duration,
    /// The collector accepted a request but rejected some of its spans.
    partial_success: Arc<RateLimited>,
}

impl Sink for OtlpSink {
    fn export(&mut self, batch: SpanBatch<'_, '_>) -> Option<Request> {
        let body = self.encoder.encode(&batch);
        Some(self.request(body))
    }
}

impl OtlpSink {
    /// The encoded body as a request the pipeline can send again: each
    /// send is the same bytes through the transport.
    fn request(&self, body: Result<bytes::Bytes, ExportError>) -> Request {
        let size = body.as_ref().map_or(0, bytes::Bytes::len);
        let transport = Arc::clone(&self.transport);
        let partial_success = Arc::clone(&self.partial_success);
        let timeout = self.timeout;
        Request::new(size, move || {
            let body = body.clone();
            let transport = Arc::clone(&transport);
            let partial_success = Arc::clone(&partial_success);
            Box::pin(async move {
                let delivered = transport.send(body?, timeout).await?;
                if delivered.rejected_spans > 0 {
                    let (rejected, message) = (delivered.rejected_spans, delivered.message);
                    partial_success.warn(|suppressed| {
                        tracing::warn!(target: "aios_tracing", rejected, suppressed, "collector rejected spans: {message}");
                    });
                }
                Ok(())
            })
        })
    }
}
