//! The HTTP exporter's proxy setting.

/// An HTTP proxy, and the hosts reached without it.
#[cfg_attr(not(feature = "http"), allow(dead_code))]
#[derive(Debug, Clone)]
pub(crate) struct Proxy {
    pub(crate) url: String,
    pub(crate) no_proxy: String,
}
