//! Support for the aios-tracing benchmarks: a lean counting OTLP receiver
//! ([`sink::Sink`]), exporters that discard or count for the raw
//! `opentelemetry_sdk` baselines ([`CountingExporter`], [`Counted`]), and
//! readers of process CPU time and peak RSS ([`proc_stats`]).
//!
//! Not a public API: this package is `publish = false` and exists for
//! `cargo bench -p aios-tracing-benches` and the `export_bench` binary.

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub mod criterion_results;
pub mod orders;
pub mod proc_stats;
pub mod sink;

/// A span exporter that discards every span and counts them: the
/// "exporter that discards" behind the raw-SDK and `tracing-opentelemetry`
/// baselines.
#[derive(Debug, Clone, Default)]
pub struct CountingExporter {
    spans: Arc<AtomicU64>,
}

impl CountingExporter {
    /// A new exporter with its count at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// A handle reading the same count, to keep after the exporter moved
    /// into a processor.
    pub fn counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.spans)
    }

    /// Spans exported so far.
    pub fn count(&self) -> u64 {
        self.spans.load(Ordering::Acquire)
    }
}

impl SpanExporter for CountingExporter {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        self.spans.fetch_add(batch.len() as u64, Ordering::AcqRel);
        drop(batch);
        std::future::ready(Ok(()))
    }
}

/// Wraps a real exporter and counts the spans it was handed and those whose
/// export succeeded; the SDK's batch processor only logs what it drops, so
/// `produced - handed` is what its queue dropped.
#[derive(Debug)]
pub struct Counted<E> {
    inner: E,
    counts: Arc<ExportCounts>,
}

/// The counters of a [`Counted`] exporter.
#[derive(Debug, Default)]
pub struct ExportCounts {
    /// Spans passed to `export`.
    pub handed: AtomicU64,
    /// Spans whose `export` returned `Ok`.
    pub ok: AtomicU64,
    /// `export` calls that failed.
    pub failed_requests: AtomicU64,
}

impl<E> Counted<E> {
    /// Wraps `inner`.
    pub fn new(inner: E) -> Self {
        Counted {
            inner,
            counts: Arc::default(),
        }
    }

    /// The counters, shared with the exporter.
    pub fn counts(&self) -> Arc<ExportCounts> {
        Arc::clone(&self.counts)
    }
}

impl<E: SpanExporter> SpanExporter for Counted<E> {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        let n = batch.len() as u64;
        self.counts.handed.fetch_add(n, Ordering::AcqRel);
        let export = self.inner.export(batch);
        let counts = Arc::clone(&self.counts);
        async move {
            let result = export.await;
            match &result {
                Ok(()) => counts.ok.fetch_add(n, Ordering::AcqRel),
                Err(_) => counts.failed_requests.fetch_add(1, Ordering::AcqRel),
            };
            result
        }
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}
