//! The application's side of the export worker: starting its thread, and
//! flush and shutdown requests, each waited for until one deadline the
//! caller set, never past it.

use super::intake::Intake;
use super::worker::{self, Command, WorkerSettings};
use crate::sink::Starter;
use opentelemetry::Context;
use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

/// Why a flush or shutdown request did not finish cleanly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Incomplete {
    /// The deadline passed first.
    Timeout,
    /// The worker had stopped (or this is the worker's own thread).
    Stopped,
    /// Everything was handled, but some spans were dropped.
    Dropped,
}

/// The application's side of the worker: requests and the thread.
#[derive(Debug)]
pub(crate) struct Handle {
    commands: UnboundedSender<Command>,
    thread: Mutex<Option<JoinHandle<()>>>,
    thread_id: ThreadId,
}

pub(crate) fn spawn(
    intake: Arc<Intake>,
    settings: WorkerSettings,
    sinks: Vec<Starter>,
) -> std::io::Result<Handle> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (commands, receiver) = unbounded_channel();
    let thread = std::thread::Builder::new()
        .name("aios-tracing-export".into())
        .spawn(move || {
            // Nothing the exporter does (HTTP, gRPC, DNS) may produce spans
            // of its own: they would be spans about exporting spans.
            let _suppressed = Context::enter_telemetry_suppressed_scope();
            let last = runtime.block_on(worker::run(intake, settings, sinks, receiver));
            // Connections and tasks go now; the resolver's blocking threads
            // are not waited for. Only then does shutdown's caller hear back,
            // so that the thread has nothing left to do but exit.
            runtime.shutdown_background();
            if let Some((reply, delivered)) = last {
                let _ = reply.send(delivered);
            }
        })?;
    Ok(Handle {
        commands,
        thread_id: thread.thread().id(),
        thread: Mutex::new(Some(thread)),
    })
}

/// How much sooner than its deadline a caller stops waiting for the
/// worker: a thread woken at its deadline runs a little after it.
const WAKE_SLACK: Duration = Duration::from_millis(5);

/// How long from now until `deadline`, less [`WAKE_SLACK`].
fn until(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now() + WAKE_SLACK)
}

/// How much sooner than its caller's deadline the worker stops waiting
/// for the collector at shutdown: the time it needs to count what it
/// gives up, stop its runtime and reply, so that the caller hears back
/// before its deadline and not just after.
fn stop_margin(budget: Duration) -> Duration {
    (budget / 50).clamp(2 * WAKE_SLACK, Duration::from_millis(20))
}

impl Handle {
    fn request(
        &self,
        make: impl FnOnce(SyncSender<bool>) -> Command,
        deadline: Instant,
    ) -> Result<(), Incomplete> {
        if std::thread::current().id() == self.thread_id {
            return Err(Incomplete::Stopped);
        }
        let (tx, rx) = sync_channel(1);
        if self.commands.send(make(tx)).is_err() {
            return Err(Incomplete::Stopped);
        }
        match rx.recv_timeout(until(deadline)) {
            Ok(true) => Ok(()),
            Ok(false) => Err(Incomplete::Dropped),
            Err(RecvTimeoutError::Timeout) => Err(Incomplete::Timeout),
            Err(RecvTimeoutError::Disconnected) => Err(Incomplete::Stopped),
        }
    }

    /// Exports everything queued now; waits until `deadline` at most.
    pub(crate) fn flush(&self, deadline: Instant) -> Result<(), Incomplete> {
        self.request(Command::Flush, deadline)
    }

    /// Exports what is queued and stops the worker, by `deadline`.
    pub(crate) fn shutdown(&self, deadline: Instant) -> Result<(), Incomplete> {
        let now = Instant::now();
        let budget = deadline.saturating_duration_since(now);
        let stop_by = tokio::time::Instant::from_std(deadline - stop_margin(budget).min(budget));
        let result = self.request(|tx| Command::Shutdown(stop_by, tx), deadline);
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            // The worker replies as its thread's last act: once it has, the
            // thread ends at once, and is joined if it did by the deadline.
            // After a timeout it ends on its own deadline instead.
            if result != Err(Incomplete::Timeout)
                && thread.thread().id() != std::thread::current().id()
            {
                while !thread.is_finished() {
                    let left = until(deadline);
                    if left.is_zero() {
                        break;
                    }
                    std::thread::sleep(left.min(Duration::from_micros(50)));
                }
                if thread.is_finished() {
                    let _ = thread.join();
                }
            }
        }
        result
    }
}
