use aios_tracing::trace;

#[trace(attrs = { db.table = "users" })]
fn dotted_key() {}

#[trace(attrs = ("db.table" = "users"))]
fn not_braced() {}

#[trace(attrs = { "retries" = 1, "retries" = 2 })]
fn duplicate_key() {}

#[trace("db.table" = "users")]
fn outside_attrs() {}

fn main() {
    dotted_key();
    not_braced();
    duplicate_key();
    outside_attrs();
}
