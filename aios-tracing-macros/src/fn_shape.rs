//! What kind of fn `#[trace]` was put on and what its body evaluates to,
//! read from its syntax: this picks where the span is entered, when it
//! ends, and whether there is a `Result` to record.
//!
//! Analysis only: the expand phase turns these answers into code.

use syn::visit_mut::VisitMut;
use syn::{
    Block, Expr, GenericArgument, PathArguments, ReturnType, Signature, Stmt, Type, TypeParamBound,
};

pub(crate) enum Shape {
    /// A plain fn: the body runs inside the span, which ends on return.
    Sync { output: Output },
    /// `async fn`: the body becomes an instrumented future, awaited in place.
    Async { output: Output },
    /// `fn … -> impl Future<Output = T>`: the body runs inside the span and
    /// the future it returns is instrumented; the span ends when it
    /// completes. `output` is `T`.
    ReturnsFuture { output: Output },
    /// The body is exactly `Box::pin(async move { … })`, which is what
    /// `#[async_trait]` turns an `async fn` into before `#[trace]` sees it:
    /// the async block is instrumented. `output` comes from the
    /// `dyn Future<Output = T>` in the return type, `_` if there is none.
    BoxedAsync { output: Output },
}

impl Shape {
    pub(crate) fn of(sig: &Signature, block: &Block) -> Shape {
        if sig.asyncness.is_some() {
            return Shape::Async {
                output: Output::of_return(&sig.output),
            };
        }
        if is_boxed_async(block) {
            let output = match &sig.output {
                ReturnType::Type(_, ty) => future_output(ty),
                ReturnType::Default => None,
            };
            return Shape::BoxedAsync {
                output: output
                    .as_ref()
                    .map_or_else(Output::unknown, Output::of_type),
            };
        }
        if let ReturnType::Type(_, ty) = &sig.output {
            if let Type::ImplTrait(_) = &**ty {
                if let Some(output) = future_output(ty) {
                    return Shape::ReturnsFuture {
                        output: Output::of_type(&output),
                    };
                }
            }
        }
        Shape::Sync {
            output: Output::of_return(&sig.output),
        }
    }
}

/// Whether the body is only `Box::pin(async { … })`.
fn is_boxed_async(block: &Block) -> bool {
    let [Stmt::Expr(Expr::Call(call), None)] = block.stmts.as_slice() else {
        return false;
    };
    let Expr::Path(func) = &*call.func else {
        return false;
    };
    let segments: Vec<String> = func
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    segments.ends_with(&["Box".to_owned(), "pin".to_owned()])
        && call.args.len() == 1
        && matches!(call.args.first(), Some(Expr::Async(_)))
}

/// The async block (the argument of `Box::pin`) of a body of the
/// [`Shape::BoxedAsync`] shape, for the expand phase to replace.
pub(crate) fn boxed_async(block: &mut Block) -> Option<&mut Expr> {
    if !is_boxed_async(block) {
        return None;
    }
    let [Stmt::Expr(Expr::Call(call), None)] = block.stmts.as_mut_slice() else {
        return None;
    };
    call.args.first_mut()
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

/// The type a body evaluates to, as the macro can write it down.
pub(crate) enum Output {
    /// `()` (or no return type): nothing to inspect.
    Unit,
    /// `!`: the body never returns normally.
    Never,
    /// Anything else, with `impl Trait` replaced by `_` so it can be
    /// written in expression position. `checkable` is false when nothing
    /// but `_` is left, as there is no `Result` to look at then.
    Value { ty: Box<Type>, checkable: bool },
}

impl Output {
    pub(crate) fn of_return(output: &ReturnType) -> Output {
        match output {
            ReturnType::Default => Output::Unit,
            ReturnType::Type(_, ty) => Output::of_type(ty),
        }
    }

    pub(crate) fn of_type(ty: &Type) -> Output {
        match ty {
            Type::Never(_) => Output::Never,
            Type::Tuple(t) if t.elems.is_empty() => Output::Unit,
            Type::Paren(t) => Output::of_type(&t.elem),
            Type::Group(t) => Output::of_type(&t.elem),
            _ => {
                let mut ty = ty.clone();
                EraseImplTrait.visit_type_mut(&mut ty);
                let checkable = !matches!(ty, Type::Infer(_));
                Output::Value {
                    ty: Box::new(ty),
                    checkable,
                }
            }
        }
    }

    /// A type nothing is known of: left to inference, never inspected.
    fn unknown() -> Output {
        Output::Value {
            ty: Box::new(Type::Infer(syn::TypeInfer {
                underscore_token: Default::default(),
            })),
            checkable: false,
        }
    }

    /// Whether the value may be a `Result` worth inspecting.
    pub(crate) fn checkable(&self) -> bool {
        matches!(
            self,
            Output::Value {
                checkable: true,
                ..
            }
        )
    }
}

struct EraseImplTrait;

impl VisitMut for EraseImplTrait {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(t) = ty {
            *ty = Type::Infer(syn::TypeInfer {
                underscore_token: syn::Token![_](syn::spanned::Spanned::span(&t.impl_token)),
            });
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
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
            Output::Unit => "unit".into(),
            Output::Never => "never".into(),
            Output::Value { ty, checkable } => format!("{} {checkable}", ty.to_token_stream()),
        }
    }

    fn ty(src: &str) -> String {
        describe(&Output::of_return(
            &syn::parse_str::<ItemFn>(src).unwrap().sig.output,
        ))
    }

    #[test]
    fn shapes() {
        assert!(matches!(shape("fn f() -> u8 { 1 }"), Shape::Sync { .. }));
        assert!(matches!(
            shape("async fn f() -> u8 { 1 }"),
            Shape::Async { .. }
        ));
        let Shape::ReturnsFuture { output } =
            shape("fn f() -> impl Future<Output = u8> + Send { async { 1 } }")
        else {
            panic!("not a fn returning a future")
        };
        assert_eq!(describe(&output), "u8 true");
        assert!(matches!(
            shape("fn f() -> impl Iterator<Item = u8> { None.into_iter() }"),
            Shape::Sync { .. }
        ));
        let boxed =
            "fn f<'a>(&'a self) -> Pin<Box<dyn Future<Output = Result<u8, E>> + Send + 'a>> \
                     { Box::pin(async move { Ok(1) }) }";
        let Shape::BoxedAsync { output } = shape(boxed) else {
            panic!("not boxed async")
        };
        assert_eq!(describe(&output), "Result < u8 , E > true");
        // Without a `Future` in the return type, the output is inferred.
        let Shape::BoxedAsync { output } = shape("fn f() { Box::pin(async move {}) }") else {
            panic!("not boxed async")
        };
        assert_eq!(describe(&output), "_ false");
        // A box that is not the whole body is an ordinary sync fn.
        assert!(matches!(
            shape("fn f() -> Pin<Box<dyn Future<Output = ()>>> { let x = 1; Box::pin(async move { x; }) }"),
            Shape::Sync { .. }
        ));
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
