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
use super::staging::Staging;
use super::stats::Counters;
use super::tail::{Released, Tail, TailSettings};
use crate::diagnostics::RateLimited;
use crate::sink::{Request, Sink, Starter};
use crate::transport::ExportError;
use std::collections::HashMap;
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
    /// Keeping failed and slow traces: the tail stage's settings.
    pub(crate) tail: Option<TailSettings>,
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

/// What keeping one request costs beyond its encoded bytes (its
/// `Pending`, the sink's closure, reference counts), rounded up.
const REQUEST_OVERHEAD: usize = 256;

/// A request in flight, handed back with its outcome.
type Sent = (Pending, Result<(), ExportError>);

struct Worker {
    intake: Arc<Intake>,
    settings: WorkerSettings,
    sinks: Vec<Box<dyn Sink>>,
    /// Batches taken off the queue, not yet encoded.
    staging: Staging,
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
        staging: Staging::new(settings.tail.map(Tail::new)),
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
        if shutdown.is_some() && worker.idle() && worker.decide_held() {
            continue;
        }
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
                self.staging.take(queue);
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
        let mut taken = self.staging.export_front(&mut self.sinks, batch_size);
        self.count_tail(taken.tail);
        // A request is charged what it holds from now on: its encoded bytes
        // and its own keeping. Never more than its spans were, so the
        // bounds still hold.
        let encoded: usize = taken.requests.iter().map(Request::size).sum();
        let charged = (encoded + REQUEST_OVERHEAD * taken.requests.len()).min(taken.bytes);
        let queue = &self.intake.queue;
        queue.recharge(taken.bytes, charged, &mut taken.emptied);
        let pending = self
            .backlog
            .make(taken.requests, taken.spans as u64, charged);
        if pending.is_none() {
            Counters::add(&queue.counters.exported, taken.spans as u64);
            queue.settle(taken.spans, charged);
        }
        pending
    }

    /// What the tail stage did: spans let go are sampled out, and their
    /// room in the queue is free.
    fn count_tail(&self, released: Released) {
        let queue = &self.intake.queue;
        let counters = &queue.counters;
        Counters::add(&counters.sampled_out, released.sampled_out);
        Counters::add(&counters.tail_trees_kept, released.trees_kept);
        Counters::add(
            &counters.tail_trees_decided_early,
            released.trees_decided_early,
        );
        if released.sampled_out > 0 {
            queue.settle(released.sampled_out as usize, released.sampled_out_bytes);
        }
    }

    /// Shutdown, with nothing else left to do: the trees the tail stage
    /// still holds are decided. Whether any of them is to be sent.
    fn decide_held(&mut self) -> bool {
        let released = self.staging.decide_held();
        self.count_tail(released);
        !self.staging.is_empty()
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
        let (left, bytes) = self.staging.discard();
        self.staging.take(queue);
        let (queued, queued_bytes) = self.staging.discard();
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
