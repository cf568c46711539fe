//! The OTLP exporter: a batch encoded as one `ExportTraceServiceRequest`
//! (protobuf, or JSON for http/json) and handed to the transport.

use super::{Delivery, Sink, SpanBatch};
use crate::diagnostics::RateLimited;
use crate::transport::{self, ExportError, Transport};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::Resource;
use prost::Message as _;
use std::sync::Arc;
use std::time::Duration;

/// How request bodies are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    /// The transport these bodies travel over: gRPC takes protobuf only.
    pub(crate) fn http_content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

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
            encoding: self.encoding,
            resource: ResourceAttributesWithSchema::from(&self.resource),
            timeout: self.timeout,
            partial_success: Arc::new(RateLimited::new()),
        }
    }
}

/// A connected exporter; several of its deliveries may be in flight.
#[derive(Debug)]
pub(crate) struct OtlpSink {
    transport: Arc<Transport>,
    encoding: Encoding,
    resource: ResourceAttributesWithSchema,
    timeout: Duration,
    /// The collector accepted a request but rejected some of its spans.
    partial_success: Arc<RateLimited>,
}

impl OtlpSink {
    fn encode(&self, request: &ExportTraceServiceRequest) -> Result<bytes::Bytes, ExportError> {
        match self.encoding {
            Encoding::Protobuf => Ok(request.encode_to_vec().into()),
            #[cfg(feature = "http")]
            Encoding::Json => serde_json::to_vec(request)
                .map(Into::into)
                .map_err(|e| ExportError::Permanent(format!("could not encode OTLP/JSON: {e}"))),
            // http/json is refused at init without the `http` feature.
            #[cfg(not(feature = "http"))]
            Encoding::Json => Err(ExportError::Permanent(
                "OTLP/JSON needs the `http` feature".into(),
            )),
        }
    }
}

impl Sink for OtlpSink {
    fn export(&mut self, batch: SpanBatch<'_, '_>) -> Delivery {
        let request = ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(batch.span_data(), &self.resource),
        };
        let body = self.encode(&request);
        drop(request);
        let deadline = tokio::time::Instant::now() + self.timeout;
        let transport = Arc::clone(&self.transport);
        let partial_success = Arc::clone(&self.partial_success);
        Box::pin(async move {
            let delivered = transport.send(body?, deadline).await?;
            if delivered.rejected_spans > 0 {
                let (rejected, message) = (delivered.rejected_spans, delivered.message);
                partial_success.warn(|suppressed| {
                    tracing::warn!(target: "aios_tracing", rejected, suppressed, "collector rejected spans: {message}");
                });
            }
            Ok(())
        })
    }
}
