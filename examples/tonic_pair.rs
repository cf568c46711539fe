//! A gRPC server and client in one process, both traced: the client's
//! CLIENT span, the server's SERVER span and the handler's span share one
//! trace. The RPC is OTLP's own `TraceService` (generated code that ships
//! with opentelemetry-proto), so no protoc is needed.
//!
//! ```text
//! cargo run -p aios-tracing-examples --features tonic --example tonic_pair
//! ```

use aios_tracing::integrations::tonic::{GrpcTraceLayer, Layer};
use aios_tracing::{Span, TracingSdk};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use tonic::{Request, Response, Status};

struct Demo;

#[tonic::async_trait]
impl TraceService for Demo {
    async fn export(
        &self,
        _request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let _span = Span::builder("handle_export").entered();
        Ok(Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sdk = TracingSdk::builder("tonic-pair")
        .enable_console_exporter(true)
        .init()?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
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

    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))?
        .connect()
        .await?;
    let mut client = TraceServiceClient::new(GrpcTraceLayer::client().layer(channel));
    client.export(ExportTraceServiceRequest::default()).await?;
    println!("call done");

    drop(client);
    let _ = stop.send(());
    server.await??;
    sdk.shutdown().ok();
    Ok(())
}
