//! CLIENT spans for SQL queries run with [`sqlx`], one per query, following
//! the OpenTelemetry database semantic conventions.
//!
//! Wrap your pool in a [`TracedPool`] and use `&pool` wherever sqlx wants an
//! executor. Every query then becomes a CLIENT span, a child of the span
//! current where the query is awaited (a `#[trace]` fn, a
//! [`SpanGuard`](crate::SpanGuard), an `in_span` future), that starts when
//! the query is issued and ends when its last row has arrived or it failed:
//!
//! | attribute | value |
//! |---|---|
//! | `db.system.name` | `postgresql`, `sqlite`, `mysql` |
//! | `db.operation.name` | the statement's first keyword: `SELECT`, `INSERT`, … |
//! | `db.collection.name` | the table, when it is easy to find (`FROM users`, `INTO orders`, …) |
//! | `db.query.text` | the statement as sent to sqlx: bound parameters (`$1`, `?`) are never inlined |
//! | `db.namespace` | the database name (PostgreSQL, MySQL) |
//! | `server.address`, `server.port` | from the pool's connect options (PostgreSQL, MySQL) |
//! | `db.response.returned_rows` | rows the query returned, once it completed |
//! | `db.response.status_code`, `error.type` | the SQLSTATE of a database error |
//!
//! The span is named `{db.operation.name} {db.collection.name}` (`SELECT users`),
//! or just the operation when no single table shows. A failed query sets
//! status ERROR and records an `exception` event with the driver's message
//! (note that some database messages quote the offending input, e.g.
//! PostgreSQL's `invalid input syntax for type integer: "…"`).
//!
//! ```no_run
//! use aios_tracing::integrations::sqlx::TracedPool;
//! use aios_tracing::Span;
//!
//! # async fn demo() -> Result<(), sqlx::Error> {
//! let pool: TracedPool<sqlx::Postgres> = TracedPool::connect("postgres://app@db:5432/orders").await?;
//! let handler = Span::builder("list_orders").start();
//! let rows = sqlx::query("SELECT id FROM orders WHERE customer = $1")
//!     .bind("c-42")
//!     .fetch_all(&pool)                  // span "SELECT orders", child of the current span
//!     .await?;
//! # let _ = (rows, handler);
//! # Ok(())
//! # }
//! ```
//!
//! Transactions and single connections: [`TracedPool::traced`] wraps any
//! other executor (`&mut *tx`, `&mut *conn`) with the pool's attributes.
//!
//! ## Why a wrapper, not sqlx's `tracing` events
//!
//! sqlx logs each query as a `sqlx::query` event when it finishes, but the
//! event carries neither the database system, the server, nor the error of a
//! failed query, and SQLite runs (and logs) its queries on a worker thread
//! where the caller's OpenTelemetry context is not current. An executor
//! wrapper sees the statement, the caller's context, every row and the
//! error, so spans get the right parent, times and status for every driver.
//! Queries run on an executor that is not wrapped are not traced.
//!
//! When no [`TracingSdk`](crate::TracingSdk) is active the wrapper passes
//! queries straight through.

mod executor;
mod statement;

use crate::{Span, SpanKind};
use opentelemetry::KeyValue;
use sqlx::{ConnectOptions as _, Database, Executor, Pool};
use statement::operation_and_table;
use std::fmt;
use std::sync::Arc;

static TRACER: super::ScopedTracer = super::ScopedTracer::new("aios_tracing::integrations::sqlx");

/// What every span of one database carries: system, server, namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DbInfo {
    system: &'static str,
    server_address: Option<String>,
    server_port: Option<u16>,
    namespace: Option<String>,
}

/// `db.system.name` for a sqlx driver's `Database::NAME`.
fn system_name(driver: &'static str) -> &'static str {
    match driver {
        "PostgreSQL" => "postgresql",
        "SQLite" => "sqlite",
        "MySQL" => "mysql",
        "MSSQL" => "microsoft.sql_server",
        _ => "other_sql",
    }
}

/// `%2Ftmp` → `/tmp` (sqlx percent-encodes Unix socket paths into the
/// host); text with a broken escape is kept as it is.
fn percent_decode(s: &str) -> String {
    crate::config::env::percent_decode(s).unwrap_or_else(|| s.to_owned())
}

impl DbInfo {
    fn of_pool<DB: Database>(pool: &Pool<DB>) -> DbInfo {
        let mut info = DbInfo {
            system: system_name(DB::NAME),
            server_address: None,
            server_port: None,
            namespace: None,
        };
        // Only the drivers known to implement `to_url_lossy` (the default panics).
        // The URL may hold a password: only host, port and path are read.
        if matches!(DB::NAME, "PostgreSQL" | "MySQL") {
            let url = pool.connect_options().to_url_lossy();
            info.server_address = url.host_str().filter(|h| !h.is_empty()).map(percent_decode);
            info.server_port = url.port();
            let path = url.path().trim_start_matches('/');
            if !path.is_empty() {
                info.namespace = Some(percent_decode(path));
            }
        }
        info
    }
}

/// A sqlx [`Pool`] whose queries are traced; see the [module docs](self).
///
/// `&TracedPool` is a sqlx [`Executor`], so it goes wherever `&Pool` does.
/// Cloning is cheap (the pool is reference-counted).
pub struct TracedPool<DB: Database> {
    pool: Pool<DB>,
    info: Arc<DbInfo>,
}

impl<DB: Database> Clone for TracedPool<DB> {
    fn clone(&self) -> Self {
        TracedPool {
            pool: self.pool.clone(),
            info: self.info.clone(),
        }
    }
}

impl<DB: Database> fmt::Debug for TracedPool<DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracedPool")
            .field("pool", &self.pool)
            .field("info", &self.info)
            .finish()
    }
}

impl<DB: Database> From<Pool<DB>> for TracedPool<DB> {
    fn from(pool: Pool<DB>) -> Self {
        TracedPool::new(pool)
    }
}

impl<DB: Database> TracedPool<DB> {
    /// Traces the queries run on `pool`. `server.address`, `server.port` and
    /// `db.namespace` come from the pool's connect options (PostgreSQL and
    /// MySQL); set or override them with [`server`](Self::server) and
    /// [`namespace`](Self::namespace).
    ///
    /// ```
    /// use aios_tracing::integrations::sqlx::TracedPool;
    /// # async fn demo() -> Result<(), sqlx::Error> {
    /// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
    /// let pool = TracedPool::new(pool);
    /// sqlx::query("CREATE TABLE users (id INTEGER PRIMARY KEY)").execute(&pool).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(pool: Pool<DB>) -> Self {
        let info = DbInfo::of_pool(&pool);
        TracedPool {
            pool,
            info: Arc::new(info),
        }
    }

    /// Connects a pool to `url` (see [`Pool::connect`]) and traces it.
    ///
    /// ```no_run
    /// use aios_tracing::integrations::sqlx::TracedPool;
    /// # async fn demo() -> Result<(), sqlx::Error> {
    /// let pool = TracedPool::<sqlx::Postgres>::connect("postgres://app@127.0.0.1:5432/orders").await?;
    /// # let _ = pool;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        Ok(TracedPool::new(Pool::<DB>::connect(url).await?))
    }

    /// Sets `server.address` and `server.port` (e.g. the service name behind a proxy).
    ///
    /// ```no_run
    /// use aios_tracing::integrations::sqlx::TracedPool;
    /// # async fn demo(pool: sqlx::PgPool) {
    /// let pool = TracedPool::new(pool).server("orders-db.internal", Some(5432)).namespace("orders");
    /// # let _ = pool;
    /// # }
    /// ```
    pub fn server(mut self, address: impl Into<String>, port: Option<u16>) -> Self {
        let info = Arc::make_mut(&mut self.info);
        info.server_address = Some(address.into());
        info.server_port = port;
        self
    }

    /// Sets `db.namespace` (the database name); see [`server`](Self::server).
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.info).namespace = Some(namespace.into());
        self
    }

    /// The wrapped pool, for what is not an executor (`begin`, `acquire`,
    /// `close`); queries run on it directly are not traced.
    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    /// The wrapped pool.
    pub fn into_inner(self) -> Pool<DB> {
        self.pool
    }

    /// Traces another executor with this pool's attributes: a transaction
    /// (`&mut *tx`) or a single connection (`&mut *conn`).
    ///
    /// ```
    /// use aios_tracing::integrations::sqlx::TracedPool;
    /// # async fn demo(pool: TracedPool<sqlx::Sqlite>) -> Result<(), sqlx::Error> {
    /// let mut tx = pool.pool().begin().await?;
    /// sqlx::query("INSERT INTO users (id) VALUES (?)").bind(7).execute(pool.traced(&mut *tx)).await?;
    /// tx.commit().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn traced<'c, E>(&self, executor: E) -> Traced<E>
    where
        E: Executor<'c, Database = DB>,
    {
        Traced {
            inner: executor,
            info: self.info.clone(),
        }
    }
}

/// Any sqlx [`Executor`] with its queries traced; made by [`TracedPool::traced`].
pub struct Traced<E> {
    inner: E,
    info: Arc<DbInfo>,
}

impl<E: fmt::Debug> fmt::Debug for Traced<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Traced")
            .field("inner", &self.inner)
            .field("info", &self.info)
            .finish()
    }
}

fn start_span(info: &DbInfo, sql: &str) -> Span {
    let (operation, table) = operation_and_table(sql);
    let name = match (&operation, &table) {
        (Some(op), Some(table)) => format!("{op} {table}"),
        (Some(op), None) => op.clone(),
        _ => info.system.to_owned(),
    };
    let mut attributes = Vec::with_capacity(8);
    attributes.push(KeyValue::new("db.system.name", info.system));
    if let Some(op) = operation {
        attributes.push(KeyValue::new("db.operation.name", op));
    }
    if let Some(table) = table {
        attributes.push(KeyValue::new("db.collection.name", table));
    }
    attributes.push(KeyValue::new("db.query.text", sql.trim().to_owned()));
    if let Some(namespace) = &info.namespace {
        attributes.push(KeyValue::new("db.namespace", namespace.clone()));
    }
    if let Some(address) = &info.server_address {
        attributes.push(KeyValue::new("server.address", address.clone()));
    }
    if let Some(port) = info.server_port {
        attributes.push(KeyValue::new("server.port", i64::from(port)));
    }
    TRACER
        .span(name)
        .kind(SpanKind::Client)
        .attributes(attributes)
        .start()
}

/// The `sqlx::Error` variant, as `exception.type`.
fn error_type(error: &sqlx::Error) -> &'static str {
    match error {
        sqlx::Error::Configuration(_) => "sqlx::Error::Configuration",
        sqlx::Error::Database(_) => "sqlx::Error::Database",
        sqlx::Error::Io(_) => "sqlx::Error::Io",
        sqlx::Error::Tls(_) => "sqlx::Error::Tls",
        sqlx::Error::Protocol(_) => "sqlx::Error::Protocol",
        sqlx::Error::RowNotFound => "sqlx::Error::RowNotFound",
        sqlx::Error::TypeNotFound { .. } => "sqlx::Error::TypeNotFound",
        sqlx::Error::ColumnIndexOutOfBounds { .. } => "sqlx::Error::ColumnIndexOutOfBounds",
        sqlx::Error::ColumnNotFound(_) => "sqlx::Error::ColumnNotFound",
        sqlx::Error::ColumnDecode { .. } => "sqlx::Error::ColumnDecode",
        sqlx::Error::Encode(_) => "sqlx::Error::Encode",
        sqlx::Error::Decode(_) => "sqlx::Error::Decode",
        sqlx::Error::PoolTimedOut => "sqlx::Error::PoolTimedOut",
        sqlx::Error::PoolClosed => "sqlx::Error::PoolClosed",
        sqlx::Error::WorkerCrashed => "sqlx::Error::WorkerCrashed",
        _ => "sqlx::Error",
    }
}

fn finish_ok(span: &Span, returned_rows: Option<u64>) {
    if let Some(rows) = returned_rows {
        span.set_attribute(
            "db.response.returned_rows",
            i64::try_from(rows).unwrap_or(i64::MAX),
        );
    }
    span.end();
}

fn finish_err(span: &Span, error: &sqlx::Error) {
    if span.is_recording() {
        let code = match error {
            sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
            _ => None,
        };
        let kind = error_type(error);
        if let Some(code) = &code {
            span.set_attribute("db.response.status_code", code.clone());
        }
        span.set_attribute("error.type", code.unwrap_or_else(|| kind.to_owned()));
        let message = match error {
            sqlx::Error::Database(db) => db.message().to_owned(),
            other => other.to_string(),
        };
        span.record_exception_parts(kind, &message, None, std::iter::empty::<KeyValue>());
    }
    span.end();
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn socket_hosts_are_decoded() {
        assert_eq!(percent_decode("%2Ftmp"), "/tmp");
        assert_eq!(percent_decode("db.example"), "db.example");
        assert_eq!(percent_decode("bad%2"), "bad%2");
    }
}
