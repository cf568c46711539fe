//! Which SDK code without a [`TracingSdk`](crate::TracingSdk) handle
//! records into: `#[trace]`, `span!`, `Span::builder`, the integrations,
//! the `tracing` bridge and the free propagation functions.
//!
//! Running SDKs form a stack in the order they were started; the active
//! one is the most recent that is still running, so shutting down the
//! newest makes the one before it active again. The active generation is
//! one atomic load, and each thread caches the active SDK's span settings
//! (a `'static` reference: no count to raise per span) and its state (for
//! propagation), so a span start takes no lock.

use super::state::SdkState;
use crate::lifecycle::SpanSettings;
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

/// Running SDKs, oldest first.
static RUNNING: RwLock<Vec<Arc<SdkState>>> = RwLock::new(Vec::new());
/// The active SDK's generation; 0 while none runs.
static GENERATION: AtomicU64 = AtomicU64::new(0);
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static SPANS: Cell<(u64, Option<&'static SpanSettings>)> = const { Cell::new((0, None)) };
    static CACHE: RefCell<Option<Arc<SdkState>>> = const { RefCell::new(None) };
}

/// A generation for a new SDK: unique in the process, never 0.
pub(crate) fn next_generation() -> u64 {
    NEXT_GENERATION.fetch_add(1, Ordering::Relaxed)
}

/// The active SDK's generation, 0 when none is running.
#[inline]
pub(crate) fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// The active SDK's span settings (`None` when none is running).
#[inline(always)]
pub(crate) fn spans() -> Option<&'static SpanSettings> {
    let generation = generation();
    if generation == 0 {
        return None;
    }
    match SPANS.try_with(Cell::get) {
        Ok((cached, settings)) if cached == generation => settings,
        _ => refresh_spans(),
    }
}

#[cold]
fn refresh_spans() -> Option<&'static SpanSettings> {
    let settings = top().map(|state| state.spans);
    let generation = settings.map_or(0, |s| s.generation);
    let _ = SPANS.try_with(|cache| cache.set((generation, settings)));
    settings
}

/// Calls `f` with the active SDK's state (`None` when none is running).
#[inline]
pub(crate) fn with<R>(f: impl FnOnce(Option<&SdkState>) -> R) -> R {
    let generation = generation();
    if generation == 0 {
        return f(None);
    }
    let mut f = Some(f);
    let mut result = None;
    let _ = CACHE.try_with(|cache| {
        // Shared: a span started inside `f` (an attribute expression
        // calling a traced fn) reads the cache too.
        if let Ok(cache) = cache.try_borrow() {
            if let Some(state) = cache.as_deref().filter(|s| s.generation() == generation) {
                result = f.take().map(|f| f(Some(state)));
            }
        }
    });
    match (result, f) {
        (Some(result), _) => result,
        (None, Some(f)) => f(refresh().as_deref()),
        (None, None) => unreachable!("`f` is only taken to produce a result"),
    }
}

/// The active SDK's state, from the registry, cached for this thread
/// when the cache is not in use.
#[cold]
fn refresh() -> Option<Arc<SdkState>> {
    let state = top();
    let _ = CACHE.try_with(|cache| {
        if let Ok(mut cache) = cache.try_borrow_mut() {
            cache.clone_from(&state);
        }
    });
    state
}

fn top() -> Option<Arc<SdkState>> {
    RUNNING
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .last()
        .cloned()
}

/// Makes `state` the active SDK.
pub(crate) fn push(state: Arc<SdkState>) {
    let mut running = RUNNING.write().unwrap_or_else(PoisonError::into_inner);
    let generation = state.generation();
    running.push(state);
    GENERATION.store(generation, Ordering::Release);
}

/// Removes the SDK of `generation` from the running ones; returns the
/// active SDK if it changed (`Some(None)`: none is running any more).
pub(crate) fn remove(generation: u64) -> Option<Option<Arc<SdkState>>> {
    let mut running = RUNNING.write().unwrap_or_else(PoisonError::into_inner);
    let was_active = running.last().map(|s| s.generation()) == Some(generation);
    running.retain(|state| state.generation() != generation);
    let top = running.last().cloned();
    GENERATION.store(
        top.as_ref().map_or(0, |s| s.generation()),
        Ordering::Release,
    );
    was_active.then_some(top)
}
