use aios_tracing::trace;

#[trace(kind = foo)]
fn handle() {}

#[trace(kind = Server)]
fn serve() {}

fn main() {
    handle();
    serve();
}
