//! Log lines as an application sees them: each test runs `src/bin/log_app.rs`
//! in its own process (the `tracing` subscriber and `log` logger are set
//! once per process), exporting to a receiver here, and reads its stdout.
//!
//! - JSON lines: every line parses, and the ids on lines logged inside the
//!   span are those of the span the collector received.
//! - `RUST_LOG` is read as `EnvFilter` directives; bad ones are skipped
//!   with a warning.
//! - Both orders, for a `tracing` subscriber and for a `log` logger: set up
//!   before `init` (kept), or after `init` with `install_logging(false)`;
//!   neither panics, and both give correlated lines.

use aios_tracing_tests::{OtlpReceiver, ReceivedSpan, SpansExt, Transport};
use serde_json::{Map, Value};
use std::process::Command;
use std::time::Duration;

/// What one run of the application printed, and the span it exported.
struct Run {
    stdout: String,
    checkout: ReceivedSpan,
}

impl Run {
    /// The correlation the text formats print for the exported span.
    fn ids(&self) -> String {
        format!(
            "trace={} span={}",
            self.checkout.trace_id, self.checkout.span_id
        )
    }

    /// The one line containing `needle`.
    fn line(&self, needle: &str) -> &str {
        let found: Vec<&str> = self.stdout.lines().filter(|l| l.contains(needle)).collect();
        assert_eq!(found.len(), 1, "lines with {needle:?} in:\n{}", self.stdout);
        found[0]
    }
}

/// Runs the application with `scenario` and only the variables given.
fn run(scenario: &str, vars: &[(&str, &str)]) -> Run {
    let rx = OtlpReceiver::start(Transport::Grpc).expect("receiver starts");
    let output = Command::new(env!("CARGO_BIN_EXE_log_app"))
        .arg(scenario)
        .env_clear()
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", rx.endpoint())
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .envs(vars.iter().copied())
        .output()
        .expect("the application runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{scenario} failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    let spans = rx.wait_for_spans(1, Duration::from_secs(10));
    Run {
        stdout,
        checkout: spans.one("checkout").clone(),
    }
}

fn parse_lines(stdout: &str) -> Vec<Map<String, Value>> {
    stdout
        .lines()
        .map(|line| match serde_json::from_str(line) {
            Ok(Value::Object(object)) => object,
            other => panic!("not one JSON object: {line:?} ({other:?})\nall output:\n{stdout}"),
        })
        .collect()
}

fn with_message<'a>(lines: &'a [Map<String, Value>], message: &str) -> &'a Map<String, Value> {
    let found: Vec<_> = lines
        .iter()
        .filter(|l| l.get("message").is_some_and(|m| m == message))
        .collect();
    assert_eq!(found.len(), 1, "lines with message {message:?}: {lines:#?}");
    found[0]
}

#[test]
fn json_lines_parse_and_carry_the_exported_spans_ids() {
    let run = run(
        "sdk-only",
        &[
            ("AIOS_TRACING_LOG_FORMAT", "json"),
            ("RUST_LOG", "info,log_app::noisy=warn,hyper=loud"),
        ],
    );
    let lines = parse_lines(&run.stdout);
    let (trace_id, span_id) = (&run.checkout.trace_id, &run.checkout.span_id);

    let event = with_message(&lines, "payment accepted");
    assert_eq!(event["trace_id"], trace_id.as_str());
    assert_eq!(event["span_id"], span_id.as_str());
    // Sampled, and (W3C Level 2) a random trace id: the root was made here.
    assert_eq!(event["trace_flags"], "03");
    assert_eq!(event["order_id"], 7);
    assert_eq!(event["level"], "INFO");
    assert_eq!(event["severity_number"], 9);
    assert_eq!(event["target"], "log_app");
    assert!(event["timestamp"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));

    let record = with_message(&lines, "legacy log record");
    assert_eq!(
        record["trace_id"],
        trace_id.as_str(),
        "a bridged log record"
    );
    assert_eq!(record["span_id"], span_id.as_str());
    assert_eq!(record["level"], "WARN");
    assert_eq!(record["target"], "log_app");
    assert!(
        !record.keys().any(|k| k.starts_with("log.")),
        "the record's metadata fields are not repeated: {record:?}"
    );

    let outside = with_message(&lines, "outside any span");
    assert!(!outside.contains_key("trace_id") && !outside.contains_key("span_id"));

    // RUST_LOG's directives, one of them bad.
    assert!(lines
        .iter()
        .all(|l| l.get("message").is_none_or(|m| m != "hidden at info")));
    with_message(&lines, "shown at warn");
    let startup = lines
        .iter()
        .find(|l| l["target"] == "aios_tracing" && l["level"] == "INFO")
        .expect("a startup line");
    let text = startup["message"].as_str().unwrap();
    assert!(
        text.contains("installed the tracing subscriber (json logs filtered by \"info,log_app::noisy=warn\") and the log logger"),
        "{text}"
    );
    let warning = lines
        .iter()
        .find(|l| l["target"] == "aios_tracing" && l["level"] == "WARN")
        .expect("a warning about the bad directive");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains("\"hyper=loud\""),
        "{warning:?}"
    );
}

#[test]
fn text_lines_carry_the_exported_spans_ids() {
    let run = run("sdk-only", &[]);
    let line = run.line("payment accepted");
    assert!(
        line.contains(&format!(
            " INFO [{}] log_app: payment accepted order_id=7",
            run.ids()
        )),
        "{line}"
    );
    assert!(run
        .line("legacy log record")
        .contains(&format!(" WARN [{}] log_app:", run.ids())));
    assert!(!run.line("outside any span").contains("[trace="));
    // Without RUST_LOG the filter is `info`.
    run.line("hidden at info");
}

#[test]
fn an_application_subscriber_set_up_first_is_kept() {
    let run = run("subscriber-first", &[]);
    assert!(run.line("payment accepted").contains(&run.ids()));
    assert!(
        run.line("aios-tracing").contains(
            "kept the application's tracing subscriber (add aios_tracing::logging::layer() to it)"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn an_application_subscriber_set_up_after_init_needs_install_logging_false() {
    let run = run("subscriber-after", &[]);
    // The application's own JSON layer: every line parses.
    let lines = parse_lines(&run.stdout);
    let event = with_message(&lines, "payment accepted");
    assert_eq!(event["trace_id"], run.checkout.trace_id.as_str());
    assert_eq!(event["span_id"], run.checkout.span_id.as_str());
}

#[test]
fn an_application_log_logger_set_up_first_is_kept() {
    let run = run("env-logger-first", &[]);
    let record = run.line("legacy log record");
    assert_eq!(
        record,
        format!("WARN log_app [{}] legacy log record", run.ids())
    );
    // `tracing` events go to the subscriber the SDK installed.
    assert!(run.line("payment accepted").contains(&run.ids()));
    assert!(
        run.line("aios-tracing").contains(
            "installed the tracing subscriber (text logs filtered by \"info\"); kept the application's log logger"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn an_application_log_logger_set_up_after_init_needs_install_logging_false() {
    let run = run("env-logger-after", &[]);
    let record = run.line("legacy log record");
    assert_eq!(
        record,
        format!("WARN log_app [{}] legacy log record", run.ids())
    );
}

#[test]
fn after_a_default_init_the_globals_are_taken_and_try_init_says_so() {
    let run = run("sdk-then-try-init", &[]);
    let line = run.line("the application's try_init");
    assert!(
        line.contains("subscriber_taken=true logger_taken=true"),
        "{line}"
    );
    assert!(run.line("payment accepted").contains(&run.ids()));
}
