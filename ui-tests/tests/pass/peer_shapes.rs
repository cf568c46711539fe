//! The fn shapes that `tracing-attributes`' tests and `fastrace`'s macro
//! tests put their attribute on, with `#[trace]` (those not already in
//! the other cases here; the boxed-future ones are in `boxed_futures.rs`).
#![deny(warnings)]
#![allow(unused_mut)]

use aios_tracing::trace;
use std::convert::Infallible;
use std::future::Future;

#[derive(Debug)]
struct Foo(usize, usize);

#[derive(Debug)]
struct Point {
    x: usize,
    y: usize,
}

#[trace]
fn destructured((a, b): (usize, usize), Foo(c, d): Foo, Point { x, y }: Point, &e: &usize) -> usize {
    a + b + c + d + x + y + e
}

#[trace]
fn nested_tuples(((a, b), (c, d)): ((usize, usize), (usize, usize))) -> usize {
    a + b + c + d
}

#[trace(record(i))]
fn recursive(mut i: u32) -> u32 {
    i -= 1;
    if i > 0 {
        recursive(i)
    } else {
        i
    }
}

#[trace]
fn generic<S, T: std::fmt::Debug>(first: S, second: T) -> String
where
    S: AsRef<str>,
{
    format!("{}{second:?}", first.as_ref())
}

#[trace]
fn returns_impl_trait(x: usize) -> impl Iterator<Item = usize> {
    0..x
}

#[trace]
fn err_impl_trait(x: usize) -> Result<impl Iterator<Item = usize>, String> {
    Ok(0..x)
}

#[trace]
fn err_mut(out: &mut u8) -> Result<(), std::num::TryFromIntError> {
    *out = u8::try_from(1234)?;
    Ok(())
}

#[trace]
fn returns_copy() -> impl Copy {
    1
}

#[trace]
async fn async_ret_impl_trait(n: i32) -> Result<impl Iterator<Item = i32>, ()> {
    Ok((0..10).filter(move |x| *x < n))
}

#[trace]
async fn async_mut_arg(mut a: u32) -> u32 {
    a
}

#[trace]
async fn async_mut_ref(polls: usize, out: &mut u8) -> Result<(), std::num::TryFromIntError> {
    for _ in 0..polls {
        tokio::task::yield_now().await;
    }
    *out = u8::try_from(1234)?;
    Ok(())
}

/// # Safety
/// Any caller may call it; it is `unsafe` only to be that shape.
#[trace]
unsafe fn unsafe_fn() -> u8 {
    1
}

/// # Safety
/// As `unsafe_fn`.
#[trace]
async unsafe fn async_unsafe_fn() {}

#[trace]
#[allow(clippy::manual_async_fn)]
fn manual_impl_future() -> impl Future<Output = Result<(), Infallible>> {
    async { Ok(()) }
}

#[trace(name = "test-span")]
async fn properties(a: i64, b: &Bar, c: Bar) -> i64 {
    drop(c);
    let _ = b;
    a
}

#[derive(Debug)]
struct Bar;

trait Native {
    async fn work(&self) -> usize;
}

struct Worker;

impl Native for Worker {
    #[trace]
    async fn work(&self) -> usize {
        tokio::task::yield_now().await;
        7
    }
}

#[tokio::main]
async fn main() {
    assert_eq!(destructured((1, 1), Foo(1, 1), Point { x: 1, y: 1 }, &1), 7);
    assert_eq!(nested_tuples(((1, 2), (3, 4))), 10);
    assert_eq!(recursive(3), 0);
    assert_eq!(generic("a", 1), "a1");
    assert_eq!(returns_impl_trait(3).count(), 3);
    assert_eq!(err_impl_trait(2).map(Iterator::count), Ok(2));
    let mut out = 0;
    assert!(err_mut(&mut out).is_err());
    let _ = returns_copy();
    assert_eq!(async_ret_impl_trait(3).await.map(Iterator::count), Ok(3));
    assert_eq!(async_mut_arg(2).await, 2);
    assert!(async_mut_ref(2, &mut out).await.is_err());
    // SAFETY: neither has a precondition.
    unsafe {
        assert_eq!(unsafe_fn(), 1);
        async_unsafe_fn().await;
    }
    assert_eq!(manual_impl_future().await, Ok(()));
    assert_eq!(properties(1, &Bar, Bar).await, 1);
    assert_eq!(Worker.work().await, 7);
}
