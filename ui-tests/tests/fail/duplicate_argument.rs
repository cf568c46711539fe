use aios_tracing::trace;

#[trace(kind = server, kind = client)]
fn handle() {}

#[trace("fetch_user", name = "load_user")]
fn fetch_user() {}

fn main() {
    handle();
    fetch_user();
}
