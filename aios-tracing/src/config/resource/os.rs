//! `os.type`, in the semantic conventions' spelling.

use opentelemetry::KeyValue;

pub(super) fn detect() -> KeyValue {
    KeyValue::new("os.type", os_type(std::env::consts::OS))
}

/// Rust's name for an operating system, as `os.type` spells it; others as
/// Rust names them (the attribute's list of values is open).
fn os_type(rust: &'static str) -> &'static str {
    match rust {
        "linux" | "android" => "linux",
        "macos" | "ios" | "tvos" | "watchos" | "visionos" => "darwin",
        "dragonfly" => "dragonflybsd",
        "illumos" | "solaris" => "solaris",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systems_use_the_conventions_names() {
        assert_eq!(os_type("linux"), "linux");
        assert_eq!(os_type("macos"), "darwin");
        assert_eq!(os_type("windows"), "windows");
        assert_eq!(os_type("dragonfly"), "dragonflybsd");
        assert_eq!(os_type("freebsd"), "freebsd");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_machine_is_linux() {
        assert_eq!(detect().value.as_str(), "linux");
    }
}
