#!/usr/bin/env bash
# Runs each fuzz target for a bounded time (default 60 s each) with the
# committed corpus. Needs the nightly toolchain and cargo-fuzz:
#   cargo +nightly install cargo-fuzz --locked
# Usage: fuzz/run.sh [seconds-per-target]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
for target in propagation config; do
    echo "== $target (${seconds}s)"
    cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len=4096
done
