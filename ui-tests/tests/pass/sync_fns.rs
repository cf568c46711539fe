//! `#[trace]` on free sync functions of every shape.

use aios_tracing::trace;
use std::fmt::Display;

#[trace]
fn plain(a: u8) -> u8 {
    a + 1
}

#[trace]
fn unit(_a: u8) {}

#[trace]
fn explicit_unit() -> () {}

#[trace]
fn never_returns(message: &str) -> ! {
    panic!("{message}")
}

#[trace]
fn early_return_and_question_mark(input: &str) -> Result<u8, std::num::ParseIntError> {
    if input.is_empty() {
        return Ok(0);
    }
    let value: u8 = input.parse()?;
    Ok(value * 2)
}

#[derive(Debug)]
struct MyError;

impl From<std::num::ParseIntError> for MyError {
    fn from(_: std::num::ParseIntError) -> Self {
        MyError
    }
}

// `?` converts through `From` into the declared error type, as without the macro.
#[trace]
fn question_mark_converts(input: &str) -> Result<u8, MyError> {
    Ok(input.parse::<u8>()?)
}

#[trace]
fn patterns((a, b): (u8, u8), [c, _]: [u8; 2], Wrapper(d): Wrapper) -> u8 {
    a + b + c + d
}

struct Wrapper(u8);

#[trace]
fn impl_trait_args(shown: impl Display, items: impl IntoIterator<Item = u8>) -> String {
    format!("{shown}: {}", items.into_iter().count())
}

#[trace]
fn returns_impl_trait(n: u8) -> impl Iterator<Item = u8> {
    0..n
}

#[trace]
fn generic<T, U: Default>(value: &T, other: impl Into<U>) -> (T, U)
where
    T: Clone + Send,
{
    (value.clone(), other.into())
}

#[trace]
fn borrowed<'a>(items: &'a [String], index: usize) -> &'a str {
    &items[index]
}

#[trace]
fn elided(text: &str) -> &str {
    text.trim()
}

#[trace]
fn mutable(mut count: u8) -> u8 {
    count += 1;
    count
}

#[trace]
fn r#match(r#type: u8) -> u8 {
    r#type
}

#[trace]
pub(crate) fn visibility() -> Box<dyn std::error::Error> {
    "boxed".into()
}

#[trace]
extern "C" fn with_abi(a: i32) -> i32 {
    a
}

#[trace]
#[allow(unsafe_code)]
unsafe fn unsafe_fn(pointer: *const u8) -> u8 {
    *pointer
}

/// Doc comments and attributes stay on the fn; inner attributes stay in it.
#[trace]
#[inline]
fn inner_attributes() -> u8 {
    #![allow(clippy::identity_op)]
    1 + 0
}

#[trace]
fn nested_closures_and_labels(values: &[u8]) -> Option<u8> {
    let doubled: Vec<u8> = values.iter().map(|v| v * 2).collect();
    'outer: for v in &doubled {
        if *v > 4 {
            break 'outer;
        }
    }
    doubled.first().copied()
}

fn main() {
    assert_eq!(plain(1), 2);
    unit(1);
    explicit_unit();
    let _: fn(&str) -> ! = never_returns;
    assert_eq!(early_return_and_question_mark("4"), Ok(8));
    assert!(question_mark_converts("x").is_err());
    assert_eq!(patterns((1, 2), [3, 4], Wrapper(5)), 11);
    assert_eq!(impl_trait_args("n", [1, 2]), "n: 2");
    assert_eq!(returns_impl_trait(3).count(), 3);
    assert_eq!(generic::<u8, u16>(&1, 2u8), (1, 2));
    assert_eq!(borrowed(&["a".to_owned()], 0), "a");
    assert_eq!(elided(" a "), "a");
    assert_eq!(mutable(1), 2);
    assert_eq!(r#match(1), 1);
    let _ = visibility();
    assert_eq!(with_abi(1), 1);
    #[allow(unsafe_code)]
    let read = unsafe { unsafe_fn(&7) };
    assert_eq!(read, 7);
    assert_eq!(nested_closures_and_labels(&[1, 3]), Some(2));
    assert_eq!(inner_attributes(), 1);
}
