//! The tail stage on records made by hand.

use super::{Released, Tail, TailSettings};
use crate::data::{Extras, Scope, SpanRecord};
use opentelemetry::trace::{SpanContext, SpanId, Status, TraceFlags, TraceId, TraceState};
use opentelemetry::InstrumentationScope;
use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

static SCOPE: LazyLock<InstrumentationScope> =
    LazyLock::new(|| InstrumentationScope::builder("test").build());

fn span(trace: u128, id: u64, parent: u64, sampled: bool) -> SpanRecord {
    let mut record = SpanRecord::emptied();
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    record.span_context = SpanContext::new(
        TraceId::from(trace),
        SpanId::from(id),
        flags,
        false,
        TraceState::NONE,
    );
    record.parent_span_id = SpanId::from(parent);
    record.start = SystemTime::UNIX_EPOCH;
    record.end = SystemTime::UNIX_EPOCH + Duration::from_millis(10);
    record.scope = Scope::Interned(&SCOPE);
    record
}

fn failed(mut record: SpanRecord) -> SpanRecord {
    record.extras = Some(Box::new(Extras {
        status: Status::error("boom"),
        ..Extras::default()
    }));
    record
}

fn tail(max_held_bytes: usize) -> Tail {
    Tail::new(TailSettings {
        keep_errors: true,
        keep_slower_than: Some(Duration::from_millis(50)),
        max_held_bytes,
    })
}

fn ids(ready: &[(SpanRecord, usize)]) -> Vec<u64> {
    let mut ids: Vec<u64> = ready
        .iter()
        .map(|(r, _)| u64::from_be_bytes(r.span_context.span_id().to_bytes()))
        .collect();
    ids.sort_unstable();
    ids
}

#[test]
fn a_failed_tree_is_kept_whole_and_a_quiet_one_let_go() {
    let mut tail = tail(1 << 20);
    let mut ready = Vec::new();
    // Trace 1: a child fails, then the root ends.
    tail.accept(failed(span(1, 11, 10, false)), 100, &mut ready);
    tail.accept(span(1, 12, 11, false), 100, &mut ready);
    assert!(ready.is_empty(), "held until the root ends");
    let released = tail.accept(span(1, 10, 0, false), 100, &mut ready);
    assert_eq!(ids(&ready), [10, 11, 12]);
    assert_eq!(released.trees_kept, 1);
    // Trace 2: nothing fails, the root is quick.
    ready.clear();
    tail.accept(span(2, 21, 20, false), 100, &mut ready);
    let released = tail.accept(span(2, 20, 0, false), 100, &mut ready);
    assert!(ready.is_empty());
    assert_eq!(released.sampled_out, 2);
    // A late span of trace 1 follows its tree.
    tail.accept(span(1, 13, 10, false), 100, &mut ready);
    assert_eq!(ids(&ready), [13]);
    assert_eq!(tail.held(), 0);
}

#[test]
fn slow_roots_and_head_sampled_spans_go_on() {
    let mut tail = tail(1 << 20);
    let mut ready = Vec::new();
    let mut slow = span(3, 30, 0, false);
    slow.end = slow.start + Duration::from_millis(60);
    tail.accept(span(3, 31, 30, false), 100, &mut ready);
    let released = tail.accept(slow, 100, &mut ready);
    assert_eq!((ids(&ready), released.trees_kept), (vec![30, 31], 1));
    ready.clear();
    tail.accept(span(4, 41, 40, true), 100, &mut ready);
    assert_eq!(ids(&ready), [41], "sampled: at once");
}

#[test]
fn past_the_bytes_the_oldest_trees_are_decided_early() {
    let mut tail = tail(250);
    let mut ready = Vec::new();
    tail.accept(span(5, 51, 50, false), 100, &mut ready);
    tail.accept(span(6, 61, 60, false), 100, &mut ready);
    let released = tail.accept(span(7, 71, 70, false), 100, &mut ready);
    assert_eq!(
        released,
        Released {
            sampled_out: 1,
            sampled_out_bytes: 100,
            trees_kept: 0,
            trees_decided_early: 1,
        }
    );
    assert_eq!(tail.held(), 2);
    let released = tail.decide_all(&mut ready);
    assert_eq!((released.sampled_out, released.trees_decided_early), (2, 2));
    assert_eq!(tail.held(), 0);
}

#[test]
fn a_tree_decided_early_is_kept_if_a_span_failed_already() {
    let mut tail = tail(250);
    let mut ready = Vec::new();
    tail.accept(failed(span(8, 81, 80, false)), 100, &mut ready);
    tail.accept(span(9, 91, 90, false), 100, &mut ready);
    let released = tail.accept(span(9, 92, 90, false), 100, &mut ready);
    assert_eq!(ids(&ready), [81], "the failed tree goes on early");
    assert_eq!((released.trees_kept, released.trees_decided_early), (1, 1));
    ready.clear();
    tail.accept(span(8, 80, 0, false), 100, &mut ready);
    assert_eq!(ids(&ready), [80], "its root follows");
}
