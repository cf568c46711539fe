//! The limits group: how long a string attribute value may be.

use super::env::Environment;
use super::given::Given;
use super::precedence;
use crate::error::ConfigError;

/// The longest string attribute value, in bytes.
pub(super) fn resolve(b: &Given, env: &Environment) -> Result<usize, ConfigError> {
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
