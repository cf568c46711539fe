//! [`Scope`]'s methods: declared in `const` context, interned once.

use super::{Scope, SpanBuilder};
use crate::scope;
use opentelemetry::InstrumentationScope;
use std::borrow::Cow;
use std::sync::OnceLock;

impl Scope {
    /// The scope `name` at `version` (empty: none).
    #[must_use]
    pub const fn new(name: &'static str, version: &'static str) -> Self {
        Scope {
            name,
            version,
            schema_url: "",
            interned: OnceLock::new(),
        }
    }

    /// The scope `name` at `version`, following the semantic conventions
    /// whose schema is at `schema_url` (e.g.
    /// `https://opentelemetry.io/schemas/1.37.0`).
    #[must_use]
    pub const fn with_schema_url(
        name: &'static str,
        version: &'static str,
        schema_url: &'static str,
    ) -> Self {
        Scope {
            name,
            version,
            schema_url,
            interned: OnceLock::new(),
        }
    }

    /// A span under this scope, recorded by the active SDK.
    pub fn span(&'static self, name: impl Into<Cow<'static, str>>) -> SpanBuilder {
        SpanBuilder::new(name.into(), Some(self.interned()))
    }

    /// The OpenTelemetry scope, interned on first use.
    pub(crate) fn interned(&self) -> &'static InstrumentationScope {
        self.interned
            .get_or_init(|| scope::intern_with_schema_url(self.name, self.version, self.schema_url))
    }
}

/// A [`Scope`] named after the calling crate, at its version
/// (`CARGO_PKG_NAME`, `CARGO_PKG_VERSION`), optionally with a schema URL.
///
/// ```
/// static SCOPE: aios_tracing::Scope = aios_tracing::scope!();
/// static WITH_SCHEMA: aios_tracing::Scope =
///     aios_tracing::scope!(schema_url = "https://opentelemetry.io/schemas/1.37.0");
/// # let _ = (&SCOPE, &WITH_SCHEMA);
/// ```
#[macro_export]
macro_rules! scope {
    () => {
        $crate::Scope::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
    };
    (schema_url = $url:expr $(,)?) => {
        $crate::Scope::with_schema_url(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"), $url)
    };
}
