//! The export worker: one thread, one current-thread tokio runtime, a few
//! export requests in flight at a time.
//!
//! The worker owning its runtime is what keeps export independent of the
//! application's: it works from a plain `fn main`, under any tokio runtime
//! flavour, and shutdown can't deadlock on a runtime the application is
//! blocking.

use super::intake::Intake;
use super::queue::{discard, Batch};
use super::stats::Counters;
use crate::data::SpanRecord;
use crate::diagnostics::RateLimited;
use crate::sink::{Delivery, Sink, SpanBatch, Starter};
use crate::transport::ExportError;
use opentelemetry::Context;
use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{JoinHandle, ThreadId};
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
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
}

/// Why a flush or shutdown request did not finish cleanly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Incomplete {
    /// The deadline passed first.
    Timeout,
    /// The worker had stopped (or this is the worker's own thread).
    Stopped,
    /// Everything was handled, but some spans were dropped.
    Dropped,
}

enum Command {
    Flush(SyncSender<bool>),
    Shutdown(Instant, SyncSender<bool>),
}

/// The application's side of the worker: requests and the thread.
#[derive(Debug)]
pub(crate) struct Handle {
    commands: UnboundedSender<Command>,
    thread: Mutex<Option<JoinHandle<()>>>,
    thread_id: ThreadId,
}

pub(crate) fn spawn(
    intake: Arc<Intake>,
    settings: WorkerSettings,
    sinks: Vec<Starter>,
) -> std::io::Result<Handle> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (commands, receiver) = unbounded_channel();
    let thread = std::thread::Builder::new()
        .name("aios-tracing-export".into())
        .spawn(move || {
            // Nothing the exporter does (HTTP, gRPC, DNS) may produce spans
            // of its own: they would be spans about exporting spans.
            let _suppressed = Context::enter_telemetry_suppressed_scope();
            runtime.block_on(run(intake, settings, sinks, receiver));
        })?;
    Ok(Handle {
        commands,
        thread_id: thread.thread().id(),
        thread: Mutex::new(Some(thread)),
    })
}

impl Handle {
    fn request(
        &self,
        make: impl FnOnce(SyncSender<bool>) -> Command,
        timeout: Duration,
    ) -> Result<(), Incomplete> {
        if std::thread::current().id() == self.thread_id {
            return Err(Incomplete::Stopped);
        }
        let (tx, rx) = sync_channel(1);
        if self.commands.send(make(tx)).is_err() {
            return Err(Incomplete::Stopped);
        }
        match rx.recv_timeout(timeout) {
            Ok(true) => Ok(()),
            Ok(false) => Err(Incomplete::Dropped),
            Err(RecvTimeoutError::Timeout) => Err(Incomplete::Timeout),
            Err(RecvTimeoutError::Disconnected) => Err(Incomplete::Stopped),
        }
    }

    /// Exports everything queued now; waits at most `timeout`.
    pub(crate) fn flush(&self, timeout: Duration) -> Result<(), Incomplete> {
        self.request(Command::Flush, timeout)
    }

    /// Exports what is queued and stops the worker within `timeout`.
    pub(crate) fn shutdown(&self, timeout: Duration) -> Result<(), Incomplete> {
        let deadline = Instant::now() + timeout;
        let result = self.request(
            |tx| Command::Shutdown(deadline, tx),
            timeout + Duration::from_millis(250),
        );
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            // The worker replies as its last act, so joining is quick once it
            // answered; after a timeout it ends on its own deadline instead.
            if result != Err(Incomplete::Timeout)
                && thread.thread().id() != std::thread::current().id()
            {
                let _ = thread.join();
            }
        }
        result
    }
}

struct Worker {
    intake: Arc<Intake>,
    settings: WorkerSettings,
    sinks: Vec<Box<dyn Sink>>,
    /// Batches taken off the queue, not yet sent.
    staging: VecDeque<Batch>,
    /// Spans of the front batch in `staging` already sent: a batch stays
    /// whole, slots and all, until every span in it is taken out.
    front_sent: usize,
    in_flight: JoinSet<Result<(), ExportError>>,
    in_flight_sizes: HashMap<Id, u64>,
    /// Whether everything since the last flush reply was delivered.
    all_delivered: bool,
    export_failed: RateLimited,
}

async fn run(
    intake: Arc<Intake>,
    settings: WorkerSettings,
    sinks: Vec<Starter>,
    mut commands: UnboundedReceiver<Command>,
) {
    let mut worker = Worker {
        sinks: sinks.into_iter().map(|start| start()).collect(),
        intake,
        settings,
        staging: VecDeque::new(),
        front_sent: 0,
        in_flight: JoinSet::new(),
        in_flight_sizes: HashMap::new(),
        all_delivered: true,
        export_failed: RateLimited::new(),
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
                let _ = reply.send(delivered);
                return;
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
                let _ = reply.send(false);
                return;
            }
        }
    }
}

/// Hands the records to every sink, which read them now (the last one
/// may move their data out); the records are emptied afterwards, for
/// their threads to reuse. Without a sink the data is taken out and
/// dropped all the same, so that a pipeline that only counts spans works
/// as one that exports them does.
fn deliver(sinks: &mut [Box<dyn Sink>], records: &mut [&mut SpanRecord]) -> Vec<Delivery> {
    for record in records.iter_mut() {
        record.format_backtraces();
    }
    let count = sinks.len();
    let deliveries = sinks
        .iter_mut()
        .enumerate()
        .map(|(i, sink)| sink.export(SpanBatch::new(records, i + 1 == count)))
        .collect();
    if count == 0 {
        drop(SpanBatch::new(records, true).span_data());
    }
    for record in records.iter_mut() {
        record.clear();
    }
    deliveries
}

impl Worker {
    fn idle(&self) -> bool {
        self.in_flight.is_empty() && self.staging.is_empty() && self.intake.queue.len() == 0
    }

    /// Starts exports for full batches (or large spans enough to be worth
    /// sending, see `Queue::batch_due`), or for everything when `draining`.
    /// Leftovers of an earlier take go out even as a partial batch.
    fn dispatch(&mut self, draining: bool) {
        if draining {
            self.intake.collect_rings();
        }
        let batch_size = self.settings.max_export_batch_size;
        while self.in_flight.len() < self.settings.max_concurrent_exports {
            let queue = &self.intake.queue;
            if self.staging.is_empty() {
                let due = if draining {
                    queue.len() > 0
                } else {
                    queue.batch_due(batch_size)
                };
                if !due {
                    break;
                }
                queue.swap_out(&mut self.staging);
            }
            let (taken, bytes, finished) = self.export_front(batch_size);
            let mut emptied: Vec<Batch> = self.staging.drain(..finished).collect();
            self.intake.queue.release(taken, bytes, &mut emptied);
        }
    }

    /// Exports up to `batch_size` spans from the front of `staging`;
    /// returns the spans and bytes taken and how many staged batches are
    /// now wholly sent.
    fn export_front(&mut self, batch_size: usize) -> (usize, usize, usize) {
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
        let n = records.len() as u64;
        let deliveries = deliver(&mut self.sinks, &mut records);
        drop(records);
        self.front_sent = start;
        self.track(deliveries, n);
        (taken, bytes, finished)
    }

    /// Runs the deliveries of `n` spans; without sinks they count as exported.
    fn track(&mut self, mut deliveries: Vec<Delivery>, n: u64) {
        let handle = match deliveries.len() {
            0 => return Counters::add(&self.intake.queue.counters.exported, n),
            1 => self.in_flight.spawn(deliveries.remove(0)),
            _ => self.in_flight.spawn(async move {
                for delivery in deliveries {
                    delivery.await?;
                }
                Ok(())
            }),
        };
        self.in_flight_sizes.insert(handle.id(), n);
    }

    fn account(&mut self, done: Result<(Id, Result<(), ExportError>), JoinError>) {
        let (id, outcome) = match done {
            Ok((id, outcome)) => (id, outcome),
            Err(join_error) => (
                join_error.id(),
                Err(ExportError::Permanent(format!(
                    "export task failed: {join_error}"
                ))),
            ),
        };
        let n = self.in_flight_sizes.remove(&id).unwrap_or(0);
        let counters = &self.intake.queue.counters;
        match outcome {
            Ok(()) => Counters::add(&counters.exported, n),
            Err(error) => {
                self.all_delivered = false;
                Counters::add(&counters.dropped, n);
                Counters::add(&counters.failed_requests, 1);
                self.export_failed.warn(|suppressed| {
                    tracing::warn!(
                        target: "aios_tracing",
                        spans = n,
                        suppressed,
                        "span export failed, spans dropped: {error}"
                    );
                });
            }
        }
    }

    /// Shutdown's deadline passed: whatever is still queued or in flight is
    /// dropped, with one warning for all of it.
    async fn abandon(&mut self) {
        self.in_flight.abort_all();
        let mut abandoned = 0;
        while let Some(done) = self.in_flight.join_next_with_id().await {
            match done {
                Err(cancelled) if cancelled.is_cancelled() => {
                    abandoned += self.in_flight_sizes.remove(&cancelled.id()).unwrap_or(0);
                }
                done => self.account(done),
            }
        }
        // Whatever the worker had taken, then whatever is still queued.
        let queue = &self.intake.queue;
        let (mut left, mut bytes) = discard(&mut self.staging, self.front_sent);
        self.front_sent = 0;
        queue.swap_out(&mut self.staging);
        let (queued, queued_bytes) = discard(&mut self.staging, 0);
        left += queued;
        bytes += queued_bytes;
        queue.release(left as usize, bytes, &mut Vec::new());
        abandoned += left;
        Counters::add(&queue.counters.dropped, abandoned);
        if abandoned > 0 {
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
