//! `#[trace]` on async code: `async fn`, async methods, fns returning
//! `impl Future`, and `async fn` in trait impls. The futures stay `Send`.

use aios_tracing::trace;
use std::future::Future;

#[trace]
async fn fetch(id: u64) -> Result<u64, std::io::Error> {
    if id == 0 {
        return Err(std::io::Error::other("zero"));
    }
    tokio::task::yield_now().await;
    Ok(id)
}

#[trace]
async fn unit_async() {
    tokio::task::yield_now().await;
}

#[trace]
async fn borrows(text: &str) -> &str {
    text.trim()
}

#[trace]
async fn question_mark(input: String) -> anyhow::Result<u8> {
    let value: u8 = input.parse()?;
    fetch(u64::from(value)).await?;
    Ok(value)
}

#[trace]
async fn generic<T: Send + Clone>(value: T, (a, b): (u8, u8)) -> (T, u8) {
    (value.clone(), a + b)
}

#[trace]
async fn impl_trait_arg(value: impl std::fmt::Display + Send) -> String {
    value.to_string()
}

#[trace]
fn returns_future(id: u64) -> impl Future<Output = Result<u64, std::io::Error>> + Send {
    let doubled = id * 2;
    async move { fetch(doubled).await }
}

#[trace]
fn returns_unit_future<'a>(text: &'a str) -> impl Future<Output = ()> + 'a {
    async move {
        let _ = text.len();
    }
}

struct Client {
    base: String,
}

impl Client {
    #[trace(kind = client)]
    async fn get(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    #[trace]
    async fn consume(self) -> String {
        self.base
    }

    #[trace]
    async fn mutate(&mut self, suffix: &str) -> &str {
        self.base.push_str(suffix);
        &self.base
    }
}

trait Store {
    fn load(&self, key: u32) -> impl Future<Output = Option<String>> + Send;
}

impl Store for Client {
    #[trace]
    async fn load(&self, key: u32) -> Option<String> {
        Some(format!("{}{key}", self.base))
    }
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[tokio::main]
async fn main() {
    assert_eq!(assert_send(fetch(1)).await.unwrap(), 1);
    assert_send(unit_async()).await;
    assert_eq!(borrows(" a ").await, "a");
    assert_eq!(question_mark("3".to_owned()).await.unwrap(), 3);
    assert_eq!(generic("x", (1, 2)).await, ("x", 3));
    assert_eq!(impl_trait_arg(5).await, "5");
    assert_eq!(assert_send(returns_future(1)).await.unwrap(), 2);
    returns_unit_future("x").await;
    let mut client = Client {
        base: "http://x/".to_owned(),
    };
    assert_eq!(assert_send(client.get("a")).await, "http://x/a");
    assert_eq!(client.mutate("b").await, "http://x/b");
    assert_eq!(
        assert_send(client.load(1)).await.as_deref(),
        Some("http://x/b1")
    );
    assert_eq!(tokio::spawn(client.consume()).await.unwrap(), "http://x/b");
}
