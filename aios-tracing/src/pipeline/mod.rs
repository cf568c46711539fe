//! From `span.end()` to the exporters: a bounded queue the application
//! thread pushes into without waiting, and a worker thread (with its own
//! tokio runtime) that batches and exports.
//!
//! The worker owning its runtime is what keeps export independent of the
//! application's: it works from a plain `fn main`, under any tokio runtime
//! flavour, and shutdown can't deadlock on a runtime the application is
//! blocking.

mod footprint;
mod worker;

use crate::diagnostics::RateLimited;
use crate::stats::{Counters, ExportStats};
use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

pub(crate) use worker::{Sinks, WorkerConfig};

/// A span with its estimated size in bytes.
pub(crate) type Queued = (SpanData, usize);

/// Spans waiting for the worker.
#[derive(Debug, Default)]
struct Queue {
    spans: VecDeque<Queued>,
    /// Spans and bytes here *and* those the worker took but has not sent
    /// yet: the bounds cover both.
    held: usize,
    bytes: usize,
    peak_bytes: usize,
}

#[derive(Debug)]
pub(crate) struct Shared {
    queue: Mutex<Queue>,
    max_spans: usize,
    max_bytes: usize,
    max_value_length: usize,
    /// Queue length at which the worker is woken without waiting for its timer.
    wake_at: usize,
    wake: tokio::sync::Notify,
    closed: AtomicBool,
    pub(crate) counters: Counters,
}

static QUEUE_FULL: RateLimited = RateLimited::new();

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, mut span: SpanData) {
        Counters::add(&self.counters.ended, 1);
        let bytes = footprint::fit(&mut span, self.max_value_length);
        let mut queue = self.lock();
        if self.closed.load(Ordering::Relaxed)
            || queue.held >= self.max_spans
            || queue.bytes + bytes > self.max_bytes
        {
            drop(queue);
            Counters::add(&self.counters.dropped, 1);
            Counters::add(&self.counters.dropped_queue_full, 1);
            QUEUE_FULL.warn(|suppressed| {
                tracing::warn!(
                    target: "aios_tracing",
                    suppressed,
                    max_spans = self.max_spans,
                    max_bytes = self.max_bytes,
                    "span export queue is full (collector slow or down?); dropping spans"
                );
            });
            return;
        }
        queue.held += 1;
        queue.bytes += bytes;
        queue.peak_bytes = queue.peak_bytes.max(queue.bytes);
        queue.spans.push_back((span, bytes));
        let len = queue.spans.len();
        drop(queue);
        // Once per filling: the worker takes everything when it wakes.
        if len == self.wake_at {
            self.wake.notify_one();
        }
    }

    /// Swaps the queued spans into `spare` (which must be empty) in O(1),
    /// so the lock is never held while spans are copied. Their bytes stay
    /// counted until [`release`](Self::release).
    pub(crate) fn swap_out(&self, spare: &mut VecDeque<Queued>) {
        debug_assert!(spare.is_empty());
        let mut queue = self.lock();
        // A burst leaves a large ring behind; once the load is well below
        // it, give it back so memory follows what is queued. (Shrinking
        // under steady load would only make the producer grow it again.)
        let load = queue.spans.len();
        if spare.capacity() > 16 * 1024 && load < spare.capacity() / 8 {
            spare.shrink_to(load.max(1024));
        }
        std::mem::swap(&mut queue.spans, spare);
    }

    /// The worker sent (or dropped) `spans` spans worth `bytes`.
    pub(crate) fn release(&self, spans: usize, bytes: usize) {
        let mut queue = self.lock();
        queue.held -= spans;
        queue.bytes -= bytes;
    }

    pub(crate) fn queued(&self) -> usize {
        self.lock().spans.len()
    }
}

/// The `SpanProcessor` installed on the provider, plus the worker's handle.
#[derive(Debug)]
pub(crate) struct Pipeline {
    shared: Arc<Shared>,
    worker: worker::Handle,
}

impl Pipeline {
    pub(crate) fn start(config: WorkerConfig, sinks: Sinks) -> std::io::Result<Pipeline> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            max_spans: config.max_queue_size,
            max_bytes: config.max_queue_bytes,
            max_value_length: config.max_attribute_value_length,
            wake_at: if config.use_batch {
                config.max_export_batch_size
            } else {
                1
            },
            wake: tokio::sync::Notify::new(),
            closed: AtomicBool::new(false),
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
        let mut stats = self.counters.snapshot();
        let queue = self.lock();
        stats.queued_bytes = queue.bytes as u64;
        stats.peak_queued_bytes = queue.peak_bytes as u64;
        stats
    }
}

impl SpanProcessor for Pipeline {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if span.span_context.is_sampled() {
            self.shared.push(span);
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
