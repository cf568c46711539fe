//! The OpenTelemetry SDK environment variables for traces, with the
//! specification's meaning: samplers, limits, timeouts, booleans, lists;
//! and the rule that an unusable value of a standard variable is a
//! warning and the default, so one environment shared by services in
//! every language never stops this one.

mod common;

use aios_tracing::{Config, Protocol, Sampler, Span, TracingSdk, TracingSdkBuilder};
use aios_tracing_tests::SpansExt;
use common::Fixture;
use std::collections::HashMap;
use std::time::Duration;

fn with_env(vars: &[(&str, &str)]) -> TracingSdkBuilder {
    TracingSdk::builder("svc").environment(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

fn config(vars: &[(&str, &str)]) -> Config {
    with_env(vars)
        .resolve()
        .expect("standard variables never fail init")
}

/// The variables whose values were ignored, with those values.
fn ignored(config: &Config) -> Vec<(String, String)> {
    config
        .warnings()
        .iter()
        .map(|w| (w.setting.clone(), w.value.clone()))
        .collect()
}

#[test]
fn a_shared_environment_with_unusable_values_still_starts_and_exports() {
    let vars = [
        ("OTEL_TRACES_SAMPLER", "xray"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "udp"),
        ("OTEL_PROPAGATORS", "tracecontext,xray,jaeger"),
        ("OTEL_TRACES_EXPORTER", "otlp,zipkin"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "lots"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "10s"),
        ("OTEL_SPAN_EVENT_COUNT_LIMIT", "-1"),
        ("OTEL_RESOURCE_ATTRIBUTES", "region"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"),
    ];
    let c = config(&vars);
    let mut names: Vec<_> = ignored(&c).into_iter().map(|(name, _)| name).collect();
    names.sort();
    names.dedup();
    assert_eq!(
        names,
        [
            "OTEL_BSP_MAX_QUEUE_SIZE",
            "OTEL_EXPORTER_OTLP_COMPRESSION",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            "OTEL_EXPORTER_OTLP_TIMEOUT",
            "OTEL_PROPAGATORS",
            "OTEL_RESOURCE_ATTRIBUTES",
            "OTEL_SPAN_EVENT_COUNT_LIMIT",
            "OTEL_TRACES_EXPORTER",
            "OTEL_TRACES_SAMPLER",
        ]
    );
    assert!(ignored(&c).contains(&("OTEL_PROPAGATORS".into(), "xray".into())));
    assert!(ignored(&c).contains(&("OTEL_TRACES_EXPORTER".into(), "zipkin".into())));
    // The defaults, and the known entries of the lists.
    assert_eq!(c.sampler, Sampler::ParentBasedAlwaysOn);
    assert_eq!(c.protocol, Protocol::Grpc);
    assert!(c.propagation.trace_context && !c.propagation.baggage);
    assert!(c.otlp);
    assert_eq!(c.max_queue_size, 1 << 20);
    assert_eq!(c.export_timeout, Duration::from_secs(10));
    assert_eq!(c.span_limits.events, 128);

    // And it runs: a span reaches the collector.
    let fx = Fixture::with(Protocol::Grpc, |b| {
        b.environment(
            vars.iter()
                .filter(|(k, _)| *k != "OTEL_EXPORTER_OTLP_PROTOCOL")
                .copied(),
        )
    });
    fx.sdk().start_span("still-running").end();
    assert_eq!(fx.shutdown_and_wait(1).names(), ["still-running"]);
}

#[test]
fn strict_turns_the_warnings_into_errors_and_own_variables_always_fail() {
    let error = with_env(&[
        ("OTEL_TRACES_SAMPLER", "xray"),
        ("AIOS_TRACING_STRICT_ENV", "true"),
    ])
    .resolve()
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("OTEL_TRACES_SAMPLER") && error.contains("\"xray\""),
        "{error}"
    );
    assert!(with_env(&[("OTEL_PROPAGATORS", "xray")])
        .strict_env(true)
        .resolve()
        .is_err());
    for own in [
        ("OTLP_PROTOCOL", "udp"),
        ("AIOS_TRACING_MAX_QUEUE_BYTES", "lots"),
    ] {
        assert!(with_env(&[own]).resolve().is_err(), "{own:?}");
    }
}

#[test]
fn samplers_by_name_with_their_argument_only_where_it_means_something() {
    let sampler = |vars: &[(&str, &str)]| {
        let c = config(vars);
        (c.sampler, ignored(&c))
    };
    let none = Vec::new();
    assert_eq!(sampler(&[]), (Sampler::ParentBasedAlwaysOn, none.clone()));
    for (name, expected) in [
        ("always_on", Sampler::AlwaysOn),
        ("ALWAYS_OFF", Sampler::AlwaysOff),
        ("parentbased_always_on", Sampler::ParentBasedAlwaysOn),
        ("parentbased_always_off", Sampler::ParentBasedAlwaysOff),
    ] {
        // An argument meant for another sampler is not read.
        let got = sampler(&[
            ("OTEL_TRACES_SAMPLER", name),
            ("OTEL_TRACES_SAMPLER_ARG", "abc"),
        ]);
        assert_eq!(got, (expected, none.clone()), "{name}");
    }
    let ratio = [
        ("OTEL_TRACES_SAMPLER", "traceidratio"),
        ("OTEL_TRACES_SAMPLER_ARG", "0.5"),
    ];
    assert_eq!(sampler(&ratio).0, Sampler::TraceIdRatio(0.5));
    let parent_ratio = [("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")];
    assert_eq!(
        sampler(&parent_ratio).0,
        Sampler::ParentBasedTraceIdRatio(1.0)
    );
    let bad = [
        ("OTEL_TRACES_SAMPLER", "traceidratio"),
        ("OTEL_TRACES_SAMPLER_ARG", "2"),
    ];
    assert_eq!(
        sampler(&bad),
        (
            Sampler::TraceIdRatio(1.0),
            vec![("OTEL_TRACES_SAMPLER_ARG".into(), "2".into())]
        )
    );
    // The builder wins.
    let c = with_env(&[("OTEL_TRACES_SAMPLER", "always_off")])
        .sampler(Sampler::AlwaysOn)
        .resolve();
    assert_eq!(c.unwrap().sampler, Sampler::AlwaysOn);
}

#[test]
fn always_off_exports_nothing_and_always_on_records_under_an_unsampled_parent() {
    let fx = Fixture::with(Protocol::Grpc, |b| {
        b.environment([("OTEL_TRACES_SAMPLER", "always_off")])
    });
    assert!(!fx.sdk().span("off").start().is_recording());
    fx.shutdown();
    assert_eq!(fx.sdk().stats().ended, 0);
    drop(fx);

    let fx = Fixture::with(Protocol::Grpc, |b| {
        b.environment([("OTEL_TRACES_SAMPLER", "always_on")])
    });
    let unsampled = HashMap::from([(
        "traceparent".to_owned(),
        "00-12345678901234567890123456789012-1234567890123456-00".to_owned(),
    )]);
    let parent = fx.sdk().extract_context(&unsampled);
    Span::builder("on").parent(&parent).start().end();
    let spans = fx.shutdown_and_wait(1);
    assert_eq!(spans.one("on").trace_id, "12345678901234567890123456789012");
    drop(fx);

    let fx = Fixture::with(Protocol::Grpc, |b| {
        b.environment([("OTEL_TRACES_SAMPLER", "parentbased_always_off")])
    });
    assert!(!fx.sdk().span("root").start().is_recording());
    let sampled = HashMap::from([(
        "traceparent".to_owned(),
        "00-12345678901234567890123456789012-1234567890123456-01".to_owned(),
    )]);
    let parent = fx.sdk().extract_context(&sampled);
    Span::builder("follows").parent(&parent).start().end();
    assert_eq!(fx.shutdown_and_wait(1).names(), ["follows"]);
}

#[test]
fn span_limits_from_the_environment_reach_the_exported_span() {
    let fx = Fixture::with(Protocol::Grpc, |b| {
        b.environment([
            ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "2"),
            ("OTEL_SPAN_EVENT_COUNT_LIMIT", "1"),
            ("OTEL_SPAN_LINK_COUNT_LIMIT", "1"),
            ("OTEL_ATTRIBUTE_COUNT_LIMIT", "3"),
        ])
    });
    let limits = fx.sdk().config().span_limits;
    assert_eq!(
        (
            limits.attributes,
            limits.events,
            limits.links,
            limits.attributes_per_event
        ),
        (2, 1, 1, 3),
        "the general limit applies where no specific one is set"
    );
    let other = fx.sdk().start_span("other");
    let span = fx
        .sdk()
        .span("limited")
        .attributes((0..5).map(|i| (format!("a{i}"), i)))
        .links([other.link(), other.link()])
        .start();
    span.add_event("e1", (0..5).map(|i| (format!("k{i}"), i)));
    span.add_event("e2", [("k", 1)]);
    span.end();
    other.end();
    let spans = fx.shutdown_and_wait(2);
    let limited = spans.one("limited");
    assert_eq!(
        (limited.attributes.len(), limited.dropped_attributes_count),
        (2, 3)
    );
    assert_eq!((limited.events.len(), limited.dropped_events_count), (1, 1));
    assert_eq!((limited.links.len(), limited.dropped_links_count), (1, 1));
    assert_eq!(limited.events[0].attributes.len(), 3);
}

#[test]
fn timeouts_booleans_and_the_per_signal_variables() {
    let c = config(&[
        ("OTEL_BSP_EXPORT_TIMEOUT", "3000"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2000"),
        ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "1000"),
    ]);
    assert_eq!(c.export_timeout, Duration::from_millis(1000));
    assert_eq!(
        config(&[("OTEL_BSP_EXPORT_TIMEOUT", "3000")]).export_timeout,
        Duration::from_secs(3)
    );
    // Only `true`, in any case, is true; anything but `false` warns.
    assert!(config(&[("OTEL_SDK_DISABLED", "TRUE")]).disabled);
    let c = config(&[("OTEL_SDK_DISABLED", "1")]);
    assert!(!c.disabled);
    assert_eq!(
        ignored(&c),
        [("OTEL_SDK_DISABLED".to_owned(), "1".to_owned())]
    );
    assert!(ignored(&config(&[("OTEL_SDK_DISABLED", "false")])).is_empty());
    let c = config(&[
        ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "none"),
    ]);
    assert_eq!(c.compression, aios_tracing::Compression::Gzip);
}
