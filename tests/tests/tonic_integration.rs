//! The tonic integration end to end on 127.0.0.1: a client channel behind
//! `GrpcTraceLayer::client()` calls a server behind
//! `GrpcTraceLayer::server()`; the demo RPC is OTLP's own `TraceService`
//! (generated code from opentelemetry-proto, no protoc needed).

mod common;

use aios_tracing::integrations::tonic::{GrpcTraceLayer, Layer};
use aios_tracing::{trace, Protocol};
use aios_tracing_tests::opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use aios_tracing_tests::opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use aios_tracing_tests::opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use aios_tracing_tests::{AttrValue, ReceivedSpan, SpansExt, StatusCode};
use common::{bridge_library_spans, multi_thread_runtime, serial, Fixture};
use tonic::{Code, Request, Response, Status};

const SERVICE: &str = "opentelemetry.proto.collector.trace.v1.TraceService";
const NAME: &str = "opentelemetry.proto.collector.trace.v1.TraceService/Export";
const SCOPE: &str = "aios_tracing::integrations::tonic";

/// Answers OK, or fails with the code named in the `x-fail` metadata.
struct Demo;

#[tonic::async_trait]
impl TraceService for Demo {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let propagation = if request.metadata().get("b3").is_some() {
            "b3"
        } else if request.metadata().get("traceparent").is_some() {
            "w3c"
        } else {
            "none"
        };
        let fail = request
            .metadata()
            .get("x-fail")
            .and_then(|v| v.to_str().ok());
        handle(propagation, fail)
    }
}

/// The application's handler: a `#[trace]` fn calling a library that emits
/// its own `tracing` span.
#[trace("handler", attrs = { "test.inbound_propagation" = propagation })]
fn handle(
    propagation: &'static str,
    fail: Option<&str>,
) -> Result<Response<ExportTraceServiceResponse>, Status> {
    tracing::info_span!(target: "lib", "library-work").in_scope(|| {});
    match fail {
        Some("internal") => Err(Status::internal("exploded")),
        Some("not_found") => Err(Status::not_found("no such thing")),
        _ => Ok(Response::new(ExportTraceServiceResponse::default())),
    }
}

/// One call through traced client and server; returns the call's gRPC
/// code and the exported spans.
fn call(b3: bool, fail: Option<&str>) -> (Code, Vec<ReceivedSpan>) {
    bridge_library_spans();
    let fx = Fixture::with(Protocol::Grpc, |b| b.use_b3_propagation(b3));
    let runtime = multi_thread_runtime(2);
    let code = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(
            tonic::transport::Server::builder()
                .layer(GrpcTraceLayer::server())
                .add_service(TraceServiceServer::new(Demo))
                .serve_with_incoming_shutdown(
                    tonic::transport::server::TcpIncoming::from(listener),
                    async move {
                        let _ = stopped.await;
                    },
                ),
        );
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .expect("endpoint")
            .connect()
            .await
            .expect("connect");
        let mut client = TraceServiceClient::new(GrpcTraceLayer::client().layer(channel));
        let mut request = Request::new(ExportTraceServiceRequest::default());
        if let Some(fail) = fail {
            request
                .metadata_mut()
                .insert("x-fail", fail.parse().expect("ascii"));
        }
        let code = match client.export(request).await {
            Ok(_) => Code::Ok,
            Err(status) => status.code(),
        };
        drop(client);
        let _ = stop.send(());
        server.await.expect("server task").expect("server");
        code
    });
    drop(runtime);
    let spans = fx.shutdown_and_wait(4);
    // The integration's scope names the conventions its spans follow.
    let scopes = fx.rx().requests().into_iter().flat_map(|r| {
        r.request
            .resource_spans
            .into_iter()
            .flat_map(|r| r.scope_spans)
    });
    for scope_spans in scopes {
        if scope_spans.scope.as_ref().map(|s| s.name.as_str()) == Some(SCOPE) {
            assert_eq!(
                scope_spans.schema_url,
                "https://opentelemetry.io/schemas/1.37.0"
            );
        }
    }
    (code, spans)
}

/// Client, server and handler spans (plus the library's span under the
/// handler), checked for shape and rpc.* attributes.
fn three(spans: &[ReceivedSpan]) -> (&ReceivedSpan, &ReceivedSpan, &ReceivedSpan) {
    assert_eq!(spans.len(), 4, "{:?}", spans.names());
    let calls = spans.by_name(NAME);
    assert_eq!(calls.len(), 2, "{:?}", spans.names());
    let client = *calls
        .iter()
        .find(|s| s.kind_name() == "client")
        .expect("client span");
    let server = *calls
        .iter()
        .find(|s| s.kind_name() == "server")
        .expect("server span");
    let handler = spans.one("handler");
    assert!(client.is_root());
    assert_eq!(spans.by_trace(&client.trace_id).len(), 4, "one trace");
    let library = spans.one("library-work");
    assert_eq!(
        library.parent_span_id.as_deref(),
        Some(handler.span_id.as_str())
    );
    assert_eq!(
        server.parent_span_id.as_deref(),
        Some(client.span_id.as_str())
    );
    assert_eq!(
        handler.parent_span_id.as_deref(),
        Some(server.span_id.as_str())
    );
    for span in [client, server] {
        assert_eq!(span.scope_name, SCOPE);
        assert_eq!(
            span.attr("rpc.system").and_then(AttrValue::as_str),
            Some("grpc")
        );
        assert_eq!(
            span.attr("rpc.service").and_then(AttrValue::as_str),
            Some(SERVICE)
        );
        assert_eq!(
            span.attr("rpc.method").and_then(AttrValue::as_str),
            Some("Export")
        );
    }
    (client, server, handler)
}

fn ok_call(b3: bool) {
    let _serial = serial();
    let (code, spans) = call(b3, None);
    assert_eq!(code, Code::Ok);
    let (client, server, handler) = three(&spans);
    let expected = if b3 { "b3" } else { "w3c" };
    assert_eq!(
        handler
            .attr("test.inbound_propagation")
            .and_then(AttrValue::as_str),
        Some(expected)
    );
    for span in [client, server] {
        assert_eq!(span.attr("rpc.grpc.status_code"), Some(&AttrValue::Int(0)));
        assert_eq!(span.status.code, StatusCode::Unset);
        assert!(span.attr("error.type").is_none());
    }
}

#[test]
fn grpc_client_server_handler_share_one_trace_w3c() {
    ok_call(false);
}

#[test]
fn grpc_client_server_handler_share_one_trace_b3() {
    ok_call(true);
}

#[test]
fn grpc_internal_is_an_error_on_both_sides() {
    let _serial = serial();
    let (code, spans) = call(false, Some("internal"));
    assert_eq!(code, Code::Internal);
    let (client, server, _) = three(&spans);
    for span in [client, server] {
        assert_eq!(span.attr("rpc.grpc.status_code"), Some(&AttrValue::Int(13)));
        assert_eq!(span.status.code, StatusCode::Error);
        // The code's name, and the server's message as the description.
        assert_eq!(
            span.attr("error.type").and_then(AttrValue::as_str),
            Some("INTERNAL")
        );
        assert_eq!(span.status.message, "exploded");
    }
}

#[test]
fn grpc_not_found_is_an_error_only_for_the_client() {
    let _serial = serial();
    let (code, spans) = call(false, Some("not_found"));
    assert_eq!(code, Code::NotFound);
    let (client, server, _) = three(&spans);
    assert_eq!(
        client.attr("rpc.grpc.status_code"),
        Some(&AttrValue::Int(5))
    );
    assert_eq!(
        server.attr("rpc.grpc.status_code"),
        Some(&AttrValue::Int(5))
    );
    assert_eq!(client.status.code, StatusCode::Error);
    assert_eq!(
        client.attr("error.type").and_then(AttrValue::as_str),
        Some("NOT_FOUND")
    );
    assert_eq!(server.status.code, StatusCode::Unset);
    assert!(server.attr("error.type").is_none());
}
