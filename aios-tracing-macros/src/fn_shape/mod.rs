//! What kind of fn `#[trace]` was put on and what its body evaluates to,
//! read from its syntax: this picks where the span is entered, when it
//! ends, and whether there is a `Result` to record.
//!
//! Analysis only: the expand phase turns these answers into code.

mod output;

pub(crate) use output::Output;
use syn::{
    Block, Expr, ExprAsync, GenericArgument, PathArguments, ReturnType, Signature, Stmt, Type,
    TypeParamBound,
};

pub(crate) enum Shape {
    /// A plain fn: the body runs inside the span, which ends on return.
    Sync { output: Output },
    /// `async fn`: the body becomes an instrumented future, awaited in place.
    Async { output: Output },
    /// `fn … -> impl Future<Output = T>`, or `-> Pin<Box<dyn Future<Output
    /// = T>>>` with a body that does not end in `Box::pin(async …)`: the
    /// body runs inside the span and the future it returns is
    /// instrumented; the span ends when it completes. `output` is `T`;
    /// `boxed`: the instrumented future is boxed to have the declared type.
    ReturnsFuture { output: Output, boxed: bool },
    /// The body ends in `Box::pin(async { … })`: the async block is
    /// instrumented in place, inside the box. This is what `#[async_trait]`
    /// turns an `async fn` into before `#[trace]` sees it, and a common
    /// hand-written shape (`let metrics = self.metrics.clone();
    /// Box::pin(async move { … })`). `output` comes from the `dyn
    /// Future<Output = T>` in the return type, `_` if there is none;
    /// `prelude`: statements come before the box, and run inside the span.
    BoxedAsync { output: Output, prelude: bool },
}

impl Shape {
    pub(crate) fn of(sig: &Signature, block: &Block) -> Shape {
        if sig.asyncness.is_some() {
            return Shape::Async {
                output: Output::of_return(&sig.output, sig.ident.span()),
            };
        }
        let declared = match &sig.output {
            ReturnType::Type(_, ty) => Some(&**ty),
            ReturnType::Default => None,
        };
        let future = declared.and_then(future_output);
        if boxed_async_tail(block).is_some() {
            return Shape::BoxedAsync {
                output: future
                    .as_ref()
                    .map_or_else(Output::unknown, Output::of_type),
                prelude: block.stmts.len() > 1,
            };
        }
        match (declared, future) {
            (Some(Type::ImplTrait(_)), Some(output)) => Shape::ReturnsFuture {
                output: Output::of_type(&output),
                boxed: false,
            },
            (Some(ty), Some(output)) if is_pinned_box(ty) => Shape::ReturnsFuture {
                output: Output::of_type(&output),
                boxed: true,
            },
            _ => Shape::Sync {
                output: Output::of_return(&sig.output, sig.ident.span()),
            },
        }
    }
}

/// The `async` block that `Box::pin(async { … })`, the body's tail
/// expression, boxes.
fn boxed_async_tail(block: &Block) -> Option<&ExprAsync> {
    let Some(Stmt::Expr(Expr::Call(call), None)) = block.stmts.last() else {
        return None;
    };
    let Expr::Path(func) = &*call.func else {
        return None;
    };
    let mut segments = func.path.segments.iter().rev().map(|s| &s.ident);
    let is_box_pin =
        segments.next().is_some_and(|s| s == "pin") && segments.next().is_some_and(|s| s == "Box");
    match (is_box_pin, call.args.len(), call.args.first()) {
        (true, 1, Some(Expr::Async(inner))) => Some(inner),
        _ => None,
    }
}

/// The async block the body ends in, for the expand phase to replace:
/// the tail expression itself (`async move { … }`) or what it boxes
/// (`Box::pin(async move { … })`).
pub(crate) fn tail_async(block: &mut Block) -> Option<&mut Expr> {
    let boxed = boxed_async_tail(block).is_some();
    let Some(Stmt::Expr(tail, None)) = block.stmts.last_mut() else {
        return None;
    };
    match tail {
        Expr::Async(_) => Some(tail),
        Expr::Call(call) if boxed => call.args.first_mut(),
        _ => None,
    }
}

/// `Pin<Box<…>>`, however the paths are written.
fn is_pinned_box(ty: &Type) -> bool {
    let Some(inner) = last_segment_argument(ty, "Pin") else {
        return false;
    };
    last_segment_argument(inner, "Box").is_some()
}

/// `A` in `…::name<A>`.
fn last_segment_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// `T` from the first `Future<Output = T>` bound found in `ty`, looking
/// through `impl`/`dyn` bounds and generic arguments (`Pin<Box<dyn …>>`).
fn future_output(ty: &Type) -> Option<Type> {
    match ty {
        Type::ImplTrait(t) => bounds_output(t.bounds.iter()),
        Type::TraitObject(t) => bounds_output(t.bounds.iter()),
        Type::Paren(t) => future_output(&t.elem),
        Type::Group(t) => future_output(&t.elem),
        Type::Path(p) => p
            .path
            .segments
            .iter()
            .find_map(|segment| match &segment.arguments {
                PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                    GenericArgument::Type(t) => future_output(t),
                    _ => None,
                }),
                _ => None,
            }),
        _ => None,
    }
}

fn bounds_output<'a>(mut bounds: impl Iterator<Item = &'a TypeParamBound>) -> Option<Type> {
    bounds.find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let last = bound.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(assoc.ty.clone()),
            _ => None,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens as _;
    use syn::ItemFn;

    fn shape(src: &str) -> Shape {
        let f: ItemFn = syn::parse_str(src).unwrap();
        Shape::of(&f.sig, &f.block)
    }

    fn describe(output: &Output) -> String {
        match output {
            Output::Unit(_) => "unit".into(),
            Output::Never(_) => "never".into(),
            Output::Value { ty, checkable } => format!("{} {checkable}", ty.to_token_stream()),
        }
    }

    fn ty(src: &str) -> String {
        let f = syn::parse_str::<ItemFn>(src).unwrap();
        describe(&Output::of_return(&f.sig.output, f.sig.ident.span()))
    }

    fn boxed(src: &str) -> (String, bool) {
        let Shape::BoxedAsync { output, prelude } = shape(src) else {
            panic!("not boxed async: {src}")
        };
        (describe(&output), prelude)
    }

    fn returns_future(src: &str) -> (String, bool) {
        let Shape::ReturnsFuture { output, boxed } = shape(src) else {
            panic!("not a fn returning a future: {src}")
        };
        (describe(&output), boxed)
    }

    #[test]
    fn shapes() {
        assert!(matches!(shape("fn f() -> u8 { 1 }"), Shape::Sync { .. }));
        assert!(matches!(
            shape("async fn f() -> u8 { 1 }"),
            Shape::Async { .. }
        ));
        assert_eq!(
            returns_future("fn f() -> impl Future<Output = u8> + Send { async { 1 } }"),
            ("u8 true".to_owned(), false)
        );
        assert!(matches!(
            shape("fn f() -> impl Iterator<Item = u8> { None.into_iter() }"),
            Shape::Sync { .. }
        ));
        assert!(matches!(
            shape("fn f() -> Box<dyn Future<Output = u8>> { todo!() }"),
            Shape::Sync { .. }
        ));
    }

    #[test]
    fn boxed_futures() {
        assert_eq!(
            boxed(
                "fn f<'a>(&'a self) -> Pin<Box<dyn Future<Output = Result<u8, E>> + Send + 'a>> \
                 { Box::pin(async move { Ok(1) }) }"
            ),
            ("Result < u8 , E > true".to_owned(), false)
        );
        // Without a `Future` in the return type, the output is inferred,
        // and inspected once it is.
        assert_eq!(
            boxed("fn f() -> BoxFuture<'static, u8> { Box::pin(async move { 1 }) }"),
            ("_ true".to_owned(), false)
        );
        // Statements before the box (tracing's issue 1296).
        assert_eq!(
            boxed(
                "fn f(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> \
                 { let val = self.clone(); Box::pin(async move { drop(val); }) }"
            ),
            ("unit".to_owned(), true)
        );
        assert!(!boxed("fn f() -> P { std::boxed::Box::pin(async {}) }").1);
        // A boxed future made some other way: instrumented from outside.
        assert_eq!(
            returns_future(
                "fn f(&self) -> std::pin::Pin<Box<dyn Future<Output = u8> + '_>> \
                 { self.inner.call() }"
            ),
            ("u8 true".to_owned(), true)
        );
        // Not a boxed async block: an ordinary sync fn.
        assert!(matches!(
            shape("fn f() -> Pin<Box<u8>> { Box::pin(1) }"),
            Shape::Sync { .. }
        ));
        assert!(matches!(
            shape("fn f() -> u8 { Box::pin(async {}); 1 }"),
            Shape::Sync { .. }
        ));
    }

    #[test]
    fn tail_async_blocks() {
        let tail = |src: &str| {
            let mut f: ItemFn = syn::parse_str(src).unwrap();
            tail_async(&mut f.block).map(|e| e.to_token_stream().to_string())
        };
        assert_eq!(
            tail("fn f() { let a = 1; async move { a } }").as_deref(),
            Some("async move { a }")
        );
        assert_eq!(
            tail("fn f() { Box::pin(async { 1 }) }").as_deref(),
            Some("async { 1 }")
        );
        // The output of another wrapper is not the declared one.
        assert_eq!(tail("fn f() { wrap(async { 1 }) }"), None);
        assert_eq!(tail("fn f() { async { 1 }; }"), None);
    }

    #[test]
    fn outputs() {
        assert_eq!(ty("fn f() {}"), "unit");
        assert_eq!(ty("fn f() -> () {}"), "unit");
        assert_eq!(ty("fn f() -> ! {}"), "never");
        assert_eq!(
            ty("fn f() -> io::Result<u8> {}"),
            "io :: Result < u8 > true"
        );
        assert_eq!(ty("fn f() -> impl Display {}"), "_ false");
        assert_eq!(
            ty("fn f() -> Result<impl Display, E> {}"),
            "Result < _ , E > true"
        );
    }
}
