//! The generated code is warning-free under the strictest common settings.
#![deny(warnings, clippy::pedantic)]

use aios_tracing::{span, trace};

#[derive(Debug)]
struct Failure;

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failure")
    }
}

#[trace]
fn unit() {}

#[trace("named", kind = server, attrs = { "k" = "v", "one" = 1, "e" = n * 2, "d" = %n }, record(n, ?n2))]
fn fallible(n: u64, n2: u64) -> Result<u64, Failure> {
    if n == 0 {
        return Err(Failure);
    }
    Ok(n + n2)
}

#[trace]
fn never() -> ! {
    std::process::exit(0)
}

#[trace(err = false)]
async fn asynchronous(n: u64) -> Result<u64, Failure> {
    tokio::task::yield_now().await;
    fallible(n, 1)
}

#[trace]
async fn async_unit() {}

#[trace]
fn returns_future() -> impl std::future::Future<Output = u8> {
    async { 1 }
}

struct S(u8);

impl S {
    #[trace]
    fn get(&self) -> u8 {
        self.0
    }
}

#[tokio::main]
async fn main() {
    unit();
    let _ = fallible(1, 2);
    let _ = asynchronous(1).await;
    async_unit().await;
    let _ = returns_future().await;
    let _ = S(1).get();
    let _ = span!("sync", "a" = 1, |span| {
        span.add_event("event", [("k", 1)]);
        span.is_recording()
    });
    let _ = span!("sync2", || 1);
    let _ = span!("async", async { 1 }).await;
    let _ = span!("async2", |span| async move { span.is_recording() }).await;
    let _: fn() -> ! = never;
}
