//! Where ended spans enter the pipeline: each thread's ring, moved in
//! batches onto the shared bounded queue.
//!
//! An ended span is pushed into its thread's ring buffer: a single-producer
//! ring, so the push takes no lock and makes no atomic read-modify-write.
//! The other end of the ring sits behind a lock that only two parties
//! take: the thread itself, once every [`LOCAL_BATCH`] spans (fewer for a
//! small queue, or when they are large), to move them to the queue (its
//! lock, its bounds, the worker's wake-up); and the worker, to take what
//! threads gone quiet still hold on its timer, on a flush and at shutdown.
//! A thread that exits hands its spans over as it goes.
//!
//! A span finds its SDK's intake by the SDK's generation (see
//! [`register`]), so it always ends into the SDK that started it.

use super::queue::{Batch, Queue, Queued};
use super::size;
use super::slots::{self, Slot};
use rtrb::{Consumer, Producer, RingBuffer};
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

/// Spans a thread gathers, at most, before moving them to the queue.
pub(crate) const LOCAL_BATCH: usize = 64;
const _: () = assert!(slots::KEPT >= LOCAL_BATCH);

/// How much of the queue's bounds one thread's ring may hold: the rings
/// sit outside the queue, so they are kept small next to it.
pub(crate) fn ring_limits(max_spans: usize, max_bytes: usize) -> (usize, usize) {
    let spans = (max_spans / 16).clamp(1, LOCAL_BATCH);
    let bytes = (max_bytes / 16).clamp(1, 256 * 1024);
    (spans, bytes)
}

/// One SDK's intake: its queue and every thread's ring in front of it.
#[derive(Debug)]
pub(crate) struct Intake {
    pub(crate) queue: Queue,
    rings: Mutex<Vec<Arc<Ring>>>,
    /// A ring moves to the queue once it holds this many spans or bytes.
    ring_spans: usize,
    ring_bytes: usize,
    max_value_length: usize,
    /// Whether ended spans gather in rings first (batch export) or go
    /// straight to the queue (one export per span).
    buffered: bool,
    /// The SDK generation this intake was registered as (0 until then):
    /// how spans the SDK itself built find their thread's ring.
    generation: AtomicU64,
}

/// The taking end of one thread's ring.
#[derive(Debug)]
struct Ring {
    spans: Mutex<Consumer<Queued>>,
}

impl Ring {
    fn lock(&self) -> MutexGuard<'_, Consumer<Queued>> {
        self.spans.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves every span the ring holds to the queue in `batch`, under the
    /// ring's lock, so that a span is always counted in one of the two.
    /// Returns the batch to fill next: with `refill`, an emptied one from
    /// the queue if there is one; `batch` itself if the ring was empty.
    fn move_to_queue(&self, queue: &Queue, mut batch: Batch, refill: bool) -> Option<Batch> {
        let mut ring = self.lock();
        batch.extend(std::iter::from_fn(|| ring.pop().ok()));
        if batch.is_empty() {
            return Some(batch);
        }
        queue.enqueue_and_refill(batch, refill)
    }
}

impl Intake {
    pub(crate) fn new(
        queue: Queue,
        (ring_spans, ring_bytes): (usize, usize),
        max_value_length: usize,
        buffered: bool,
    ) -> Self {
        Intake {
            queue,
            rings: Mutex::new(Vec::new()),
            ring_spans,
            ring_bytes,
            max_value_length,
            buffered,
            generation: AtomicU64::new(0),
        }
    }

    fn rings(&self) -> MutexGuard<'_, Vec<Arc<Ring>>> {
        self.rings.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The generation spans of this intake's SDK carry (0: not registered).
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// A new thread's ring, registered for the worker to empty.
    fn register_ring(&self, ring: Arc<Ring>) {
        let mut rings = self.rings();
        // Rings of exited threads that handed everything over are
        // forgotten here too, not only on the worker's timer: a program
        // starting thousands of short-lived threads a second keeps this
        // list as long as its live threads.
        rings.retain(|ring| Arc::strong_count(ring) > 1 || !ring.lock().is_empty());
        rings.push(ring);
    }

    /// Moves a ring's spans to the queue.
    fn hand_over(&self, ring: &Ring) {
        drop(ring.move_to_queue(&self.queue, Vec::new(), false));
    }

    /// Empties every thread's ring into the queue and forgets the rings
    /// of threads that have exited.
    pub(crate) fn collect_rings(&self) {
        self.rings().retain(|ring| {
            self.hand_over(ring);
            Arc::strong_count(ring) > 1
        });
    }

    /// Spans ended but still in thread rings.
    pub(crate) fn buffered_spans(&self) -> usize {
        self.rings().iter().map(|ring| ring.lock().slots()).sum()
    }

    /// Queues a span that did not pass through a ring; after shutdown it
    /// is counted as dropped.
    pub(crate) fn enqueue_one(&self, mut slot: Box<Slot>) {
        let Some(span) = slot.as_mut() else {
            return;
        };
        if self.queue.is_closed() {
            let counters = &self.queue.counters;
            super::stats::Counters::add(&counters.ended, 1);
            super::stats::Counters::add(&counters.dropped, 1);
            slots::give_back(slot);
            return;
        }
        let bytes = size::truncate_and_measure(span, self.max_value_length);
        self.queue.enqueue(vec![(slot, bytes)]);
    }
}

/// Every started SDK's intake by generation, including SDKs no longer
/// active, so a span always ends into the SDK that started it.
static INTAKES: Mutex<Vec<(u64, Weak<Intake>)>> = Mutex::new(Vec::new());

/// Makes `intake` the one spans of `generation` end into.
pub(crate) fn register(generation: u64, intake: &Arc<Intake>) {
    intake.generation.store(generation, Ordering::Release);
    let mut intakes = INTAKES.lock().unwrap_or_else(PoisonError::into_inner);
    intakes.retain(|(_, intake)| intake.strong_count() > 0);
    intakes.push((generation, Arc::downgrade(intake)));
}

/// The intake of SDK `generation`, while that SDK exists.
fn lookup(generation: u64) -> Option<Arc<Intake>> {
    let intakes = INTAKES.lock().unwrap_or_else(PoisonError::into_inner);
    intakes
        .iter()
        .find(|(g, _)| *g == generation)
        .and_then(|(_, intake)| intake.upgrade())
}

/// This thread's ring for the SDK generation it last ended a span for.
struct Local {
    generation: u64,
    intake: Arc<Intake>,
    ring: Arc<Ring>,
    producer: Producer<Queued>,
    /// Bytes pushed since the thread last moved its spans on.
    bytes: usize,
    /// An emptied batch to move the next spans in.
    batch: Batch,
}

impl Drop for Local {
    /// The thread exits (or its spans now go to another SDK): what it
    /// still holds goes to the queue.
    fn drop(&mut self) {
        self.intake.hand_over(&self.ring);
    }
}

thread_local! {
    static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
}

/// Queues the ended span in `slot` for the SDK of `generation`. If that
/// SDK was shut down, the span is counted as dropped; if it no longer
/// exists at all, there is nothing to count it in.
#[inline]
pub(crate) fn submit(generation: u64, slot: Box<Slot>) {
    let mut slot = Some(slot);
    // No thread-local (the thread is exiting) or it is busy (a span ended
    // from inside this very call): go straight to the queue.
    let _ = LOCAL.try_with(|local| {
        if let Ok(mut local) = local.try_borrow_mut() {
            push_local(&mut local, generation, &mut slot);
        }
    });
    if let Some(slot) = slot {
        match lookup(generation) {
            Some(intake) => intake.enqueue_one(slot),
            None => slots::give_back(slot),
        }
    }
}

#[inline]
fn push_local(local: &mut Option<Local>, generation: u64, slot: &mut Option<Box<Slot>>) {
    if local.as_ref().map(|l| l.generation) != Some(generation) {
        // Dropping the old `Local` hands its spans over to their own SDK.
        *local = lookup(generation).map(|intake| Local::new(generation, intake));
    }
    if let (Some(local), Some(slot)) = (local, slot.take()) {
        local.push(slot);
    }
}

impl Local {
    fn new(generation: u64, intake: Arc<Intake>) -> Local {
        let (producer, consumer) = RingBuffer::new(intake.ring_spans);
        let ring = Arc::new(Ring {
            spans: Mutex::new(consumer),
        });
        intake.register_ring(Arc::clone(&ring));
        Local {
            generation,
            batch: Vec::with_capacity(intake.ring_spans),
            intake,
            ring,
            producer,
            bytes: 0,
        }
    }

    /// The span in `slot` into the ring, which is moved on when full.
    #[inline]
    fn push(&mut self, mut slot: Box<Slot>) {
        let intake = &*self.intake;
        let Some(span) = slot.as_mut() else {
            return;
        };
        // After shutdown the span is counted as dropped there. One pushed
        // just as the worker empties the rings for the last time is
        // counted so when its ring is next moved on (the queue is sealed
        // by then).
        if !intake.buffered || intake.queue.is_closed() {
            intake.enqueue_one(slot);
            return;
        }
        let bytes = size::truncate_and_measure(span, intake.max_value_length);
        if let Err(rtrb::PushError::Full(queued)) = self.producer.push((slot, bytes)) {
            // Only if the worker took none of it since it filled up.
            self.move_on();
            if let Err(rtrb::PushError::Full((slot, _))) = self.producer.push(queued) {
                self.intake.enqueue_one(slot);
                return;
            }
        }
        self.bytes += bytes;
        if self.producer.is_full() || self.bytes >= self.intake.ring_bytes {
            self.move_on();
        }
    }

    /// Moves the ring's spans to the queue, in the batch kept for it; the
    /// emptied batch that comes back in exchange brings the slots the next
    /// spans take.
    fn move_on(&mut self) {
        self.bytes = 0;
        let batch = std::mem::take(&mut self.batch);
        let intake = &*self.intake;
        self.batch = match self.ring.move_to_queue(&intake.queue, batch, true) {
            Some(mut refill) => {
                slots::give_back_all(refill.drain(..).map(|(slot, _)| slot));
                refill
            }
            None => Vec::with_capacity(intake.ring_spans),
        };
    }
}

#[cfg(test)]
mod tests;
