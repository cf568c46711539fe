//! From `span.end()` to the exporters: a bounded queue the application
//! thread pushes into without waiting, and a worker thread (with its own
//! tokio runtime) that batches and exports.
//!
//! The worker owning its runtime is what keeps export independent of the
//! application's: it works from a plain `fn main`, under any tokio runtime
//! flavour, and shutdown can't deadlock on a runtime the application is
//! blocking.

mod footprint;
mod local;
mod worker;

use crate::diagnostics::RateLimited;
use crate::record::{slots, Slot, SpanRecord};
use crate::stats::{Counters, ExportStats};
use local::ThreadBuffer;
use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

pub(crate) use local::{submit, LOCAL_BATCH};
pub(crate) use worker::{Sinks, WorkerConfig};

/// An ended span, in its slot, with its estimated size in bytes.
pub(crate) type Queued = (Box<Slot>, usize);

/// Spans that travel together: what a thread's ring held, moved to the
/// queue at once. The worker empties each slot and gives the batch back
/// with its slots, for a thread to use again.
pub(crate) type Batch = Vec<Queued>;

/// Spans waiting for the worker.
#[derive(Debug, Default)]
struct Queue {
    batches: VecDeque<Batch>,
    /// Spans in `batches`.
    len: usize,
    /// Spans and bytes here *and* those the worker took but has not sent
    /// yet: the bounds cover both.
    held: usize,
    bytes: usize,
    peak_bytes: usize,
    /// Emptied batches the worker gave back, each still holding its
    /// emptied slots, for threads to fill again: fresh ones would be
    /// allocated by the application thread and freed by the worker, and
    /// the two would meet on the allocator's lock.
    spare: Vec<Batch>,
    /// Set once the worker has stopped: spans that reach the queue after
    /// that (from a thread's ring, pushed as shutdown emptied the rings)
    /// are counted as dropped.
    sealed: bool,
}

#[derive(Debug)]
pub(crate) struct Shared {
    queue: Mutex<Queue>,
    max_spans: usize,
    max_bytes: usize,
    max_value_length: usize,
    /// Queue length, and estimated bytes, at which the worker is woken
    /// without waiting for its timer.
    wake_at: usize,
    wake_at_bytes: usize,
    wake: tokio::sync::Notify,
    closed: AtomicBool,
    /// Whether ended spans gather in per-thread buffers first (batch
    /// export) or go straight to the queue (one export per span).
    buffered: bool,
    /// Every thread's buffer, for the worker to empty.
    threads: Mutex<Vec<Arc<ThreadBuffer>>>,
    /// A thread buffer moves to the queue once it holds this many spans
    /// or bytes.
    local_spans: usize,
    local_bytes: usize,
    /// Emptied batches kept for reuse. Up to four times `spare_floor`
    /// (what a steady stream needs between two wake-ups of the worker,
    /// twice over), so that after a burst the application reuses them
    /// rather than the worker freeing them: a free on the worker of memory
    /// the application thread allocates meets that thread on the
    /// allocator's lock, slot after slot. Trimmed on the worker's timer
    /// back down to the floor.
    spare_max: usize,
    spare_floor: usize,
    /// The SDK generation this pipeline was installed as (0 until then):
    /// how spans the SDK itself built find their thread's buffer.
    generation: AtomicU64,
    pub(crate) counters: Counters,
}

static QUEUE_FULL: RateLimited = RateLimited::new();

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a batch of ended spans, as much of it as the bounds allow;
    /// the rest is counted as dropped.
    fn enqueue(&self, batch: Batch) {
        drop(self.enqueue_and_refill(batch, false));
    }

    /// [`enqueue`](Self::enqueue); with `refill`, returns an emptied batch
    /// to fill next (its slots emptied, or holding refused spans that are
    /// already counted as dropped) if there is one.
    fn enqueue_and_refill(&self, mut batch: Batch, refill: bool) -> Option<Batch> {
        let n = batch.len();
        if n == 0 {
            return None;
        }
        Counters::add(&self.counters.ended, n as u64);
        let mut queue = self.lock();
        if queue.sealed {
            drop(queue);
            Counters::add(&self.counters.dropped, n as u64);
            return refill.then_some(batch);
        }
        let (mut accepted, mut bytes) = (0, 0);
        for (_, size) in &batch {
            if queue.held + accepted >= self.max_spans
                || queue.bytes + bytes + size > self.max_bytes
            {
                break;
            }
            accepted += 1;
            bytes += size;
        }
        let (before, bytes_before) = (queue.len, queue.bytes);
        // What does not fit is dropped after the lock is released. Under
        // overload that is usually the whole batch, which is then emptied
        // and filled again: nothing is copied or allocated for it.
        let refused = if accepted == 0 {
            Some(batch)
        } else {
            let refused = (accepted < n).then(|| batch.split_off(accepted));
            queue.held += accepted;
            queue.bytes += bytes;
            queue.peak_bytes = queue.peak_bytes.max(queue.bytes);
            queue.len += accepted;
            queue.batches.push_back(batch);
            refused
        };
        let (len, bytes) = (queue.len, queue.bytes);
        let spare = if refill { queue.spare.pop() } else { None };
        drop(queue);
        // Once per filling: the worker takes everything when it wakes.
        if (before < self.wake_at && len >= self.wake_at)
            || (bytes_before < self.wake_at_bytes && bytes >= self.wake_at_bytes)
        {
            self.wake.notify_one();
        }
        let Some(refused) = refused else {
            return spare;
        };
        let dropped = refused.len() as u64;
        Counters::add(&self.counters.dropped, dropped);
        Counters::add(&self.counters.dropped_queue_full, dropped);
        QUEUE_FULL.warn(|suppressed| {
            tracing::warn!(
                target: "aios_tracing",
                suppressed,
                max_spans = self.max_spans,
                max_bytes = self.max_bytes,
                "span export queue is full (collector slow or down?); dropping spans"
            );
        });
        match spare {
            Some(spare) => {
                slots::give_back_all(refused.into_iter().map(|(slot, _)| slot));
                Some(spare)
            }
            None => refill.then_some(refused),
        }
    }

    /// Queues a span that did not pass through a thread buffer; after
    /// shutdown it is counted as dropped.
    fn enqueue_one(&self, mut slot: Box<Slot>) {
        let Some(span) = slot.as_mut() else {
            return;
        };
        if self.closed.load(Ordering::Acquire) {
            Counters::add(&self.counters.ended, 1);
            Counters::add(&self.counters.dropped, 1);
            slots::give_back(slot);
            return;
        }
        let bytes = footprint::fit(span, self.max_value_length);
        self.enqueue(vec![(slot, bytes)]);
    }

    /// Swaps the queued batches into `spare` (which must be empty) in O(1),
    /// so the lock is never held while spans are copied. Their bytes stay
    /// counted until [`release`](Self::release).
    pub(crate) fn swap_out(&self, spare: &mut VecDeque<Batch>) {
        debug_assert!(spare.is_empty());
        let mut queue = self.lock();
        queue.len = 0;
        std::mem::swap(&mut queue.batches, spare);
    }

    /// The worker sent (or dropped) `spans` spans worth `bytes`; `emptied`
    /// are the batches they came in, kept for threads to fill again.
    pub(crate) fn release(&self, spans: usize, bytes: usize, emptied: &mut Vec<Batch>) {
        let mut queue = self.lock();
        queue.held -= spans;
        queue.bytes -= bytes;
        for batch in emptied.drain(..) {
            // Only batches as large as a thread fills: not the one-span
            // batches of spans that bypass the thread buffers.
            if queue.spare.len() < self.spare_max && batch.capacity() >= self.local_spans {
                queue.spare.push(batch);
            }
        }
    }

    /// The worker has stopped: what is still queued, and whatever reaches
    /// the queue from now on, is counted as dropped. The spare batches go
    /// too, freed here rather than by whichever application thread drops
    /// the pipeline last (its next span would wait for thousands of frees).
    pub(crate) fn seal(&self) {
        let mut queue = self.lock();
        queue.sealed = true;
        let spare = std::mem::take(&mut queue.spare);
        let (spans, bytes) = discard(&mut queue.batches, 0);
        queue.len = 0;
        queue.held -= spans as usize;
        queue.bytes -= bytes;
        drop(queue);
        drop(spare);
        Counters::add(&self.counters.dropped, spans);
    }

    /// Frees half the spare batches beyond the floor: memory kept after a
    /// burst goes back over a few timer periods.
    pub(crate) fn trim_spares(&self) {
        let mut queue = self.lock();
        let len = queue.spare.len();
        let freed = queue
            .spare
            .split_off((len / 2).max(self.spare_floor).min(len));
        drop(queue);
        drop(freed);
    }

    /// Records the generation `registry::install` gave this pipeline.
    pub(crate) fn set_generation(&self, generation: u64) {
        self.generation.store(generation, Ordering::Release);
    }

    /// Whether the queue holds a batch worth sending before the timer: a
    /// full batch of spans, or the bytes that wake the worker.
    pub(crate) fn batch_due(&self, batch_size: usize) -> bool {
        let queue = self.lock();
        queue.len >= batch_size || (queue.len > 0 && queue.bytes >= self.wake_at_bytes)
    }

    pub(crate) fn queued(&self) -> usize {
        self.lock().len
    }
}

/// Empties `batches`, of which the first `sent` spans were sent already;
/// returns the spans and bytes that were not.
fn discard(batches: &mut VecDeque<Batch>, sent: usize) -> (u64, usize) {
    batches
        .drain(..)
        .flatten()
        .skip(sent)
        .fold((0, 0), |(spans, bytes), (_, size)| {
            (spans + 1, bytes + size)
        })
}

/// The `SpanProcessor` installed on the provider, plus the worker's handle.
#[derive(Debug)]
pub(crate) struct Pipeline {
    shared: Arc<Shared>,
    worker: worker::Handle,
}

/// How many queued spans wake the worker early. Not one batch: a wake-up
/// costs the application thread a system call and a context switch, so
/// the worker is woken once there is enough to keep all its concurrent
/// exports busy twice over; but early enough that a small queue does not
/// fill up before its timer.
fn wake_at(config: &WorkerConfig) -> usize {
    if !config.use_batch {
        return 1;
    }
    let busy = config.max_export_batch_size * config.max_concurrent_exports.max(1) * 2;
    busy.min(config.max_queue_size / 4).max(1)
}

impl Pipeline {
    pub(crate) fn start(config: WorkerConfig, sinks: Sinks) -> std::io::Result<Pipeline> {
        let (local_spans, local_bytes) =
            local::local_limits(config.max_queue_size, config.max_queue_bytes);
        let spare_floor = (wake_at(&config) * 2).div_ceil(local_spans).max(2);
        let shared = Arc::new(Shared {
            local_spans,
            local_bytes,
            spare_max: 4 * spare_floor,
            spare_floor,
            queue: Mutex::new(Queue::default()),
            max_spans: config.max_queue_size,
            max_bytes: config.max_queue_bytes,
            max_value_length: config.max_attribute_value_length,
            wake_at: wake_at(&config),
            wake_at_bytes: (config.max_queue_bytes / 4).max(1),
            wake: tokio::sync::Notify::new(),
            closed: AtomicBool::new(false),
            buffered: config.use_batch,
            threads: Mutex::new(Vec::new()),
            generation: AtomicU64::new(0),
            counters: Counters::default(),
        });
        let worker = worker::spawn(Arc::clone(&shared), config, sinks)?;
        Ok(Pipeline { shared, worker })
    }

    pub(crate) fn stats_source(&self) -> Arc<Shared> {
        Arc::clone(&self.shared)
    }

    fn flush(&self, timeout: Duration) -> OTelSdkResult {
        self.worker.flush(timeout)
    }
}

impl Shared {
    pub(crate) fn stats(&self) -> ExportStats {
        // Spans in thread buffers are ended, and counted so, before they
        // reach the queue.
        let buffered = self.buffered_spans() as u64;
        let mut stats = self.counters.snapshot();
        stats.ended += buffered;
        stats.queued += buffered;
        let queue = self.lock();
        stats.queued_bytes = queue.bytes as u64;
        stats.peak_queued_bytes = queue.peak_bytes as u64;
        stats
    }
}

impl SpanProcessor for Pipeline {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if !span.span_context.is_sampled() {
            return;
        }
        let slot = slots::filled(SpanRecord::from_span_data(span));
        match self.shared.generation.load(Ordering::Acquire) {
            // Not installed: no generation to find this thread's buffer by.
            0 => self.shared.enqueue_one(slot),
            generation => submit(generation, slot),
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.flush(Duration::from_secs(5))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        if self.shared.closed.swap(true, Ordering::AcqRel) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        self.worker.shutdown(timeout)
    }
}
