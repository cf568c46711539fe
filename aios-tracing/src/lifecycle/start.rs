//! Starting a span: one path for `#[trace]`, `span!`, `SpanBuilder`, the
//! integrations and the `tracing` bridge. Sampling is decided before
//! anything is built, on the parent in place: a span that will not be
//! recorded costs at most a context clone, and an unsampled child none.

use super::recording::{self, Request};
use super::sampling::{Candidate, Decision};
use super::settings::SpanSettings;
use crate::data::Attributes;
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry::Context;

/// Whose child the span is.
#[derive(Debug)]
pub(crate) enum Parent {
    /// The thread's current context. `sync_body`: the span is only used by
    /// code generated around a body that runs, and ends the span, before
    /// the call returns; a span that is not recorded and whose parent is
    /// current then needs no handle on the parent's context at all (no
    /// `Arc` to clone and drop), since the parent stays current throughout.
    Current { sync_body: bool },
    /// A context the caller chose (an extracted remote one, or none for a root).
    Given(Context),
}

/// A span just started: its context, and whether that context is its
/// parent's (the span is not recorded and nothing was built: the parent
/// says "not sampled" already, or telemetry is suppressed). Laid out as
/// the handle users hold, which takes it over as it is.
#[derive(Debug)]
pub(crate) struct Started {
    pub(crate) cx: Context,
    pub(crate) inherited: bool,
    /// `cx` is the thread's current context.
    pub(crate) current: bool,
}

impl Started {
    /// Recorded, or not recorded in a context of its own (an unsampled
    /// root with fresh ids, or a span made while no SDK is active).
    fn own(cx: Context) -> Started {
        Started {
            cx,
            inherited: false,
            current: false,
        }
    }

    fn inherited(cx: Context, current: bool) -> Started {
        Started {
            cx,
            inherited: true,
            current,
        }
    }
}

/// Starts a span under `settings` (`None`: no SDK is active). `request`
/// and `attributes` are called only for a span that is recorded, or, when
/// sampling rules must look at a new trace's root, before deciding.
#[inline(always)]
pub(crate) fn start(
    settings: Option<&'static SpanSettings>,
    parent: Parent,
    request: impl FnOnce() -> Request,
    attributes: impl FnOnce(&mut Attributes),
) -> Started {
    let Some(settings) = settings else {
        return Started::own(without_sdk(match parent {
            Parent::Current { .. } => Context::current(),
            Parent::Given(cx) => cx,
        }));
    };
    let sampler = &settings.sampler;
    let by_parent = match &parent {
        Parent::Current { .. } => Context::map_current(|cx| sampler.follows_parent(cx)),
        Parent::Given(cx) => sampler.follows_parent(cx),
    };
    let decision = match by_parent {
        // The common case, first and with nothing else in reach: a child
        // of a span that is not recorded.
        Some(false) if !settings.keep_unsampled => return inherit(parent),
        Some(sampled) => Decision::following(sampled),
        None => match &parent {
            Parent::Current { .. } => Context::map_current(|cx| sampler.decide_unfollowed(cx)),
            Parent::Given(cx) => sampler.decide_unfollowed(cx),
        },
    };
    match decision {
        Decision::Unsampled(cx) if !settings.keep_unsampled => Started::own(cx),
        Decision::Describe => start_described(settings, parent, request(), attributes),
        decision => finish(settings, parent, decision, request, attributes),
    }
}

/// A span that is not recorded and builds nothing: its parent's context.
#[inline(always)]
fn inherit(parent: Parent) -> Started {
    match parent {
        Parent::Current { sync_body: true } => Started::inherited(Context::new(), true),
        Parent::Current { sync_body: false } => Started::inherited(Context::current(), true),
        Parent::Given(cx) => Started::inherited(cx, false),
    }
}

/// A new trace's root under sampling rules: its name, kind and attributes
/// are built first, for the rules to match on.
#[cold]
#[inline(never)]
fn start_described(
    settings: &'static SpanSettings,
    parent: Parent,
    request: Request,
    attributes: impl FnOnce(&mut Attributes),
) -> Started {
    let mut known = Attributes::new();
    attributes(&mut known);
    let candidate = Candidate {
        name: &request.name,
        kind: &request.kind,
        attributes: &known,
    };
    let decision = match &parent {
        Parent::Current { .. } => {
            Context::map_current(|cx| settings.sampler.decide_root(cx, &candidate))
        }
        Parent::Given(cx) => settings.sampler.decide_root(cx, &candidate),
    };
    finish(settings, parent, decision, || request, |list| *list = known)
}

/// Acts on the decision: the parent's context, a context of its own, or a
/// recorded span.
#[inline(always)]
fn finish(
    settings: &'static SpanSettings,
    parent: Parent,
    decision: Decision,
    request: impl FnOnce() -> Request,
    attributes: impl FnOnce(&mut Attributes),
) -> Started {
    let (trace_id, sampled) = match decision {
        Decision::Record(trace_id) => (trace_id, true),
        // Keeping failed and slow traces: every span of a local tree is
        // recorded, sampled or not, until its root's end decides.
        Decision::Inherit if settings.keep_unsampled && held_locally(&parent) => (None, false),
        Decision::Unsampled(cx) if settings.keep_unsampled && held_locally(&parent) => {
            (Some(cx.span().span_context().trace_id()), false)
        }
        Decision::Inherit | Decision::Describe => return inherit(parent),
        Decision::Unsampled(cx) => return Started::own(cx),
    };
    // Read again rather than cloned inside the decision: carrying a clone
    // out of `map_current` makes every unsampled span slower.
    let parent = match parent {
        Parent::Current { .. } => Context::current(),
        Parent::Given(cx) => cx,
    };
    Started::own(recording::start(
        &parent,
        trace_id,
        sampled,
        settings,
        request(),
        attributes,
    ))
}

/// Whether a span under `parent` is part of a local tree this process
/// records whole: a new local root (no parent, or a remote one), or a
/// child of a span recorded here. Never while telemetry is suppressed.
#[cold]
fn held_locally(parent: &Parent) -> bool {
    let check = |cx: &Context| {
        let span = cx.span();
        let sc = span.span_context();
        !cx.is_telemetry_suppressed() && (span.is_recording() || !sc.is_valid() || sc.is_remote())
    };
    match parent {
        Parent::Current { .. } => Context::map_current(check),
        Parent::Given(cx) => check(cx),
    }
}

/// The context a span gets when no SDK is active: the parent itself, or,
/// if the parent still records (its SDK was shut down since), a
/// non-recording stand-in with its ids, so the caller neither annotates
/// nor ends someone else's span, and propagation keeps working.
pub(crate) fn without_sdk(parent: Context) -> Context {
    let span = parent.span();
    if span.is_recording() {
        let ids = span.span_context().clone();
        parent.with_remote_span_context(ids)
    } else {
        parent
    }
}
