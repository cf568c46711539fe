//! Instrumentation scopes, interned: one `&'static` scope per name and
//! version, which spans borrow instead of cloning.

use opentelemetry::InstrumentationScope;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

/// The scope named `name` at `version` (none when empty).
pub(crate) fn intern(name: &str, version: &str) -> &'static InstrumentationScope {
    type Scopes = Mutex<HashMap<(String, String), &'static InstrumentationScope>>;
    static SCOPES: OnceLock<Scopes> = OnceLock::new();
    let mut scopes = SCOPES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let key = (name.to_owned(), version.to_owned());
    scopes.entry(key).or_insert_with(|| {
        let mut scope = InstrumentationScope::builder(Box::leak(name.into()) as &'static str);
        if !version.is_empty() {
            scope = scope.with_version(Box::leak(version.into()) as &'static str);
        }
        Box::leak(Box::new(scope.build()))
    })
}
