//! The limits group: how many attributes, events and links a span keeps,
//! and how long a string attribute value may be.

use super::env::Environment;
use super::given::Given;
use super::precedence;
use crate::error::ConfigError;
use crate::limits::SpanLimits;

/// The span limits: builder, else the span-specific variable, else the
/// general `OTEL_ATTRIBUTE_COUNT_LIMIT` (for attribute counts), else the
/// specification's default.
pub(super) fn resolve(b: &Given, env: &Environment) -> Result<SpanLimits, ConfigError> {
    let given = &b.span_limits;
    let default = SpanLimits::default();
    let count = |value, method, vars: &[&'static str], default| {
        precedence::number(value, method, env, vars, 0, default)
    };
    Ok(SpanLimits {
        attributes: count(
            given.attributes,
            "max_attributes_per_span",
            &[
                "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
                "OTEL_ATTRIBUTE_COUNT_LIMIT",
            ],
            default.attributes,
        )?,
        events: count(
            given.events,
            "max_events_per_span",
            &["OTEL_SPAN_EVENT_COUNT_LIMIT"],
            default.events,
        )?,
        links: count(
            given.links,
            "max_links_per_span",
            &["OTEL_SPAN_LINK_COUNT_LIMIT"],
            default.links,
        )?,
        attributes_per_event: count(
            given.attributes_per_event,
            "max_attributes_per_event",
            &[
                "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
                "OTEL_ATTRIBUTE_COUNT_LIMIT",
            ],
            default.attributes_per_event,
        )?,
        attributes_per_link: count(
            given.attributes_per_link,
            "max_attributes_per_link",
            &[
                "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
                "OTEL_ATTRIBUTE_COUNT_LIMIT",
            ],
            default.attributes_per_link,
        )?,
    })
}

/// The longest string attribute value, in bytes.
pub(super) fn value_length(b: &Given, env: &Environment) -> Result<usize, ConfigError> {
    precedence::number(
        b.max_attribute_value_length,
        "max_attribute_value_length",
        env,
        &[
            "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
            "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        ],
        1,
        65_536,
    )
}
