//! The input of `span!`: a name, options, attributes, and the body last.
//!
//! ```text
//! span!("checkout", kind = server, "cart.items" = 3, |span| { … })   // runs now
//! span!("fetch", async move { … })                                    // a future
//! span!("fetch", |span| async move { … })                             // a future, with the span
//! ```

use super::{AttrEntry, Kind, UniqueKeys};
use quote::ToTokens as _;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, ExprClosure, Ident, LitBool, LitStr, Token};

const BODY: &str = "a closure `|span| { … }` or an async block `async move { … }`";

pub(crate) struct SpanInput {
    /// A string literal, or any expression giving the name at run time.
    pub(crate) name: Expr,
    pub(crate) kind: Option<Kind>,
    /// Whether an `Err` value of the body marks the span as failed.
    pub(crate) err: bool,
    pub(crate) attrs: Vec<AttrEntry>,
    pub(crate) body: Body,
}

pub(crate) enum Body {
    /// `|span| { … }` or `|| { … }`: run at once inside the span.
    Now {
        closure: ExprClosure,
        takes_span: bool,
    },
    /// `|span| async move { … }` or `async |span| { … }`: called with an
    /// owned `Span`, and the future it returns is instrumented.
    FutureFn {
        closure: ExprClosure,
        takes_span: bool,
    },
    /// `async move { … }`: instrumented.
    Future(Expr),
}

impl Parse for SpanInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error(format!(
                "`span!` needs a name and a body: `span!(\"name\", …)` with {BODY}"
            )));
        }
        let name = parse_name(input)?;
        let mut kind = None;
        let mut err = None;
        let mut attrs = Vec::new();
        // Checked as each entry is read, unlike `#[trace]`'s keys, so the
        // first mistake in source order is the one reported.
        let mut keys = UniqueKeys::default();
        loop {
            if input.is_empty() {
                return Err(input.error(format!(
                    "`span!` needs a body after the name and options: {BODY}"
                )));
            }
            if !input.peek(Token![,]) {
                return Err(input.error("expected `,` between `span!` arguments"));
            }
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                return Err(
                    input.error(format!("`span!` needs a body as its last argument: {BODY}"))
                );
            }
            if input.peek(LitStr) && input.peek2(Token![=]) {
                let entry: AttrEntry = input.parse()?;
                keys.insert(&entry.key.value(), entry.key.span())?;
                attrs.push(entry);
            } else if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
                let key: Ident = input.parse()?;
                input.parse::<Token![=]>()?;
                match key.to_string().as_str() {
                    "kind" if kind.is_none() => kind = Some(input.parse()?),
                    "err" if err.is_none() => {
                        if !input.peek(LitBool) {
                            return Err(input.error("`err` takes `true` or `false`: write `err = false`"));
                        }
                        err = Some(input.parse::<LitBool>()?.value);
                    }
                    "kind" | "err" => return Err(syn::Error::new(key.span(), format!("`{key}` is given twice; keep one"))),
                    "name" => return Err(syn::Error::new(key.span(), "the span name is the first argument of `span!`: `span!(\"name\", …)`")),
                    other => {
                        return Err(syn::Error::new(
                            key.span(),
                            format!(
                                "unknown `span!` option `{other}`: expected `kind = …`, `err = false` or an \
                                 attribute `\"key\" = value` (keys are string literals: `\"{other}\" = …`)"
                            ),
                        ))
                    }
                }
            } else {
                let body = Body::parse(input)?;
                if input.peek(Token![,]) {
                    input.parse::<Token![,]>()?;
                }
                if !input.is_empty() {
                    return Err(input.error("the body must be the last argument of `span!`"));
                }
                return Ok(SpanInput {
                    name,
                    kind,
                    err: err.unwrap_or(true),
                    attrs,
                    body,
                });
            }
        }
    }
}

fn parse_name(input: ParseStream<'_>) -> syn::Result<Expr> {
    if input.peek(LitStr) && input.peek2(Token![=]) {
        return Err(input.error(
            "the first argument of `span!` is the span name: `span!(\"name\", \"key\" = value, …)`",
        ));
    }
    let name: Expr = input.parse()?;
    match &name {
        Expr::Closure(_) | Expr::Async(_) => Err(syn::Error::new(
            name.span(),
            "`span!` needs a span name before the body: `span!(\"name\", …)`",
        )),
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) if s.value().is_empty() => {
            Err(syn::Error::new(s.span(), "the span name must not be empty"))
        }
        _ => Ok(name),
    }
}

impl Body {
    fn parse(input: ParseStream<'_>) -> syn::Result<Body> {
        let expr: Expr = input.parse()?;
        match expr {
            // `cart.items = 3`: an attribute whose key is not a string.
            Expr::Assign(assign) => {
                let key = assign.left.to_token_stream().to_string().replace(' ', "");
                Err(syn::Error::new(
                    assign.left.span(),
                    format!("attribute keys are string literals: write `\"{key}\" = …`"),
                ))
            }
            Expr::Closure(closure) => {
                if let Some(extra) = closure.inputs.iter().nth(1) {
                    return Err(syn::Error::new(
                        extra.span(),
                        "the closure of `span!` takes one argument, the span: `|span| { … }`",
                    ));
                }
                let takes_span = !closure.inputs.is_empty();
                if closure.asyncness.is_some() || matches!(*closure.body, Expr::Async(_)) {
                    Ok(Body::FutureFn {
                        closure,
                        takes_span,
                    })
                } else {
                    Ok(Body::Now {
                        closure,
                        takes_span,
                    })
                }
            }
            Expr::Async(_) => Ok(Body::Future(expr)),
            other => Err(syn::Error::new(
                other.span(),
                format!("the last argument of `span!` must be {BODY}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(src: &str) -> String {
        match syn::parse_str::<SpanInput>(src) {
            Ok(_) => panic!("`{src}` parsed"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn forms() {
        let input: SpanInput = syn::parse_str(
            r#""checkout", kind = server, "cart.items" = 3, "u" = %user, |span| { 1 },"#,
        )
        .unwrap();
        assert_eq!(input.attrs.len(), 2);
        assert!(matches!(
            input.body,
            Body::Now {
                takes_span: true,
                ..
            }
        ));
        let input: SpanInput = syn::parse_str(r#"format!("job {}", id), || 1"#).unwrap();
        assert!(matches!(
            input.body,
            Body::Now {
                takes_span: false,
                ..
            }
        ));
        let input: SpanInput = syn::parse_str(r#""f", async move { 1 }"#).unwrap();
        assert!(matches!(input.body, Body::Future(_)));
        let input: SpanInput =
            syn::parse_str(r#""f", err = false, |span| async move { 1 }"#).unwrap();
        assert!(
            matches!(
                input.body,
                Body::FutureFn {
                    takes_span: true,
                    ..
                }
            ) && !input.err
        );
        let input: SpanInput = syn::parse_str(r#""f", async |span| { 1 }"#).unwrap();
        assert!(matches!(
            input.body,
            Body::FutureFn {
                takes_span: true,
                ..
            }
        ));
    }

    #[test]
    fn mistakes_name_the_fix() {
        assert!(error("").contains("needs a name and a body"));
        assert!(error(r#""a""#).contains("needs a body"));
        assert!(error("|span| 1").contains("needs a span name before the body"));
        assert!(error(r#""a", 1 + 2"#).contains("must be a closure"));
        assert!(error(r#""a", |a, b| 1"#).contains("takes one argument"));
        assert!(error(r#""a", foo = 1, || 1"#).contains("unknown `span!` option `foo`"));
        assert!(error(r#""a", kind = "server", || 1"#).contains("write `kind = server`"));
        assert!(error(r#""a", kind = server, kind = client, || 1"#).contains("given twice"));
        assert!(error(r#""a", "k" = 1, "k" = 2, || 1"#).contains("set twice"));
        assert!(error(r#""a", || 1, "k" = 2"#).contains("must be the last argument"));
        assert!(error(r#""a", cart.items = 3, || 1"#).contains(r#"write `"cart.items" = …`"#));
        assert!(error(r#""k" = 1, || 1"#).contains("first argument of `span!` is the span name"));
        assert!(error(r#""a", err = 0, || 1"#).contains("`err` takes `true` or `false`"));
    }
}
