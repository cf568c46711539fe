//! `service.instance.id`: a random (version 4) UUID, made once per
//! process, as the semantic conventions recommend for SDKs.

use opentelemetry::KeyValue;
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};
use std::sync::LazyLock;

/// 16 random bytes from the generator trace ids come from (a CSPRNG the OS
/// seeds), made a version 4 UUID.
static INSTANCE_ID: LazyLock<String> = LazyLock::new(|| {
    let bytes = RandomIdGenerator::default().new_trace_id().to_bytes();
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
});

pub(super) fn detect() -> KeyValue {
    KeyValue::new("service.instance.id", INSTANCE_ID.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_random_uuid_per_process() {
        let first = detect();
        let id = uuid::Uuid::parse_str(first.value.as_str().as_ref()).unwrap();
        assert_eq!(id.get_version_num(), 4);
        assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(detect().value, first.value, "the same process, the same id");
    }
}
