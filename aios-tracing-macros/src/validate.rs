//! The validate phase of `#[trace]`: what parses but cannot be traced.
//!
//! The item must be a fn with a body that runs at run time, the arguments
//! must not set one attribute key twice, and `record(…)` must name
//! arguments of that fn. Each error is spanned on the token that makes the
//! input unsuitable.
//!
//! `span!` has no such step: everything it rejects is a syntax mistake,
//! reported while parsing.

use crate::parse::{TraceArgs, UniqueKeys};
use proc_macro2::TokenStream;
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{Item, ItemFn, Pat, Signature};

/// The fn and its arguments, once both halves parsed and passed every
/// check.
pub(crate) fn trace(
    item: syn::Result<Item>,
    args: syn::Result<TraceArgs>,
) -> syn::Result<(ItemFn, TraceArgs)> {
    // Each half is checked on its own first, so that one build reports a
    // misplaced `#[trace]` and mistakes in its arguments together.
    let function = item.and_then(traceable);
    let args = args.and_then(|args| unique_keys(&args).map(|()| args));
    let (function, args) = match (function, args) {
        (Ok(function), Ok(args)) => (function, args),
        (Err(mut a), Err(b)) => {
            a.combine(b);
            return Err(a);
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    recorded_are_arguments(&function, &args)?;
    Ok((function, args))
}

/// Accepts fns with a body that can run at run time; everything else is
/// an error on the token that makes it unsuitable.
fn traceable(item: Item) -> syn::Result<ItemFn> {
    let (span, found) = match item {
        Item::Fn(function) => {
            if let Some(constness) = &function.sig.constness {
                return Err(syn::Error::new(
                    constness.span,
                    "`#[trace]` cannot be applied to a `const fn`: spans start at run time, which \
                     const evaluation cannot do; remove `const` or remove `#[trace]`",
                ));
            }
            return Ok(function);
        }
        Item::Verbatim(tokens) if is_fn_declaration(&tokens) => {
            return Err(syn::Error::new(
                tokens.span(),
                "`#[trace]` needs a function body: it cannot be applied to a fn declaration \
                 (in an `extern` block or a trait without a default body); put it on the \
                 fn that has the body",
            ));
        }
        Item::Struct(i) => (i.struct_token.span, "a struct"),
        Item::Enum(i) => (i.enum_token.span, "an enum"),
        Item::Union(i) => (i.union_token.span, "a union"),
        Item::Const(i) => (i.const_token.span, "a const"),
        Item::Static(i) => (i.static_token.span, "a static"),
        Item::Impl(i) => (i.impl_token.span, "an impl block (put it on the methods)"),
        Item::Trait(i) => (
            i.trait_token.span,
            "a trait (put it on the methods of its impls)",
        ),
        Item::Mod(i) => (i.mod_token.span, "a module"),
        Item::Type(i) => (i.type_token.span, "a type alias"),
        Item::ForeignMod(i) => (i.abi.extern_token.span, "an `extern` block"),
        Item::Use(i) => (i.use_token.span, "a `use` item"),
        other => (other.span(), "this item"),
    };
    Err(syn::Error::new(
        span,
        format!("`#[trace]` can only be applied to functions and methods, not to {found}"),
    ))
}

/// `fn f(...);` parses as verbatim tokens; recognise it by its `fn` keyword.
fn is_fn_declaration(tokens: &TokenStream) -> bool {
    tokens
        .clone()
        .into_iter()
        .any(|tt| matches!(&tt, proc_macro2::TokenTree::Ident(i) if i == "fn"))
}

/// `attrs` and `record` both set attributes, so a key may collide across
/// the two.
fn unique_keys(args: &TraceArgs) -> syn::Result<()> {
    let mut keys = UniqueKeys::default();
    for entry in &args.attrs {
        keys.insert(&entry.key.value(), entry.key.span())?;
    }
    for arg in &args.record {
        keys.insert(&arg.ident.to_string(), arg.ident.span())?;
    }
    Ok(())
}

/// `record(name)` must name an argument, checked here so the error can
/// list the arguments instead of saying "cannot find value".
fn recorded_are_arguments(function: &ItemFn, args: &TraceArgs) -> syn::Result<()> {
    let names = bound_names(&function.sig);
    for arg in &args.record {
        if names.iter().any(|n| n.unraw() == arg.ident.unraw()) {
            continue;
        }
        // Names from `#[async_trait]`'s rewriting (`__arg0`) are not the user's.
        let listed: Vec<String> = names
            .iter()
            .map(|n| n.unraw().to_string())
            .filter(|n| !n.starts_with("__"))
            .map(|n| format!("`{n}`"))
            .collect();
        let arguments = if listed.is_empty() {
            "it takes no arguments that can be recorded".to_owned()
        } else {
            format!("its arguments are {}", listed.join(", "))
        };
        return Err(syn::Error::new(
            arg.ident.span(),
            format!(
                "`{ident}` is not an argument of `{fn_name}` ({arguments}); `record(…)` takes \
                 argument names. To record another value, write `attrs = {{ \"{ident}\" = … }}`",
                ident = arg.ident.unraw(),
                fn_name = function.sig.ident,
            ),
        ));
    }
    Ok(())
}

/// The identifiers an argument list binds, `self` excepted, including names
/// bound inside patterns such as `(a, b): (u8, u8)`.
fn bound_names(sig: &Signature) -> Vec<syn::Ident> {
    let mut names = Vec::new();
    for input in &sig.inputs {
        if let syn::FnArg::Typed(arg) = input {
            collect(&arg.pat, &mut names);
        }
    }
    names
}

fn collect(pat: &Pat, names: &mut Vec<syn::Ident>) {
    match pat {
        Pat::Ident(p) => {
            names.push(p.ident.clone());
            if let Some((_, sub)) = &p.subpat {
                collect(sub, names);
            }
        }
        Pat::Tuple(p) => p.elems.iter().for_each(|p| collect(p, names)),
        Pat::TupleStruct(p) => p.elems.iter().for_each(|p| collect(p, names)),
        Pat::Struct(p) => p.fields.iter().for_each(|f| collect(&f.pat, names)),
        Pat::Slice(p) => p.elems.iter().for_each(|p| collect(p, names)),
        Pat::Reference(p) => collect(&p.pat, names),
        Pat::Paren(p) => collect(&p.pat, names),
        Pat::Type(p) => collect(&p.pat, names),
        // Every case of an or-pattern binds the same names.
        Pat::Or(p) => p.cases.iter().take(1).for_each(|p| collect(p, names)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(args: &str, item: &str) -> String {
        match trace(syn::parse_str(item), syn::parse_str(args)) {
            Ok(_) => panic!("`#[trace({args})] {item}` passed"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn items_that_cannot_be_traced() {
        assert!(error("", "const fn f() {}").contains("cannot be applied to a `const fn`"));
        assert!(error("", "struct S;").contains("not to a struct"));
        assert!(error("", "impl S {}").contains("not to an impl block"));
        assert!(trace(syn::parse_str("fn f() {}"), syn::parse_str("")).is_ok());
    }

    #[test]
    fn keys_are_set_once() {
        assert!(error(r#"attrs = { "a" = 1, "a" = 2 }"#, "fn f() {}")
            .contains("attribute `a` is set twice"));
        assert!(
            error(r#"attrs = { "uid" = 1 }, record(uid)"#, "fn f(uid: u8) {}")
                .contains("attribute `uid` is set twice")
        );
    }

    #[test]
    fn record_names_arguments() {
        assert!(error("record(uid, order_id)", "fn f(uid: u8, shop: u8) {}")
            .contains("`order_id` is not an argument of `f` (its arguments are `uid`, `shop`)"));
        assert!(error("record(uid)", "fn f(&self, __arg0: u8) {}")
            .contains("it takes no arguments that can be recorded"));
        assert!(trace(
            syn::parse_str("fn f(r#type: u8) {}"),
            syn::parse_str("record(r#type)")
        )
        .is_ok());
    }

    #[test]
    fn both_halves_are_reported() {
        let Err(error) = trace(syn::parse_str("struct S;"), syn::parse_str("foo")) else {
            panic!("passed")
        };
        let messages: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 2);
        assert!(messages[0].contains("not to a struct"));
        assert!(messages[1].contains("unknown `#[trace]` argument `foo`"));
    }

    #[test]
    fn names_in_patterns() {
        let f: ItemFn = syn::parse_str(
            "fn f(&self, a: u8, (b, mut c): (u8, u8), S { d, e: ref g }: S, h @ _: u8) {}",
        )
        .unwrap();
        let names: Vec<String> = bound_names(&f.sig)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(names, ["a", "b", "c", "d", "g", "h"]);
    }
}
