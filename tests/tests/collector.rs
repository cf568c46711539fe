//! SDK → Rotel (a third-party OTLP collector) → our receiver, the way users
//! deploy: over gRPC and over HTTP.

mod common;

use aios_tracing::{Protocol, SpanKind, TracingSdk};
use aios_tracing_tests::{AttrValue, Rotel, SpansExt};
use common::{transport, Setup, WAIT};
use std::time::Duration;

fn through_rotel(protocol: Protocol) {
    // The backend speaks gRPC whatever the SDK speaks to Rotel.
    let backend = Setup::new(Protocol::Grpc);
    let rotel = Rotel::start(transport(protocol), backend.rx())
        .expect("rotel starts (scripts/test-all installs it)");
    let endpoint = if protocol == Protocol::Grpc {
        rotel.grpc_endpoint()
    } else {
        rotel.http_endpoint()
    };
    let fx = backend.init_from(|_| {
        TracingSdk::builder("via-collector")
            .environment(std::iter::empty::<(String, String)>())
            .otlp_protocol(protocol)
            .otlp_endpoint(endpoint)
            .resource_attributes([("service.version", "1.4.0")])
            .scheduled_delay(Duration::from_millis(100))
    });
    let sdk = fx.sdk();
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
    fx.shutdown();
    let spans = fx.rx().wait_for_spans(2, WAIT * 3);
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
