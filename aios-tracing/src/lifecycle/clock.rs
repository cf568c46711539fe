//! Span timestamps.
//!
//! Reading the system clock costs tens of nanoseconds here (two per span),
//! reading the CPU's time-stamp counter a few: [`now`] reads the counter
//! (through `quanta`, which falls back to the monotonic clock where the
//! counter is unusable) and adds the time since a per-thread anchor taken
//! from the system clock. The anchor is renewed every [`REANCHOR`], so a
//! timestamp never drifts from the system clock by more than the counter
//! can drift in that time, and clock adjustments show up within it.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::{Duration, SystemTime};

/// Set once the counter is calibrated; until then [`now`] reads the
/// system clock.
static CALIBRATED: AtomicBool = AtomicBool::new(false);

/// How long an anchor is used before the system clock is read again.
const REANCHOR: Duration = Duration::from_millis(100);

thread_local! {
    static ANCHOR: Cell<Option<(quanta::Instant, SystemTime)>> = const { Cell::new(None) };
}

/// The current wall-clock time.
#[inline]
pub(crate) fn now() -> SystemTime {
    if !CALIBRATED.load(Ordering::Relaxed) {
        return SystemTime::now();
    }
    let counter = quanta::Instant::now();
    ANCHOR
        .try_with(|anchor| match anchor.get() {
            Some((at, wall)) => match counter.checked_duration_since(at) {
                Some(elapsed) if elapsed < REANCHOR => wall + elapsed,
                _ => reanchor(anchor, counter),
            },
            None => reanchor(anchor, counter),
        })
        .unwrap_or_else(|_| SystemTime::now())
}

#[cold]
fn reanchor(
    anchor: &Cell<Option<(quanta::Instant, SystemTime)>>,
    counter: quanta::Instant,
) -> SystemTime {
    let wall = SystemTime::now();
    anchor.set(Some((counter, wall)));
    wall
}

/// Calibrates the counter, once per process, on a thread of its own:
/// calibration takes from under a millisecond to (at worst) 200 ms, which
/// neither `init` nor the first spans should wait for.
pub(crate) fn warm_up() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        let calibrate = || {
            let _ = quanta::Instant::now();
            CALIBRATED.store(true, Ordering::Relaxed);
        };
        // Without a thread, spans keep using the system clock.
        let _ = std::thread::Builder::new()
            .name("aios-tracing-clock".into())
            .spawn(calibrate);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calibrated() {
        warm_up();
        while !CALIBRATED.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn stays_within_a_millisecond_of_the_system_clock() {
        calibrated();
        for _ in 0..1_000 {
            let before = SystemTime::now();
            let ours = now();
            let after = SystemTime::now();
            let slack = Duration::from_millis(1);
            assert!(
                ours + slack >= before && ours <= after + slack,
                "{ours:?} not in {before:?}..{after:?}"
            );
        }
    }

    #[test]
    fn never_goes_backwards_within_a_thread() {
        calibrated();
        let mut last = now();
        for _ in 0..100_000 {
            let t = now();
            assert!(
                t >= last || last.duration_since(t).unwrap_or_default() < Duration::from_micros(50)
            );
            last = t;
        }
    }
}
