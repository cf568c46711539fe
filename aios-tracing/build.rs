//! Records the compiler's version, which the resource reports as the
//! process's runtime (`process.runtime.*`).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    // Unknown (empty) rather than a failed build: the attributes are left out.
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .unwrap_or_default();
    println!(
        "cargo:rustc-env=AIOS_TRACING_RUSTC_VERSION={}",
        version.trim()
    );
}
