//! The values `record(…)` and `attrs = { … }` put on a span, and how each
//! type becomes an attribute value.

use opentelemetry::{Key, KeyValue, Value};
use std::borrow::Cow;
use std::fmt;

/// One attribute from a borrowed value.
pub fn attr<V: TraceValue + ?Sized>(key: &'static str, value: &V) -> Option<KeyValue> {
    value
        .trace_value()
        .map(|value| KeyValue::new(Key::from_static_str(key), value))
}

/// One attribute with a string literal value: no allocation.
#[must_use]
pub fn attr_static(key: &'static str, value: &'static str) -> Option<KeyValue> {
    Some(KeyValue::new(Key::from_static_str(key), value))
}

/// A value `record(…)` and `attrs = { … }` can put on a span: numbers,
/// `bool`, strings, `Option`s of them (`None` is left out), and references
/// or smart pointers to any of these. Other types are recorded through
/// their `Display` (`%value`) or `Debug` (`?value`) text.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded as a span attribute value",
    label = "not a number, bool, string, or an `Option` or reference of one",
    note = "record its `Display` text with `%`: `record(%arg)` or `attrs = {{ \"key\" = %value }}`, \
            or its `Debug` text with `?`: `record(?arg)`"
)]
pub trait TraceValue {
    /// The attribute value; `None` leaves the attribute out.
    fn trace_value(&self) -> Option<Value>;
}

macro_rules! lossless_ints {
    ($($t:ty)*) => {$(
        impl TraceValue for $t {
            fn trace_value(&self) -> Option<Value> {
                Some(Value::I64(i64::from(*self)))
            }
        }
    )*};
}
lossless_ints!(i8 i16 i32 i64 u8 u16 u32);

// OpenTelemetry integers are i64: wider values that do not fit are kept
// exact as their decimal text rather than wrapped or saturated.
macro_rules! wide_ints {
    ($($t:ty)*) => {$(
        impl TraceValue for $t {
            fn trace_value(&self) -> Option<Value> {
                Some(i64::try_from(*self).map_or_else(|_| Value::from(self.to_string()), Value::I64))
            }
        }
    )*};
}
wide_ints!(isize usize u64 i128 u128);

impl TraceValue for bool {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::Bool(*self))
    }
}

impl TraceValue for f64 {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::F64(*self))
    }
}

impl TraceValue for f32 {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::F64(f64::from(*self)))
    }
}

impl TraceValue for char {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::from(self.to_string()))
    }
}

impl TraceValue for str {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::from(self.to_owned()))
    }
}

impl TraceValue for String {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::from(self.clone()))
    }
}

impl TraceValue for Cow<'_, str> {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::from(self.clone().into_owned()))
    }
}

impl TraceValue for Value {
    fn trace_value(&self) -> Option<Value> {
        Some(self.clone())
    }
}

impl<T: TraceValue> TraceValue for Option<T> {
    fn trace_value(&self) -> Option<Value> {
        self.as_ref().and_then(TraceValue::trace_value)
    }
}

macro_rules! through_pointer {
    ($($p:ty)*) => {$(
        impl<T: TraceValue + ?Sized> TraceValue for $p {
            fn trace_value(&self) -> Option<Value> {
                (**self).trace_value()
            }
        }
    )*};
}
through_pointer!(&T &mut T Box<T> std::rc::Rc<T>);

impl<T: TraceValue + ?Sized> TraceValue for std::sync::Arc<T> {
    fn trace_value(&self) -> Option<Value> {
        (**self).trace_value()
    }
}

/// `%value`: recorded as its `Display` text.
pub struct DisplayValue<'a, T: ?Sized>(pub &'a T);

impl<T: fmt::Display + ?Sized> TraceValue for DisplayValue<'_, T> {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::from(self.0.to_string()))
    }
}

impl<T: ?Sized> fmt::Debug for DisplayValue<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DisplayValue")
    }
}

/// `?value`: recorded as its `Debug` text.
pub struct DebugValue<'a, T: ?Sized>(pub &'a T);

impl<T: fmt::Debug + ?Sized> TraceValue for DebugValue<'_, T> {
    fn trace_value(&self) -> Option<Value> {
        Some(Value::from(format!("{:?}", self.0)))
    }
}

impl<T: ?Sized> fmt::Debug for DebugValue<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DebugValue")
    }
}
