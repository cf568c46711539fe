//! The detected resource reaches the collector: each detector's attributes
//! arrive on the exported spans' resource, configured values win over
//! detected ones, and a detector switched off adds nothing.

mod common;

use aios_tracing::{Protocol, ResourceDetectors};
use aios_tracing_tests::{AttrValue, ReceivedSpan, SpansExt};
use common::Fixture;

fn resource_str<'a>(span: &'a ReceivedSpan, key: &str) -> Option<&'a str> {
    span.resource_attr(key).and_then(AttrValue::as_str)
}

fn export_one(
    protocol: Protocol,
    customise: impl FnOnce(aios_tracing::TracingSdkBuilder) -> aios_tracing::TracingSdkBuilder,
) -> ReceivedSpan {
    let fx = Fixture::with(protocol, customise);
    fx.sdk().start_span("work").end();
    fx.shutdown_and_wait(1).one("work").clone()
}

#[test]
fn every_detector_reaches_the_collector() {
    let span = export_one(Protocol::Grpc, |b| {
        b.service_version("2.1.0").environment([
            ("K8S_POD_NAME", "orders-7d9f"),
            ("K8S_POD_UID", "5f0c2a9e-0000-4000-8000-000000000002"),
            ("K8S_NAMESPACE_NAME", "shop"),
            ("K8S_NODE_NAME", "node-a"),
        ])
    });
    let instance = resource_str(&span, "service.instance.id").expect("service.instance.id");
    assert_eq!(instance.len(), 36, "a UUID: {instance}");
    assert_eq!(resource_str(&span, "service.version"), Some("2.1.0"));
    assert!(resource_str(&span, "host.name").is_some_and(|n| !n.is_empty()));
    assert!(resource_str(&span, "host.arch").is_some());
    assert_eq!(resource_str(&span, "os.type"), Some(expected_os_type()));
    assert_eq!(
        span.resource_attr("process.pid")
            .and_then(AttrValue::as_i64),
        Some(i64::from(std::process::id()))
    );
    let exe = std::env::current_exe().unwrap();
    assert_eq!(
        resource_str(&span, "process.executable.name"),
        exe.file_name().and_then(|n| n.to_str())
    );
    assert_eq!(resource_str(&span, "process.runtime.name"), Some("rustc"));
    assert!(resource_str(&span, "process.runtime.version").is_some());
    assert_eq!(resource_str(&span, "k8s.pod.name"), Some("orders-7d9f"));
    assert_eq!(
        resource_str(&span, "k8s.pod.uid"),
        Some("5f0c2a9e-0000-4000-8000-000000000002")
    );
    assert_eq!(resource_str(&span, "k8s.namespace.name"), Some("shop"));
    assert_eq!(resource_str(&span, "k8s.node.name"), Some("node-a"));
}

#[test]
fn the_environment_and_the_builder_win_over_detection() {
    let span = export_one(Protocol::HttpProtobuf, |b| {
        b.environment([
            ("K8S_POD_NAME", "detected"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "k8s.pod.name=from-env,host.name=from-env,service.version=0.9",
            ),
        ])
        .resource_attributes([("host.name", "from-builder")])
    });
    assert_eq!(resource_str(&span, "k8s.pod.name"), Some("from-env"));
    assert_eq!(resource_str(&span, "host.name"), Some("from-builder"));
    assert_eq!(resource_str(&span, "service.version"), Some("0.9"));
}

#[test]
fn detectors_can_be_switched_off() {
    let span = export_one(Protocol::Grpc, |b| {
        b.resource_detectors(ResourceDetectors::all().host(false).process(false))
    });
    assert!(resource_str(&span, "os.type").is_some());
    assert!(resource_str(&span, "service.instance.id").is_some());
    for key in [
        "host.name",
        "host.arch",
        "process.pid",
        "process.runtime.name",
    ] {
        assert!(span.resource_attr(key).is_none(), "{key} was detected");
    }

    let span = export_one(Protocol::Grpc, |b| {
        b.environment([("AIOS_TRACING_RESOURCE_DETECTORS", "none")])
    });
    for key in ["service.instance.id", "os.type", "host.name"] {
        assert!(span.resource_attr(key).is_none(), "{key} was detected");
    }
    assert_eq!(resource_str(&span, "service.name"), Some("orders-api"));
}

fn expected_os_type() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    }
}
