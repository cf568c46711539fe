//! `unused_variables` still sees the body and the arguments of a traced fn.
#![deny(unused_variables)]

use aios_tracing::trace;

#[trace]
fn sync_fn(unused_argument: u8) {
    let unused_local = 1;
}

#[trace]
async fn async_fn(unused_argument: u8) {
    let unused_local = 1;
}

fn main() {
    sync_fn(1);
    let _ = async_fn(1);
}
