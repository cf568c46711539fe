//! Generated code both macros share, around a span's life: starting it
//! with its kind and attributes, running a sync body in it or
//! instrumenting a future with it, and recording the outcome as it ends.

use crate::parse::{Format, Kind, SpanKind};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, Ident, Lit, LitStr};

/// `::aios_tracing::__private::SpanKind::Server`, or `Internal` when unset.
pub(crate) fn kind_tokens(kind: Option<&Kind>) -> TokenStream {
    // The variant carries the span of the kind the user wrote.
    let variant = kind.map_or_else(
        || Ident::new("Internal", Span::call_site()),
        |kind| Ident::new(variant_name(kind.value), kind.span),
    );
    quote!(::aios_tracing::__private::SpanKind::#variant)
}

fn variant_name(kind: SpanKind) -> &'static str {
    match kind {
        SpanKind::Internal => "Internal",
        SpanKind::Server => "Server",
        SpanKind::Client => "Client",
        SpanKind::Producer => "Producer",
        SpanKind::Consumer => "Consumer",
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

/// A closure (`|&SpanRef, &T|`, also usable as a fn pointer) recording an
/// outcome on the span.
fn outcome_fn() -> TokenStream {
    let span = Ident::new("aios_span", Span::mixed_site());
    let out = Ident::new("aios_out", Span::mixed_site());
    let record = record_outcome(&quote!(#span), &quote!(#out));
    quote!(|#span, #out| #record)
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

/// `future` wrapped so the span, moved in, is current on each poll and
/// ends when it completes, with `Err` outcomes recorded if `record_err`.
/// `hint`, when given, is the future's output type.
pub(crate) fn traced(
    span_var: &Ident,
    hint: Option<&TokenStream>,
    record_err: bool,
    future: &TokenStream,
) -> TokenStream {
    let turbofish = hint.map(|hint| quote!(::<#hint, _>));
    if record_err {
        let check = outcome_fn();
        quote!(::aios_tracing::__private::traced #turbofish (#span_var, #future, #check))
    } else {
        quote!(::aios_tracing::__private::traced_unchecked #turbofish (#span_var, #future))
    }
}
