//! OTLP over gRPC with tonic, on the worker's runtime.
//!
//! The request arrives encoded and is sent as bytes through a pass-through
//! codec: retries resend the same bytes instead of re-encoding every span.

use super::outcome::{self, Delivered, ExportError};
use bytes::Bytes;
use http::uri::PathAndQuery;
use http::Uri;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use std::time::Duration;
use tonic::codec::{Codec, EncodeBuf, Encoder};
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};
use tonic::transport::{Channel, Endpoint};
use tonic::Status;
use tonic_prost::ProstDecoder;

const EXPORT_PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

#[derive(Debug)]
pub(crate) struct Grpc {
    client: tonic::client::Grpc<Channel>,
    metadata: MetadataMap,
}

/// Checks the endpoint (TLS is added by `tls::for_grpc`); the channel is
/// made later, inside a runtime, by [`connect`].
pub(crate) fn endpoint(uri: &Uri) -> Result<Endpoint, String> {
    Ok(Endpoint::from(uri.clone())
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true))
}

pub(crate) fn connect(
    endpoint: Endpoint,
    headers: &[(http::HeaderName, http::HeaderValue)],
    gzip: bool,
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
    let client = tonic::client::Grpc::new(endpoint.connect_lazy());
    #[cfg(feature = "gzip")]
    let client = if gzip {
        client.send_compressed(tonic::codec::CompressionEncoding::Gzip)
    } else {
        client
    };
    #[cfg(not(feature = "gzip"))]
    let _ = gzip;
    Grpc { client, metadata }
}

impl Grpc {
    /// Sends one encoded `ExportTraceServiceRequest`.
    pub(crate) async fn send(
        &self,
        body: Bytes,
        timeout: Duration,
    ) -> Result<Delivered, ExportError> {
        let mut client = self.client.clone();
        client
            .ready()
            .await
            .map_err(|e| ExportError::transient(format!("gRPC channel not ready: {e}")))?;
        let mut call = tonic::Request::new(body);
        *call.metadata_mut() = self.metadata.clone();
        call.set_timeout(timeout);
        let path = PathAndQuery::from_static(EXPORT_PATH);
        match client.unary(call, path, PreEncoded).await {
            Ok(response) => {
                Ok(response
                    .into_inner()
                    .partial_success
                    .map_or_else(Delivered::default, |p| Delivered {
                        rejected_spans: p.rejected_spans,
                        message: p.error_message,
                    }))
            }
            Err(status) => Err(outcome::grpc(&status)),
        }
    }
}

/// Sends bytes already encoded as the request message; decodes the
/// response with prost.
#[derive(Debug, Clone, Copy)]
struct PreEncoded;

#[derive(Debug)]
struct BytesEncoder;

impl Encoder for BytesEncoder {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        bytes::BufMut::put(dst, item);
        Ok(())
    }
}

impl Codec for PreEncoded {
    type Encode = Bytes;
    type Decode = ExportTraceServiceResponse;
    type Encoder = BytesEncoder;
    type Decoder = ProstDecoder<ExportTraceServiceResponse>;

    fn encoder(&mut self) -> BytesEncoder {
        BytesEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProstDecoder::default()
    }
}
