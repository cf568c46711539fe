//! Every form of `#[trace(...)]` arguments.

use aios_tracing::trace;
use std::borrow::Cow;
use std::fmt;

// Positional name, or `name = "…"`; the default is the fn's name.
#[trace("fetch_user")]
fn positional() {}

#[trace(name = "fetch_user")]
fn named() {}

// Every span kind.
#[trace(kind = server)]
fn server() {}
#[trace(kind = client)]
fn client() {}
#[trace(kind = producer)]
fn producer() {}
#[trace(kind = consumer)]
fn consumer() {}
#[trace(kind = internal)]
fn internal() {}

struct User {
    id: u64,
    email: String,
}

impl fmt::Display for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "user #{}", self.id)
    }
}

// Attribute values: literals of each type, any expression (arguments
// included), `%` for Display and `?` for Debug. Keys are string literals.
#[trace(attrs = {
    "db.table" = "users",
    "retries" = 3,
    "ratio" = 0.25,
    "cached" = true,
    "negative" = -1,
    "computed" = 2 * 21,
    "user.id" = user.id,
    "user.email" = user.email.as_str(),
    "user" = %user,
    "limits" = ?(1, 2),
    "maybe" = Some(1_u8),
    "none" = None::<u8>,
})]
fn attrs(user: &User) -> u64 {
    user.id
}

// `record(…)` records arguments by name: values through the same
// conversion (numbers, bools, strings, `Option`s and references of them),
// `%arg` through `Display`, `?arg` through `Debug`.
#[trace(record(id, name, owned, cow, maybe, flag, ratio, wide, %user, ?tags, a, b))]
#[allow(clippy::too_many_arguments)]
fn record(
    id: u64,
    name: &str,
    owned: String,
    cow: Cow<'_, str>,
    maybe: Option<&str>,
    flag: bool,
    ratio: f32,
    wide: u128,
    user: &User,
    tags: Vec<&str>,
    (a, b): (i8, u16),
) -> usize {
    let _ = (id, maybe, flag, ratio, wide, user, a, b);
    name.len() + owned.len() + cow.len() + tags.len()
}

// Raw identifiers are recorded under their plain name (`type`).
#[trace(record(r#type))]
fn raw(r#type: &str) -> usize {
    r#type.len()
}

// `err = false`: an `Err` return leaves the span's status alone.
#[trace(err = false)]
fn expected_failure() -> Result<(), String> {
    Err("cache miss".to_owned())
}

#[trace(err = true)]
fn explicit_err() -> Result<(), String> {
    Ok(())
}

// All together, with trailing commas.
#[trace(
    "checkout",
    kind = server,
    attrs = { "cart.items" = 3, },
    record(cart_id,),
    err = false,
)]
fn everything(cart_id: u64) -> Result<u64, String> {
    Ok(cart_id)
}

fn main() {
    positional();
    named();
    server();
    client();
    producer();
    consumer();
    internal();
    let user = User {
        id: 7,
        email: "a@example.com".to_owned(),
    };
    assert_eq!(attrs(&user), 7);
    let n = record(
        1,
        "n",
        "o".to_owned(),
        Cow::Borrowed("c"),
        None,
        true,
        0.5,
        1,
        &user,
        vec!["t"],
        (1, 2),
    );
    assert_eq!(n, 4);
    assert_eq!(raw("x"), 1);
    assert!(expected_failure().is_err());
    assert!(explicit_err().is_ok());
    assert_eq!(everything(5), Ok(5));
}
