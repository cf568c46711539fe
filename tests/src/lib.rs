//! The integration tests' support: the OTLP receiver, from its own crate.

pub use aios_tracing_receiver::*;
