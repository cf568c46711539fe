//! `k8s.*` from the environment variables that a pod spec fills from the
//! downward API (`valueFrom.fieldRef`): `K8S_POD_NAME`, `K8S_POD_UID`,
//! `K8S_NAMESPACE_NAME`, `K8S_NODE_NAME`, as OpenTelemetry's proposal for
//! Kubernetes detection names them; where those are missing, the names the
//! OpenTelemetry Operator injects (`OTEL_RESOURCE_ATTRIBUTES_POD_NAME`, …).

use super::super::env::Environment;
use opentelemetry::KeyValue;

/// Each attribute with the variables it is read from, first found wins.
const SOURCES: [(&str, [&str; 2]); 4] = [
    (
        "k8s.pod.name",
        ["K8S_POD_NAME", "OTEL_RESOURCE_ATTRIBUTES_POD_NAME"],
    ),
    (
        "k8s.pod.uid",
        ["K8S_POD_UID", "OTEL_RESOURCE_ATTRIBUTES_POD_UID"],
    ),
    (
        "k8s.namespace.name",
        [
            "K8S_NAMESPACE_NAME",
            "OTEL_RESOURCE_ATTRIBUTES_POD_NAMESPACE",
        ],
    ),
    (
        "k8s.node.name",
        ["K8S_NODE_NAME", "OTEL_RESOURCE_ATTRIBUTES_NODE_NAME"],
    ),
];

pub(super) fn detect(env: &Environment) -> Vec<KeyValue> {
    SOURCES
        .iter()
        .filter_map(|(key, vars)| env.first(vars).map(|(_, value)| KeyValue::new(*key, value)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Environment {
        Environment::from_map(
            vars.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    fn shown(found: Vec<KeyValue>) -> Vec<String> {
        found
            .iter()
            .map(|kv| format!("{}={}", kv.key, kv.value))
            .collect()
    }

    #[test]
    fn downward_api_variables_become_k8s_attributes() {
        let found = detect(&env(&[
            ("K8S_POD_NAME", "orders-7d9f"),
            ("K8S_POD_UID", "1f2e3d4c-0000-4000-8000-000000000001"),
            ("K8S_NAMESPACE_NAME", "shop"),
            ("K8S_NODE_NAME", "node-a"),
        ]));
        assert_eq!(
            shown(found),
            [
                "k8s.pod.name=orders-7d9f",
                "k8s.pod.uid=1f2e3d4c-0000-4000-8000-000000000001",
                "k8s.namespace.name=shop",
                "k8s.node.name=node-a",
            ]
        );
    }

    #[test]
    fn the_operators_names_fill_in_and_blank_values_are_unset() {
        let found = detect(&env(&[
            ("OTEL_RESOURCE_ATTRIBUTES_POD_NAME", "from-operator"),
            ("OTEL_RESOURCE_ATTRIBUTES_NODE_NAME", "node-b"),
            ("K8S_NODE_NAME", "node-a"),
            ("K8S_NAMESPACE_NAME", "  "),
        ]));
        assert_eq!(
            shown(found),
            ["k8s.pod.name=from-operator", "k8s.node.name=node-a"]
        );
    }

    #[test]
    fn outside_kubernetes_nothing_is_added() {
        // HOSTNAME is not read: a pod's hostname can differ from its name.
        assert!(detect(&env(&[("HOSTNAME", "orders-7d9f")])).is_empty());
    }
}
