//! A bridged span's `tracing` fields: its attributes, and the fields
//! `tracing-opentelemetry` users already write, which set what an
//! attribute cannot: `otel.name`, `otel.kind`, `otel.status_code`,
//! `otel.status_description`; and `error`, recorded as an exception.

use crate::Span;
use opentelemetry::trace::SpanKind;
use opentelemetry::KeyValue;
use std::borrow::Cow;
use std::fmt;
use tracing::field::{Field, Visit};

/// The status fields recorded on a span so far: they may come in
/// separate `record` calls (the code first, the description later).
#[derive(Debug, Default)]
pub(super) struct Status {
    code: Option<String>,
    description: Option<String>,
}

/// What a span's (or an event's) fields say, sorted out.
#[derive(Debug, Default)]
pub(super) struct Fields {
    /// Whether the `otel.*` and `error` fields mean something (on spans).
    special: bool,
    pub(super) attributes: Vec<KeyValue>,
    pub(super) name: Option<String>,
    pub(super) kind: Option<SpanKind>,
    status_code: Option<String>,
    status_description: Option<String>,
    /// The `error` field: its type (when it came as an error) and message.
    error: Option<(&'static str, String)>,
}

impl Fields {
    /// A span's fields.
    pub(super) fn of_span() -> Self {
        Fields {
            special: true,
            ..Fields::default()
        }
    }

    /// An event's fields: attributes all.
    pub(super) fn of_event() -> Self {
        Fields::default()
    }

    /// Sets the span's name, attributes and status and records its
    /// error, as the fields said; `status` keeps what earlier records said.
    pub(super) fn apply(self, span: &Span, status: &mut Status) {
        if !span.is_recording() {
            return;
        }
        if let Some(name) = self.name {
            span.update_name(name);
        }
        span.set_attributes(self.attributes);
        status.code = self.status_code.or(status.code.take());
        status.description = self.status_description.or(status.description.take());
        let description = status.description.clone().unwrap_or_default();
        match status
            .code
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("ok") => span.set_ok(),
            Some("error") => span.set_error(Cow::Owned(description.clone())),
            _ => {}
        }
        if let Some((kind, message)) = self.error {
            span.record_exception_parts(kind, &message, None, std::iter::empty::<KeyValue>());
            if !description.is_empty() {
                // The description given for the status wins over the message.
                span.set_error(Cow::Owned(description));
            }
        }
    }

    fn text(&mut self, field: &Field, value: String) {
        if !self.special {
            self.attributes.push(KeyValue::new(field.name(), value));
            return;
        }
        match field.name() {
            "otel.name" => self.name = Some(value),
            "otel.kind" => self.kind = kind(&value),
            "otel.status_code" => self.status_code = Some(value),
            "otel.status_description" => self.status_description = Some(value),
            "error" => self.error = Some(("", value)),
            name => self.attributes.push(KeyValue::new(name, value)),
        }
    }
}

/// `otel.kind`'s values, as `tracing-opentelemetry` reads them.
fn kind(value: &str) -> Option<SpanKind> {
    match value.to_ascii_lowercase().as_str() {
        "server" => Some(SpanKind::Server),
        "client" => Some(SpanKind::Client),
        "producer" => Some(SpanKind::Producer),
        "consumer" => Some(SpanKind::Consumer),
        "internal" => Some(SpanKind::Internal),
        _ => None,
    }
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.text(field, format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.text(field, value.to_owned());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        if self.special && field.name() == "error" {
            self.error = Some(("", value.to_string()));
        } else {
            self.text(field, value.to_string());
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.attributes.push(KeyValue::new(field.name(), value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        let value = i64::try_from(value).unwrap_or(i64::MAX);
        self.attributes.push(KeyValue::new(field.name(), value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.attributes.push(KeyValue::new(field.name(), value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.attributes.push(KeyValue::new(field.name(), value));
    }
}
