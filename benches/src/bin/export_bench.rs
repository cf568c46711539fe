//! OTLP export benchmark: one producer thread creates spans as fast as it can
//! (name, 2 attributes, end) and the SDK exports them over OTLP to a counting
//! receiver in another process on 127.0.0.1 (`otlp_sink`).
//!
//! ```text
//! cargo build --release -p aios-tracing-benches --bins
//! target/release/export_bench --spans 1000000            # all four runs
//! target/release/export_bench --spans 100000 --only aios-grpc,otel-grpc
//! OTEL_EXPORTER_OTLP_COMPRESSION=gzip target/release/export_bench --only aios-grpc,aios-http
//! ```
//!
//! Runs, each in a fresh child process (so peak RSS is its own):
//! `aios-grpc`, `aios-http` (aios-tracing with default settings) and
//! `otel-grpc`, `otel-http` (raw `opentelemetry_sdk` + `opentelemetry-otlp`,
//! default `BatchSpanProcessor`, tonic and blocking-reqwest clients).
//!
//! Reported per run: spans/s produced; the drain rate (spans received after
//! production stopped, divided by the time from then to the last arrival);
//! spans dropped, reported by the SDK and checked against produced − received;
//! exporter CPU per exported span (process CPU − producer-thread CPU, from
//! `/proc`); peak RSS (`VmHWM`) of the producer process and of the receiver.

use aios_tracing::{Protocol, Span, TracingSdk};
use aios_tracing_benches::{proc_stats, Counted};
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig as _};
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const RUNS: [&str; 4] = ["aios-grpc", "aios-http", "otel-grpc", "otel-http"];
const HEADER: &str = "| run | produced | produce time | produced/s | received while producing (/s) | received after stop | drain spans/s | received | dropped (SDK says) | produced − received | check | exporter CPU / received span | producer CPU / span | peak RSS producer | peak RSS receiver |\n\
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|";

struct Args {
    spans: u64,
    run: Option<String>,
    only: Vec<String>,
    sink: Option<PathBuf>,
}

fn main() {
    let args = parse_args();
    if let Some(run) = &args.run {
        let row = run_one(run, args.spans, args.sink.as_deref());
        println!("RESULT {row}");
        return;
    }
    let runs: Vec<&str> = if args.only.is_empty() {
        RUNS.to_vec()
    } else {
        args.only.iter().map(String::as_str).collect()
    };
    let exe = std::env::current_exe().unwrap_or_else(|e| fail(&format!("current_exe: {e}")));
    let mut rows = Vec::new();
    for run in runs {
        eprintln!("export_bench: {run}, {} spans …", args.spans);
        let mut command = Command::new(&exe);
        command
            .args(["--run", run, "--spans", &args.spans.to_string()])
            .stderr(Stdio::inherit());
        if let Some(sink) = &args.sink {
            command.arg("--sink").arg(sink);
        }
        let output = command
            .output()
            .unwrap_or_else(|e| fail(&format!("cannot run {run}: {e}")));
        let stdout = String::from_utf8_lossy(&output.stdout);
        match stdout.lines().find_map(|l| l.strip_prefix("RESULT ")) {
            Some(row) => rows.push(row.to_owned()),
            None => rows.push(format!(
                "| {run} | failed ({}) |{}",
                output.status,
                " |".repeat(13)
            )),
        }
        for line in stdout.lines().filter(|l| !l.starts_with("RESULT ")) {
            eprintln!("  {line}");
        }
    }
    println!("{HEADER}");
    for row in rows {
        println!("{row}");
    }
}

fn parse_args() -> Args {
    let mut parsed = Args {
        spans: 1_000_000,
        run: None,
        only: Vec::new(),
        sink: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| fail(&format!("`{arg}` needs a value")))
        };
        match arg.as_str() {
            "--spans" => {
                let v = value().replace('_', "");
                parsed.spans = v
                    .parse()
                    .unwrap_or_else(|_| fail(&format!("--spans takes a number, got `{v}`")));
            }
            "--run" => parsed.run = Some(value()),
            "--only" => {
                parsed.only = value().split(',').map(|s| s.trim().to_owned()).collect();
            }
            "--sink" => parsed.sink = Some(PathBuf::from(value())),
            "-h" | "--help" => {
                println!(
                    "usage: export_bench [--spans N] [--only {}] [--sink PATH/TO/otlp_sink]",
                    RUNS.join(",")
                );
                std::process::exit(0);
            }
            other => fail(&format!("unknown argument `{other}`")),
        }
    }
    for run in parsed.only.iter().chain(&parsed.run) {
        if !RUNS.contains(&run.as_str()) {
            fail(&format!("unknown run `{run}`; one of {}", RUNS.join(", ")));
        }
    }
    parsed
}

fn fail(message: &str) -> ! {
    eprintln!("export_bench: {message}");
    std::process::exit(2)
}

/// What the receiver reported.
#[derive(Debug, Clone, Copy, Default)]
struct SinkCount {
    spans: u64,
    /// Unix time (ns) of the last arrival; 0 before any.
    last_ns: u128,
}

/// The `otlp_sink` child process.
struct SinkProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    addr: String,
}

impl SinkProcess {
    fn spawn(path: Option<&std::path::Path>) -> SinkProcess {
        let path = path.map(PathBuf::from).unwrap_or_else(|| {
            let exe = std::env::current_exe().unwrap_or_else(|e| fail(&e.to_string()));
            exe.with_file_name(format!("otlp_sink{}", std::env::consts::EXE_SUFFIX))
        });
        let mut child = Command::new(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                fail(&format!(
                    "cannot start {} ({e}); build it with `cargo build --release -p aios-tracing-benches --bins`",
                    path.display()
                ))
            });
        let stdin = child.stdin.take().expect("piped stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).ok();
        let addr = line
            .trim()
            .strip_prefix("LISTENING ")
            .unwrap_or_else(|| fail(&format!("otlp_sink said `{}`", line.trim())))
            .to_owned();
        SinkProcess {
            child,
            stdin,
            stdout,
            addr,
        }
    }

    fn ask(&mut self, command: &str, reply: &str) -> Vec<u128> {
        writeln!(self.stdin, "{command}").ok();
        self.stdin.flush().ok();
        let mut line = String::new();
        self.stdout.read_line(&mut line).ok();
        line.trim()
            .strip_prefix(reply)
            .unwrap_or_else(|| fail(&format!("otlp_sink said `{}`", line.trim())))
            .split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect()
    }

    fn count(&mut self) -> SinkCount {
        let f = self.ask("count", "COUNT ");
        SinkCount {
            spans: f[0] as u64,
            last_ns: f[3],
        }
    }

    /// Final count, peak RSS (KiB) and CPU time of the receiver.
    fn finish(mut self) -> (SinkCount, u64, Duration) {
        let f = self.ask("quit", "FINAL ");
        let _ = self.child.wait();
        let count = SinkCount {
            spans: f[0] as u64,
            last_ns: f[3],
        };
        (count, f[4] as u64, Duration::from_nanos(f[5] as u64))
    }
}

fn unix_now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
}

/// The SDK under test: makes spans on one thread, flushes and reports drops.
enum Pipeline {
    Aios(Box<TracingSdk>),
    Otel {
        provider: SdkTracerProvider,
        counts: std::sync::Arc<aios_tracing_benches::ExportCounts>,
        // Drives tonic; dropped after the provider.
        runtime: Option<tokio::runtime::Runtime>,
    },
}

impl Pipeline {
    fn start(run: &str, sink: &SinkProcess) -> Pipeline {
        let grpc = run.ends_with("-grpc");
        if run.starts_with("aios-") {
            // Only the compression may come from the environment, for the
            // rows with and without it.
            let compression = std::env::var("OTEL_EXPORTER_OTLP_COMPRESSION")
                .ok()
                .map(|value| ("OTEL_EXPORTER_OTLP_COMPRESSION".to_owned(), value));
            let sdk = TracingSdk::builder("export-bench")
                .environment(compression)
                .otlp_protocol(if grpc {
                    Protocol::Grpc
                } else {
                    Protocol::HttpProtobuf
                })
                .otlp_endpoint(format!("http://{}", sink.addr))
                .enable_logging_correlation(false)
                .shutdown_timeout(Duration::from_secs(600))
                .init()
                .unwrap_or_else(|e| fail(&format!("aios-tracing init: {e}")));
            return Pipeline::Aios(Box::new(sdk));
        }
        let (exporter, runtime) = if grpc {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap_or_else(|e| fail(&e.to_string()));
            let _entered = runtime.enter();
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(format!("http://{}", sink.addr))
                .build()
                .unwrap_or_else(|e| fail(&format!("otlp tonic exporter: {e}")));
            (exporter, Some(runtime))
        } else {
            // reqwest is built with `rustls-no-provider` in this workspace
            // (feature unification): its client needs a process-wide provider.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                .with_endpoint(format!("http://{}/v1/traces", sink.addr))
                .with_headers(Default::default())
                .build()
                .unwrap_or_else(|e| fail(&format!("otlp http exporter: {e}")));
            (exporter, None)
        };
        let counted = Counted::new(exporter);
        let counts = counted.counts();
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(counted)
            .build();
        Pipeline::Otel {
            provider,
            counts,
            runtime,
        }
    }

    /// Creates `n` spans on a new thread; returns its wall and CPU time.
    fn produce(&self, n: u64) -> (Duration, Duration) {
        let work: Box<dyn FnOnce() + Send> = match self {
            Pipeline::Aios(_) => Box::new(move || {
                for i in 0..n {
                    let span = Span::builder("op")
                        .attribute("a", i as i64)
                        .attribute("b", "x")
                        .start();
                    span.end();
                }
            }),
            Pipeline::Otel { provider, .. } => {
                let tracer = provider.tracer("export-bench");
                Box::new(move || {
                    for i in 0..n {
                        let mut span = tracer
                            .span_builder("op")
                            .with_attributes([
                                KeyValue::new("a", i as i64),
                                KeyValue::new("b", "x"),
                            ])
                            .start(&tracer);
                        span.end();
                    }
                })
            }
        };
        std::thread::Builder::new()
            .name("producer".into())
            .spawn(move || {
                let cpu = proc_stats::thread_cpu().unwrap_or_default();
                let start = Instant::now();
                work();
                let wall = start.elapsed();
                (wall, proc_stats::thread_cpu().unwrap_or_default() - cpu)
            })
            .expect("spawn producer")
            .join()
            .expect("producer panicked")
    }

    /// Flushes and shuts down; returns (spans the SDK says it dropped, if it
    /// counts them, and spans it says were exported).
    fn finish(self, produced: u64) -> (Option<u64>, u64) {
        match self {
            Pipeline::Aios(sdk) => {
                if let Err(e) = sdk.shutdown() {
                    eprintln!("aios-tracing shutdown: {e}");
                }
                let stats = sdk.stats();
                if stats.ended != produced {
                    eprintln!("aios-tracing: ended {} != produced {produced}", stats.ended);
                }
                (Some(stats.dropped), stats.exported)
            }
            Pipeline::Otel {
                provider,
                counts,
                runtime,
            } => {
                if let Err(e) = provider.shutdown_with_timeout(Duration::from_secs(600)) {
                    eprintln!("opentelemetry_sdk shutdown: {e}");
                }
                drop(provider);
                drop(runtime);
                // The batch processor only logs what its queue drops: what
                // never reached the exporter, plus failed exports.
                let ok = counts.ok.load(Ordering::Acquire);
                (Some(produced - ok), ok)
            }
        }
    }
}

fn run_one(run: &str, n: u64, sink_path: Option<&std::path::Path>) -> String {
    let mut sink = SinkProcess::spawn(sink_path);
    let pipeline = Pipeline::start(run, &sink);

    let cpu_before = proc_stats::process_cpu().unwrap_or_default();
    let start_ns = unix_now_ns();
    let (produce_wall, producer_cpu) = pipeline.produce(n);
    let stop_ns = unix_now_ns();
    let at_stop = sink.count();
    let (sdk_dropped, sdk_exported) = pipeline.finish(n);
    let cpu_after = proc_stats::process_cpu().unwrap_or_default();
    let rss_self = proc_stats::peak_rss_kib(None).unwrap_or(0);
    let (received, rss_sink, sink_cpu) = sink.finish();

    let missing = n.saturating_sub(received.spans);
    let check = match sdk_dropped {
        Some(d) if d == missing && sdk_exported == received.spans => "ok".to_owned(),
        Some(d) => format!("MISMATCH (SDK: dropped {d}, exported {sdk_exported})"),
        None => "n/a".to_owned(),
    };
    let drained = received.spans.saturating_sub(at_stop.spans);
    let drain = if drained > 0 && received.last_ns > stop_ns {
        let secs = (received.last_ns - stop_ns) as f64 / 1e9;
        format!("{:.0} k", drained as f64 / secs / 1e3)
    } else {
        "– (none queued at stop)".to_owned()
    };
    let exporter_cpu = cpu_after
        .saturating_sub(cpu_before)
        .saturating_sub(producer_cpu);
    let per_exported = if received.spans > 0 {
        format!(
            "{:.0} ns",
            exporter_cpu.as_nanos() as f64 / received.spans as f64
        )
    } else {
        "–".to_owned()
    };
    let total_secs = (received.last_ns.max(stop_ns) - start_ns) as f64 / 1e9;
    println!(
        "{run}: produced {n} in {:.3} s, received {} ({} at stop) by {total_secs:.3} s, \
         exporter CPU {:.3} s, producer CPU {:.3} s, receiver CPU {:.3} s",
        produce_wall.as_secs_f64(),
        received.spans,
        at_stop.spans,
        exporter_cpu.as_secs_f64(),
        producer_cpu.as_secs_f64(),
        sink_cpu.as_secs_f64(),
    );
    let while_producing = at_stop.spans as f64 / produce_wall.as_secs_f64();
    format!(
        "| {run} | {n} | {:.3} s | {:.0} k | {} ({:.0} k/s) | {drained} | {drain} | {} | {} | {missing} ({:.1} %) | {check} | {per_exported} | {:.0} ns | {:.1} MiB | {:.1} MiB |",
        produce_wall.as_secs_f64(),
        n as f64 / produce_wall.as_secs_f64() / 1e3,
        at_stop.spans,
        while_producing / 1e3,
        received.spans,
        sdk_dropped.map_or("–".to_owned(), |d| d.to_string()),
        missing as f64 * 100.0 / n.max(1) as f64,
        producer_cpu.as_nanos() as f64 / n.max(1) as f64,
        rss_self as f64 / 1024.0,
        rss_sink as f64 / 1024.0,
    )
}
