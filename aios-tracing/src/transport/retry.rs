//! Retrying transient export failures with exponential backoff, within the
//! export's deadline, honouring the server's throttling hints.

use super::outcome::ExportError;
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Runs `attempt` until it succeeds, fails permanently, or `deadline` passes.
pub(crate) async fn with_retries<T, F, Fut>(
    deadline: Instant,
    mut attempt: F,
) -> Result<T, ExportError>
where
    F: FnMut(Duration) -> Fut,
    Fut: Future<Output = Result<T, ExportError>>,
{
    let mut backoff = INITIAL_BACKOFF;
    let mut attempts = 0u32;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(ExportError::Deadline {
                reason: "export deadline passed".into(),
                attempts,
            });
        }
        attempts += 1;
        let outcome = tokio::time::timeout(remaining, attempt(remaining)).await;
        let (reason, retry_after) = match outcome {
            Ok(Ok(delivered)) => return Ok(delivered),
            Ok(Err(ExportError::Transient {
                reason,
                retry_after,
            })) => (reason, retry_after),
            Ok(Err(other)) => return Err(other),
            Err(_) => {
                return Err(ExportError::Deadline {
                    reason: "no answer within the export timeout".into(),
                    attempts,
                })
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
            return Err(ExportError::Deadline { reason, attempts });
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
                Err(ExportError::transient("503"))
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
        let result: Result<(), _> =
            with_retries(Instant::now() + Duration::from_secs(10), |_| async {
                calls.fetch_add(1, Ordering::Relaxed);
                Err(ExportError::Permanent("400 bad request".into()))
            })
            .await;
        assert_eq!(
            result.unwrap_err(),
            ExportError::Permanent("400 bad request".into())
        );
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn retrying_stops_at_the_deadline() {
        let start = Instant::now();
        let result: Result<(), _> = with_retries(start + Duration::from_secs(2), |_| async {
            Err(ExportError::Transient {
                reason: "unavailable".into(),
                retry_after: Some(Duration::from_millis(700)),
            })
        })
        .await;
        let error = result.unwrap_err();
        assert!(matches!(error, ExportError::Deadline { .. }), "{error:?}");
        assert!(error.to_string().contains("unavailable"));
        assert!(Instant::now() - start <= Duration::from_secs(2));
    }
}
