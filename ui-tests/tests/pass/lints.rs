//! Lints see a traced fn as the user wrote it: `#[expect(dead_code)]` on
//! a fn never called is fulfilled, and neither the body's inner
//! attributes, a single-line body, nor names the body shadows make the
//! generated code warn. (That `dead_code` and `unused_variables` still
//! fire is in `fail/unused_traced_fn.rs` and `fail/unused_variables.rs`.)
#![deny(warnings, unfulfilled_lint_expectations)]

use aios_tracing::trace;
use std::future::Future;
use std::pin::Pin;

#[expect(dead_code)]
#[trace]
fn never_called() {}

#[expect(dead_code)]
#[trace]
async fn never_awaited() {}

#[expect(dead_code)]
#[trace]
fn never_boxed() -> Pin<Box<dyn Future<Output = ()>>> {
    let x = 1;
    Box::pin(async move {
        let _ = x;
    })
}

#[deny(unused_variables)]
#[trace]
async fn inner_attributes() {
    #![allow(unused_variables)]
    let i = 42;
}

#[deny(unused_variables)]
#[trace]
fn inner_attributes_sync() {
    #![allow(unused_variables)]
    let i = 42;
}

#[deny(unused_braces)]
#[trace]
fn single_line() -> u8 { 1 }

#[deny(unused_braces)]
#[trace]
async fn single_line_async() -> u8 { 1 }

#[deny(unused_braces)]
#[trace]
fn single_line_future() -> impl Future<Output = u8> { async { 1 } }

#[deny(unused_braces)]
#[trace]
fn single_line_box() -> Pin<Box<dyn Future<Output = u8>>> { Box::pin(async { 1 }) }

type Foo = ();

#[allow(dead_code)]
enum Bar {
    Foo,
}

/// The body's glob import shadows `Foo`; the return type is still the alias.
#[trace]
fn type_shadowing() -> Foo {
    #[allow(unused_imports)]
    use Bar::*;
}

#[trace]
async fn type_shadowing_async() -> Foo {
    #[allow(unused_imports)]
    use Bar::*;
}

trait Work {
    #[allow(dead_code)]
    async fn work(&self) -> usize;
}

struct Worker;

impl Work for Worker {
    #[trace]
    async fn work(&self) -> usize {
        unimplemented!()
    }
}

#[trace]
fn diverges() -> u8 {
    unimplemented!()
}

fn main() {
    inner_attributes_sync();
    let _ = inner_attributes();
    let _ = single_line();
    let _ = single_line_async();
    let _ = single_line_future();
    let _ = single_line_box();
    type_shadowing();
    let _ = type_shadowing_async();
    let _ = Worker.work();
    let _: fn() -> u8 = diverges;
}
