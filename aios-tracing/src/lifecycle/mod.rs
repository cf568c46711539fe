//! A span's life, below the handles users hold: the sampling decision,
//! the start (one path for `#[trace]`, `span!` and `SpanBuilder`), the
//! recording span that writes into its record, exceptions, timestamps,
//! and the end that hands the record to the pipeline.

pub(crate) mod clock;
mod end;
pub(crate) mod exception;
mod recording;
pub(crate) mod sampling;
mod start;

pub(crate) use end::{end, end_lent, Lent};
pub(crate) use recording::Request;
pub(crate) use start::{start, Parent, Started};

use crate::limits::SpanLimits;
use opentelemetry::InstrumentationScope;
use sampling::Sampler;

/// What starting and recording a span needs from the SDK it belongs to.
#[derive(Debug, Clone)]
pub(crate) struct SpanSettings {
    /// The SDK's generation: which pipeline its spans end into.
    pub(crate) generation: u64,
    pub(crate) sampler: Sampler,
    pub(crate) limits: SpanLimits,
    /// The scope of spans made without one of their own: the service name.
    pub(crate) scope: &'static InstrumentationScope,
}
