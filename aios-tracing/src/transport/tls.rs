//! TLS to the collector: the system's roots, an extra CA, and an optional
//! client identity for mutual TLS, as tonic and rustls take them. The
//! files were read and checked while the configuration was resolved.

#[cfg(feature = "tls")]
use rustls_pki_types::pem::PemObject;
#[cfg(feature = "tls")]
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
#[cfg(feature = "tls")]
use std::sync::Arc;

/// PEM bytes as read from the configured files.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct TlsMaterial {
    pub(crate) ca_pem: Option<Vec<u8>>,
    pub(crate) identity_pem: Option<(Vec<u8>, Vec<u8>)>,
}

impl std::fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsMaterial")
            .field("ca", &self.ca_pem.is_some())
            .field("identity", &self.identity_pem.is_some())
            .finish()
    }
}

/// A gRPC endpoint speaking TLS: system roots, plus the extra CA and identity.
#[cfg(all(feature = "tls", feature = "grpc"))]
pub(crate) fn for_grpc(
    endpoint: tonic::transport::Endpoint,
    material: &TlsMaterial,
) -> Result<tonic::transport::Endpoint, String> {
    let mut config = tonic::transport::ClientTlsConfig::new().with_native_roots();
    if let Some(ca) = &material.ca_pem {
        config = config.ca_certificate(tonic::transport::Certificate::from_pem(ca));
    }
    if let Some((cert, key)) = &material.identity_pem {
        config = config.identity(tonic::transport::Identity::from_pem(cert, key));
    }
    endpoint.tls_config(config).map_err(|e| e.to_string())
}

/// An HTTP client that can speak TLS with the configured material.
#[cfg(all(feature = "tls", feature = "http"))]
pub(crate) fn for_http(
    builder: reqwest::ClientBuilder,
    material: &TlsMaterial,
) -> Result<reqwest::ClientBuilder, String> {
    Ok(builder.tls_backend_preconfigured(rustls_config(material)?))
}

/// A rustls client configuration (ring provider) for the HTTP exporter.
#[cfg(feature = "tls")]
pub(crate) fn rustls_config(material: &TlsMaterial) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    // Unreadable system certificates are skipped: the extra CA may be all
    // the user needs, and a handshake failure will say so if not.
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(ca) = &material.ca_pem {
        for cert in CertificateDer::pem_slice_iter(ca).flatten() {
            roots
                .add(cert)
                .map_err(|e| format!("bad CA certificate: {e}"))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots);
    let mut config = match &material.identity_pem {
        Some((cert, key)) => {
            let chain: Vec<_> = CertificateDer::pem_slice_iter(cert).flatten().collect();
            let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| e.to_string())?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| format!("bad client certificate or key: {e}"))?
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
