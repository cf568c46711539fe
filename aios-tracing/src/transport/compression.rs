//! gzip for OTLP/HTTP bodies (tonic compresses gRPC messages itself).
//! Compressed once per export, before the retries that resend it.

use bytes::Bytes;
use std::io::Write as _;

/// `body` gzipped, at the default level (a good ratio for OTLP's
/// repetitive protobuf and JSON for little CPU).
pub(crate) fn gzip(body: &[u8]) -> std::io::Result<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::default(),
    );
    encoder.write_all(body)?;
    Ok(encoder.finish()?.into())
}
