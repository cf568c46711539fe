//! Configuration: what the builder was given ([`Given`]) resolved against
//! the environment into a complete, valid [`Config`], one group of
//! settings at a time (exporter, batching, sampling, propagation,
//! resource, limits, TLS).
//!
//! Precedence for every setting, in `precedence.rs`: builder call > the
//! seed-named variable (`OTLP_ENDPOINT`, `DEPLOYMENT_ENV`, …) > the
//! standard `OTEL_*` variable > the default. Resolution validates
//! everything, so `init` either starts with a complete, valid [`Config`]
//! or returns a [`ConfigError`](crate::ConfigError) naming what was wrong
//! and where it came from.

mod batching;
mod effective;
mod endpoint;
pub(crate) mod env;
mod exporter;
mod features;
mod given;
mod limits;
mod log_format;
mod logging;
mod precedence;
mod propagation;
mod protocol;
mod proxy;
mod redact;
mod resolve;
mod resource;
mod sampler;
mod sampling;
mod sampling_rules;
mod tail;
mod tls;

pub use effective::Config;
pub(crate) use env::Vars;
pub(crate) use given::Given;
pub use given::TlsFiles;
pub use log_format::LogFormat;
pub use propagation::Propagation;
pub use protocol::{Compression, Protocol};
pub(crate) use resolve::resolve;
pub use resource::ResourceDetectors;
pub use sampler::Sampler;
pub use sampling_rules::SamplingRule;
pub use tail::TailSampling;
