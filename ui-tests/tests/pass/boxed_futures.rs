//! `#[trace]` on sync fns that return a boxed future, in the shapes the
//! peers' macro tests cover: statements before `Box::pin(async move { … })`
//! (tracing's issue 1296), an early `return` of another box, `'_` and
//! `Send + Sync` bounds, a type alias, a box made some other way, and
//! such a fn called from an `#[async_trait]` method.
#![deny(warnings)]

use aios_tracing::trace;
use async_trait::async_trait;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[derive(Clone, Debug)]
struct Thing {
    metrics: Arc<u64>,
}

impl Thing {
    #[trace(record(label))]
    fn call(&mut self, label: &str) -> Pin<Box<dyn Future<Output = Arc<u64>> + Send + Sync>> {
        let metrics = self.metrics.clone();
        let _ = label.len();
        Box::pin(async move { metrics })
    }

    #[trace(attrs = { "self" = ?self })]
    fn sync_fun(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        let val = self.clone();
        Box::pin(async move {
            let _ = val;
        })
    }

    #[trace]
    fn cached(&self, hit: bool) -> Pin<Box<dyn Future<Output = u64> + Send + '_>> {
        if hit {
            return Box::pin(async { 1 });
        }
        let metrics = Arc::clone(&self.metrics);
        std::boxed::Box::pin(async move { *metrics })
    }

    #[trace]
    fn fallible(&self, fail: bool) -> BoxFuture<'_, Result<u64, String>> {
        let value = *self.metrics;
        Box::pin(async move {
            if fail {
                return Err(format!("failed at {value}"));
            }
            Ok(value)
        })
    }

    /// A box that is not `Box::pin(async …)`: the future is instrumented
    /// from outside.
    #[trace]
    fn delegated(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.sync_fun()
    }

    #[trace]
    #[deny(unused_braces)]
    fn unit_box() -> Pin<Box<dyn Future<Output = ()>>> {
        Box::pin(async move {})
    }

    #[trace]
    fn one_line(&self) -> Pin<Box<dyn Future<Output = u64> + '_>> { let m = &self.metrics; Box::pin(async move { **m }) }
}

#[async_trait]
trait Test {
    async fn call_with_self(&self);
    async fn call_with_mut_self(&mut self) -> u64;
}

#[async_trait]
impl Test for Thing {
    #[trace(attrs = { "Self" = std::any::type_name::<Self>() })]
    async fn call_with_self(&self) {
        self.sync_fun().await;
    }

    #[trace]
    async fn call_with_mut_self(&mut self) -> u64 {
        self.call("mut").await;
        self.cached(false).await
    }
}

fn assert_send_sync<T: Send + Sync>(_: &T) {}

#[tokio::main]
async fn main() {
    let mut thing = Thing {
        metrics: Arc::new(7),
    };
    let future = thing.call("x");
    assert_send_sync(&future);
    assert_eq!(*future.await, 7);
    thing.sync_fun().await;
    assert_eq!(thing.cached(true).await, 1);
    assert_eq!(thing.cached(false).await, 7);
    assert_eq!(thing.fallible(false).await, Ok(7));
    assert!(thing.fallible(true).await.is_err());
    thing.delegated().await;
    Thing::unit_box().await;
    assert_eq!(thing.one_line().await, 7);
    thing.call_with_self().await;
    assert_eq!(thing.call_with_mut_self().await, 7);
    assert_eq!(tokio::spawn(thing.sync_fun_owned()).await.unwrap(), 7);
}

impl Thing {
    /// A `'static` boxed future, spawned.
    #[trace]
    fn sync_fun_owned(&self) -> BoxFuture<'static, u64> {
        let metrics = Arc::clone(&self.metrics);
        Box::pin(async move {
            tokio::task::yield_now().await;
            *metrics
        })
    }
}
