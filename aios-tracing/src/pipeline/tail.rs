//! Keeping failed and slow traces: with it on, every span of a local
//! tree is recorded (sampled or not), and here, on the export thread, a
//! tree's spans are held until its local root ends. Then the whole tree
//! goes on if a span in it failed, if the root was slow, or if head
//! sampling chose it; otherwise it is let go, counted as sampled out.
//!
//! Held spans are bounded in bytes: past the bound the oldest trees are
//! decided early (kept if a span in them failed already, else by their
//! head decision), and counted. Held spans stay charged to the queue, so
//! its bounds cover them too. Spans of a tree
//! already decided (a task that outlives its request) follow the
//! decision while it is remembered.

use crate::data::SpanRecord;
use opentelemetry::trace::{SpanId, Status, TraceId};
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// When a tree is kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TailSettings {
    pub(crate) keep_errors: bool,
    pub(crate) keep_slower_than: Option<Duration>,
    pub(crate) max_held_bytes: usize,
}

/// A span and the bytes it holds against the queue's bound.
pub(crate) type Charged = (SpanRecord, usize);

/// What the stage did with the spans it took.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Released {
    /// Spans let go: their tree was not kept.
    pub(crate) sampled_out: u64,
    /// The bytes those spans held.
    pub(crate) sampled_out_bytes: usize,
    /// Trees kept because a span failed or the root was slow.
    pub(crate) trees_kept: u64,
    /// Trees decided before their root ended, to stay within the bytes.
    pub(crate) trees_decided_early: u64,
}

impl Released {
    pub(crate) fn add(&mut self, other: Released) {
        self.sampled_out += other.sampled_out;
        self.sampled_out_bytes += other.sampled_out_bytes;
        self.trees_kept += other.trees_kept;
        self.trees_decided_early += other.trees_decided_early;
    }
}

#[derive(Debug, Default)]
struct Tree {
    spans: Vec<Charged>,
    bytes: usize,
    /// Its place in `arrival`.
    arrived: u64,
}

/// Decisions remembered for late spans of a decided tree.
const REMEMBERED: usize = 4096;

#[derive(Debug)]
pub(crate) struct Tail {
    settings: TailSettings,
    trees: HashMap<TraceId, Tree>,
    /// Trees in the order their first span arrived, for deciding early,
    /// with their place in it. A tree decided is left in it (removing it
    /// would scan the queue at every root's end) and skipped when it
    /// comes up: an entry counts only while its tree's `arrived` matches.
    arrival: VecDeque<(TraceId, u64)>,
    arrived: u64,
    held_bytes: usize,
    decided: HashMap<TraceId, bool>,
    decided_order: VecDeque<TraceId>,
}

impl Tail {
    pub(crate) fn new(settings: TailSettings) -> Self {
        Tail {
            settings,
            trees: HashMap::new(),
            arrival: VecDeque::new(),
            arrived: 0,
            held_bytes: 0,
            decided: HashMap::new(),
            decided_order: VecDeque::new(),
        }
    }

    /// Takes an ended span (of `bytes`): puts it into `ready` if it goes
    /// on now, or holds it; a local root puts its tree into `ready` too
    /// if the tree is kept. Head-sampled spans go on at once: their trees
    /// are exported whatever happens.
    pub(crate) fn accept(
        &mut self,
        span: SpanRecord,
        bytes: usize,
        ready: &mut Vec<Charged>,
    ) -> Released {
        let mut released = Released::default();
        if span.span_context.is_sampled() {
            ready.push((span, bytes));
            return released;
        }
        let trace_id = span.span_context.trace_id();
        if let Some(&keep) = self.decided.get(&trace_id) {
            released.add(let_go(vec![(span, bytes)], keep, ready));
            return released;
        }
        if span.parent_span_id == SpanId::INVALID || span.parent_is_remote {
            let mut held = self.remove(trace_id).unwrap_or_default().spans;
            let keep = self.keeps(&span, &held);
            held.push((span, bytes));
            released.trees_kept += u64::from(keep);
            released.add(let_go(held, keep, ready));
            self.remember(trace_id, keep);
            return released;
        }
        let tree = self.trees.entry(trace_id).or_insert_with(|| {
            self.arrived += 1;
            self.arrival.push_back((trace_id, self.arrived));
            Tree {
                arrived: self.arrived,
                ..Tree::default()
            }
        });
        tree.spans.push((span, bytes));
        tree.bytes += bytes;
        self.held_bytes += bytes;
        while self.held_bytes > self.settings.max_held_bytes {
            let Some(oldest) = self.oldest() else {
                break;
            };
            released.add(self.decide_early(oldest, ready));
        }
        released
    }

    /// Decides every held tree now (shutdown): its root will not be seen.
    pub(crate) fn decide_all(&mut self, ready: &mut Vec<Charged>) -> Released {
        let mut released = Released::default();
        while let Some(oldest) = self.oldest() {
            released.add(self.decide_early(oldest, ready));
        }
        released
    }

    /// Spans held now.
    pub(crate) fn held(&self) -> usize {
        self.trees.values().map(|tree| tree.spans.len()).sum()
    }

    /// Drops every held span; returns how many and their bytes.
    pub(crate) fn discard(&mut self) -> (u64, usize) {
        let spans = self.held() as u64;
        let bytes = self.held_bytes;
        self.trees.clear();
        self.arrival.clear();
        self.held_bytes = 0;
        (spans, bytes)
    }

    /// Whether the tree of `root`, holding `spans`, is kept whole.
    fn keeps(&self, root: &SpanRecord, spans: &[Charged]) -> bool {
        let slow = self.settings.keep_slower_than.is_some_and(|threshold| {
            root.end.duration_since(root.start).unwrap_or_default() > threshold
        });
        slow || (self.settings.keep_errors && failed(root)) || self.any_failed(spans)
    }

    fn any_failed(&self, spans: &[Charged]) -> bool {
        self.settings.keep_errors && spans.iter().any(|(span, _)| failed(span))
    }

    fn remove(&mut self, trace_id: TraceId) -> Option<Tree> {
        let tree = self.trees.remove(&trace_id)?;
        self.held_bytes -= tree.bytes;
        // Entries of decided trees are dropped as they reach the front;
        // when they outnumber the live ones, all at once.
        if self.arrival.len() > 2 * self.trees.len() + 64 {
            let trees = &self.trees;
            self.arrival.retain(|entry| holds(trees, entry));
        }
        Some(tree)
    }

    /// The tree held longest.
    fn oldest(&mut self) -> Option<TraceId> {
        while let Some(entry) = self.arrival.front() {
            if holds(&self.trees, entry) {
                return Some(entry.0);
            }
            self.arrival.pop_front();
        }
        None
    }

    /// A tree decided before its root ended: kept if a span in it already
    /// failed (the rest of it follows), else by its head decision, which
    /// for a held tree was "not sampled".
    fn decide_early(&mut self, trace_id: TraceId, ready: &mut Vec<Charged>) -> Released {
        let tree = self.remove(trace_id).unwrap_or_default();
        let keep = self.any_failed(&tree.spans);
        self.remember(trace_id, keep);
        let mut released = let_go(tree.spans, keep, ready);
        released.trees_decided_early = 1;
        released.trees_kept = u64::from(keep);
        released
    }

    fn remember(&mut self, trace_id: TraceId, keep: bool) {
        if self.decided.insert(trace_id, keep).is_none() {
            self.decided_order.push_back(trace_id);
        }
        while self.decided_order.len() > REMEMBERED {
            if let Some(old) = self.decided_order.pop_front() {
                self.decided.remove(&old);
            }
        }
    }
}

/// Whether `arrival`'s entry is a tree still held.
fn holds(trees: &HashMap<TraceId, Tree>, (trace_id, arrived): &(TraceId, u64)) -> bool {
    trees
        .get(trace_id)
        .is_some_and(|tree| tree.arrived == *arrived)
}

fn failed(span: &SpanRecord) -> bool {
    matches!(span.extras_or_default().status, Status::Error { .. })
}

/// Sends the spans on if `keep`, else counts them as let go.
fn let_go(spans: Vec<Charged>, keep: bool, ready: &mut Vec<Charged>) -> Released {
    if keep {
        ready.extend(spans);
        return Released::default();
    }
    Released {
        sampled_out: spans.len() as u64,
        sampled_out_bytes: spans.iter().map(|(_, bytes)| bytes).sum(),
        ..Released::default()
    }
}

#[cfg(test)]
mod tests;
