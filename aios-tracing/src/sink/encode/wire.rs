//! Protobuf's wire format, as the OTLP encoder writes it: keys, varints,
//! length-delimited fields, and the proto3 rule that a field holding its
//! default value is left out.

use bytes::BufMut;
use prost::encoding::{encode_varint, encoded_len_varint};

pub(super) const VARINT: u8 = 0;
pub(super) const FIXED64: u8 = 1;
pub(super) const LEN: u8 = 2;
pub(super) const FIXED32: u8 = 5;

/// The key byte of field `field` (at most 15) with wire type `wire`.
pub(super) const fn key(field: u8, wire: u8) -> u8 {
    field << 3 | wire
}

/// Bytes a length-delimited field of one-byte key and `len` bytes takes.
#[inline]
pub(super) fn field_len(len: usize) -> usize {
    1 + encoded_len_varint(len as u64) + len
}

/// The key and length of a length-delimited field; its content follows.
#[inline]
pub(super) fn header(buf: &mut impl BufMut, field: u8, len: usize) {
    buf.put_u8(key(field, LEN));
    encode_varint(len as u64, buf);
}

#[inline]
pub(super) fn string(buf: &mut impl BufMut, field: u8, s: &str) {
    header(buf, field, s.len());
    buf.put_slice(s.as_bytes());
}

/// A string field, left out when empty (a proto3 default).
#[inline]
pub(super) fn opt_string_len(s: &str) -> usize {
    if s.is_empty() {
        0
    } else {
        field_len(s.len())
    }
}

#[inline]
pub(super) fn opt_string(buf: &mut impl BufMut, field: u8, s: &str) {
    if !s.is_empty() {
        string(buf, field, s);
    }
}

#[inline]
pub(super) fn opt_varint_len(value: u64) -> usize {
    if value == 0 {
        0
    } else {
        1 + encoded_len_varint(value)
    }
}

#[inline]
pub(super) fn opt_varint(buf: &mut impl BufMut, field: u8, value: u64) {
    if value != 0 {
        buf.put_u8(key(field, VARINT));
        encode_varint(value, buf);
    }
}

#[inline]
pub(super) fn opt_fixed64(buf: &mut impl BufMut, field: u8, value: u64) {
    if value != 0 {
        buf.put_u8(key(field, FIXED64));
        buf.put_u64_le(value);
    }
}

#[inline]
pub(super) fn opt_fixed64_len(value: u64) -> usize {
    if value == 0 {
        0
    } else {
        9
    }
}

/// A string field of `len` bytes, left out when empty.
pub(super) fn opt_string_len_of(len: usize) -> usize {
    if len == 0 {
        0
    } else {
        field_len(len)
    }
}

/// Repeated message fields: each with its key and length.
pub(super) fn repeated_len<T>(items: &[T], len: impl Fn(&T) -> usize) -> usize {
    items.iter().map(|item| field_len(len(item))).sum()
}
