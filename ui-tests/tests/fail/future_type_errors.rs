//! Type errors in the future a traced fn returns point at the user's
//! expression and at the declared output type.

use aios_tracing::trace;
use std::future::Future;
use std::pin::Pin;

#[trace]
fn returns_future() -> impl Future<Output = String> {
    async { "" }
}

struct Service;

impl Service {
    #[trace]
    fn boxed(&self) -> Pin<Box<dyn Future<Output = String> + Send + '_>> {
        Box::pin(async move { "" })
    }

    #[trace]
    fn boxed_after_statements(&self, id: u64) -> Pin<Box<dyn Future<Output = u64> + Send>> {
        let doubled = id * 2;
        Box::pin(async move {
            if doubled == 0 {
                return "zero";
            }
            doubled
        })
    }
}

fn main() {}
