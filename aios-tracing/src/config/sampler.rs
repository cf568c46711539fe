//! The OpenTelemetry samplers, as `OTEL_TRACES_SAMPLER` names them.

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
