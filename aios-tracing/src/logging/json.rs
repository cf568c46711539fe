//! The JSON line: one object per event, with the field names of the
//! OpenTelemetry log data model and of the usual log pipelines (Loki,
//! Elasticsearch, Cloud Logging), and the trace context as the
//! specification's "trace context in non-OTLP log formats" asks: top-level
//! `trace_id`, `span_id` and `trace_flags`, lowercase hex.

use super::Correlation;
use serde_json::Value;
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Keys the line writes itself; an event field of the same name is written
/// as `field.<name>` instead.
const RESERVED: [&str; 8] = [
    "timestamp",
    "level",
    "severity_number",
    "target",
    "message",
    "trace_id",
    "span_id",
    "trace_flags",
];

/// The JSON line format, for a `tracing_subscriber::fmt` layer:
///
/// ```text
/// {"timestamp":"2025-09-08T10:00:00.123456789Z","level":"INFO","severity_number":9,"target":"orders_api::checkout","message":"payment accepted","order.id":7,"trace_id":"5c1f…","span_id":"8d2e…","trace_flags":"01"}
/// ```
///
/// `timestamp` is RFC 3339 in UTC; `severity_number` the data model's
/// (TRACE 1, DEBUG 5, INFO 9, WARN 13, ERROR 17); `message` is there on
/// every line, empty if the event has none; the event's fields follow it
/// under their own names, as JSON numbers, booleans or strings;
/// outside any span the ids are left out. `log` records (bridged) carry
/// their own target and level.
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
/// let subscriber = tracing_subscriber::registry().with(
///     tracing_subscriber::fmt::layer().event_format(aios_tracing::logging::JsonFormat::new()),
/// );
/// tracing::subscriber::with_default(subscriber, || tracing::info!(order.id = 7, "payment accepted"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct JsonFormat {
    _private: (),
}

impl JsonFormat {
    /// The format; it has no options.
    pub fn new() -> Self {
        JsonFormat::default()
    }
}

impl<S, N> FormatEvent<S, N> for JsonFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let normalized = event.normalized_metadata();
        let metadata = normalized.as_ref().unwrap_or_else(|| event.metadata());
        let mut fields = Fields {
            // Bridged `log` records carry their metadata as `log.*` fields,
            // already read into the normalized metadata.
            skip_log_metadata: normalized.is_some(),
            ..Fields::default()
        };
        event.record(&mut fields);

        let mut line = Line::default();
        let now = OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .map_err(|_| fmt::Error)?;
        line.put("timestamp", &Value::from(now));
        line.put("level", &Value::from(metadata.level().as_str()));
        line.put(
            "severity_number",
            &Value::from(severity_number(*metadata.level())),
        );
        line.put("target", &Value::from(metadata.target()));
        // Always there, if empty: pipelines look for it on every line.
        line.put("message", &Value::from(fields.message.unwrap_or_default()));
        for (name, value) in &fields.values {
            if RESERVED.contains(name) {
                line.put(&format!("field.{name}"), value);
            } else {
                line.put(name, value);
            }
        }
        let ids = Correlation::current();
        for (key, value) in [
            ("trace_id", ids.trace_id()),
            ("span_id", ids.span_id()),
            ("trace_flags", ids.trace_flags()),
        ] {
            if let Some(value) = value {
                line.put(key, &Value::from(value));
            }
        }
        writeln!(writer, "{}}}", line.text)
    }
}

/// The OpenTelemetry log data model's severity for a `tracing` level.
fn severity_number(level: Level) -> u8 {
    match level {
        Level::TRACE => 1,
        Level::DEBUG => 5,
        Level::INFO => 9,
        Level::WARN => 13,
        Level::ERROR => 17,
    }
}

/// An object being written, key by key.
#[derive(Default)]
struct Line {
    text: String,
}

impl Line {
    fn put(&mut self, key: &str, value: &Value) {
        self.text.push(if self.text.is_empty() { '{' } else { ',' });
        // Serializing a string or a `Value` into a `String` cannot fail.
        self.text
            .push_str(&serde_json::to_string(key).unwrap_or_default());
        self.text.push(':');
        self.text
            .push_str(&serde_json::to_string(value).unwrap_or_default());
    }
}

/// An event's fields as JSON values, in the order the event recorded them.
#[derive(Default)]
struct Fields {
    message: Option<String>,
    values: Vec<(&'static str, Value)>,
    skip_log_metadata: bool,
}

impl Fields {
    fn record(&mut self, field: &Field, value: Value) {
        let name = field.name();
        if name == "message" {
            self.message = Some(match value {
                Value::String(text) => text,
                other => other.to_string(),
            });
        } else if !(self.skip_log_metadata && name.starts_with("log.")) {
            self.values.push((name, value));
        }
    }
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        // Not finite: JSON has no such number; `Value::from` makes it null.
        self.record(field, Value::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.record(field, Value::from(value));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.record(field, Value::from(value.to_string()));
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.record(field, Value::from(value.to_string()));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.record(field, Value::from(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.record(field, Value::from(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.record(field, Value::from(value.to_string()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.record(field, Value::from(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::layer::SubscriberExt;

    /// The lines a closure logs through a JSON layer.
    fn lines(log: impl FnOnce()) -> Vec<serde_json::Map<String, Value>> {
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::registry().with(
            crate::logging::json_layer_with_writer(move || writer.clone()),
        );
        tracing::subscriber::with_default(subscriber, log);
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| match serde_json::from_str(line) {
                Ok(Value::Object(object)) => object,
                other => panic!("not a JSON object: {line} ({other:?})"),
            })
            .collect()
    }

    #[test]
    fn an_event_is_one_object_with_its_fields() {
        let found = lines(|| {
            tracing::warn!(target: "orders", order_id = 7, total = 14.5, paid = true, who = ?"u_1", "card \"declined\"");
        });
        assert_eq!(found.len(), 1);
        let line = &found[0];
        let keys: Vec<_> = line.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "level",
                "message",
                "order_id",
                "paid",
                "severity_number",
                "target",
                "timestamp",
                "total",
                "who"
            ],
            "sorted by serde_json's map; no ids outside a span"
        );
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["severity_number"], 13);
        assert_eq!(line["target"], "orders");
        assert_eq!(line["message"], "card \"declined\"");
        assert_eq!(line["order_id"], 7);
        assert_eq!(line["total"], 14.5);
        assert_eq!(line["paid"], true);
        assert_eq!(line["who"], "\"u_1\"");
        let timestamp = line["timestamp"].as_str().unwrap();
        // RFC 3339 in UTC: 2025-09-08T10:00:00.123456789Z
        let (date, time) = timestamp.split_once('T').unwrap();
        assert_eq!(date.len(), 10, "{timestamp}");
        assert!(
            date.split('-').all(|n| n.parse::<u32>().is_ok()),
            "{timestamp}"
        );
        assert!(time.ends_with('Z') && time.len() > 9, "{timestamp}");
    }

    #[test]
    fn fields_named_like_the_lines_own_keys_are_kept_apart() {
        let found = lines(|| tracing::info!(level = "custom", trace_id = 3, "hello"));
        let bare = lines(|| tracing::info!(count = 1));
        assert_eq!(bare[0]["message"], "", "every line has a message");
        assert_eq!(found[0]["level"], "INFO");
        assert_eq!(found[0]["field.level"], "custom");
        assert_eq!(found[0]["field.trace_id"], 3);
    }

    #[test]
    fn inside_a_span_the_ids_are_the_spans() {
        use opentelemetry::trace::{
            SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
        };
        let sc = SpanContext::new(
            TraceId::from_hex("5c1f0000000000000000000000000001").unwrap(),
            SpanId::from_hex("8d2e000000000002").unwrap(),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        );
        let _attached = opentelemetry::Context::new()
            .with_remote_span_context(sc)
            .attach();
        let found = lines(|| tracing::info!("inside"));
        assert_eq!(found[0]["trace_id"], "5c1f0000000000000000000000000001");
        assert_eq!(found[0]["span_id"], "8d2e000000000002");
        assert_eq!(found[0]["trace_flags"], "01");
    }

    #[test]
    fn severity_numbers_follow_the_data_model() {
        assert_eq!(severity_number(Level::TRACE), 1);
        assert_eq!(severity_number(Level::DEBUG), 5);
        assert_eq!(severity_number(Level::INFO), 9);
        assert_eq!(severity_number(Level::ERROR), 17);
    }
}
