//! Counters of what happened to the spans, exposed on the SDK handle.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of the export counters.
///
/// Every span that ended while the SDK was running is, once the queue has
/// drained, `exported`, `dropped`, or (keeping failed and slow traces)
/// `sampled_out`: `ended == exported + dropped + sampled_out + queued`.
///
/// ```
/// use aios_tracing::ExportStats;
/// let stats = ExportStats::default();
/// assert_eq!(stats.ended, stats.exported + stats.dropped + stats.sampled_out + stats.queued);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportStats {
    /// Sampled spans that ended and were handed to the export pipeline.
    pub ended: u64,
    /// Spans the collector acknowledged.
    pub exported: u64,
    /// Spans given up on: queue full, refused by the collector, kept
    /// longer than `max_export_wait`, or still undelivered when shutdown's
    /// deadline passed.
    pub dropped: u64,
    /// Of `dropped`, those rejected because the queue was full.
    pub dropped_queue_full: u64,
    /// Export requests that failed (each may have carried many spans); a
    /// request kept and sent again after a transient failure counts each
    /// time it fails.
    pub failed_requests: u64,
    /// Spans waiting in the queue, encoded and waiting for the collector,
    /// or in flight right now.
    pub queued: u64,
    /// Bytes those spans hold against `max_queue_bytes`: their estimated
    /// size until encoded, then their request's encoded size.
    pub queued_bytes: u64,
    /// The most `queued_bytes` has been; never above `max_queue_bytes`.
    pub peak_queued_bytes: u64,
    /// New traces recorded (their root spans). The three `roots_*`
    /// counts are kept when sampling rules or `max_traces_per_second` are
    /// set; with the sampler alone they stay 0 (its ratio says it all, and
    /// new traces then pay no shared counter).
    pub roots_sampled: u64,
    /// New traces not recorded: a sampling rule's ratio, or the sampler's.
    pub roots_dropped_by_rule: u64,
    /// New traces the rules and sampler picked but the cap
    /// (`max_traces_per_second`) turned away.
    pub roots_dropped_by_limit: u64,
    /// Keeping failed and slow traces: spans recorded, then let go
    /// because their trace was neither head-sampled, failed nor slow.
    pub sampled_out: u64,
    /// Keeping failed and slow traces: trees head sampling would have
    /// dropped, exported because a span failed or the root was slow.
    pub tail_trees_kept: u64,
    /// Keeping failed and slow traces: trees decided before their root
    /// ended, by their head decision, to stay within the held bytes.
    pub tail_trees_decided_early: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) ended: AtomicU64,
    pub(crate) exported: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) dropped_queue_full: AtomicU64,
    pub(crate) failed_requests: AtomicU64,
    pub(crate) sampled_out: AtomicU64,
    pub(crate) tail_trees_kept: AtomicU64,
    pub(crate) tail_trees_decided_early: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> ExportStats {
        // Read the outcomes before `ended` so a concurrent span can't make
        // `queued` appear negative.
        let exported = self.exported.load(Ordering::Acquire);
        let dropped = self.dropped.load(Ordering::Acquire);
        let sampled_out = self.sampled_out.load(Ordering::Acquire);
        let ended = self.ended.load(Ordering::Acquire);
        ExportStats {
            ended,
            exported,
            dropped,
            dropped_queue_full: self.dropped_queue_full.load(Ordering::Relaxed),
            failed_requests: self.failed_requests.load(Ordering::Relaxed),
            queued: ended.saturating_sub(exported + dropped + sampled_out),
            queued_bytes: 0,
            peak_queued_bytes: 0,
            roots_sampled: 0,
            roots_dropped_by_rule: 0,
            roots_dropped_by_limit: 0,
            sampled_out,
            tail_trees_kept: self.tail_trees_kept.load(Ordering::Relaxed),
            tail_trees_decided_early: self.tail_trees_decided_early.load(Ordering::Relaxed),
        }
    }
}
