//! The errors `init` and `shutdown` can report.

use std::fmt;

/// A setting that could not be used, naming the setting and quoting the value.
///
/// Every way configuration can go wrong is a variant here, so `init` never
/// panics on bad input: it returns one of these and the application decides.
///
/// ```
/// use aios_tracing::{ConfigError, TracingSdk};
///
/// let err = TracingSdk::builder("orders-api")
///     .sampling_ratio(1.5)
///     .init()
///     .unwrap_err();
/// assert!(matches!(err, ConfigError::InvalidValue { .. }));
/// assert_eq!(
///     err.to_string(),
///     "sampling_ratio must be within 0.0..=1.0, got \"1.5\" (from the builder)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A setting's value is not acceptable.
    #[error("{setting} must be {expected}, got \"{value}\" (from {origin})")]
    InvalidValue {
        /// The builder method or environment variable, e.g. `OTEL_TRACES_SAMPLER_ARG`.
        setting: String,
        /// What the value must look like.
        expected: String,
        /// The offending value, quoted verbatim (secrets redacted).
        value: String,
        /// Where the value came from: the builder or an environment variable.
        origin: Source,
    },
    /// A required setting has no value anywhere.
    #[error("{setting} is required: {hint}")]
    Missing {
        /// The setting that is missing.
        setting: String,
        /// How to provide it.
        hint: String,
    },
    /// A file named by a setting could not be read or parsed.
    #[error("{setting} names \"{path}\", which could not be used: {reason}")]
    File {
        /// The environment variable or builder method naming the file.
        setting: String,
        /// The path as given.
        path: String,
        /// Why it could not be used.
        reason: String,
    },
    /// The configuration asks for something this build of the crate leaves
    /// out: enable the named cargo feature of `aios-tracing`, or configure
    /// something else.
    ///
    /// ```
    /// # #[cfg(not(feature = "http"))] {
    /// use aios_tracing::{ConfigError, Protocol, TracingSdk};
    ///
    /// let err = TracingSdk::builder("orders-api")
    ///     .environment(std::iter::empty::<(String, String)>())
    ///     .enable_otlp_exporter(true)
    ///     .otlp_protocol(Protocol::HttpProtobuf)
    ///     .init()
    ///     .unwrap_err();
    /// assert!(matches!(err, ConfigError::FeatureDisabled { ref feature, .. } if feature == "http"));
    /// # }
    /// ```
    #[error(
        "{what} needs the cargo feature `{feature}` of aios-tracing, which this build leaves out"
    )]
    FeatureDisabled {
        /// What asked for it, e.g. `OTLP over http/protobuf`.
        what: String,
        /// The cargo feature to enable.
        feature: String,
    },
    /// The exporter could not be started (for instance the OS refused a thread).
    #[error("the exporter could not be started: {0}")]
    Startup(String),
}

/// Where a configuration value came from, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A builder method.
    Builder,
    /// An environment variable, named.
    Env(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Builder => f.write_str("the builder"),
            Source::Env(name) => write!(f, "environment variable {name}"),
        }
    }
}

impl ConfigError {
    pub(crate) fn invalid(
        setting: impl Into<String>,
        expected: impl Into<String>,
        value: impl Into<String>,
        source: Source,
    ) -> Self {
        ConfigError::InvalidValue {
            setting: setting.into(),
            expected: expected.into(),
            value: value.into(),
            origin: source,
        }
    }
}

/// A standard `OTEL_*` variable whose value could not be used, and was
/// ignored: the OpenTelemetry specification's rule, so that one
/// environment shared by services in every language never stops this
/// one. Logged (target `aios_tracing`) when the SDK starts, and listed by
/// [`Config::warnings`](crate::Config::warnings). With
/// [`strict_env`](crate::TracingSdkBuilder::strict_env) these are errors.
///
/// ```
/// use aios_tracing::TracingSdk;
/// let config = TracingSdk::builder("svc")
///     .environment([("OTEL_TRACES_SAMPLER", "xray")])
///     .resolve()?;
/// let warning = &config.warnings()[0];
/// assert_eq!(warning.setting, "OTEL_TRACES_SAMPLER");
/// assert_eq!(
///     warning.to_string(),
///     "OTEL_TRACES_SAMPLER=\"xray\" ignored: must be one of always_on, always_off, traceidratio, \
///      parentbased_always_on, parentbased_always_off, parentbased_traceidratio; using parentbased_always_on"
/// );
/// # Ok::<(), aios_tracing::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigWarning {
    /// The variable.
    pub setting: String,
    /// Its value, quoted verbatim (secrets redacted).
    pub value: String,
    /// What the value must be.
    pub expected: String,
    /// What is used instead.
    pub instead: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={:?} ignored: must be {}; using {}",
            self.setting, self.value, self.expected, self.instead
        )
    }
}

/// Why `shutdown` or `force_flush` did not finish cleanly.
///
/// Spans that could not be delivered are already counted in
/// [`ExportStats::dropped`](crate::ExportStats::dropped); this error only says
/// that the call gave up.
///
/// ```
/// use aios_tracing::ShutdownError;
/// let err = ShutdownError::Timeout(std::time::Duration::from_secs(5));
/// assert_eq!(err.to_string(), "gave up waiting for the exporter after 5s");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShutdownError {
    /// The deadline passed before everything queued was delivered.
    #[error("gave up waiting for the exporter after {0:?}")]
    Timeout(std::time::Duration),
    /// `shutdown` had already been called.
    #[error("the SDK was already shut down")]
    AlreadyShutdown,
    /// The queue drained, but some spans could not be delivered.
    #[error("some spans could not be exported: {0}")]
    ExportFailed(String),
}
