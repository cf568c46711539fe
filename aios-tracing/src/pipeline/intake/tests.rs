//! The intake against a pipeline whose worker exports nowhere.

use super::{Local, LOCAL_BATCH};
use crate::data::{Scope, SpanRecord};
use crate::pipeline::{slots, Pipeline, PipelineSettings};
use opentelemetry::trace::{SpanContext, SpanId, SpanKind};
use opentelemetry::InstrumentationScope;
use std::borrow::Cow;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant, SystemTime};

static SCOPE: LazyLock<InstrumentationScope> =
    LazyLock::new(|| InstrumentationScope::builder("test").build());

fn record() -> SpanRecord {
    SpanRecord {
        span_context: SpanContext::empty_context(),
        parent_span_id: SpanId::INVALID,
        parent_is_remote: false,
        kind: SpanKind::Internal,
        name: Cow::Borrowed("t"),
        start: SystemTime::UNIX_EPOCH,
        end: SystemTime::UNIX_EPOCH,
        attributes: Default::default(),
        dropped_attributes: 0,
        extras: None,
        scope: Scope::Interned(&SCOPE),
    }
}

/// A pipeline exporting nowhere, with a large queue and a worker whose
/// timer never fires during a test.
fn pipeline() -> Pipeline {
    let settings = PipelineSettings::for_tests(Duration::from_secs(3600));
    Pipeline::start(settings, Vec::new()).unwrap()
}

/// Slots travel with their spans to the worker and come back, emptied,
/// with the batch they went in: a thread that keeps ending spans stops
/// allocating them.
#[test]
fn a_thread_gets_its_slots_back_with_an_emptied_batch() {
    let pipeline = pipeline();
    let mut local = Local::new(1, Arc::clone(pipeline.intake()));
    let fill = |local: &mut Local| {
        for _ in 0..LOCAL_BATCH {
            local.push(slots::filled(record()));
        }
    };
    fill(&mut local);
    pipeline
        .flush(Instant::now() + Duration::from_secs(5))
        .unwrap();
    assert_eq!(slots::kept(), 0);
    // The last span of this batch moves it to the queue and brings the
    // first batch back, with its emptied slots.
    fill(&mut local);
    assert_eq!(slots::kept(), LOCAL_BATCH);
    pipeline
        .flush(Instant::now() + Duration::from_secs(5))
        .unwrap();
    // These spans take the slots kept, and the next batch comes back.
    fill(&mut local);
    assert_eq!(slots::kept(), LOCAL_BATCH);
    assert_eq!(pipeline.stats().exported, 2 * LOCAL_BATCH as u64);
}

/// After a burst, the emptied batches (and their slots) are all kept for
/// reuse rather than freed by the worker, then trimmed by half on each
/// timer tick down to what a steady stream needs.
#[test]
fn spare_batches_kept_after_a_burst_are_trimmed_on_the_timer() {
    let pipeline = pipeline();
    let queue = &pipeline.intake().queue;
    let floor = queue.spare_floor();
    let batches = 4 * floor;
    // Queued the way threads queue full batches, none taking a spare.
    for _ in 0..batches {
        let batch = (0..LOCAL_BATCH)
            .map(|_| (slots::filled(record()), 500))
            .collect();
        queue.enqueue(batch);
    }
    pipeline
        .flush(Instant::now() + Duration::from_secs(5))
        .unwrap();
    assert_eq!(queue.spares(), batches);
    queue.trim_spares();
    assert_eq!(queue.spares(), batches / 2);
    queue.trim_spares();
    queue.trim_spares();
    assert_eq!(queue.spares(), floor);
    // Freed by the worker as it stops, not by whichever application
    // thread drops the pipeline last.
    pipeline
        .shutdown(Instant::now() + Duration::from_secs(5))
        .unwrap();
    assert_eq!(queue.spares(), 0);
}

/// A thread can push a span into its ring just as shutdown empties the
/// rings for the last time (it checked for shutdown a moment before). The
/// span is not lost from the counts: when the ring is moved on, the sealed
/// queue counts it as dropped.
#[test]
fn a_span_left_in_a_ring_at_shutdown_is_counted_as_dropped() {
    let pipeline = pipeline();
    let mut local = Local::new(1, Arc::clone(pipeline.intake()));
    local.push(Box::new(Some(record())));
    pipeline
        .shutdown(Instant::now() + Duration::from_secs(5))
        .unwrap();
    // The push that raced with shutdown, past its check.
    assert!(local.producer.push((Box::new(Some(record())), 100)).is_ok());
    assert_eq!(pipeline.stats().queued, 1);
    drop(local);
    let stats = pipeline.stats();
    assert_eq!(
        (stats.ended, stats.exported, stats.dropped, stats.queued),
        (2, 1, 1, 0)
    );
}

#[test]
fn exited_threads_rings_are_forgotten_without_waiting_for_the_timer() {
    let pipeline = pipeline();
    for _ in 0..200 {
        let intake = Arc::clone(pipeline.intake());
        std::thread::spawn(move || {
            let mut local = Local::new(1, intake);
            local.push(Box::new(Some(record())));
            // As the thread exits, its `Local` hands its spans over.
            drop(local);
        })
        .join()
        .unwrap();
    }
    let registered = pipeline.intake().rings().len();
    assert!(registered <= 2, "{registered} rings still registered");
    let stats = pipeline.stats();
    assert_eq!((stats.ended, stats.queued), (200, 200));
}
