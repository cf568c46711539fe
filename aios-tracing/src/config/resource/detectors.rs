//! Which resource detectors run: the [`ResourceDetectors`] switches, read
//! from the builder or `AIOS_TRACING_RESOURCE_DETECTORS`, and running the
//! chosen ones.

use super::super::env::Environment;
use super::super::precedence::{lookup, Raw};
use super::{container, host, instance, kubernetes, os, process};
use crate::error::ConfigError;
use opentelemetry::KeyValue;

/// The variable listing the detectors to run.
pub(super) const VAR: &str = "AIOS_TRACING_RESOURCE_DETECTORS";

/// Which resource attributes `init` detects, each detector on its own
/// switch (all on by default). Detected values lose to
/// `OTEL_RESOURCE_ATTRIBUTES` and to the builder's.
///
/// | switch | attributes |
/// |---|---|
/// | `service_instance` | `service.instance.id` (a random UUID, one per process) |
/// | `host` | `host.name`, `host.arch` |
/// | `os` | `os.type` |
/// | `process` | `process.pid`, `process.executable.name`, `process.runtime.name`, `process.runtime.version`, `process.runtime.description` |
/// | `container` | `container.id`, from `/proc/self/cgroup` (cgroup v1 and v2) or `/proc/self/mountinfo` |
/// | `kubernetes` | `k8s.pod.name`, `k8s.pod.uid`, `k8s.namespace.name`, `k8s.node.name` from `K8S_POD_NAME`, `K8S_POD_UID`, `K8S_NAMESPACE_NAME`, `K8S_NODE_NAME` |
///
/// In the environment: `AIOS_TRACING_RESOURCE_DETECTORS=host,os` (names as
/// in the table; `all`, `none`).
///
/// ```
/// use aios_tracing::{ResourceDetectors, TracingSdk};
/// let config = TracingSdk::builder("svc")
///     .resource_detectors(ResourceDetectors::all().host(false))
///     .environment([("K8S_POD_NAME", "orders-7d9f")])
///     .resolve()?;
/// let has = |key: &str| config.resource_attributes.iter().any(|kv| kv.key.as_str() == key);
/// assert!(has("k8s.pod.name") && has("process.pid") && !has("host.name"));
/// # Ok::<(), aios_tracing::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceDetectors {
    /// `service.instance.id`.
    pub service_instance: bool,
    /// `host.name`, `host.arch`.
    pub host: bool,
    /// `os.type`.
    pub os: bool,
    /// `process.*`.
    pub process: bool,
    /// `container.id`.
    pub container: bool,
    /// `k8s.*` from the downward API's variables.
    pub kubernetes: bool,
}

impl Default for ResourceDetectors {
    fn default() -> Self {
        ResourceDetectors::all()
    }
}

macro_rules! switch {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        $(
            $(#[$doc])*
            pub const fn $name(mut self, on: bool) -> Self {
                self.$name = on;
                self
            }
        )*
    };
}

impl ResourceDetectors {
    /// Every detector (the default).
    pub const fn all() -> Self {
        ResourceDetectors {
            service_instance: true,
            host: true,
            os: true,
            process: true,
            container: true,
            kubernetes: true,
        }
    }

    /// No detector: the resource holds only what is configured.
    pub const fn none() -> Self {
        ResourceDetectors {
            service_instance: false,
            host: false,
            os: false,
            process: false,
            container: false,
            kubernetes: false,
        }
    }

    switch!(
        /// Turns `service.instance.id` on or off.
        service_instance,
        /// Turns `host.*` on or off.
        host,
        /// Turns `os.type` on or off.
        os,
        /// Turns `process.*` on or off.
        process,
        /// Turns `container.id` on or off.
        container,
        /// Turns `k8s.*` on or off.
        kubernetes,
    );

    /// The attributes of the detectors that are on, in the table's order.
    pub(super) fn detect(&self, env: &Environment) -> Vec<KeyValue> {
        let mut found = Vec::new();
        if self.service_instance {
            found.push(instance::detect());
        }
        if self.host {
            found.extend(host::detect());
        }
        if self.os {
            found.push(os::detect());
        }
        if self.process {
            found.extend(process::detect());
        }
        if self.container {
            found.extend(container::detect());
        }
        if self.kubernetes {
            found.extend(kubernetes::detect(env));
        }
        found
    }

    fn set(&mut self, name: &str) -> bool {
        match name {
            "service_instance" => self.service_instance = true,
            "host" => self.host = true,
            "os" => self.os = true,
            "process" => self.process = true,
            "container" => self.container = true,
            "kubernetes" => self.kubernetes = true,
            "all" => *self = ResourceDetectors::all(),
            "none" => {}
            _ => return false,
        }
        true
    }
}

/// The builder's switches, else the variable's list, else all.
pub(super) fn resolve(
    given: Option<ResourceDetectors>,
    env: &Environment,
) -> Result<ResourceDetectors, ConfigError> {
    let Some(found) = lookup(given, "resource_detectors", env, &[VAR]) else {
        return Ok(ResourceDetectors::all());
    };
    let text = match found.raw {
        Raw::Given(detectors) => return Ok(detectors),
        Raw::Text(text) => text,
    };
    let mut detectors = ResourceDetectors::none();
    for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !detectors.set(name) {
            return Err(found.origin.invalid(
                "a comma-separated list of service_instance, host, os, process, container, kubernetes (or all, none)",
                text,
            ));
        }
    }
    Ok(detectors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(value: &str) -> Environment {
        Environment::from_map([(VAR.to_owned(), value.to_owned())].into())
    }

    #[test]
    fn the_variable_lists_the_detectors_to_run() {
        let only = resolve(None, &env("host, kubernetes")).unwrap();
        assert_eq!(only, ResourceDetectors::none().host(true).kubernetes(true));
        assert_eq!(
            resolve(None, &env("none")).unwrap(),
            ResourceDetectors::none()
        );
        assert_eq!(
            resolve(None, &env("all")).unwrap(),
            ResourceDetectors::all()
        );
        assert_eq!(
            resolve(None, &Environment::from_map(Default::default())).unwrap(),
            ResourceDetectors::all()
        );
    }

    #[test]
    fn the_builder_wins_over_the_variable() {
        let given = ResourceDetectors::all().container(false);
        assert_eq!(resolve(Some(given), &env("none")).unwrap(), given);
    }

    #[test]
    fn an_unknown_name_is_an_error_naming_the_variable() {
        let err = resolve(None, &env("host,gpu")).unwrap_err().to_string();
        assert!(err.starts_with(VAR), "{err}");
        assert!(err.contains("\"host,gpu\""), "{err}");
    }

    #[test]
    fn only_the_chosen_detectors_add_attributes() {
        let env = Environment::from_map([("K8S_POD_NAME".to_owned(), "p".to_owned())].into());
        let keys = |d: ResourceDetectors| -> Vec<String> {
            d.detect(&env).iter().map(|kv| kv.key.to_string()).collect()
        };
        assert!(keys(ResourceDetectors::none()).is_empty());
        assert_eq!(
            keys(ResourceDetectors::none().kubernetes(true)),
            ["k8s.pod.name"]
        );
        assert_eq!(keys(ResourceDetectors::none().os(true)), ["os.type"]);
        let all = keys(ResourceDetectors::all());
        for key in [
            "service.instance.id",
            "host.arch",
            "os.type",
            "process.pid",
            "k8s.pod.name",
        ] {
            assert!(all.iter().any(|k| k == key), "{key} missing from {all:?}");
        }
    }
}
