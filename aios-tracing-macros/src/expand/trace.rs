//! Code generation for `#[trace]`.
//!
//! Every shape starts the span the same way (a cached per-call-site tracer,
//! attributes only when the span records) and differs in where the body
//! runs: in a closure under `catch_unwind` for sync fns, in an instrumented
//! future for async ones.

use super::lifecycle::{attr_tokens, kind_tokens, run_sync, start_span, traced};
use crate::fn_shape::{boxed_async, Output, Shape};
use crate::parse::TraceArgs;
use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::ext::IdentExt as _;
use syn::{Block, Expr, ExprPath, Ident, ItemFn, LitStr};

/// The fn with its body instrumented.
pub(crate) fn expand(mut function: ItemFn, args: &TraceArgs) -> TokenStream {
    let body = instrument(&mut function, args);
    let ItemFn {
        attrs, vis, sig, ..
    } = function;
    // syn keeps the body's inner attributes (`#![allow(…)]`) with the
    // fn's; they go back at the top of the new body.
    let (outer, inner): (Vec<_>, Vec<_>) = attrs
        .into_iter()
        .partition(|attr| matches!(attr.style, syn::AttrStyle::Outer));
    quote!(#(#outer)* #vis #sig { #(#inner)* #body })
}

/// The new fn body.
fn instrument(function: &mut ItemFn, args: &TraceArgs) -> TokenStream {
    let span_var = Ident::new("aios_span", Span::mixed_site());
    let name = args.name.clone().unwrap_or_else(|| {
        LitStr::new(
            &function.sig.ident.unraw().to_string(),
            function.sig.ident.span(),
        )
    });
    let name = quote!(::aios_tracing::__private::Cow::Borrowed(#name));
    let kind = kind_tokens(args.kind.as_ref());
    let mut attrs: Vec<TokenStream> = args
        .attrs
        .iter()
        .map(|entry| attr_tokens(&entry.key, entry.format, &entry.value))
        .collect();
    attrs.extend(args.record.iter().map(|arg| {
        let key = LitStr::new(&arg.ident.unraw().to_string(), arg.ident.span());
        let value = Expr::Path(ExprPath {
            attrs: Vec::new(),
            qself: None,
            path: arg.ident.clone().into(),
        });
        attr_tokens(&key, arg.format, &value)
    }));
    let shape = Shape::of(&function.sig, &function.block);
    let prelude = start_span(
        &span_var,
        &name,
        &kind,
        &attrs,
        matches!(shape, Shape::Sync { .. }),
    );
    let block = &mut function.block;
    match shape {
        Shape::Sync { output } => {
            // In a closure, so `return` and `?` keep their meaning;
            // `run_sync` runs it under `catch_unwind` and ends the span.
            let run = run_sync(
                &span_var,
                &hint(&output),
                &quote!(move || #block),
                args.err && output.checkable(),
            );
            quote!(#prelude #run)
        }
        Shape::Async { output } => {
            let future = traced_body(&span_var, &output, args.err, &async_body(&output, block));
            quote!(#prelude #future.await)
        }
        Shape::ReturnsFuture { output } => {
            let fut = Ident::new("aios_future", Span::mixed_site());
            let future = traced_body(&span_var, &output, args.err, &quote!(#fut));
            quote! {
                #prelude
                let #fut = ::aios_tracing::__private::run::<_, _>(&#span_var, move || #block);
                #future
            }
        }
        Shape::BoxedAsync { output } => {
            // The span starts when the method is called (where `self` and
            // the arguments still have their own names, before
            // `#[async_trait]`'s renaming inside the block); the box then
            // holds the instrumented future instead of the bare block.
            let inner = boxed_async(block).expect("shape checked");
            let future = traced_body(&span_var, &output, args.err, &inner.to_token_stream());
            *inner = Expr::Verbatim(future);
            let stmts = &block.stmts;
            quote!(#prelude #(#stmts)*)
        }
    }
}

/// An `async fn` body as an async block evaluating to the fn's return
/// type. Without the hints the block's type would be inferred from its
/// tail alone, and coercions the fn relied on (`&String` to `&str`, `?`
/// into the declared error) would not happen.
fn async_body(output: &Output, block: &Block) -> TokenStream {
    let out = Ident::new("aios_out", Span::mixed_site());
    match output {
        Output::Unit => quote!(async move #block),
        Output::Never => {
            let hint = hint(output);
            quote!(async move {
                let #out: #hint = #block;
                #[allow(unreachable_code)]
                #out
            })
        }
        Output::Value { ty, .. } => quote!(async move {
            // Fixes the block's type before `return`s in the body are seen.
            if let ::aios_tracing::__private::Option::Some(#out) = ::aios_tracing::__private::Option::None::<#ty> {
                #[allow(unreachable_code)]
                return #out;
            }
            let #out: #ty = #block;
            #[allow(unreachable_code)]
            #out
        }),
    }
}

/// `future`, producing `output`, instrumented with the span; its outcome
/// is recorded only when it may be a `Result`.
fn traced_body(span_var: &Ident, output: &Output, err: bool, future: &TokenStream) -> TokenStream {
    traced(
        span_var,
        Some(&hint(output)),
        err && output.checkable(),
        future,
    )
}

/// The type to write in a turbofish, pinning the body's type so `?` and
/// `.into()` in the body infer exactly as in the original fn.
fn hint(output: &Output) -> TokenStream {
    match output {
        Output::Unit => quote!(()),
        // `!` cannot be written as a type argument on stable Rust.
        Output::Never => quote!(::aios_tracing::__private::Never),
        Output::Value { ty, .. } => ty.to_token_stream(),
    }
}
