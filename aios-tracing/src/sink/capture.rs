//! A sink that keeps exported spans in memory, for tests: every span (the
//! unit tests' SDK), or only the spans of traces a test has claimed (the
//! public [`testing`](crate::testing) captures, which share one SDK and
//! must each see only their own spans).

use super::{Request, Sink, SpanBatch};
use opentelemetry::trace::TraceId;
use opentelemetry_sdk::trace::SpanData;
use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Names of unclaimed spans kept, for error messages.
const UNCLAIMED_NAMES: usize = 8;

/// A handle on the kept spans; clones share them. The sink itself is one
/// of these, moved to the export thread.
#[derive(Debug, Clone)]
pub(crate) struct Capture {
    store: Arc<Mutex<Store>>,
}

#[derive(Debug)]
struct Store {
    /// Every span, in export order, when every span is kept.
    everything: Option<Vec<SpanData>>,
    /// The claimed traces' spans, otherwise.
    kept: HashMap<TraceId, Vec<SpanData>>,
    /// Spans of no claimed trace (dropped when only claimed ones are kept).
    unclaimed: u64,
    unclaimed_names: VecDeque<Cow<'static, str>>,
}

impl Capture {
    /// Keeps every span.
    #[cfg(test)]
    pub(crate) fn everything() -> Capture {
        Capture::new(true)
    }

    /// Keeps the spans of claimed traces only.
    pub(crate) fn claimed() -> Capture {
        Capture::new(false)
    }

    fn new(everything: bool) -> Capture {
        Capture {
            store: Arc::new(Mutex::new(Store {
                everything: everything.then(Vec::new),
                kept: HashMap::new(),
                unclaimed: 0,
                unclaimed_names: VecDeque::new(),
            })),
        }
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps the spans of `trace` from now on.
    pub(crate) fn claim(&self, trace: TraceId) {
        self.store().kept.entry(trace).or_default();
    }

    /// Forgets `trace` and its spans.
    pub(crate) fn release(&self, trace: TraceId) {
        self.store().kept.remove(&trace);
    }

    /// The kept spans of a claimed `trace`, in export order.
    pub(crate) fn trace(&self, trace: TraceId) -> Vec<SpanData> {
        self.store().kept.get(&trace).cloned().unwrap_or_default()
    }

    /// Every span, in export order, when every span is kept.
    #[cfg(test)]
    pub(crate) fn spans(&self) -> Vec<SpanData> {
        self.store().everything.clone().unwrap_or_default()
    }

    /// How many spans belonged to no claimed trace, and the names of the
    /// last few.
    pub(crate) fn unclaimed(&self) -> (u64, Vec<String>) {
        let store = self.store();
        let names = store
            .unclaimed_names
            .iter()
            .map(|n| n.to_string())
            .collect();
        (store.unclaimed, names)
    }
}

impl Sink for Capture {
    fn export(&mut self, batch: SpanBatch<'_, '_>) -> Option<Request> {
        let spans = batch.span_data();
        let mut store = self.store();
        if let Some(everything) = &mut store.everything {
            everything.extend(spans);
            return None;
        }
        for span in spans {
            let trace = span.span_context.trace_id();
            if let Some(kept) = store.kept.get_mut(&trace) {
                kept.push(span);
            } else {
                store.unclaimed += 1;
                if store.unclaimed_names.len() == UNCLAIMED_NAMES {
                    store.unclaimed_names.pop_front();
                }
                store.unclaimed_names.push_back(span.name);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::SpanRecord;
    use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceState};

    fn export(sink: &Capture, spans: &[(u128, &'static str)]) {
        let mut records: Vec<SpanRecord> = spans
            .iter()
            .map(|&(trace, name)| {
                let mut record = SpanRecord::emptied();
                record.span_context = SpanContext::new(
                    TraceId::from(trace),
                    SpanId::from(1),
                    TraceFlags::SAMPLED,
                    false,
                    TraceState::default(),
                );
                record.name = name.into();
                record
            })
            .collect();
        let mut refs: Vec<&mut SpanRecord> = records.iter_mut().collect();
        let mut sink = sink.clone();
        drop(sink.export(SpanBatch::new(&mut refs, true)));
    }

    fn names(spans: Vec<SpanData>) -> Vec<String> {
        spans.into_iter().map(|s| s.name.into_owned()).collect()
    }

    #[test]
    fn only_claimed_traces_are_kept_each_apart() {
        let capture = Capture::claimed();
        capture.claim(TraceId::from(1));
        capture.claim(TraceId::from(2));
        export(&capture, &[(1, "a"), (2, "b"), (3, "stray"), (1, "c")]);
        assert_eq!(names(capture.trace(TraceId::from(1))), ["a", "c"]);
        assert_eq!(names(capture.trace(TraceId::from(2))), ["b"]);
        assert_eq!(capture.unclaimed(), (1, vec!["stray".to_owned()]));

        capture.release(TraceId::from(1));
        export(&capture, &[(1, "late")]);
        assert!(capture.trace(TraceId::from(1)).is_empty());
        assert_eq!(capture.unclaimed().0, 2, "a released trace is unclaimed");
    }

    #[test]
    fn only_the_last_few_unclaimed_names_are_kept() {
        let capture = Capture::claimed();
        let many: Vec<(u128, &'static str)> = (0..20)
            .map(|i| (9, if i < 19 { "old" } else { "last" }))
            .collect();
        export(&capture, &many);
        let (count, names) = capture.unclaimed();
        assert_eq!(count, 20);
        assert_eq!(names.len(), UNCLAIMED_NAMES);
        assert_eq!(names.last().map(String::as_str), Some("last"));
    }

    #[test]
    fn everything_keeps_every_span_in_export_order() {
        let capture = Capture::everything();
        export(&capture, &[(2, "x"), (1, "y"), (2, "z")]);
        assert_eq!(names(capture.spans()), ["x", "y", "z"]);
    }
}
