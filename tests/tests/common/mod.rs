//! Shared by the SDK's integration tests: one test at a time per binary
//! (the SDK installs process-wide state), and an SDK builder aimed at a
//! receiver with settings that keep tests fast.

#![allow(dead_code)]

use aios_tracing::{Protocol, TracingSdk, TracingSdkBuilder};
use aios_tracing_tests::{AttrValue, OtlpReceiver, ReceivedSpan, Transport};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

static SERIAL: Mutex<()> = Mutex::new(());

/// Holds the process-wide SDK slot for the duration of one test.
pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A builder exporting to `rx` with `protocol`, isolated from the
/// machine's environment variables.
pub fn builder_for(rx: &OtlpReceiver, protocol: Protocol) -> TracingSdkBuilder {
    TracingSdk::builder("orders-api")
        .environment(std::iter::empty::<(String, String)>())
        .otlp_protocol(protocol)
        .otlp_endpoint(rx.endpoint())
        .scheduled_delay(Duration::from_millis(100))
        .shutdown_timeout(Duration::from_secs(5))
}

pub fn receiver(protocol: Protocol) -> OtlpReceiver {
    let transport = match protocol {
        Protocol::Grpc => Transport::Grpc,
        _ => Transport::Http,
    };
    OtlpReceiver::start(transport).expect("receiver starts")
}

/// An address nothing listens on.
pub fn dead_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

pub const WAIT: Duration = Duration::from_secs(10);

/// `needle` appears in no attribute of any span or event, nor in a name.
pub fn assert_nowhere(spans: &[ReceivedSpan], needle: &str) {
    fn contains(value: &AttrValue, needle: &str) -> bool {
        match value {
            AttrValue::Str(s) => s.contains(needle),
            AttrValue::Bytes(b) => String::from_utf8_lossy(b).contains(needle),
            AttrValue::Array(items) => items.iter().any(|v| contains(v, needle)),
            AttrValue::KvList(items) => items.iter().any(|(_, v)| contains(v, needle)),
            _ => false,
        }
    }
    for span in spans {
        let attributes = span
            .attributes
            .iter()
            .chain(span.events.iter().flat_map(|e| e.attributes.iter()));
        for (key, value) in attributes {
            assert!(
                !contains(value, needle),
                "{needle:?} leaked into {key} of span {:?}: {value:?}",
                span.name
            );
        }
        assert!(
            !span.name.contains(needle),
            "{needle:?} leaked into a span name"
        );
        assert!(
            !span.status.message.contains(needle),
            "{needle:?} leaked into a status"
        );
    }
}

/// The `tracing` bridge for the library target, process-wide so that the
/// server's worker threads see it.
pub fn bridge_library_spans() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use tracing_subscriber::layer::SubscriberExt;
        let layer = aios_tracing::bridge::layer(
            aios_tracing::bridge::Instrumentations::new().target("lib", true),
        );
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .expect("subscriber");
    });
}
