//! The TLS group: an extra CA and a client identity for mutual TLS, read
//! and checked here, so a missing or broken file is a `ConfigError`
//! naming the builder call or variable that named it, not a failed
//! export later.

use super::env::Environment;
use super::given::{Given, TlsFiles};
use super::precedence::{self, Origin};
use crate::error::ConfigError;
use crate::transport::tls::TlsMaterial;
#[cfg(feature = "tls")]
use rustls_pki_types::pem::PemObject;
#[cfg(feature = "tls")]
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
#[cfg(feature = "tls")]
use std::path::Path;
use std::path::PathBuf;

/// The files' paths, and their contents once `load`ed.
#[derive(Debug)]
pub(super) struct Tls {
    pub(super) files: TlsFiles,
    ca: Option<Origin>,
    identity: Option<(Origin, Origin)>,
}

pub(super) fn resolve(b: &Given, env: &Environment) -> Result<Tls, ConfigError> {
    let path = |given: &Option<PathBuf>, method, vars: &[&'static str]| {
        let given = given.as_ref().map(|p| p.display().to_string());
        precedence::text(given, method, env, vars)
            .map(|(path, origin)| (PathBuf::from(path), origin))
    };
    let ca = path(
        &b.tls.ca,
        "otlp_ca_certificate",
        &[
            "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
        ],
    );
    let cert = path(
        &b.tls.client_cert,
        "otlp_client_identity",
        &[
            "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
            "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
        ],
    );
    let key = path(
        &b.tls.client_key,
        "otlp_client_identity",
        &[
            "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
            "OTEL_EXPORTER_OTLP_CLIENT_KEY",
        ],
    );
    let identity = match (cert, key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        (Some((_, given)), None) | (None, Some((_, given))) => {
            return Err(ConfigError::Missing {
                setting: counterpart(given.setting),
                hint: format!(
                    "mutual TLS needs both the client certificate and its key ({} gives only one)",
                    given.setting
                ),
            })
        }
    };
    Ok(Tls {
        files: TlsFiles {
            ca: ca.as_ref().map(|(path, _)| path.clone()),
            client_cert: identity.as_ref().map(|((path, _), _)| path.clone()),
            client_key: identity.as_ref().map(|(_, (path, _))| path.clone()),
        },
        ca: ca.map(|(_, origin)| origin),
        identity: identity.map(|((_, cert), (_, key))| (cert, key)),
    })
}

/// The setting that gives the other half of a client identity.
fn counterpart(setting: &str) -> String {
    if let Some(prefix) = setting.strip_suffix("CERTIFICATE") {
        format!("{prefix}KEY")
    } else if let Some(prefix) = setting.strip_suffix("KEY") {
        format!("{prefix}CERTIFICATE")
    } else {
        setting.to_owned()
    }
}

impl Tls {
    /// Without the `tls` feature, naming a TLS file is refused by name.
    #[cfg(not(feature = "tls"))]
    pub(super) fn load(&self) -> Result<TlsMaterial, ConfigError> {
        match self.ca.or(self.identity.map(|(cert, _)| cert)) {
            Some(origin) => Err(ConfigError::FeatureDisabled {
                what: origin.setting.to_owned(),
                feature: "tls".into(),
            }),
            None => Ok(TlsMaterial::default()),
        }
    }

    /// Reads the files and checks that TLS can be configured with them.
    #[cfg(feature = "tls")]
    pub(super) fn load(&self) -> Result<TlsMaterial, ConfigError> {
        let mut material = TlsMaterial::default();
        if let (Some(path), Some(origin)) = (&self.files.ca, self.ca) {
            let pem = read(origin, path)?;
            certificates(origin, path, &pem)?;
            material.ca_pem = Some(pem);
            check(&material, origin, path)?;
        }
        if let (Some(cert_path), Some(key_path), Some((cert_origin, key_origin))) = (
            &self.files.client_cert,
            &self.files.client_key,
            self.identity,
        ) {
            let cert = read(cert_origin, cert_path)?;
            certificates(cert_origin, cert_path, &cert)?;
            let key = read(key_origin, key_path)?;
            PrivateKeyDer::from_pem_slice(&key).map_err(|e| {
                file_error(key_origin, key_path, format!("not a PEM private key: {e}"))
            })?;
            material.identity_pem = Some((cert, key));
            check(&material, cert_origin, cert_path)?;
        }
        Ok(material)
    }
}

#[cfg(feature = "tls")]
fn file_error(origin: Origin, path: &Path, reason: String) -> ConfigError {
    ConfigError::File {
        setting: origin.setting.into(),
        path: path.display().to_string(),
        reason,
    }
}

#[cfg(feature = "tls")]
fn read(origin: Origin, path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|e| file_error(origin, path, e.to_string()))
}

#[cfg(feature = "tls")]
fn certificates(origin: Origin, path: &Path, pem: &[u8]) -> Result<(), ConfigError> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| file_error(origin, path, format!("not a PEM certificate file: {e}")))?;
    if certs.is_empty() {
        return Err(file_error(
            origin,
            path,
            "contains no PEM certificate".into(),
        ));
    }
    Ok(())
}

#[cfg(feature = "tls")]
/// What rustls says of the material so far, blamed on the file just added.
fn check(material: &TlsMaterial, origin: Origin, path: &Path) -> Result<(), ConfigError> {
    crate::transport::tls::rustls_config(material)
        .map(drop)
        .map_err(|reason| file_error(origin, path, reason))
}
