//! `dead_code` still sees a traced fn that is never called.
#![deny(dead_code)]

use aios_tracing::trace;
use std::future::Future;
use std::pin::Pin;

#[trace]
fn never_called() {}

#[trace]
async fn never_awaited() {}

#[trace]
fn never_boxed() -> Pin<Box<dyn Future<Output = ()>>> {
    let x = 1;
    Box::pin(async move {
        let _ = x;
    })
}

fn main() {}
