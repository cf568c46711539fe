use aios_tracing::trace;

struct Service;

#[trace]
impl Service {
    fn call(&self) {}
}

fn main() {
    Service.call();
}
