//! Retrying transient export failures with exponential backoff, within the
//! export's deadline, honouring the server's throttling hints.

use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// Why one attempt failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Worth another try (UNAVAILABLE, 503, 429, connection refused, …),
    /// optionally after the server's suggested delay.
    Transient {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Retrying won't help (400, INVALID_ARGUMENT, …).
    Permanent(String),
}

const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Runs `attempt` until it succeeds, fails permanently, or `deadline` passes.
pub(crate) async fn with_retries<F, Fut>(deadline: Instant, mut attempt: F) -> Result<(), String>
where
    F: FnMut(Duration) -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    let mut backoff = INITIAL_BACKOFF;
    let mut attempts = 0u32;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(format!(
                "export deadline passed after {attempts} attempt(s)"
            ));
        }
        attempts += 1;
        let outcome = tokio::time::timeout(remaining, attempt(remaining)).await;
        let (reason, retry_after) = match outcome {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(Failure::Permanent(reason))) => return Err(reason),
            Ok(Err(Failure::Transient {
                reason,
                retry_after,
            })) => (reason, retry_after),
            Err(_) => {
                return Err(format!(
                    "no answer within the export timeout after {attempts} attempt(s)"
                ))
            }
        };
        // Jitter keeps many clients from retrying in lockstep; the low bits
        // of the clock are random enough for that.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let jitter = Duration::from_millis(u64::from(nanos % 50));
        let wait = retry_after.unwrap_or(backoff) + jitter;
        if Instant::now() + wait >= deadline {
            return Err(format!("{reason} (gave up after {attempts} attempt(s))"));
        }
        tokio::time::sleep(wait).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn transient_failures_are_retried_until_success() {
        let calls = AtomicU32::new(0);
        let result = with_retries(Instant::now() + Duration::from_secs(10), |_| async {
            if calls.fetch_add(1, Ordering::Relaxed) < 2 {
                Err(Failure::Transient {
                    reason: "503".into(),
                    retry_after: None,
                })
            } else {
                Ok(())
            }
        })
        .await;
        assert!(result.is_ok());
        assert_eq!(calls.load(Ordering::Relaxed), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn permanent_failures_are_not_retried() {
        let calls = AtomicU32::new(0);
        let result = with_retries(Instant::now() + Duration::from_secs(10), |_| async {
            calls.fetch_add(1, Ordering::Relaxed);
            Err(Failure::Permanent("400 bad request".into()))
        })
        .await;
        assert_eq!(result.unwrap_err(), "400 bad request");
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn retrying_stops_at_the_deadline() {
        let start = Instant::now();
        let result = with_retries(start + Duration::from_secs(2), |_| async {
            Err(Failure::Transient {
                reason: "unavailable".into(),
                retry_after: Some(Duration::from_millis(700)),
            })
        })
        .await;
        assert!(result.unwrap_err().contains("unavailable"));
        assert!(Instant::now() - start <= Duration::from_secs(2));
    }
}
