//! CLIENT spans for Redis commands made with [`redis`] (redis-rs), one per
//! command or pipeline, following the OpenTelemetry database semantic
//! conventions.
//!
//! [`TracedConnection`] wraps any connection, sync ([`redis::ConnectionLike`])
//! or async ([`redis::aio::ConnectionLike`]), and is one itself, so
//! `redis::cmd(..).query(..)`, [`Commands`](redis::Commands) /
//! [`AsyncCommands`](redis::AsyncCommands) and pipelines work unchanged.
//! Each span is a child of the span current where the command is issued:
//!
//! | attribute | value |
//! |---|---|
//! | `db.system.name` | `redis` |
//! | `db.operation.name` | the command (`GET`, `SET`, `CLIENT LIST`); `PIPELINE` or `MULTI` for a pipeline |
//! | `db.query.text` | the command with every argument replaced by `?`: `SET ? ?` (keys and values are never recorded) |
//! | `db.operation.batch.size` | the number of commands in a pipeline |
//! | `db.namespace` | the database index (`0`) |
//! | `server.address`, `server.port` | from the client's connection info |
//! | `db.response.status_code`, `error.type` | the error code of a failed command (`WRONGTYPE`) |
//!
//! The span is named after the operation. An error reply (or a transport
//! error) sets status ERROR and records an `exception` event.
//!
//! ```no_run
//! use aios_tracing::integrations::redis::TracedConnection;
//! use redis::AsyncCommands;
//!
//! # async fn demo() -> redis::RedisResult<()> {
//! let client = redis::Client::open("redis://127.0.0.1:6379/")?;
//! let mut con = TracedConnection::connect_async(&client).await?;
//! let () = con.set("session:42", "payload").await?;        // span "SET", `SET ? ?`
//! let cached: Option<String> = con.get("session:42").await?; // span "GET", `GET ?`
//! # let _ = cached;
//! # Ok(())
//! # }
//! ```
//!
//! When no [`TracingSdk`](crate::TracingSdk) is active the wrapper passes
//! commands straight through.

use crate::{Span, SpanKind};
use opentelemetry::KeyValue;
mod command;

use command::{shape_of_cmd, shapes_of_packed, Shape};
use redis::{Cmd, ConnectionAddr, ConnectionInfo, Pipeline, RedisError, RedisResult, Value};
use std::borrow::Cow;
use std::sync::Arc;

static TRACER: super::ScopedTracer = super::ScopedTracer::new("aios_tracing::integrations::redis");

/// Where the server is, as `server.*` attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Server {
    address: Option<String>,
    port: Option<u16>,
}

impl Server {
    fn of(info: &ConnectionInfo) -> Server {
        match info.addr() {
            ConnectionAddr::Tcp(host, port) | ConnectionAddr::TcpTls { host, port, .. } => Server {
                address: Some(host.clone()),
                port: Some(*port),
            },
            ConnectionAddr::Unix(path) => Server {
                address: Some(path.display().to_string()),
                port: None,
            },
            _ => Server::default(),
        }
    }
}

/// A Redis connection whose commands are traced; see the [module docs](self).
///
/// ```no_run
/// use aios_tracing::integrations::redis::TracedConnection;
/// use redis::Commands;
///
/// # fn demo() -> redis::RedisResult<()> {
/// let client = redis::Client::open("redis://127.0.0.1:6379/")?;
/// let mut con = TracedConnection::connect(&client)?;
/// let visits: i64 = con.incr("visits", 1)?;                 // span "INCR", `INCR ? ?`
/// let (a, b): (i64, i64) = redis::pipe().atomic().incr("a", 1).incr("b", 1).query(&mut con)?;
/// # let _ = (visits, a, b);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TracedConnection<C> {
    inner: C,
    server: Arc<Server>,
}

impl<C> TracedConnection<C> {
    /// Traces `inner`, without `server.*` attributes (see [`Self::server`],
    /// [`Self::with_info`]).
    ///
    /// ```no_run
    /// use aios_tracing::integrations::redis::TracedConnection;
    /// # fn demo() -> redis::RedisResult<()> {
    /// let client = redis::Client::open("redis://127.0.0.1:6379/")?;
    /// let con = TracedConnection::new(client.get_connection()?).server("cache.internal", Some(6379));
    /// # let _ = con;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(inner: C) -> Self {
        TracedConnection {
            inner,
            server: Arc::new(Server::default()),
        }
    }

    /// Traces `inner`, with `server.address` and `server.port` from `info`
    /// (`client.get_connection_info()`).
    ///
    /// ```no_run
    /// use aios_tracing::integrations::redis::TracedConnection;
    /// # async fn demo() -> redis::RedisResult<()> {
    /// let client = redis::Client::open("redis://127.0.0.1:6379/")?;
    /// let connection = client.get_multiplexed_async_connection().await?;
    /// let con = TracedConnection::with_info(connection, client.get_connection_info());
    /// # let _ = con;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_info(inner: C, info: &ConnectionInfo) -> Self {
        TracedConnection {
            inner,
            server: Arc::new(Server::of(info)),
        }
    }

    /// Sets `server.address` and `server.port`.
    pub fn server(mut self, address: impl Into<String>, port: Option<u16>) -> Self {
        self.server = Arc::new(Server {
            address: Some(address.into()),
            port,
        });
        self
    }

    /// The wrapped connection; commands sent on it directly are not traced.
    pub fn get_ref(&self) -> &C {
        &self.inner
    }

    /// The wrapped connection, mutably; commands sent on it directly are not traced.
    pub fn get_mut(&mut self) -> &mut C {
        &mut self.inner
    }

    /// The wrapped connection.
    pub fn into_inner(self) -> C {
        self.inner
    }
}

impl TracedConnection<redis::Connection> {
    /// Opens a sync connection with `client` and traces it.
    ///
    /// ```no_run
    /// use aios_tracing::integrations::redis::TracedConnection;
    /// use redis::Commands;
    /// # fn demo() -> redis::RedisResult<()> {
    /// let client = redis::Client::open("redis://127.0.0.1:6379/")?;
    /// let mut con = TracedConnection::connect(&client)?;
    /// let () = con.set("k", "v")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn connect(client: &redis::Client) -> RedisResult<Self> {
        Ok(TracedConnection::with_info(
            client.get_connection()?,
            client.get_connection_info(),
        ))
    }
}

impl TracedConnection<redis::aio::MultiplexedConnection> {
    /// Opens a multiplexed async connection with `client` and traces it.
    /// Clones share the connection and the attributes.
    ///
    /// ```no_run
    /// use aios_tracing::integrations::redis::TracedConnection;
    /// use redis::AsyncCommands;
    /// # async fn demo() -> redis::RedisResult<()> {
    /// let client = redis::Client::open("redis://127.0.0.1:6379/")?;
    /// let mut con = TracedConnection::connect_async(&client).await?;
    /// let hits: i64 = con.incr("hits", 1).await?;
    /// # let _ = hits;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect_async(client: &redis::Client) -> RedisResult<Self> {
        let connection = client.get_multiplexed_async_connection().await?;
        Ok(TracedConnection::with_info(
            connection,
            client.get_connection_info(),
        ))
    }
}

/// What a pipeline's span is about: `shapes` includes `MULTI`/`EXEC` when atomic.
fn start_pipeline(server: &Server, db: i64, shapes: &[Shape], atomic: bool) -> Span {
    let batch = shapes
        .iter()
        .filter(|s| !(atomic && matches!(s.operation.as_str(), "MULTI" | "EXEC")))
        .count();
    let operation = if atomic { "MULTI" } else { "PIPELINE" };
    let text = shapes
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    start(
        server,
        db,
        operation.to_owned(),
        text,
        Some(i64::try_from(batch).unwrap_or(i64::MAX)),
    )
}

/// The span of one command (sync or async connection alike).
fn start_command(server: &Server, db: i64, cmd: &Cmd) -> Span {
    let shape = shape_of_cmd(cmd);
    start(server, db, shape.operation, shape.text, None)
}

fn start(server: &Server, db: i64, operation: String, text: String, batch: Option<i64>) -> Span {
    let mut attributes = Vec::with_capacity(8);
    attributes.push(KeyValue::new("db.system.name", "redis"));
    attributes.push(KeyValue::new("db.operation.name", operation.clone()));
    attributes.push(KeyValue::new("db.query.text", text));
    if let Some(batch) = batch {
        attributes.push(KeyValue::new("db.operation.batch.size", batch));
    }
    attributes.push(KeyValue::new("db.namespace", db.to_string()));
    if let Some(address) = &server.address {
        attributes.push(KeyValue::new("server.address", address.clone()));
    }
    if let Some(port) = server.port {
        attributes.push(KeyValue::new("server.port", i64::from(port)));
    }
    TRACER
        .span(operation)
        .kind(SpanKind::Client)
        .attributes(attributes)
        .start()
}

fn fail(span: &Span, code: Option<&str>, fallback: Cow<'_, str>, message: &str) {
    if span.is_recording() {
        if let Some(code) = code {
            span.set_attribute("db.response.status_code", code.to_owned());
        }
        span.set_attribute(
            "error.type",
            code.map_or_else(|| fallback.into_owned(), str::to_owned),
        );
        span.record_exception_parts(
            "redis::RedisError",
            message,
            None,
            std::iter::empty::<KeyValue>(),
        );
    }
}

fn fail_with(span: &Span, error: &RedisError) {
    fail(
        span,
        error.code(),
        Cow::Owned(format!("{:?}", error.kind())),
        &error.to_string(),
    );
}

/// Ends the span with the outcome of one command or a pipeline; error
/// replies inside a pipeline's values count as errors too.
fn finish<'v>(span: &Span, result: Result<impl IntoIterator<Item = &'v Value>, &RedisError>) {
    match result {
        Err(error) => fail_with(span, error),
        Ok(values) => {
            if let Some(Value::ServerError(error)) = values
                .into_iter()
                .find(|v| matches!(v, Value::ServerError(_)))
            {
                let message = match error.details() {
                    Some(details) => format!("{}: {details}", error.code()),
                    None => error.code().to_owned(),
                };
                fail(
                    span,
                    Some(error.code()),
                    Cow::Borrowed("ServerError"),
                    &message,
                );
            }
        }
    }
    span.end();
}

fn active() -> bool {
    crate::sdk::active::generation() != 0
}

impl<C: redis::ConnectionLike> redis::ConnectionLike for TracedConnection<C> {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        if !active() {
            return self.inner.req_packed_command(cmd);
        }
        let shapes = shapes_of_packed(cmd);
        let span = if let [shape] = &shapes[..] {
            let shape = shape.clone();
            start(
                &self.server,
                self.inner.get_db(),
                shape.operation,
                shape.text,
                None,
            )
        } else {
            start_pipeline(&self.server, self.inner.get_db(), &shapes, false)
        };
        let result = self.inner.req_packed_command(cmd);
        finish(&span, result.as_ref().map(std::iter::once));
        result
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        if !active() {
            return self.inner.req_packed_commands(cmd, offset, count);
        }
        let shapes = shapes_of_packed(cmd);
        let atomic = shapes.first().is_some_and(|s| s.operation == "MULTI")
            && shapes.last().is_some_and(|s| s.operation == "EXEC");
        let span = start_pipeline(&self.server, self.inner.get_db(), &shapes, atomic);
        let result = self.inner.req_packed_commands(cmd, offset, count);
        finish(&span, result.as_ref().map(|values| values.iter()));
        result
    }

    fn req_command(&mut self, cmd: &Cmd) -> RedisResult<Value> {
        if !active() {
            return self.inner.req_command(cmd);
        }
        let span = start_command(&self.server, self.inner.get_db(), cmd);
        let result = self.inner.req_command(cmd);
        finish(&span, result.as_ref().map(std::iter::once));
        result
    }

    fn get_db(&self) -> i64 {
        self.inner.get_db()
    }

    fn supports_pipelining(&self) -> bool {
        self.inner.supports_pipelining()
    }

    fn check_connection(&mut self) -> bool {
        self.inner.check_connection()
    }

    fn is_open(&self) -> bool {
        self.inner.is_open()
    }
}

impl<C: redis::aio::ConnectionLike + Send> redis::aio::ConnectionLike for TracedConnection<C> {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> redis::RedisFuture<'a, Value> {
        if !active() {
            return self.inner.req_packed_command(cmd);
        }
        let span = start_command(&self.server, self.inner.get_db(), cmd);
        let inner = self.inner.req_packed_command(cmd);
        Box::pin(async move {
            // Dropped before completion, `span` ends with the future.
            let result = inner.await;
            finish(&span, result.as_ref().map(std::iter::once));
            result
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<Value>> {
        if !active() {
            return self.inner.req_packed_commands(pipeline, offset, count);
        }
        let atomic = pipeline.is_transaction();
        let mut shapes: Vec<Shape> = pipeline.cmd_iter().map(shape_of_cmd).collect();
        if atomic {
            let word = |w: &str| Shape {
                operation: w.to_owned(),
                text: w.to_owned(),
            };
            shapes.insert(0, word("MULTI"));
            shapes.push(word("EXEC"));
        }
        let span = start_pipeline(&self.server, self.inner.get_db(), &shapes, atomic);
        let inner = self.inner.req_packed_commands(pipeline, offset, count);
        Box::pin(async move {
            let result = inner.await;
            finish(&span, result.as_ref().map(|values| values.iter()));
            result
        })
    }

    fn get_db(&self) -> i64 {
        self.inner.get_db()
    }
}
