use aios_tracing::trace;

#[trace]
const fn limit() -> u32 {
    10
}

fn main() {
    let _ = limit();
}
