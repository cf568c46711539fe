use aios_tracing::trace;

#[trace]
const LIMIT: u32 = 10;

fn main() {
    let _ = LIMIT;
}
