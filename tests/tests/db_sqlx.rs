//! SQL queries made through `integrations::sqlx::TracedPool` arrive at a real
//! OTLP receiver as CLIENT spans under the span that issued them, against a
//! real PostgreSQL server and an in-memory SQLite database.
//!
//! PostgreSQL: `AIOS_TEST_PG_URL` (set by `.ci/db-servers.sh`), else the test
//! starts its own server from `/usr/lib/postgresql/*/bin` on a free port and
//! stops it at the end (`common::db_servers`). No server, no pass: the test
//! fails rather than skip.

mod common;

use aios_tracing::integrations::sqlx::TracedPool;
use aios_tracing::{Protocol, Span};
use aios_tracing_tests::{AttrValue, ReceivedSpan, SpansExt, StatusCode};
use common::db_servers::Postgres;
use common::{assert_nowhere, current_thread_runtime as runtime, serial, str_attr, Fixture};
use sqlx::Row as _;
use std::time::{Duration, Instant};

const SECRET: &str = "s3cr3t-value";

/// `child` is a direct child of `parent` and lies within it in time.
fn assert_child_of(child: &ReceivedSpan, parent: &ReceivedSpan) {
    assert_eq!(child.trace_id, parent.trace_id, "{}", child.name);
    assert_eq!(
        child.parent_span_id.as_deref(),
        Some(parent.span_id.as_str()),
        "{} is a child of {}",
        child.name,
        parent.name
    );
    assert!(
        child.start_unix_nanos >= parent.start_unix_nanos,
        "{}",
        child.name
    );
    assert!(
        child.end_unix_nanos <= parent.end_unix_nanos,
        "{}",
        child.name
    );
    assert!(
        child.end_unix_nanos >= child.start_unix_nanos,
        "{}",
        child.name
    );
    assert_eq!(child.kind_name(), "client", "{}", child.name);
    assert_eq!(child.scope_name, "aios_tracing::integrations::sqlx");
}

#[test]
fn postgres_queries_are_client_spans_of_the_caller() {
    let started = Instant::now();
    let _serial = serial();
    let pg = Postgres::start();
    let fx = Fixture::start(Protocol::Grpc);
    let table = format!("orders_{}", std::process::id());
    let insert = format!("INSERT INTO {table} (id, note) VALUES ($1, $2), ($3, $4)");
    let select = format!("SELECT id, note FROM {table} WHERE note = $1 ORDER BY id");

    let rt = runtime();
    {
        let handler = Span::builder("handler").entered();
        rt.block_on(async {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(2)
                .connect(&pg.url)
                .await
                .expect("connect to PostgreSQL");
            let pool = TracedPool::new(pool);

            sqlx::query(&format!("DROP TABLE IF EXISTS {table}"))
                .execute(&pool)
                .await
                .expect("drop");
            sqlx::query(&format!(
                "CREATE TABLE {table} (id INT PRIMARY KEY, note TEXT NOT NULL)"
            ))
            .execute(&pool)
            .await
            .expect("create");
            sqlx::query(&insert)
                .bind(1)
                .bind(SECRET)
                .bind(2)
                .bind(SECRET)
                .execute(&pool)
                .await
                .expect("insert");
            let rows = sqlx::query(&select)
                .bind(SECRET)
                .fetch_all(&pool)
                .await
                .expect("select");
            assert_eq!(rows.len(), 2);
            assert_eq!(rows[1].get::<String, _>("note"), SECRET);

            // fetch_one goes through fetch_optional.
            let one: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_sleep(0.05)")
                .fetch_one(&pool)
                .await
                .expect("sleep");
            assert_eq!(one, 1);

            // A transaction's queries, through `traced`.
            let mut tx = pool.pool().begin().await.expect("begin");
            sqlx::query(&format!("UPDATE {table} SET note = $1 WHERE id = $2"))
                .bind(SECRET)
                .bind(1)
                .execute(pool.traced(&mut *tx))
                .await
                .expect("update");
            tx.commit().await.expect("commit");

            let error = sqlx::query("SELECT * FROM no_such_table WHERE secret = $1")
                .bind(SECRET)
                .fetch_all(&pool)
                .await
                .expect_err("no such table");
            assert!(error.to_string().contains("no_such_table"), "{error}");

            sqlx::query(&format!("DROP TABLE {table}"))
                .execute(&pool)
                .await
                .expect("drop");
            pool.pool().close().await;
        });
        drop(handler);
    }

    // DROP, CREATE, INSERT, SELECT, SELECT pg_sleep, UPDATE, the failed SELECT, DROP.
    let spans = fx.shutdown_and_wait(9);
    assert_eq!(spans.len(), 9, "{:?}", spans.names());
    let handler = spans.one("handler");
    for span in spans.iter().filter(|s| s.name != "handler") {
        assert_child_of(span, handler);
        assert_eq!(str_attr(span, "db.system.name"), Some("postgresql"));
        assert_eq!(str_attr(span, "db.namespace"), Some("postgres"));
        assert_eq!(str_attr(span, "server.address"), Some("127.0.0.1"));
        assert_eq!(
            span.attr("server.port"),
            Some(&AttrValue::Int(pg.port())),
            "{}",
            span.name
        );
    }

    let create = spans.one(&format!("CREATE {table}"));
    assert_eq!(str_attr(create, "db.operation.name"), Some("CREATE"));
    assert_eq!(str_attr(create, "db.collection.name"), Some(table.as_str()));

    let insert_span = spans.one(&format!("INSERT {table}"));
    assert_eq!(str_attr(insert_span, "db.operation.name"), Some("INSERT"));
    assert_eq!(
        str_attr(insert_span, "db.query.text"),
        Some(insert.as_str())
    );
    assert_eq!(insert_span.status.code, StatusCode::Unset);

    let select_span = spans
        .by_name(&format!("SELECT {table}"))
        .into_iter()
        .find(|s| str_attr(s, "db.query.text") == Some(select.as_str()))
        .expect("the SELECT span");
    assert_eq!(str_attr(select_span, "db.operation.name"), Some("SELECT"));
    assert_eq!(
        select_span.attr("db.response.returned_rows"),
        Some(&AttrValue::Int(2))
    );

    let sleep = spans.one("SELECT pg_sleep");
    assert_eq!(
        sleep.attr("db.response.returned_rows"),
        Some(&AttrValue::Int(1))
    );
    assert!(
        sleep.duration() >= Duration::from_millis(50),
        "the span covers the query: {:?}",
        sleep.duration()
    );

    let update = spans.one(&format!("UPDATE {table}"));
    assert_eq!(str_attr(update, "db.operation.name"), Some("UPDATE"));

    let failed = spans.one("SELECT no_such_table");
    assert_eq!(failed.status.code, StatusCode::Error);
    assert!(
        failed.status.message.contains("no_such_table"),
        "{:?}",
        failed.status
    );
    assert_eq!(str_attr(failed, "db.response.status_code"), Some("42P01"));
    assert_eq!(str_attr(failed, "error.type"), Some("42P01"));
    let exception = failed.event("exception").expect("exception event");
    assert_eq!(
        exception.attr("exception.type").and_then(AttrValue::as_str),
        Some("sqlx::Error::Database")
    );

    // Spans are in query order: each starts after the previous one ended.
    let mut queries: Vec<_> = spans.iter().filter(|s| s.name != "handler").collect();
    queries.sort_by_key(|s| s.start_unix_nanos);
    for pair in queries.windows(2) {
        assert!(
            pair[1].start_unix_nanos >= pair[0].end_unix_nanos,
            "{} overlaps {}",
            pair[0].name,
            pair[1].name
        );
    }

    assert_nowhere(&spans, SECRET);
    drop(pg);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn sqlite_in_memory_queries_are_client_spans_of_the_caller() {
    let fx = Fixture::start(Protocol::Grpc);

    let rt = runtime();
    let handler_span;
    {
        let handler = Span::builder("handler").entered();
        handler_span = handler.span().clone();
        rt.block_on(async {
            // One connection: every in-memory connection is its own database.
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect("sqlite::memory:")
                .await
                .expect("sqlite");
            let pool = TracedPool::new(pool);
            sqlx::query("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
                .execute(&pool)
                .await
                .expect("create");
            sqlx::query("INSERT INTO users (email) VALUES (?)")
                .bind(SECRET)
                .execute(&pool)
                .await
                .expect("insert");
            let email: Option<String> =
                sqlx::query_scalar("SELECT email FROM users WHERE email = ?")
                    .bind(SECRET)
                    .fetch_optional(&pool)
                    .await
                    .expect("select");
            assert_eq!(email.as_deref(), Some(SECRET));
            sqlx::query("SELEC nonsense")
                .execute(&pool)
                .await
                .expect_err("syntax error");
        });
    }
    assert!(!handler_span.is_recording(), "the handler span ended");

    let spans = fx.shutdown_and_wait(5);
    assert_eq!(spans.len(), 5, "{:?}", spans.names());
    let handler = spans.one("handler");
    for span in spans.iter().filter(|s| s.name != "handler") {
        // SQLite runs queries on a worker thread; the span still has the caller's parent.
        assert_child_of(span, handler);
        assert_eq!(str_attr(span, "db.system.name"), Some("sqlite"));
        assert!(span.attr("server.address").is_none());
    }
    assert_eq!(
        str_attr(spans.one("CREATE users"), "db.query.text"),
        Some("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
    );
    assert_eq!(
        str_attr(spans.one("INSERT users"), "db.query.text"),
        Some("INSERT INTO users (email) VALUES (?)")
    );
    let select = spans.one("SELECT users");
    assert_eq!(
        select.attr("db.response.returned_rows"),
        Some(&AttrValue::Int(1))
    );
    let failed = spans.one("SELEC");
    assert_eq!(failed.status.code, StatusCode::Error);
    assert!(
        failed.status.message.contains("syntax error"),
        "{:?}",
        failed.status
    );
    assert!(failed.event("exception").is_some());
    assert_nowhere(&spans, SECRET);
}

#[test]
fn nothing_is_traced_without_an_sdk_or_the_wrapper() {
    let _serial = serial();
    let rt = runtime();
    let pool = rt.block_on(async {
        sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .expect("sqlite")
    });
    let pool = TracedPool::new(pool);
    // No SDK active: the wrapper passes queries through.
    let n: i64 = rt
        .block_on(sqlx::query_scalar("SELECT 1").fetch_one(&pool))
        .expect("select");
    assert_eq!(n, 1);

    let fx = Fixture::start(Protocol::Grpc);
    {
        let _handler = Span::builder("handler").entered();
        // The unwrapped pool is not traced.
        let n: i64 = rt
            .block_on(sqlx::query_scalar("SELECT 2").fetch_one(pool.pool()))
            .expect("select");
        assert_eq!(n, 2);
    }
    fx.shutdown();
    let spans = fx.rx().spans_after(Duration::from_millis(300));
    assert_eq!(spans.names(), ["handler"]);
}
