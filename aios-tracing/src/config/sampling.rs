//! The sampling group: which new traces are recorded, by the builder or
//! `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`; sampling rules and
//! the cap on new traces, by the builder or `AIOS_TRACING_SAMPLING_RULES` /
//! `AIOS_TRACING_TRACES_PER_SECOND`.

use super::env::Environment;
use super::given::Given;
use super::precedence::{self, lookup, reject, Origin, Raw};
use super::sampler::Sampler;
use super::sampling_rules::SamplingRule;
use crate::error::ConfigError;

const DEFAULT: Sampler = Sampler::ParentBasedAlwaysOn;
const NAMES: &str = "one of always_on, always_off, traceidratio, parentbased_always_on, \
     parentbased_always_off, parentbased_traceidratio";
const RATIO: &str = "within 0.0..=1.0";

pub(super) fn resolve(b: &Given, env: &Environment) -> Result<Sampler, ConfigError> {
    let Some(found) = lookup(b.sampler, "sampler", env, &["OTEL_TRACES_SAMPLER"]) else {
        return Ok(DEFAULT);
    };
    let origin = found.origin;
    let name = match found.raw {
        Raw::Given(sampler) => {
            let ratio = sampler.root_ratio();
            if !(0.0..=1.0).contains(&ratio) {
                // The builder's `sampling_ratio` is the usual way to give one.
                let setting = match sampler {
                    Sampler::ParentBasedTraceIdRatio(_) => "sampling_ratio",
                    _ => "sampler",
                };
                return Err(ConfigError::invalid(
                    setting,
                    RATIO,
                    ratio.to_string(),
                    origin.source,
                ));
            }
            return Ok(sampler);
        }
        Raw::Text(name) => name,
    };
    let with_ratio: fn(f64) -> Sampler = match name.to_ascii_lowercase().as_str() {
        "always_on" => return Ok(Sampler::AlwaysOn),
        "always_off" => return Ok(Sampler::AlwaysOff),
        "parentbased_always_on" => return Ok(Sampler::ParentBasedAlwaysOn),
        "parentbased_always_off" => return Ok(Sampler::ParentBasedAlwaysOff),
        "traceidratio" => Sampler::TraceIdRatio,
        "parentbased_traceidratio" => Sampler::ParentBasedTraceIdRatio,
        _ => {
            reject(env, origin, NAMES, &name, &DEFAULT.to_string())?;
            return Ok(DEFAULT);
        }
    };
    // The argument means something only to the ratio samplers.
    let Some(found) = lookup(None::<f64>, "", env, &["OTEL_TRACES_SAMPLER_ARG"]) else {
        return Ok(with_ratio(1.0));
    };
    let ratio = found
        .parse(
            env,
            |t| t.parse().ok().filter(|r| (0.0..=1.0).contains(r)),
            RATIO,
            "1.0",
        )?
        .map_or(1.0, |(ratio, _)| ratio);
    Ok(with_ratio(ratio))
}

const EXPECTED: &str = "rules like `name=GET /health:0;http.route=/admin/*:1;*:0.01` \
     (conditions name=, kind= or ATTRIBUTE=, joined with `,`; a ratio within 0.0..=1.0)";

/// The rules: the builder's, else the variable's (an error quoting the
/// rule it could not read).
pub(super) fn rules(b: &Given, env: &Environment) -> Result<Vec<SamplingRule>, ConfigError> {
    let Some(found) = lookup(
        b.sampling_rules.clone(),
        "sampling_rules",
        env,
        &["AIOS_TRACING_SAMPLING_RULES"],
    ) else {
        return Ok(Vec::new());
    };
    let rules = match found.raw {
        Raw::Given(rules) => rules,
        Raw::Text(text) => {
            SamplingRule::parse_list(&text).map_err(|bad| found.origin.invalid(EXPECTED, bad))?
        }
    };
    if let Some(bad) = rules.iter().find(|rule| !(0.0..=1.0).contains(&rule.ratio)) {
        return Err(Origin::builder("sampling_rules").invalid(EXPECTED, bad.to_string()));
    }
    Ok(rules)
}

/// The cap on new traces per second, if any.
pub(super) fn traces_per_second(b: &Given, env: &Environment) -> Result<Option<f64>, ConfigError> {
    let Some(found) = lookup(
        b.max_traces_per_second,
        "max_traces_per_second",
        env,
        &["AIOS_TRACING_TRACES_PER_SECOND"],
    ) else {
        return Ok(None);
    };
    const POSITIVE: &str = "a number of traces per second above 0";
    let parsed = found.parse(env, |t| t.parse().ok(), POSITIVE, "no cap")?;
    match parsed {
        Some((rate, origin)) if !(rate > 0.0 && rate.is_finite()) => {
            precedence::reject(env, origin, POSITIVE, &rate.to_string(), "no cap")?;
            Ok(None)
        }
        parsed => Ok(parsed.map(|(rate, _)| rate)),
    }
}
