//! An axum handler reading an order from SQLite (and caching it in Redis when
//! `REDIS_URL` is set), traced end to end on the console exporter:
//!
//! ```text
//! GET /orders/{id}         SERVER  (integrations::tower::TraceLayer)
//! └─ load_order            INTERNAL (the handler's own span)
//!    ├─ GET                CLIENT  redis: `GET ?`          (with REDIS_URL)
//!    ├─ SELECT orders      CLIENT  sqlite: `SELECT … WHERE id = ?`
//!    └─ SETEX              CLIENT  redis: `SETEX ? ? ?`    (with REDIS_URL)
//! ```
//!
//! ```text
//! cargo run -p aios-tracing-examples --features db --example orders_db
//! REDIS_URL=redis://127.0.0.1:6379/ cargo run -p aios-tracing-examples --features db --example orders_db
//! ```

use aios_tracing::integrations::redis::TracedConnection;
use aios_tracing::integrations::sqlx::TracedPool;
use aios_tracing::integrations::tower::{Service, TraceLayer};
use aios_tracing::opentelemetry::trace::FutureExt as _;
use aios_tracing::{Span, TracingSdk};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use redis::aio::MultiplexedConnection;
use redis::AsyncCommands as _;

#[derive(Clone)]
struct AppState {
    db: TracedPool<sqlx::Sqlite>,
    cache: Option<TracedConnection<MultiplexedConnection>>,
}

async fn get_order(State(state): State<AppState>, Path(id): Path<i64>) -> String {
    // The handler's own span, current while its future runs (a guard must
    // not be held across `.await`).
    let span = Span::builder("load_order")
        .attribute("order.id", id)
        .start();
    let body = load_order(state, id)
        .with_context(span.context().clone())
        .await;
    span.end();
    body
}

async fn load_order(state: AppState, id: i64) -> String {
    let key = format!("order:{id}");
    if let Some(mut cache) = state.cache.clone() {
        if let Ok(Some(hit)) = cache.get::<_, Option<String>>(&key).await {
            return hit;
        }
    }
    let row: Option<(String, i64)> = sqlx::query_as("SELECT item, cents FROM orders WHERE id = ?")
        .bind(id)
        .fetch_optional(&state.db)
        .await
        .unwrap_or_default();
    let body = match row {
        Some((item, cents)) => format!("order {id}: {item}, {cents} cents"),
        None => format!("order {id}: not found"),
    };
    if let Some(mut cache) = state.cache {
        let _: redis::RedisResult<()> = cache.set_ex(&key, &body, 60).await;
    }
    body
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sdk = TracingSdk::builder("orders-db")
        .enable_console_exporter(true)
        .enable_otlp_exporter(false) // console only; remove to export to a collector too
        .init()?;

    // One connection: each in-memory SQLite connection is its own database.
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await?;
    // Seeding on the plain pool is not traced; queries on `db` are.
    sqlx::query("CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT, cents INTEGER)")
        .execute(&pool)
        .await?;
    sqlx::query("INSERT INTO orders (id, item, cents) VALUES (?, ?, ?)")
        .bind(42)
        .bind("teapot")
        .bind(1499)
        .execute(&pool)
        .await?;
    let db = TracedPool::new(pool);

    let cache = match std::env::var("REDIS_URL") {
        Ok(url) => {
            let client = redis::Client::open(url)?;
            Some(TracedConnection::connect_async(&client).await?)
        }
        Err(_) => None,
    };

    let mut app = Router::new()
        .route("/orders/{id}", get(get_order))
        .with_state(AppState { db, cache })
        .layer(TraceLayer::new());

    // One request, served in-process (no socket needed).
    type Request = axum::http::Request<axum::body::Body>;
    let request = axum::http::Request::builder()
        .uri("/orders/42")
        .body(axum::body::Body::empty())?;
    std::future::poll_fn(|cx| Service::<Request>::poll_ready(&mut app, cx)).await?;
    let response = Service::<Request>::call(&mut app, request).await?;
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024).await?;
    println!("response: {}", String::from_utf8_lossy(&body));

    sdk.shutdown().ok();
    Ok(())
}
