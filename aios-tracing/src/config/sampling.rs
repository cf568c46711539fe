//! The sampling group: the ratio of new traces recorded.

use super::env::Environment;
use super::given::Given;
use super::precedence::lookup;
use crate::error::ConfigError;

pub(super) fn resolve(b: &Given, env: &Environment) -> Result<f64, ConfigError> {
    let Some(found) = lookup(
        b.sampling_ratio,
        "sampling_ratio",
        env,
        &["OTEL_TRACES_SAMPLER_ARG"],
    ) else {
        return Ok(1.0);
    };
    const EXPECTED: &str = "within 0.0..=1.0";
    let (ratio, origin) = found.parse(|t| t.parse().ok(), EXPECTED)?;
    if !(0.0..=1.0).contains(&ratio) {
        return Err(origin.invalid(EXPECTED, ratio.to_string()));
    }
    Ok(ratio)
}
