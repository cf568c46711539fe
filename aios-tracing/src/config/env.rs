//! Reading settings from the environment, with the warnings the lenient
//! reading of the standard variables gives; and the parsers for the
//! `OTEL_*` list formats (`k=v,k2=v2`, percent-encoded).

use crate::error::{ConfigError, ConfigWarning, Source};
use std::cell::RefCell;
use std::collections::HashMap;

/// Where environment variables are read from: the process, or a map the
/// caller supplied (handy for tests and for settings kept in files).
#[derive(Debug, Clone, Default)]
pub(crate) enum Vars {
    #[default]
    Process,
    Map(HashMap<String, String>),
}

/// The environment while a configuration is resolved: the variables,
/// whether the standard ones are read strictly, and the warnings their
/// unusable values gave so far.
#[derive(Debug)]
pub(crate) struct Environment {
    vars: Vars,
    /// Unusable values of standard variables are errors, not warnings.
    pub(crate) strict: bool,
    warnings: RefCell<Vec<ConfigWarning>>,
}

impl Environment {
    pub(crate) fn new(vars: Vars) -> Self {
        Environment {
            vars,
            strict: false,
            warnings: RefCell::new(Vec::new()),
        }
    }

    /// An environment of exactly `map`, for tests.
    #[cfg(test)]
    pub(crate) fn from_map(map: HashMap<String, String>) -> Self {
        Environment::new(Vars::Map(map))
    }

    /// The variable's value, trimmed; unset and blank read as `None`.
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        let raw = match &self.vars {
            Vars::Process => std::env::var(name).ok(),
            Vars::Map(map) => map.get(name).cloned(),
        }?;
        let trimmed = raw.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    }

    /// Notes a warning, to be logged once the SDK starts.
    pub(crate) fn warn(&self, warning: ConfigWarning) {
        self.warnings.borrow_mut().push(warning);
    }

    /// The warnings so far.
    pub(crate) fn into_warnings(self) -> Vec<ConfigWarning> {
        self.warnings.into_inner()
    }

    /// The first of `names` that is set, with its name.
    pub(crate) fn first(&self, names: &[&'static str]) -> Option<(&'static str, String)> {
        names
            .iter()
            .find_map(|name| self.get(name).map(|value| (*name, value)))
    }
}

/// Parses a `k=v,k2=v2` list with percent-encoded keys and values, as used by
/// `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_RESOURCE_ATTRIBUTES`.
///
/// `redact_values` keeps secrets (header values) out of error messages.
pub(crate) fn parse_key_value_list(
    input: &str,
    var: &'static str,
    redact_values: bool,
) -> Result<Vec<(String, String)>, ConfigError> {
    let mut pairs = Vec::new();
    for entry in input.split(',') {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let shown = |value: &str| {
            if redact_values {
                super::redact::entry(value)
            } else {
                value.to_owned()
            }
        };
        let Some((key, value)) = entry.split_once('=') else {
            return Err(ConfigError::invalid(
                var,
                "a comma-separated list of key=value pairs (this entry has no '=')",
                shown(entry),
                Source::Env(var),
            ));
        };
        let key = percent_decode(key.trim()).ok_or_else(|| {
            ConfigError::invalid(
                var,
                "percent-encoded UTF-8 (a '%' must be followed by two hex digits)",
                shown(entry),
                Source::Env(var),
            )
        })?;
        if key.is_empty() {
            return Err(ConfigError::invalid(
                var,
                "a comma-separated list of key=value pairs (this entry has an empty key)",
                shown(entry),
                Source::Env(var),
            ));
        }
        let value = percent_decode(value.trim()).ok_or_else(|| {
            ConfigError::invalid(
                var,
                "percent-encoded UTF-8 (a '%' must be followed by two hex digits)",
                shown(entry),
                Source::Env(var),
            )
        })?;
        pairs.push((key, value));
    }
    Ok(pairs)
}

/// Decodes `%XX` escapes; `None` for a broken escape or invalid UTF-8.
pub(crate) fn percent_decode(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_lists_decode_percent_escapes_and_skip_blanks() {
        let parsed = parse_key_value_list(
            " api-key = a%20b , ,x-tenant=acme%2Cinc",
            "OTEL_EXPORTER_OTLP_HEADERS",
            true,
        )
        .unwrap();
        assert_eq!(
            parsed,
            vec![
                ("api-key".to_owned(), "a b".to_owned()),
                ("x-tenant".to_owned(), "acme,inc".to_owned())
            ]
        );
    }

    #[test]
    fn malformed_lists_name_the_variable_and_hide_secrets() {
        let err = parse_key_value_list(
            "authorization=Bearer%zz",
            "OTEL_EXPORTER_OTLP_HEADERS",
            true,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("OTEL_EXPORTER_OTLP_HEADERS"), "{err}");
        assert!(err.contains("authorization=<redacted>"), "{err}");
        assert!(!err.contains("Bearer"), "{err}");

        let err = parse_key_value_list("novalue", "OTEL_RESOURCE_ATTRIBUTES", false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"novalue\""), "{err}");
        assert!(parse_key_value_list("=v", "OTEL_RESOURCE_ATTRIBUTES", false).is_err());
    }

    #[test]
    fn percent_decode_rejects_truncated_escapes_and_bad_utf8() {
        assert_eq!(percent_decode("a%2"), None);
        assert_eq!(percent_decode("%ff"), None);
        assert_eq!(percent_decode("%E2%9C%93").as_deref(), Some("✓"));
    }
}
