//! A library using the runtime API names its own instrumentation scope:
//! name, version and schema URL reach the collector.

mod common;

use aios_tracing::{Protocol, Scope};
use aios_tracing_tests::SpansExt;
use common::Fixture;

static LIBRARY: Scope = Scope::with_schema_url(
    "orders-client",
    "2.3.4",
    "https://opentelemetry.io/schemas/1.37.0",
);
static THIS_CRATE: Scope = aios_tracing::scope!();

#[test]
fn spans_carry_the_scope_they_were_made_under() {
    let fx = Fixture::start(Protocol::Grpc);
    LIBRARY.span("from-the-library").start().end();
    fx.sdk()
        .span("sdk-with-scope")
        .scope(&THIS_CRATE)
        .start()
        .end();
    fx.sdk().span("sdk-own").start().end();
    let spans = fx.shutdown_and_wait(3);
    let library = spans.one("from-the-library");
    assert_eq!(
        (library.scope_name.as_str(), library.scope_version.as_str()),
        ("orders-client", "2.3.4")
    );
    let this = spans.one("sdk-with-scope");
    assert_eq!(this.scope_name, env!("CARGO_PKG_NAME"));
    assert_eq!(this.scope_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(spans.one("sdk-own").scope_name, "orders-api");
    let schemas: Vec<(String, String)> = fx
        .rx()
        .requests()
        .iter()
        .flat_map(|r| r.request.resource_spans.iter())
        .flat_map(|rs| rs.scope_spans.iter())
        .map(|ss| {
            (
                ss.scope
                    .as_ref()
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                ss.schema_url.clone(),
            )
        })
        .collect();
    assert!(
        schemas.contains(&(
            "orders-client".into(),
            "https://opentelemetry.io/schemas/1.37.0".into()
        )),
        "{schemas:?}"
    );
}
