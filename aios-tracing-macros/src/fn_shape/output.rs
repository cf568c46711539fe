//! The type a traced body evaluates to, as written in the fn's signature,
//! and where it is written.

use proc_macro2::Span;
use syn::spanned::Spanned as _;
use syn::visit_mut::VisitMut;
use syn::{ReturnType, Type};

/// The type a body evaluates to, as the macro can write it down.
pub(crate) enum Output {
    /// `()` (or no return type): nothing to inspect.
    Unit(Span),
    /// `!`: the body never returns normally.
    Never(Span),
    /// Anything else, with `impl Trait` replaced by `_` so it can be
    /// written in expression position. `checkable` is false when the
    /// whole type was an `impl Trait`, as there is no `Result` to look at
    /// then.
    Value { ty: Box<Type>, checkable: bool },
}

impl Output {
    /// The output of a fn returning `output`; `name` is the fn's name,
    /// where a missing return type is declared.
    pub(crate) fn of_return(output: &ReturnType, name: Span) -> Output {
        match output {
            ReturnType::Default => Output::Unit(name),
            ReturnType::Type(_, ty) => Output::of_type(ty),
        }
    }

    pub(crate) fn of_type(ty: &Type) -> Output {
        match ty {
            Type::Never(t) => Output::Never(t.bang_token.span),
            Type::Tuple(t) if t.elems.is_empty() => Output::Unit(t.paren_token.span.join()),
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

    /// A type the signature does not show (the output of a future behind
    /// a type alias): left to inference, and inspected once inferred.
    pub(crate) fn unknown() -> Output {
        Output::Value {
            ty: Box::new(Type::Infer(syn::TypeInfer {
                underscore_token: Default::default(),
            })),
            checkable: true,
        }
    }

    /// Whether nothing is known of the type but what inference finds.
    pub(crate) fn inferred(&self) -> bool {
        matches!(self, Output::Value { ty, .. } if matches!(**ty, Type::Infer(_)))
    }

    /// Where the type is written: type errors in the body are reported
    /// against it.
    pub(crate) fn declared(&self) -> Span {
        match self {
            Output::Unit(span) | Output::Never(span) => *span,
            Output::Value { ty, .. } => ty.span(),
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
                underscore_token: syn::Token![_](t.impl_token.span),
            });
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}
