//! Every form of `span!`.

use aios_tracing::{span, Span, SpanKind};

#[derive(Debug)]
struct PaymentError;

impl std::fmt::Display for PaymentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("declined")
    }
}

fn charge(amount: u32) -> Result<u32, PaymentError> {
    if amount == 0 {
        Err(PaymentError)
    } else {
        Ok(amount)
    }
}

async fn fetch(id: u64) -> u64 {
    id
}

fn sync_forms(items: u32) -> Result<u32, PaymentError> {
    // A closure taking the span (`&Span`), with a kind and attributes.
    let total = span!(
        "checkout",
        kind = server,
        "cart.items" = items,
        "currency" = "INR",
        |span| {
            span.add_event("payment.started", [("amount", 1499)]);
            span.set_attributes([("user.id", "u_123")]);
            items * 2
        }
    );

    // A closure without the span; a name computed at run time.
    let id = 7;
    let name = span!(format!("job {id}"), || format!("ran {id}"));
    assert_eq!(name, "ran 7");

    // A typed closure, `?` inside (annotate the closure's return type so
    // `?` knows the error type), `%`/`?` attribute values, `err = false`.
    let charged = span!("charge", "total" = %total, "debug" = ?(1, 2), err = false, |span: &Span| -> Result<u32, PaymentError> {
        let _ = span.is_recording();
        let charged = charge(total)?;
        Ok(charged)
    })?;

    // Returning the closure's value, whatever its type.
    let nothing: () = span!("unit", || {});
    let kind: SpanKind = span!("kind", kind = consumer, || SpanKind::Consumer);
    let _ = (nothing, kind);
    Ok(charged)
}

async fn async_forms() -> u64 {
    // An async block: a future, instrumented; the span starts here.
    let a = span!("fetch.a", kind = client, async move { fetch(1).await }).await;

    // A closure returning an async block gets an owned `Span`.
    let b = span!("fetch.b", "id" = 2, |span| async move {
        span.add_event("fetching", [("id", 2)]);
        fetch(2).await
    })
    .await;

    // An async closure.
    let c = span!("fetch.c", async |span: Span| {
        span.set_attribute("id", 3);
        fetch(3).await
    })
    .await;

    // A future can be spawned: it is `Send` when its body is.
    let d = tokio::spawn(span!("fetch.d", async move { fetch(4).await }))
        .await
        .unwrap();

    // `Result` outputs are inspected, as in `#[trace]`.
    let e: Result<u64, PaymentError> =
        span!("fetch.e", err = true, async { Err(PaymentError) }).await;
    assert!(e.is_err());
    a + b + c + d
}

#[tokio::main]
async fn main() {
    assert_eq!(sync_forms(2).unwrap(), 4);
    assert_eq!(async_forms().await, 10);
}
