//! Fallible returns are recognised through any alias of `Result`, because
//! the check is made on the type, not on how the return type is spelled.

use aios_tracing::trace;

mod my_crate {
    #[derive(Debug)]
    pub struct Error;

    impl std::fmt::Display for Error {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("my error")
        }
    }

    pub type Result<T, E = Error> = std::result::Result<T, E>;
}

type Fallible = Result<u8, String>;

/// An error without `Display` is recorded with its `Debug` text.
#[derive(Debug)]
struct DebugOnly;

#[trace]
fn io() -> std::io::Result<u8> {
    Err(std::io::Error::other("io"))
}

#[trace]
fn anyhow_result() -> anyhow::Result<u8> {
    anyhow::bail!("anyhow")
}

#[trace]
fn own_alias() -> my_crate::Result<u8> {
    Err(my_crate::Error)
}

#[trace]
fn non_generic_alias() -> Fallible {
    Err("fallible".to_owned())
}

#[trace]
fn boxed() -> Result<u8, Box<dyn std::error::Error + Send + Sync>> {
    Err("boxed".into())
}

#[trace]
fn debug_only() -> Result<u8, DebugOnly> {
    Err(DebugOnly)
}

#[trace]
fn not_a_result() -> Option<u8> {
    None
}

#[trace]
async fn async_alias() -> anyhow::Result<u8> {
    Ok(1)
}

#[tokio::main]
async fn main() {
    assert!(io().is_err());
    assert!(anyhow_result().is_err());
    assert!(own_alias().is_err());
    assert!(non_generic_alias().is_err());
    assert!(boxed().is_err());
    assert!(debug_only().is_err());
    assert!(not_a_result().is_none());
    assert_eq!(async_alias().await.unwrap(), 1);
}
