//! From `span.end()` to the sinks: each thread's ring, a bounded queue the
//! application thread pushes into without waiting, and a worker thread
//! (with its own tokio runtime) that batches and exports.
//!
//! ```text
//! span end ─► intake (thread ring) ─► queue (bounded) ─► worker ─► sinks
//!              slots travel with the spans and come back emptied ◄─┘
//! ```

mod backlog;
mod control;
mod intake;
mod queue;
mod size;
pub(crate) mod slots;
mod staging;
mod stats;
mod tail;
mod worker;

pub(crate) use control::Incomplete;
pub(crate) use intake::submit;
#[cfg(test)]
pub(crate) use intake::LOCAL_BATCH;
pub use stats::ExportStats;
pub(crate) use tail::TailSettings;
pub(crate) use worker::WorkerSettings;

use crate::data::SpanRecord;
use crate::sink::Starter;
use intake::Intake;
use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use queue::{Bounds, Queue};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How one SDK's pipeline is sized and paced.
#[derive(Debug, Clone)]
pub(crate) struct PipelineSettings {
    pub(crate) max_queue_size: usize,
    pub(crate) max_queue_bytes: usize,
    pub(crate) max_attribute_value_length: usize,
    pub(crate) worker: WorkerSettings,
}

#[cfg(test)]
impl PipelineSettings {
    /// A large queue, one export at a time, and a timer that fires every
    /// `scheduled_delay`: unit tests flush when they want spans.
    pub(crate) fn for_tests(scheduled_delay: Duration) -> Self {
        PipelineSettings {
            max_queue_size: 1 << 20,
            max_queue_bytes: 1 << 30,
            max_attribute_value_length: usize::MAX,
            worker: WorkerSettings {
                use_batch: true,
                max_export_batch_size: 512,
                scheduled_delay,
                max_concurrent_exports: 1,
                max_export_wait: Duration::from_secs(300),
                tail: None,
            },
        }
    }
}

/// How many queued spans wake the worker early. Not one batch: a wake-up
/// costs the application thread a system call and a context switch, so
/// the worker is woken once there is enough to keep all its concurrent
/// exports busy twice over; but early enough that a small queue does not
/// fill up before its timer.
fn wake_at(settings: &PipelineSettings) -> usize {
    let worker = &settings.worker;
    if !worker.use_batch {
        return 1;
    }
    let busy = worker.max_export_batch_size * worker.max_concurrent_exports.max(1) * 2;
    busy.min(settings.max_queue_size / 4).max(1)
}

/// One SDK's pipeline: its intake (rings and queue) and its worker.
#[derive(Debug)]
pub(crate) struct Pipeline {
    intake: Arc<Intake>,
    worker: control::Handle,
}

impl Pipeline {
    /// Starts the worker thread, which starts the sinks.
    pub(crate) fn start(settings: PipelineSettings, sinks: Vec<Starter>) -> std::io::Result<Self> {
        let ring_limits = intake::ring_limits(settings.max_queue_size, settings.max_queue_bytes);
        let spare_floor = (wake_at(&settings) * 2).div_ceil(ring_limits.0).max(2);
        let queue = Queue::new(Bounds {
            max_spans: settings.max_queue_size,
            max_bytes: settings.max_queue_bytes,
            wake_at: wake_at(&settings),
            wake_at_bytes: (settings.max_queue_bytes / 4).max(1),
            batch_capacity: ring_limits.0,
            spare_max: 4 * spare_floor,
            spare_floor,
        });
        let intake = Arc::new(Intake::new(
            queue,
            ring_limits,
            settings.max_attribute_value_length,
            settings.worker.use_batch,
        ));
        let worker = control::spawn(Arc::clone(&intake), settings.worker, sinks)?;
        Ok(Pipeline { intake, worker })
    }

    /// Makes this the pipeline spans of SDK `generation` end into.
    pub(crate) fn register(&self, generation: u64) {
        intake::register(generation, &self.intake);
    }

    /// What happened to the spans so far.
    pub(crate) fn stats(&self) -> ExportStats {
        // Spans in thread rings are ended, and counted so, before they
        // reach the queue.
        let buffered = self.intake.buffered_spans() as u64;
        self.intake.queue.stats(buffered)
    }

    /// Exports everything queued now, waiting until `deadline` at most.
    pub(crate) fn flush(&self, deadline: Instant) -> Result<(), Incomplete> {
        self.worker.flush(deadline)
    }

    /// Exports what is queued and stops, by `deadline`; `Stopped` if it
    /// was shut down before.
    pub(crate) fn shutdown(&self, deadline: Instant) -> Result<(), Incomplete> {
        if !self.intake.queue.close() {
            return Err(Incomplete::Stopped);
        }
        self.worker.shutdown(deadline)
    }

    #[cfg(test)]
    fn intake(&self) -> &Arc<Intake> {
        &self.intake
    }
}

/// The pipeline as the SDK's tracer provider sees it: where spans built
/// with the `opentelemetry` API (`TracingSdk::tracer`) go.
#[derive(Debug)]
pub(crate) struct Processor(pub(crate) Arc<Pipeline>);

impl SpanProcessor for Processor {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if !span.span_context.is_sampled() {
            return;
        }
        let slot = slots::filled(SpanRecord::from_span_data(span));
        let intake = &self.0.intake;
        match intake.generation() {
            // Not registered: no generation to find this thread's ring by.
            0 => intake.enqueue_one(slot),
            generation => submit(generation, slot),
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0
            .flush(Instant::now() + Duration::from_secs(5))
            .map_err(otel_error)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0
            .shutdown(Instant::now() + timeout)
            .map_err(otel_error)
    }
}

fn otel_error(incomplete: Incomplete) -> OTelSdkError {
    match incomplete {
        Incomplete::Timeout => OTelSdkError::Timeout(Duration::ZERO),
        Incomplete::Stopped => OTelSdkError::AlreadyShutdown,
        Incomplete::Dropped => OTelSdkError::InternalFailure(
            "some spans could not be exported (counted as dropped)".into(),
        ),
    }
}
