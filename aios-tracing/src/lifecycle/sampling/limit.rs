//! A cap on new traces per second, shared by every thread: the generic
//! cell rate algorithm (a token bucket kept as one time stamp, the
//! theoretical arrival time of the next trace), so a check is one atomic
//! compare-and-swap and no lock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[derive(Debug)]
pub(crate) struct RateLimit {
    /// Nanoseconds between two traces at the steady rate.
    interval: u64,
    /// How far ahead of now the arrival time may run: a second's worth of
    /// traces can come at once.
    burst: u64,
    /// The next trace's theoretical arrival, in nanoseconds after `epoch`.
    next: AtomicU64,
    epoch: Instant,
}

impl RateLimit {
    /// At most `per_second` new traces a second (bursts up to as many).
    pub(crate) fn new(per_second: f64) -> Self {
        let interval = (1e9 / per_second.max(f64::MIN_POSITIVE)).min(u64::MAX as f64) as u64;
        RateLimit {
            interval: interval.max(1),
            burst: 1_000_000_000u64.saturating_sub(interval),
            next: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    /// Whether one more trace fits now.
    pub(crate) fn allow(&self) -> bool {
        let now = self.epoch.elapsed().as_nanos() as u64;
        let mut next = self.next.load(Ordering::Relaxed);
        loop {
            let at = next.max(now);
            if at - now > self.burst {
                return false;
            }
            match self.next.compare_exchange_weak(
                next,
                at + self.interval,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(current) => next = current,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimit;

    #[test]
    fn a_burst_of_one_second_then_the_steady_rate() {
        let limit = RateLimit::new(100.0);
        let allowed = (0..1000).filter(|_| limit.allow()).count();
        assert_eq!(allowed, 100, "a second's worth at once");
        std::thread::sleep(std::time::Duration::from_millis(100));
        let more = (0..1000).filter(|_| limit.allow()).count();
        assert!((9..=11).contains(&more), "{more} after 100 ms at 100/s");
    }
}
