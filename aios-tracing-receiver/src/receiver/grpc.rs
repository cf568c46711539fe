//! OTLP/gRPC: the `TraceService/Export` method.

use std::sync::Arc;
use std::time::SystemTime;

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use tonic::codec::CompressionEncoding;
use tonic::{Code, Request, Response, Status};
use tonic_types::{ErrorDetails, StatusExt};

use super::state::Shared;
use crate::received::ReceivedRequest;
use crate::{Fault, Transport};

/// The gRPC path of the export method.
pub(crate) const EXPORT_PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// Largest accepted decoded message.
const MESSAGE_LIMIT: usize = 64 << 20;

/// The `TraceService` implementation.
#[derive(Debug)]
struct Collector {
    shared: Arc<Shared>,
}

/// The router serving `TraceService` (gzip accepted and, when the client asks
/// for it, used for responses). Unknown methods get `UNIMPLEMENTED`.
pub(crate) fn router(shared: Arc<Shared>) -> axum::Router {
    let service = TraceServiceServer::new(Collector { shared })
        .accept_compressed(CompressionEncoding::Gzip)
        .send_compressed(CompressionEncoding::Gzip)
        .max_decoding_message_size(MESSAGE_LIMIT);
    tonic::service::Routes::new(service)
        .prepare()
        .into_axum_router()
}

fn fault_status(fault: &Fault) -> Option<Status> {
    const MESSAGE: &str = "fault injected by the test receiver";
    let with_retry = |code: Code, retry_after: Option<std::time::Duration>| match retry_after {
        Some(after) => {
            Status::with_error_details(code, MESSAGE, ErrorDetails::with_retry_info(Some(after)))
        }
        None => Status::new(code, MESSAGE),
    };
    match fault {
        Fault::Unavailable { retry_after } => Some(with_retry(Code::Unavailable, *retry_after)),
        Fault::TooManyRequests { retry_after } => {
            Some(with_retry(Code::ResourceExhausted, *retry_after))
        }
        Fault::BadRequest => Some(Status::invalid_argument(MESSAGE)),
        Fault::Hang | Fault::Blackhole | Fault::CloseMidRequest => None,
    }
}

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let shared = &self.shared;
        let index = shared.next_request_index();
        shared.delay().await;

        if let Some(fault) = shared.plan.request_fault(index) {
            shared.reject();
            return match fault_status(fault) {
                Some(status) => Err(status),
                None => std::future::pending().await,
            };
        }

        let (metadata, _extensions, message) = request.into_parts();
        let headers: Vec<(String, String)> = metadata
            .into_headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let content_type = headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| v.clone());
        shared.record(ReceivedRequest {
            transport: Transport::Grpc,
            path: EXPORT_PATH.to_owned(),
            headers,
            content_type,
            body_len: message.encoded_len(),
            request: message,
            received_at: SystemTime::now(),
        });
        Ok(Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}
