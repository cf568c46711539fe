//! Shared by the SDK's integration tests: one test at a time per binary
//! (the SDK installs process-wide state), and an SDK builder aimed at a
//! receiver with settings that keep tests fast.

#![allow(dead_code)]

use aios_tracing::{Protocol, TracingSdk, TracingSdkBuilder};
use aios_tracing_tests::{OtlpReceiver, Transport};
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
