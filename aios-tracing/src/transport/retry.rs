//! Sending one request through the [`Gate`]: one attempt while the
//! collector answers; while it is down, either nothing (another request
//! probes it) or, as the probe, attempts on the group's backoff until the
//! export timeout has passed since the first of them, the last one made at
//! that deadline.
//!
//! A request that stops without an answer fails transiently, and the
//! pipeline keeps it to send again: it is the pipeline that holds spans
//! through an outage, not this loop.

use super::gate::{Entry, Gate};
use super::outcome::ExportError;
use std::future::Future;
use std::time::Duration;
use tokio::time::{sleep_until, Instant};

/// Sends with `attempt`, which is given the time it may wait for an answer
/// (`timeout` each time).
pub(crate) async fn with_retries<T, F, Fut>(
    gate: &Gate,
    timeout: Duration,
    mut attempt: F,
) -> Result<T, ExportError>
where
    F: FnMut(Duration) -> Fut,
    Fut: Future<Output = Result<T, ExportError>>,
{
    let probe = match gate.enter() {
        Entry::Open => None,
        Entry::Closed => {
            return Err(ExportError::transient(
                "collector unavailable (another request is probing it)",
            ))
        }
        Entry::Probe(probe) => {
            sleep_until(probe.next_attempt()).await;
            Some(probe)
        }
    };
    let deadline = Instant::now() + timeout;
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let (reason, retry_after) = match tokio::time::timeout(timeout, attempt(timeout)).await {
            Ok(Ok(answer)) => {
                gate.answered();
                return Ok(answer);
            }
            Ok(Err(ExportError::Transient {
                reason,
                retry_after,
            })) => (reason, retry_after),
            Ok(Err(refused)) => {
                gate.answered();
                return Err(refused);
            }
            Err(_) => ("no answer within the export timeout".to_owned(), None),
        };
        let Some(probe) = &probe else {
            gate.failed(retry_after);
            return Err(ExportError::Transient {
                reason,
                retry_after,
            });
        };
        let next = probe.failed(retry_after);
        // The last attempt is at the deadline, unless the server asked for
        // a longer wait: the next probe then waits for it on the gate.
        if Instant::now() >= deadline || (retry_after.is_some() && next > deadline) {
            return Err(ExportError::Deadline { reason, attempts });
        }
        sleep_until(next.min(deadline)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::gate::{INITIAL_BACKOFF, JITTER, MAX_BACKOFF};
    use std::sync::Mutex;

    const TIMEOUT: Duration = Duration::from_secs(10);

    /// Runs one request against a collector that fails transiently
    /// `failures` times; returns the outcome and when each attempt started.
    async fn send(
        gate: &Gate,
        failures: &Mutex<u32>,
        timeout: Duration,
    ) -> (Result<(), ExportError>, Vec<Instant>) {
        let starts = Mutex::new(Vec::new());
        let outcome = with_retries(gate, timeout, |_| {
            starts.lock().unwrap().push(Instant::now());
            let mut failures = failures.lock().unwrap();
            let fail = *failures > 0;
            *failures = failures.saturating_sub(1);
            async move {
                if fail {
                    Err(ExportError::transient("503"))
                } else {
                    Ok(())
                }
            }
        })
        .await;
        (outcome, starts.into_inner().unwrap())
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_while_the_collector_answered_closes_the_gate_and_returns() {
        let gate = Gate::default();
        let failures = Mutex::new(1);
        let (outcome, starts) = send(&gate, &failures, TIMEOUT).await;
        assert!(matches!(outcome, Err(ExportError::Transient { .. })));
        assert_eq!(starts.len(), 1, "not the probe: one attempt");
        // Sent again, as the pipeline does: now the probe, after a backoff.
        let before = Instant::now();
        let (outcome, starts) = send(&gate, &failures, TIMEOUT).await;
        assert!(outcome.is_ok());
        assert!(starts[0] - before >= INITIAL_BACKOFF.mul_f64(1.0 - JITTER));
        assert!(matches!(gate.enter(), Entry::Open));
    }

    #[tokio::test(start_paused = true)]
    async fn the_probe_retries_with_backoff_and_makes_its_last_attempt_at_the_deadline() {
        let gate = Gate::default();
        gate.failed(None);
        let failures = Mutex::new(u32::MAX);
        let (outcome, starts) = send(&gate, &failures, TIMEOUT).await;
        let error = outcome.unwrap_err();
        assert!(matches!(error, ExportError::Deadline { .. }), "{error:?}");
        assert!(error.to_string().contains("503"), "{error}");
        let first = starts[0];
        assert_eq!(*starts.last().unwrap(), first + TIMEOUT, "{starts:?}");
        let mut base = INITIAL_BACKOFF * 2;
        for pair in starts[..starts.len() - 1].windows(2) {
            let wait = pair[1] - pair[0];
            assert!(wait >= base.mul_f64(1.0 - JITTER), "{starts:?}");
            assert!(wait <= base.mul_f64(1.0 + JITTER), "{starts:?}");
            base = (base * 2).min(MAX_BACKOFF);
        }
        assert!(starts.len() >= 6, "{starts:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn while_one_request_probes_the_others_make_no_attempt() {
        let gate = Gate::default();
        gate.failed(None);
        let Entry::Probe(_probe) = gate.enter() else {
            panic!("expected the probe")
        };
        let failures = Mutex::new(0);
        let (outcome, starts) = send(&gate, &failures, TIMEOUT).await;
        assert!(matches!(outcome, Err(ExportError::Transient { .. })));
        assert!(starts.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn permanent_failures_are_not_retried_and_count_as_an_answer() {
        let gate = Gate::default();
        gate.failed(None);
        let calls = Mutex::new(0);
        let result: Result<(), _> = with_retries(&gate, TIMEOUT, |_| {
            *calls.lock().unwrap() += 1;
            async { Err(ExportError::Permanent("400 bad request".into())) }
        })
        .await;
        assert_eq!(
            result.unwrap_err(),
            ExportError::Permanent("400 bad request".into())
        );
        assert_eq!(*calls.lock().unwrap(), 1);
        assert!(matches!(gate.enter(), Entry::Open));
    }

    #[tokio::test(start_paused = true)]
    async fn the_servers_hint_is_waited_for() {
        let gate = Gate::default();
        let start = Instant::now();
        let result: Result<(), _> = with_retries(&gate, TIMEOUT, |_| async {
            Err(ExportError::Transient {
                reason: "unavailable".into(),
                retry_after: Some(Duration::from_secs(3)),
            })
        })
        .await;
        assert!(result.is_err());
        let Entry::Probe(probe) = gate.enter() else {
            panic!("expected the probe")
        };
        assert!(probe.next_attempt() - start >= Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_servers_hint_past_the_deadline_is_not_cut_short() {
        let gate = Gate::default();
        gate.failed(None);
        let starts = Mutex::new(Vec::new());
        let result: Result<(), _> = with_retries(&gate, TIMEOUT, |_| {
            starts.lock().unwrap().push(Instant::now());
            async {
                Err(ExportError::Transient {
                    reason: "unavailable".into(),
                    retry_after: Some(Duration::from_secs(30)),
                })
            }
        })
        .await;
        assert!(matches!(result, Err(ExportError::Deadline { .. })));
        assert_eq!(
            starts.lock().unwrap().len(),
            1,
            "no attempt before the hint"
        );
        let Entry::Probe(probe) = gate.enter() else {
            panic!("expected the probe")
        };
        let first = starts.lock().unwrap()[0];
        assert!(probe.next_attempt() - first >= Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn an_attempt_without_an_answer_is_cut_off_at_the_timeout() {
        let gate = Gate::default();
        let start = Instant::now();
        let result: Result<(), _> = with_retries(&gate, Duration::from_secs(2), |_| {
            std::future::pending::<Result<(), ExportError>>()
        })
        .await;
        let error = result.unwrap_err();
        assert!(matches!(error, ExportError::Transient { .. }), "{error:?}");
        assert_eq!(Instant::now() - start, Duration::from_secs(2));
    }
}
