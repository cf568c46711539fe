//! The export worker: one thread, one current-thread tokio runtime, a few
//! export requests in flight at a time.

use super::{discard, Batch, Shared};
use crate::console::Console;
use crate::diagnostics::RateLimited;
use crate::export::{OtlpExporter, PreparedOtlp};
use crate::record::SpanRecord;
use crate::stats::Counters;
use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::SpanData;
use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{JoinHandle, ThreadId};
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::task::{Id, JoinSet};
use tokio::time::{sleep_until, Instant};

/// Knobs of the worker, resolved from [`Config`](crate::Config).
#[derive(Debug, Clone)]
pub(crate) struct WorkerConfig {
    pub(crate) use_batch: bool,
    pub(crate) max_queue_size: usize,
    pub(crate) max_queue_bytes: usize,
    pub(crate) max_export_batch_size: usize,
    pub(crate) scheduled_delay: Duration,
    pub(crate) max_concurrent_exports: usize,
    pub(crate) max_attribute_value_length: usize,
}

/// Where spans go. The OTLP exporter is only prepared here: its connection
/// is made inside the worker's runtime.
#[derive(Debug, Default)]
pub(crate) struct Sinks {
    pub(crate) otlp: Option<PreparedOtlp>,
    pub(crate) console: Option<Console>,
    /// Unit tests' sink: every exported span, kept.
    #[cfg(test)]
    pub(crate) collect: Option<Arc<Mutex<Vec<SpanData>>>>,
}

enum Command {
    Flush(SyncSender<bool>),
    Shutdown(Instant, SyncSender<bool>),
}

#[derive(Debug)]
pub(super) struct Handle {
    commands: UnboundedSender<Command>,
    thread: Mutex<Option<JoinHandle<()>>>,
    thread_id: ThreadId,
}

static EXPORT_FAILED: RateLimited = RateLimited::new();

pub(super) fn spawn(
    shared: Arc<Shared>,
    config: WorkerConfig,
    sinks: Sinks,
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
            runtime.block_on(run(shared, config, sinks, receiver));
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
    ) -> OTelSdkResult {
        if std::thread::current().id() == self.thread_id {
            return Err(OTelSdkError::InternalFailure(
                "flush called from the export thread itself".into(),
            ));
        }
        let (tx, rx) = sync_channel(1);
        if self.commands.send(make(tx)).is_err() {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        match rx.recv_timeout(timeout) {
            Ok(true) => Ok(()),
            Ok(false) => Err(OTelSdkError::InternalFailure(
                "some spans could not be exported (counted as dropped)".into(),
            )),
            Err(RecvTimeoutError::Timeout) => Err(OTelSdkError::Timeout(timeout)),
            Err(RecvTimeoutError::Disconnected) => Err(OTelSdkError::AlreadyShutdown),
        }
    }

    pub(super) fn flush(&self, timeout: Duration) -> OTelSdkResult {
        self.request(Command::Flush, timeout)
    }

    pub(super) fn shutdown(&self, timeout: Duration) -> OTelSdkResult {
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
            if !matches!(result, Err(OTelSdkError::Timeout(_)))
                && thread.thread().id() != std::thread::current().id()
            {
                let _ = thread.join();
            }
        }
        result
    }
}

struct Worker {
    shared: Arc<Shared>,
    config: WorkerConfig,
    otlp: Option<Arc<OtlpExporter>>,
    console: Option<Console>,
    #[cfg(test)]
    collect: Option<Arc<Mutex<Vec<SpanData>>>>,
    /// Batches taken off the shared queue, not yet sent.
    staging: VecDeque<Batch>,
    /// Spans of the front batch in `staging` already sent: a batch stays
    /// whole, slots and all, until every span in it is taken out.
    front_sent: usize,
    in_flight: JoinSet<Result<(), String>>,
    in_flight_sizes: HashMap<Id, u64>,
    /// Whether everything since the last flush reply was delivered.
    all_delivered: bool,
}

async fn run(
    shared: Arc<Shared>,
    config: WorkerConfig,
    sinks: Sinks,
    mut commands: UnboundedReceiver<Command>,
) {
    let mut worker = Worker {
        otlp: sinks.otlp.map(|prepared| Arc::new(prepared.start())),
        console: sinks.console,
        #[cfg(test)]
        collect: sinks.collect,
        shared,
        config,
        staging: VecDeque::new(),
        front_sent: 0,
        in_flight: JoinSet::new(),
        in_flight_sizes: HashMap::new(),
        all_delivered: true,
    };
    let delay = worker.config.scheduled_delay;
    let mut next_tick = Instant::now() + delay;
    let mut flushes: Vec<SyncSender<bool>> = Vec::new();
    let mut shutdown: Option<(Instant, SyncSender<bool>)> = None;
    let mut tick = false;
    loop {
        let draining =
            tick || !flushes.is_empty() || shutdown.is_some() || !worker.config.use_batch;
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
            () = worker.shared.wake.notified() => {}
            () = sleep_until(next_tick) => {
                tick = true;
                worker.shared.trim_spares();
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

impl Worker {
    fn idle(&self) -> bool {
        self.in_flight.is_empty() && self.staging.is_empty() && self.shared.queued() == 0
    }

    /// Starts exports for full batches (or large spans enough to be worth
    /// sending, see [`Shared::batch_due`]), or for everything when `draining`.
    /// Leftovers of an earlier take go out even as a partial batch.
    fn dispatch(&mut self, draining: bool) {
        if draining {
            self.shared.collect_threads();
        }
        let batch_size = self.config.max_export_batch_size;
        while self.in_flight.len() < self.config.max_concurrent_exports {
            if self.staging.is_empty() {
                let due = if draining {
                    self.shared.queued() > 0
                } else {
                    self.shared.batch_due(batch_size)
                };
                if !due {
                    break;
                }
                self.shared.swap_out(&mut self.staging);
            }
            let mut batch = Vec::with_capacity(batch_size.min(1024));
            let (mut taken, mut bytes) = (0, 0);
            let mut emptied = Vec::new();
            while taken < batch_size {
                let Some(front) = self.staging.front_mut() else {
                    break;
                };
                let end = front.len().min(self.front_sent + batch_size - taken);
                // Each record is in a box of its own, last written on
                // another core, and cold once this thread falls behind.
                // Read one at a time, each waits for memory in turn, and
                // this thread then stays behind the threads filling the
                // queue (the queue fills up and drops). A first pass of
                // independent reads over all of them has memory fetch
                // them in parallel.
                std::hint::black_box(
                    front[self.front_sent..end]
                        .iter()
                        .filter_map(|(slot, _)| (**slot).as_ref())
                        .map(SpanRecord::touch)
                        .fold(0, usize::wrapping_add),
                );
                for (slot, size) in &mut front[self.front_sent..end] {
                    taken += 1;
                    bytes += *size;
                    batch.extend((**slot).as_mut().map(SpanRecord::take_span_data));
                }
                self.front_sent = end;
                if end == front.len() {
                    emptied.extend(self.staging.pop_front());
                    self.front_sent = 0;
                }
            }
            self.shared.release(taken, bytes, &mut emptied);
            self.send(batch);
        }
    }

    fn send(&mut self, batch: Vec<SpanData>) {
        let n = batch.len() as u64;
        #[cfg(test)]
        if let Some(collect) = &self.collect {
            collect
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(batch.iter().cloned());
        }
        if let Some(console) = &mut self.console {
            console.print(&batch);
        }
        match &self.otlp {
            Some(otlp) => {
                let otlp = Arc::clone(otlp);
                let handle = self
                    .in_flight
                    .spawn(async move { otlp.export(batch).await });
                self.in_flight_sizes.insert(handle.id(), n);
            }
            None => Counters::add(&self.shared.counters.exported, n),
        }
    }

    fn account(&mut self, done: Result<(Id, Result<(), String>), tokio::task::JoinError>) {
        let (id, outcome) = match done {
            Ok((id, outcome)) => (id, outcome),
            Err(join_error) => (
                join_error.id(),
                Err(format!("export task failed: {join_error}")),
            ),
        };
        let n = self.in_flight_sizes.remove(&id).unwrap_or(0);
        let counters = &self.shared.counters;
        match outcome {
            Ok(()) => Counters::add(&counters.exported, n),
            Err(error) => {
                self.all_delivered = false;
                Counters::add(&counters.dropped, n);
                Counters::add(&counters.failed_requests, 1);
                EXPORT_FAILED.warn(|suppressed| {
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
        let (mut left, mut bytes) = discard(&mut self.staging, self.front_sent);
        self.front_sent = 0;
        self.shared.swap_out(&mut self.staging);
        let (queued, queued_bytes) = discard(&mut self.staging, 0);
        left += queued;
        bytes += queued_bytes;
        self.shared.release(left as usize, bytes, &mut Vec::new());
        abandoned += left;
        Counters::add(&self.shared.counters.dropped, abandoned);
        if abandoned > 0 {
            tracing::warn!(
                target: "aios_tracing",
                spans = abandoned,
                "shutdown deadline passed before the collector took every span; the rest were dropped"
            );
        }
    }

    fn close(&mut self) {
        self.shared.seal();
        if let Some(console) = &mut self.console {
            console.finish();
        }
    }
}
