//! CPU time (`clock_gettime`) and memory (`/proc`) of processes and
//! threads (Linux), without `unsafe`.

use std::fs;
use std::time::Duration;

/// Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`; 100 on Linux).
const CLK_TCK: u64 = 100;

/// Peak resident set size (`VmHWM`) of `pid`, or of this process, in KiB.
pub fn peak_rss_kib(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_owned(),
    };
    status_field_kib(&fs::read_to_string(path).ok()?, "VmHWM:")
}

/// Current resident set size (`VmRSS`) of this process, in KiB.
pub fn rss_kib() -> Option<u64> {
    status_field_kib(&fs::read_to_string("/proc/self/status").ok()?, "VmRSS:")
}

fn status_field_kib(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].split_whitespace().next()?.parse().ok()
}

/// CPU time of this whole process: all threads, live and exited
/// (`CLOCK_PROCESS_CPUTIME_ID`, nanosecond resolution).
pub fn process_cpu() -> Option<Duration> {
    Some(timespec(rustix::time::clock_gettime(
        rustix::time::ClockId::ProcessCPUTime,
    )))
}

/// User + system CPU time of `pid` from `/proc/<pid>/stat`, at clock-tick
/// (10 ms) resolution.
pub fn process_cpu_of(pid: u32) -> Option<Duration> {
    stat_cpu(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

fn timespec(t: rustix::time::Timespec) -> Duration {
    Duration::new(t.tv_sec.max(0) as u64, t.tv_nsec.max(0) as u32)
}

fn stat_cpu(stat: &str) -> Option<Duration> {
    // Fields after the parenthesised command name start at field 3 (state);
    // utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_nanos(
        (utime + stime) * 1_000_000_000 / CLK_TCK,
    ))
}

/// CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`).
pub fn thread_cpu() -> Option<Duration> {
    Some(timespec(rustix::time::clock_gettime(
        rustix::time::ClockId::ThreadCPUTime,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_and_status() {
        let stat = "1234 (my (odd) name) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0";
        assert_eq!(stat_cpu(stat), Some(Duration::from_secs(3)));
        let status = "Name:\tx\nVmHWM:\t   12345 kB\nVmRSS:\t 100 kB\n";
        assert_eq!(status_field_kib(status, "VmHWM:"), Some(12345));
    }

    #[test]
    fn reads_this_process() {
        assert!(peak_rss_kib(None).unwrap() > 0);
        assert!(process_cpu().is_some());
        assert!(thread_cpu().is_some());
    }
}
