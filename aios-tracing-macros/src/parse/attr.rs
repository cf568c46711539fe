//! One attribute entry: `"db.table" = "users"`, `"retries" = 3`,
//! `"user" = %user`.

use super::format::Format;
use super::key::parse_key;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, LitStr, Token};

#[derive(Clone)]
pub(crate) struct AttrEntry {
    pub(crate) key: LitStr,
    pub(crate) format: Format,
    pub(crate) value: Expr,
}

impl Parse for AttrEntry {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key = parse_key(input)?;
        input.parse::<Token![=]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!(
                    "expected `=` after the attribute key: `\"{}\" = value`",
                    key.value()
                ),
            )
        })?;
        let format = Format::parse_sigil(input)?;
        let value: Expr = input.parse()?;
        Ok(AttrEntry { key, format, value })
    }
}
