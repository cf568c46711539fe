//! Attribute values and id formatting.

use std::fmt::Write as _;

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};

/// An attribute value, decoded from the OTLP `AnyValue`.
///
/// `PartialEq` lets tests assert the exact type of an attribute, e.g.
/// `assert_eq!(span.attr("http.status_code"), Some(&AttrValue::Int(200)))`.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// `stringValue`.
    Str(String),
    /// `boolValue`.
    Bool(bool),
    /// `intValue`.
    Int(i64),
    /// `doubleValue`.
    Double(f64),
    /// `bytesValue`.
    Bytes(Vec<u8>),
    /// `arrayValue`.
    Array(Vec<AttrValue>),
    /// `kvlistValue`, in wire order.
    KvList(Vec<(String, AttrValue)>),
    /// An `AnyValue` with no value set (or a value kind this crate does not know).
    Empty,
}

impl AttrValue {
    /// The string, if this is [`AttrValue::Str`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is [`AttrValue::Int`].
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            AttrValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The float, if this is [`AttrValue::Double`].
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AttrValue::Double(d) => Some(*d),
            _ => None,
        }
    }

    /// The boolean, if this is [`AttrValue::Bool`].
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            AttrValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements, if this is [`AttrValue::Array`].
    pub fn as_array(&self) -> Option<&[AttrValue]> {
        match self {
            AttrValue::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The bytes, if this is [`AttrValue::Bytes`].
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            AttrValue::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// Converts an OTLP `AnyValue` (a missing value becomes [`AttrValue::Empty`]).
    pub fn from_any_value(value: Option<&AnyValue>) -> AttrValue {
        let Some(inner) = value.and_then(|v| v.value.as_ref()) else {
            return AttrValue::Empty;
        };
        match inner {
            any_value::Value::StringValue(s) => AttrValue::Str(s.clone()),
            any_value::Value::BoolValue(b) => AttrValue::Bool(*b),
            any_value::Value::IntValue(i) => AttrValue::Int(*i),
            any_value::Value::DoubleValue(d) => AttrValue::Double(*d),
            any_value::Value::BytesValue(b) => AttrValue::Bytes(b.clone()),
            any_value::Value::ArrayValue(a) => AttrValue::Array(
                a.values
                    .iter()
                    .map(|v| AttrValue::from_any_value(Some(v)))
                    .collect(),
            ),
            any_value::Value::KvlistValue(kv) => AttrValue::KvList(attrs(&kv.values)),
            _ => AttrValue::Empty,
        }
    }
}

impl From<&str> for AttrValue {
    fn from(v: &str) -> Self {
        AttrValue::Str(v.to_owned())
    }
}

impl From<String> for AttrValue {
    fn from(v: String) -> Self {
        AttrValue::Str(v)
    }
}

impl From<i64> for AttrValue {
    fn from(v: i64) -> Self {
        AttrValue::Int(v)
    }
}

impl From<f64> for AttrValue {
    fn from(v: f64) -> Self {
        AttrValue::Double(v)
    }
}

impl From<bool> for AttrValue {
    fn from(v: bool) -> Self {
        AttrValue::Bool(v)
    }
}

/// Converts OTLP key/values into `(key, value)` pairs, keeping wire order.
pub(crate) fn attrs(kvs: &[KeyValue]) -> Vec<(String, AttrValue)> {
    kvs.iter()
        .map(|kv| (kv.key.clone(), AttrValue::from_any_value(kv.value.as_ref())))
        .collect()
}

pub(crate) fn find<'a>(list: &'a [(String, AttrValue)], key: &str) -> Option<&'a AttrValue> {
    list.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Lowercase hex of an id; empty input gives an empty string.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}
