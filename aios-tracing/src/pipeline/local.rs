//! Per-thread batches between `span.end()` and the shared queue.
//!
//! An ended span is moved into its thread's buffer, under a lock no other
//! thread takes except the worker now and then; only every [`LOCAL_BATCH`]
//! spans (fewer for a small queue, or when they are large) does the thread
//! touch the shared queue (its lock, its bounds, the worker's wake-up).
//! Nothing waits in a buffer for long: the worker empties every buffer on
//! its timer, on a flush and at shutdown, and a thread that exits hands its
//! buffer over as it goes.

use super::{footprint, Queued, Shared};
use crate::record::{slots, Slot};
use crate::registry;
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

/// One thread's ended spans, not yet in the shared queue.
#[derive(Debug, Default)]
pub(super) struct ThreadBuffer {
    spans: Mutex<LocalSpans>,
}

#[derive(Debug, Default)]
pub(super) struct LocalSpans {
    pub(super) spans: Vec<Queued>,
    pub(super) bytes: usize,
}

impl ThreadBuffer {
    pub(super) fn lock(&self) -> MutexGuard<'_, LocalSpans> {
        self.spans.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// This thread's buffer for the SDK generation it last ended a span for.
struct Local {
    generation: u64,
    shared: Arc<Shared>,
    buffer: Arc<ThreadBuffer>,
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
        *local = registry::pipeline(generation).map(|shared| Local {
            generation,
            buffer: shared.register_thread(),
            shared,
        });
    }
    if let Some(local) = local {
        local.shared.push_local(&local.buffer, slot);
    }
}

/// The thread buffers, as the pipeline sees them.
impl Shared {
    /// A new thread's buffer, registered for the worker to empty.
    fn register_thread(&self) -> Arc<ThreadBuffer> {
        let buffer = Arc::new(ThreadBuffer::default());
        let mut threads = self.threads.lock().unwrap_or_else(PoisonError::into_inner);
        // Buffers of exited threads that handed everything over are
        // forgotten here too, not only on the worker's timer: a program
        // starting thousands of short-lived threads a second keeps this
        // list as long as its live threads.
        threads.retain(|buffer| Arc::strong_count(buffer) > 1 || !buffer.lock().spans.is_empty());
        threads.push(Arc::clone(&buffer));
        buffer
    }

    /// The span in `slot` (taken) into its thread's buffer, which moves
    /// to the queue when full.
    #[inline]
    fn push_local(&self, buffer: &ThreadBuffer, slot: &mut Option<Box<Slot>>) {
        if !self.buffered {
            if let Some(slot) = slot.take() {
                self.enqueue_one(slot);
            }
            return;
        }
        let Some(span) = slot.as_deref_mut().and_then(Option::as_mut) else {
            return;
        };
        let bytes = footprint::fit(span, self.max_value_length);
        let mut spans = buffer.lock();
        // Checked under the buffer's lock, and the batch below is queued
        // under it: once shutdown has set the flag and emptied this buffer,
        // nothing can slip into the queue behind its back.
        if self.closed.load(Ordering::Acquire) {
            drop(spans);
            if let Some(slot) = slot.take() {
                self.enqueue_one(slot);
            }
            return;
        }
        if let Some(slot) = slot.take() {
            spans.spans.push((slot, bytes));
            spans.bytes += bytes;
        }
        if spans.spans.len() >= self.local_spans || spans.bytes >= self.local_bytes {
            let batch = std::mem::take(&mut spans.spans);
            spans.bytes = 0;
            spans.spans = match self.enqueue_and_refill(batch, true) {
                // Its slots are the ones this thread's next spans take.
                Some(mut refill) => {
                    slots::give_back_all(refill.drain(..).map(|(slot, _)| slot));
                    refill
                }
                None => Vec::with_capacity(self.local_spans),
            };
        }
    }

    /// Moves a buffer's spans to the queue.
    fn hand_over(&self, buffer: &ThreadBuffer) {
        let mut spans = buffer.lock();
        if !spans.spans.is_empty() {
            spans.bytes = 0;
            self.enqueue(std::mem::take(&mut spans.spans));
        }
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
        threads.iter().map(|buffer| buffer.lock().spans.len()).sum()
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

    /// Slots travel with their spans to the worker and come back, emptied,
    /// with the batch they went in: a thread that keeps ending spans stops
    /// allocating them.
    #[test]
    fn a_thread_gets_its_slots_back_with_an_emptied_batch() {
        use crate::record::slots;
        let config = WorkerConfig {
            use_batch: true,
            max_queue_size: 1 << 20,
            max_queue_bytes: 1 << 30,
            max_export_batch_size: 512,
            scheduled_delay: Duration::from_secs(3600),
            max_concurrent_exports: 1,
            max_attribute_value_length: usize::MAX,
        };
        let pipeline = Pipeline::start(config, Sinks::default()).unwrap();
        let shared = pipeline.stats_source();
        let buffer = shared.register_thread();
        let fill = || {
            for _ in 0..super::LOCAL_BATCH {
                shared.push_local(&buffer, &mut Some(slots::filled(record())));
            }
        };
        fill();
        pipeline.flush(Duration::from_secs(5)).unwrap();
        assert_eq!(slots::kept(), 0);
        // The last span of this batch moves it to the queue and brings the
        // first batch back, with its emptied slots.
        fill();
        assert_eq!(slots::kept(), super::LOCAL_BATCH);
        pipeline.flush(Duration::from_secs(5)).unwrap();
        // These spans take the slots kept, and the next batch comes back.
        fill();
        assert_eq!(slots::kept(), super::LOCAL_BATCH);
        assert_eq!(shared.stats().exported, 2 * super::LOCAL_BATCH as u64);
    }

    #[test]
    fn exited_threads_buffers_are_forgotten_without_waiting_for_the_timer() {
        let config = WorkerConfig {
            use_batch: true,
            max_queue_size: 1 << 20,
            max_queue_bytes: 1 << 30,
            max_export_batch_size: 512,
            // The worker's timer never fires during the test.
            scheduled_delay: Duration::from_secs(3600),
            max_concurrent_exports: 1,
            max_attribute_value_length: usize::MAX,
        };
        let pipeline = Pipeline::start(config, Sinks::default()).unwrap();
        let shared = pipeline.stats_source();
        for _ in 0..200 {
            let shared = std::sync::Arc::clone(&shared);
            std::thread::spawn(move || {
                let buffer = shared.register_thread();
                shared.push_local(&buffer, &mut Some(Box::new(Some(record()))));
                // What a thread's `Local` does as the thread exits.
                shared.hand_over(&buffer);
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
