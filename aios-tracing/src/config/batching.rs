//! The batching group: how spans are queued and batched for export, and
//! how long flushes and shutdown may take.

use super::env::Environment;
use super::given::Given;
use super::precedence;
use crate::error::ConfigError;
use std::time::Duration;

#[derive(Debug)]
pub(super) struct Batching {
    pub(super) use_batch: bool,
    pub(super) max_queue_size: usize,
    pub(super) max_queue_bytes: usize,
    pub(super) max_export_batch_size: usize,
    pub(super) scheduled_delay: Duration,
    pub(super) shutdown_timeout: Duration,
    pub(super) max_export_wait: Duration,
}

pub(super) fn resolve(b: &Given, env: &Environment) -> Result<Batching, ConfigError> {
    Ok(Batching {
        use_batch: b.use_batch.unwrap_or(true),
        // The byte bound is the one that binds in practice; the span bound
        // is high so that a burst of 100k spans fits with the defaults.
        max_queue_size: precedence::number(
            b.max_queue_size,
            "max_queue_size",
            env,
            &["OTEL_BSP_MAX_QUEUE_SIZE"],
            1,
            1 << 20,
        )?,
        max_queue_bytes: precedence::number(
            b.max_queue_bytes,
            "max_queue_bytes",
            env,
            &["AIOS_TRACING_MAX_QUEUE_BYTES"],
            1024,
            64 * 1024 * 1024,
        )?,
        max_export_batch_size: precedence::number(
            b.max_export_batch_size,
            "max_export_batch_size",
            env,
            &["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"],
            1,
            512,
        )?,
        scheduled_delay: precedence::millis(
            b.scheduled_delay,
            "scheduled_delay",
            env,
            &["OTEL_BSP_SCHEDULE_DELAY"],
            Duration::from_secs(1),
        )?,
        shutdown_timeout: b.shutdown_timeout.unwrap_or(Duration::from_secs(5)),
        // Longer than the default queue lasts at typical rates (see
        // RELIABILITY.md's outage table): there the queue's bounds give out
        // first, and this only keeps a quiet service's spans from waiting
        // forever.
        max_export_wait: precedence::millis(
            b.max_export_wait,
            "max_export_wait",
            env,
            &["AIOS_TRACING_MAX_EXPORT_WAIT"],
            Duration::from_secs(15 * 60),
        )?,
    })
}
