//! A span's life, below the handles users hold: the sampling decision,
//! the start (one path for `#[trace]`, `span!` and `SpanBuilder`), the
//! recording span that writes into its record, exceptions, timestamps,
//! and the end that hands the record to the pipeline.

pub(crate) mod clock;
mod end;
pub(crate) mod exception;
mod recording;
pub(crate) mod sampling;
mod settings;
mod start;

pub(crate) use end::{end, end_lent, Lent};
pub(crate) use recording::Request;
pub(crate) use settings::{note_records_unsampled, SpanSettings};
pub(crate) use start::{start, Parent, Started};
