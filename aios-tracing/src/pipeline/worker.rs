//! The export worker: one thread, one current-thread tokio runtime, a few
//! export requests in flight at a time, or one while the collector is
//! down (its requests wait in the [`Backlog`], in order).
//!
//! The worker owning its runtime is what keeps export independent of the
//! application's: it works from a plain `fn main`, under any tokio runtime
//! flavour, and shutdown can't deadlock on a runtime the application is
//! blocking.

use super::backlog::{Backlog, Pending};
use super::intake::Intake;
use super::queue::{discard, Batch};
use super::stats::Counters;
use crate::data::SpanRecord;
use crate::diagnostics::RateLimited;
use crate::sink::{Request, Sink, SpanBatch, Starter};
use crate::transport::ExportError;
use std::collections::{HashMap, VecDeque};
use std::fmt::Display;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::{Id, JoinError, JoinSet};
use tokio::time::{sleep_until, Instant};

/// How the worker batches and paces exports.
#[derive(Debug, Clone)]
pub(crate) struct WorkerSettings {
    /// `false`: every span is sent on its own, as soon as it is queued.
    pub(crate) use_batch: bool,
    pub(crate) max_export_batch_size: usize,
    pub(crate) scheduled_delay: Duration,
    pub(crate) max_concurrent_exports: usize,
    /// How long a request may wait for the collector, from when it was
    /// made, before its spans are dropped.
    pub(crate) max_export_wait: Duration,
}

/// What the application asks of the worker.
pub(super) enum Command {
    Flush(SyncSender<bool>),
    /// Stop by this deadline.
    Shutdown(Instant, SyncSender<bool>),
}

/// The shutdown's reply and whether every span was delivered: sent once
/// the worker's runtime has stopped.
pub(super) type LastReply = Option<(SyncSender<bool>, bool)>;

/// A request in flight, handed back with its outcome.
type Sent = (Pending, Result<(), ExportError>);

struct Worker {
    intake: Arc<Intake>,
    settings: WorkerSettings,
    sinks: Vec<Box<dyn Sink>>,
    /// Batches taken off the queue, not yet encoded.
    staging: VecDeque<Batch>,
    /// Spans of the front batch in `staging` already encoded: a batch
    /// stays whole, slots and all, until every span in it is taken out.
    front_sent: usize,
    /// Requests made and waiting to be sent (again).
    backlog: Backlog,
    in_flight: JoinSet<Sent>,
    /// The spans and bytes of each request in flight, should it be aborted.
    in_flight_sizes: HashMap<Id, (u64, usize)>,
    /// A request failed transiently and none was delivered since: one
    /// request at a time goes to the collector.
    down: bool,
    /// Whether everything since the last flush reply was delivered.
    all_delivered: bool,
    export_failed: RateLimited,
    kept: RateLimited,
}

pub(super) async fn run(
    intake: Arc<Intake>,
    settings: WorkerSettings,
    sinks: Vec<Starter>,
    mut commands: UnboundedReceiver<Command>,
) -> LastReply {
    let mut worker = Worker {
        sinks: sinks.into_iter().map(|start| start()).collect(),
        intake,
        staging: VecDeque::new(),
        front_sent: 0,
        backlog: Backlog::new(settings.max_export_wait),
        settings,
        in_flight: JoinSet::new(),
        in_flight_sizes: HashMap::new(),
        down: false,
        all_delivered: true,
        export_failed: RateLimited::new(),
        kept: RateLimited::new(),
    };
    let delay = worker.settings.scheduled_delay;
    let mut next_tick = Instant::now() + delay;
    let mut flushes: Vec<SyncSender<bool>> = Vec::new();
    let mut shutdown: Option<(Instant, SyncSender<bool>)> = None;
    let mut tick = false;
    loop {
        let draining =
            tick || !flushes.is_empty() || shutdown.is_some() || !worker.settings.use_batch;
        worker.dispatch(draining);
        tick = false;
        if (!flushes.is_empty() || shutdown.is_some()) && worker.idle() {
            let delivered = std::mem::replace(&mut worker.all_delivered, true);
            for reply in flushes.drain(..) {
                let _ = reply.send(delivered);
            }
            if let Some((_, reply)) = shutdown.take() {
                worker.close();
                return Some((reply, delivered));
            }
        }
        let shutdown_deadline = shutdown.as_ref().map(|(deadline, _)| *deadline);
        tokio::select! {
            () = worker.intake.queue.wake.notified() => {}
            () = sleep_until(next_tick) => {
                tick = true;
                worker.intake.queue.trim_spares();
                next_tick = Instant::now() + delay;
            }
            Some(done) = worker.in_flight.join_next_with_id(), if !worker.in_flight.is_empty() => {
                worker.account(done);
            }
            command = commands.recv(), if shutdown.is_none() => match command {
                Some(Command::Flush(reply)) => flushes.push(reply),
                Some(Command::Shutdown(deadline, reply)) => shutdown = Some((deadline, reply)),
                // The handle is gone without a shutdown: deliver what is queued, briefly.
                None => {
                    let (tx, _rx) = sync_channel(1);
                    shutdown = Some((Instant::now() + Duration::from_secs(5), tx));
                }
            },
            () = sleep_until(shutdown_deadline.unwrap_or(next_tick)), if shutdown_deadline.is_some() => {
                worker.abandon().await;
                let (_, reply) = shutdown.take().expect("deadline implies shutdown");
                for flush in flushes.drain(..) {
                    let _ = flush.send(false);
                }
                worker.close();
                return Some((reply, false));
            }
        }
    }
}

/// Hands the records to every sink, which read them now (the last one
/// may move their data out); the records are emptied afterwards, for
/// their threads to reuse. Without a sink the data is taken out and
/// dropped all the same, so that a pipeline that only counts spans works
/// as one that exports them does.
fn deliver(sinks: &mut [Box<dyn Sink>], records: &mut [&mut SpanRecord]) -> Vec<Request> {
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

impl Worker {
    fn idle(&self) -> bool {
        self.in_flight.is_empty()
            && self.staging.is_empty()
            && self.backlog.is_empty()
            && self.intake.queue.len() == 0
    }

    /// Sends requests, oldest first, up to the concurrency allowed: those
    /// waiting to be sent again, then new ones made of full batches (or
    /// spans large enough to be worth sending, see `Queue::batch_due`), or
    /// of everything when `draining`. While the collector is down every
    /// batch due is made into a request now (its slots go back to their
    /// threads, and its longest wait runs from here), and one is sent.
    fn dispatch(&mut self, draining: bool) {
        if draining {
            self.intake.collect_rings();
        }
        for pending in self.backlog.take_expired(Instant::now()) {
            self.give_up(
                &pending,
                "waited longer than max_export_wait for the collector",
            );
        }
        if self.down {
            while let Some(pending) = self.make(draining) {
                self.backlog.push(pending);
            }
        }
        let limit = if self.down {
            1
        } else {
            self.settings.max_concurrent_exports
        };
        while self.in_flight.len() < limit {
            let Some(pending) = self.backlog.pop().or_else(|| self.make(draining)) else {
                break;
            };
            self.send(pending);
        }
    }

    /// The next request, made of the next batch due; the rest of an
    /// earlier take goes first, even as a partial batch.
    fn make(&mut self, draining: bool) -> Option<Pending> {
        let batch_size = self.settings.max_export_batch_size;
        loop {
            if self.staging.is_empty() {
                let queue = &self.intake.queue;
                let due = if draining {
                    queue.len() > 0
                } else {
                    queue.batch_due(batch_size)
                };
                if !due {
                    return None;
                }
                queue.swap_out(&mut self.staging);
            }
            if let Some(pending) = self.export_front(batch_size) {
                return Some(pending);
            }
        }
    }

    /// Hands up to `batch_size` spans from the front of `staging` to the
    /// sinks; returns the request to send, if a sink made one (otherwise
    /// the spans count as exported now).
    fn export_front(&mut self, batch_size: usize) -> Option<Pending> {
        let mut records: Vec<&mut SpanRecord> = Vec::with_capacity(batch_size.min(1024));
        let (mut taken, mut bytes, mut finished) = (0, 0, 0);
        let mut start = self.front_sent;
        for batch in &mut self.staging {
            let len = batch.len();
            let end = len.min(start + batch_size - taken);
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
                taken += 1;
                bytes += *size;
                records.extend((**slot).as_mut());
            }
            if end == len {
                finished += 1;
                start = 0;
            } else {
                start = end;
            }
            if taken == batch_size {
                break;
            }
        }
        let requests = deliver(&mut self.sinks, &mut records);
        drop(records);
        self.front_sent = start;
        // A request is charged what it holds, its encoded bytes, from now
        // on; never more than its spans were, so the bounds still hold.
        let charged = requests.iter().map(Request::size).sum::<usize>().min(bytes);
        let mut emptied: Vec<Batch> = self.staging.drain(..finished).collect();
        let queue = &self.intake.queue;
        queue.recharge(bytes, charged, &mut emptied);
        let pending = self.backlog.make(requests, taken as u64, charged);
        if pending.is_none() {
            Counters::add(&queue.counters.exported, taken as u64);
            queue.settle(taken, charged);
        }
        pending
    }

    fn send(&mut self, mut pending: Pending) {
        let holds = (pending.spans, pending.bytes);
        let task = self.in_flight.spawn(async move {
            let outcome = pending.deliver().await;
            (pending, outcome)
        });
        self.in_flight_sizes.insert(task.id(), holds);
    }

    /// A request came back: delivered, refused, or failed transiently, when
    /// it waits to be sent again unless it has waited as long as it may.
    fn account(&mut self, done: Result<(Id, Sent), JoinError>) {
        let counters = &self.intake.queue.counters;
        let (pending, outcome) = match done {
            Ok((id, sent)) => {
                self.in_flight_sizes.remove(&id);
                sent
            }
            Err(join_error) => {
                Counters::add(&counters.failed_requests, 1);
                let (spans, bytes) = self
                    .in_flight_sizes
                    .remove(&join_error.id())
                    .unwrap_or_default();
                return self.drop_spans(spans, bytes, format!("export task failed: {join_error}"));
            }
        };
        let error = match outcome {
            Ok(()) => {
                self.down = false;
                Counters::add(&counters.exported, pending.spans);
                return self
                    .intake
                    .queue
                    .settle(pending.spans as usize, pending.bytes);
            }
            Err(error) => error,
        };
        Counters::add(&counters.failed_requests, 1);
        if matches!(error, ExportError::Permanent(_)) {
            self.down = false;
            self.give_up(&pending, error);
        } else if self.backlog.expired(&pending, Instant::now()) {
            self.give_up(
                &pending,
                format!("{error}; waited longer than max_export_wait"),
            );
        } else {
            self.down = true;
            self.kept.warn(|suppressed| {
                tracing::warn!(
                    target: "aios_tracing",
                    suppressed,
                    "span export failed, spans kept to send again: {error}"
                );
            });
            self.backlog.push(pending);
        }
    }

    fn give_up(&mut self, pending: &Pending, why: impl Display) {
        self.drop_spans(pending.spans, pending.bytes, why);
    }

    /// `spans` spans worth `bytes` are dropped: counted, and one warning
    /// per 30 s.
    fn drop_spans(&mut self, spans: u64, bytes: usize, why: impl Display) {
        self.all_delivered = false;
        let queue = &self.intake.queue;
        Counters::add(&queue.counters.dropped, spans);
        queue.settle(spans as usize, bytes);
        self.export_failed.warn(|suppressed| {
            tracing::warn!(
                target: "aios_tracing",
                spans,
                suppressed,
                "span export failed, spans dropped: {why}"
            );
        });
    }

    /// Shutdown's deadline passed: whatever is still queued, waiting or in
    /// flight is dropped, with one warning for all of it.
    async fn abandon(&mut self) {
        self.in_flight.abort_all();
        let (mut abandoned, mut held) = (0, 0);
        while let Some(done) = self.in_flight.join_next_with_id().await {
            match done {
                Err(cancelled) if cancelled.is_cancelled() => {
                    let (spans, bytes) = self
                        .in_flight_sizes
                        .remove(&cancelled.id())
                        .unwrap_or_default();
                    abandoned += spans;
                    held += bytes;
                }
                done => self.account(done),
            }
        }
        for pending in self.backlog.take_all() {
            abandoned += pending.spans;
            held += pending.bytes;
        }
        // Whatever the worker had taken, then whatever is still queued.
        let queue = &self.intake.queue;
        let (left, bytes) = discard(&mut self.staging, self.front_sent);
        self.front_sent = 0;
        queue.swap_out(&mut self.staging);
        let (queued, queued_bytes) = discard(&mut self.staging, 0);
        abandoned += left + queued;
        held += bytes + queued_bytes;
        queue.settle(abandoned as usize, held);
        Counters::add(&queue.counters.dropped, abandoned);
        if abandoned > 0 {
            self.all_delivered = false;
            tracing::warn!(
                target: "aios_tracing",
                spans = abandoned,
                "shutdown deadline passed before the collector took every span; the rest were dropped"
            );
        }
    }

    fn close(&mut self) {
        self.intake.queue.seal();
        for sink in &mut self.sinks {
            sink.finish();
        }
    }
}
