//! Type errors in the body of a traced `async fn` point at the user's
//! expression and at the declared return type.
#![allow(unreachable_code)]

use aios_tracing::trace;

#[trace]
async fn unit() {
    ""
}

#[trace]
async fn simple_mismatch() -> String {
    ""
}

#[trace]
async fn opaque_unsatisfied() -> impl std::fmt::Display {
    ("",)
}

struct Wrapper<T>(T);

#[trace]
async fn mismatch_with_opaque() -> Wrapper<impl std::fmt::Display> {
    ""
}

#[trace]
async fn early_return_unit() {
    if true {
        return "";
    }
}

#[trace]
async fn early_return() -> String {
    if true {
        return "";
    }
    String::new()
}

#[trace]
async fn extra_semicolon() -> i32 {
    1;
}

fn main() {}
