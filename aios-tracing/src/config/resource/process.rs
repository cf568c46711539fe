//! `process.*`: the process id, the executable's name, and the Rust
//! toolchain that built it as the runtime (a compiled program has no other).

use opentelemetry::KeyValue;

/// `rustc --version` of the compiler that built this crate (`build.rs`).
const RUSTC_VERSION: &str = env!("AIOS_TRACING_RUSTC_VERSION");

pub(super) fn detect() -> Vec<KeyValue> {
    let mut found = vec![KeyValue::new("process.pid", i64::from(std::process::id()))];
    if let Some(name) = std::env::current_exe()
        .ok()
        .as_deref()
        .and_then(std::path::Path::file_name)
    {
        found.push(KeyValue::new(
            "process.executable.name",
            executable_name(&name.to_string_lossy()).to_owned(),
        ));
    }
    found.extend(runtime(RUSTC_VERSION));
    found
}

/// The file name, without the ` (deleted)` Linux adds to the link once the
/// binary was replaced on disk (as a deployment does while it runs).
fn executable_name(file_name: &str) -> &str {
    file_name.strip_suffix(" (deleted)").unwrap_or(file_name)
}

/// From `rustc 1.88.0 (6b00bc388 2025-06-23)`: name `rustc`, version
/// `1.88.0`, and the whole line as the description.
fn runtime(version_line: &str) -> Vec<KeyValue> {
    let mut words = version_line.split_whitespace();
    let (Some(name), Some(version)) = (words.next(), words.next()) else {
        return Vec::new();
    };
    vec![
        KeyValue::new("process.runtime.name", name.to_owned()),
        KeyValue::new("process.runtime.version", version.to_owned()),
        KeyValue::new("process.runtime.description", version_line.to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(found: &[KeyValue], key: &str) -> Option<String> {
        found
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.to_string())
    }

    #[test]
    fn the_pid_and_executable_are_this_processs() {
        let found = detect();
        assert_eq!(
            value(&found, "process.pid"),
            Some(std::process::id().to_string())
        );
        let exe = std::env::current_exe().unwrap();
        let name = value(&found, "process.executable.name").unwrap();
        assert_eq!(name, exe.file_name().unwrap().to_string_lossy());
        assert!(name.starts_with("aios_tracing"), "{name}");
    }

    #[test]
    fn the_runtime_is_the_compiler_that_built_the_crate() {
        let found = detect();
        assert_eq!(
            value(&found, "process.runtime.name").as_deref(),
            Some("rustc")
        );
        let version = value(&found, "process.runtime.version").unwrap();
        assert!(
            version.split('.').take(2).all(|n| n.parse::<u32>().is_ok()),
            "{version}"
        );
    }

    #[test]
    fn version_lines_split_into_name_and_version() {
        let found = runtime("rustc 1.88.0 (6b00bc388 2025-06-23)");
        assert_eq!(
            value(&found, "process.runtime.name").as_deref(),
            Some("rustc")
        );
        assert_eq!(
            value(&found, "process.runtime.version").as_deref(),
            Some("1.88.0")
        );
        assert_eq!(
            value(&found, "process.runtime.description").as_deref(),
            Some("rustc 1.88.0 (6b00bc388 2025-06-23)")
        );
        assert!(runtime("").is_empty(), "no compiler version, no attributes");
    }

    #[test]
    fn a_replaced_binary_keeps_its_name() {
        assert_eq!(executable_name("orders-api (deleted)"), "orders-api");
        assert_eq!(executable_name("orders-api"), "orders-api");
    }
}
