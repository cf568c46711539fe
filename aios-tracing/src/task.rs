//! Spawning tokio tasks that keep the spawner's context (feature `tokio`).
//!
//! A task spawned with `tokio::spawn` starts with no current span: spans
//! it starts are roots of new traces. These spawn it in the context
//! current at the call instead, so they are children of the spawner's
//! span, and baggage comes along.

use crate::future::FutureExt as _;
use opentelemetry::Context;
use std::future::Future;
use tokio::task::JoinHandle;

/// `tokio::spawn(future)`, with the context current now made current
/// whenever the task is polled (see
/// [`FutureExt::in_current_context`](crate::FutureExt::in_current_context)).
///
/// ```
/// use aios_tracing::{span, task, trace};
///
/// #[trace]
/// async fn refresh(key: &'static str) -> usize {
///     key.len()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let handle = span!("request", || task::spawn(refresh("users")));
/// // `refresh`'s span is a child of `request`, though it runs later.
/// assert_eq!(handle.await.unwrap(), 5);
/// # }
/// ```
///
/// # Panics
///
/// As `tokio::spawn`: when called outside a tokio runtime.
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future.in_current_context())
}

/// `tokio::task::spawn_blocking(f)`, with the context current now made
/// current while `f` runs on the blocking pool.
///
/// ```
/// use aios_tracing::{span, task};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let job = span!("import", || task::spawn_blocking(|| {
///     // Spans started here are children of `import`.
///     span!("parse", || (1..=3).sum::<u32>())
/// }));
/// assert_eq!(job.await.unwrap(), 6);
/// # }
/// ```
///
/// # Panics
///
/// As `tokio::task::spawn_blocking`: when called outside a tokio runtime.
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let cx = Context::current();
    tokio::task::spawn_blocking(move || {
        let _attached = cx.attach();
        f()
    })
}

#[cfg(test)]
mod tests;
