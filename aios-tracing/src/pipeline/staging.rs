//! The batches the worker took off the queue and has not encoded yet, and
//! the reading of their records by the sinks, a request's worth at a time;
//! with tail sampling on, through the tail stage first.

use super::queue::{discard, Batch, Queue};
use super::tail::{Charged, Released, Tail};
use crate::data::SpanRecord;
use crate::sink::{Request, Sink, SpanBatch};
use std::collections::VecDeque;

/// Batches taken off the queue, oldest first.
#[derive(Debug)]
pub(super) struct Staging {
    batches: VecDeque<Batch>,
    /// Spans of the front batch already encoded: a batch stays whole,
    /// slots and all, until every span in it is taken out.
    front_sent: usize,
    /// Keeping failed and slow traces: spans of unsampled trees, held
    /// until their roots end.
    tail: Option<Tail>,
    /// Spans the tail stage let through outside an export (shutdown),
    /// for the next one.
    released: Vec<Charged>,
}

/// What one export took: the requests the sinks made, the spans and their
/// estimated bytes, and the batches wholly emptied.
pub(super) struct Taken {
    pub(super) requests: Vec<Request>,
    pub(super) spans: usize,
    pub(super) bytes: usize,
    pub(super) emptied: Vec<Batch>,
    /// What the tail stage let go of or kept.
    pub(super) tail: Released,
}

impl Staging {
    pub(super) fn new(tail: Option<Tail>) -> Self {
        Staging {
            batches: VecDeque::new(),
            front_sent: 0,
            tail,
            released: Vec::new(),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.batches.is_empty() && self.released.is_empty()
    }

    /// Shutdown: decides every tree the tail stage holds, whose roots
    /// will not be seen now; the kept ones go with the next export.
    pub(super) fn decide_held(&mut self) -> Released {
        match &mut self.tail {
            Some(tail) => tail.decide_all(&mut self.released),
            None => Released::default(),
        }
    }

    /// Takes everything queued (when nothing is staged).
    pub(super) fn take(&mut self, queue: &Queue) {
        queue.swap_out(&mut self.batches);
    }

    /// Hands up to `batch_size` spans from the front to every sink.
    pub(super) fn export_front(&mut self, sinks: &mut [Box<dyn Sink>], batch_size: usize) -> Taken {
        let mut records: Vec<&mut SpanRecord> = Vec::with_capacity(batch_size.min(1024));
        let (mut spans, mut bytes, mut finished) = (0, 0, 0);
        let mut taken_out = 0;
        let mut tail_released = Released::default();
        let mut ready = std::mem::take(&mut self.released);
        let mut start = self.front_sent;
        for batch in &mut self.batches {
            let len = batch.len();
            let end = len.min(start + batch_size - spans);
            let part = &mut batch[start..end];
            // Each record is in a box of its own, last written on another
            // core, and cold once this thread falls behind. Read one at a
            // time, each waits for memory in turn, and this thread then
            // stays behind the threads filling the queue (the queue fills
            // up and drops). A first pass of independent reads over all of
            // them has memory fetch them in parallel.
            std::hint::black_box(
                part.iter()
                    .filter_map(|(slot, _)| (**slot).as_ref())
                    .map(SpanRecord::touch)
                    .fold(0, usize::wrapping_add),
            );
            for (slot, size) in part {
                taken_out += 1;
                let Some(record) = (**slot).as_mut() else {
                    spans += 1;
                    bytes += *size;
                    continue;
                };
                match &mut self.tail {
                    Some(tail) if !record.span_context.is_sampled() => {
                        let record = std::mem::replace(record, SpanRecord::emptied());
                        tail_released.add(tail.accept(record, *size, &mut ready));
                    }
                    _ => {
                        spans += 1;
                        bytes += *size;
                        records.push(record);
                    }
                }
            }
            if end == len {
                finished += 1;
                start = 0;
            } else {
                start = end;
            }
            if taken_out == batch_size {
                break;
            }
        }
        for (record, size) in &mut ready {
            spans += 1;
            bytes += *size;
            records.push(record);
        }
        let requests = deliver(sinks, &mut records);
        drop(records);
        self.front_sent = start;
        Taken {
            requests,
            spans,
            bytes,
            emptied: self.batches.drain(..finished).collect(),
            tail: tail_released,
        }
    }

    /// Empties the staging (and the tail stage); returns the spans not
    /// encoded and their bytes.
    pub(super) fn discard(&mut self) -> (u64, usize) {
        let (mut spans, mut bytes) = discard(&mut self.batches, self.front_sent);
        self.front_sent = 0;
        for (_, size) in self.released.drain(..) {
            spans += 1;
            bytes += size;
        }
        if let Some(tail) = &mut self.tail {
            let (held, held_bytes) = tail.discard();
            spans += held;
            bytes += held_bytes;
        }
        (spans, bytes)
    }
}

/// Hands the records to every sink, which read them now (the last one
/// may move their data out); the records are emptied afterwards, for
/// their threads to reuse. Without a sink the data is taken out and
/// dropped all the same, so that a pipeline that only counts spans works
/// as one that exports them does.
fn deliver(sinks: &mut [Box<dyn Sink>], records: &mut [&mut SpanRecord]) -> Vec<Request> {
    for record in records.iter_mut() {
        record.format_backtraces();
    }
    let count = sinks.len();
    let requests = sinks
        .iter_mut()
        .enumerate()
        .filter_map(|(i, sink)| sink.export(SpanBatch::new(records, i + 1 == count)))
        .collect();
    if count == 0 {
        drop(SpanBatch::new(records, true).span_data());
    }
    for record in records.iter_mut() {
        record.clear();
    }
    requests
}
