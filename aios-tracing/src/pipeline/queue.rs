//! The bounded queue between the application threads and the export
//! worker: spans arrive in batches (a thread's ring at a time), are
//! counted against the bounds in spans and estimated bytes, and whatever
//! does not fit is dropped and counted. Emptied batches come back from the
//! worker, slots and all, for threads to fill again.

use super::slots::{self, Slot};
use super::stats::{Counters, ExportStats};
use crate::diagnostics::RateLimited;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// An ended span, in its slot, with its estimated size in bytes.
pub(crate) type Queued = (Box<Slot>, usize);

/// Spans that travel together: what a thread's ring held, moved to the
/// queue at once. The worker empties each slot and gives the batch back
/// with its slots, for a thread to use again.
pub(crate) type Batch = Vec<Queued>;

/// The queue's bounds and wake-up points.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub(crate) max_spans: usize,
    pub(crate) max_bytes: usize,
    /// Queue length, and estimated bytes, at which the worker is woken
    /// without waiting for its timer.
    pub(crate) wake_at: usize,
    pub(crate) wake_at_bytes: usize,
    /// Batches smaller than this are not kept as spares: those are the
    /// one-span batches of spans that bypass the thread rings.
    pub(crate) batch_capacity: usize,
    /// Emptied batches kept for reuse, at most and after trimming.
    pub(crate) spare_max: usize,
    pub(crate) spare_floor: usize,
}

#[derive(Debug, Default)]
struct State {
    batches: VecDeque<Batch>,
    /// Spans in `batches`, and their estimated bytes.
    len: usize,
    len_bytes: usize,
    /// Spans and bytes here *and* those the worker took, until they are
    /// exported or dropped (encoded requests waiting for the collector or
    /// in flight, charged what they hold): the bounds cover all of them.
    held: usize,
    bytes: usize,
    peak_bytes: usize,
    /// Emptied batches the worker gave back, each still holding its
    /// emptied slots, for threads to fill again: fresh ones would be
    /// allocated by the application thread and freed by the worker, and
    /// the two would meet on the allocator's lock. Up to four times what a
    /// steady stream needs between two wake-ups, so that after a burst the
    /// application reuses them; trimmed on the worker's timer.
    spare: Vec<Batch>,
    /// Set once the worker has stopped: spans that reach the queue after
    /// that (from a thread's ring, pushed as shutdown emptied the rings)
    /// are counted as dropped.
    sealed: bool,
}

/// The queue, its counters and the worker's wake-up.
#[derive(Debug)]
pub(crate) struct Queue {
    state: Mutex<State>,
    bounds: Bounds,
    pub(crate) wake: tokio::sync::Notify,
    /// The SDK was shut down: spans no longer go through thread rings.
    closed: AtomicBool,
    pub(crate) counters: Counters,
    full: RateLimited,
}

impl Queue {
    pub(crate) fn new(bounds: Bounds) -> Self {
        Queue {
            state: Mutex::new(State::default()),
            bounds,
            wake: tokio::sync::Notify::new(),
            closed: AtomicBool::new(false),
            counters: Counters::default(),
            full: RateLimited::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks the SDK shut down; `false` if it already was.
    pub(crate) fn close(&self) -> bool {
        !self.closed.swap(true, Ordering::AcqRel)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Queues a batch of ended spans, as much of it as the bounds allow;
    /// the rest is counted as dropped.
    pub(crate) fn enqueue(&self, batch: Batch) {
        drop(self.enqueue_and_refill(batch, false));
    }

    /// [`enqueue`](Self::enqueue); with `refill`, returns an emptied batch
    /// to fill next (its slots emptied, or holding refused spans that are
    /// already counted as dropped) if there is one.
    pub(crate) fn enqueue_and_refill(&self, mut batch: Batch, refill: bool) -> Option<Batch> {
        let n = batch.len();
        if n == 0 {
            return None;
        }
        let bounds = &self.bounds;
        Counters::add(&self.counters.ended, n as u64);
        let mut queue = self.lock();
        if queue.sealed {
            drop(queue);
            Counters::add(&self.counters.dropped, n as u64);
            return refill.then_some(batch);
        }
        let (mut accepted, mut bytes) = (0, 0);
        for (_, size) in &batch {
            if queue.held + accepted >= bounds.max_spans
                || queue.bytes + bytes + size > bounds.max_bytes
            {
                break;
            }
            accepted += 1;
            bytes += size;
        }
        let (before, bytes_before) = (queue.len, queue.len_bytes);
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
            queue.len_bytes += bytes;
            queue.batches.push_back(batch);
            refused
        };
        let (len, bytes) = (queue.len, queue.len_bytes);
        let spare = if refill { queue.spare.pop() } else { None };
        drop(queue);
        // Once per filling: the worker takes everything when it wakes.
        if (before < bounds.wake_at && len >= bounds.wake_at)
            || (bytes_before < bounds.wake_at_bytes && bytes >= bounds.wake_at_bytes)
        {
            self.wake.notify_one();
        }
        let Some(refused) = refused else {
            return spare;
        };
        let dropped = refused.len() as u64;
        Counters::add(&self.counters.dropped, dropped);
        Counters::add(&self.counters.dropped_queue_full, dropped);
        self.full.warn(|suppressed| {
            tracing::warn!(
                target: "aios_tracing",
                suppressed,
                max_spans = bounds.max_spans,
                max_bytes = bounds.max_bytes,
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

    /// Swaps the queued batches into `spare` (which must be empty) in O(1),
    /// so the lock is never held while spans are copied. They stay counted
    /// against the bounds until [`settle`](Self::settle).
    pub(crate) fn swap_out(&self, spare: &mut VecDeque<Batch>) {
        debug_assert!(spare.is_empty());
        let mut queue = self.lock();
        queue.len = 0;
        queue.len_bytes = 0;
        std::mem::swap(&mut queue.batches, spare);
    }

    /// The worker encoded spans it had taken, estimated at `estimate`
    /// bytes, into requests that hold `charged` bytes until they are
    /// [`settle`](Self::settle)d; `emptied` are the batches the spans came
    /// in, kept for threads to fill again.
    pub(crate) fn recharge(&self, estimate: usize, charged: usize, emptied: &mut Vec<Batch>) {
        let mut queue = self.lock();
        queue.bytes = queue.bytes + charged - estimate;
        for batch in emptied.drain(..) {
            if queue.spare.len() < self.bounds.spare_max
                && batch.capacity() >= self.bounds.batch_capacity
            {
                queue.spare.push(batch);
            }
        }
    }

    /// `spans` spans the worker took, holding `bytes`, were exported or
    /// dropped: their room is free again.
    pub(crate) fn settle(&self, spans: usize, bytes: usize) {
        let mut queue = self.lock();
        queue.held -= spans;
        queue.bytes -= bytes;
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
        queue.len_bytes = 0;
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
            .split_off((len / 2).max(self.bounds.spare_floor).min(len));
        drop(queue);
        drop(freed);
    }

    #[cfg(test)]
    pub(crate) fn spares(&self) -> usize {
        self.lock().spare.len()
    }

    #[cfg(test)]
    pub(crate) fn spare_floor(&self) -> usize {
        self.bounds.spare_floor
    }

    /// Whether the queue holds a batch worth sending before the timer: a
    /// full batch of spans, or the bytes that wake the worker.
    pub(crate) fn batch_due(&self, batch_size: usize) -> bool {
        let queue = self.lock();
        queue.len >= batch_size || (queue.len > 0 && queue.len_bytes >= self.bounds.wake_at_bytes)
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len
    }

    /// The counters, with `buffered` spans still in thread rings counted
    /// as ended and queued.
    pub(crate) fn stats(&self, buffered: u64) -> ExportStats {
        let mut stats = self.counters.snapshot();
        stats.ended += buffered;
        stats.queued += buffered;
        let queue = self.lock();
        stats.queued_bytes = queue.bytes as u64;
        stats.peak_queued_bytes = queue.peak_bytes as u64;
        stats
    }
}

/// Empties `batches`, of which the first `sent` spans were sent already;
/// returns the spans and bytes that were not.
pub(crate) fn discard(batches: &mut VecDeque<Batch>, sent: usize) -> (u64, usize) {
    batches
        .drain(..)
        .flatten()
        .skip(sent)
        .fold((0, 0), |(spans, bytes), (_, size)| {
            (spans + 1, bytes + size)
        })
}
