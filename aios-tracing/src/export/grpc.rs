//! OTLP over gRPC with tonic, on the worker's runtime.

use super::retry::Failure;
use http::Uri;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use std::time::Duration;
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};
use tonic::Code;
use tonic_types::StatusExt;

#[derive(Debug)]
pub(crate) struct Grpc {
    client: TraceServiceClient<Channel>,
    metadata: MetadataMap,
}

/// Checks the endpoint and TLS settings; the channel is made later, inside
/// a runtime, by [`connect`].
pub(crate) fn endpoint(uri: &Uri, tls: Option<ClientTlsConfig>) -> Result<Endpoint, String> {
    let mut endpoint = Endpoint::from(uri.clone())
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true);
    if let Some(tls) = tls {
        endpoint = endpoint.tls_config(tls).map_err(|e| e.to_string())?;
    }
    Ok(endpoint)
}

pub(crate) fn connect(
    endpoint: Endpoint,
    headers: &[(http::HeaderName, http::HeaderValue)],
) -> Grpc {
    let mut metadata = MetadataMap::new();
    for (name, value) in headers {
        // Names and values were validated as HTTP headers during init.
        if let (Ok(key), Ok(value)) = (
            MetadataKey::from_bytes(name.as_str().as_bytes()),
            MetadataValue::try_from(value.as_bytes()),
        ) {
            metadata.append(key, value);
        }
    }
    Grpc {
        client: TraceServiceClient::new(endpoint.connect_lazy()),
        metadata,
    }
}

impl Grpc {
    pub(crate) async fn send(
        &self,
        request: &ExportTraceServiceRequest,
        timeout: Duration,
    ) -> Result<(), Failure> {
        let mut call = tonic::Request::new(request.clone());
        *call.metadata_mut() = self.metadata.clone();
        call.set_timeout(timeout);
        match self.client.clone().export(call).await {
            Ok(response) => {
                super::report_partial_success(
                    response
                        .into_inner()
                        .partial_success
                        .map(|p| (p.rejected_spans, p.error_message)),
                );
                Ok(())
            }
            Err(status) => Err(classify(&status)),
        }
    }
}

/// The OTLP spec's retryable gRPC codes; RESOURCE_EXHAUSTED only when the
/// server says when to come back.
fn classify(status: &tonic::Status) -> Failure {
    let retry_after = status
        .get_details_retry_info()
        .and_then(|info| info.retry_delay);
    let reason = format!("gRPC status {:?}: {}", status.code(), status.message());
    // A status synthesized from a local transport failure (connection reset,
    // refused, broken mid-request) carries the underlying error; the server
    // never answered, so another attempt is safe whatever the code says.
    if std::error::Error::source(status).is_some() {
        return Failure::Transient {
            reason,
            retry_after,
        };
    }
    match status.code() {
        Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unavailable
        | Code::DataLoss => Failure::Transient {
            reason,
            retry_after,
        },
        Code::ResourceExhausted if retry_after.is_some() => Failure::Transient {
            reason,
            retry_after,
        },
        _ => Failure::Permanent(reason),
    }
}
