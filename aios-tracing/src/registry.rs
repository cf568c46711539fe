//! The process-wide "which SDK is active" record.
//!
//! Code without a [`TracingSdk`](crate::TracingSdk) handle (`#[trace]`,
//! `Span::builder`, integrations) finds its tracer here. A generation
//! number changes on every install and uninstall, so call sites can cache a
//! tracer and notice with one atomic load when the cache went stale.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

struct Active {
    generation: u64,
    provider: SdkTracerProvider,
    default_tracer: SdkTracer,
}

static ACTIVE: RwLock<Option<Arc<Active>>> = RwLock::new(None);
/// 0 while nothing is installed; otherwise the installed SDK's generation.
static GENERATION: AtomicU64 = AtomicU64::new(0);
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);
/// The active SDK's sampling ratio, as `f64` bits.
static RATIO: AtomicU64 = AtomicU64::new(0);

/// Makes `provider` the active one; returns its generation.
pub(crate) fn install(provider: SdkTracerProvider, default_tracer: SdkTracer, ratio: f64) -> u64 {
    RATIO.store(ratio.to_bits(), Ordering::Relaxed);
    let generation = NEXT_GENERATION.fetch_add(1, Ordering::Relaxed);
    let active = Arc::new(Active {
        generation,
        provider,
        default_tracer,
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

/// Runs `f` with the active SDK's own tracer (scope = the service name),
/// borrowed: no reference counts change per span.
pub(crate) fn with_default_tracer<R>(f: impl FnOnce(&SdkTracer) -> R) -> Option<R> {
    if generation() == 0 {
        return None;
    }
    let active = ACTIVE.read().unwrap_or_else(PoisonError::into_inner);
    active.as_ref().map(|a| f(&a.default_tracer))
}

/// A tracer for an instrumentation scope, with the generation it belongs to.
pub(crate) fn tracer(name: &'static str, version: &'static str) -> Option<(u64, SdkTracer)> {
    let active = active()?;
    let scope = InstrumentationScope::builder(name)
        .with_version(version)
        .build();
    Some((active.generation, active.provider.tracer_with_scope(scope)))
}

/// The tracer of one instrumentation scope (a crate using `#[trace]`, an
/// integration), cached with the generation it was made for: a new `init`
/// or a `shutdown` is noticed with one atomic load.
pub(crate) struct ScopeTracer {
    name: &'static str,
    version: &'static str,
    cached: RwLock<Option<(u64, SdkTracer)>>,
}

impl std::fmt::Debug for ScopeTracer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopeTracer")
            .field("name", &self.name)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl ScopeTracer {
    pub(crate) const fn new(name: &'static str, version: &'static str) -> Self {
        ScopeTracer {
            name,
            version,
            cached: RwLock::new(None),
        }
    }

    /// Runs `f` with the tracer, borrowed rather than cloned (a clone is
    /// two shared reference counts bumped and dropped per span). `None`
    /// when no SDK is active.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&SdkTracer) -> R) -> Option<R> {
        let current = generation();
        if current == 0 {
            return None;
        }
        {
            let cached = self.cached.read().unwrap_or_else(PoisonError::into_inner);
            if let Some((cached_generation, tracer)) = &*cached {
                if *cached_generation == current {
                    return Some(f(tracer));
                }
            }
        }
        let (made_for, tracer) = tracer(self.name, self.version)?;
        let result = f(&tracer);
        *self.cached.write().unwrap_or_else(PoisonError::into_inner) = Some((made_for, tracer));
        Some(result)
    }
}
