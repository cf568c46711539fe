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

use crate::{Span, SpanKind};
use futures_core::future::BoxFuture;
use futures_core::stream::{BoxStream, Stream};
use opentelemetry::KeyValue;
use sqlx::{ConnectOptions as _, Database, Describe, Either, Execute, Executor, Pool};
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

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

/// `%2Ftmp` → `/tmp` (sqlx percent-encodes Unix socket paths into the host).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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

/// Characters of an SQL word (identifiers, keywords, qualified and quoted names).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '"' | '`' | '$')
}

/// The statement's words and punctuation, without comments or string literals.
fn tokens(sql: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        let Some(c) = rest.chars().next() else {
            return out;
        };
        if rest.starts_with("--") {
            rest = rest.find('\n').map_or("", |i| &rest[i + 1..]);
        } else if rest.starts_with("/*") {
            rest = rest.find("*/").map_or("", |i| &rest[i + 2..]);
        } else if c == '\'' {
            // A literal: skipped, never inspected (`''` escapes stay inside).
            let mut end = rest.len();
            let mut chars = rest.char_indices().skip(1).peekable();
            while let Some((i, ch)) = chars.next() {
                if ch == '\'' {
                    if chars.peek().is_some_and(|(_, next)| *next == '\'') {
                        chars.next();
                    } else {
                        end = i + 1;
                        break;
                    }
                }
            }
            rest = &rest[end..];
        } else if is_word_char(c) {
            // A word runs to the first non-word character outside quotes
            // (`"my table"`, `"public"."Users"`).
            let mut quote = None;
            let mut end = rest.len();
            for (i, ch) in rest.char_indices() {
                match quote {
                    Some(q) if ch == q => quote = None,
                    Some(_) => {}
                    None if ch == '"' || ch == '`' => quote = Some(ch),
                    None if !is_word_char(ch) => {
                        end = i;
                        break;
                    }
                    None => {}
                }
            }
            out.push(&rest[..end]);
            rest = &rest[end..];
        } else {
            out.push(&rest[..c.len_utf8()]);
            rest = &rest[c.len_utf8()..];
        }
    }
}

/// A table name token, unquoted; `None` for anything else (a subquery, a parameter).
fn table_name(token: Option<&&str>) -> Option<String> {
    let token = *token?;
    let first = token.chars().next()?;
    if !(first.is_alphabetic() || first == '_' || first == '"' || first == '`') {
        return None;
    }
    let name: String = token.chars().filter(|c| !matches!(c, '"' | '`')).collect();
    (!name.is_empty()).then_some(name)
}

/// `db.operation.name` and, when a single table is easy to find, `db.collection.name`.
fn operation_and_table(sql: &str) -> (Option<String>, Option<String>) {
    let tokens = tokens(sql);
    let Some(first) = tokens
        .iter()
        .position(|t| t.chars().next().is_some_and(char::is_alphabetic))
    else {
        return (None, None);
    };
    let tokens = &tokens[first..];
    let operation = tokens[0].to_ascii_uppercase();
    let upper: Vec<String> = tokens.iter().map(|t| t.to_ascii_uppercase()).collect();
    let keyword_at = |keyword: &str| upper.iter().position(|t| t == keyword);
    // Tokens after `TABLE [IF [NOT] EXISTS]`.
    let after_table = || {
        let mut i = keyword_at("TABLE")? + 1;
        if upper.get(i).is_some_and(|t| t == "IF") {
            i += 1;
            if upper.get(i).is_some_and(|t| t == "NOT") {
                i += 1;
            }
            i += 1; // EXISTS
        }
        table_name(tokens.get(i))
    };
    let table = match operation.as_str() {
        "SELECT" | "DELETE" => {
            // One table only: `FROM a, b` or a JOIN make the target ambiguous.
            let from = keyword_at("FROM");
            let joined = upper.iter().any(|t| t == "JOIN");
            match from {
                Some(i) if !joined && tokens.get(i + 2) != Some(&",") => {
                    table_name(tokens.get(i + 1))
                }
                _ => None,
            }
        }
        "INSERT" | "REPLACE" => keyword_at("INTO").and_then(|i| table_name(tokens.get(i + 1))),
        "UPDATE" => {
            let i = if upper.get(1).is_some_and(|t| t == "ONLY") {
                2
            } else {
                1
            };
            table_name(tokens.get(i))
        }
        "CREATE" | "DROP" | "ALTER" => {
            // Only for tables (not indexes, views, …): `CREATE [TEMP] TABLE`.
            let table_pos = keyword_at("TABLE");
            let index_pos = keyword_at("INDEX");
            match (table_pos, index_pos) {
                (Some(_), None) => after_table(),
                _ => None,
            }
        }
        "TRUNCATE" => {
            if upper.get(1).is_some_and(|t| t == "TABLE") {
                table_name(tokens.get(2))
            } else {
                table_name(tokens.get(1))
            }
        }
        _ => None,
    };
    (Some(operation), table)
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

/// A query's result stream; counts rows and ends the span with the stream.
struct TracedStream<'e, T> {
    inner: BoxStream<'e, Result<T, sqlx::Error>>,
    span: Option<Span>,
    rows: u64,
}

impl<Q, R> Stream for TracedStream<'_, Either<Q, R>> {
    type Item = Result<Either<Q, R>, sqlx::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let item = this.inner.as_mut().poll_next(cx);
        match &item {
            Poll::Ready(Some(Ok(Either::Right(_)))) => this.rows += 1,
            Poll::Ready(Some(Err(error))) => {
                if let Some(span) = this.span.take() {
                    finish_err(&span, error);
                }
            }
            Poll::Ready(None) => {
                if let Some(span) = this.span.take() {
                    finish_ok(&span, Some(this.rows));
                }
            }
            _ => {}
        }
        item
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> Drop for TracedStream<'_, T> {
    fn drop(&mut self) {
        // Dropped before the end (`fetch(..).next()`, a cancelled future):
        // the query is over for the caller; how many rows it had is unknown.
        if let Some(span) = self.span.take() {
            span.end();
        }
    }
}

impl<'c, E> Executor<'c> for Traced<E>
where
    E: Executor<'c>,
{
    type Database = E::Database;

    fn fetch_many<'e, 'q: 'e, Q>(
        self,
        query: Q,
    ) -> BoxStream<
        'e,
        Result<
            Either<<Self::Database as Database>::QueryResult, <Self::Database as Database>::Row>,
            sqlx::Error,
        >,
    >
    where
        'c: 'e,
        Q: 'q + Execute<'q, Self::Database>,
    {
        if crate::registry::generation() == 0 {
            return self.inner.fetch_many(query);
        }
        let span = start_span(&self.info, query.sql());
        let inner = self.inner.fetch_many(query);
        Box::pin(TracedStream {
            inner,
            span: Some(span),
            rows: 0,
        })
    }

    fn fetch_optional<'e, 'q: 'e, Q>(
        self,
        query: Q,
    ) -> BoxFuture<'e, Result<Option<<Self::Database as Database>::Row>, sqlx::Error>>
    where
        'c: 'e,
        Q: 'q + Execute<'q, Self::Database>,
    {
        if crate::registry::generation() == 0 {
            return self.inner.fetch_optional(query);
        }
        let span = start_span(&self.info, query.sql());
        let inner = self.inner.fetch_optional(query);
        Box::pin(async move {
            // Dropped before completion, `span` ends with the future.
            let result = inner.await;
            match &result {
                Ok(row) => finish_ok(&span, Some(u64::from(row.is_some()))),
                Err(error) => finish_err(&span, error),
            }
            result
        })
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [<Self::Database as Database>::TypeInfo],
    ) -> BoxFuture<'e, Result<<Self::Database as Database>::Statement<'q>, sqlx::Error>>
    where
        'c: 'e,
    {
        self.inner.prepare_with(sql, parameters)
    }

    #[doc(hidden)]
    fn describe<'e, 'q: 'e>(
        self,
        sql: &'q str,
    ) -> BoxFuture<'e, Result<Describe<Self::Database>, sqlx::Error>>
    where
        'c: 'e,
    {
        self.inner.describe(sql)
    }
}

impl<'p, DB: Database> Executor<'p> for &'_ TracedPool<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    type Database = DB;

    fn fetch_many<'e, 'q: 'e, Q>(
        self,
        query: Q,
    ) -> BoxStream<'e, Result<Either<DB::QueryResult, DB::Row>, sqlx::Error>>
    where
        'p: 'e,
        Q: 'q + Execute<'q, DB>,
    {
        Executor::<'p>::fetch_many(self.traced(&self.pool), query)
    }

    fn fetch_optional<'e, 'q: 'e, Q>(
        self,
        query: Q,
    ) -> BoxFuture<'e, Result<Option<DB::Row>, sqlx::Error>>
    where
        'p: 'e,
        Q: 'q + Execute<'q, DB>,
    {
        Executor::<'p>::fetch_optional(self.traced(&self.pool), query)
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [DB::TypeInfo],
    ) -> BoxFuture<'e, Result<DB::Statement<'q>, sqlx::Error>>
    where
        'p: 'e,
    {
        Executor::<'p>::prepare_with(&self.pool, sql, parameters)
    }

    #[doc(hidden)]
    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<DB>, sqlx::Error>>
    where
        'p: 'e,
    {
        Executor::<'p>::describe(&self.pool, sql)
    }
}

#[cfg(test)]
mod tests {
    use super::{operation_and_table, percent_decode, tokens};

    fn parsed(sql: &str) -> (Option<&'static str>, Option<String>) {
        let (op, table) = operation_and_table(sql);
        (op.map(|o| &*o.leak()), table)
    }

    #[test]
    fn operations_and_tables() {
        let t = |s: &str| Some(s.to_owned());
        assert_eq!(
            parsed("SELECT id, name FROM users WHERE id = $1"),
            (Some("SELECT"), t("users"))
        );
        assert_eq!(
            parsed("  select * from public.\"Users\" u"),
            (Some("SELECT"), t("public.Users"))
        );
        assert_eq!(
            parsed("SELECT * FROM a JOIN b ON a.id = b.id"),
            (Some("SELECT"), None)
        );
        assert_eq!(parsed("SELECT * FROM a, b"), (Some("SELECT"), None));
        assert_eq!(parsed("SELECT 1"), (Some("SELECT"), None));
        assert_eq!(
            parsed("SELECT * FROM (SELECT 1) AS x"),
            (Some("SELECT"), None)
        );
        assert_eq!(
            parsed("INSERT INTO orders (id, total) VALUES ($1, $2)"),
            (Some("INSERT"), t("orders"))
        );
        assert_eq!(
            parsed("update ONLY accounts SET x = ?"),
            (Some("UPDATE"), t("accounts"))
        );
        assert_eq!(
            parsed("DELETE FROM sessions WHERE expired"),
            (Some("DELETE"), t("sessions"))
        );
        assert_eq!(
            parsed("CREATE TABLE IF NOT EXISTS users (id INT)"),
            (Some("CREATE"), t("users"))
        );
        assert_eq!(
            parsed("DROP TABLE IF EXISTS users"),
            (Some("DROP"), t("users"))
        );
        assert_eq!(
            parsed("CREATE INDEX i ON users (id)"),
            (Some("CREATE"), None)
        );
        assert_eq!(parsed("TRUNCATE users"), (Some("TRUNCATE"), t("users")));
        assert_eq!(
            parsed("SELECT * FROM \"my table\" WHERE x = 1"),
            (Some("SELECT"), t("my table"))
        );
        assert_eq!(parsed("BEGIN"), (Some("BEGIN"), None));
        assert_eq!(
            parsed("-- list\n/* all */ SELECT x FROM t"),
            (Some("SELECT"), t("t"))
        );
        assert_eq!(parsed(""), (None, None));
    }

    #[test]
    fn literals_are_skipped() {
        assert_eq!(
            tokens("SELECT 'it''s FROM x' FROM t"),
            ["SELECT", "FROM", "t"]
        );
        assert_eq!(tokens("SELECT 'open"), ["SELECT"]);
    }

    #[test]
    fn socket_hosts_are_decoded() {
        assert_eq!(percent_decode("%2Ftmp"), "/tmp");
        assert_eq!(percent_decode("db.example"), "db.example");
        assert_eq!(percent_decode("bad%2"), "bad%2");
    }
}
