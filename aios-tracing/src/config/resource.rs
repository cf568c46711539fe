//! The resource group: the service's name, its deployment environment and
//! the other attributes describing it.

use super::env::{parse_key_value_list, Environment};
use super::given::Given;
use super::precedence::{self, reject, Origin};
use crate::error::{ConfigError, Source};
use opentelemetry::KeyValue;

#[derive(Debug)]
pub(super) struct Service {
    pub(super) name: String,
    pub(super) deployment_env: String,
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
    let mut attributes: Vec<KeyValue> = Vec::new();
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
    put(KeyValue::new("service.name", name.clone()));
    put(KeyValue::new(
        "deployment.environment.name",
        deployment_env.clone(),
    ));
    Ok(Service {
        name,
        deployment_env,
        attributes,
    })
}
