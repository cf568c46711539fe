//! Fan-out / fan-in with async `#[trace]` fns and links: one request spawns
//! a task per shard, each in the request's trace; the aggregation step
//! links back to every shard's span.
//!
//! ```text
//! cargo run --example async_fanout
//! ```

use aios_tracing::{link_current_span, span, trace, FutureExt, Link, Span, TracingSdk};
use std::time::Duration;

#[trace(kind = client, record(shard))]
async fn query_shard(shard: u32) -> (u32, Option<Link>) {
    tokio::time::sleep(Duration::from_millis(5 * u64::from(shard))).await;
    (shard * 10, link_current_span())
}

#[trace(attrs = { "shards" = links.len() })]
fn aggregate(links: Vec<Link>, total: u32) -> u32 {
    // A span linked to every shard query, as the Python SDK's
    // `start_span("aggregate", links=[...])` would be.
    let merge = Span::builder("merge")
        .links(links.into_iter().map(Some))
        .start();
    merge.set_attribute("total", i64::from(total));
    merge.end();
    total
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sdk = TracingSdk::builder("fanout")
        .enable_console_exporter(true)
        .enable_otlp_exporter(std::env::var_os("OTLP_ENDPOINT").is_some())
        .init()?;

    let total = span!("request", kind = server, async {
        let tasks: Vec<_> = (1..=4)
            .map(|shard| tokio::spawn(query_shard(shard).in_current_context()))
            .collect();
        let mut links = Vec::new();
        let mut total = 0;
        for task in tasks {
            let (value, link) = task.await.expect("shard task");
            total += value;
            links.extend(link);
        }
        aggregate(links, total)
    })
    .await;

    println!("total = {total}");
    sdk.shutdown()?;
    Ok(())
}
