use aios_tracing::trace;

trait Repository {
    #[trace]
    fn find(&self, id: u64) -> Option<String>;
}

fn main() {}
