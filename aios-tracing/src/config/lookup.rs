//! The precedence rule in one place: a builder value, else the first
//! environment variable set, else the default; with where the value came
//! from, so errors can say which knob to turn.

use super::env::{parse_bool, Environment};
use crate::error::{ConfigError, Source};
use std::fmt;
use std::time::Duration;

/// A value with where it came from, so errors can say which knob to fix.
pub(super) struct Found<T> {
    pub(super) value: T,
    pub(super) source: Source,
    pub(super) setting: &'static str,
}

/// builder > env vars in order > nothing.
pub(super) fn lookup<T: Clone>(
    builder: Option<&T>,
    builder_name: &'static str,
    env: &Environment,
    vars: &[&'static str],
) -> Option<Found<Result<T, String>>> {
    if let Some(value) = builder {
        return Some(Found {
            value: Ok(value.clone()),
            source: Source::Builder,
            setting: builder_name,
        });
    }
    env.first(vars).map(|(var, raw)| Found {
        value: Err(raw),
        source: Source::Env(var),
        setting: var,
    })
}

pub(super) fn env_bool(
    builder: Option<bool>,
    builder_name: &'static str,
    env: &Environment,
    vars: &[&'static str],
    default: bool,
) -> Result<bool, ConfigError> {
    match lookup(builder.as_ref(), builder_name, env, vars) {
        None => Ok(default),
        Some(Found { value: Ok(v), .. }) => Ok(v),
        Some(Found {
            value: Err(raw),
            source,
            setting,
        }) => parse_bool(&raw, source, setting),
    }
}

pub(super) fn env_number<T: Clone + std::str::FromStr + PartialOrd + fmt::Display>(
    builder: Option<T>,
    builder_name: &'static str,
    env: &Environment,
    var: &'static str,
    min: T,
    default: T,
) -> Result<T, ConfigError> {
    let found = match lookup(builder.as_ref(), builder_name, env, &[var]) {
        None => return Ok(default),
        Some(found) => found,
    };
    let shown = |v: &T| v.to_string();
    let value = match found.value {
        Ok(v) => v,
        Err(raw) => raw.parse::<T>().map_err(|_| {
            ConfigError::invalid(
                found.setting,
                format!("a whole number ≥ {min}"),
                raw,
                found.source,
            )
        })?,
    };
    if value < min {
        return Err(ConfigError::invalid(
            found.setting,
            format!("at least {min}"),
            shown(&value),
            found.source,
        ));
    }
    Ok(value)
}

pub(super) fn env_millis(
    builder: Option<Duration>,
    env: &Environment,
    var: &'static str,
    default: Duration,
) -> Result<Duration, ConfigError> {
    if let Some(d) = builder {
        return Ok(d);
    }
    match env.get(var) {
        None => Ok(default),
        Some(raw) => raw.parse::<u64>().map(Duration::from_millis).map_err(|_| {
            ConfigError::invalid(var, "a duration in milliseconds", raw, Source::Env(var))
        }),
    }
}
