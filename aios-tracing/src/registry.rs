//! The process-wide "which SDK is active" record.
//!
//! Code without a [`TracingSdk`](crate::TracingSdk) handle (`#[trace]`,
//! `Span::builder`, integrations, the `tracing` bridge) finds the active
//! SDK's generation, sampling ratio, own scope and pipeline here. The
//! generation changes on every install and uninstall, so a span records
//! which SDK it belongs to, and caches notice with one atomic load that
//! they went stale.

use crate::pipeline::Shared;
use opentelemetry::InstrumentationScope;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock, Weak};

struct Active {
    generation: u64,
    default_scope: &'static InstrumentationScope,
}

/// Every started SDK's pipeline by generation, including SDKs no longer
/// active, so a span always ends into the SDK that started it.
static PIPELINES: Mutex<Vec<(u64, Weak<Shared>)>> = Mutex::new(Vec::new());

static ACTIVE: RwLock<Option<Arc<Active>>> = RwLock::new(None);
/// 0 while nothing is installed; otherwise the installed SDK's generation.
static GENERATION: AtomicU64 = AtomicU64::new(0);
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);
/// The pipeline of the SDK of `generation`, while that SDK exists.
pub(crate) fn pipeline(generation: u64) -> Option<Arc<Shared>> {
    let pipelines = PIPELINES.lock().unwrap_or_else(PoisonError::into_inner);
    pipelines
        .iter()
        .find(|(g, _)| *g == generation)
        .and_then(|(_, p)| p.upgrade())
}

thread_local! {
    /// The active SDK's default scope, cached per thread so
    /// `Span::builder` takes no shared lock.
    static DEFAULT_SCOPE: Cell<(u64, Option<&'static InstrumentationScope>)> =
        const { Cell::new((0, None)) };
}

/// The active SDK's generation and its own scope (the service name), or
/// `None` when no SDK is active.
pub(crate) fn default_scope() -> Option<(u64, &'static InstrumentationScope)> {
    let current = generation();
    if current == 0 {
        return None;
    }
    let (cached_generation, scope) = DEFAULT_SCOPE.with(Cell::get);
    if cached_generation == current {
        return scope.map(|scope| (current, scope));
    }
    let active = active()?;
    DEFAULT_SCOPE.with(|c| c.set((active.generation, Some(active.default_scope))));
    Some((active.generation, active.default_scope))
}

/// One `&'static` scope per (name, version): spans borrow their scope
/// instead of cloning it.
pub(crate) fn intern_scope(name: &str, version: &str) -> &'static InstrumentationScope {
    type Scopes = Mutex<HashMap<(String, String), &'static InstrumentationScope>>;
    static SCOPES: OnceLock<Scopes> = OnceLock::new();
    let mut scopes = SCOPES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let key = (name.to_owned(), version.to_owned());
    scopes.entry(key).or_insert_with(|| {
        let mut scope = InstrumentationScope::builder(Box::leak(name.into()) as &'static str);
        if !version.is_empty() {
            scope = scope.with_version(Box::leak(version.into()) as &'static str);
        }
        Box::leak(Box::new(scope.build()))
    })
}

/// The active SDK's sampling ratio, as `f64` bits.
static RATIO: AtomicU64 = AtomicU64::new(0);

/// What [`install`] makes active.
pub(crate) struct Install {
    pub(crate) default_scope: &'static InstrumentationScope,
    pub(crate) pipeline: Arc<Shared>,
    pub(crate) ratio: f64,
}

/// Makes an SDK the active one; returns its generation.
pub(crate) fn install(sdk: Install) -> u64 {
    RATIO.store(sdk.ratio.to_bits(), Ordering::Relaxed);
    let generation = NEXT_GENERATION.fetch_add(1, Ordering::Relaxed);
    sdk.pipeline.set_generation(generation);
    {
        let mut pipelines = PIPELINES.lock().unwrap_or_else(PoisonError::into_inner);
        pipelines.retain(|(_, p)| p.strong_count() > 0);
        pipelines.push((generation, Arc::downgrade(&sdk.pipeline)));
    }
    let active = Arc::new(Active {
        generation,
        default_scope: sdk.default_scope,
    });
    *ACTIVE.write().unwrap_or_else(PoisonError::into_inner) = Some(active);
    GENERATION.store(generation, Ordering::Release);
    generation
}

/// Forgets the active SDK if it is still `generation` (a newer `init` wins).
pub(crate) fn uninstall(generation: u64) {
    let mut active = ACTIVE.write().unwrap_or_else(PoisonError::into_inner);
    if active.as_ref().is_some_and(|a| a.generation == generation) {
        *active = None;
        GENERATION.store(0, Ordering::Release);
    }
}

/// The active generation, 0 when no SDK is active.
#[inline]
pub(crate) fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

fn active() -> Option<Arc<Active>> {
    if generation() == 0 {
        return None;
    }
    ACTIVE
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// The active SDK's sampling ratio (meaningful while `generation() != 0`).
#[inline]
pub(crate) fn sampling_ratio() -> f64 {
    f64::from_bits(RATIO.load(Ordering::Relaxed))
}
