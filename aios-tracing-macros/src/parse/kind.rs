//! `kind = server`: the span kind.

use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr};

/// The OpenTelemetry span kinds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum SpanKind {
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

/// How each kind is written. The order is the one the hint for a
/// mistyped kind searches in.
const WRITTEN: [(&str, SpanKind); 5] = [
    ("internal", SpanKind::Internal),
    ("server", SpanKind::Server),
    ("client", SpanKind::Client),
    ("producer", SpanKind::Producer),
    ("consumer", SpanKind::Consumer),
];

const KIND_LIST: &str = "`server`, `client`, `producer`, `consumer` or `internal`";

/// The value of `kind = …`: a bare identifier, checked here so a typo is
/// reported on the typo rather than as an unresolved path.
#[derive(Clone)]
pub(crate) struct Kind {
    pub(crate) value: SpanKind,
    /// Where the kind was written, so generated code naming it points at
    /// the user's identifier.
    pub(crate) span: Span,
}

impl Parse for Kind {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            return Err(syn::Error::new(
                lit.span(),
                format!(
                    "`kind` takes a bare identifier, not a string: write `kind = {}`",
                    lit.value().to_lowercase()
                ),
            ));
        }
        let Ok(ident) = input.call(Ident::parse_any) else {
            return Err(input.error(format!("`kind` expects one of {KIND_LIST}")));
        };
        let name = ident.to_string();
        if let Some((_, value)) = WRITTEN.iter().find(|(written, _)| *written == name) {
            return Ok(Kind {
                value: *value,
                span: ident.span(),
            });
        }
        // `Server` or `SERVER`: someone who knows the enum, or shouts.
        let hint = WRITTEN
            .iter()
            .find(|(written, _)| written.eq_ignore_ascii_case(&name))
            .map(|(written, _)| format!("; write `kind = {written}`"))
            .unwrap_or_default();
        Err(syn::Error::new(
            ident.span(),
            format!("unknown span kind `{name}`: expected {KIND_LIST}{hint}"),
        ))
    }
}
