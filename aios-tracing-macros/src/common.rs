//! Pieces of syntax shared by `#[trace]` and `span!`: span kinds, attribute
//! entries (`"key" = value`) and how their values are turned into code.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use std::collections::HashSet;
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, Ident, Lit, LitStr, Token};

/// The span kinds, as written by users and as `SpanKind` variants.
const KINDS: [(&str, &str); 5] = [
    ("internal", "Internal"),
    ("server", "Server"),
    ("client", "Client"),
    ("producer", "Producer"),
    ("consumer", "Consumer"),
];

const KIND_LIST: &str = "`server`, `client`, `producer`, `consumer` or `internal`";

/// `kind = server`: the value is a bare identifier, checked here so a typo
/// is reported on the typo rather than as an unresolved path.
#[derive(Clone)]
pub(crate) struct Kind {
    variant: Ident,
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
        if let Some((_, variant)) = KINDS.iter().find(|(written, _)| *written == name) {
            return Ok(Kind {
                variant: Ident::new(variant, ident.span()),
            });
        }
        let hint = KINDS
            .iter()
            .find(|(written, variant)| written.eq_ignore_ascii_case(&name) || *variant == name)
            .map(|(written, _)| format!("; write `kind = {written}`"))
            .unwrap_or_default();
        Err(syn::Error::new(
            ident.span(),
            format!("unknown span kind `{name}`: expected {KIND_LIST}{hint}"),
        ))
    }
}

impl Kind {
    /// `::aios_tracing::__private::SpanKind::Server`, or `Internal` when unset.
    pub(crate) fn tokens(kind: Option<&Kind>) -> TokenStream {
        let variant = kind.map_or_else(
            || Ident::new("Internal", Span::call_site()),
            |k| k.variant.clone(),
        );
        quote!(::aios_tracing::__private::SpanKind::#variant)
    }
}

/// How a value is converted into an attribute value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Format {
    /// Through the `TraceValue` trait (numbers, strings, bools, `Option`s).
    Value,
    /// `%expr`: the value's `Display` output.
    Display,
    /// `?expr`: the value's `Debug` output.
    Debug,
}

impl Format {
    /// Parses an optional `%` or `?` sigil.
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

/// `"db.table" = "users"`, `"retries" = 3`, `"user" = %user`.
#[derive(Clone)]
pub(crate) struct AttrEntry {
    pub(crate) key: LitStr,
    pub(crate) format: Format,
    pub(crate) value: Expr,
}

impl Parse for AttrEntry {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key = parse_key(input)?;
        input.parse::<Token![=]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!(
                    "expected `=` after the attribute key: `\"{}\" = value`",
                    key.value()
                ),
            )
        })?;
        let format = Format::parse_sigil(input)?;
        let value: Expr = input.parse()?;
        Ok(AttrEntry { key, format, value })
    }
}

/// An attribute key: a non-empty string literal. Identifiers and dotted
/// paths are rejected with the literal to write instead, since keys such
/// as `db.table` are not valid Rust paths.
fn parse_key(input: ParseStream<'_>) -> syn::Result<LitStr> {
    if input.peek(LitStr) {
        let key: LitStr = input.parse()?;
        if key.value().is_empty() {
            return Err(syn::Error::new(
                key.span(),
                "attribute keys must not be empty",
            ));
        }
        return Ok(key);
    }
    let written: TokenStream = input.fork().step(|cursor| {
        // Collect the tokens up to `=` or `,` to quote them back in the hint.
        let mut rest = *cursor;
        let mut tokens = TokenStream::new();
        while let Some((tt, next)) = rest.token_tree() {
            if let proc_macro2::TokenTree::Punct(p) = &tt {
                if p.as_char() == '=' || p.as_char() == ',' {
                    break;
                }
            }
            tokens.extend([tt]);
            rest = next;
        }
        Ok((tokens, rest))
    })?;
    let text = written.to_string().replace(' ', "");
    let span = written.span();
    if text.is_empty() {
        return Err(input.error("expected an attribute: `\"key\" = value`"));
    }
    Err(syn::Error::new(
        span,
        format!("attribute keys are string literals: write `\"{text}\" = …`"),
    ))
}

/// Rejects a key used twice; `seen` holds the keys so far.
pub(crate) fn check_unique(seen: &mut HashSet<String>, key: &str, span: Span) -> syn::Result<()> {
    if seen.insert(key.to_owned()) {
        Ok(())
    } else {
        Err(syn::Error::new(
            span,
            format!("attribute `{key}` is set twice; remove one"),
        ))
    }
}

/// Code producing `Option<KeyValue>` for one attribute. String literals
/// become static values (no allocation); everything else is borrowed and
/// converted, so recording never moves a user's variable.
pub(crate) fn attr_tokens(key: &LitStr, format: Format, value: &Expr) -> TokenStream {
    if let (Format::Value, Expr::Lit(lit)) = (format, value) {
        if let Lit::Str(s) = &lit.lit {
            return quote!(::aios_tracing::__private::attr_static(#key, #s));
        }
    }
    let span = value.span();
    let borrowed = borrow(value);
    // The user's span on the converted value makes a missing `TraceValue`
    // impl point at the user's expression.
    let value = match format {
        Format::Value => borrowed,
        Format::Display => {
            quote_spanned!(span=> &::aios_tracing::__private::DisplayValue(#borrowed))
        }
        Format::Debug => quote_spanned!(span=> &::aios_tracing::__private::DebugValue(#borrowed)),
    };
    quote!(::aios_tracing::__private::attr(#key, #value))
}

/// `&expr`, parenthesised only when `&` would bind to part of the expression.
fn borrow(value: &Expr) -> TokenStream {
    let span = value.span();
    let simple = matches!(
        value,
        Expr::Path(_)
            | Expr::Field(_)
            | Expr::MethodCall(_)
            | Expr::Call(_)
            | Expr::Lit(_)
            | Expr::Index(_)
            | Expr::Paren(_)
            | Expr::Macro(_)
            | Expr::Tuple(_)
            | Expr::Block(_)
            | Expr::Array(_)
    );
    if simple {
        quote_spanned!(span=> &#value)
    } else {
        let mut inner = TokenStream::new();
        value.to_tokens(&mut inner);
        quote_spanned!(span=> &(#inner))
    }
}

/// The per-call-site scope cache and the started span, bound to `span_var`.
/// The cache is a `static` in its own block so user code cannot see it.
/// The attribute expressions sit in a closure the runtime calls only for a
/// sampled span, so unsampled spans cost no attribute work at all.
/// `sync_body`: the span is used only by the code generated around a body
/// that runs to completion right here, and never handed out.
pub(crate) fn start_span(
    span_var: &Ident,
    name: &TokenStream,
    kind: &TokenStream,
    attrs: &[TokenStream],
    sync_body: bool,
) -> TokenStream {
    let site = quote! {
        {
            static SITE: ::aios_tracing::__private::CallSite = ::aios_tracing::__private::CallSite::new(
                ::aios_tracing::__private::env!("CARGO_PKG_NAME"),
                ::aios_tracing::__private::env!("CARGO_PKG_VERSION"),
            );
            &SITE
        }
    };
    let list = Ident::new("aios_attrs", Span::mixed_site());
    quote! {
        let #span_var = #site.start(#name, #kind, #sync_body, |mut #list| {
            #(#list.push(#attrs);)*
        });
    }
}

/// A statement recording `Err` outcomes of `value` (an expression of type
/// `&T`) on the span. Which impl applies is chosen by autoref-based method
/// resolution on the concrete type, so `io::Result<T>`, `anyhow::Result<T>`
/// and other aliases of `Result` are recognised, and non-`Result` values
/// compile to nothing.
pub(crate) fn record_outcome(span_ref: &TokenStream, value: &TokenStream) -> TokenStream {
    quote! {
        {
            #[allow(unused_imports)]
            use ::aios_tracing::__private::{OutcomeDebug as _, OutcomeDisplay as _, OutcomeOther as _};
            (&&&::aios_tracing::__private::Outcome(#value)).aios_record_outcome(#span_ref);
        }
    }
}

/// A call running the sync closure `body` in the span `span_var`, which
/// is moved in (the span ends inside), with `Err` outcomes recorded if
/// `record_err`; `hint` is the closure's return type, when known.
pub(crate) fn run_sync(
    span_var: &Ident,
    hint: &TokenStream,
    body: &TokenStream,
    record_err: bool,
) -> TokenStream {
    let check = if record_err {
        outcome_fn()
    } else {
        quote!(|_, _| {})
    };
    quote!(::aios_tracing::__private::run_sync::<#hint, _, _>(#span_var, #body, #check))
}

/// A closure (`|&SpanRef, &T|`, also usable as a fn pointer) recording an
/// outcome on the span.
pub(crate) fn outcome_fn() -> TokenStream {
    let span = Ident::new("aios_span", Span::mixed_site());
    let out = Ident::new("aios_out", Span::mixed_site());
    let record = record_outcome(&quote!(#span), &quote!(#out));
    quote!(|#span, #out| #record)
}
