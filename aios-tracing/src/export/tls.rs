//! TLS material for the collector connection: the system's roots, an extra
//! CA file, and an optional client identity for mutual TLS. Files are read
//! during `init`, so a missing or broken file is a `ConfigError` then, not
//! a failed export later.

use crate::config::TlsFiles;
use crate::error::ConfigError;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

/// PEM bytes as read from the configured files.
#[derive(Clone, Default)]
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

fn read(setting: &str, path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|e| ConfigError::File {
        setting: setting.into(),
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

fn certificates(
    setting: &str,
    path: &Path,
    pem: &[u8],
) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| ConfigError::File {
            setting: setting.into(),
            path: path.display().to_string(),
            reason: format!("not a PEM certificate file: {e}"),
        })?;
    if certs.is_empty() {
        return Err(ConfigError::File {
            setting: setting.into(),
            path: path.display().to_string(),
            reason: "contains no PEM certificate".into(),
        });
    }
    Ok(certs)
}

/// Reads and checks the files; called from `init`.
pub(crate) fn load(files: &TlsFiles) -> Result<TlsMaterial, ConfigError> {
    let mut material = TlsMaterial::default();
    if let Some(path) = &files.ca {
        let pem = read("OTEL_EXPORTER_OTLP_CERTIFICATE", path)?;
        certificates("OTEL_EXPORTER_OTLP_CERTIFICATE", path, &pem)?;
        material.ca_pem = Some(pem);
    }
    if let (Some(cert_path), Some(key_path)) = (&files.client_cert, &files.client_key) {
        let cert = read("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", cert_path)?;
        certificates("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", cert_path, &cert)?;
        let key = read("OTEL_EXPORTER_OTLP_CLIENT_KEY", key_path)?;
        PrivateKeyDer::from_pem_slice(&key).map_err(|e| ConfigError::File {
            setting: "OTEL_EXPORTER_OTLP_CLIENT_KEY".into(),
            path: key_path.display().to_string(),
            reason: format!("not a PEM private key: {e}"),
        })?;
        material.identity_pem = Some((cert, key));
    }
    Ok(material)
}

/// tonic's TLS settings: system roots, plus the extra CA and identity.
pub(crate) fn tonic_config(material: &TlsMaterial) -> tonic::transport::ClientTlsConfig {
    let mut config = tonic::transport::ClientTlsConfig::new().with_native_roots();
    if let Some(ca) = &material.ca_pem {
        config = config.ca_certificate(tonic::transport::Certificate::from_pem(ca));
    }
    if let Some((cert, key)) = &material.identity_pem {
        config = config.identity(tonic::transport::Identity::from_pem(cert, key));
    }
    config
}

/// A rustls client configuration (ring provider) for the HTTP exporter.
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
