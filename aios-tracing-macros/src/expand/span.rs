//! Code generation for `span!`: a block that starts the span and then
//! runs the body now, or evaluates to a future instrumented with it.

use super::lifecycle::{attr_tokens, kind_tokens, record_outcome, run_sync, start_span, traced};
use crate::parse::{Body, SpanInput};
use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens as _};
use syn::{Expr, Ident};

pub(crate) fn expand(input: SpanInput) -> TokenStream {
    let span_var = Ident::new("aios_span", Span::mixed_site());
    let name = match &input.name {
        // A literal name is never copied into a `String`.
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => {
            quote!(::aios_tracing::__private::Cow::Borrowed(#s))
        }
        dynamic => quote!(::aios_tracing::__private::span_name(#dynamic)),
    };
    let kind = kind_tokens(input.kind.as_ref());
    let attrs: Vec<TokenStream> = input
        .attrs
        .iter()
        .map(|entry| attr_tokens(&entry.key, entry.format, &entry.value))
        .collect();
    // A closure run now that is not handed the span: only the code
    // generated here uses the span, so it can be moved into the
    // current context.
    let sync_body = matches!(
        input.body,
        Body::Now {
            takes_span: false,
            ..
        }
    );
    let start = start_span(&span_var, &name, &kind, &attrs, sync_body);
    let body = match input.body {
        Body::Now {
            closure,
            takes_span: false,
        } => run_sync(&span_var, &quote!(_), &closure.to_token_stream(), input.err),
        Body::Now {
            closure,
            takes_span: true,
        } => {
            // The closure is lent the span, which `run_sync` would take
            // by value; so the outcome is recorded and the span ended here.
            let ret = Ident::new("aios_ret", Span::mixed_site());
            let run = quote!(::aios_tracing::__private::run_with(&#span_var, #closure));
            let check = if input.err {
                record_outcome(
                    &quote!(&::aios_tracing::__private::span_ref(&#span_var)),
                    &quote!(&#ret),
                )
            } else {
                TokenStream::new()
            };
            quote! {
                let #ret = #run;
                #check
                #span_var.end();
                #ret
            }
        }
        Body::FutureFn {
            closure,
            takes_span,
        } => {
            let fut = Ident::new("aios_future", Span::mixed_site());
            let call = if takes_span {
                quote!(::aios_tracing::__private::call_with(::aios_tracing::__private::Span::clone(&#span_var), #closure))
            } else {
                quote!(::aios_tracing::__private::call(#closure))
            };
            let traced = traced(&span_var, None, input.err, &quote!(#fut));
            quote! {
                let #fut = #call;
                #traced
            }
        }
        Body::Future(future) => traced(&span_var, None, input.err, &quote!(#future)),
    };
    quote! {
        {
            #start
            #body
        }
    }
}
