//! Procedural macros of `aios-tracing`: `#[trace]` and `span!`.
//!
//! Depend on `aios-tracing` and use them from there
//! (`use aios_tracing::{span, trace};`): the code they generate refers to
//! `::aios_tracing::__private`, the runtime support that ships with the
//! same release.

mod expand;
mod fallback;
mod fn_shape;
mod parse;
mod validate;

use proc_macro::TokenStream;

/// Traces a function: every call runs inside a new span, which ends when
/// the call returns (or, for async code, when the future completes).
///
/// ```
/// use aios_tracing::trace;
///
/// #[trace]
/// fn parse_port(text: &str) -> Result<u16, std::num::ParseIntError> {
///     text.parse()
/// }
///
/// #[trace("fetch_user", kind = client, attrs = { "db.table" = "users" }, record(uid))]
/// async fn fetch_user(uid: u64, password: &str) -> Option<String> {
///     let _ = password; // arguments are only recorded when listed in `record(…)`
///     Some(format!("user {uid}"))
/// }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert!(parse_port("x").is_err());
/// assert_eq!(fetch_user(7, "secret").await.as_deref(), Some("user 7"));
/// # }
/// ```
///
/// # Arguments
///
/// All optional, in any order, comma-separated:
///
/// | argument | effect |
/// |---|---|
/// | `"name"` (first) or `name = "name"` | the span name; default: the function's name |
/// | `kind = server` | the span kind: `server`, `client`, `producer`, `consumer` or `internal` (default) |
/// | `attrs = { "key" = value, … }` | attributes; keys are string literals, values are literals or any expression (arguments and `self` included); `%value` records `Display` text, `?value` `Debug` text |
/// | `record(uid, %email, ?request)` | records arguments under their own names; `%`/`?` as in `attrs` |
/// | `err = false` | leaves `Err` returns unrecorded (for expected failures) |
///
/// Arguments are **not** recorded unless listed in `record(…)`: they may
/// hold personal data. Recorded values (and `attrs` values without `%`/`?`)
/// may be integers, floats, `bool`, `char`, `str`/`String`/`Cow<str>`, an
/// `opentelemetry::Value`, an `Option` of these (`None` is left out), or a
/// reference or smart pointer to one. `u64`, `usize` and `i128`/`u128`
/// values beyond `i64` are recorded as their decimal text.
///
/// ```
/// use aios_tracing::trace;
/// # struct Order { id: u64 }
/// # struct Customer;
/// # impl std::fmt::Display for Customer {
/// #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("c") }
/// # }
///
/// #[trace(
///     "checkout",
///     kind = server,
///     attrs = { "cart.items" = order_count, "retries" = 3, "ratio" = 0.5, "order.first" = orders[0].id },
///     record(order_count, %customer),
/// )]
/// fn checkout(orders: &[Order], order_count: usize, customer: &Customer) -> u64 {
///     orders.iter().map(|o| o.id).sum()
/// }
/// # assert_eq!(checkout(&[Order { id: 2 }], 1, &Customer), 2);
/// ```
///
/// # What the span records
///
/// - **`Err` returns** set the status to ERROR with the error's `Display`
///   text (its `Debug` text if it has no `Display`) and add an `exception`
///   event with `exception.type` (the error's type name) and
///   `exception.message`. This is decided on the type, not on how the
///   return type is written, so `io::Result<T>`, `anyhow::Result<T>` and a
///   crate's own `Result<T>` alias all work. `Ok` and non-`Result` returns
///   leave the status unset.
/// - **Panics** add an `exception` event (`exception.type = "panic"`, the
///   panic message) and set status ERROR; the span ends and the panic
///   continues with its original payload, so an outer `catch_unwind` sees
///   it unchanged.
/// - The **instrumentation scope** is the name and version of the crate the
///   function is in.
/// - With **no SDK initialised**, the function runs as written and nothing
///   is recorded.
///
/// # Async code
///
/// - `async fn`: the span starts when the future is first polled, as a
///   child of the span current then, and is current during every poll, so
///   spans started in the body nest under it across `.await`s and worker
///   threads, and nothing leaks into other tasks polled on the same
///   thread. The future stays `Send` if the body is.
/// - `fn … -> impl Future<Output = T>`: the span starts at the call, covers
///   the synchronous part of the body and then the returned future.
/// - `fn … -> Pin<Box<dyn Future<Output = T> + …>>` (or a type alias of
///   one) whose body ends in `Box::pin(async move { … })`: the same; any
///   statements before the box run inside the span, and the async block
///   is instrumented inside the box. A boxed future made some other way
///   is instrumented from outside and boxed again when the return type is
///   written `Pin<Box<dyn Future<…>>>`; behind a type alias it is not
///   recognised, and the span covers only the call.
/// - `#[async_trait]` methods: put `#[trace]` on the method inside the
///   `#[async_trait]` impl (in any order with its other attributes); the
///   span starts when the method is called and covers its future.
/// - A future **dropped before it completes** ends its span with the
///   attribute `aios.cancelled = true`.
/// - **Type errors** in the body are reported at your expression, against
///   the declared return (or `Output`) type, as without the attribute;
///   lints such as `dead_code` and `unused_variables` see the fn as you
///   wrote it.
/// - A span is current only in its own task: for tasks you spawn, use
///   `FutureExt::in_current_context` (or `in_span`) from `aios_tracing`,
///   or its `task::spawn` (feature `tokio`).
///
/// ```
/// use aios_tracing::trace;
/// use std::future::Future;
/// use std::pin::Pin;
///
/// struct Client;
///
/// impl Client {
///     #[trace(kind = client)]
///     async fn get(&self, path: &str) -> std::io::Result<String> {
///         Ok(format!("GET {path}"))
///     }
///
///     #[trace]
///     fn prefetch(&self, path: String) -> impl Future<Output = usize> + Send + '_ {
///         async move { self.get(&path).await.map_or(0, |body| body.len()) }
///     }
///
///     #[trace]
///     fn head(&self, path: &str) -> Pin<Box<dyn Future<Output = usize> + Send + '_>> {
///         let path = path.to_owned(); // inside the span too
///         Box::pin(async move { self.get(&path).await.map_or(0, |_| 0) })
///     }
/// }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(Client.get("/a").await.unwrap(), "GET /a");
/// assert_eq!(Client.prefetch("/b".into()).await, 6);
/// assert_eq!(Client.head("/c").await, 0);
/// # }
/// ```
///
/// # Cost
///
/// Each call site caches its tracer (refreshed after a new `init` or a
/// `shutdown`), a literal span name is never copied into a `String`, and
/// when the span is not sampled no attribute expression is evaluated and
/// nothing is formatted. Attributes are set right after the span starts,
/// so samplers do not see them.
///
/// # Not supported
///
/// `const fn` (spans start at run time) and fn declarations without a
/// body are compile errors. In `#[async_trait]` methods, `record` can name
/// only arguments that are plain identifiers, since `#[async_trait]`
/// renames pattern arguments before `#[trace]` sees them.
#[proc_macro_attribute]
pub fn trace(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::trace(args.into(), item.into()).into()
}

/// Runs a closure, or a future, inside a new span.
///
/// ```text
/// span!(name, [kind = …,] ["key" = value, …] [err = false,] body)
/// ```
///
/// - `name`: a string literal, or any expression giving a `String`,
///   `&'static str` or `Cow<'static, str>`.
/// - `kind = server` and `err = false` as for `#[trace]`.
/// - `"key" = value`: attributes, as in `#[trace(attrs = { … })]`
///   (`%value` for `Display` text, `?value` for `Debug` text); evaluated
///   only when the span is sampled.
///
/// The body decides what `span!` does:
///
/// | body | result |
/// |---|---|
/// | `\|span\| { … }` or `\|\| { … }` | runs now with the span current (`span: &Span`), ends the span, and returns the closure's value |
/// | `async move { … }` | a future running inside the span, which ends when it completes |
/// | `\|span\| async move { … }` or `async \|span\| { … }` | the same, with an owned `Span` handle for the body |
///
/// For a future, the span starts when `span!` is evaluated, as a child of
/// the span current there. Errors and panics are recorded as for
/// `#[trace]`: an `Err` value returned by the body sets status ERROR with
/// an `exception` event (unless `err = false`); a panic is recorded, ends
/// the span, and continues.
///
/// ```
/// use aios_tracing::{span, Span};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let total = span!("checkout", kind = server, "cart.items" = 3, |span| {
///     span.add_event("payment.started", [("amount", 1499)]);
///     1499
/// });
/// assert_eq!(total, 1499);
///
/// // `?` in the closure: give the closure's return type.
/// let port = span!("parse", |_span: &Span| -> Result<u16, std::num::ParseIntError> {
///     let port = "8080".parse::<u16>()?;
///     Ok(port)
/// });
/// assert_eq!(port, Ok(8080));
///
/// let body = span!("fetch", kind = client, async move { "ok".to_owned() }).await;
/// let len = span!("measure", |span| async move {
///     span.set_attribute("body.len", 2);
///     body.len()
/// })
/// .await;
/// assert_eq!(len, 2);
/// # }
/// ```
#[proc_macro]
pub fn span(input: TokenStream) -> TokenStream {
    expand::span(input.into()).into()
}
