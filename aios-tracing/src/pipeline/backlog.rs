//! Export requests the worker has made and not yet finished with: each
//! the spans of one batch, encoded, with what they count for in the
//! queue's bounds. A request that failed transiently waits here, in the
//! order it was made, to be sent again once the collector answers; one
//! that has waited longer than the longest wait allowed is given up.

use crate::sink::Request;
use crate::transport::ExportError;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

/// One batch's spans, encoded: a request per network sink, not yet all
/// delivered.
#[derive(Debug)]
pub(super) struct Pending {
    /// In sink order; each is removed once delivered.
    requests: VecDeque<Request>,
    /// The spans it carries, and the bytes it is charged in the queue.
    pub(super) spans: u64,
    pub(super) bytes: usize,
    /// Made in this order: the oldest go first.
    seq: u64,
    made: Instant,
}

impl Pending {
    /// Sends each request not yet delivered, in turn; stops at the first
    /// failure (the rest wait with it).
    pub(super) async fn deliver(&mut self) -> Result<(), ExportError> {
        while let Some(request) = self.requests.front_mut() {
            request.send().await?;
            self.requests.pop_front();
        }
        Ok(())
    }
}

/// The requests waiting to be sent, oldest first.
#[derive(Debug)]
pub(super) struct Backlog {
    waiting: VecDeque<Pending>,
    next_seq: u64,
    /// How long a request may wait, from when it was made.
    max_wait: Duration,
}

impl Backlog {
    pub(super) fn new(max_wait: Duration) -> Self {
        Backlog {
            waiting: VecDeque::new(),
            next_seq: 0,
            max_wait,
        }
    }

    /// A new request of `spans` spans, charged `bytes`; `None` if no sink
    /// had anything to send.
    pub(super) fn make(
        &mut self,
        requests: Vec<Request>,
        spans: u64,
        bytes: usize,
    ) -> Option<Pending> {
        if requests.is_empty() {
            return None;
        }
        self.next_seq += 1;
        Some(Pending {
            requests: requests.into(),
            spans,
            bytes,
            seq: self.next_seq,
            made: Instant::now(),
        })
    }

    /// Waits behind everything made before it.
    pub(super) fn push(&mut self, pending: Pending) {
        let at = self.waiting.partition_point(|p| p.seq < pending.seq);
        self.waiting.insert(at, pending);
    }

    /// The oldest waiting request.
    pub(super) fn pop(&mut self) -> Option<Pending> {
        self.waiting.pop_front()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Whether `pending` has waited as long as it may.
    pub(super) fn expired(&self, pending: &Pending, now: Instant) -> bool {
        now.saturating_duration_since(pending.made) >= self.max_wait
    }

    /// Takes out the requests that have waited as long as they may.
    pub(super) fn take_expired(&mut self, now: Instant) -> Vec<Pending> {
        let count = self
            .waiting
            .iter()
            .take_while(|p| self.expired(p, now))
            .count();
        self.waiting.drain(..count).collect()
    }

    /// Takes out every waiting request.
    pub(super) fn take_all(&mut self) -> VecDeque<Pending> {
        std::mem::take(&mut self.waiting)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Vec<Request> {
        vec![Request::new(10, || Box::pin(async { Ok(()) }))]
    }

    #[tokio::test(start_paused = true)]
    async fn requests_sent_again_wait_in_the_order_they_were_made() {
        let mut backlog = Backlog::new(Duration::from_secs(60));
        let made: Vec<Pending> = (0..4)
            .map(|n| backlog.make(request(), n, 10).unwrap())
            .collect();
        assert!(backlog.make(Vec::new(), 1, 10).is_none(), "nothing to send");
        for pending in made.into_iter().rev() {
            backlog.push(pending);
        }
        let order: Vec<u64> = std::iter::from_fn(|| backlog.pop())
            .map(|p| p.spans)
            .collect();
        assert_eq!(order, [0, 1, 2, 3]);
    }

    #[tokio::test(start_paused = true)]
    async fn requests_past_the_longest_wait_are_taken_out() {
        let mut backlog = Backlog::new(Duration::from_secs(60));
        let old = backlog.make(request(), 1, 10).unwrap();
        tokio::time::advance(Duration::from_secs(30)).await;
        let young = backlog.make(request(), 2, 10).unwrap();
        backlog.push(young);
        backlog.push(old);
        tokio::time::advance(Duration::from_secs(30)).await;
        let expired = backlog.take_expired(Instant::now());
        assert_eq!(expired.iter().map(|p| p.spans).collect::<Vec<_>>(), [1]);
        assert_eq!(backlog.pop().map(|p| p.spans), Some(2));
    }

    #[tokio::test]
    async fn a_delivery_resumes_after_the_requests_already_delivered() {
        let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let fails = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let first = {
            let sent = std::sync::Arc::clone(&sent);
            Request::new(1, move || {
                sent.lock().unwrap().push("first");
                Box::pin(async { Ok(()) })
            })
        };
        let second = {
            let (sent, fails) = (std::sync::Arc::clone(&sent), std::sync::Arc::clone(&fails));
            Request::new(1, move || {
                sent.lock().unwrap().push("second");
                let fail = fails.swap(false, std::sync::atomic::Ordering::Relaxed);
                Box::pin(async move {
                    if fail {
                        Err(ExportError::transient("503"))
                    } else {
                        Ok(())
                    }
                })
            })
        };
        let mut backlog = Backlog::new(Duration::from_secs(60));
        let mut pending = backlog.make(vec![first, second], 1, 2).unwrap();
        assert!(pending.deliver().await.is_err());
        assert!(pending.deliver().await.is_ok());
        assert_eq!(*sent.lock().unwrap(), ["first", "second", "second"]);
    }
}
