//! `%` and `?` in front of a value: how it becomes an attribute value.

use syn::parse::ParseStream;
use syn::Token;

/// How a value is converted into an attribute value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Format {
    /// No sigil: through the `TraceValue` trait (numbers, strings, bools,
    /// `Option`s).
    Value,
    /// `%expr`: the value's `Display` output.
    Display,
    /// `?expr`: the value's `Debug` output.
    Debug,
}

impl Format {
    /// Parses an optional `%` or `?` sigil; without one, nothing is
    /// consumed.
    pub(crate) fn parse_sigil(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Token![%]) {
            input.parse::<Token![%]>()?;
            Ok(Format::Display)
        } else if input.peek(Token![?]) {
            input.parse::<Token![?]>()?;
            Ok(Format::Debug)
        } else {
            Ok(Format::Value)
        }
    }
}
