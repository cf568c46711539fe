//! What can be passed where an attribute is expected.

use opentelemetry::{Key, KeyValue, Value};

/// Anything that can become one span attribute: a [`KeyValue`], or a
/// `(key, value)` pair whose parts convert into [`Key`] and [`Value`].
///
/// ```
/// use aios_tracing::{IntoKeyValue, KeyValue};
/// let a = ("user.id", "u_123").into_key_value();
/// let b = ("retries", 3_i64).into_key_value();
/// let c = KeyValue::new("ok", true).into_key_value();
/// assert_eq!(a.key.as_str(), "user.id");
/// assert_eq!(b.value.as_str(), "3");
/// assert_eq!(c.value.as_str(), "true");
/// ```
pub trait IntoKeyValue {
    /// Converts into a [`KeyValue`].
    fn into_key_value(self) -> KeyValue;
}

impl IntoKeyValue for KeyValue {
    fn into_key_value(self) -> KeyValue {
        self
    }
}

impl<K: Into<Key>, V: Into<Value>> IntoKeyValue for (K, V) {
    fn into_key_value(self) -> KeyValue {
        KeyValue::new(self.0, self.1)
    }
}

pub(crate) fn collect<I>(attributes: I) -> Vec<KeyValue>
where
    I: IntoIterator,
    I::Item: IntoKeyValue,
{
    attributes
        .into_iter()
        .map(IntoKeyValue::into_key_value)
        .collect()
}
