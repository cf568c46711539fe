//! The SDK's own warnings: through `tracing` (target `aios_tracing`), and
//! rate-limited so a dead collector produces a line every so often, not a
//! line per span.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const INTERVAL: Duration = Duration::from_secs(30);

/// One kind of warning with its own rate limit.
#[derive(Debug)]
pub(crate) struct RateLimited {
    /// Milliseconds since `epoch()` of the last emitted line, plus one (0 = never).
    last: AtomicU64,
    suppressed: AtomicU64,
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

impl RateLimited {
    pub(crate) const fn new() -> Self {
        RateLimited {
            last: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
        }
    }

    /// Calls `emit` with the number of warnings suppressed since the last
    /// line, unless a line went out less than 30 s ago.
    pub(crate) fn warn(&self, emit: impl FnOnce(u64)) {
        let now = epoch().elapsed().as_millis() as u64 + 1;
        let last = self.last.load(Ordering::Relaxed);
        let due = last == 0 || now.saturating_sub(last) >= INTERVAL.as_millis() as u64;
        if due
            && self
                .last
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            emit(self.suppressed.swap(0, Ordering::Relaxed));
        } else {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
        }
    }
}
