//! Backing off as a group: whether the collector is answering, and while
//! it is not, which one request probes it and when.
//!
//! Every export request in flight goes to the same collector. When one of
//! them fails transiently the collector is taken to be down: the gate
//! closes, requests that are not the probe stop after their own failed
//! attempt (the pipeline keeps their spans queued), and a single request
//! at a time, the probe, tries again on the group's schedule, capped and
//! jittered, until the collector answers and the gate opens.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// The first wait after a failure, doubled after each failed probe.
pub(crate) const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
/// The longest wait without a server hint, before jitter.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Each wait is stretched or shrunk by up to this fraction (a server's
/// hint only stretched), so that clients that failed together do not
/// retry together.
pub(crate) const JITTER: f64 = 0.2;

/// The collector's state as the export requests in flight see it.
#[derive(Debug)]
pub(crate) struct Gate {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// A transient failure since the collector last answered.
    down: bool,
    /// A request holds the probe.
    probing: bool,
    /// The probe's next wait, when the server gives no hint.
    backoff: Duration,
    /// When the probe may next try.
    next_attempt: Instant,
}

/// How a request may go to the collector.
#[derive(Debug)]
pub(crate) enum Entry<'g> {
    /// The collector is answering: one attempt.
    Open,
    /// The collector is down and this request probes it: attempts on the
    /// group's schedule.
    Probe(Probe<'g>),
    /// The collector is down and another request probes it: no attempt.
    Closed,
}

/// Holding the probe; given back when dropped.
#[derive(Debug)]
pub(crate) struct Probe<'g> {
    gate: &'g Gate,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            state: Mutex::new(State {
                down: false,
                probing: false,
                backoff: INITIAL_BACKOFF,
                next_attempt: Instant::now(),
            }),
        }
    }
}

impl Gate {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How a request may go now.
    pub(crate) fn enter(&self) -> Entry<'_> {
        let mut state = self.lock();
        if !state.down {
            Entry::Open
        } else if state.probing {
            Entry::Closed
        } else {
            state.probing = true;
            Entry::Probe(Probe { gate: self })
        }
    }

    /// The collector answered (accepted or refused a request): the gate
    /// opens and the backoff starts over.
    pub(crate) fn answered(&self) {
        let mut state = self.lock();
        state.down = false;
        state.backoff = INITIAL_BACKOFF;
    }

    /// A request that was not the probe failed transiently: the gate closes
    /// if it was open, with the probe's first attempt one backoff (or the
    /// server's hint) away.
    pub(crate) fn failed(&self, retry_after: Option<Duration>) {
        let now = Instant::now();
        let mut state = self.lock();
        if !state.down {
            state.down = true;
            state.backoff = INITIAL_BACKOFF;
            let wait = next_wait(&mut state, retry_after);
            state.next_attempt = now + wait;
        } else if let Some(hint) = retry_after {
            state.next_attempt = state.next_attempt.max(now + hint);
        }
    }
}

impl Probe<'_> {
    /// When the probe may make its next attempt.
    pub(crate) fn next_attempt(&self) -> Instant {
        self.gate.lock().next_attempt
    }

    /// The probe's attempt failed transiently: schedules the next one, a
    /// backoff (or the server's hint) from now, and returns when it is.
    pub(crate) fn failed(&self, retry_after: Option<Duration>) -> Instant {
        let now = Instant::now();
        let mut state = self.gate.lock();
        state.down = true;
        let wait = next_wait(&mut state, retry_after);
        state.next_attempt = now + wait;
        state.next_attempt
    }
}

impl Drop for Probe<'_> {
    fn drop(&mut self) {
        self.gate.lock().probing = false;
    }
}

/// The wait before the next attempt, jittered, and the backoff after it.
fn next_wait(state: &mut State, retry_after: Option<Duration>) -> Duration {
    match retry_after {
        Some(hint) => hint.mul_f64(1.0 + JITTER * fastrand::f64()),
        None => {
            let base = state.backoff;
            state.backoff = (base * 2).min(MAX_BACKOFF);
            base.mul_f64(1.0 - JITTER + 2.0 * JITTER * fastrand::f64())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn one_request_probes_while_the_collector_is_down() {
        let gate = Gate::default();
        assert!(matches!(gate.enter(), Entry::Open));
        gate.failed(None);
        let probe = match gate.enter() {
            Entry::Probe(probe) => probe,
            other => panic!("expected the probe, got {other:?}"),
        };
        assert!(matches!(gate.enter(), Entry::Closed), "one probe at a time");
        let wait = probe.next_attempt() - Instant::now();
        assert!(wait >= INITIAL_BACKOFF.mul_f64(1.0 - JITTER), "{wait:?}");
        drop(probe);
        assert!(
            matches!(gate.enter(), Entry::Probe(_)),
            "the probe was given back"
        );
        gate.answered();
        assert!(matches!(gate.enter(), Entry::Open));
    }

    #[tokio::test(start_paused = true)]
    async fn the_backoff_doubles_up_to_its_cap_and_starts_over_on_an_answer() {
        let gate = Gate::default();
        gate.failed(None);
        let Entry::Probe(probe) = gate.enter() else {
            panic!("expected the probe")
        };
        let mut base = INITIAL_BACKOFF * 2;
        for _ in 0..10 {
            let wait = probe.failed(None) - Instant::now();
            assert!(wait >= base.mul_f64(1.0 - JITTER), "{wait:?} for {base:?}");
            assert!(wait <= base.mul_f64(1.0 + JITTER), "{wait:?} for {base:?}");
            base = (base * 2).min(MAX_BACKOFF);
        }
        let hinted = probe.failed(Some(Duration::from_secs(30))) - Instant::now();
        assert!(
            hinted >= Duration::from_secs(30),
            "a server's hint is a minimum"
        );
        drop(probe);
        gate.answered();
        gate.failed(None);
        let Entry::Probe(probe) = gate.enter() else {
            panic!("expected the probe")
        };
        let wait = probe.next_attempt() - Instant::now();
        assert!(wait <= INITIAL_BACKOFF.mul_f64(1.0 + JITTER), "{wait:?}");
    }
}
