//! The HTTP exporter honours `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY`,
//! leaves loopback alone unless told otherwise, and uses a proxy given to
//! the builder for every endpoint: checked through a real proxy the test
//! starts, forwarding to a real receiver.

mod common;

use aios_tracing::{Protocol, TracingSdk};
use aios_tracing_tests::SpansExt;
use common::proxy::Proxy;
use common::{serial, WAIT};
use std::time::Duration;

fn builder(endpoint: &str, vars: Vec<(&str, String)>) -> aios_tracing::TracingSdkBuilder {
    TracingSdk::builder("behind-a-proxy")
        .environment(vars)
        .otlp_protocol(Protocol::HttpProtobuf)
        .otlp_endpoint(endpoint)
        .scheduled_delay(Duration::from_millis(100))
}

#[test]
fn the_environment_s_proxy_reaches_a_collector_only_it_can_resolve() {
    let _serial = serial();
    let rx = common::receiver(Protocol::HttpProtobuf);
    let proxy = Proxy::start(rx.addr());
    let endpoint = format!("http://collector.invalid:{}", rx.addr().port());
    let sdk = builder(&endpoint, vec![("HTTP_PROXY", proxy.url())])
        .init()
        .unwrap();
    assert!(sdk.config().proxy.is_some());
    sdk.start_span("proxied").end();
    sdk.shutdown().expect("delivered through the proxy");
    assert_eq!(rx.wait_for_spans(1, WAIT).names(), ["proxied"]);
    let asked = proxy.asked();
    assert!(!asked.is_empty());
    assert!(
        asked
            .iter()
            .all(|a| a == &format!("collector.invalid:{}/v1/traces", rx.addr().port())),
        "{asked:?}"
    );
}

#[test]
fn the_environment_s_proxy_is_not_used_for_loopback_or_no_proxy_hosts() {
    let _serial = serial();
    let rx = common::receiver(Protocol::HttpProtobuf);
    let proxy = Proxy::start(rx.addr());
    let sdk = builder(&rx.endpoint(), vec![("http_proxy", proxy.url())])
        .init()
        .unwrap();
    sdk.start_span("direct").end();
    sdk.shutdown().unwrap();
    assert_eq!(rx.wait_for_spans(1, WAIT).names(), ["direct"]);
    assert!(proxy.asked().is_empty(), "{:?}", proxy.asked());

    let endpoint = format!("http://collector.invalid:{}", rx.addr().port());
    let sdk = builder(
        &endpoint,
        vec![
            ("HTTP_PROXY", proxy.url()),
            ("NO_PROXY", "collector.invalid".into()),
        ],
    )
    .shutdown_timeout(Duration::from_secs(2))
    .export_timeout(Duration::from_millis(500))
    .init()
    .unwrap();
    sdk.start_span("unreachable").end();
    let _ = sdk.shutdown();
    assert!(
        proxy.asked().is_empty(),
        "NO_PROXY named the host: {:?}",
        proxy.asked()
    );
    assert_eq!(sdk.stats().dropped, 1);
}

#[test]
fn a_proxy_given_to_the_builder_is_used_for_loopback_too() {
    let _serial = serial();
    let rx = common::receiver(Protocol::HttpProtobuf);
    let proxy = Proxy::start(rx.addr());
    let sdk = builder(&rx.endpoint(), Vec::new())
        .otlp_proxy(proxy.url())
        .init()
        .unwrap();
    sdk.start_span("via-builder-proxy").end();
    sdk.shutdown().unwrap();
    assert_eq!(rx.wait_for_spans(1, WAIT).names(), ["via-builder-proxy"]);
    assert_eq!(proxy.asked().len(), rx.requests().len());
}

#[test]
fn a_bad_proxy_url_is_a_warning_from_the_environment_and_an_error_from_the_builder() {
    let _serial = serial();
    let config = builder(
        "http://collector:4318",
        vec![
            ("HTTPS_PROXY", "::nonsense".into()),
            ("HTTP_PROXY", "::nonsense".into()),
        ],
    )
    .resolve()
    .unwrap();
    assert_eq!(config.proxy, None);
    assert_eq!(config.warnings()[0].setting, "HTTP_PROXY");
    let error = builder("http://collector:4318", Vec::new())
        .otlp_proxy("::nonsense")
        .resolve()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("otlp_proxy") && error.contains("::nonsense"),
        "{error}"
    );
}
