//! State shared between the servers and the test thread.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::faults::FaultPlan;
use crate::received::{flatten, ReceivedRequest, ReceivedSpan};
use crate::Transport;

/// Everything recorded so far.
#[derive(Debug, Default)]
pub(crate) struct Recorded {
    pub requests: Vec<ReceivedRequest>,
    pub spans: Vec<ReceivedSpan>,
    pub rejected: usize,
    pub errors: Vec<String>,
    /// Spans counted but not kept (see `ReceiverBuilder::count_only`).
    pub counted: usize,
}

/// Shared by the server tasks (writers) and the [`crate::OtlpReceiver`] handle
/// (reader). Waiters are woken both through a `Condvar` (blocking waits) and a
/// `watch` channel (async waits).
#[derive(Debug)]
pub(crate) struct Shared {
    pub transport: Transport,
    pub plan: FaultPlan,
    recorded: Mutex<Recorded>,
    changed: Condvar,
    version: watch::Sender<u64>,
    request_seq: AtomicU64,
    connection_seq: AtomicU64,
}

impl Shared {
    pub fn new(transport: Transport, plan: FaultPlan) -> Shared {
        Shared {
            transport,
            plan,
            recorded: Mutex::new(Recorded::default()),
            changed: Condvar::new(),
            version: watch::channel(0).0,
            request_seq: AtomicU64::new(0),
            connection_seq: AtomicU64::new(0),
        }
    }

    /// Locks the recorded data (a poisoned lock is still usable: the data is
    /// append-only).
    pub fn lock(&self) -> MutexGuard<'_, Recorded> {
        self.recorded.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// 0-based index of a newly arrived export request.
    pub fn next_request_index(&self) -> u64 {
        self.request_seq.fetch_add(1, Ordering::SeqCst)
    }

    /// 0-based index of a newly accepted TCP connection.
    pub fn next_connection_index(&self) -> u64 {
        self.connection_seq.fetch_add(1, Ordering::SeqCst)
    }

    /// Number of TCP connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.connection_seq.load(Ordering::SeqCst)
    }

    /// Sleeps for the configured answer delay, if any.
    pub async fn delay(&self) {
        if let Some(delay) = self.plan.delay {
            tokio::time::sleep(delay).await;
        }
    }

    /// Records an accepted request and its spans.
    pub fn record(&self, request: ReceivedRequest) {
        if self.plan.count_only {
            let n: usize = request
                .request
                .resource_spans
                .iter()
                .flat_map(|r| &r.scope_spans)
                .map(|s| s.spans.len())
                .sum();
            self.lock().counted += n;
            self.notify();
            return;
        }
        let spans = flatten(&request.request, request.transport);
        {
            let mut rec = self.lock();
            rec.spans.extend(spans);
            rec.requests.push(request);
        }
        self.notify();
    }

    /// Counts a request or connection answered with a fault.
    pub fn reject(&self) {
        self.lock().rejected += 1;
        self.notify();
    }

    /// Counts a request rejected because it could not be decoded, keeping why.
    pub fn reject_malformed(&self, why: String) {
        {
            let mut rec = self.lock();
            rec.rejected += 1;
            rec.errors.push(why);
        }
        self.notify();
    }

    /// Wakes every waiter.
    pub fn notify(&self) {
        self.changed.notify_all();
        self.version.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Blocks until `done` holds or `timeout` passes; returns what `read` makes
    /// of the final state.
    pub fn wait_until<T>(
        &self,
        timeout: Duration,
        done: impl Fn(&Recorded) -> bool,
        read: impl FnOnce(&Recorded) -> T,
    ) -> T {
        let deadline = Instant::now() + timeout;
        let mut rec = self.lock();
        while !done(&rec) {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            rec = self
                .changed
                .wait_timeout(rec, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        read(&rec)
    }

    /// Async form of [`Shared::wait_until`]; needs a tokio runtime with time.
    pub async fn wait_until_async<T>(
        &self,
        timeout: Duration,
        done: impl Fn(&Recorded) -> bool,
        read: impl FnOnce(&Recorded) -> T,
    ) -> T {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.version.subscribe();
        loop {
            // Mark the current version as seen *before* checking, so a change
            // between the check and the wait is not missed.
            changes.borrow_and_update();
            if done(&self.lock()) {
                break;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => continue,
                _ => break,
            }
        }
        read(&self.lock())
    }
}
