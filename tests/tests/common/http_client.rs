//! One HTTP request through the traced reqwest client to an axum app
//! served on 127.0.0.1: what the tower and reqwest integration tests share.

use aios_tracing::integrations::reqwest::TracingMiddleware;
use reqwest_middleware::ClientBuilder;
use std::net::SocketAddr;

/// Serves `app` on a free port of 127.0.0.1, sends one `method` request
/// to the URL `url` makes of the server's address through a client with
/// [`TracingMiddleware`], reads the body, stops both, and returns the
/// response status (`None` when the request failed) and the address.
pub fn one_request(
    app: axum::Router,
    method: &str,
    url: impl FnOnce(SocketAddr) -> String,
) -> (Option<u16>, SocketAddr) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let runtime = super::multi_thread_runtime(2);
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        let client = ClientBuilder::new(reqwest::Client::new())
            .with(TracingMiddleware::new())
            .build();
        let status = match client
            .request(method, url(addr))
            .header("user-agent", "integration-test/1.0")
            .send()
            .await
        {
            Ok(response) => {
                let status = response.status().as_u16();
                response.text().await.expect("body");
                Some(status)
            }
            Err(_) => None,
        };
        drop(client);
        let _ = stop.send(());
        server.await.expect("server task").expect("server");
        (status, addr)
    });
    drop(runtime);
    result
}
