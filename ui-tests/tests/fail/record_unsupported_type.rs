use aios_tracing::trace;

struct User {
    id: u64,
}

#[trace(record(user))]
fn greet(user: &User) -> u64 {
    user.id
}

fn main() {
    greet(&User { id: 1 });
}
