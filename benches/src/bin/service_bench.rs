//! What a request costs a service: server CPU per request of
//! `order_service` (`GET /orders/{id}`, 4 spans a request when traced),
//! untraced, with aios-tracing sampled and unsampled, and with `tracing` +
//! `tracing-opentelemetry`, in interleaved rounds of one run.
//!
//! ```text
//! cargo build --release -p aios-tracing-benches --bins
//! target/release/service_bench [--rounds 5] [--requests 50000] [--connections 32] [--only none,aios]
//! ```
//!
//! Three kinds of processes: the server (pinned to CPU 0 with `taskset`
//! when it is installed), and on CPU 1 the counting OTLP receiver
//! (`otlp_sink`) and a load generator (this binary with `--load`: keep-alive
//! HTTP/1.1 connections on 127.0.0.1). The CPU of a round is the server
//! process's own utime + stime (`/proc/<pid>/stat`) from just before its
//! load until every span of it reached the receiver (or none arrived for
//! 6 s), divided by the requests; a warm-up load of 3 000 requests before
//! each round is not counted. Spans received over the server's life
//! (warm-up and shutdown included) are checked against spans expected.

use aios_tracing_benches::proc_stats;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const VARIANTS: [&str; 4] = ["none", "aios", "aios-unsampled", "tracing-otel"];
const WARM_UP: u64 = 3_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| {
                v.replace('_', "")
                    .parse()
                    .unwrap_or_else(|_| fail(&format!("{name} takes a number, got `{v}`")))
            })
            .unwrap_or(default)
    };
    let text = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let requests = value("--requests", 50_000);
    let connections = value("--connections", 32);
    if args.iter().any(|a| a == "--load") {
        let addr = text("--addr").unwrap_or_else(|| fail("--load needs --addr"));
        return load(&addr, requests, connections);
    }
    let rounds = value("--rounds", 5);
    let only = text("--only");
    let variants: Vec<&str> = match &only {
        Some(list) => list.split(',').map(str::trim).collect(),
        None => VARIANTS.to_vec(),
    };
    for variant in &variants {
        if !VARIANTS.contains(variant) {
            fail(&format!(
                "unknown variant `{variant}`; one of {}",
                VARIANTS.join(", ")
            ));
        }
    }
    let bin = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| fail("cannot find the binaries' folder"));
    let mut sink = Sink::start(&bin);
    let mut samples: Vec<Sample> = Vec::new();
    for round in 1..=rounds {
        for variant in &variants {
            let sample = round_of(&bin, &mut sink, variant, requests, connections);
            eprintln!(
                "service_bench: round {round} {variant}: {:.2} µs/request, {} requests in {:.1} s, spans {} in the window, {} of {} in all",
                sample.cpu_us,
                sample.requests,
                sample.load_secs,
                sample.received_in_window,
                sample.received,
                sample.expected
            );
            samples.push(sample);
        }
    }
    sink.quit();
    report(&variants, &samples, requests, connections, rounds);
}

/// One round of one variant.
struct Sample {
    variant: String,
    cpu_us: f64,
    requests: u64,
    load_secs: f64,
    expected: u64,
    received_in_window: u64,
    received: u64,
}

fn round_of(bin: &Path, sink: &mut Sink, variant: &str, requests: u64, connections: u64) -> Sample {
    let spans_per_request = match variant {
        "aios" | "tracing-otel" => 4,
        _ => 0,
    };
    let first = sink.count();
    let server = Server::start(bin, variant, &sink.addr);
    let warmed = run_load(bin, &server.addr, WARM_UP, connections);
    sink.wait_for(first + spans_per_request * warmed);
    let before = sink.count();
    let cpu_before = server.cpu();
    let started = Instant::now();
    let served = run_load(bin, &server.addr, requests, connections);
    let load_secs = started.elapsed().as_secs_f64();
    sink.wait_for(before + spans_per_request * served);
    let cpu = server.cpu().saturating_sub(cpu_before);
    let received_in_window = sink.count() - before;
    server.quit();
    // Spans count over the server's life, warm-up included: a batch
    // processor may send the warm-up's last spans only with the round's.
    let expected = spans_per_request * (warmed + served);
    sink.wait_for(first + expected);
    let received = sink.count() - first;
    Sample {
        variant: variant.to_owned(),
        cpu_us: cpu.as_secs_f64() * 1e6 / served.max(1) as f64,
        requests: served,
        load_secs,
        expected,
        received_in_window,
        received,
    }
}

/// `taskset -c CPU program` when taskset is there, else `program`.
fn pinned(cpu: u32, program: &Path) -> Command {
    let has_taskset = Command::new("taskset")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if has_taskset && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2) {
        let mut command = Command::new("taskset");
        command.arg("-c").arg(cpu.to_string()).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// A child process answering line by line on its standard streams.
struct Talker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Talker {
    fn spawn(mut command: Command, what: &str) -> Talker {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| fail(&format!("cannot start {what}: {e}")));
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Talker {
            child,
            stdin,
            stdout,
        }
    }

    /// The rest of the first line starting with `prefix`.
    fn expect(&mut self, prefix: &str) -> String {
        let mut line = String::new();
        loop {
            line.clear();
            match self.stdout.read_line(&mut line) {
                Ok(0) | Err(_) => fail(&format!("no `{prefix}` line from a child")),
                Ok(_) => {
                    if let Some(rest) = line.trim().strip_prefix(prefix) {
                        return rest.trim().to_owned();
                    }
                }
            }
        }
    }

    fn say(&mut self, line: &str) {
        let _ = writeln!(self.stdin, "{line}");
        let _ = self.stdin.flush();
    }
}

struct Sink {
    talker: Talker,
    addr: String,
}

impl Sink {
    fn start(bin: &Path) -> Sink {
        let mut talker = Talker::spawn(pinned(1, &bin.join("otlp_sink")), "otlp_sink");
        let addr = talker.expect("LISTENING");
        Sink { talker, addr }
    }

    fn count(&mut self) -> u64 {
        self.talker.say("count");
        let line = self.talker.expect("COUNT");
        line.split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| fail(&format!("bad COUNT line `{line}`")))
    }

    /// Waits until `target` spans arrived, or none arrived for 6 s (a
    /// batch processor sends every 5 s by default).
    fn wait_for(&mut self, target: u64) {
        let mut last = self.count();
        let mut since = Instant::now();
        while last < target && since.elapsed() < Duration::from_secs(6) {
            std::thread::sleep(Duration::from_millis(20));
            let now = self.count();
            if now != last {
                last = now;
                since = Instant::now();
            }
        }
    }

    fn quit(mut self) {
        self.talker.say("quit");
        let _ = self.talker.child.wait();
    }
}

struct Server {
    talker: Talker,
    addr: String,
    pid: u32,
}

impl Server {
    fn start(bin: &Path, variant: &str, sink: &str) -> Server {
        let mut command = pinned(0, &bin.join("order_service"));
        command.args(["--variant", variant, "--sink", sink]);
        let mut talker = Talker::spawn(command, "order_service");
        let addr = talker.expect("LISTENING");
        let pid = talker.child.id();
        Server { talker, addr, pid }
    }

    /// The server's CPU time (utime + stime) so far.
    fn cpu(&self) -> Duration {
        proc_stats::process_cpu_of(self.pid).unwrap_or_default()
    }

    fn quit(mut self) {
        self.talker.say("quit");
        self.talker.expect("FINAL");
        let _ = self.talker.child.wait();
    }
}

/// Runs the load generator process; returns the requests answered.
fn run_load(bin: &Path, addr: &str, requests: u64, connections: u64) -> u64 {
    let mut command = pinned(1, &bin.join("service_bench"));
    command.args([
        "--load",
        "--addr",
        addr,
        "--requests",
        &requests.to_string(),
        "--connections",
        &connections.to_string(),
    ]);
    let mut talker = Talker::spawn(command, "the load generator");
    let done = talker.expect("DONE");
    let _ = talker.child.wait();
    let ok: u64 = done
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| fail(&format!("bad DONE line `{done}`")));
    if ok < requests {
        eprintln!("service_bench: only {ok} of {requests} requests succeeded");
    }
    ok
}

/// The load generator: `connections` keep-alive connections, each sending
/// `GET /orders/{id}` one after another until `requests` were sent.
fn load(addr: &str, requests: u64, connections: u64) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("runtime: {e}")));
    let (ok, failed) = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(connections as usize)
            .http1_only()
            .build()
            .unwrap_or_else(|e| fail(&format!("client: {e}")));
        let next = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let tasks: Vec<_> = (0..connections)
            .map(|_| {
                let (client, next) = (client.clone(), std::sync::Arc::clone(&next));
                let base = format!("http://{addr}/orders/");
                tokio::spawn(async move {
                    let (mut ok, mut failed) = (0u64, 0u64);
                    loop {
                        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if n >= requests {
                            return (ok, failed);
                        }
                        let url = format!("{base}{}", 1 + n % 10_000);
                        match client.get(url).send().await {
                            Ok(response) if response.status().is_success() => {
                                let _ = response.bytes().await;
                                ok += 1;
                            }
                            _ => failed += 1,
                        }
                    }
                })
            })
            .collect();
        let mut totals = (0, 0);
        for task in tasks {
            let (ok, failed) = task.await.unwrap_or((0, 0));
            totals = (totals.0 + ok, totals.1 + failed);
        }
        totals
    });
    println!("DONE {ok} {failed}");
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn report(variants: &[&str], samples: &[Sample], requests: u64, connections: u64, rounds: u64) {
    fn of<'s>(samples: &'s [Sample], variant: &'s str) -> impl Iterator<Item = &'s Sample> {
        samples.iter().filter(move |s| s.variant == variant)
    }
    let mut untraced: Vec<f64> = of(samples, "none").map(|s| s.cpu_us).collect();
    let base = median(&mut untraced);
    println!(
        "{rounds} interleaved rounds of {requests} requests over {connections} keep-alive connections; server CPU (utime+stime) per request"
    );
    println!(
        "| variant | µs/request (median) | min–max | × untraced | spans received / expected |"
    );
    println!("|---|---:|---:|---:|---|");
    for variant in variants {
        let mut cpu: Vec<f64> = of(samples, variant).map(|s| s.cpu_us).collect();
        let (min, max) = cpu
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), c| (lo.min(*c), hi.max(*c)));
        let med = median(&mut cpu);
        let expected: u64 = of(samples, variant).map(|s| s.expected).sum();
        let received: u64 = of(samples, variant).map(|s| s.received).sum();
        let spans = if expected == 0 {
            format!("{received} / 0")
        } else {
            let lost = expected.saturating_sub(received);
            format!(
                "{received} / {expected} ({lost} lost, {:.2} %)",
                lost as f64 * 100.0 / expected as f64
            )
        };
        let ratio = if base.is_nan() {
            "–".to_owned()
        } else {
            format!("{:.2}", med / base)
        };
        println!("| {variant} | {med:.2} | {min:.2}–{max:.2} | {ratio} | {spans} |");
    }
}

fn fail(message: &str) -> ! {
    eprintln!("service_bench: {message}");
    std::process::exit(2)
}
