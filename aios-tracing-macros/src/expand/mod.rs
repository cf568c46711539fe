//! The expand phase, and the order the phases run in for each macro:
//! parse, validate, then generate code, or the fallback when any of them
//! fails.
//!
//! The code generation in the submodules takes parsed and validated
//! values only; it is the one place where the runtime support,
//! `::aios_tracing::__private`, is named.

mod lifecycle;
mod span;
mod trace;

use crate::parse::SpanInput;
use crate::{fallback, validate};
use proc_macro2::TokenStream;

pub(crate) fn trace(args: TokenStream, item: TokenStream) -> TokenStream {
    match validate::trace(syn::parse2(item.clone()), syn::parse2(args)) {
        Ok((function, args)) => trace::expand(function, &args),
        Err(error) => fallback::trace(error, item),
    }
}

pub(crate) fn span(input: TokenStream) -> TokenStream {
    match syn::parse2::<SpanInput>(input) {
        Ok(input) => span::expand(input),
        Err(error) => fallback::span(error),
    }
}
