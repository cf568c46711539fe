//! SDK → Rotel (a third-party OTLP collector) → our receiver, the way users
//! deploy: over gRPC and over HTTP.

mod common;

use aios_tracing::{Protocol, SpanKind, TracingSdk};
use aios_tracing_tests::{AttrValue, OtlpReceiver, Rotel, SpansExt, Transport};
use common::{serial, WAIT};
use std::time::Duration;

fn through_rotel(protocol: Protocol) {
    let _serial = serial();
    let backend = OtlpReceiver::start(Transport::Grpc).unwrap();
    let transport = if protocol == Protocol::Grpc {
        Transport::Grpc
    } else {
        Transport::Http
    };
    let rotel = Rotel::start(transport, &backend).expect("rotel starts (installed by .ci/run)");
    let endpoint = if protocol == Protocol::Grpc {
        rotel.grpc_endpoint()
    } else {
        rotel.http_endpoint()
    };
    let sdk = TracingSdk::builder("via-collector")
        .environment(std::iter::empty::<(String, String)>())
        .otlp_protocol(protocol)
        .otlp_endpoint(endpoint)
        .resource_attributes([("service.version", "1.4.0")])
        .scheduled_delay(Duration::from_millis(100))
        .init()
        .unwrap();
    {
        let root = sdk
            .span("checkout")
            .kind(SpanKind::Server)
            .attribute("cart.items", 3)
            .entered();
        let _child = sdk
            .span("fetch_user")
            .attribute("db.table", "users")
            .entered();
        root.add_event("payment.started", [("currency", "INR")]);
    }
    sdk.shutdown().unwrap();
    let spans = backend.wait_for_spans(2, WAIT * 3);
    assert_eq!(spans.len(), 2, "rotel log:\n{}", rotel.log());
    let root = spans.one("checkout");
    let child = spans.one("fetch_user");
    assert_eq!(child.parent_span_id.as_deref(), Some(root.span_id.as_str()));
    assert_eq!(root.kind_name(), "server");
    assert_eq!(root.attr("cart.items"), Some(&AttrValue::Int(3)));
    assert!(root.event("payment.started").is_some());
    assert_eq!(
        root.resource_attr("service.name")
            .and_then(AttrValue::as_str),
        Some("via-collector")
    );
    assert_eq!(
        root.resource_attr("service.version")
            .and_then(AttrValue::as_str),
        Some("1.4.0")
    );
}

#[test]
fn grpc_through_rotel_reaches_the_backend() {
    through_rotel(Protocol::Grpc);
}

#[test]
fn http_through_rotel_reaches_the_backend() {
    through_rotel(Protocol::HttpProtobuf);
}
