//! OTLP/HTTP: `POST /v1/traces` with protobuf or JSON bodies.

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, HeaderValue, StatusCode};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;

use super::state::Shared;
use crate::received::ReceivedRequest;
use crate::{Fault, Transport};

/// The OTLP/HTTP traces path.
pub(crate) const TRACES_PATH: &str = "/v1/traces";

/// Largest accepted body (compressed or not).
const BODY_LIMIT: usize = 64 << 20;

const PROTOBUF: &str = "application/x-protobuf";
const JSON: &str = "application/json";

/// Body encodings of OTLP/HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Protobuf,
    Json,
}

impl Format {
    fn from_headers(headers: &HeaderMap) -> Result<Format, String> {
        let raw = headers
            .get(CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or("<non-ascii>"))
            .unwrap_or("");
        let media = raw.split(';').next().unwrap_or("").trim();
        if media.eq_ignore_ascii_case(PROTOBUF)
            || media.eq_ignore_ascii_case("application/protobuf")
        {
            Ok(Format::Protobuf)
        } else if media.eq_ignore_ascii_case(JSON) {
            Ok(Format::Json)
        } else {
            Err(format!("unsupported content-type {raw:?}"))
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Protobuf => PROTOBUF,
            Format::Json => JSON,
        }
    }
}

/// The router: `POST /v1/traces`; other methods on that path get 405, other
/// paths 404.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(TRACES_PATH, post(export))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(shared)
}

async fn export(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let index = shared.next_request_index();
    shared.delay().await;
    let format = Format::from_headers(&headers);

    if let Some(fault) = shared.plan.request_fault(index).cloned() {
        shared.reject();
        return fault_response(&fault, format.unwrap_or(Format::Protobuf)).await;
    }

    let format = match format {
        Ok(format) => format,
        Err(why) => {
            let resp = error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                3,
                &why,
                Format::Protobuf,
            );
            shared.reject_malformed(why);
            return resp;
        }
    };
    let request = match decompress(&headers, &body).and_then(|raw| decode(format, &raw)) {
        Ok(request) => request,
        Err(why) => {
            let resp = error(StatusCode::BAD_REQUEST, 3, &why, format);
            shared.reject_malformed(why);
            return resp;
        }
    };

    shared.record(ReceivedRequest {
        transport: Transport::Http,
        path: TRACES_PATH.to_owned(),
        headers: header_pairs(&headers),
        content_type: headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body_len: body.len(),
        request,
        received_at: SystemTime::now(),
    });

    let body = match format {
        Format::Protobuf => ExportTraceServiceResponse::default().encode_to_vec(),
        Format::Json => b"{}".to_vec(),
    };
    ([(CONTENT_TYPE, format.content_type())], body).into_response()
}

/// Header pairs with lowercase names; values that are not visible ASCII are
/// skipped.
fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect()
}

fn decompress(headers: &HeaderMap, body: &Bytes) -> Result<Vec<u8>, String> {
    let encoding = headers
        .get(CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .trim()
        .to_ascii_lowercase();
    let mut out = Vec::new();
    let result = match encoding.as_str() {
        "" | "identity" => return Ok(body.to_vec()),
        "gzip" => flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut out),
        "deflate" => flate2::read::ZlibDecoder::new(&body[..]).read_to_end(&mut out),
        other => return Err(format!("unsupported content-encoding {other:?}")),
    };
    result
        .map(|_| out)
        .map_err(|e| format!("cannot decompress {encoding} body: {e}"))
}

fn decode(format: Format, raw: &[u8]) -> Result<ExportTraceServiceRequest, String> {
    match format {
        Format::Protobuf => ExportTraceServiceRequest::decode(raw)
            .map_err(|e| format!("invalid protobuf ExportTraceServiceRequest: {e}")),
        Format::Json => serde_json::from_slice(raw)
            .map_err(|e| format!("invalid OTLP/JSON ExportTraceServiceRequest: {e}")),
    }
}

/// An error answer whose body is a `google.rpc.Status` in the request's format,
/// as the OTLP spec asks.
fn error(status: StatusCode, grpc_code: i32, message: &str, format: Format) -> Response {
    let body = match format {
        Format::Protobuf => tonic_types::pb::Status {
            code: grpc_code,
            message: message.to_owned(),
            details: Vec::new(),
        }
        .encode_to_vec(),
        Format::Json => serde_json::json!({ "code": grpc_code, "message": message })
            .to_string()
            .into_bytes(),
    };
    (status, [(CONTENT_TYPE, format.content_type())], body).into_response()
}

/// Seconds for a `Retry-After` header, rounded up.
fn retry_after_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

async fn fault_response(fault: &Fault, format: Format) -> Response {
    let (status, code, retry_after) = match fault {
        Fault::Unavailable { retry_after } => (StatusCode::SERVICE_UNAVAILABLE, 14, *retry_after),
        Fault::TooManyRequests { retry_after } => (StatusCode::TOO_MANY_REQUESTS, 8, *retry_after),
        Fault::BadRequest => (StatusCode::BAD_REQUEST, 3, None),
        // Connection-level faults never reach a handler; treat them as a hang.
        Fault::Hang | Fault::Blackhole | Fault::CloseMidRequest => {
            return std::future::pending().await;
        }
    };
    let mut resp = error(status, code, "fault injected by the test receiver", format);
    if let Some(after) = retry_after {
        resp.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs(after)));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::ZERO), 0);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
    }

    #[test]
    fn content_type_parsing() {
        let mut h = HeaderMap::new();
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert_eq!(Format::from_headers(&h), Ok(Format::Json));
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-protobuf"),
        );
        assert_eq!(Format::from_headers(&h), Ok(Format::Protobuf));
        h.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(Format::from_headers(&h).is_err());
    }
}
