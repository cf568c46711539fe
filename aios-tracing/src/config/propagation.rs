//! The propagation group: which propagators read and write headers.

use super::env::Environment;
use super::given::Given;
use super::precedence::{lookup, reject, Raw};
use crate::error::ConfigError;

/// Which propagators read and write headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Propagation {
    /// W3C `traceparent` / `tracestate`.
    pub trace_context: bool,
    /// W3C `baggage`.
    pub baggage: bool,
    /// B3 single header (`b3`) for injection; extraction reads both B3 forms.
    pub b3_single: bool,
    /// B3 multi header (`X-B3-TraceId`, …) for injection.
    pub b3_multi: bool,
}

impl Propagation {
    /// W3C Trace Context and Baggage: the default.
    pub(crate) const W3C: Propagation = Propagation {
        trace_context: true,
        baggage: true,
        b3_single: false,
        b3_multi: false,
    };

    const NONE: Propagation = Propagation {
        trace_context: false,
        baggage: false,
        b3_single: false,
        b3_multi: false,
    };
}

/// Propagators other OpenTelemetry SDKs know, which this one does not
/// provide: a shared `OTEL_PROPAGATORS` may name them.
const UNSUPPORTED: [&str; 4] = ["xray", "xray-lambda", "jaeger", "ottrace"];

pub(super) fn resolve(b: &Given, env: &Environment) -> Result<Propagation, ConfigError> {
    let Some(found) = lookup(b.b3, "use_b3_propagation", env, &["OTEL_PROPAGATORS"]) else {
        return Ok(Propagation::W3C);
    };
    let text = match found.raw {
        Raw::Given(true) => {
            return Ok(Propagation {
                b3_single: true,
                baggage: true,
                ..Propagation::NONE
            })
        }
        Raw::Given(false) => return Ok(Propagation::W3C),
        Raw::Text(text) => text,
    };
    let (mut p, mut known) = (Propagation::NONE, false);
    for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match name.to_ascii_lowercase().as_str() {
            "tracecontext" => p.trace_context = true,
            "baggage" => p.baggage = true,
            "b3" => p.b3_single = true,
            "b3multi" => p.b3_multi = true,
            "none" => {}
            other => {
                // Known entries are kept: one environment shared with
                // services that support more must not stop this one.
                let expected = if UNSUPPORTED.contains(&other) {
                    "a propagator this SDK provides (tracecontext, baggage, b3, b3multi, none)"
                } else {
                    "a list of tracecontext, baggage, b3, b3multi, none"
                };
                reject(env, found.origin, expected, name, "the other entries")?;
                continue;
            }
        }
        known = true;
    }
    if !known {
        // Nothing usable at all: the default, as for any unusable value.
        return Ok(Propagation::W3C);
    }
    Ok(p)
}
