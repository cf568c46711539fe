//! Redis commands sent through `integrations::redis::TracedConnection` arrive
//! at a real OTLP receiver as CLIENT spans under the span that issued them,
//! against a real Redis server, sync and async.
//!
//! Redis: `AIOS_TEST_REDIS_URL` (set by `.ci/db-servers.sh`), else the test
//! starts its own `redis-server` (from PATH) on a free port and stops it at
//! the end (`common::db_servers`). No server, no pass: the test fails rather
//! than skip.

mod common;

use aios_tracing::integrations::redis::TracedConnection;
use aios_tracing::{Protocol, Span};
use aios_tracing_tests::{AttrValue, ReceivedSpan, SpansExt, StatusCode};
use common::db_servers::Redis;
use common::{assert_nowhere, current_thread_runtime, serial, str_attr, Fixture};
use redis::{AsyncCommands as _, Commands as _};
use std::time::{Duration, Instant};

const SECRET: &str = "s3cr3t-value";

/// The checks both the sync and the async test make.
fn assert_spans(spans: &[ReceivedSpan], redis: &Redis, db: &str) {
    let handler = spans.one("handler");
    for span in spans.iter().filter(|s| s.name != "handler") {
        assert_eq!(span.trace_id, handler.trace_id, "{}", span.name);
        assert_eq!(
            span.parent_span_id.as_deref(),
            Some(handler.span_id.as_str()),
            "{} is a child of the handler",
            span.name
        );
        assert!(span.start_unix_nanos >= handler.start_unix_nanos);
        assert!(span.end_unix_nanos <= handler.end_unix_nanos);
        assert_eq!(span.kind_name(), "client", "{}", span.name);
        assert_eq!(span.scope_name, "aios_tracing::integrations::redis");
        assert_eq!(str_attr(span, "db.system.name"), Some("redis"));
        assert_eq!(
            str_attr(span, "db.operation.name"),
            Some(span.name.as_str())
        );
        assert_eq!(str_attr(span, "db.namespace"), Some(db), "{}", span.name);
        assert_eq!(str_attr(span, "server.address"), Some("127.0.0.1"));
        assert_eq!(
            span.attr("server.port"),
            Some(&AttrValue::Int(redis.port()))
        );
    }

    let set = spans.one("SET");
    assert_eq!(str_attr(set, "db.query.text"), Some("SET ? ?"));
    assert_eq!(set.status.code, StatusCode::Unset);
    assert!(set.attr("db.operation.batch.size").is_none());
    let get = spans.one("GET");
    assert_eq!(str_attr(get, "db.query.text"), Some("GET ?"));
    let incr = spans.one("INCR");
    assert_eq!(str_attr(incr, "db.query.text"), Some("INCR ?"));

    let multi = spans.one("MULTI");
    assert_eq!(
        str_attr(multi, "db.query.text"),
        Some("MULTI; SET ? ?; GET ?; EXEC")
    );
    assert_eq!(
        multi.attr("db.operation.batch.size"),
        Some(&AttrValue::Int(2))
    );
    let pipeline = spans.one("PIPELINE");
    assert_eq!(
        str_attr(pipeline, "db.query.text"),
        Some("SET ? ?; INCRBY ? ?")
    );
    assert_eq!(
        pipeline.attr("db.operation.batch.size"),
        Some(&AttrValue::Int(2))
    );

    let wrongtype = spans.one("LPUSH");
    assert_eq!(str_attr(wrongtype, "db.query.text"), Some("LPUSH ? ?"));
    assert_eq!(wrongtype.status.code, StatusCode::Error);
    assert!(
        wrongtype.status.message.contains("WRONGTYPE"),
        "{:?}",
        wrongtype.status
    );
    assert_eq!(
        str_attr(wrongtype, "db.response.status_code"),
        Some("WRONGTYPE")
    );
    assert_eq!(str_attr(wrongtype, "error.type"), Some("WRONGTYPE"));
    let exception = wrongtype.event("exception").expect("exception event");
    assert_eq!(
        exception.attr("exception.type").and_then(AttrValue::as_str),
        Some("redis::RedisError")
    );

    assert_nowhere(spans, SECRET);
}

#[test]
fn sync_commands_and_pipelines_are_client_spans_of_the_caller() {
    let started = Instant::now();
    let _serial = serial();
    let redis = Redis::start();
    let fx = Fixture::start(Protocol::Grpc);
    let key = format!("aios:sync:{}", std::process::id());
    let counter = format!("{key}:n");

    let client = redis::Client::open(redis.url.as_str()).expect("client");
    let mut con = TracedConnection::connect(&client).expect("connect to Redis");
    {
        let _handler = Span::builder("handler").entered();
        let () = con.set(&key, SECRET).expect("SET");
        let value: String = con.get(&key).expect("GET");
        assert_eq!(value, SECRET);
        let n: i64 = redis::cmd("INCR")
            .arg(&counter)
            .query(&mut con)
            .expect("INCR");
        assert!(n >= 1);
        let ((), got): ((), String) = redis::pipe()
            .atomic()
            .set(&key, SECRET)
            .get(&key)
            .query(&mut con)
            .expect("MULTI");
        assert_eq!(got, SECRET);
        let ((), m): ((), i64) = redis::pipe()
            .set(&key, SECRET)
            .incr(&counter, 5)
            .query(&mut con)
            .expect("pipeline");
        assert_eq!(m, n + 5);
        let error = con
            .lpush::<_, _, i64>(&key, SECRET)
            .expect_err("LPUSH on a string");
        assert_eq!(error.code(), Some("WRONGTYPE"));
    }
    // Untraced clean-up: the raw connection opens no spans.
    let () = con.get_mut().del(&[&key, &counter]).expect("DEL");

    let spans = fx.shutdown_and_wait(7);
    assert_eq!(spans.len(), 7, "{:?}", spans.names());
    assert_spans(&spans, &redis, "0");
    drop(redis);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn async_commands_and_pipelines_are_client_spans_of_the_caller() {
    let _serial = serial();
    let redis = Redis::start();
    let fx = Fixture::start(Protocol::Grpc);
    let key = format!("aios:async:{}", std::process::id());
    let counter = format!("{key}:n");

    let rt = current_thread_runtime();
    let client = redis::Client::open(redis.url_of_db(1)).expect("client");
    {
        let _handler = Span::builder("handler").entered();
        rt.block_on(async {
            let mut con = TracedConnection::connect_async(&client)
                .await
                .expect("connect to Redis");
            let () = con.set(&key, SECRET).await.expect("SET");
            let value: String = con.get(&key).await.expect("GET");
            assert_eq!(value, SECRET);
            let n: i64 = redis::cmd("INCR")
                .arg(&counter)
                .query_async(&mut con)
                .await
                .expect("INCR");
            let ((), got): ((), String) = redis::pipe()
                .atomic()
                .set(&key, SECRET)
                .get(&key)
                .query_async(&mut con)
                .await
                .expect("MULTI");
            assert_eq!(got, SECRET);
            let ((), m): ((), i64) = redis::pipe()
                .set(&key, SECRET)
                .incr(&counter, 5)
                .query_async(&mut con)
                .await
                .expect("pipeline");
            assert_eq!(m, n + 5);
            let error = con
                .lpush::<_, _, i64>(&key, SECRET)
                .await
                .expect_err("LPUSH on a string");
            assert_eq!(error.code(), Some("WRONGTYPE"));
            let () = con.get_mut().del(&[&key, &counter]).await.expect("DEL");
        });
    }

    let spans = fx.shutdown_and_wait(7);
    assert_eq!(spans.len(), 7, "{:?}", spans.names());
    assert_spans(&spans, &redis, "1");
}

#[test]
fn nothing_is_traced_without_an_sdk_or_the_wrapper() {
    let _serial = serial();
    let redis = Redis::start();
    let client = redis::Client::open(redis.url.as_str()).expect("client");
    let mut con = TracedConnection::connect(&client).expect("connect");
    let key = format!("aios:off:{}", std::process::id());
    // No SDK active: the wrapper passes commands through.
    let () = con.set(&key, 1).expect("SET");

    let fx = Fixture::start(Protocol::Grpc);
    {
        let _handler = Span::builder("handler").entered();
        let () = con.get_mut().del(&key).expect("DEL on the raw connection");
    }
    fx.shutdown();
    let spans = fx.rx().spans_after(Duration::from_millis(300));
    assert_eq!(spans.names(), ["handler"]);
}
