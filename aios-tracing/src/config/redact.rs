//! Keeping secrets out of `Debug` output and error messages: header
//! values (credentials more often than not) are shown as `<redacted>`.

use std::fmt;

/// Header names with their values redacted, for `Debug`.
pub(crate) struct Headers<'a, K, V>(pub(crate) &'a [(K, V)]);

impl<K: fmt::Display, V> fmt::Debug for Headers<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| format!("{name}=<redacted>")))
            .finish()
    }
}

/// A `key=value` entry with its value redacted, for error messages.
pub(crate) fn entry(entry: &str) -> String {
    match entry.split_once('=') {
        Some((key, _)) => format!("{key}=<redacted>"),
        None => "<redacted>".to_owned(),
    }
}
