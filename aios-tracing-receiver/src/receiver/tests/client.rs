//! Tiny OTLP clients for the receiver's tests: gRPC through the generated
//! `TraceServiceClient`, HTTP/1.1 and h2c through hyper.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use tonic::transport::Channel;

/// A gRPC client for `endpoint` (gzip-compressed requests).
pub(super) async fn grpc_client(endpoint: String) -> TraceServiceClient<Channel> {
    let channel = tonic::transport::Endpoint::from_shared(endpoint)
        .expect("endpoint")
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(5))
        .connect()
        .await
        .expect("connect");
    TraceServiceClient::new(channel).send_compressed(tonic::codec::CompressionEncoding::Gzip)
}

/// What an HTTP answer looked like.
#[derive(Debug)]
pub(super) struct HttpAnswer {
    pub status: StatusCode,
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
pub(super) fn http_send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> impl Future<Output = Result<HttpAnswer, String>> + Send + 'static {
    http_send_with(false, method, url, headers, body)
}

/// Like [`http_send`], over HTTP/2 with prior knowledge (h2c) when `http2`.
pub(super) fn http_send_with(
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
pub(super) fn http_post(
    url: &str,
    content_type: &str,
    body: Vec<u8>,
) -> impl Future<Output = Result<HttpAnswer, String>> + Send + 'static {
    http_send("POST", url, &[("content-type", content_type)], body)
}

/// `data`, gzip-compressed (the receiver only ever decompresses).
pub(super) fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}
