//! Instrumentation scopes, interned: one `&'static` scope per name,
//! version and schema URL, which spans borrow instead of cloning.

use opentelemetry::InstrumentationScope;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

/// The scope named `name` at `version` (none when empty).
pub(crate) fn intern(name: &str, version: &str) -> &'static InstrumentationScope {
    intern_with_schema_url(name, version, "")
}

/// The scope named `name` at `version`, whose telemetry follows the
/// schema at `schema_url` (none when empty).
pub(crate) fn intern_with_schema_url(
    name: &str,
    version: &str,
    schema_url: &str,
) -> &'static InstrumentationScope {
    type Scopes = Mutex<HashMap<(String, String, String), &'static InstrumentationScope>>;
    static SCOPES: OnceLock<Scopes> = OnceLock::new();
    let mut scopes = SCOPES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let key = (name.to_owned(), version.to_owned(), schema_url.to_owned());
    scopes.entry(key).or_insert_with(|| {
        let leak = |s: &str| -> &'static str { Box::leak(s.into()) };
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
