//! What the macros emit when their input is rejected.

use proc_macro2::TokenStream;

/// The error, and the item exactly as written: the rest of the crate still
/// type-checks against the fn, so the one error is all the user sees.
pub(crate) fn trace(error: syn::Error, item: TokenStream) -> TokenStream {
    let mut tokens = error.to_compile_error();
    tokens.extend(item);
    tokens
}

/// The error alone: there is no item to keep, and the expression `span!`
/// stood for has no value without its body being instrumented.
pub(crate) fn span(error: syn::Error) -> TokenStream {
    error.to_compile_error()
}
