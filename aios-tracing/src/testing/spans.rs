//! [`CapturedSpans`]: what a capture saw, shown as a tree when an
//! assertion fails.

use super::{CapturedSpan, CapturedSpans};
use crate::sink::console;
use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::SpanData;
use std::fmt;

impl CapturedSpans {
    pub(super) fn new(
        mut spans: Vec<SpanData>,
        parent: SpanId,
        unclaimed: (u64, Vec<String>),
    ) -> Self {
        spans.sort_by_key(|span| span.start_time);
        CapturedSpans {
            spans,
            parent,
            unclaimed,
        }
    }

    /// How many spans were captured.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether none was.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The spans' names, in the order they started.
    pub fn names(&self) -> Vec<&str> {
        self.spans.iter().map(|span| span.name.as_ref()).collect()
    }

    /// Every span, in the order they started.
    pub fn iter(&self) -> impl Iterator<Item = CapturedSpan<'_>> {
        self.spans.iter().map(|span| self.wrap(span))
    }

    /// The spans called `name`.
    pub fn all(&self, name: &str) -> Vec<CapturedSpan<'_>> {
        self.iter().filter(|span| span.name() == name).collect()
    }

    /// The spans made directly under the capture (or with no parent).
    pub fn roots(&self) -> Vec<CapturedSpan<'_>> {
        self.iter().filter(CapturedSpan::is_root).collect()
    }

    /// The one span called `name`; panics, showing the tree, if there is
    /// none or more than one.
    #[track_caller]
    pub fn one(&self, name: &str) -> CapturedSpan<'_> {
        let mut found = self.all(name);
        if found.len() != 1 {
            self.fail(format_args!(
                "expected one span \"{name}\", found {}",
                found.len()
            ));
        }
        found.remove(0)
    }

    /// Panics, showing the tree, unless exactly `count` spans were captured.
    #[track_caller]
    pub fn assert_count(&self, count: usize) -> &Self {
        if self.len() != count {
            self.fail(format_args!(
                "expected {count} span(s), found {}",
                self.len()
            ));
        }
        self
    }

    fn wrap<'a>(&'a self, span: &'a SpanData) -> CapturedSpan<'a> {
        CapturedSpan { span, all: self }
    }

    pub(super) fn find(&self, id: SpanId) -> Option<CapturedSpan<'_>> {
        self.spans
            .iter()
            .find(|span| span.span_context.span_id() == id)
            .map(|span| self.wrap(span))
    }

    #[track_caller]
    pub(super) fn fail(&self, what: fmt::Arguments<'_>) -> ! {
        panic!("{what}\ncaptured:\n{self}")
    }
}

impl fmt::Display for CapturedSpans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.spans.is_empty() {
            f.write_str("(no spans)\n")?;
        }
        let mut traces: Vec<TraceId> = Vec::new();
        for span in &self.spans {
            let trace = span.span_context.trace_id();
            if !traces.contains(&trace) {
                traces.push(trace);
            }
        }
        for trace in traces {
            let spans: Vec<SpanData> = self
                .spans
                .iter()
                .filter(|span| span.span_context.trace_id() == trace)
                .cloned()
                .collect();
            f.write_str(&console::render(trace, &spans))?;
        }
        let (unclaimed, names) = &self.unclaimed;
        if *unclaimed > 0 {
            write!(
                f,
                "({unclaimed} span(s) in this process ended outside every capture's trace, lately {names:?}: \
                 made on a thread or task that was not given the capture's context?)"
            )?;
        }
        Ok(())
    }
}
