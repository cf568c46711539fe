//! Configuration: the builder users fill in, and its resolution against
//! the environment into a complete, valid [`Config`], one group of
//! settings at a time (exporter, batching, sampling, propagation,
//! resource, limits, TLS).
//!
//! Precedence for every setting, in [`setting`]: builder call > the
//! seed-named variable (`OTLP_ENDPOINT`, `DEPLOYMENT_ENV`, …) > the
//! standard `OTEL_*` variable > the default. [`TracingSdkBuilder::resolve`]
//! does the whole resolution and validation, so `init` either starts with
//! a complete, valid [`Config`] or returns a [`ConfigError`](crate::ConfigError)
//! naming what was wrong and where it came from.

mod batching;
mod builder;
mod effective;
mod endpoint;
pub(crate) mod env;
mod exporter;
mod limits;
mod propagation;
mod protocol;
mod redact;
mod resolve;
mod resource;
mod sampling;
mod setting;
mod tls;

pub use builder::TracingSdkBuilder;
pub use effective::Config;
pub use propagation::Propagation;
pub use protocol::Protocol;
pub use tls::TlsFiles;
