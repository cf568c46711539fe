use aios_tracing::trace;

#[trace(kind = "server")]
fn handle() {}

fn main() {
    handle();
}
