//! Helpers for the receiver's own tests: a hand-built request and tiny clients.

#![allow(dead_code)]

use aios_tracing_tests::opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use aios_tracing_tests::opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use aios_tracing_tests::opentelemetry_proto::tonic::common::v1::{
    any_value::Value, AnyValue, ArrayValue, InstrumentationScope, KeyValue,
};
use aios_tracing_tests::opentelemetry_proto::tonic::resource::v1::Resource;
use aios_tracing_tests::opentelemetry_proto::tonic::trace::v1::span::{Event, Link, SpanKind};
use aios_tracing_tests::opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use aios_tracing_tests::opentelemetry_proto::tonic::trace::v1::{
    ResourceSpans, ScopeSpans, Span, Status,
};
use std::future::Future;

use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode as HttpStatus};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tonic::transport::Channel;

pub const TRACE_ID: [u8; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0xff];
pub const TRACE_ID_HEX: &str = "0102030405060708090a0b0c0d0e0fff";
pub const ROOT_ID: [u8; 8] = [0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8];
pub const ROOT_ID_HEX: &str = "a1a2a3a4a5a6a7a8";
pub const CHILD_ID: [u8; 8] = [0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8];
pub const CHILD_ID_HEX: &str = "b1b2b3b4b5b6b7b8";

pub fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

fn s(v: &str) -> Value {
    Value::StringValue(v.to_owned())
}

/// One resource, one scope, a root span (server, with typed attributes and an
/// event) and its child (client, error status, with a link).
pub fn sample_request() -> ExportTraceServiceRequest {
    let root = Span {
        trace_id: TRACE_ID.to_vec(),
        span_id: ROOT_ID.to_vec(),
        name: "root".into(),
        kind: SpanKind::Server as i32,
        start_time_unix_nano: 1_000,
        end_time_unix_nano: 5_000,
        flags: 0x101,
        attributes: vec![
            kv("s", s("text")),
            kv("i", Value::IntValue(-42)),
            kv("d", Value::DoubleValue(1.5)),
            kv("b", Value::BoolValue(true)),
            kv(
                "arr",
                Value::ArrayValue(ArrayValue {
                    values: vec![
                        AnyValue {
                            value: Some(s("x")),
                        },
                        AnyValue {
                            value: Some(s("y")),
                        },
                    ],
                }),
            ),
        ],
        events: vec![Event {
            time_unix_nano: 2_000,
            name: "cache.miss".into(),
            attributes: vec![kv("key", s("k1"))],
            dropped_attributes_count: 0,
        }],
        ..Default::default()
    };
    let child = Span {
        trace_id: TRACE_ID.to_vec(),
        span_id: CHILD_ID.to_vec(),
        parent_span_id: ROOT_ID.to_vec(),
        name: "child".into(),
        kind: SpanKind::Client as i32,
        start_time_unix_nano: 2_000,
        end_time_unix_nano: 3_000,
        dropped_attributes_count: 3,
        links: vec![Link {
            trace_id: [0xee; 16].to_vec(),
            span_id: [0xdd; 8].to_vec(),
            attributes: vec![kv("why", s("batch"))],
            ..Default::default()
        }],
        status: Some(Status {
            code: StatusCode::Error as i32,
            message: "boom".into(),
        }),
        ..Default::default()
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv("service.name", s("svc"))],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "lib".into(),
                    version: "1.2.3".into(),
                    ..Default::default()
                }),
                spans: vec![root, child],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

/// The OTLP/JSON spec example (uppercase hex ids, string timestamps, enum ints,
/// an `intValue` as a string) plus a root span with an empty parent id.
pub const SPEC_JSON: &str = r#"{
  "resourceSpans": [{
    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "my.service"}}]},
    "scopeSpans": [{
      "scope": {"name": "my.library", "version": "1.0.0"},
      "spans": [
        {
          "traceId": "5B8EFFF798038103D269B633813FC60C",
          "spanId": "EEE19B7EC3C1B174",
          "parentSpanId": "EEE19B7EC3C1B173",
          "name": "I'm a server span",
          "startTimeUnixNano": "1544712660000000000",
          "endTimeUnixNano": "1544712661000000000",
          "kind": 2,
          "attributes": [
            {"key": "my.span.attr", "value": {"stringValue": "some value"}},
            {"key": "n", "value": {"intValue": "7"}},
            {"key": "f", "value": {"doubleValue": 0.25}}
          ],
          "status": {"code": 2, "message": "bad"}
        },
        {
          "traceId": "5b8efff798038103d269b633813fc60c",
          "spanId": "eee19b7ec3c1b173",
          "parentSpanId": "",
          "name": "root",
          "startTimeUnixNano": 1544712659000000000,
          "endTimeUnixNano": 1544712662000000000,
          "kind": 1
        }
      ]
    }]
  }]
}"#;

/// A gRPC client for `endpoint` (gzip-compressed requests).
pub async fn grpc_client(endpoint: String) -> TraceServiceClient<Channel> {
    let channel = tonic::transport::Endpoint::from_shared(endpoint)
        .expect("endpoint")
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .expect("connect");
    TraceServiceClient::new(channel).send_compressed(tonic::codec::CompressionEncoding::Gzip)
}

/// What an HTTP answer looked like.
#[derive(Debug)]
pub struct HttpAnswer {
    pub status: HttpStatus,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl HttpAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// One HTTP/1.1 request; `Err` for transport failures. The future owns its
/// inputs.
pub fn http_send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> impl Future<Output = Result<HttpAnswer, String>> + Send + 'static {
    http_send_with(false, method, url, headers, body)
}

/// Like [`http_send`], over HTTP/2 with prior knowledge (h2c) when `http2`.
pub fn http_send_with(
    http2: bool,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> impl Future<Output = Result<HttpAnswer, String>> + Send + 'static {
    let mut req = Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Full::new(Bytes::from(body)));
    async move {
        let req = req.map_err(|e| e.to_string())?;
        let client = Client::builder(TokioExecutor::new())
            .http2_only(http2)
            .build_http::<Full<Bytes>>();
        let resp = client.request(req).await.map_err(|e| format!("{e:?}"))?;
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok(HttpAnswer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }
}

/// `POST` to an OTLP/HTTP traces URL.
pub fn http_post(
    url: &str,
    content_type: &str,
    body: Vec<u8>,
) -> impl Future<Output = Result<HttpAnswer, String>> + Send + 'static {
    http_send("POST", url, &[("content-type", content_type)], body)
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}
