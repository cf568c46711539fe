//! Sampling rules: an ordered list, matched against a new trace's root
//! span (its name, kind and the attributes known at its start); the first
//! that matches gives the ratio.

use opentelemetry::trace::SpanKind;
use opentelemetry::KeyValue;

/// What a root's sampling decision can see.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate<'a> {
    pub(crate) name: &'a str,
    pub(crate) kind: &'a SpanKind,
    /// The attributes the span starts with: a span builder's, an
    /// integration's (`http.route`, `url.path`, `rpc.method`, …),
    /// `#[trace]`'s. Without rules they are built only for a recorded span.
    pub(crate) attributes: &'a [KeyValue],
}

impl Candidate<'_> {
    /// For a sampler without rules, which reads none of it.
    pub(crate) const UNDESCRIBED: Candidate<'static> = Candidate {
        name: "",
        kind: &SpanKind::Internal,
        attributes: &[],
    };
}

/// One condition of a rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Condition {
    Name(Glob),
    Kind(SpanKind),
    Attribute(String, Glob),
}

/// A rule: all its conditions hold, then `ratio` applies.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rule {
    pub(crate) conditions: Vec<Condition>,
    pub(crate) ratio: f64,
}

impl Rule {
    pub(crate) fn matches(&self, candidate: &Candidate<'_>) -> bool {
        self.conditions.iter().all(|condition| match condition {
            Condition::Name(glob) => glob.matches(candidate.name),
            Condition::Kind(kind) => kind == candidate.kind,
            Condition::Attribute(key, glob) => candidate
                .attributes
                .iter()
                .find(|kv| kv.key.as_str() == key)
                .is_some_and(|kv| glob.matches(&kv.value.as_str())),
        })
    }
}

/// A pattern where `*` stands for any text (including none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob(String);

impl Glob {
    pub(crate) fn new(pattern: impl Into<String>) -> Self {
        Glob(pattern.into())
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn matches(&self, text: &str) -> bool {
        let mut parts = self.0.split('*');
        let first = parts.next().unwrap_or_default();
        let Some(mut rest) = text.strip_prefix(first) else {
            return false;
        };
        let mut parts: Vec<&str> = parts.collect();
        let Some(last) = parts.pop() else {
            // No `*`: the whole text.
            return rest.is_empty();
        };
        for part in parts {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
        rest.ends_with(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let m = |pattern: &str, text: &str| Glob::new(pattern).matches(text);
        assert!(m("/health", "/health"));
        assert!(!m("/health", "/healthz"));
        assert!(m("/admin/*", "/admin/users/7"));
        assert!(m("/admin/*", "/admin/"));
        assert!(!m("/admin/*", "/adminx"));
        assert!(m("*", ""));
        assert!(m("GET *", "GET /orders/{id}"));
        assert!(m("*/orders/*", "GET /orders/{id}"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "axxcyyb"));
    }

    #[test]
    fn every_condition_must_hold() {
        let rule = Rule {
            conditions: vec![
                Condition::Kind(SpanKind::Server),
                Condition::Attribute("http.route".into(), Glob::new("/admin/*")),
            ],
            ratio: 1.0,
        };
        let attributes = [KeyValue::new("http.route", "/admin/users")];
        let server = Candidate {
            name: "GET /admin/users",
            kind: &SpanKind::Server,
            attributes: &attributes,
        };
        assert!(rule.matches(&server));
        assert!(!rule.matches(&Candidate {
            kind: &SpanKind::Client,
            ..server
        }));
        assert!(!rule.matches(&Candidate {
            attributes: &[],
            ..server
        }));
    }
}
