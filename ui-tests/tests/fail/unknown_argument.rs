use aios_tracing::trace;

#[trace(level = "info")]
fn fetch_user() {}

#[trace(skip(password))]
fn login(password: &str) {
    let _ = password;
}

fn main() {
    fetch_user();
    login("");
}
