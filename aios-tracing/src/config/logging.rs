//! The logging group: the log line format, the filter on log lines, and
//! whether `init` may install the process's `tracing` subscriber and `log`
//! logger when the application has none.

use super::env::Environment;
use super::given::Given;
use super::precedence::{self, lookup};
use super::LogFormat;
use crate::error::ConfigError;

/// Log lines pass when at or above this, unless the filter says otherwise.
const DEFAULT_FILTER: &str = "info";

#[derive(Debug)]
pub(super) struct Logging {
    pub(super) correlation: bool,
    pub(super) format: LogFormat,
    pub(super) install: bool,
    /// `EnvFilter` directives, each one valid.
    pub(super) filter: String,
    /// Directives of `RUST_LOG` that did not parse, with why.
    pub(super) ignored: Vec<String>,
}

pub(super) fn resolve(b: &Given, env: &Environment) -> Result<Logging, ConfigError> {
    let format = lookup(
        b.log_format,
        "log_format",
        env,
        &["AIOS_TRACING_LOG_FORMAT"],
    )
    .map(|found| found.parse(env, |t| t.parse().ok(), "json or text", "text"))
    .transpose()?
    .flatten()
    .map_or(LogFormat::Text, |(format, _)| format);
    let (filter, ignored) =
        match precedence::text(b.log_filter.clone(), "log_filter", env, &["RUST_LOG"]) {
            None => (DEFAULT_FILTER.to_owned(), Vec::new()),
            Some((text, origin)) => {
                let (valid, ignored) = directives::split(&text);
                // From code, a bad directive is a mistake to fix; from RUST_LOG,
                // which other tools read too, it is skipped with a warning.
                if origin.setting == "log_filter" && !ignored.is_empty() {
                    return Err(origin.invalid(
                        format!(
                            "tracing_subscriber::EnvFilter directives ({})",
                            ignored.join("; ")
                        ),
                        text,
                    ));
                }
                (valid, ignored)
            }
        };
    Ok(Logging {
        correlation: b.logging_correlation.unwrap_or(true),
        format,
        install: b.install_logging.unwrap_or(true),
        filter,
        ignored,
    })
}

#[cfg(feature = "logging")]
mod directives {
    use tracing_subscriber::filter::Directive;

    /// The valid directives of `text` joined again, and each invalid one
    /// with the reason.
    pub(super) fn split(text: &str) -> (String, Vec<String>) {
        let mut valid = Vec::new();
        let mut ignored = Vec::new();
        for directive in text.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            match directive.parse::<Directive>() {
                Ok(_) => valid.push(directive),
                Err(error) => ignored.push(format!("\"{directive}\": {error}")),
            }
        }
        (valid.join(","), ignored)
    }
}

#[cfg(not(feature = "logging"))]
mod directives {
    /// Without the `logging` feature no filter is built: taken as given.
    pub(super) fn split(text: &str) -> (String, Vec<String>) {
        (text.to_owned(), Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(b: &Given, vars: &[(&str, &str)]) -> Result<Logging, ConfigError> {
        let env = Environment::from_map(
            vars.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        );
        resolve(b, &env)
    }

    #[test]
    fn the_format_comes_from_the_builder_then_the_variable() {
        let none = Given::default();
        assert_eq!(resolved(&none, &[]).unwrap().format, LogFormat::Text);
        let vars = [("AIOS_TRACING_LOG_FORMAT", "JSON")];
        assert_eq!(resolved(&none, &vars).unwrap().format, LogFormat::Json);
        let given = Given {
            log_format: Some(LogFormat::Text),
            ..Given::default()
        };
        assert_eq!(resolved(&given, &vars).unwrap().format, LogFormat::Text);
        let err = resolved(&none, &[("AIOS_TRACING_LOG_FORMAT", "yaml")])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "AIOS_TRACING_LOG_FORMAT must be json or text, got \"yaml\" (from environment variable AIOS_TRACING_LOG_FORMAT)"
        );
    }

    #[test]
    fn rust_log_takes_full_directives() {
        let logging = resolved(
            &Given::default(),
            &[("RUST_LOG", "info,hyper=warn,my_crate::db[query]=debug")],
        )
        .unwrap();
        assert_eq!(logging.filter, "info,hyper=warn,my_crate::db[query]=debug");
        assert!(logging.ignored.is_empty());
        assert_eq!(resolved(&Given::default(), &[]).unwrap().filter, "info");
    }

    #[cfg(feature = "logging")]
    #[test]
    fn bad_rust_log_directives_are_skipped_and_named() {
        let logging = resolved(&Given::default(), &[("RUST_LOG", "info,hyper=loud")]).unwrap();
        assert_eq!(logging.filter, "info");
        assert_eq!(logging.ignored.len(), 1);
        assert!(
            logging.ignored[0].starts_with("\"hyper=loud\""),
            "{:?}",
            logging.ignored
        );
    }

    #[cfg(feature = "logging")]
    #[test]
    fn a_bad_filter_from_the_builder_is_an_error() {
        let given = Given {
            log_filter: Some("info,hyper=loud".into()),
            ..Given::default()
        };
        let err = resolved(&given, &[("RUST_LOG", "debug")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "log_filter must be tracing_subscriber::EnvFilter directives (\"hyper=loud\""
            ),
            "{err}"
        );
        assert!(
            err.ends_with("got \"info,hyper=loud\" (from the builder)"),
            "{err}"
        );
    }

    #[test]
    fn installing_globals_is_on_unless_turned_off() {
        assert!(resolved(&Given::default(), &[]).unwrap().install);
        let given = Given {
            install_logging: Some(false),
            ..Given::default()
        };
        assert!(!resolved(&given, &[]).unwrap().install);
    }
}
