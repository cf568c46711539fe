//! The tail group: keeping the traces that fail or are slow, whatever
//! their head sampling decision (opt-in).

use super::env::Environment;
use super::given::Given;
use super::precedence;
use crate::error::ConfigError;
use std::time::Duration;

/// What is kept of local traces that head sampling would drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TailSampling {
    /// Keep a local trace in which a span has status ERROR.
    pub keep_errors: bool,
    /// Keep a local trace whose root lasted longer than this.
    pub keep_slower_than: Option<Duration>,
    /// Bytes of spans held while their local roots run, at most; past it
    /// the oldest trees are decided by their head decision, early.
    pub max_held_bytes: usize,
}

impl TailSampling {
    /// Whether anything is kept beyond the head decision.
    pub fn is_on(&self) -> bool {
        self.keep_errors || self.keep_slower_than.is_some()
    }
}

pub(super) fn resolve(b: &Given, env: &Environment) -> Result<TailSampling, ConfigError> {
    let keep_errors = precedence::flag(
        b.keep_failed_traces,
        "keep_failed_traces",
        env,
        &["AIOS_TRACING_KEEP_FAILED_TRACES"],
        false,
    )?;
    let slower_than = precedence::millis(
        b.keep_slow_traces,
        "keep_slow_traces",
        env,
        &["AIOS_TRACING_KEEP_SLOWER_THAN"],
        Duration::ZERO,
    )?;
    Ok(TailSampling {
        keep_errors,
        keep_slower_than: (!slower_than.is_zero()).then_some(slower_than),
        max_held_bytes: precedence::number(
            b.tail_max_held_bytes,
            "tail_max_held_bytes",
            env,
            &["AIOS_TRACING_TAIL_MAX_HELD_BYTES"],
            1024,
            16 * 1024 * 1024,
        )?,
    })
}
