//! Compile-pass and compile-fail cases for `#[trace]` and `span!`.
//!
//! The expected compiler output in `fail/*.stderr` is specific to the
//! pinned toolchain (rustc 1.95.0); regenerate with
//! `TRYBUILD=overwrite cargo test -p aios-tracing-ui-tests` on that
//! toolchain and review every changed file.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/pass/*.rs");
    cases.compile_fail("tests/fail/*.rs");
}
