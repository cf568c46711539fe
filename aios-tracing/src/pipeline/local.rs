//! Per-thread buffers between `span.end()` and the shared queue.
//!
//! An ended span is pushed into its thread's ring buffer: a single-producer
//! ring, so the push takes no lock and makes no atomic read-modify-write
//! (a lock taken and released per span cost about a tenth of the span).
//! The other end of the ring sits behind a lock that only two parties
//! take: the thread itself, once every [`LOCAL_BATCH`] spans (fewer for a
//! small queue, or when they are large), to move them to the shared queue
//! (its lock, its bounds, the worker's wake-up); and the worker, to take
//! what threads gone quiet still hold on its timer, on a flush and at
//! shutdown. A thread that exits hands its spans over as it goes.

use super::{footprint, Batch, Queued, Shared};
use crate::record::{slots, Slot};
use crate::registry;
use rtrb::{Consumer, Producer, RingBuffer};
use std::cell::RefCell;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Spans a thread gathers, at most, before moving them to the shared queue.
pub(crate) const LOCAL_BATCH: usize = 64;

/// How much of the queue's bounds one thread's buffer may hold: the
/// buffers sit outside the queue, so they are kept small next to it.
pub(super) fn local_limits(max_spans: usize, max_bytes: usize) -> (usize, usize) {
    let spans = (max_spans / 16).clamp(1, LOCAL_BATCH);
    let bytes = (max_bytes / 16).clamp(1, 256 * 1024);
    (spans, bytes)
}

/// The taking end of one thread's ring.
#[derive(Debug)]
pub(super) struct ThreadBuffer {
    spans: Mutex<Consumer<Queued>>,
}

impl ThreadBuffer {
    fn lock(&self) -> MutexGuard<'_, Consumer<Queued>> {
        self.spans.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves every span the ring holds to the queue in `batch`, under the
    /// ring's lock, so that a span is always counted in one of the two.
    /// Returns the batch to fill next: with `refill`, an emptied one from
    /// the queue if there is one; `batch` itself if the ring was empty.
    fn move_to_queue(&self, shared: &Shared, mut batch: Batch, refill: bool) -> Option<Batch> {
        let mut ring = self.lock();
        batch.extend(std::iter::from_fn(|| ring.pop().ok()));
        if batch.is_empty() {
            return Some(batch);
        }
        shared.enqueue_and_refill(batch, refill)
    }
}

/// This thread's buffer for the SDK generation it last ended a span for.
struct Local {
    generation: u64,
    shared: Arc<Shared>,
    buffer: Arc<ThreadBuffer>,
    ring: Producer<Queued>,
    /// Bytes pushed since the thread last moved its spans on.
    bytes: usize,
    /// An emptied batch to move the next spans in.
    batch: Batch,
}

impl Drop for Local {
    /// The thread exits (or its spans now go to a newer SDK): what it still
    /// holds goes to the shared queue.
    fn drop(&mut self) {
        self.shared.hand_over(&self.buffer);
    }
}

thread_local! {
    static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
}

/// Queues the ended span in `slot` for the pipeline of SDK `generation`.
/// If that SDK was shut down, the span is counted as dropped; if it no
/// longer exists at all, there is nothing to count it in.
#[inline]
pub(crate) fn submit(generation: u64, slot: Box<Slot>) {
    let mut slot = Some(slot);
    // No thread-local (the thread is exiting) or it is busy (a span ended
    // from inside this very call): go straight to the shared queue.
    let _ = LOCAL.try_with(|local| {
        if let Ok(mut local) = local.try_borrow_mut() {
            push_local(&mut local, generation, &mut slot);
        }
    });
    if let Some(slot) = slot {
        match registry::pipeline(generation) {
            Some(shared) => shared.enqueue_one(slot),
            None => slots::give_back(slot),
        }
    }
}

#[inline]
fn push_local(local: &mut Option<Local>, generation: u64, slot: &mut Option<Box<Slot>>) {
    if local.as_ref().map(|l| l.generation) != Some(generation) {
        // Dropping the old `Local` hands its spans over to their own SDK.
        *local = registry::pipeline(generation).map(|shared| Local::new(generation, shared));
    }
    if let (Some(local), Some(slot)) = (local, slot.take()) {
        local.push(slot);
    }
}

impl Local {
    fn new(generation: u64, shared: Arc<Shared>) -> Local {
        let (ring, taker) = RingBuffer::new(shared.local_spans);
        let buffer = Arc::new(ThreadBuffer {
            spans: Mutex::new(taker),
        });
        shared.register_thread(Arc::clone(&buffer));
        Local {
            generation,
            batch: Vec::with_capacity(shared.local_spans),
            shared,
            buffer,
            ring,
            bytes: 0,
        }
    }

    /// The span in `slot` into the ring, which is moved on when full.
    #[inline]
    fn push(&mut self, mut slot: Box<Slot>) {
        let shared = &*self.shared;
        let Some(span) = slot.as_mut() else {
            return;
        };
        // After shutdown the span is counted as dropped there. One pushed
        // just as the worker empties the rings for the last time is
        // counted so when its ring is next moved on (the queue is sealed
        // by then).
        if !shared.buffered || shared.closed.load(Ordering::Acquire) {
            shared.enqueue_one(slot);
            return;
        }
        let bytes = footprint::fit(span, shared.max_value_length);
        if let Err(rtrb::PushError::Full(queued)) = self.ring.push((slot, bytes)) {
            // Only if the worker took none of it since it filled up.
            self.move_on();
            if let Err(rtrb::PushError::Full((slot, _))) = self.ring.push(queued) {
                self.shared.enqueue_one(slot);
                return;
            }
        }
        self.bytes += bytes;
        if self.ring.is_full() || self.bytes >= self.shared.local_bytes {
            self.move_on();
        }
    }

    /// Moves the ring's spans to the shared queue, in the batch kept for
    /// it; the emptied batch that comes back in exchange brings the slots
    /// the next spans take.
    fn move_on(&mut self) {
        self.bytes = 0;
        let batch = std::mem::take(&mut self.batch);
        let shared = &*self.shared;
        self.batch = match self.buffer.move_to_queue(shared, batch, true) {
            Some(mut refill) => {
                slots::give_back_all(refill.drain(..).map(|(slot, _)| slot));
                refill
            }
            None => Vec::with_capacity(shared.local_spans),
        };
    }
}

/// The thread buffers, as the pipeline sees them.
impl Shared {
    /// A new thread's buffer, registered for the worker to empty.
    fn register_thread(&self, buffer: Arc<ThreadBuffer>) {
        let mut threads = self.threads.lock().unwrap_or_else(PoisonError::into_inner);
        // Buffers of exited threads that handed everything over are
        // forgotten here too, not only on the worker's timer: a program
        // starting thousands of short-lived threads a second keeps this
        // list as long as its live threads.
        threads.retain(|buffer| Arc::strong_count(buffer) > 1 || !buffer.lock().is_empty());
        threads.push(buffer);
    }

    /// Moves a buffer's spans to the queue.
    fn hand_over(&self, buffer: &ThreadBuffer) {
        drop(buffer.move_to_queue(self, Vec::new(), false));
    }

    /// Empties every thread's buffer into the queue and forgets the buffers
    /// of threads that have exited.
    pub(crate) fn collect_threads(&self) {
        let mut threads = self.threads.lock().unwrap_or_else(PoisonError::into_inner);
        threads.retain(|buffer| {
            self.hand_over(buffer);
            Arc::strong_count(buffer) > 1
        });
    }

    /// Spans ended but still in thread buffers.
    pub(super) fn buffered_spans(&self) -> usize {
        let threads = self.threads.lock().unwrap_or_else(PoisonError::into_inner);
        threads.iter().map(|buffer| buffer.lock().slots()).sum()
    }
}

#[cfg(test)]
mod tests {
    use crate::pipeline::{Pipeline, Sinks, WorkerConfig};
    use crate::record::{Scope, SpanRecord};
    use opentelemetry::trace::{SpanContext, SpanId, SpanKind};
    use opentelemetry::InstrumentationScope;
    use std::borrow::Cow;
    use std::sync::LazyLock;
    use std::time::{Duration, SystemTime};

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

    /// A pipeline exporting nowhere, with a large queue and a worker
    /// whose timer never fires during a test.
    fn pipeline() -> Pipeline {
        let config = WorkerConfig {
            use_batch: true,
            max_queue_size: 1 << 20,
            max_queue_bytes: 1 << 30,
            max_export_batch_size: 512,
            scheduled_delay: Duration::from_secs(3600),
            max_concurrent_exports: 1,
            max_attribute_value_length: usize::MAX,
        };
        Pipeline::start(config, Sinks::default()).unwrap()
    }

    /// Slots travel with their spans to the worker and come back, emptied,
    /// with the batch they went in: a thread that keeps ending spans stops
    /// allocating them.
    #[test]
    fn a_thread_gets_its_slots_back_with_an_emptied_batch() {
        use crate::record::slots;
        let pipeline = pipeline();
        let shared = pipeline.stats_source();
        let mut local = super::Local::new(1, std::sync::Arc::clone(&shared));
        let fill = |local: &mut super::Local| {
            for _ in 0..super::LOCAL_BATCH {
                local.push(slots::filled(record()));
            }
        };
        fill(&mut local);
        pipeline.flush(Duration::from_secs(5)).unwrap();
        assert_eq!(slots::kept(), 0);
        // The last span of this batch moves it to the queue and brings the
        // first batch back, with its emptied slots.
        fill(&mut local);
        assert_eq!(slots::kept(), super::LOCAL_BATCH);
        pipeline.flush(Duration::from_secs(5)).unwrap();
        // These spans take the slots kept, and the next batch comes back.
        fill(&mut local);
        assert_eq!(slots::kept(), super::LOCAL_BATCH);
        assert_eq!(shared.stats().exported, 2 * super::LOCAL_BATCH as u64);
    }

    /// After a burst, the emptied batches (and their slots) are all kept
    /// for reuse rather than freed by the worker, then trimmed by half on
    /// each timer tick down to what a steady stream needs.
    #[test]
    fn spare_batches_kept_after_a_burst_are_trimmed_on_the_timer() {
        use crate::record::slots;
        let pipeline = pipeline();
        let shared = pipeline.stats_source();
        let floor = shared.spare_floor;
        let batches = 4 * floor;
        // Queued the way threads queue full batches, none taking a spare.
        for _ in 0..batches {
            let batch = (0..super::LOCAL_BATCH)
                .map(|_| (slots::filled(record()), 500))
                .collect();
            shared.enqueue(batch);
        }
        pipeline.flush(Duration::from_secs(5)).unwrap();
        let spares = || shared.lock().spare.len();
        assert_eq!(spares(), batches);
        shared.trim_spares();
        assert_eq!(spares(), batches / 2);
        shared.trim_spares();
        shared.trim_spares();
        assert_eq!(spares(), floor);
        // Freed by the worker as it stops, not by whichever application
        // thread drops the pipeline last.
        use opentelemetry_sdk::trace::SpanProcessor as _;
        pipeline
            .shutdown_with_timeout(Duration::from_secs(5))
            .unwrap();
        assert_eq!(spares(), 0);
    }

    /// A thread can push a span into its ring just as shutdown empties
    /// the rings for the last time (it checked for shutdown a moment
    /// before). The span is not lost from the counts: when the ring is
    /// moved on, the sealed queue counts it as dropped.
    #[test]
    fn a_span_left_in_a_ring_at_shutdown_is_counted_as_dropped() {
        use opentelemetry_sdk::trace::SpanProcessor as _;
        let pipeline = pipeline();
        let shared = pipeline.stats_source();
        let mut local = super::Local::new(1, std::sync::Arc::clone(&shared));
        local.push(Box::new(Some(record())));
        pipeline
            .shutdown_with_timeout(Duration::from_secs(5))
            .unwrap();
        // The push that raced with shutdown, past its check.
        assert!(local.ring.push((Box::new(Some(record())), 100)).is_ok());
        assert_eq!(shared.stats().queued, 1);
        drop(local);
        let stats = shared.stats();
        assert_eq!(
            (stats.ended, stats.exported, stats.dropped, stats.queued),
            (2, 1, 1, 0)
        );
    }

    #[test]
    fn exited_threads_buffers_are_forgotten_without_waiting_for_the_timer() {
        let pipeline = pipeline();
        let shared = pipeline.stats_source();
        for _ in 0..200 {
            let shared = std::sync::Arc::clone(&shared);
            std::thread::spawn(move || {
                let mut local = super::Local::new(1, shared);
                local.push(Box::new(Some(record())));
                // As the thread exits, its `Local` hands its spans over.
                drop(local);
            })
            .join()
            .unwrap();
        }
        let registered = shared.threads.lock().unwrap().len();
        assert!(registered <= 2, "{registered} buffers still registered");
        let stats = shared.stats();
        assert_eq!((stats.ended, stats.queued), (200, 200));
    }
}
