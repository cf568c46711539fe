//! The precedence rule, in one place: a builder value, else the first
//! environment variable that is set, else the default; with where the
//! value came from, so an error names the builder call or the variable
//! to fix.
//!
//! And what an unusable value costs: the builder's values and the crate's
//! own variables fail `init`; a standard variable (`OTEL_*`, the proxy
//! variables) is ignored with a warning and the default used, as the
//! OpenTelemetry specification says, unless the environment is strict.

use super::env::Environment;
use crate::error::{ConfigError, ConfigWarning, Source};
use std::fmt;
use std::time::Duration;

/// Where a value came from: the builder method or environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Origin {
    /// The builder method's or the variable's name.
    pub(crate) setting: &'static str,
    pub(crate) source: Source,
}

impl Origin {
    pub(crate) fn builder(method: &'static str) -> Self {
        Origin {
            setting: method,
            source: Source::Builder,
        }
    }

    pub(crate) fn env(var: &'static str) -> Self {
        Origin {
            setting: var,
            source: Source::Env(var),
        }
    }

    /// Whether this is a standard variable: neither the builder nor one of
    /// the crate's own variables.
    pub(crate) fn is_standard(&self) -> bool {
        const OWN: [&str; 3] = ["OTLP_ENDPOINT", "OTLP_PROTOCOL", "DEPLOYMENT_ENV"];
        match self.source {
            Source::Builder => false,
            Source::Env(var) => !var.starts_with("AIOS_TRACING_") && !OWN.contains(&var),
        }
    }

    /// The value is not acceptable: what it must be, and the value as given.
    pub(crate) fn invalid(
        &self,
        expected: impl Into<String>,
        value: impl Into<String>,
    ) -> ConfigError {
        ConfigError::invalid(self.setting, expected, value, self.source)
    }
}

/// A value as found: typed from the builder, or text from the environment.
#[derive(Debug)]
pub(crate) enum Raw<T> {
    Given(T),
    Text(String),
}

/// A value as found, with its origin.
#[derive(Debug)]
pub(crate) struct Found<T> {
    pub(crate) raw: Raw<T>,
    pub(crate) origin: Origin,
}

/// builder > `vars` in order > nothing.
pub(crate) fn lookup<T>(
    builder: Option<T>,
    method: &'static str,
    env: &Environment,
    vars: &[&'static str],
) -> Option<Found<T>> {
    if let Some(value) = builder {
        return Some(Found {
            raw: Raw::Given(value),
            origin: Origin::builder(method),
        });
    }
    env.first(vars).map(|(var, text)| Found {
        raw: Raw::Text(text),
        origin: Origin::env(var),
    })
}

/// An unusable value: an error, or for a standard variable (when the
/// environment is not strict) a warning, after which the caller uses
/// what `instead` describes.
pub(crate) fn reject(
    env: &Environment,
    origin: Origin,
    expected: &str,
    value: &str,
    instead: &str,
) -> Result<(), ConfigError> {
    if origin.is_standard() && !env.strict {
        env.warn(ConfigWarning {
            setting: origin.setting.to_owned(),
            value: value.to_owned(),
            expected: expected.to_owned(),
            instead: instead.to_owned(),
        });
        Ok(())
    } else {
        Err(origin.invalid(expected, value))
    }
}

impl<T> Found<T> {
    /// The value, text parsed with `parse` (`expected` says what it must
    /// look like); `None` when a standard variable's unusable text was
    /// ignored, and the caller uses what `instead` describes.
    pub(crate) fn parse(
        self,
        env: &Environment,
        parse: impl FnOnce(&str) -> Option<T>,
        expected: &str,
        instead: &str,
    ) -> Result<Option<(T, Origin)>, ConfigError> {
        match self.raw {
            Raw::Given(value) => Ok(Some((value, self.origin))),
            Raw::Text(text) => match parse(&text) {
                Some(value) => Ok(Some((value, self.origin))),
                None => reject(env, self.origin, expected, &text, instead).map(|()| None),
            },
        }
    }
}

/// A flag. Standard variables as the specification says: `true`
/// (any case) is true, anything else false (with a warning unless it is
/// `false`). The crate's own variables also take `1`/`0`, `yes`/`no`,
/// `on`/`off`, and refuse anything else.
pub(crate) fn flag(
    builder: Option<bool>,
    method: &'static str,
    env: &Environment,
    vars: &[&'static str],
    default: bool,
) -> Result<bool, ConfigError> {
    let Some(found) = lookup(builder, method, env, vars) else {
        return Ok(default);
    };
    if found.origin.is_standard() {
        if let Raw::Text(text) = &found.raw {
            return match text.to_ascii_lowercase().as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => reject(env, found.origin, "true or false", text, "false").map(|()| false),
            };
        }
    }
    let parsed = found.parse(env, parse_bool, "true or false", "false")?;
    Ok(parsed.is_some_and(|(value, _)| value))
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// A whole number of at least `min`.
pub(crate) fn number<T>(
    builder: Option<T>,
    method: &'static str,
    env: &Environment,
    vars: &[&'static str],
    min: T,
    default: T,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    let Some(found) = lookup(builder, method, env, vars) else {
        return Ok(default);
    };
    let instead = default.to_string();
    let expected = format!("a whole number ≥ {min}");
    let Some((value, origin)) = found.parse(env, |t| t.parse().ok(), &expected, &instead)? else {
        return Ok(default);
    };
    if value < min {
        reject(
            env,
            origin,
            &format!("at least {min}"),
            &value.to_string(),
            &instead,
        )?;
        return Ok(default);
    }
    Ok(value)
}

/// A duration: a `Duration` from the builder, milliseconds in variables.
pub(crate) fn millis(
    builder: Option<Duration>,
    method: &'static str,
    env: &Environment,
    vars: &[&'static str],
    default: Duration,
) -> Result<Duration, ConfigError> {
    let Some(found) = lookup(builder, method, env, vars) else {
        return Ok(default);
    };
    let parsed = found.parse(
        env,
        |t| t.parse().ok().map(Duration::from_millis),
        "a duration in milliseconds",
        &format!("{} ms", default.as_millis()),
    )?;
    Ok(parsed.map_or(default, |(value, _)| value))
}

/// Any text, with its origin.
pub(crate) fn text(
    builder: Option<String>,
    method: &'static str,
    env: &Environment,
    vars: &[&'static str],
) -> Option<(String, Origin)> {
    lookup(builder, method, env, vars).map(|found| match found.raw {
        Raw::Given(value) | Raw::Text(value) => (value, found.origin),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::env::Vars;

    #[test]
    fn booleans_accept_the_usual_spellings_only() {
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }

    fn env(vars: &[(&str, &str)]) -> Environment {
        Environment::new(Vars::Map(
            vars.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ))
    }

    #[test]
    fn the_builder_wins_then_the_first_variable_set() {
        let env = env(&[("A", "1"), ("B", "2")]);
        assert_eq!(
            number(Some(9), "method", &env, &["A", "B"], 0, 5).unwrap(),
            9
        );
        assert_eq!(number(None, "method", &env, &["B", "A"], 0, 5).unwrap(), 2);
        assert_eq!(number(None, "method", &env, &["C"], 0, 5).unwrap(), 5);
        let error = number(None, "method", &env, &["AIOS_TRACING_X"], 3, 5);
        assert!(error.is_ok(), "unset");
    }

    #[test]
    fn standard_variables_warn_and_fall_back_and_own_ones_fail() {
        let vars = [
            ("OTEL_N", "lots"),
            ("AIOS_TRACING_N", "lots"),
            ("OTEL_B", "yes"),
        ];
        let lenient = env(&vars);
        assert_eq!(number(None, "m", &lenient, &["OTEL_N"], 1, 7).unwrap(), 7);
        assert!(!flag(None, "m", &lenient, &["OTEL_B"], true).unwrap());
        let error = number(None, "m", &lenient, &["AIOS_TRACING_N"], 1, 7).unwrap_err();
        assert_eq!(
            error.to_string(),
            "AIOS_TRACING_N must be a whole number ≥ 1, got \"lots\" (from environment variable AIOS_TRACING_N)"
        );
        let warnings = lenient.into_warnings();
        assert_eq!(warnings.len(), 2);
        assert_eq!(
            warnings[0].to_string(),
            "OTEL_N=\"lots\" ignored: must be a whole number ≥ 1; using 7"
        );
        let mut strict = env(&vars);
        strict.strict = true;
        assert!(number(None, "m", &strict, &["OTEL_N"], 1, 7).is_err());
    }
}
