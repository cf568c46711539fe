//! Code generation for `#[trace]`.
//!
//! Every shape starts the span the same way (a cached per-call-site tracer,
//! attributes only when the span records) and differs in where the body
//! runs: in a closure under `catch_unwind` for sync fns, in an instrumented
//! future for async ones.

use super::lifecycle::{attr_tokens, kind_tokens, run_sync, start_span, traced};
use crate::fn_shape::{tail_async, Output, Shape};
use crate::parse::TraceArgs;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt as _;
use syn::{Block, Expr, ExprAsync, ExprPath, Ident, ItemFn, LitStr};

/// The fn with its body instrumented.
pub(crate) fn expand(mut function: ItemFn, args: &TraceArgs) -> TokenStream {
    let body = instrument(&mut function, args);
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = function;
    // syn keeps the body's inner attributes (`#![allow(…)]`) with the
    // fn's; they go back at the top of the new body.
    let (outer, inner): (Vec<_>, Vec<_>) = attrs
        .into_iter()
        .partition(|attr| matches!(attr.style, syn::AttrStyle::Outer));
    let mut item = quote!(#(#outer)* #vis #sig);
    // The user's own braces: a fn whose outline is all the user's tokens
    // is linted as the user's (`dead_code`, `#[expect(dead_code)]`).
    block.brace_token.surround(&mut item, |tokens| {
        tokens.extend(quote!(#(#inner)* #body));
    });
    item
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
    let start = start_span(
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
            let body = declaring_output(&output, block);
            let run = run_sync(
                &span_var,
                &hint(&output),
                &quote!(move || #body),
                args.err && output.checkable(),
            );
            quote!(#start #run)
        }
        Shape::Async { output } => {
            let body = declaring_output(&output, block);
            let future = traced_body(&span_var, &output, args.err, &quote!(async move #body));
            quote!(#start #future.await)
        }
        Shape::ReturnsFuture { output, boxed } => {
            if let Some(tail) = tail_async(block) {
                *tail = Expr::Verbatim(async_declaring_output(&output, tail));
            }
            // The future's type is known here: its output needs no hint.
            let fut = Ident::new("aios_future", Span::mixed_site());
            let mut future = traced(
                &span_var,
                None,
                args.err && output.checkable(),
                &quote!(#fut),
            );
            if boxed {
                future = quote!(::aios_tracing::__private::Box::pin(#future));
            }
            quote! {
                #start
                let #fut = ::aios_tracing::__private::run::<_, _>(&#span_var, move || #block);
                #future
            }
        }
        Shape::BoxedAsync {
            output,
            prelude: statements,
        } => {
            let inner = tail_async(block).expect("shape checked");
            let future = async_declaring_output(&output, inner);
            if !statements {
                // The span starts when the method is called (where `self`
                // and the arguments still have their own names, before
                // `#[async_trait]`'s renaming inside the block); the box
                // then holds the instrumented future instead of the bare
                // block.
                *inner = Expr::Verbatim(boxed_body(&span_var, &output, args.err, &future));
                let stmts = &block.stmts;
                return quote!(#start #(#stmts)*);
            }
            // The statements before the box run inside the span, in a
            // closure so that an early `return` keeps its meaning; the
            // boxed future gets a second handle on the span, which ends
            // when the future completes (or, after an early `return`,
            // when both handles are dropped).
            let handle = Ident::new("aios_future_span", Span::mixed_site());
            *inner = Expr::Verbatim(boxed_body(&handle, &output, args.err, &future));
            let returns = hint(&Output::of_return(
                &function.sig.output,
                function.sig.ident.span(),
            ));
            quote! {
                #start
                let #handle = ::aios_tracing::__private::Span::clone(&#span_var);
                ::aios_tracing::__private::run::<#returns, _>(&#span_var, move || #block)
            }
        }
    }
}

/// What goes in the box: `future` instrumented with the span. It is bound
/// first, so its output, when the return type does not show it (a type
/// alias), is known by the time the outcome is inspected.
fn boxed_body(span_var: &Ident, output: &Output, err: bool, future: &TokenStream) -> TokenStream {
    let fut = Ident::new("aios_future", Span::mixed_site());
    let traced = traced_body(span_var, output, err, &quote!(#fut));
    quote!({
        let #fut = #future;
        #traced
    })
}

/// `block` in a block that evaluates to `output` however it ends. A
/// `return` of a value of the declared type, seen by the compiler first
/// (and never taken), fixes the type of the closure or async block it is
/// in, so that a mismatched expression in the body is reported where it
/// is, against the declared type; and coercions the fn relied on
/// (`&String` to `&str`, `?` into the declared error) still happen.
fn declaring_output(output: &Output, block: &Block) -> TokenStream {
    if output.inferred() {
        return block.to_token_stream();
    }
    let at = output.declared();
    // Spanned (and so resolved) where the type is declared, which is
    // where the compiler then says the block's type was inferred. The
    // underscore: it is never read, the `return` being unreachable.
    let out = Ident::new("__aios_out", at);
    let ty = hint(output);
    let declared = quote_spanned! {at=>
        #[allow(
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::let_unit_value,
            clippy::let_with_type_underscore,
            clippy::needless_return,
            clippy::used_underscore_binding
        )]
        if false {
            let #out: #ty = loop {};
            return #out;
        }
    };
    // The user's statements keep their own block (so their items cannot
    // shadow the names in the declared type), in braces that sit where the
    // user's are but belong to the macro: `unused_braces` does not take
    // the inner block for the user's redundant braces.
    let braces = Span::call_site().located_at(block.brace_token.span.join());
    let stmts = &block.stmts;
    let mut inner = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, quote!(#(#stmts)*));
    inner.set_span(braces);
    quote!({ #declared #inner })
}

/// The async block `expr` with its output declared as `output`.
fn async_declaring_output(output: &Output, expr: &Expr) -> TokenStream {
    let Expr::Async(ExprAsync {
        attrs,
        capture,
        block,
        ..
    }) = expr
    else {
        return expr.to_token_stream();
    };
    let body = declaring_output(output, block);
    quote!(#(#attrs)* async #capture #body)
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
        Output::Unit(_) => quote!(()),
        // `!` cannot be written as a type argument on stable Rust.
        Output::Never(_) => quote!(::aios_tracing::__private::Never),
        Output::Value { ty, .. } => ty.to_token_stream(),
    }
}
