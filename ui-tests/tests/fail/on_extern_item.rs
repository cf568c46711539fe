use aios_tracing::trace;

extern "C" {
    #[trace]
    fn abs(value: i32) -> i32;
}

fn main() {}
