//! gzip, by the builder and by `OTEL_EXPORTER_OTLP_COMPRESSION`, over
//! gRPC, HTTP/protobuf and HTTP/JSON: the receiver decompresses and
//! decodes what arrived, and says it came compressed.

mod common;

use aios_tracing::{Compression, Protocol};
use aios_tracing_tests::SpansExt;
use common::Fixture;

/// Spans with a repetitive attribute, as real ones are.
fn export(fx: &Fixture) -> Vec<aios_tracing_tests::ReceivedSpan> {
    for i in 0..50 {
        fx.sdk()
            .span("compressed")
            .attribute("http.route", "/orders/{id}")
            .attribute("i", i)
            .start()
            .end();
    }
    fx.shutdown_and_wait(50)
}

fn gzipped(protocol: Protocol, by_env: bool) {
    let fx = Fixture::with(protocol, |builder| {
        if by_env {
            builder.environment([("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")])
        } else {
            builder.otlp_compression(Compression::Gzip)
        }
    });
    assert_eq!(fx.sdk().config().compression, Compression::Gzip);
    let spans = export(&fx);
    assert_eq!(spans.by_name("compressed").len(), 50);
    let requests = fx.rx().requests();
    let header = match protocol {
        Protocol::Grpc => "grpc-encoding",
        _ => "content-encoding",
    };
    for request in &requests {
        assert_eq!(request.header(header), Some("gzip"), "{protocol}");
    }
}

#[test]
fn grpc_requests_are_gzipped() {
    gzipped(Protocol::Grpc, false);
    gzipped(Protocol::Grpc, true);
}

#[test]
fn http_protobuf_requests_are_gzipped() {
    gzipped(Protocol::HttpProtobuf, false);
    gzipped(Protocol::HttpProtobuf, true);
}

#[test]
fn http_json_requests_are_gzipped() {
    gzipped(Protocol::HttpJson, true);
}

#[test]
fn gzip_sends_fewer_bytes_than_none() {
    let bytes = |compression| {
        let fx = Fixture::with(Protocol::HttpProtobuf, |b| b.otlp_compression(compression));
        export(&fx);
        let requests = fx.rx().requests();
        assert!(requests
            .iter()
            .all(|r| r.header("content-encoding").is_none() == (compression == Compression::None)));
        requests.iter().map(|r| r.body_len).sum::<usize>()
    };
    let (plain, gzip) = (bytes(Compression::None), bytes(Compression::Gzip));
    assert!(gzip * 2 < plain, "gzip {gzip} bytes, plain {plain}");
}
