//! Which cargo features the configuration needs: OTLP export over a
//! transport, or to an `https` endpoint, that this build leaves out is a
//! [`ConfigError::FeatureDisabled`] at resolution, not a failed export later.

use super::{Config, Protocol};
use crate::error::ConfigError;

/// Refuses OTLP export that needs a feature this build leaves out.
pub(super) fn check(config: &Config) -> Result<(), ConfigError> {
    if !config.otlp || config.disabled {
        return Ok(());
    }
    let (transport, built) = match config.protocol {
        Protocol::Grpc => ("grpc", cfg!(feature = "grpc")),
        Protocol::HttpProtobuf | Protocol::HttpJson => ("http", cfg!(feature = "http")),
    };
    if !built {
        return Err(ConfigError::FeatureDisabled {
            what: format!("OTLP over {}", config.protocol),
            feature: transport.into(),
        });
    }
    if config.endpoint.scheme_str() == Some("https") && !cfg!(feature = "tls") {
        return Err(ConfigError::FeatureDisabled {
            what: format!("the endpoint {}", config.endpoint),
            feature: "tls".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{ConfigError, Protocol, TracingSdk, TracingSdkBuilder};

    /// OTLP asked for explicitly: a build without a transport has it off by default.
    fn builder() -> TracingSdkBuilder {
        TracingSdk::builder("svc")
            .environment(std::iter::empty::<(String, String)>())
            .enable_otlp_exporter(true)
    }

    /// The feature a refused configuration names, and what it says asked for it.
    #[cfg_attr(
        all(feature = "grpc", feature = "http", feature = "tls"),
        allow(dead_code) // such a build refuses nothing
    )]
    fn refused(builder: TracingSdkBuilder) -> (String, String) {
        match builder.resolve() {
            Err(ConfigError::FeatureDisabled { what, feature }) => (feature, what),
            other => panic!("expected FeatureDisabled, got {other:?}"),
        }
    }

    #[cfg(not(feature = "grpc"))]
    #[test]
    fn grpc_asked_for_without_its_feature_is_refused() {
        let (feature, what) = refused(builder().otlp_protocol(Protocol::Grpc));
        assert_eq!(
            (feature.as_str(), what.as_str()),
            ("grpc", "OTLP over grpc")
        );
        let err = builder()
            .otlp_protocol(Protocol::Grpc)
            .resolve()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "OTLP over grpc needs the cargo feature `grpc` of aios-tracing, which this build leaves out"
        );
        // A disabled SDK exports nothing, so it needs no transport.
        assert!(builder()
            .otlp_protocol(Protocol::Grpc)
            .disabled(true)
            .resolve()
            .is_ok());
    }

    #[cfg(not(feature = "http"))]
    #[test]
    fn http_asked_for_without_its_feature_is_refused() {
        for protocol in [Protocol::HttpProtobuf, Protocol::HttpJson] {
            let (feature, what) = refused(builder().otlp_protocol(protocol));
            assert_eq!(feature, "http");
            assert_eq!(what, format!("OTLP over {protocol}"));
        }
        let env = [
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_TRACES_EXPORTER", "otlp"),
        ];
        assert_eq!(
            refused(TracingSdk::builder("svc").environment(env)).0,
            "http"
        );
    }

    #[cfg(all(not(feature = "tls"), any(feature = "grpc", feature = "http")))]
    #[test]
    fn tls_asked_for_without_its_feature_is_refused() {
        let (feature, what) = refused(builder().otlp_endpoint("https://collector:4317"));
        assert_eq!(feature, "tls");
        assert!(
            what.starts_with("the endpoint https://collector:"),
            "{what}"
        );
        let (feature, what) = refused(builder().otlp_ca_certificate("/etc/ca.pem"));
        assert_eq!(
            (feature.as_str(), what.as_str()),
            ("tls", "otlp_ca_certificate")
        );
        // Plaintext needs no TLS.
        assert!(builder()
            .otlp_endpoint("http://collector:4317")
            .resolve()
            .is_ok());
    }

    #[cfg(all(feature = "grpc", feature = "tls"))]
    #[test]
    fn a_build_with_the_features_takes_the_same_settings() {
        let config = builder()
            .otlp_endpoint("https://collector:4317")
            .resolve()
            .expect("grpc and tls are built in");
        assert_eq!(config.protocol, Protocol::Grpc);
        assert!(config.otlp);
    }

    #[cfg(all(feature = "http", not(feature = "grpc")))]
    #[test]
    fn without_grpc_the_default_protocol_is_http_protobuf() {
        let config = builder().resolve().expect("the default is built in");
        assert_eq!(config.protocol, Protocol::HttpProtobuf);
        assert_eq!(
            config.endpoint.to_string(),
            "http://localhost:4318/v1/traces"
        );
        assert!(config.otlp);
    }

    #[cfg(not(any(feature = "grpc", feature = "http")))]
    #[test]
    fn without_a_transport_otlp_is_off_unless_asked_for() {
        let config = TracingSdk::builder("svc")
            .environment([("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")])
            .enable_console_exporter(true)
            .resolve()
            .expect("console only");
        assert!(!config.otlp);
        assert!(config.console);
        assert_eq!(refused(builder().enable_otlp_exporter(true)).0, "grpc");
        let env = [("OTEL_TRACES_EXPORTER", "otlp,console")];
        assert_eq!(
            refused(TracingSdk::builder("svc").environment(env)).0,
            "grpc"
        );
    }
}
