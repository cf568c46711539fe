//! A counting OTLP receiver in its own process, for `export_bench`.
//!
//! ```text
//! otlp_sink [--workers N] [--port P]
//! ```
//!
//! Prints `LISTENING <addr>` once it accepts OTLP/gRPC and OTLP/HTTP
//! protobuf (`/v1/traces`) on `127.0.0.1`, then answers lines on stdin:
//! `count` prints `COUNT <spans> <requests> <bytes> <last arrival, unix ns>`;
//! `quit` (or end of input) prints `FINAL …` with the same fields plus its
//! peak RSS in KiB and CPU time in ns, and exits.

use aios_tracing_benches::proc_stats;
use aios_tracing_benches::sink::{Counts, Sink};
use std::io::{BufRead, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

fn main() {
    let mut workers = 2;
    let mut port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| fail(&format!("{name} needs a number")))
        };
        match arg.as_str() {
            "--workers" => workers = value("--workers"),
            "--port" => port = value("--port") as u16,
            "-h" | "--help" => {
                println!("usage: otlp_sink [--workers N] [--port P]");
                return;
            }
            other => fail(&format!("unknown argument `{other}`")),
        }
    }
    let mut sink = Sink::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, port)), workers)
        .unwrap_or_else(|e| fail(&format!("cannot start: {e}")));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "LISTENING {}", sink.addr()).ok();
    out.flush().ok();

    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        match line.trim() {
            "count" => {
                writeln!(out, "COUNT {}", fields(sink.counts())).ok();
                out.flush().ok();
            }
            "quit" => break,
            "" => {}
            other => {
                writeln!(out, "ERROR unknown command `{other}`").ok();
                out.flush().ok();
            }
        }
    }
    let rss = proc_stats::peak_rss_kib(None).unwrap_or(0);
    let cpu = proc_stats::process_cpu().unwrap_or_default().as_nanos();
    writeln!(out, "FINAL {} {rss} {cpu}", fields(sink.counts())).ok();
    out.flush().ok();
    sink.stop();
}

fn fields(counts: &Counts) -> String {
    let last = counts.last_arrival().map_or(0, unix_ns);
    format!(
        "{} {} {} {last}",
        counts.spans(),
        counts.requests(),
        counts.bytes()
    )
}

/// An `Instant` as nanoseconds since the Unix epoch (comparable across processes).
fn unix_ns(at: Instant) -> u128 {
    let now_sys = SystemTime::now();
    let ago = at.elapsed();
    (now_sys - ago)
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
}

fn fail(message: &str) -> ! {
    eprintln!("otlp_sink: {message}");
    std::process::exit(2)
}
