//! The sampling decision, made before anything is built.
//!
//! The SDK generates ids, clones the parent context and builds the
//! attribute list before its sampler runs, so an unsampled span costs
//! nearly as much as a sampled one. Here the decision comes first, with the
//! same `ParentBased(TraceIdRatioBased(ratio))` rule: a span that will not
//! be recorded reuses its unsampled parent's context (nothing allocated),
//! and an unsampled root gets a non-recording context carrying fresh ids
//! (so downstream services still see "not sampled").
//!
//! When a root *is* sampled at a ratio below 1, the trace id drawn for the
//! decision becomes the span's trace id.
//!
//! For a new trace, sampling rules (`rules`) pick the ratio by the root's
//! name, kind and known attributes, and a rate limit (`limit`) caps the
//! traces recorded per second; both are counted.

mod limit;
mod rules;

pub(crate) use limit::RateLimit;
pub(crate) use rules::{Candidate, Condition, Glob, Rule};

use opentelemetry::trace::{SpanContext, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};
use std::sync::atomic::{AtomicU64, Ordering};

/// W3C Trace Context Level 2's `random` flag: the trace id is random, as
/// every one this crate draws is.
pub(crate) const RANDOM_TRACE_ID: TraceFlags = TraceFlags::new(0x02);

/// What to do for a span about to start.
pub(crate) enum Decision {
    /// Record it; a new root takes this trace id if there is one.
    Record(Option<TraceId>),
    /// Don't record it, and build nothing: the parent's context already
    /// says "not sampled" (or telemetry is suppressed), so the span is
    /// that context itself.
    Inherit,
    /// Don't record it: a new root, not sampled, with fresh ids so
    /// downstream services see "not sampled" too.
    Unsampled(Context),
    /// A new trace, for the sampling rules: describe its root (name, kind,
    /// attributes) and decide with `Sampler::decide_root`.
    Describe,
}

impl Decision {
    /// The parent's decision, followed.
    #[inline(always)]
    pub(crate) fn following(sampled: bool) -> Decision {
        if sampled {
            Decision::Record(None)
        } else {
            Decision::Inherit
        }
    }
}

/// `TraceIdRatioBased`'s rule, as the SDK computes it, so both agree.
fn ratio_samples(trace_id: TraceId, ratio: f64) -> bool {
    let bound = (ratio.max(0.0) * (1u64 << 63) as f64) as u64;
    let low = u64::from_be_bytes(trace_id.to_bytes()[8..].try_into().unwrap_or_default());
    (low >> 1) < bound
}

/// One SDK's sampler: the ratio of new traces it records (1 and 0 for
/// the fixed samplers), whether child spans follow their parent, the
/// rules that pick another ratio for some traces, and the cap.
#[derive(Debug)]
pub(crate) struct Sampler {
    pub(crate) ratio: f64,
    pub(crate) parent_based: bool,
    pub(crate) rules: Vec<Rule>,
    pub(crate) limit: Option<RateLimit>,
    pub(crate) roots: RootCounts,
}

/// How new traces were decided.
#[derive(Debug, Default)]
pub(crate) struct RootCounts {
    pub(crate) sampled: AtomicU64,
    /// Not sampled: a rule's ratio, or the sampler's.
    pub(crate) dropped_by_rule: AtomicU64,
    /// Sampled, then over the cap.
    pub(crate) dropped_by_limit: AtomicU64,
}

impl Sampler {
    /// The sampler alone: no rules, no cap.
    pub(crate) fn new(ratio: f64, parent_based: bool) -> Self {
        Sampler {
            ratio,
            parent_based,
            rules: Vec::new(),
            limit: None,
            roots: RootCounts::default(),
        }
    }

    /// The decision when the parent makes it (a parent-based sampler under
    /// a valid parent, or telemetry suppressed): whether the span is
    /// recorded. `None`: [`decide`](Self::decide) must. Cheap enough to be
    /// inlined where the current context is read, which most spans of a
    /// service (children of a request's span) need and no more.
    #[inline(always)]
    pub(crate) fn follows_parent(&self, parent: &Context) -> Option<bool> {
        if parent.is_telemetry_suppressed() {
            return Some(false);
        }
        let span = parent.span();
        let sc = span.span_context();
        (self.parent_based && sc.is_valid()).then(|| sc.is_sampled())
    }

    /// Decides for a child of `parent`, or asks for the candidate when
    /// rules must look at a new trace: what `lifecycle::start` does in two
    /// steps, so that most spans stop at the first.
    #[cfg(test)]
    pub(crate) fn decide(&self, parent: &Context) -> Decision {
        match self.follows_parent(parent) {
            Some(sampled) => Decision::following(sampled),
            None => self.decide_unfollowed(parent),
        }
    }

    /// The decision [`follows_parent`](Self::follows_parent) leaves open:
    /// a new trace, or a sampler that decides for every span.
    pub(crate) fn decide_unfollowed(&self, parent: &Context) -> Decision {
        let span = parent.span();
        let sc = span.span_context();
        if !sc.is_valid() {
            return self.decide_new_trace(parent);
        }
        self.decide_by_trace_id(parent, sc)
    }

    #[inline(never)]
    fn decide_new_trace(&self, parent: &Context) -> Decision {
        if !self.rules.is_empty() {
            Decision::Describe
        } else if self.limit.is_some() {
            self.decide_root(parent, &Candidate::UNDESCRIBED)
        } else {
            // The ratio alone: nothing to count that the ratio does not
            // already say, and no shared counter on every new trace.
            decide_root(parent, self.ratio)
        }
    }

    /// Deciding for every span, not following the parent: the parent's
    /// trace id, this ratio.
    #[cold]
    fn decide_by_trace_id(&self, parent: &Context, sc: &SpanContext) -> Decision {
        if self.ratio >= 1.0 || (self.ratio > 0.0 && ratio_samples(sc.trace_id(), self.ratio)) {
            return Decision::Record(None);
        }
        if !sc.is_sampled() {
            return Decision::Inherit;
        }
        // A recorded parent's child that is not recorded gets ids of its
        // own and says so downstream.
        let child = SpanContext::new(
            sc.trace_id(),
            RandomIdGenerator::default().new_span_id(),
            TraceFlags::new(sc.trace_flags().to_u8() & !TraceFlags::SAMPLED.to_u8()),
            false,
            sc.trace_state().clone(),
        );
        Decision::Unsampled(parent.with_remote_span_context(child))
    }
}

impl Sampler {
    /// Decides for a new trace: the first matching rule's ratio, else the
    /// sampler's; then the cap.
    pub(crate) fn decide_root(&self, parent: &Context, candidate: &Candidate<'_>) -> Decision {
        let ratio = self
            .rules
            .iter()
            .find(|rule| rule.matches(candidate))
            .map_or(self.ratio, |rule| rule.ratio);
        let decision = decide_root(parent, ratio);
        let counter = match &decision {
            Decision::Record(_) if self.limit.as_ref().is_some_and(|limit| !limit.allow()) => {
                count(&self.roots.dropped_by_limit);
                return unsampled_root(parent, RandomIdGenerator::default().new_trace_id());
            }
            Decision::Record(_) => &self.roots.sampled,
            _ => &self.roots.dropped_by_rule,
        };
        count(counter);
        decision
    }
}

fn count(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Decides for a new trace at `ratio`.
fn decide_root(parent: &Context, ratio: f64) -> Decision {
    if ratio >= 1.0 {
        return Decision::Record(None);
    }
    let ids = RandomIdGenerator::default();
    let trace_id = ids.new_trace_id();
    if ratio > 0.0 && ratio_samples(trace_id, ratio) {
        return Decision::Record(Some(trace_id));
    }
    unsampled_root(parent, trace_id)
}

/// A new trace not sampled: fresh ids, so downstream services see "not
/// sampled" too.
fn unsampled_root(parent: &Context, trace_id: TraceId) -> Decision {
    let ids = RandomIdGenerator::default();
    let unsampled = SpanContext::new(
        trace_id,
        ids.new_span_id(),
        RANDOM_TRACE_ID,
        false,
        TraceState::NONE,
    );
    Decision::Unsampled(parent.with_remote_span_context(unsampled))
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::SpanKind;

    const ANY: Candidate<'static> = Candidate {
        name: "op",
        kind: &SpanKind::Internal,
        attributes: &[],
    };

    #[test]
    fn the_first_matching_rule_picks_the_ratio_and_the_cap_limits_and_all_is_counted() {
        let mut sampler = Sampler::new(1.0, true);
        sampler.rules = vec![
            Rule {
                conditions: vec![Condition::Name(Glob::new("GET /health"))],
                ratio: 0.0,
            },
            Rule {
                conditions: vec![],
                ratio: 1.0,
            },
        ];
        sampler.limit = Some(RateLimit::new(3.0));
        let health = Candidate {
            name: "GET /health",
            ..ANY
        };
        assert!(matches!(
            sampler.decide(&Context::new()),
            Decision::Describe
        ));
        assert!(matches!(
            sampler.decide_root(&Context::new(), &health),
            Decision::Unsampled(_)
        ));
        let recorded = (0..5)
            .filter(|_| {
                matches!(
                    sampler.decide_root(&Context::new(), &ANY),
                    Decision::Record(_)
                )
            })
            .count();
        assert_eq!(recorded, 3);
        let counts = &sampler.roots;
        let read = |c: &AtomicU64| c.load(Ordering::Relaxed);
        assert_eq!(
            (
                read(&counts.sampled),
                read(&counts.dropped_by_rule),
                read(&counts.dropped_by_limit)
            ),
            (3, 1, 2)
        );
    }

    #[test]
    fn the_ratio_rule_matches_the_sdk_sampler() {
        use opentelemetry::trace::SpanKind;
        use opentelemetry_sdk::trace::{Sampler, SamplingDecision, ShouldSample};
        let ids = RandomIdGenerator::default();
        for ratio in [0.0, 0.1, 0.5, 0.9] {
            let sampler = Sampler::TraceIdRatioBased(ratio);
            for _ in 0..2_000 {
                let trace_id = ids.new_trace_id();
                let sdk = sampler.should_sample(None, trace_id, "x", &SpanKind::Internal, &[], &[]);
                let sdk_samples = sdk.decision == SamplingDecision::RecordAndSample;
                assert_eq!(ratio_samples(trace_id, ratio), sdk_samples, "ratio {ratio}");
            }
        }
    }

    #[test]
    fn unsampled_children_reuse_the_parent_and_roots_get_fresh_ids() {
        let parent_sc = SpanContext::new(
            TraceId::from(7u128),
            opentelemetry::trace::SpanId::from(9u64),
            TraceFlags::default(),
            true,
            TraceState::NONE,
        );
        let parent = Context::new().with_remote_span_context(parent_sc);
        let parent_based = |ratio| Sampler::new(ratio, true);
        assert!(matches!(
            parent_based(1.0).decide(&parent),
            Decision::Inherit
        ));
        match parent_based(0.0).decide(&Context::new()) {
            Decision::Unsampled(cx) => {
                let sc = cx.span().span_context().clone();
                assert!(sc.is_valid() && !sc.is_sampled());
            }
            _ => panic!("ratio 0 never samples a root"),
        }
        assert!(matches!(
            parent_based(1.0).decide(&Context::new()),
            Decision::Record(None)
        ));
    }

    #[test]
    fn samplers_that_are_not_parent_based_decide_for_every_span() {
        let sampled_parent = Context::new().with_remote_span_context(SpanContext::new(
            TraceId::from(7u128),
            opentelemetry::trace::SpanId::from(9u64),
            TraceFlags::SAMPLED,
            true,
            TraceState::NONE,
        ));
        let always_off = Sampler::new(0.0, false);
        match always_off.decide(&sampled_parent) {
            Decision::Unsampled(cx) => {
                let sc = cx.span().span_context().clone();
                assert_eq!(sc.trace_id(), TraceId::from(7u128));
                assert_ne!(sc.span_id(), opentelemetry::trace::SpanId::from(9u64));
                assert!(!sc.is_sampled());
            }
            _ => panic!("always_off records nothing"),
        }
        let always_on = Sampler::new(1.0, false);
        let unsampled_parent = Context::new().with_remote_span_context(SpanContext::new(
            TraceId::from(7u128),
            opentelemetry::trace::SpanId::from(9u64),
            TraceFlags::default(),
            true,
            TraceState::NONE,
        ));
        assert!(matches!(
            always_on.decide(&unsampled_parent),
            Decision::Record(None)
        ));
    }
}
