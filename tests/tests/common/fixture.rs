//! The setup most integration tests share: take the serial lock, start a
//! receiver, init an SDK aimed at it, make spans, shut down, wait for the
//! spans and check what the receiver decoded.
//!
//! ```ignore
//! let fx = Fixture::start(Protocol::Grpc);
//! fx.sdk().start_span("work").end();
//! let spans = fx.shutdown_and_wait(1);
//! assert_eq!(spans.one("work").kind_name(), "internal");
//! ```
//!
//! [`Fixture::with`] customises the SDK builder; [`Setup`] is the step
//! before the SDK, for a receiver with faults, a test that needs the
//! receiver to build its own SDK, or one that puts something (a relay)
//! between them.

use super::{serial, Serial, WAIT};
use aios_tracing::{Protocol, TracingSdk, TracingSdkBuilder};
use aios_tracing_tests::{OtlpReceiver, ReceivedSpan, ReceiverBuilder, Transport};
use std::time::Duration;

/// The receiver transport that speaks `protocol`.
pub fn transport(protocol: Protocol) -> Transport {
    match protocol {
        Protocol::Grpc => Transport::Grpc,
        _ => Transport::Http,
    }
}

/// A well-behaved receiver for `protocol`.
pub fn receiver(protocol: Protocol) -> OtlpReceiver {
    OtlpReceiver::start(transport(protocol)).expect("receiver starts")
}

/// A builder exporting to `rx` with `protocol`, isolated from the
/// machine's environment variables, with a short batch timer.
pub fn builder_for(rx: &OtlpReceiver, protocol: Protocol) -> TracingSdkBuilder {
    TracingSdk::builder("orders-api")
        .environment(std::iter::empty::<(String, String)>())
        .otlp_protocol(protocol)
        .otlp_endpoint(rx.endpoint())
        .scheduled_delay(Duration::from_millis(100))
        .shutdown_timeout(Duration::from_secs(5))
}

/// The serial lock and a running receiver, before the SDK exists.
#[derive(Debug)]
#[must_use = "call .init() to start the SDK"]
pub struct Setup {
    rx: OtlpReceiver,
    protocol: Protocol,
    serial: Serial,
}

impl Setup {
    /// Takes the serial lock and starts a well-behaved receiver.
    pub fn new(protocol: Protocol) -> Setup {
        Setup::with_receiver(protocol, |receiver| receiver)
    }

    /// Takes the serial lock and starts the receiver `configure` makes of a
    /// builder for `protocol`'s transport (faults, delays, count only).
    pub fn with_receiver(
        protocol: Protocol,
        configure: impl FnOnce(ReceiverBuilder) -> ReceiverBuilder,
    ) -> Setup {
        let serial = serial();
        let rx = configure(OtlpReceiver::builder(transport(protocol)))
            .start()
            .expect("receiver starts");
        Setup {
            rx,
            protocol,
            serial,
        }
    }

    /// The receiver, e.g. to aim something else at it before the SDK starts.
    pub fn rx(&self) -> &OtlpReceiver {
        &self.rx
    }

    /// Starts the SDK with [`builder_for`]'s settings.
    pub fn init(self) -> Fixture {
        self.init_with(|builder| builder)
    }

    /// Starts the SDK with [`builder_for`]'s settings as `customise` changes
    /// them.
    pub fn init_with(
        self,
        customise: impl FnOnce(TracingSdkBuilder) -> TracingSdkBuilder,
    ) -> Fixture {
        let builder = customise(builder_for(&self.rx, self.protocol));
        self.init_from(|_| builder)
    }

    /// Starts the SDK from a builder of the test's own, made with the
    /// receiver at hand (for SDKs that must not have [`builder_for`]'s
    /// settings: configured by environment, aimed at a relay, tuned for a
    /// fault).
    pub fn init_from(self, make: impl FnOnce(&OtlpReceiver) -> TracingSdkBuilder) -> Fixture {
        let sdk = make(&self.rx).init().expect("init");
        Fixture {
            sdk: Some(sdk),
            rx: self.rx,
            protocol: self.protocol,
            _serial: self.serial,
        }
    }
}

/// A running SDK exporting to a receiver, holding the serial lock.
///
/// Dropping it drops the SDK (which flushes), then stops the receiver,
/// then releases the lock.
#[derive(Debug)]
pub struct Fixture {
    // Field order is drop order.
    sdk: Option<TracingSdk>,
    rx: OtlpReceiver,
    protocol: Protocol,
    _serial: Serial,
}

impl Fixture {
    /// A receiver for `protocol` and an SDK with [`builder_for`]'s settings.
    pub fn start(protocol: Protocol) -> Fixture {
        Setup::new(protocol).init()
    }

    /// Like [`Fixture::start`], with the SDK builder as `customise` changes it.
    pub fn with(
        protocol: Protocol,
        customise: impl FnOnce(TracingSdkBuilder) -> TracingSdkBuilder,
    ) -> Fixture {
        Setup::new(protocol).init_with(customise)
    }

    /// The SDK.
    pub fn sdk(&self) -> &TracingSdk {
        self.sdk.as_ref().expect("the test took the SDK")
    }

    /// Takes the SDK out, for a test that moves it (into a task) or drops
    /// it itself; [`Fixture::sdk`] panics afterwards.
    pub fn take_sdk(&mut self) -> TracingSdk {
        self.sdk.take().expect("the test took the SDK")
    }

    /// The receiver.
    pub fn rx(&self) -> &OtlpReceiver {
        &self.rx
    }

    /// The receiver, to stop it mid-test.
    pub fn rx_mut(&mut self) -> &mut OtlpReceiver {
        &mut self.rx
    }

    /// A fresh builder aimed at the same receiver, for a second SDK.
    pub fn builder(&self) -> TracingSdkBuilder {
        builder_for(&self.rx, self.protocol)
    }

    /// Shuts the SDK down; it must deliver every span.
    pub fn shutdown(&self) {
        self.sdk().shutdown().expect("shutdown delivers every span");
    }

    /// Shuts the SDK down, then waits (up to [`WAIT`]) for `n` spans and
    /// returns every span received.
    pub fn shutdown_and_wait(&self, n: usize) -> Vec<ReceivedSpan> {
        self.shutdown();
        self.rx.wait_for_spans(n, WAIT)
    }
}
