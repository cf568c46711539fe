//! The precedence rule, in one place: a builder value, else the first
//! environment variable that is set, else the default; with where the
//! value came from, so an error names the builder call or the variable
//! to fix.

use super::env::Environment;
use crate::error::{ConfigError, Source};
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

impl<T> Found<T> {
    /// The value, parsing text with `parse`; `expected` says what the text
    /// must look like when it does not parse.
    pub(crate) fn parse(
        self,
        parse: impl FnOnce(&str) -> Option<T>,
        expected: &str,
    ) -> Result<(T, Origin), ConfigError> {
        match self.raw {
            Raw::Given(value) => Ok((value, self.origin)),
            Raw::Text(text) => match parse(&text) {
                Some(value) => Ok((value, self.origin)),
                None => Err(self.origin.invalid(expected, text)),
            },
        }
    }
}

/// A flag; variables as `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
pub(crate) fn flag(
    builder: Option<bool>,
    method: &'static str,
    env: &Environment,
    vars: &[&'static str],
    default: bool,
) -> Result<bool, ConfigError> {
    match lookup(builder, method, env, vars) {
        None => Ok(default),
        Some(found) => found.parse(parse_bool, "true or false").map(|(v, _)| v),
    }
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
    let (value, origin) = found.parse(|t| t.parse().ok(), &format!("a whole number ≥ {min}"))?;
    if value < min {
        return Err(origin.invalid(format!("at least {min}"), value.to_string()));
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
    match lookup(builder, method, env, vars) {
        None => Ok(default),
        Some(found) => found
            .parse(
                |t| t.parse().ok().map(Duration::from_millis),
                "a duration in milliseconds",
            )
            .map(|(v, _)| v),
    }
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

    #[test]
    fn booleans_accept_the_usual_spellings_only() {
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn the_builder_wins_then_the_first_variable_set() {
        let env = Environment::Map(
            [("A", "1"), ("B", "2")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        );
        assert_eq!(
            number(Some(9), "method", &env, &["A", "B"], 0, 5).unwrap(),
            9
        );
        assert_eq!(number(None, "method", &env, &["B", "A"], 0, 5).unwrap(), 2);
        assert_eq!(number(None, "method", &env, &["C"], 0, 5).unwrap(), 5);
        let error = number(None, "method", &env, &["A"], 3, 5).unwrap_err();
        assert_eq!(
            error.to_string(),
            "A must be at least 3, got \"1\" (from environment variable A)"
        );
    }
}
