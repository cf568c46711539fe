//! TLS to the collector: a local TLS front (rustls) with a self-signed CA
//! (rcgen) before the in-process receiver. Trusted with
//! `OTEL_EXPORTER_OTLP_CERTIFICATE`, refused without it (the application
//! carries on and counts the loss), and mutual TLS with
//! `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE` / `_CLIENT_KEY`.

mod common;

use aios_tracing::{Protocol, TracingSdk};
use common::{receiver, serial, WAIT};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

struct Pki {
    dir: PathBuf,
    ca_pem: String,
    server_cert: String,
    server_key: String,
    client_cert: String,
    client_key: String,
}

impl Pki {
    fn new() -> Pki {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().unwrap();
        let server = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap()
            .signed_by(&server_key, &issuer)
            .unwrap();
        let client_key = KeyPair::generate().unwrap();
        let client = CertificateParams::new(vec!["client".to_string()])
            .unwrap()
            .signed_by(&client_key, &issuer)
            .unwrap();

        let dir =
            std::env::temp_dir().join(format!("aios-tls-{}-{}", std::process::id(), rand_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        let pki = Pki {
            dir,
            ca_pem: ca_cert.pem(),
            server_cert: server.pem(),
            server_key: server_key.serialize_pem(),
            client_cert: client.pem(),
            client_key: client_key.serialize_pem(),
        };
        for (name, body) in [
            ("ca.pem", &pki.ca_pem),
            ("client.pem", &pki.client_cert),
            ("client.key", &pki.client_key),
        ] {
            std::fs::write(pki.dir.join(name), body).unwrap();
        }
        pki
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn acceptor(&self, require_client_cert: bool) -> TlsAcceptor {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = if require_client_cert {
            let mut roots = rustls::RootCertStore::empty();
            roots
                .add(CertificateDer::from_pem_slice(self.ca_pem.as_bytes()).unwrap())
                .unwrap();
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .unwrap();
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let mut config = builder
            .with_single_cert(
                vec![CertificateDer::from_pem_slice(self.server_cert.as_bytes()).unwrap()],
                PrivateKeyDer::from_pem_slice(self.server_key.as_bytes()).unwrap(),
            )
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        TlsAcceptor::from(Arc::new(config))
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// Terminates TLS on 127.0.0.1 and relays the plaintext to `backend`.
struct TlsFront {
    addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TlsFront {
    fn start(acceptor: TlsAcceptor, backend: SocketAddr) -> TlsFront {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut plain) = TcpStream::connect(backend).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        TlsFront {
            addr,
            runtime: Some(runtime),
        }
    }

    fn endpoint(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

fn export_one(
    protocol: Protocol,
    endpoint: &str,
    env: Vec<(&str, String)>,
) -> aios_tracing::ExportStats {
    let sdk = TracingSdk::builder("tls")
        .environment(env)
        .otlp_protocol(protocol)
        .otlp_endpoint(endpoint)
        .otlp_insecure(false)
        .export_timeout(Duration::from_secs(2))
        .shutdown_timeout(Duration::from_secs(3))
        .init()
        .expect("init");
    sdk.start_span("over-tls").end();
    let _ = sdk.shutdown();
    sdk.stats()
}

fn case(protocol: Protocol) {
    let _serial = serial();
    let pki = Pki::new();
    let rx = receiver(protocol);
    let front = TlsFront::start(pki.acceptor(false), rx.addr());

    let trusted = export_one(
        protocol,
        &front.endpoint(),
        vec![("OTEL_EXPORTER_OTLP_CERTIFICATE", pki.path("ca.pem"))],
    );
    assert_eq!(trusted.exported, 1, "{protocol}: trusted CA: {trusted:?}");
    assert_eq!(rx.wait_for_spans(1, WAIT).len(), 1);

    let untrusted = export_one(protocol, &front.endpoint(), vec![]);
    assert_eq!(
        untrusted.exported, 0,
        "{protocol}: unknown CA must be refused"
    );
    assert_eq!(untrusted.dropped, 1, "{protocol}: and the loss counted");
    assert!(untrusted.failed_requests >= 1);
    assert_eq!(rx.span_count(), 1);

    let mtls_rx = receiver(protocol);
    let mtls = TlsFront::start(pki.acceptor(true), mtls_rx.addr());
    let with_identity = export_one(
        protocol,
        &mtls.endpoint(),
        vec![
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", pki.path("ca.pem")),
            (
                "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
                pki.path("client.pem"),
            ),
            ("OTEL_EXPORTER_OTLP_CLIENT_KEY", pki.path("client.key")),
        ],
    );
    assert_eq!(
        with_identity.exported, 1,
        "{protocol}: mTLS with a client identity: {with_identity:?}"
    );
    let without_identity = export_one(
        protocol,
        &mtls.endpoint(),
        vec![("OTEL_EXPORTER_OTLP_CERTIFICATE", pki.path("ca.pem"))],
    );
    assert_eq!(
        without_identity.exported, 0,
        "{protocol}: mTLS without a client identity must fail"
    );
    assert_eq!(mtls_rx.wait_for_spans(1, WAIT).len(), 1);
}

#[test]
fn grpc_over_tls_with_a_private_ca_and_mutual_tls() {
    case(Protocol::Grpc);
}

#[test]
fn http_over_tls_with_a_private_ca_and_mutual_tls() {
    case(Protocol::HttpProtobuf);
}
