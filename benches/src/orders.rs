//! The service of `service_bench`: `GET /orders/{id}`, whose handler calls
//! three nested fns (the innermost returns a `Result`), in three builds of
//! the same code: untraced, with aios-tracing's `#[trace]` and with
//! `tracing`'s `#[instrument]`. With a server span, a request makes 4 spans.

use axum::http::StatusCode;

/// The stock check failed (never, for the ids the load generator asks for).
#[derive(Debug)]
pub struct OutOfStock;

impl std::fmt::Display for OutOfStock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("out of stock")
    }
}

impl std::error::Error for OutOfStock {}

/// The handler and its three fns, with `$outer` on the two that cannot
/// fail and `$fallible` on the one returning a `Result`; `$id` names their
/// argument (the caller's name, so that the attributes can record it).
macro_rules! order_service {
    ($id:ident; $(#[$outer:meta])* ; $(#[$fallible:meta])*) => {
        use super::OutOfStock;
        use axum::extract::Path;
        use axum::http::StatusCode;

        /// `GET /orders/{id}`.
        pub async fn get_order(Path($id): Path<u64>) -> Result<String, StatusCode> {
            super::answer(load_order($id))
        }

        $(#[$outer])*
        pub fn load_order($id: u64) -> Option<String> {
            let total = price($id)?;
            Some(format!("{{\"id\":{},\"total_cents\":{total}}}", $id))
        }

        $(#[$outer])*
        pub fn price($id: u64) -> Option<u64> {
            let in_stock = check_stock($id).ok()?;
            Some($id.wrapping_mul(1_499) + in_stock)
        }

        $(#[$fallible])*
        pub fn check_stock($id: u64) -> Result<u64, OutOfStock> {
            if $id == 0 {
                Err(OutOfStock)
            } else {
                Ok($id % 7)
            }
        }
    };
}

/// The untraced build.
pub mod plain {
    order_service!(id;;);
}

/// aios-tracing: `#[trace]` recording the id (errors are recorded by default).
pub mod aios {
    order_service!(id; #[aios_tracing::trace(record(id))] ; #[aios_tracing::trace(record(id))]);
}

/// `tracing` + `tracing-opentelemetry`: `#[instrument]` (which records the
/// id by default), `err` on the fallible fn.
pub mod tracing_otel {
    order_service!(id; #[tracing::instrument] ; #[tracing::instrument(err)]);
}

fn answer(order: Option<String>) -> Result<String, StatusCode> {
    order.ok_or(StatusCode::NOT_FOUND)
}
