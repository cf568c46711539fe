//! Shared by the SDK's integration tests: one test at a time per binary
//! (the SDK installs process-wide state), the receiver + SDK fixture most
//! tests start from, database servers, and small assertions.

#![allow(dead_code)]

pub mod db_servers;
mod fixture;
pub mod http_client;
pub mod proxy;

#[allow(unused_imports)] // each test binary uses a few
pub use fixture::{receiver, transport, Fixture, Setup};

use aios_tracing_tests::{AttrValue, ReceivedSpan};
use std::cell::Cell;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

static SERIAL: Mutex<()> = Mutex::new(());

thread_local! {
    /// Whether this thread holds [`SERIAL`] through a [`Serial`].
    static HELD: Cell<bool> = const { Cell::new(false) };
}

/// The process-wide SDK slot, held by one test at a time.
///
/// Taking it again on a thread that already holds it (a [`Fixture`] made
/// inside a test that took [`serial`] first, to do work before the SDK
/// starts or to keep the slot across several fixtures) is free: the inner
/// guard holds nothing.
#[derive(Debug)]
pub struct Serial {
    guard: Option<MutexGuard<'static, ()>>,
}

impl Drop for Serial {
    fn drop(&mut self) {
        if self.guard.is_some() {
            HELD.with(|held| held.set(false));
        }
    }
}

/// Holds the process-wide SDK slot for the duration of one test.
pub fn serial() -> Serial {
    if HELD.with(Cell::get) {
        return Serial { guard: None };
    }
    let guard = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    HELD.with(|held| held.set(true));
    Serial { guard: Some(guard) }
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

/// An address nothing listens on.
pub fn dead_endpoint() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

pub const WAIT: Duration = Duration::from_secs(10);

/// A string attribute of `span`.
pub fn str_attr<'a>(span: &'a ReceivedSpan, key: &str) -> Option<&'a str> {
    span.attr(key).and_then(AttrValue::as_str)
}

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

/// A runtime with `workers` worker threads, for a test that runs servers
/// and clients next to the SDK.
pub fn multi_thread_runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A current-thread runtime with time and I/O.
pub fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}
