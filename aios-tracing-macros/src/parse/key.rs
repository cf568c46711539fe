//! Attribute keys: how one is written, and that none is set twice.

use proc_macro2::{Span, TokenStream, TokenTree};
use std::collections::HashSet;
use syn::parse::ParseStream;
use syn::spanned::Spanned as _;
use syn::LitStr;

/// An attribute key: a non-empty string literal. Identifiers and dotted
/// paths are rejected with the literal to write instead, since keys such
/// as `db.table` are not valid Rust paths.
pub(crate) fn parse_key(input: ParseStream<'_>) -> syn::Result<LitStr> {
    if input.peek(LitStr) {
        let key: LitStr = input.parse()?;
        if key.value().is_empty() {
            return Err(syn::Error::new(
                key.span(),
                "attribute keys must not be empty",
            ));
        }
        return Ok(key);
    }
    // The tokens up to `=` or `,`, to quote them back in the hint. Read
    // from a fork so that `input.error` below still points where the key
    // should have been.
    let written: TokenStream = input.fork().step(|cursor| {
        let mut rest = *cursor;
        let mut tokens = TokenStream::new();
        while let Some((tt, next)) = rest.token_tree() {
            if let TokenTree::Punct(p) = &tt {
                if p.as_char() == '=' || p.as_char() == ',' {
                    break;
                }
            }
            tokens.extend([tt]);
            rest = next;
        }
        Ok((tokens, rest))
    })?;
    let text = written.to_string().replace(' ', "");
    let span = written.span();
    if text.is_empty() {
        return Err(input.error("expected an attribute: `\"key\" = value`"));
    }
    Err(syn::Error::new(
        span,
        format!("attribute keys are string literals: write `\"{text}\" = …`"),
    ))
}

/// The keys set so far on one span. A key set twice would silently keep
/// one of the two values, so it is an error on the second.
#[derive(Default)]
pub(crate) struct UniqueKeys(HashSet<String>);

impl UniqueKeys {
    pub(crate) fn insert(&mut self, key: &str, span: Span) -> syn::Result<()> {
        if self.0.insert(key.to_owned()) {
            Ok(())
        } else {
            Err(syn::Error::new(
                span,
                format!("attribute `{key}` is set twice; remove one"),
            ))
        }
    }
}
