//! Where exported spans go: the OTLP exporter, the console printer, and
//! for tests (this crate's, and users' through [`testing`](crate::testing))
//! a sink that keeps what it got. The export worker hands each
//! batch to every sink on its own thread; a sink reads the records there
//! and returns the request to send, if it has one, which the worker sends
//! (again, after a transient failure) with the others.

#[cfg(any(test, feature = "testing"))]
pub(crate) mod capture;
pub(crate) mod console;
#[cfg(any(feature = "grpc", feature = "http"))]
mod encode;
#[cfg(any(feature = "grpc", feature = "http"))]
pub(crate) mod otlp;

use crate::data::SpanRecord;
use crate::transport::ExportError;
use opentelemetry_sdk::trace::SpanData;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// Sending one export request once; resolves when the collector answered
/// or the attempt (or, as the probe, the attempts) failed.
pub(crate) type Delivery = Pin<Box<dyn Future<Output = Result<(), ExportError>> + Send>>;

/// What a sink made of a batch to send over the network: encoded once,
/// and sent as often as it takes. The pipeline keeps it while the
/// collector fails transiently and sends it again later.
pub(crate) struct Request {
    size: usize,
    send: Box<dyn FnMut() -> Delivery + Send>,
}

impl Request {
    /// A request of `size` bytes (what keeping it costs), sent by `send`.
    #[cfg_attr(not(any(feature = "grpc", feature = "http")), allow(dead_code))]
    pub(crate) fn new(size: usize, send: impl FnMut() -> Delivery + Send + 'static) -> Self {
        Request {
            size,
            send: Box::new(send),
        }
    }

    /// Bytes held while the request waits to be sent.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// A delivery of the request: one more try.
    pub(crate) fn send(&mut self) -> Delivery {
        (self.send)()
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request").field("size", &self.size).finish()
    }
}

/// One destination of exported spans.
pub(crate) trait Sink: Send + fmt::Debug {
    /// Reads `batch` (on the export thread); returns the request to send,
    /// if the sink sends over the network.
    fn export(&mut self, batch: SpanBatch<'_, '_>) -> Option<Request>;

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

    /// The records, read in place, in the order the worker took them.
    #[cfg_attr(not(any(feature = "grpc", feature = "http")), allow(dead_code))]
    pub(crate) fn records(&self) -> impl ExactSizeIterator<Item = &SpanRecord> + Clone + '_ {
        self.records.iter().map(|record| &**record)
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
