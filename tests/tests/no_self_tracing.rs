//! The exporter's own HTTP/2 and gRPC calls are never traced, even with the
//! `tracing` bridge switched on for every library at TRACE level: spans
//! about exporting spans would feed on themselves.

mod common;

use aios_tracing::bridge::{self, Instrumentations};
use aios_tracing::Protocol;
use aios_tracing_tests::SpansExt;
use common::{serial, Fixture, WAIT};
use std::time::Duration;
use tracing_subscriber::layer::SubscriberExt;

#[test]
fn exporting_produces_no_spans_of_its_own() {
    let _serial = serial();
    // Global, so that the export thread sees it too.
    let subscriber = tracing_subscriber::registry().with(bridge::layer(
        Instrumentations::all().level(tracing::Level::TRACE),
    ));
    tracing::subscriber::set_global_default(subscriber).unwrap();
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let fx = Fixture::start(protocol);
        for _ in 0..3 {
            fx.sdk().start_span("application").end();
            fx.sdk().force_flush().unwrap();
        }
        // A library span in the application's own code is bridged, as a control.
        tracing::info_span!("library").in_scope(|| {});
        fx.shutdown();
        std::thread::sleep(Duration::from_millis(100));
        let spans = fx.rx().wait_for_spans(4, WAIT);
        assert_eq!(spans.len(), 4, "{protocol}: {:?}", spans.names());
        assert_eq!(spans.by_name("application").len(), 3);
        assert_eq!(spans.by_name("library").len(), 1);
    }
}
