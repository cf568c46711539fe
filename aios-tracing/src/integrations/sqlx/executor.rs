//! The traced executors: every sqlx entry point (`execute`, `fetch`,
//! `fetch_many`, `prepare`, …) goes through `fetch_many` or `execute` here,
//! which start the span, and the result stream, which ends it.

use super::{finish_err, finish_ok, start_span, Traced, TracedPool};
use crate::Span;
use futures_core::future::BoxFuture;
use futures_core::stream::{BoxStream, Stream};
use sqlx::{Database, Describe, Either, Execute, Executor};
use std::pin::Pin;
use std::task::{Context, Poll};

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
        if crate::sdk::active::generation() == 0 {
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
        if crate::sdk::active::generation() == 0 {
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
