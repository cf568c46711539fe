#!/usr/bin/env bash
# What the Quick Start costs to build, next to the same program on the peer
# stack, in one run (BENCHMARKS.md, "Build cost"):
#
#   bash benches/build-cost/run.sh [rounds]      # from the workspace root; default 1 round
#
# For each program and round, in alternation: a clean `cargo build --release
# --locked` in a fresh target directory (wall time, and CPU time of cargo and
# everything it ran), the number of crates in its dependency graph (itself
# included, build dependencies and proc macros too), and the size of its
# binary after `strip`. The registry sources must already be downloaded
# (`cargo fetch`): downloads are not timed.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-1}"
programs=(build-cost-aios build-cost-peer build-cost-aios-lean build-cost-peer-lean)
scratch="$(mktemp -d /tmp/aios-build-cost.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT

cargo fetch --locked >/dev/null 2>&1
echo "rustc: $(rustc --version); $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| round | program | crates | clean release build, wall s | CPU s (user+sys) | stripped binary, bytes |\n|---|---|---:|---:|---:|---:|\n'
for round in $(seq 1 "$rounds"); do
    for program in "${programs[@]}"; do
        target="$scratch/target-$program"
        rm -rf "$target"
        crates=$(cargo tree --locked -p "$program" -e normal,build --prefix none \
            | sed 's/ (\*)//; s/ (proc-macro)//' | sort -u | wc -l)
        start=$(date +%s.%N)
        # bash's `times` would include earlier rounds: ask /usr/bin/time when there.
        if [ -x /usr/bin/time ]; then
            /usr/bin/time -f '%U %S' -o "$scratch/cpu" \
                cargo build --release --locked -q -p "$program" --target-dir "$target"
            cpu=$(awk '{printf "%.1f", $1 + $2}' "$scratch/cpu")
        else
            cargo build --release --locked -q -p "$program" --target-dir "$target"
            cpu="–"
        fi
        wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
        strip -o "$scratch/$program.stripped" "$target/release/$program"
        size=$(stat -c %s "$scratch/$program.stripped")
        printf '| %s | %s | %s | %.1f | %s | %s |\n' "$round" "$program" "$crates" "$wall" "$cpu" "$size"
        rm -rf "$target"
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
