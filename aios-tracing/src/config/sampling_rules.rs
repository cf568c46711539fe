//! A sampling rule for new traces, and its one-line syntax
//! (`AIOS_TRACING_SAMPLING_RULES`).

use crate::lifecycle::sampling::{Condition, Glob, Rule};
use opentelemetry::trace::SpanKind;
use std::fmt;

/// A sampling rule for new traces: when the root span matches every
/// condition (name, kind, attributes known at its start; `*` in a
/// pattern stands for any text), `ratio` of its traces are recorded. The
/// first rule that matches decides; the configured sampler decides for
/// traces no rule matches. Child spans follow their parent as before.
///
/// ```
/// use aios_tracing::{SamplingRule, SpanKind, TracingSdk};
/// let config = TracingSdk::builder("api")
///     .sampling_rules([
///         SamplingRule::ratio(0.0).name("GET /health"),
///         SamplingRule::ratio(1.0).kind(SpanKind::Server).attribute("http.route", "/admin/*"),
///         SamplingRule::ratio(0.01),
///     ])
///     .environment(std::iter::empty::<(String, String)>())
///     .resolve()?;
/// assert_eq!(config.sampling_rules.len(), 3);
/// // The same, as `AIOS_TRACING_SAMPLING_RULES` writes it:
/// let text = "name=GET /health:0;kind=server,http.route=/admin/*:1;*:0.01";
/// assert_eq!(SamplingRule::parse_list(text)?, config.sampling_rules);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingRule {
    conditions: Vec<Condition>,
    pub(super) ratio: f64,
}

impl SamplingRule {
    /// A rule matching every new trace, recording `ratio` of them (narrow
    /// it with the other methods).
    pub fn ratio(ratio: f64) -> Self {
        SamplingRule {
            conditions: Vec::new(),
            ratio,
        }
    }

    /// Only roots whose name matches `pattern`.
    pub fn name(mut self, pattern: impl Into<String>) -> Self {
        self.conditions.push(Condition::Name(Glob::new(pattern)));
        self
    }

    /// Only roots of this kind.
    pub fn kind(mut self, kind: SpanKind) -> Self {
        self.conditions.push(Condition::Kind(kind));
        self
    }

    /// Only roots with the attribute `key` at their start, its value
    /// matching `pattern`.
    pub fn attribute(mut self, key: impl Into<String>, pattern: impl Into<String>) -> Self {
        self.conditions
            .push(Condition::Attribute(key.into(), Glob::new(pattern)));
        self
    }

    /// Rules in `AIOS_TRACING_SAMPLING_RULES`'s syntax: rules separated by
    /// `;`, each `conditions:ratio`, conditions separated by `,` (or `*`
    /// for none): `name=PATTERN`, `kind=server|client|producer|consumer|internal`,
    /// or `ATTRIBUTE=PATTERN`. The error quotes the rule it could not read.
    pub fn parse_list(text: &str) -> Result<Vec<SamplingRule>, String> {
        text.split(';')
            .map(str::trim)
            .filter(|rule| !rule.is_empty())
            .map(|rule| parse(rule).ok_or_else(|| rule.to_owned()))
            .collect()
    }

    pub(crate) fn to_rule(&self) -> Rule {
        Rule {
            conditions: self.conditions.clone(),
            ratio: self.ratio,
        }
    }
}

fn parse(rule: &str) -> Option<SamplingRule> {
    let (conditions, ratio) = rule.rsplit_once(':')?;
    let ratio: f64 = ratio
        .trim()
        .parse()
        .ok()
        .filter(|r| (0.0..=1.0).contains(r))?;
    let mut parsed = SamplingRule::ratio(ratio);
    if conditions.trim() == "*" {
        return Some(parsed);
    }
    for condition in conditions.split(',') {
        let (key, value) = condition.split_once('=')?;
        let (key, value) = (key.trim(), value.trim());
        parsed = match key {
            "" => return None,
            "name" => parsed.name(value),
            "kind" => parsed.kind(kind(value)?),
            key => parsed.attribute(key, value),
        };
    }
    Some(parsed)
}

fn kind(text: &str) -> Option<SpanKind> {
    Some(match text.to_ascii_lowercase().as_str() {
        "server" => SpanKind::Server,
        "client" => SpanKind::Client,
        "producer" => SpanKind::Producer,
        "consumer" => SpanKind::Consumer,
        "internal" => SpanKind::Internal,
        _ => return None,
    })
}

impl fmt::Display for SamplingRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.conditions.is_empty() {
            f.write_str("*")?;
        }
        for (i, condition) in self.conditions.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match condition {
                Condition::Name(glob) => write!(f, "name={}", glob.as_str())?,
                Condition::Kind(kind) => write!(f, "kind={}", format!("{kind:?}").to_lowercase())?,
                Condition::Attribute(key, glob) => write!(f, "{key}={}", glob.as_str())?,
            }
        }
        write!(f, ":{}", self.ratio)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_line_syntax_reads_and_writes_back() {
        let text = "name=GET /health:0;kind=server,http.route=/admin/*:1;*:0.01";
        let rules = SamplingRule::parse_list(text).unwrap();
        assert_eq!(rules.len(), 3);
        let written: Vec<_> = rules.iter().map(ToString::to_string).collect();
        assert_eq!(written.join(";"), text);
    }

    #[test]
    fn a_bad_rule_is_quoted() {
        for bad in [
            "name=x",
            "name=x:2",
            "kind=sideways:1",
            "=x:1",
            "noequals:1",
        ] {
            let text = format!("*:1;{bad}");
            assert_eq!(
                SamplingRule::parse_list(&text),
                Err(bad.to_owned()),
                "{bad}"
            );
        }
    }
}
