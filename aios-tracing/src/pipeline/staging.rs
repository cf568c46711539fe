//! The batches the worker took off the queue and has not encoded yet, and
//! the reading of their records by the sinks, a request's worth at a time.

use super::queue::{discard, Batch, Queue};
use crate::data::SpanRecord;
use crate::sink::{Request, Sink, SpanBatch};
use std::collections::VecDeque;

/// Batches taken off the queue, oldest first.
#[derive(Debug, Default)]
pub(super) struct Staging {
    batches: VecDeque<Batch>,
    /// Spans of the front batch already encoded: a batch stays whole,
    /// slots and all, until every span in it is taken out.
    front_sent: usize,
}

/// What one export took: the requests the sinks made, the spans and their
/// estimated bytes, and the batches wholly emptied.
pub(super) struct Taken {
    pub(super) requests: Vec<Request>,
    pub(super) spans: usize,
    pub(super) bytes: usize,
    pub(super) emptied: Vec<Batch>,
}

impl Staging {
    pub(super) fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }

    /// Takes everything queued (when nothing is staged).
    pub(super) fn take(&mut self, queue: &Queue) {
        queue.swap_out(&mut self.batches);
    }

    /// Hands up to `batch_size` spans from the front to every sink.
    pub(super) fn export_front(&mut self, sinks: &mut [Box<dyn Sink>], batch_size: usize) -> Taken {
        let mut records: Vec<&mut SpanRecord> = Vec::with_capacity(batch_size.min(1024));
        let (mut spans, mut bytes, mut finished) = (0, 0, 0);
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
                spans += 1;
                bytes += *size;
                records.extend((**slot).as_mut());
            }
            if end == len {
                finished += 1;
                start = 0;
            } else {
                start = end;
            }
            if spans == batch_size {
                break;
            }
        }
        let requests = deliver(sinks, &mut records);
        drop(records);
        self.front_sent = start;
        Taken {
            requests,
            spans,
            bytes,
            emptied: self.batches.drain(..finished).collect(),
        }
    }

    /// Empties the staging; returns the spans not encoded and their bytes.
    pub(super) fn discard(&mut self) -> (u64, usize) {
        let left = discard(&mut self.batches, self.front_sent);
        self.front_sent = 0;
        left
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
