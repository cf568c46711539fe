//! The resource group: the service's name, version and deployment
//! environment, the other attributes describing it, and the detectors
//! (one module each) that find what the process runs on.
//!
//! Precedence, lowest first: detected, `OTEL_RESOURCE_ATTRIBUTES`, the
//! builder's `resource_attributes`, `service_version`, then the service
//! name and deployment environment.

mod container;
mod detectors;
mod host;
mod instance;
mod kubernetes;
mod os;
mod process;

use super::env::{parse_key_value_list, Environment};
use super::given::Given;
use super::precedence::{self, reject, Origin};
use crate::error::{ConfigError, Source};
pub use detectors::ResourceDetectors;
use opentelemetry::KeyValue;

#[derive(Debug)]
pub(super) struct Service {
    pub(super) name: String,
    pub(super) deployment_env: String,
    /// `service.version`, from whichever source set it.
    pub(super) version: Option<String>,
    pub(super) detectors: ResourceDetectors,
    /// Including `service.name` and `deployment.environment.name`.
    pub(super) attributes: Vec<KeyValue>,
}

pub(super) fn resolve(b: &Given, env: &Environment) -> Result<Service, ConfigError> {
    let name = match &b.service_name {
        Some(name) if name.trim().is_empty() => {
            return Err(ConfigError::invalid(
                "service_name",
                "a non-empty name",
                name.as_str(),
                Source::Builder,
            ))
        }
        Some(name) => name.clone(),
        None => env
            .get("OTEL_SERVICE_NAME")
            .ok_or_else(|| ConfigError::Missing {
                setting: "service_name".into(),
                hint: "pass it to TracingSdk::builder(..) or set OTEL_SERVICE_NAME".into(),
            })?,
    };
    let deployment_env = precedence::text(
        b.deployment_env.clone(),
        "deployment_env",
        env,
        &["DEPLOYMENT_ENV"],
    )
    .map_or_else(|| "dev".to_owned(), |(value, _)| value);
    let detectors = detectors::resolve(b.resource_detectors, env)?;
    let mut attributes: Vec<KeyValue> = detectors.detect(env);
    let mut put = |kv: KeyValue| {
        attributes.retain(|existing| existing.key != kv.key);
        attributes.push(kv);
    };
    if let Some(raw) = env.get("OTEL_RESOURCE_ATTRIBUTES") {
        // One bad entry discards the variable (the specification's rule).
        match parse_key_value_list(&raw, "OTEL_RESOURCE_ATTRIBUTES", false) {
            Ok(pairs) => pairs
                .into_iter()
                .for_each(|(k, v)| put(KeyValue::new(k, v))),
            Err(ConfigError::InvalidValue { expected, .. }) => {
                let origin = Origin::env("OTEL_RESOURCE_ATTRIBUTES");
                reject(env, origin, &expected, &raw, "no attributes from it")?;
            }
            Err(error) => return Err(error),
        }
    }
    for kv in &b.resource_attributes {
        put(kv.clone());
    }
    match &b.service_version {
        Some(version) if version.trim().is_empty() => {
            return Err(ConfigError::invalid(
                "service_version",
                "a non-empty version",
                version.as_str(),
                Source::Builder,
            ))
        }
        Some(version) => put(KeyValue::new("service.version", version.clone())),
        None => {}
    }
    put(KeyValue::new("service.name", name.clone()));
    put(KeyValue::new(
        "deployment.environment.name",
        deployment_env.clone(),
    ));
    let version = attributes
        .iter()
        .find(|kv| kv.key.as_str() == "service.version")
        .map(|kv| kv.value.to_string());
    Ok(Service {
        name,
        deployment_env,
        version,
        detectors,
        attributes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(b: &Given, vars: &[(&str, &str)]) -> Service {
        let env = Environment::from_map(
            vars.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        );
        resolve(b, &env).unwrap()
    }

    fn value(service: &Service, key: &str) -> Option<String> {
        let mut found = service
            .attributes
            .iter()
            .filter(|kv| kv.key.as_str() == key);
        let value = found.next().map(|kv| kv.value.to_string());
        assert!(found.next().is_none(), "{key} appears twice");
        value
    }

    #[test]
    fn configured_values_win_over_detected_ones() {
        let mut given = Given {
            service_name: Some("orders".into()),
            ..Given::default()
        };
        let vars = [
            ("K8S_POD_NAME", "detected-pod"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "host.name=from-env,service.version=0.9",
            ),
        ];
        let service = resolved(&given, &vars);
        assert_eq!(
            value(&service, "k8s.pod.name").as_deref(),
            Some("detected-pod")
        );
        assert_eq!(value(&service, "host.name").as_deref(), Some("from-env"));
        assert_eq!(service.version.as_deref(), Some("0.9"));

        given.resource_attributes = vec![KeyValue::new("host.name", "from-builder")];
        given.service_version = Some("1.4.0".into());
        let service = resolved(&given, &vars);
        assert_eq!(
            value(&service, "host.name").as_deref(),
            Some("from-builder")
        );
        assert_eq!(value(&service, "service.version").as_deref(), Some("1.4.0"));
        assert_eq!(service.version.as_deref(), Some("1.4.0"));
    }

    #[test]
    fn detectors_switched_off_add_nothing() {
        let given = Given {
            service_name: Some("orders".into()),
            resource_detectors: Some(ResourceDetectors::none()),
            ..Given::default()
        };
        let service = resolved(&given, &[("K8S_POD_NAME", "p")]);
        let keys: Vec<_> = service
            .attributes
            .iter()
            .map(|kv| kv.key.as_str())
            .collect();
        assert_eq!(keys, ["service.name", "deployment.environment.name"]);
    }

    #[test]
    fn a_blank_service_version_is_an_error() {
        let given = Given {
            service_name: Some("orders".into()),
            service_version: Some(" ".into()),
            ..Given::default()
        };
        let err = resolve(&given, &Environment::from_map(Default::default())).unwrap_err();
        assert!(
            err.to_string().starts_with("service_version must be"),
            "{err}"
        );
    }
}
