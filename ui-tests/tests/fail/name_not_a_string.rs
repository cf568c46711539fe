use aios_tracing::trace;

#[trace(name = 3)]
fn fetch_user() {}

#[trace(name = fetch_user)]
fn load_user() {}

fn main() {
    fetch_user();
    load_user();
}
