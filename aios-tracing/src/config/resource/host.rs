//! `host.name` (what `hostname` prints) and `host.arch`, the target's
//! architecture in the semantic conventions' spelling.

use opentelemetry::KeyValue;

pub(super) fn detect() -> Vec<KeyValue> {
    let mut found = vec![KeyValue::new("host.arch", arch(std::env::consts::ARCH))];
    // No name (an error, or not UTF-8): no attribute.
    let name = hostname::get()
        .ok()
        .and_then(|name| name.into_string().ok());
    if let Some(name) = name.filter(|name| !name.is_empty()) {
        found.insert(0, KeyValue::new("host.name", name));
    }
    found
}

/// Rust's name for an architecture, as `host.arch` spells it; others as
/// Rust names them (the attribute's list of values is open).
fn arch(rust: &'static str) -> &'static str {
    match rust {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "arm" => "arm32",
        "x86" => "x86",
        "powerpc" => "ppc32",
        "powerpc64" => "ppc64",
        "s390x" => "s390x",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architectures_use_the_conventions_names() {
        assert_eq!(arch("x86_64"), "amd64");
        assert_eq!(arch("aarch64"), "arm64");
        assert_eq!(arch("powerpc64"), "ppc64");
        assert_eq!(arch("riscv64"), "riscv64");
    }

    #[test]
    fn the_host_name_is_the_kernels() {
        let found = detect();
        let name = found
            .iter()
            .find(|kv| kv.key.as_str() == "host.name")
            .unwrap();
        // Linux keeps the name here; elsewhere, at least it is not empty.
        match std::fs::read_to_string("/proc/sys/kernel/hostname") {
            Ok(kernel) => assert_eq!(name.value.as_str(), kernel.trim()),
            Err(_) => assert!(!name.value.as_str().is_empty()),
        }
        assert!(found.iter().any(|kv| kv.key.as_str() == "host.arch"));
    }
}
