//! Instrumentation scopes, interned: one `&'static` scope per name and
//! version, which spans borrow instead of cloning.

use opentelemetry::InstrumentationScope;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

/// The scope named `name` at `version` (none when empty).
pub(crate) fn intern(name: &str, version: &str) -> &'static InstrumentationScope {
    intern_with_schema(name, version, "")
}

/// The scope named `name` at `version`, following the semantic
/// conventions at `schema_url` (none when empty).
pub(crate) fn intern_with_schema(
    name: &str,
    version: &str,
    schema_url: &str,
) -> &'static InstrumentationScope {
    type Key = (String, String, String);
    type Scopes = Mutex<HashMap<Key, &'static InstrumentationScope>>;
    static SCOPES: OnceLock<Scopes> = OnceLock::new();
    let mut scopes = SCOPES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let key = (name.to_owned(), version.to_owned(), schema_url.to_owned());
    scopes.entry(key).or_insert_with(|| {
        let leak = |text: &str| -> &'static str { Box::leak(text.into()) };
        let mut scope = InstrumentationScope::builder(leak(name));
        if !version.is_empty() {
            scope = scope.with_version(leak(version));
        }
        if !schema_url.is_empty() {
            scope = scope.with_schema_url(leak(schema_url));
        }
        Box::leak(Box::new(scope.build()))
    })
}
