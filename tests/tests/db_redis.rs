//! Redis commands sent through `integrations::redis::TracedConnection` arrive
//! at a real OTLP receiver as CLIENT spans under the span that issued them,
//! against a real Redis server, sync and async.
//!
//! Redis: `AIOS_TEST_REDIS_URL` (set by `.ci/db-servers.sh`), else the test
//! starts its own `redis-server` (from PATH) on a free port and stops it at
//! the end. No server, no pass: the test fails rather than skip.

mod common;

use aios_tracing::integrations::redis::TracedConnection;
use aios_tracing::{Protocol, Span};
use aios_tracing_tests::{AttrValue, ReceivedSpan, SpansExt, StatusCode};
use common::{assert_nowhere, builder_for, receiver, serial, WAIT};
use redis::{AsyncCommands as _, Commands as _};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "s3cr3t-value";

/// A Redis server: the one CI started, or one of our own, killed on drop.
struct Redis {
    url: String,
    own: Option<Child>,
}

impl Redis {
    fn start() -> Redis {
        if let Ok(url) = std::env::var("AIOS_TEST_REDIS_URL") {
            return Redis { url, own: None };
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect(
                "redis-server not found on PATH: run `bash .ci/db-servers.sh start` \
                 (installs it) or set AIOS_TEST_REDIS_URL",
            );
        let redis = Redis {
            url: format!("redis://127.0.0.1:{port}/"),
            own: Some(child),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    fn port(&self) -> i64 {
        let authority = self.url.trim_start_matches("redis://");
        let authority = authority.rsplit('@').next().expect("authority");
        let host_port = authority.split('/').next().expect("host:port");
        host_port
            .rsplit(':')
            .next()
            .expect("port")
            .parse()
            .expect("port")
    }

    /// The URL of database `db`.
    fn url_of_db(&self, db: u8) -> String {
        let base = self.url.trim_end_matches('/');
        // An URL that already names a database keeps its host part only.
        let base = match base.trim_start_matches("redis://").split_once('/') {
            Some((authority, _)) => format!("redis://{authority}"),
            None => base.to_owned(),
        };
        format!("{base}/{db}")
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        if let Some(child) = &mut self.own {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn str_attr<'a>(span: &'a ReceivedSpan, key: &str) -> Option<&'a str> {
    span.attr(key).and_then(AttrValue::as_str)
}

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
    let rx = receiver(Protocol::Grpc);
    let sdk = builder_for(&rx, Protocol::Grpc).init().expect("init");
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
    sdk.shutdown().expect("shutdown");

    let spans = rx.wait_for_spans(7, WAIT);
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
    let rx = receiver(Protocol::Grpc);
    let sdk = builder_for(&rx, Protocol::Grpc).init().expect("init");
    let key = format!("aios:async:{}", std::process::id());
    let counter = format!("{key}:n");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
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
    sdk.shutdown().expect("shutdown");

    let spans = rx.wait_for_spans(7, WAIT);
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

    let rx = receiver(Protocol::Grpc);
    let sdk = builder_for(&rx, Protocol::Grpc).init().expect("init");
    {
        let _handler = Span::builder("handler").entered();
        let () = con.get_mut().del(&key).expect("DEL on the raw connection");
    }
    sdk.shutdown().expect("shutdown");
    let spans = rx.spans_after(Duration::from_millis(300));
    assert_eq!(spans.names(), ["handler"]);
}
