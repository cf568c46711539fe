//! `aios_tracing::testing`: what a capture sees, the assertions on names,
//! kinds, parents, attributes, events, status and links, the failure
//! messages, and spans from threads and tasks the test spawned. The tests
//! here run in parallel with each other, each with its own capture.

use aios_tracing::testing::{CapturedSpans, SpanCapture};
use aios_tracing::{current, trace, FutureExt as _, Span, SpanKind, Status, TraceContextExt as _};
use std::panic::{catch_unwind, AssertUnwindSafe};

#[derive(Debug)]
struct Declined;

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("card declined")
    }
}

impl std::error::Error for Declined {}

#[trace(kind = server, attrs = { "cart.items" = 3 })]
fn checkout(fail: bool) -> Result<(), Declined> {
    fetch_user("u_1");
    if fail {
        return Err(Declined);
    }
    Ok(())
}

#[trace]
fn fetch_user(id: &str) {
    current::set_attributes([("user.id", id.to_owned())]);
    current::add_event("cache.miss", [("key", "user:u_1")]);
}

#[trace]
async fn load(n: i64) -> i64 {
    current::set_attributes([("n", n)]);
    n
}

/// The panic message of `f`.
fn failure(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("the assertion failed");
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload
            .downcast::<&str>()
            .map(|s| (*s).to_owned())
            .unwrap_or_default(),
    }
}

#[test]
fn names_kinds_parents_attributes_events_status_and_links() {
    let capture = SpanCapture::start();
    checkout(false).unwrap();
    assert!(checkout(true).is_err());
    let first = Span::builder("first").start();
    let link = first.link();
    first.end();
    Span::builder("aggregate")
        .kind(SpanKind::Consumer)
        .link(link)
        .start()
        .end();

    let spans = capture.spans();
    spans.assert_count(6);
    assert_eq!(
        spans.names(),
        [
            "checkout",
            "fetch_user",
            "checkout",
            "fetch_user",
            "first",
            "aggregate"
        ]
    );
    let checkouts = spans.all("checkout");
    let ok = checkouts[0]
        .assert_root()
        .assert_kind(SpanKind::Server)
        .assert_attribute("cart.items", 3)
        .assert_status(Status::Unset);
    let failed = checkouts[1].assert_error().assert_event("exception");
    assert_eq!(
        failed.status(),
        &Status::error("card declined"),
        "the error's message"
    );
    let fetches = spans.all("fetch_user");
    fetches[0]
        .assert_parent("checkout")
        .assert_child_of(ok)
        .assert_kind(SpanKind::Internal)
        .assert_attribute("user.id", "u_1")
        .assert_no_attribute("cart.items")
        .assert_event_attribute("cache.miss", "key", "user:u_1");
    fetches[1].assert_child_of(failed);
    assert_eq!(ok.children().len(), 1);
    assert_eq!(fetches[0].parent().map(|p| p.span_id()), Some(ok.span_id()));
    spans
        .one("aggregate")
        .assert_kind(SpanKind::Consumer)
        .assert_linked_to(spans.one("first"));
    assert_eq!(spans.roots().len(), 4);
    assert!(spans.iter().all(|s| s.trace_id() == capture.trace_id()));
}

#[test]
fn failures_say_what_was_expected_and_show_the_tree() {
    let capture = SpanCapture::start();
    checkout(false).unwrap();
    let spans = capture.spans();

    let message = failure(|| {
        spans.one("fetch_user").assert_parent("render");
    });
    assert!(
        message.starts_with("span \"fetch_user\": expected parent \"render\", found \"checkout\"\ncaptured:\ntrace "),
        "{message}"
    );
    assert!(message.contains("└─ checkout [server] "), "{message}");
    assert!(
        message.contains("   └─ fetch_user [internal] "),
        "{message}"
    );
    assert!(message.contains("· cache.miss"), "{message}");

    let message = failure(|| {
        spans.one("checkout").assert_attribute("cart.items", 4);
    });
    assert!(
        message
            .starts_with("span \"checkout\": expected attribute cart.items = I64(4), found I64(3)"),
        "{message}"
    );
    let message = failure(|| {
        spans.one("missing");
    });
    assert!(
        message.starts_with("expected one span \"missing\", found 0"),
        "{message}"
    );
    let message = failure(|| {
        spans.one("checkout").assert_kind(SpanKind::Client);
    });
    assert!(
        message.contains("expected kind Client, found Server"),
        "{message}"
    );
    let message = failure(|| {
        spans.one("checkout").assert_error();
    });
    assert!(
        message.contains("expected status Error, found Unset"),
        "{message}"
    );
}

#[test]
fn spans_of_a_thread_given_the_context_are_captured() {
    let capture = SpanCapture::start();
    let parent = Span::builder("parent").entered();
    std::thread::spawn(current::in_current_context(|| fetch_user("t")))
        .join()
        .unwrap();
    drop(parent);
    // A thread given no context starts a trace of its own: not this capture's.
    std::thread::spawn(|| Span::builder("elsewhere").start().end())
        .join()
        .unwrap();
    let spans = capture.spans();
    assert_eq!(spans.names(), ["parent", "fetch_user"]);
    spans.one("fetch_user").assert_parent("parent");
}

#[tokio::test]
async fn tasks_a_current_thread_test_spawns_are_captured() {
    let capture = SpanCapture::start();
    let plain = tokio::spawn(load(1));
    let blocking = tokio::task::spawn_blocking(current::in_current_context(|| fetch_user("b")));
    assert_eq!(plain.await.unwrap(), 1);
    blocking.await.unwrap();
    let spans = capture.spans();
    spans.one("load").assert_root().assert_attribute("n", 1);
    spans.one("fetch_user").assert_root();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_on_other_threads_are_captured_when_given_the_context() {
    let capture = SpanCapture::start();
    let spawner = Span::builder("spawner").entered();
    let child = tokio::spawn(load(2).in_current_context());
    let explicit = tokio::spawn(load(3).in_context(capture.context()));
    drop(spawner);
    assert_eq!(child.await.unwrap() + explicit.await.unwrap(), 5);
    let spans = capture.spans();
    let loads = spans.all("load");
    assert_eq!(loads.len(), 2, "{spans}");
    let by_n = |n: i64| {
        *loads
            .iter()
            .find(|s| s.attribute("n") == Some(&n.into()))
            .unwrap()
    };
    by_n(2).assert_parent("spawner");
    by_n(3).assert_root();
}

#[test]
fn a_trace_the_test_made_itself_can_be_included() {
    use aios_tracing::opentelemetry::trace::{
        SpanContext, SpanId, TraceFlags, TraceId, TraceState,
    };
    let capture = SpanCapture::start();
    let remote = TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap();
    capture.include_trace(remote);
    let inbound = aios_tracing::Context::new().with_remote_span_context(SpanContext::new(
        remote,
        SpanId::from_hex("00f067aa0ba902b7").unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    ));
    Span::builder("handle.request")
        .kind(SpanKind::Server)
        .parent(&inbound)
        .start()
        .end();
    let spans = capture.spans();
    let handled = spans.one("handle.request");
    assert_eq!(handled.trace_id(), remote);
    assert!(
        handled.parent().is_none(),
        "its parent is the remote caller"
    );
}

#[test]
fn spans_still_open_are_not_captured_yet() {
    let capture = SpanCapture::start();
    let open = Span::builder("open").entered();
    assert!(capture.spans().is_empty());
    drop(open);
    let spans: CapturedSpans = capture.spans();
    assert_eq!(spans.names(), ["open"]);
    assert!(spans.to_string().contains("└─ open [internal]"), "{spans}");
}
