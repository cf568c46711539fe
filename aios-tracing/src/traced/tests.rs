//! What `#[trace]` and `span!` record, against a collecting SDK.

use crate::test_sdk::{attr, event_attr, install, none};
use crate::{span, trace};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::Value;
use opentelemetry_sdk::trace::Sampler;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug)]
struct Boom;
impl fmt::Display for Boom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("boom happened")
    }
}

#[trace]
fn plain(a: u8) -> u8 {
    a + 1
}

#[trace("lookup", kind = client, attrs = { "db.table" = "users", "retries" = 3, "ratio" = 0.5,
    "cached" = false, "twice" = uid * 2, "shown" = %Boom }, record(uid, %name, ?tag, missing))]
fn lookup(uid: u64, name: &str, tag: Option<u8>, missing: Option<&str>) -> std::io::Result<u64> {
    let _ = (name, tag, missing);
    if uid == 0 {
        return Err(std::io::Error::other("no such user"));
    }
    Ok(uid)
}

#[trace(err = false)]
fn quiet() -> Result<(), Boom> {
    Err(Boom)
}

#[trace]
fn debug_only() -> Result<(), Vec<u8>> {
    Err(vec![1])
}

#[test]
fn names_kinds_attributes_and_scope() {
    let sdk = install(Sampler::AlwaysOn);
    assert_eq!(plain(1), 2);
    assert_eq!(lookup(7, "ann", Some(3), None).unwrap(), 7);
    let s = sdk.span("plain");
    assert_eq!(s.span_kind, SpanKind::Internal);
    assert_eq!(s.instrumentation_scope.name(), "aios-tracing");
    assert_eq!(
        s.instrumentation_scope.version(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(s.status, Status::Unset);
    let s = sdk.span("lookup");
    assert_eq!(s.span_kind, SpanKind::Client);
    assert_eq!(attr(&s, "db.table"), Some(Value::from("users")));
    assert_eq!(attr(&s, "retries"), Some(Value::I64(3)));
    assert_eq!(attr(&s, "ratio"), Some(Value::F64(0.5)));
    assert_eq!(attr(&s, "cached"), Some(Value::Bool(false)));
    assert_eq!(attr(&s, "twice"), Some(Value::I64(14)));
    assert_eq!(attr(&s, "shown"), Some(Value::from("boom happened")));
    assert_eq!(attr(&s, "uid"), Some(Value::I64(7)));
    assert_eq!(attr(&s, "name"), Some(Value::from("ann")));
    assert_eq!(attr(&s, "tag"), Some(Value::from("Some(3)")));
    assert_eq!(attr(&s, "missing"), None, "None is left out");
    assert_eq!(s.status, Status::Unset, "Ok leaves the status alone");
    assert!(s.events.is_empty());
}

#[test]
fn err_sets_status_and_exception_event() {
    let sdk = install(Sampler::AlwaysOn);
    assert!(lookup(0, "", None, None).is_err());
    let s = sdk.span("lookup");
    assert_eq!(s.status, Status::error("no such user"));
    assert_eq!(
        event_attr(&s, "exception", "exception.type"),
        Some(Value::from("std::io::error::Error"))
    );
    assert_eq!(
        event_attr(&s, "exception", "exception.message"),
        Some(Value::from("no such user"))
    );

    assert!(quiet().is_err());
    let s = sdk.span("quiet");
    assert_eq!(s.status, Status::Unset);
    assert!(s.events.is_empty());

    assert!(debug_only().is_err());
    let s = sdk.span("debug_only");
    assert_eq!(s.status, Status::error("[1]"));

    let r: Result<u8, Boom> = span!("block", kind = server, "cart.items" = 3, |span| {
        span.add_event("inside", [("k", 1)]);
        Err(Boom)
    });
    assert!(r.is_err());
    let s = sdk.span("block");
    assert_eq!(
        (&s.span_kind, attr(&s, "cart.items")),
        (&SpanKind::Server, Some(Value::I64(3)))
    );
    assert_eq!(s.status, Status::error("boom happened"));
    assert_eq!(s.events.len(), 2);
}

#[trace]
fn explode(message: &str) -> u8 {
    std::panic::panic_any(message.to_owned())
}

#[test]
fn panic_is_recorded_then_resumed_with_its_payload() {
    let sdk = install(Sampler::AlwaysOn);
    let caught = std::panic::catch_unwind(|| explode("kaput")).unwrap_err();
    assert_eq!(
        caught.downcast_ref::<String>().map(String::as_str),
        Some("kaput")
    );
    let s = sdk.span("explode");
    assert_eq!(s.status, Status::error("kaput"));
    assert_eq!(
        event_attr(&s, "exception", "exception.message"),
        Some(Value::from("kaput"))
    );
    assert_eq!(
        event_attr(&s, "exception", "exception.type"),
        Some(Value::from("panic"))
    );
}

#[test]
fn nesting_and_unsampled_spans() {
    static EVALUATED: AtomicUsize = AtomicUsize::new(0);
    fn costly() -> i64 {
        EVALUATED.fetch_add(1, Ordering::Relaxed);
        1
    }
    #[trace(attrs = { "cost" = costly() }, record(%uid))]
    fn child(uid: u64) -> Result<(), Boom> {
        let _ = uid;
        Err(Boom)
    }
    struct Loud;
    impl fmt::Display for Loud {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            panic!("formatted an attribute of an unsampled span")
        }
    }
    #[trace(record(%loud))]
    fn unsampled(loud: &Loud) -> Result<(), Loud> {
        let _ = loud;
        Err(Loud)
    }

    let sdk = install(Sampler::AlwaysOn);
    span!("parent", || child(1)).ok();
    let (parent, child_span) = (sdk.span("parent"), sdk.span("child"));
    assert_eq!(child_span.parent_span_id, parent.span_context.span_id());
    assert_eq!(
        child_span.span_context.trace_id(),
        parent.span_context.trace_id()
    );
    assert_eq!(EVALUATED.load(Ordering::Relaxed), 1);
    drop(sdk);

    let sdk = install(Sampler::AlwaysOff);
    assert!(unsampled(&Loud).is_err());
    child(2).ok();
    assert_eq!(
        EVALUATED.load(Ordering::Relaxed),
        1,
        "attributes of unsampled spans are not evaluated"
    );
    assert!(sdk.spans().is_empty());
}

#[test]
fn without_an_sdk_nothing_is_recorded() {
    let _turn = none();
    assert_eq!(plain(1), 2);
    assert!(lookup(0, "", None, None).is_err());
    let r = span!("free", |span| {
        span.add_event("nothing", [("recorded", false)]);
        span.is_recording()
    });
    assert!(!r);
}

#[test]
fn a_new_sdk_replaces_the_cached_tracer() {
    let first = install(Sampler::AlwaysOn);
    plain(1);
    assert_eq!(first.spans().len(), 1);
    drop(first);
    let second = install(Sampler::AlwaysOn);
    plain(1);
    assert_eq!(second.spans().len(), 1);
}

#[trace]
fn fails_while_suppressed() -> Result<(), Boom> {
    Err(Boom)
}

/// A span not recorded because telemetry is suppressed reuses its
/// parent's context; it must neither end nor annotate that parent.
#[test]
fn a_suppressed_child_leaves_its_recording_parent_alone() {
    let sdk = install(Sampler::AlwaysOn);
    {
        let outer = crate::Span::builder("outer").entered();
        {
            let _suppressed = opentelemetry::Context::enter_telemetry_suppressed_scope();
            assert!(fails_while_suppressed().is_err());
            assert!(crate::Span::builder("inner").entered().span_context() == outer.span_context());
        }
        assert!(outer.is_recording(), "the parent is still open");
        outer.set_attribute("after", true);
    }
    let spans = sdk.spans();
    assert_eq!(spans.len(), 1, "{spans:?}");
    let outer = sdk.span("outer");
    assert_eq!(outer.status, Status::Unset);
    assert!(outer.events.is_empty());
    assert_eq!(attr(&outer, "after"), Some(Value::Bool(true)));
}

#[trace]
fn current_ids() -> Result<opentelemetry::trace::SpanContext, Boom> {
    use opentelemetry::trace::TraceContextExt as _;
    Ok(opentelemetry::Context::map_current(|cx| {
        cx.span().span_context().clone()
    }))
}

#[trace]
fn panics_in_an_unsampled_trace() {
    panic!("unsampled");
}

/// Under an unsampled parent a sync `#[trace]` fn builds nothing and
/// holds no handle on the parent's context: the parent's ids are the
/// current ones in the body (for propagation and logs), and a failure
/// or a panic leaves the parent's context current and untouched.
#[test]
fn an_unsampled_child_runs_in_its_parents_context() {
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState,
    };
    let sdk = install(Sampler::ParentBased(Box::new(Sampler::AlwaysOn)));
    let parent = SpanContext::new(
        TraceId::from(0x42_u128),
        SpanId::from(7_u64),
        TraceFlags::default(),
        true,
        TraceState::NONE,
    );
    let _attached = opentelemetry::Context::new()
        .with_remote_span_context(parent.clone())
        .attach();
    assert_eq!(current_ids().ok(), Some(parent.clone()));
    assert!(fails_while_suppressed().is_err());
    assert!(std::panic::catch_unwind(panics_in_an_unsampled_trace).is_err());
    let still = opentelemetry::Context::map_current(|cx| cx.span().span_context().clone());
    assert_eq!(still, parent);
    assert!(sdk.spans().is_empty());
}

#[trace]
fn leaves_a_context_attached(other: &opentelemetry::Context) -> Result<(), Boom> {
    std::mem::forget(other.clone().attach());
    Err(Boom)
}

/// A sync `#[trace]` fn's span is moved into the current context and
/// reached there when the body returns. A body that leaves another
/// context attached on top must not get that context's span ended or
/// marked failed; the fn's own span still ends, when its context is
/// detached.
#[test]
fn a_context_left_attached_by_the_body_is_not_ended() {
    let sdk = install(Sampler::AlwaysOn);
    std::thread::scope(|scope| {
        // On a thread of its own: the leaked attachment stays there.
        scope.spawn(|| {
            let other = crate::Span::builder("other").start();
            assert!(leaves_a_context_attached(other.context()).is_err());
            assert!(other.is_recording(), "someone else's span was ended");
            other.end();
        });
    });
    let other = sdk.span("other");
    assert_eq!(other.status, Status::Unset);
    assert!(other.events.is_empty());
    let own = sdk.span("leaves_a_context_attached");
    assert_eq!(own.parent_span_id, opentelemetry::trace::SpanId::INVALID);
    assert!(own.end_time >= own.start_time);
}

#[trace]
async fn leaves_a_context_attached_while_pending(
    other: opentelemetry::Context,
) -> Result<(), Boom> {
    std::mem::forget(other.attach());
    tokio::task::yield_now().await;
    Err(Boom)
}

/// The async case: a `#[trace]` future's context is lent to the
/// current one for each poll and taken back if the future is pending.
/// If the poll left another context on top, that context's span is
/// neither ended nor taken as the future's own.
#[test]
fn a_context_left_attached_by_a_pending_poll_is_not_taken_or_ended() {
    let sdk = install(Sampler::AlwaysOn);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let other = crate::Span::builder("other").start();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let out = runtime.block_on(leaves_a_context_attached_while_pending(
                other.context().clone(),
            ));
            assert!(out.is_err());
            assert!(other.is_recording(), "someone else's span was ended");
            other.end();
        });
    });
    let other = sdk.span("other");
    assert_eq!(other.status, Status::Unset);
    assert!(other.events.is_empty());
    let own = sdk.span("leaves_a_context_attached_while_pending");
    assert_eq!(own.parent_span_id, opentelemetry::trace::SpanId::INVALID);
}

#[trace]
fn plain_after_busy() {}

/// Records are kept, emptied, between spans and written in place by
/// the next span: nothing of a span may show up in a later one.
#[test]
fn a_reused_record_carries_nothing_over() {
    let sdk = install(Sampler::AlwaysOn);
    std::thread::scope(|scope| {
        // A thread of its own, whose slots all go through the worker.
        scope.spawn(|| {
            let parent = crate::Span::builder("parent").entered();
            for round in 0..3 {
                for _ in 0..crate::pipeline::LOCAL_BATCH {
                    let span = crate::Span::builder("busy")
                        .kind(opentelemetry::trace::SpanKind::Server)
                        .attributes((0..130).map(|i| (format!("k{i}"), i)))
                        .link(opentelemetry::trace::Link::with_context(
                            parent.span_context(),
                        ))
                        .start();
                    span.add_event("happened", [("k", "v")]);
                    span.set_error("failed");
                    span.end();
                }
                if round == 0 {
                    // The worker empties the first batch's records;
                    // the next batch brings them back to this thread.
                    let _ = sdk.spans();
                }
            }
            drop(parent);
            for _ in 0..2 * crate::pipeline::LOCAL_BATCH {
                plain_after_busy();
            }
        });
    });
    let spans = sdk.spans();
    let plain: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "plain_after_busy")
        .collect();
    assert_eq!(plain.len(), 2 * crate::pipeline::LOCAL_BATCH);
    for span in plain {
        assert!(span.attributes.is_empty());
        assert!(span.events.is_empty() && span.links.is_empty());
        assert_eq!(span.status, Status::Unset);
        assert_eq!(span.dropped_attributes_count, 0);
        assert_eq!(span.parent_span_id, opentelemetry::trace::SpanId::INVALID);
        assert_eq!(span.span_kind, opentelemetry::trace::SpanKind::Internal);
    }
    let busy = spans.iter().find(|s| s.name == "busy").expect("busy spans");
    assert_eq!(busy.dropped_attributes_count, 2);
    assert_ne!(busy.parent_span_id, opentelemetry::trace::SpanId::INVALID);
}
