//! The sampling group: which new traces are recorded, by the builder or
//! `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`.

use super::env::Environment;
use super::given::Given;
use super::precedence::{lookup, reject, Raw};
use crate::error::ConfigError;
use std::fmt;

/// The OpenTelemetry samplers, as `OTEL_TRACES_SAMPLER` names them.
///
/// A parent-based sampler follows the parent's decision for child spans
/// and applies its root sampler to new traces; the others decide for
/// every span. The default is `ParentBasedAlwaysOn`.
///
/// ```
/// use aios_tracing::{Sampler, TracingSdk};
/// let config = TracingSdk::builder("svc")
///     .sampler(Sampler::ParentBasedTraceIdRatio(0.25))
///     .environment(std::iter::empty::<(String, String)>())
///     .resolve()?;
/// assert_eq!(config.sampler, Sampler::ParentBasedTraceIdRatio(0.25));
/// # Ok::<(), aios_tracing::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Sampler {
    /// Record every span.
    AlwaysOn,
    /// Record no span.
    AlwaysOff,
    /// Record a span when its trace id falls within the ratio.
    TraceIdRatio(f64),
    /// Follow the parent; record every new trace.
    ParentBasedAlwaysOn,
    /// Follow the parent; record no new trace.
    ParentBasedAlwaysOff,
    /// Follow the parent; record new traces at the ratio.
    ParentBasedTraceIdRatio(f64),
}

impl Sampler {
    /// The ratio of new traces recorded: 1 or 0 for the fixed samplers.
    pub fn root_ratio(&self) -> f64 {
        match self {
            Sampler::AlwaysOn | Sampler::ParentBasedAlwaysOn => 1.0,
            Sampler::AlwaysOff | Sampler::ParentBasedAlwaysOff => 0.0,
            Sampler::TraceIdRatio(ratio) | Sampler::ParentBasedTraceIdRatio(ratio) => *ratio,
        }
    }

    /// Whether child spans follow their parent's decision.
    pub fn is_parent_based(&self) -> bool {
        matches!(
            self,
            Sampler::ParentBasedAlwaysOn
                | Sampler::ParentBasedAlwaysOff
                | Sampler::ParentBasedTraceIdRatio(_)
        )
    }
}

impl fmt::Display for Sampler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sampler::AlwaysOn => f.write_str("always_on"),
            Sampler::AlwaysOff => f.write_str("always_off"),
            Sampler::TraceIdRatio(r) => write!(f, "traceidratio ({r})"),
            Sampler::ParentBasedAlwaysOn => f.write_str("parentbased_always_on"),
            Sampler::ParentBasedAlwaysOff => f.write_str("parentbased_always_off"),
            Sampler::ParentBasedTraceIdRatio(r) => write!(f, "parentbased_traceidratio ({r})"),
        }
    }
}

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
