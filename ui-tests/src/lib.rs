//! Compile-pass and compile-fail cases for the `#[trace]` and `span!`
//! macros of `aios-tracing`, run by `tests/ui.rs` with trybuild.
//!
//! The `.stderr` files depend on the compiler version: regenerate them
//! with the pinned toolchain (`TRYBUILD=overwrite cargo test -p
//! aios-tracing-ui-tests`) and read every one before committing.
