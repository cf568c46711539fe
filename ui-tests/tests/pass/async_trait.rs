//! `#[trace]` inside `#[async_trait]` impls: `#[async_trait]` rewrites the
//! method into `fn … -> Pin<Box<dyn Future>>` with a `Box::pin(async move
//! { … })` body before `#[trace]` runs, and `#[trace]` instruments that
//! async block. The relative order of `#[trace]` and other method
//! attributes does not matter.

use aios_tracing::trace;
use async_trait::async_trait;

#[derive(Debug)]
struct NotFound;

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not found")
    }
}

#[async_trait]
trait Repository {
    async fn find(&self, id: u64) -> Result<String, NotFound>;
    async fn count(&mut self) -> usize;
    async fn sum(&self, pair: (u8, u8)) -> u8;
    async fn consume(self) -> String
    where
        Self: Sized;

    #[trace]
    async fn provided(&self) -> Result<String, NotFound> {
        self.find(1).await
    }
}

struct Memory {
    rows: Vec<String>,
}

#[async_trait]
impl Repository for Memory {
    #[trace(kind = client, attrs = { "db.system" = "memory" }, record(id))]
    async fn find(&self, id: u64) -> Result<String, NotFound> {
        let index = usize::try_from(id).map_err(|_| NotFound)?;
        self.rows.get(index).cloned().ok_or(NotFound)
    }

    #[allow(clippy::unused_async)]
    #[trace]
    async fn count(&mut self) -> usize {
        self.rows.push(String::new());
        self.rows.len()
    }

    #[trace]
    #[allow(clippy::unused_async)]
    async fn sum(&self, (a, b): (u8, u8)) -> u8 {
        a + b
    }

    #[trace]
    async fn consume(self) -> String {
        self.rows.concat()
    }
}

#[tokio::main]
async fn main() {
    let mut repository = Memory {
        rows: vec!["a".to_owned(), "b".to_owned()],
    };
    assert_eq!(repository.find(1).await.unwrap(), "b");
    assert!(repository.find(9).await.is_err());
    assert_eq!(repository.count().await, 3);
    assert_eq!(repository.sum((1, 2)).await, 3);
    assert_eq!(repository.provided().await.unwrap(), "b");
    let boxed: Box<dyn Repository + Send + Sync> = Box::new(Memory { rows: vec![] });
    assert!(boxed.find(0).await.is_err());
    assert_eq!(tokio::spawn(repository.consume()).await.unwrap(), "ab");
}
