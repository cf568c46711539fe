//! Test utilities (feature `testing`): capture the spans a test made and
//! assert on them.
//!
//! ```
//! use aios_tracing::testing::SpanCapture;
//! use aios_tracing::{trace, SpanKind};
//!
//! #[trace(kind = server, attrs = { "cart.items" = 3 })]
//! fn checkout() -> Result<(), std::io::Error> {
//!     fetch_user("u_1");
//!     Ok(())
//! }
//!
//! #[trace]
//! fn fetch_user(_id: &str) {
//!     aios_tracing::current::add_event("cache.miss", [("key", "user:u_1")]);
//! }
//!
//! let capture = SpanCapture::start();
//! checkout().unwrap();
//! let spans = capture.spans();
//! spans
//!     .one("checkout")
//!     .assert_root()
//!     .assert_kind(SpanKind::Server)
//!     .assert_attribute("cart.items", 3);
//! spans
//!     .one("fetch_user")
//!     .assert_parent("checkout")
//!     .assert_event_attribute("cache.miss", "key", "user:u_1");
//! assert_eq!(spans.names(), ["checkout", "fetch_user"]);
//! ```
//!
//! A failed assertion panics with what it expected and the captured spans
//! as a tree:
//!
//! ```text
//! span "fetch_user": expected parent "render", found "checkout"
//! captured:
//! trace 4bf92f3577b34da6a3ce929d0e0e4736
//! └─ checkout [server] 0.02ms cart.items=3
//!    └─ fetch_user [internal] 0.00ms
//!       └─ · cache.miss +0.00ms key="user:u_1"
//! ```
//!
//! # How tests stay apart
//!
//! All captures share one SDK, started by the first of them, which is the
//! active SDK (the one `#[trace]`, `span!` and `Span::builder` record into)
//! and exports to memory. Each [`SpanCapture`] makes its own trace: it
//! makes a context with a fresh trace id current on its thread, so every
//! span started there, and below those, belongs to its trace; a capture
//! sees only the spans of its trace. So tests running in parallel see only
//! their own spans, and so do:
//!
//! * tasks a `#[tokio::test]` spawns, on its default current-thread
//!   runtime (they are polled on the test's thread);
//! * tasks on other threads, spawned with
//!   [`in_current_context`](crate::FutureExt::in_current_context) or
//!   [`in_context(capture.context())`](crate::FutureExt::in_context)
//!   (`#[tokio::test(flavor = "multi_thread")]`, `spawn_blocking`);
//! * threads started with [`current::in_current_context`](crate::current::in_current_context).
//!
//! A span started outside the capture's trace (a thread given no context,
//! a span continuing a remote parent from headers) is not seen; failure
//! messages count such spans. [`SpanCapture::include_trace`] adds a trace
//! a test made itself, such as one in a `traceparent` it sends.
//!
//! A test that starts a [`TracingSdk`] of its own makes
//! that one active until it shuts down: spans made meanwhile go to it, not
//! to the captures.

mod span;
mod spans;

use crate::sink::capture::Capture;
use crate::sink::Sink;
use crate::{ResourceDetectors, TracingSdk};
use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{Context, ContextGuard};
use opentelemetry_sdk::trace::SpanData;
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};
use std::fmt;
use std::sync::{Mutex, OnceLock, PoisonError};

/// The ended spans of one capture, in the order they started. `Display`
/// shows them as a tree.
///
/// ```
/// use aios_tracing::{testing::SpanCapture, Span};
/// let capture = SpanCapture::start();
/// Span::builder("a").start().end();
/// Span::builder("b").start().end();
/// let spans = capture.spans();
/// spans.assert_count(2);
/// assert_eq!(spans.names(), ["a", "b"]);
/// assert!(spans.to_string().contains("└─ b [internal]"));
/// ```
#[derive(Debug, Clone)]
pub struct CapturedSpans {
    spans: Vec<SpanData>,
    /// The capture's invisible parent: its children are the roots here.
    parent: SpanId,
    /// Spans of no capture in the process, and the last few names.
    unclaimed: (u64, Vec<String>),
}

/// One captured span, with accessors and assertions. Each assertion
/// returns the span, so they chain, and panics with the captured tree when
/// it fails.
///
/// ```
/// use aios_tracing::{testing::SpanCapture, Span, SpanKind};
/// let capture = SpanCapture::start();
/// {
///     let parent = Span::builder("parent").kind(SpanKind::Server).entered();
///     parent.add_event("started", [("step", 1)]);
///     Span::builder("child").attribute("n", 2).start().end();
/// }
/// let spans = capture.spans();
/// let parent = spans.one("parent").assert_root().assert_event_attribute("started", "step", 1);
/// spans.one("child").assert_child_of(parent).assert_attribute("n", 2);
/// assert_eq!(parent.children().len(), 1);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct CapturedSpan<'a> {
    span: &'a SpanData,
    all: &'a CapturedSpans,
}

/// The SDK every capture shares, and where its spans are kept.
struct Shared {
    sdk: TracingSdk,
    capture: Capture,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let capture = Capture::claimed();
        let sink = capture.clone();
        let sdk = TracingSdk::builder("aios-tracing-test")
            // The machine's variables (OTEL_SDK_DISABLED, a sampler ratio)
            // must not change what tests see.
            .environment(std::iter::empty::<(String, String)>())
            .enable_otlp_exporter(false)
            .install_logging(false)
            .resource_detectors(ResourceDetectors::none())
            .init_with_sinks(vec![Box::new(move || Box::new(sink) as Box<dyn Sink>)])
            .unwrap_or_else(|error| panic!("the capture SDK did not start: {error}"));
        Shared { sdk, capture }
    })
}

/// The spans of one test: while it lives, spans started on this thread
/// (and their descendants, wherever they run) are kept for it.
///
/// Not `Send`: it holds this thread's current context. For other threads
/// and tasks, pass [`context`](SpanCapture::context) along.
///
/// ```
/// use aios_tracing::{testing::SpanCapture, FutureExt as _, Span};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let capture = SpanCapture::start();
/// let task = async { Span::builder("in_task").start().end() };
/// tokio::spawn(task.in_context(capture.context())).await.unwrap();
/// capture.spans().one("in_task").assert_root();
/// # }
/// ```
#[must_use = "spans are captured only while the SpanCapture lives"]
pub struct SpanCapture {
    /// The traces kept; the first is the capture's own.
    traces: Mutex<Vec<TraceId>>,
    /// The (never exported) parent of the capture's top-level spans.
    parent: SpanId,
    cx: Context,
    _attached: ContextGuard,
}

impl SpanCapture {
    /// Starts capturing: makes a fresh trace current on this thread until
    /// the capture is dropped. The first capture in a process starts the
    /// shared SDK.
    pub fn start() -> SpanCapture {
        let shared = shared();
        let ids = RandomIdGenerator::default();
        let trace = ids.new_trace_id();
        let parent = ids.new_span_id();
        shared.capture.claim(trace);
        let span = SpanContext::new(
            trace,
            parent,
            TraceFlags::SAMPLED,
            // A remote parent: ours is never exported, so nothing waits for it.
            true,
            TraceState::default(),
        );
        let cx = Context::current().with_remote_span_context(span);
        SpanCapture {
            traces: Mutex::new(vec![trace]),
            parent,
            _attached: cx.clone().attach(),
            cx,
        }
    }

    /// The capture's context, for work on other threads or tasks:
    /// `tokio::spawn(fut.in_context(capture.context()))`.
    pub fn context(&self) -> Context {
        self.cx.clone()
    }

    /// The capture's trace id.
    pub fn trace_id(&self) -> TraceId {
        self.cx.span().span_context().trace_id()
    }

    /// Keeps the spans of `trace` too, from now on: a trace the test made
    /// itself, such as one in a `traceparent` header it sends.
    pub fn include_trace(&self, trace: TraceId) {
        shared().capture.claim(trace);
        self.traces
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(trace);
    }

    /// Every span of the capture's traces that has ended, once exported
    /// (this flushes the shared SDK), in the order they started.
    pub fn spans(&self) -> CapturedSpans {
        let shared = shared();
        // The SDK runs until the process ends and its bound is 5 s; a
        // timeout leaves out what was not exported, which the caller sees.
        let _ = shared.sdk.force_flush();
        let traces = self.traces.lock().unwrap_or_else(PoisonError::into_inner);
        let spans = traces
            .iter()
            .flat_map(|trace| shared.capture.trace(*trace))
            .collect();
        CapturedSpans::new(spans, self.parent, shared.capture.unclaimed())
    }
}

impl Drop for SpanCapture {
    fn drop(&mut self) {
        let traces = self
            .traces
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        for trace in traces.drain(..) {
            shared().capture.release(trace);
        }
    }
}

impl fmt::Debug for SpanCapture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpanCapture")
            .field("trace_id", &self.trace_id())
            .finish_non_exhaustive()
    }
}
