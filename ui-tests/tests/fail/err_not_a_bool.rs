use aios_tracing::trace;

#[trace(err = "no")]
fn load() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = load();
}
