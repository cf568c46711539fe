use aios_tracing::span;

fn main() {
    // No name.
    let _ = span!(|span| span.is_recording());
    // The body is not a closure or an async block.
    let _ = span!("compute", 1 + 2);
    // Unknown option.
    let _ = span!("checkout", level = 3, || 1);
    // Kind as a string.
    let _ = span!("checkout", kind = "server", || 1);
    // Attribute key that is not a string literal.
    let _ = span!("checkout", cart.items = 3, || 1);
    // Options after the body.
    let _ = span!("checkout", || 1, "cart.items" = 3);
    // A closure with two parameters.
    let _ = span!("checkout", |span, extra: u8| extra);
}
