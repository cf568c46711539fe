//! The receiver's own tests (and the Rotel relay helper's): hand-built
//! requests sent by small clients, checked against what it recorded and
//! answered.

mod client;
mod sample;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use tonic_types::StatusExt;

use super::http::TRACES_PATH;
use super::{OtlpReceiver, Transport};
use crate::{AttrValue, Fault, Rotel, SpansExt, StatusCode};
use client::{grpc_client, gzip, http_post, http_send, http_send_with};
use sample::{assert_sample_spans, sample_request, SPEC_JSON};

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn grpc_export_is_recorded() {
    let rx = OtlpReceiver::start(Transport::Grpc).unwrap();
    assert!(rx.endpoint().starts_with("http://127.0.0.1:"));
    let mut client = grpc_client(rx.endpoint()).await;
    let mut request = tonic::Request::new(sample_request());
    request
        .metadata_mut()
        .insert("x-api-key", "secret".parse().unwrap());
    let response = client.export(request).await.expect("export");
    assert_eq!(response.into_inner().partial_success, None);

    let spans = rx.wait_for_spans_async(2, WAIT).await;
    assert_sample_spans(&spans, Transport::Grpc);
    let requests = rx.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("X-Api-Key"), Some("secret"));
    assert_eq!(requests[0].header("grpc-encoding"), Some("gzip"));
    assert_eq!(
        requests[0].content_type.as_deref(),
        Some("application/grpc")
    );
    assert_eq!((rx.request_count(), rx.rejected_count()), (1, 0));
}

#[tokio::test]
async fn http_protobuf_and_gzip_are_recorded() {
    let rx = OtlpReceiver::start(Transport::Http).unwrap();
    let body = sample_request().encode_to_vec();
    let answer = http_post(&rx.traces_url(), "application/x-protobuf", body.clone())
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        Some("application/x-protobuf")
    );
    ExportTraceServiceResponse::decode(answer.body).expect("protobuf response");
    assert_sample_spans(&rx.wait_for_spans(2, WAIT), Transport::Http);

    let gzipped = http_send(
        "POST",
        &rx.traces_url(),
        &[
            ("content-type", "application/x-protobuf"),
            ("content-encoding", "gzip"),
        ],
        gzip(&body),
    )
    .await
    .unwrap();
    assert_eq!(gzipped.status, 200);
    assert_eq!(rx.wait_for_spans(4, WAIT).len(), 4);
    assert_eq!(rx.requests()[1].header("content-encoding"), Some("gzip"));

    // HTTP/2 with prior knowledge (h2c) works too.
    let h2 = http_send_with(
        true,
        "POST",
        &rx.traces_url(),
        &[("content-type", "application/x-protobuf")],
        body,
    )
    .await
    .unwrap();
    assert_eq!(h2.status, 200);
    assert_eq!(rx.wait_for_spans(6, WAIT).len(), 6);
}

#[tokio::test]
async fn http_json_follows_the_otlp_json_mapping() {
    let rx = OtlpReceiver::start(Transport::Http).unwrap();
    let answer = http_post(&rx.traces_url(), "application/json", SPEC_JSON.into())
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{:?}", rx.decode_errors());
    assert_eq!(answer.header("content-type"), Some("application/json"));
    serde_json::from_slice::<serde_json::Value>(&answer.body).expect("json response");

    let spans = rx.wait_for_spans(2, WAIT);
    let server = spans.one("I'm a server span");
    assert_eq!(server.trace_id, "5b8efff798038103d269b633813fc60c");
    assert_eq!(server.span_id, "eee19b7ec3c1b174");
    assert_eq!(server.parent_span_id.as_deref(), Some("eee19b7ec3c1b173"));
    assert_eq!(server.kind_name(), "server");
    assert_eq!(server.start_unix_nanos, 1_544_712_660_000_000_000);
    assert_eq!(
        server.attr("my.span.attr").and_then(AttrValue::as_str),
        Some("some value")
    );
    assert_eq!(server.attr("n"), Some(&AttrValue::Int(7)));
    assert_eq!(server.attr("f"), Some(&AttrValue::Double(0.25)));
    assert_eq!(server.status.code, StatusCode::Error);
    assert_eq!(
        server
            .resource_attr("service.name")
            .and_then(AttrValue::as_str),
        Some("my.service")
    );
    assert_eq!(server.scope_name, "my.library");
    let root = spans.one("root");
    assert_eq!(root.parent_span_id, None);
    assert_eq!(root.kind_name(), "internal");
    assert_eq!(spans.children_of(root).len(), 1);

    // The JSON our own proto types produce is accepted too.
    let ours = serde_json::to_vec(&sample_request()).unwrap();
    let answer = http_post(&rx.traces_url(), "application/json", ours)
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{:?}", rx.decode_errors());
    assert_eq!(rx.wait_for_spans(4, WAIT).len(), 4);
}

#[tokio::test]
async fn http_rejects_what_is_not_otlp() {
    let rx = OtlpReceiver::start(Transport::Http).unwrap();
    let base = rx.endpoint();
    let wrong_path = http_post(
        &format!("{base}/v1/metricz"),
        "application/x-protobuf",
        vec![],
    );
    assert_eq!(wrong_path.await.unwrap().status, 404);
    let get = http_send("GET", &rx.traces_url(), &[], vec![])
        .await
        .unwrap();
    assert_eq!(get.status, 405);
    let text = http_post(&rx.traces_url(), "text/plain", b"hi".to_vec())
        .await
        .unwrap();
    assert_eq!(text.status, 415);
    let garbage = http_post(&rx.traces_url(), "application/x-protobuf", vec![0xff; 7]);
    let garbage = garbage.await.unwrap();
    assert_eq!(garbage.status, 400);
    let status = tonic_types::pb::Status::decode(garbage.body).expect("google.rpc.Status body");
    assert_eq!(status.code, 3);
    let bad_json = http_post(
        &rx.traces_url(),
        "application/json",
        b"{\"resourceSpans\": 1}".to_vec(),
    );
    assert_eq!(bad_json.await.unwrap().status, 400);
    assert_eq!(rx.rejected_count(), 3);
    assert_eq!(rx.decode_errors().len(), 3);
    assert_eq!(rx.span_count(), 0);
}

#[tokio::test]
async fn http_503_for_the_first_two_then_ok() {
    let rx = OtlpReceiver::builder(Transport::Http)
        .fail_first(
            2,
            Fault::Unavailable {
                retry_after: Some(Duration::from_millis(1500)),
            },
        )
        .start()
        .unwrap();
    let body = sample_request().encode_to_vec();
    for _ in 0..2 {
        let answer = http_post(&rx.traces_url(), "application/x-protobuf", body.clone());
        let answer = answer.await.unwrap();
        assert_eq!(answer.status, 503);
        assert_eq!(answer.header("retry-after"), Some("2"));
    }
    assert_eq!(rx.span_count(), 0, "rejected spans must not be recorded");
    let ok = http_post(&rx.traces_url(), "application/x-protobuf", body)
        .await
        .unwrap();
    assert_eq!(ok.status, 200);
    assert_eq!(rx.wait_for_spans(2, WAIT).len(), 2);
    assert_eq!(
        (rx.rejected_count(), rx.request_count(), rx.attempt_count()),
        (2, 1, 3)
    );
}

#[tokio::test]
async fn grpc_faults_carry_codes_and_retry_info() {
    let rx = OtlpReceiver::builder(Transport::Grpc)
        .fail_first(
            1,
            Fault::Unavailable {
                retry_after: Some(Duration::from_secs(3)),
            },
        )
        .delay(Duration::from_millis(50))
        .start()
        .unwrap();
    let mut client = grpc_client(rx.endpoint()).await;
    let started = Instant::now();
    let err = client.export(sample_request()).await.unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert_eq!(err.code(), tonic::Code::Unavailable);
    let retry = err.get_details_retry_info().expect("RetryInfo");
    assert_eq!(retry.retry_delay, Some(Duration::from_secs(3)));
    client
        .export(sample_request())
        .await
        .expect("second attempt");
    assert_eq!(rx.wait_for_spans(2, WAIT).len(), 2);

    let bad = OtlpReceiver::builder(Transport::Grpc)
        .fail_always(Fault::BadRequest)
        .start()
        .unwrap();
    let mut client = grpc_client(bad.endpoint()).await;
    for _ in 0..2 {
        let err = client.export(sample_request()).await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
    }
    assert_eq!((bad.rejected_count(), bad.span_count()), (2, 0));
}

#[tokio::test]
async fn connection_faults_and_hangs() {
    let body = sample_request().encode_to_vec();

    let closing = OtlpReceiver::builder(Transport::Http)
        .fail_first(1, Fault::CloseMidRequest)
        .start()
        .unwrap();
    let first = http_post(
        &closing.traces_url(),
        "application/x-protobuf",
        body.clone(),
    )
    .await;
    assert!(first.is_err(), "{first:?}");
    let second = http_post(
        &closing.traces_url(),
        "application/x-protobuf",
        body.clone(),
    );
    assert_eq!(second.await.unwrap().status, 200);
    assert_eq!((closing.rejected_count(), closing.span_count()), (1, 2));

    for fault in [Fault::Hang, Fault::Blackhole] {
        let mut rx = OtlpReceiver::builder(Transport::Http)
            .fail_always(fault.clone())
            .start()
            .unwrap();
        let call = http_post(&rx.traces_url(), "application/x-protobuf", body.clone());
        let timed_out = tokio::time::timeout(Duration::from_millis(300), call).await;
        assert!(timed_out.is_err(), "{fault:?} answered: {timed_out:?}");
        let stopping = Instant::now();
        rx.stop();
        assert!(
            stopping.elapsed() < Duration::from_secs(2),
            "{fault:?} stop took too long"
        );
        assert_eq!((rx.rejected_count(), rx.span_count()), (1, 0));
    }
}

/// Plain `#[test]`: no runtime in the test; raw HTTP/1.1 over std sockets.
#[test]
fn restart_on_the_same_port() {
    fn post_raw(addr: std::net::SocketAddr) -> std::io::Result<String> {
        let body = sample_request().encode_to_vec();
        let mut conn = std::net::TcpStream::connect(addr)?;
        conn.set_read_timeout(Some(WAIT))?;
        write!(
            conn,
            "POST {TRACES_PATH} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/x-protobuf\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )?;
        conn.write_all(&body)?;
        let mut answer = String::new();
        conn.read_to_string(&mut answer)?;
        Ok(answer)
    }

    let mut first = OtlpReceiver::start(Transport::Http).unwrap();
    let addr = first.addr();
    assert!(post_raw(addr).unwrap().starts_with("HTTP/1.1 200"));
    first.stop();
    assert!(!first.is_running());
    assert_eq!(first.span_count(), 2, "data stays readable after stop");
    assert!(post_raw(addr).is_err(), "nothing listens while stopped");

    let second = OtlpReceiver::start_on(Transport::Http, addr).unwrap();
    assert_eq!(second.addr(), addr);
    assert!(post_raw(addr).unwrap().starts_with("HTTP/1.1 200"));
    assert_eq!(second.wait_for_spans(2, WAIT).len(), 2);
}

#[tokio::test]
async fn relays_through_rotel() {
    let rx = OtlpReceiver::start(Transport::Grpc).unwrap();
    let rotel = Rotel::start(Transport::Grpc, &rx).unwrap_or_else(|e| panic!("{e}"));
    let mut client = grpc_client(rotel.endpoint()).await;
    client
        .export(sample_request())
        .await
        .expect("export to rotel");
    let spans = rx.wait_for_spans_async(2, Duration::from_secs(10)).await;
    assert_eq!(spans.len(), 2, "rotel log:\n{}", rotel.log());
    assert_sample_spans(&spans, Transport::Grpc);

    // Rotel exporting OTLP/HTTP, fed over its HTTP port.
    let http_rx = OtlpReceiver::start(Transport::Http).unwrap();
    let relay = Rotel::start(Transport::Http, &http_rx).unwrap_or_else(|e| panic!("{e}"));
    let url = format!("{}/v1/traces", relay.endpoint());
    let body = sample_request().encode_to_vec();
    let answer = http_post(&url, "application/x-protobuf", body)
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    let spans = http_rx
        .wait_for_spans_async(2, Duration::from_secs(10))
        .await;
    assert_eq!(spans.len(), 2, "rotel log:\n{}", relay.log());
    assert_sample_spans(&spans, Transport::Http);
}

#[test]
fn request_helpers() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<OtlpReceiver>();
    send_sync::<Rotel>();

    let rx = OtlpReceiver::start(Transport::Grpc).unwrap();
    assert_eq!(rx.traces_url(), rx.endpoint());
    assert_eq!(rx.wait_for_spans(1, Duration::from_millis(50)).len(), 0);
    assert!(format!("{rx:?}").contains("OtlpReceiver"));
    let req: ExportTraceServiceRequest = sample_request();
    assert_eq!(req.resource_spans.len(), 1);
}
