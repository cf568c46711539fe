//! The unit tests' sink: every exported span, kept.

use super::{Request, Sink, SpanBatch};
use opentelemetry_sdk::trace::SpanData;
use std::sync::{Arc, Mutex, PoisonError};

#[derive(Debug, Default, Clone)]
pub(crate) struct Capture {
    spans: Arc<Mutex<Vec<SpanData>>>,
}

impl Capture {
    pub(crate) fn spans(&self) -> Vec<SpanData> {
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Sink for Capture {
    fn export(&mut self, batch: SpanBatch<'_, '_>) -> Option<Request> {
        let spans = batch.span_data();
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(spans);
        None
    }
}
