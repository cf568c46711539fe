//! Where exported spans go: the OTLP exporter, the console printer, and
//! for tests (this crate's, and users' through [`testing`](crate::testing))
//! a sink that keeps what it got. The export worker hands each
//! batch to every sink on its own thread; a sink reads the records there
//! and returns the delivery, which the worker runs with the others.

#[cfg(any(test, feature = "testing"))]
pub(crate) mod capture;
pub(crate) mod console;
pub(crate) mod otlp;

use crate::data::SpanRecord;
use crate::transport::ExportError;
use opentelemetry_sdk::trace::SpanData;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// Delivering one batch; resolves once it was delivered or given up on.
pub(crate) type Delivery = Pin<Box<dyn Future<Output = Result<(), ExportError>> + Send>>;

/// A delivery with nothing left to do.
pub(crate) fn delivered() -> Delivery {
    Box::pin(std::future::ready(Ok(())))
}

/// One destination of exported spans.
pub(crate) trait Sink: Send + fmt::Debug {
    /// Reads `batch` (on the export thread) and returns its delivery.
    fn export(&mut self, batch: SpanBatch<'_, '_>) -> Delivery;

    /// The worker is stopping: write out anything held back.
    fn finish(&mut self) {}
}

/// A sink made ready during `init` and started on the export thread,
/// inside its runtime (where network clients can be made).
pub(crate) type Starter = Box<dyn FnOnce() -> Box<dyn Sink> + Send>;

/// The spans of one export as a sink sees them: their records, read in
/// place. Only the last sink to read a batch may move the data out.
pub(crate) struct SpanBatch<'r, 'a> {
    records: &'r mut [&'a mut SpanRecord],
    last: bool,
}

impl<'r, 'a> SpanBatch<'r, 'a> {
    pub(crate) fn new(records: &'r mut [&'a mut SpanRecord], last: bool) -> Self {
        SpanBatch { records, last }
    }

    /// The spans as the SDK's `SpanData`: moved out of the records when no
    /// other sink reads them after this one, copied otherwise.
    pub(crate) fn span_data(self) -> Vec<SpanData> {
        if self.last {
            self.records
                .iter_mut()
                .map(|record| record.take_span_data())
                .collect()
        } else {
            self.records.iter().map(|r| r.to_span_data()).collect()
        }
    }
}
