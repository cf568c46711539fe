//! The arguments of `#[trace(...)]`.
//!
//! ```text
//! #[trace]
//! #[trace("fetch_user")]
//! #[trace(name = "fetch_user", kind = client, attrs = { "db.table" = "users" },
//!         record(uid, %email, ?request), err = false)]
//! ```
//!
//! An argument given twice is a syntax mistake and is reported here;
//! whether `record(…)` names arguments of the fn, and whether two
//! arguments set the same attribute key, is left to the validate phase.

use super::{AttrEntry, Format, Kind};
use proc_macro2::{Span, TokenStream, TokenTree};
use std::collections::HashSet;
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{braced, parenthesized, Ident, LitBool, LitStr, Token};

const EXPECTED: &str = "`\"span name\"`, `name = \"…\"`, `kind = …`, `attrs = { … }`, \
                        `record(…)` or `err = false`";

#[derive(Default)]
pub(crate) struct TraceArgs {
    /// The span name; the fn's name when absent.
    pub(crate) name: Option<LitStr>,
    pub(crate) kind: Option<Kind>,
    pub(crate) attrs: Vec<AttrEntry>,
    pub(crate) record: Vec<RecordArg>,
    /// Whether an `Err` return marks the span as failed (default `true`).
    pub(crate) err: bool,
}

/// One name in `record(...)`: `uid`, `%uid` or `?uid`.
#[derive(Clone)]
pub(crate) struct RecordArg {
    pub(crate) format: Format,
    pub(crate) ident: Ident,
}

impl Parse for TraceArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = TraceArgs {
            err: true,
            ..TraceArgs::default()
        };
        // Which arguments were given: each may appear once.
        let mut given: HashSet<&'static str> = HashSet::new();
        while !input.is_empty() {
            args.parse_one(input, &mut given)?;
            if input.is_empty() {
                break;
            }
            if !input.peek(Token![,]) {
                return Err(input.error(format!(
                    "expected `,` between `#[trace]` arguments; arguments are {EXPECTED}"
                )));
            }
            input.parse::<Token![,]>()?;
        }
        Ok(args)
    }
}

impl TraceArgs {
    fn parse_one(
        &mut self,
        input: ParseStream<'_>,
        given: &mut HashSet<&'static str>,
    ) -> syn::Result<()> {
        if input.peek(LitStr) {
            let name: LitStr = input.parse()?;
            if input.peek(Token![=]) {
                return Err(syn::Error::new(
                    name.span(),
                    format!(
                        "attributes go inside `attrs`: write `attrs = {{ \"{}\" = … }}`",
                        name.value()
                    ),
                ));
            }
            if given.contains("name") || given.contains("positional name") {
                return Err(syn::Error::new(
                    name.span(),
                    "the span name is given twice; keep one",
                ));
            }
            given.insert("positional name");
            self.name = Some(check_name(name)?);
            return Ok(());
        }
        if !input.peek(Ident::peek_any) {
            return Err(input.error(format!("expected a `#[trace]` argument: {EXPECTED}")));
        }
        let key = input.call(Ident::parse_any)?;
        match key.to_string().as_str() {
            "name" => {
                if given.contains("positional name") {
                    return Err(syn::Error::new(
                        key.span(),
                        "the span name is given twice, as the first argument and as `name = …`; keep one",
                    ));
                }
                mark(given, "name", key.span())?;
                expect_eq(input, &key, "name = \"fetch_user\"")?;
                if !input.peek(LitStr) {
                    return Err(
                        input.error("`name` takes a string literal: write `name = \"fetch_user\"`")
                    );
                }
                self.name = Some(check_name(input.parse()?)?);
            }
            "kind" => {
                mark(given, "kind", key.span())?;
                expect_eq(input, &key, "kind = server")?;
                self.kind = Some(input.parse()?);
            }
            "attrs" => {
                mark(given, "attrs", key.span())?;
                expect_eq(input, &key, "attrs = { \"db.table\" = \"users\" }")?;
                if !input.peek(syn::token::Brace) {
                    return Err(input.error(
                        "`attrs` takes a braced list: write `attrs = { \"db.table\" = \"users\", \"retries\" = 3 }`",
                    ));
                }
                let content;
                braced!(content in input);
                let entries = Punctuated::<AttrEntry, Token![,]>::parse_terminated(&content)?;
                self.attrs = entries.into_iter().collect();
            }
            "record" => {
                mark(given, "record", key.span())?;
                if !input.peek(syn::token::Paren) {
                    return Err(input.error(
                        "`record` takes argument names in parentheses: write `record(uid, order_id)`",
                    ));
                }
                let content;
                parenthesized!(content in input);
                let names = Punctuated::<RecordArg, Token![,]>::parse_terminated(&content)?;
                self.record = names.into_iter().collect();
            }
            "err" => {
                mark(given, "err", key.span())?;
                expect_eq(input, &key, "err = false")?;
                if !input.peek(LitBool) {
                    return Err(input.error(
                        "`err` takes `true` or `false`: write `err = false` to leave `Err` returns unrecorded",
                    ));
                }
                self.err = input.parse::<LitBool>()?.value;
            }
            other => return Err(unknown_key(&key, other)),
        }
        Ok(())
    }
}

impl Parse for RecordArg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        const HOW: &str = "`record` takes argument names: `record(uid)`, `record(%uid)` (Display) \
                           or `record(?uid)` (Debug); to record an expression, write \
                           `attrs = { \"key\" = expr }`";
        let format = Format::parse_sigil(input)?;
        if !input.peek(Ident::peek_any) {
            return Err(input.error(HOW));
        }
        let ident = input.call(Ident::parse_any)?;
        if ident == "self" {
            return Err(syn::Error::new(
                ident.span(),
                "`self` cannot be recorded as a whole; record a field with \
                 `attrs = { \"key\" = self.field }`",
            ));
        }
        if !input.is_empty() && !input.peek(Token![,]) {
            // `record(user.id)`: show the `attrs` entry that does this.
            let rest: TokenStream = input.step(|cursor| {
                let mut rest = *cursor;
                let mut tokens = TokenStream::new();
                while let Some((tt, next)) = rest.token_tree() {
                    if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') {
                        break;
                    }
                    tokens.extend([tt]);
                    rest = next;
                }
                Ok((tokens, rest))
            })?;
            let expr = format!("{ident}{rest}").replace(' ', "");
            return Err(syn::Error::new(
                ident.span(),
                format!(
                    "`record` takes argument names, not expressions; to record `{expr}`, write \
                     `attrs = {{ \"{expr}\" = {expr} }}`"
                ),
            ));
        }
        Ok(RecordArg { format, ident })
    }
}

fn check_name(name: LitStr) -> syn::Result<LitStr> {
    if name.value().is_empty() {
        return Err(syn::Error::new(
            name.span(),
            "the span name must not be empty",
        ));
    }
    Ok(name)
}

fn mark(given: &mut HashSet<&'static str>, key: &'static str, span: Span) -> syn::Result<()> {
    if given.insert(key) {
        Ok(())
    } else {
        Err(syn::Error::new(
            span,
            format!("`{key}` is given twice; keep one"),
        ))
    }
}

fn expect_eq(input: ParseStream<'_>, key: &Ident, example: &str) -> syn::Result<()> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        Ok(())
    } else {
        Err(syn::Error::new(
            key.span(),
            format!("expected `=` after `{key}`: write `{example}`"),
        ))
    }
}

fn unknown_key(key: &Ident, name: &str) -> syn::Error {
    let hint = match name {
        "skip" | "skip_all" => {
            "; arguments are only recorded when listed in `record(…)`, so there is nothing to skip"
        }
        "fields" => {
            "; write `attrs = { \"key\" = value }` for attributes and `record(arg)` for arguments"
        }
        "level" | "target" => "; OpenTelemetry spans have no level or target",
        "attributes" | "attr" => "; write `attrs = { \"key\" = value }`",
        "span_kind" => "; write `kind = server`",
        _ => "",
    };
    syn::Error::new(
        key.span(),
        format!("unknown `#[trace]` argument `{name}`: expected {EXPECTED}{hint}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(tokens: &str) -> syn::Result<TraceArgs> {
        syn::parse_str(tokens)
    }

    fn error(tokens: &str) -> String {
        match parse(tokens) {
            Ok(_) => panic!("`{tokens}` parsed"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn empty_defaults() {
        let args = parse("").unwrap();
        assert!(args.name.is_none() && args.kind.is_none() && args.err);
        assert!(args.attrs.is_empty() && args.record.is_empty());
    }

    #[test]
    fn every_form() {
        let args = parse(
            r#""fetch", kind = client, attrs = { "db.table" = "users", "n" = 3, "u" = %user, "d" = ?x, },
               record(uid, %email, ?req), err = false,"#,
        )
        .unwrap();
        assert_eq!(args.name.unwrap().value(), "fetch");
        assert_eq!(args.attrs.len(), 4);
        assert_eq!(args.attrs[2].format, Format::Display);
        assert_eq!(args.attrs[3].format, Format::Debug);
        let record: Vec<_> = args
            .record
            .iter()
            .map(|r| (r.ident.to_string(), r.format))
            .collect();
        assert_eq!(
            record,
            [
                ("uid".to_owned(), Format::Value),
                ("email".to_owned(), Format::Display),
                ("req".to_owned(), Format::Debug)
            ]
        );
        assert!(!args.err);
        assert_eq!(parse(r#"name = "x""#).unwrap().name.unwrap().value(), "x");
    }

    #[test]
    fn mistakes_name_the_fix() {
        assert!(error("foo = 1").contains("unknown `#[trace]` argument `foo`"));
        assert!(error("skip(a)").contains("nothing to skip"));
        assert!(error("kind = server, kind = client").contains("`kind` is given twice"));
        assert!(
            error(r#""a", name = "b""#).contains("span name is given twice, as the first argument")
        );
        assert!(error(r#"name = "a", "b""#).contains("span name is given twice"));
        assert!(error(r#"name = "a", name = "b""#).contains("`name` is given twice"));
        assert!(error(r#"kind = "server""#).contains("write `kind = server`"));
        assert!(error("kind = foo").contains("unknown span kind `foo`"));
        assert!(error("kind = Server").contains("write `kind = server`"));
        assert!(error("name = 3").contains("`name` takes a string literal"));
        assert!(error(r#"name = """#).contains("must not be empty"));
        assert!(error("err = no").contains("`err` takes `true` or `false`"));
        assert!(error(r#"attrs = ("a" = 1)"#).contains("braced list"));
        assert!(error("attrs = { db.table = 1 }").contains(r#"write `"db.table" = …`"#));
        assert!(error("record = uid").contains("write `record(uid, order_id)`"));
        assert!(
            error("record(a.b)").contains(r#"to record `a.b`, write `attrs = { "a.b" = a.b }`"#)
        );
        assert!(error("record(1)").contains("to record an expression"));
        assert!(error("record(self)").contains("`self` cannot be recorded"));
        assert!(error(r#""a" = 1"#).contains("attributes go inside `attrs`"));
        assert!(error("kind server").contains("expected `=` after `kind`"));
        assert!(error(r#""a" "b""#).contains("expected `,`"));
    }
}
