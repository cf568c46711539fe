//! Every setting by builder and by environment, with the documented
//! precedence, and every bad input as a `ConfigError` naming the setting.

mod common;

use aios_tracing::{ConfigError, Protocol, TracingSdk, TracingSdkBuilder};
use aios_tracing_tests::{AttrValue, SpansExt};
use common::{serial, Setup};

fn with_env(vars: &[(&str, &str)]) -> TracingSdkBuilder {
    TracingSdk::builder("svc").environment(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

/// `with_env`, reading the standard variables strictly: their unusable
/// values are errors, as the crate's own are.
fn strict(vars: &[(&str, &str)]) -> TracingSdkBuilder {
    with_env(vars).strict_env(true)
}

fn error(builder: TracingSdkBuilder) -> String {
    builder.resolve().expect_err("must be rejected").to_string()
}

#[test]
fn defaults_match_the_design_table() {
    let c = with_env(&[]).resolve().unwrap();
    assert_eq!(c.service_name, "svc");
    assert_eq!(c.deployment_env, "dev");
    assert_eq!(c.protocol, Protocol::Grpc);
    assert_eq!(c.endpoint.to_string(), "http://localhost:4317/");
    assert!(c.insecure);
    assert!(c.headers.is_empty());
    assert_eq!(c.sampling_ratio, 1.0);
    assert!(c.use_batch && !c.console && c.otlp && c.logging_correlation && !c.disabled);
    assert!(c.propagation.trace_context && c.propagation.baggage && !c.propagation.b3_single);
    let http = with_env(&[])
        .otlp_protocol(Protocol::HttpProtobuf)
        .resolve()
        .unwrap();
    assert_eq!(http.endpoint.to_string(), "http://localhost:4318/v1/traces");
}

#[test]
fn builder_beats_seed_env_beats_otel_env_beats_default() {
    let all = [
        ("OTLP_ENDPOINT", "seed:4317"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel:4317"),
        ("OTLP_PROTOCOL", "http/json"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("DEPLOYMENT_ENV", "staging"),
        ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
        ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=env"),
        ("OTEL_PROPAGATORS", "b3multi"),
        ("OTEL_RESOURCE_ATTRIBUTES", "region=eu,service.version=0.9"),
        ("OTEL_EXPORTER_OTLP_INSECURE", "false"),
        ("AIOS_TRACING_CONSOLE", "1"),
    ];
    let from_env = with_env(&all).resolve().unwrap();
    assert_eq!(from_env.endpoint.to_string(), "https://seed:4317/v1/traces");
    assert_eq!(from_env.protocol, Protocol::HttpJson);
    assert_eq!(from_env.deployment_env, "staging");
    assert_eq!(from_env.sampling_ratio, 0.25);
    assert_eq!(from_env.headers[0].0.as_str(), "x-tenant");
    assert_eq!(from_env.headers[0].1, "env");
    assert!(from_env.propagation.b3_multi && !from_env.propagation.trace_context);
    assert!(!from_env.insecure);
    assert!(from_env.console);
    let resource: Vec<String> = from_env
        .resource_attributes
        .iter()
        .map(|kv| format!("{}={}", kv.key, kv.value))
        .collect();
    assert!(resource.contains(&"region=eu".to_string()), "{resource:?}");

    let without_seed: Vec<_> = all
        .iter()
        .filter(|(k, _)| !k.starts_with("OTLP_"))
        .copied()
        .collect();
    let otel = with_env(&without_seed).resolve().unwrap();
    assert_eq!(otel.endpoint.to_string(), "http://otel:4317/");
    assert_eq!(otel.protocol, Protocol::Grpc);

    let builder = with_env(&all)
        .otlp_protocol(Protocol::Grpc)
        .otlp_endpoint("builder:4317")
        .otlp_insecure(true)
        .deployment_env("prod")
        .sampling_ratio(0.5)
        .otlp_headers([("x-tenant", "builder")])
        .use_b3_propagation(false)
        .resource_attributes([("service.version", "1.4.0")])
        .enable_console_exporter(false)
        .resolve()
        .unwrap();
    assert_eq!(builder.endpoint.to_string(), "http://builder:4317/");
    assert_eq!(builder.protocol, Protocol::Grpc);
    assert_eq!(builder.deployment_env, "prod");
    assert_eq!(builder.sampling_ratio, 0.5);
    assert_eq!(builder.headers.len(), 1);
    assert_eq!(builder.headers[0].1, "builder");
    assert!(builder.propagation.trace_context && !builder.propagation.b3_multi);
    assert!(!builder.console);
    let version = builder
        .resource_attributes
        .iter()
        .find(|kv| kv.key.as_str() == "service.version")
        .unwrap();
    assert_eq!(version.value.as_str(), "1.4.0");
}

#[test]
fn traces_endpoint_is_used_verbatim_for_http() {
    let c = with_env(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://c:4318/custom/path",
        ),
    ])
    .resolve()
    .unwrap();
    assert_eq!(c.endpoint.to_string(), "http://c:4318/custom/path");
}

#[test]
fn every_bad_input_is_a_config_error_naming_setting_and_value() {
    let cases: Vec<(TracingSdkBuilder, &[&str])> = vec![
        (
            TracingSdk::builder("  ").environment(std::iter::empty::<(String, String)>()),
            &["service_name", "\"  \""],
        ),
        (
            with_env(&[]).sampling_ratio(1.5),
            &["sampling_ratio", "\"1.5\"", "0.0..=1.0"],
        ),
        (
            with_env(&[]).sampling_ratio(-0.1),
            &["sampling_ratio", "\"-0.1\""],
        ),
        (
            with_env(&[]).sampling_ratio(f64::NAN),
            &["sampling_ratio", "\"NaN\""],
        ),
        (
            strict(&[
                ("OTEL_TRACES_SAMPLER", "traceidratio"),
                ("OTEL_TRACES_SAMPLER_ARG", "abc"),
            ]),
            &["OTEL_TRACES_SAMPLER_ARG", "\"abc\""],
        ),
        (
            with_env(&[("OTLP_PROTOCOL", "carrier-pigeon")]),
            &["OTLP_PROTOCOL", "\"carrier-pigeon\"", "grpc"],
        ),
        (
            strict(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "udp")]),
            &["OTEL_EXPORTER_OTLP_PROTOCOL", "\"udp\""],
        ),
        (
            with_env(&[]).otlp_endpoint("http://"),
            &["otlp_endpoint", "\"http://\""],
        ),
        (
            with_env(&[("OTLP_ENDPOINT", "ftp://c:21")]),
            &["OTLP_ENDPOINT", "\"ftp://c:21\""],
        ),
        (
            strict(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url")]),
            &["OTEL_EXPORTER_OTLP_ENDPOINT", "\"not a url\""],
        ),
        (
            strict(&[("OTEL_EXPORTER_OTLP_HEADERS", "novalue")]),
            &["OTEL_EXPORTER_OTLP_HEADERS", "key=value"],
        ),
        (
            strict(&[("OTEL_EXPORTER_OTLP_HEADERS", "k=%zz")]),
            &["OTEL_EXPORTER_OTLP_HEADERS", "percent"],
        ),
        (
            with_env(&[]).otlp_headers([("bad name", "v")]),
            &["otlp_headers", "\"bad name\""],
        ),
        (
            with_env(&[]).otlp_headers([("x-key", "line\nbreak")]),
            &["otlp_headers", "x-key=<redacted>", "byte 4"],
        ),
        (
            strict(&[("OTEL_PROPAGATORS", "xray")]),
            &["OTEL_PROPAGATORS", "\"xray\""],
        ),
        (
            strict(&[("OTEL_SDK_DISABLED", "perhaps")]),
            &["OTEL_SDK_DISABLED", "\"perhaps\""],
        ),
        (
            strict(&[("OTEL_EXPORTER_OTLP_INSECURE", "nah")]),
            &["OTEL_EXPORTER_OTLP_INSECURE", "\"nah\""],
        ),
        (
            strict(&[("OTEL_RESOURCE_ATTRIBUTES", "region")]),
            &["OTEL_RESOURCE_ATTRIBUTES", "\"region\""],
        ),
        (
            strict(&[("OTEL_BSP_MAX_QUEUE_SIZE", "lots")]),
            &["OTEL_BSP_MAX_QUEUE_SIZE", "\"lots\""],
        ),
        (
            strict(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "10s")]),
            &["OTEL_EXPORTER_OTLP_TIMEOUT", "\"10s\""],
        ),
        (
            strict(&[("OTEL_TRACES_EXPORTER", "zipkin")]),
            &["OTEL_TRACES_EXPORTER", "\"zipkin\""],
        ),
        (
            with_env(&[]).max_queue_size(0),
            &["max_queue_size", "\"0\""],
        ),
    ];
    for (builder, needles) in cases {
        let message = error(builder);
        for needle in needles {
            assert!(
                message.contains(needle),
                "{message:?} should mention {needle}"
            );
        }
    }
}

#[test]
fn secrets_stay_out_of_errors_and_debug_output() {
    let message = error(strict(&[(
        "OTEL_EXPORTER_OTLP_HEADERS",
        "authorization=Bearer%20t0ps3cret,broken",
    )]));
    assert!(!message.contains("t0ps3cret"), "{message}");
    let builder = with_env(&[]).otlp_headers([("authorization", "Bearer t0ps3cret")]);
    assert!(!format!("{builder:?}").contains("t0ps3cret"));
    let config = builder.resolve().unwrap();
    assert!(!format!("{config:?}").contains("t0ps3cret"));
}

#[test]
fn missing_tls_files_are_config_errors_at_init() {
    let _serial = serial();
    let err = with_env(&[("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem")])
        .otlp_endpoint("https://collector:4317")
        .init()
        .unwrap_err();
    assert!(matches!(err, ConfigError::File { .. }));
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
    let err = with_env(&[("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/x.pem")])
        .resolve()
        .unwrap_err();
    assert!(
        err.to_string().contains("OTEL_EXPORTER_OTLP_CLIENT_KEY"),
        "{err}"
    );
}

#[test]
fn the_seed_endpoint_variable_wins_end_to_end() {
    let fx = Setup::new(Protocol::HttpProtobuf).init_from(|rx| {
        TracingSdk::builder("env-configured").environment([
            ("OTLP_ENDPOINT", rx.endpoint()),
            ("OTLP_PROTOCOL", "http/protobuf".to_string()),
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                "http://127.0.0.1:9".to_string(),
            ),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "x-tenant=from-env".to_string(),
            ),
            ("OTEL_RESOURCE_ATTRIBUTES", "region=ap-south-1".to_string()),
            ("DEPLOYMENT_ENV", "staging".to_string()),
        ])
    });
    fx.sdk().start_span("configured").end();
    let spans = fx.shutdown_and_wait(1);
    let span = spans.one("configured");
    assert_eq!(
        span.resource_attr("region").and_then(AttrValue::as_str),
        Some("ap-south-1")
    );
    assert_eq!(
        span.resource_attr("deployment.environment.name")
            .and_then(AttrValue::as_str),
        Some("staging")
    );
    assert_eq!(fx.rx().requests()[0].header("x-tenant"), Some("from-env"));
}
