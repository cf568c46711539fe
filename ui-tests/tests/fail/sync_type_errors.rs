//! Type errors in the body of a traced sync fn point at the user's
//! expression and at the declared return type.

use aios_tracing::trace;

#[trace]
fn simple_mismatch() -> String {
    ""
}

#[trace]
fn early_return(flag: bool) -> String {
    if flag {
        return "";
    }
    String::new()
}

#[trace]
fn extra_semicolon() -> i32 {
    1;
}

fn main() {}
