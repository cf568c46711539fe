//! The console exporter: each finished trace printed as an indented tree a
//! person can read, instead of a `Debug` dump of span structs.
//!
//! ```text
//! trace 4bf92f3577b34da6a3ce929d0e0e4736
//! └─ checkout [server] 2.41ms cart.items=3 user.id="u_123"
//!    ├─ · payment.started +0.91ms amount=1499 currency="INR"
//!    └─ fetch_user [internal] 0.12ms db.table="users"
//! ```

use super::{Request, Sink, SpanBatch};
use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;
use std::time::SystemTime;

/// Spans held while waiting for their trace's local root, at most.
const MAX_BUFFERED: usize = 10_000;

/// Buffers spans per trace and prints a trace when its local root ends.
pub(crate) struct Console {
    out: Box<dyn Write + Send>,
    pending: HashMap<TraceId, Vec<SpanData>>,
    buffered: usize,
    /// Traces in arrival order, to evict the oldest when the buffer is full.
    order: Vec<TraceId>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console")
            .field("buffered", &self.buffered)
            .finish()
    }
}

impl Console {
    pub(crate) fn stdout() -> Console {
        Console::with_writer(Box::new(std::io::stdout()))
    }

    pub(crate) fn with_writer(out: Box<dyn Write + Send>) -> Console {
        Console {
            out,
            pending: HashMap::new(),
            buffered: 0,
            order: Vec::new(),
        }
    }

    fn print(&mut self, batch: Vec<SpanData>) {
        for span in batch {
            let trace_id = span.span_context.trace_id();
            let is_local_root =
                span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote;
            let spans = self.pending.entry(trace_id).or_insert_with(|| {
                self.order.push(trace_id);
                Vec::new()
            });
            spans.push(span);
            self.buffered += 1;
            if is_local_root {
                self.emit(trace_id);
            }
        }
        while self.buffered > MAX_BUFFERED && !self.order.is_empty() {
            let oldest = self.order[0];
            self.emit(oldest);
        }
    }

    fn emit(&mut self, trace_id: TraceId) {
        self.order.retain(|t| *t != trace_id);
        let Some(spans) = self.pending.remove(&trace_id) else {
            return;
        };
        self.buffered -= spans.len();
        let text = render(trace_id, &spans);
        // A closed stdout must not take the exporter down with it.
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }
}

impl Sink for Console {
    fn export(&mut self, batch: SpanBatch<'_, '_>) -> Option<Request> {
        self.print(batch.span_data());
        None
    }

    /// Prints whatever is left (traces whose root never ended here).
    fn finish(&mut self) {
        while let Some(&trace_id) = self.order.first() {
            self.emit(trace_id);
        }
        let _ = self.out.flush();
    }
}

/// Renders one trace: roots are spans whose parent is not among `spans`.
pub(crate) fn render(trace_id: TraceId, spans: &[SpanData]) -> String {
    let mut children: HashMap<SpanId, Vec<&SpanData>> = HashMap::new();
    let ids: std::collections::HashSet<SpanId> =
        spans.iter().map(|s| s.span_context.span_id()).collect();
    let mut roots = Vec::new();
    for span in spans {
        if ids.contains(&span.parent_span_id) {
            children.entry(span.parent_span_id).or_default().push(span);
        } else {
            roots.push(span);
        }
    }
    for list in children.values_mut() {
        list.sort_by_key(|s| s.start_time);
    }
    roots.sort_by_key(|s| s.start_time);
    let mut out = format!("trace {trace_id}\n");
    for (i, root) in roots.iter().enumerate() {
        render_span(&mut out, root, &children, "", i + 1 == roots.len());
    }
    out
}

fn render_span(
    out: &mut String,
    span: &SpanData,
    children: &HashMap<SpanId, Vec<&SpanData>>,
    prefix: &str,
    last: bool,
) {
    let branch = if last { "└─ " } else { "├─ " };
    let _ = write!(
        out,
        "{prefix}{branch}{} [{}] {}",
        span.name,
        kind(&span.span_kind),
        millis(span.start_time, span.end_time)
    );
    write_attributes(out, &span.attributes);
    if let Status::Error { description } = &span.status {
        let _ = write!(out, " ERROR: {description}");
    }
    out.push('\n');
    let inner = format!("{prefix}{}", if last { "   " } else { "│  " });
    let kids = children
        .get(&span.span_context.span_id())
        .map_or(&[][..], Vec::as_slice);
    let total = span.events.len() + kids.len();
    for (i, event) in span.events.iter().enumerate() {
        let branch = if i + 1 == total { "└─ " } else { "├─ " };
        let _ = write!(
            out,
            "{inner}{branch}· {} +{}",
            event.name,
            millis(span.start_time, event.timestamp)
        );
        write_attributes(out, &event.attributes);
        out.push('\n');
    }
    for (i, child) in kids.iter().enumerate() {
        render_span(
            out,
            child,
            children,
            &inner,
            span.events.len() + i + 1 == total,
        );
    }
}

fn kind(kind: &SpanKind) -> &'static str {
    match kind {
        SpanKind::Client => "client",
        SpanKind::Server => "server",
        SpanKind::Producer => "producer",
        SpanKind::Consumer => "consumer",
        SpanKind::Internal => "internal",
    }
}

fn millis(from: SystemTime, to: SystemTime) -> String {
    let d = to.duration_since(from).unwrap_or_default();
    format!("{:.2}ms", d.as_secs_f64() * 1000.0)
}

fn write_attributes(out: &mut String, attributes: &[KeyValue]) {
    for kv in attributes {
        match &kv.value {
            Value::String(s) => {
                let _ = write!(out, " {}={:?}", kv.key, s.as_str());
            }
            other => {
                let _ = write!(out, " {}={}", kv.key, other);
            }
        }
    }
}
