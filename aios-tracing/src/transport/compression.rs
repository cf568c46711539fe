//! gzip for OTLP/HTTP bodies (tonic compresses gRPC messages itself).
//! Compressed once per export, before the retries that resend it.

use bytes::Bytes;
use std::io::Write as _;

/// `body` gzipped at the fastest level: OTLP's repetitive protobuf and
/// JSON compress almost as well as at the default level, for a fraction
/// of the CPU, and the one export thread compresses every request
/// (BENCHMARKS.md, "gzip compression").
pub(crate) fn gzip(body: &[u8]) -> std::io::Result<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::fast(),
    );
    encoder.write_all(body)?;
    Ok(encoder.finish()?.into())
}
