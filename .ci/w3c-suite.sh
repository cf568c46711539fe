#!/usr/bin/env bash
# The official W3C Trace Context suite, at Level 2 and strictness 2,
# against tests/examples/w3c_service.rs (this crate's axum layer and
# reqwest middleware). Prints the pass count; fails if any test fails.
#
#   bash .ci/w3c-suite.sh        # W3C_SUITE=<dir with test.py> to run another copy
set -euo pipefail
cd "$(dirname "$0")/.."
suite="${W3C_SUITE:-../shared/w3c-trace-context/test}"
if [ ! -f "$suite/test.py" ]; then
    echo "w3c-suite: no suite at $suite (see ../shared/w3c-trace-context/VENDORED)" >&2
    exit 1
fi
if ! python3 -c 'import aiohttp' 2>/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check aiohttp
fi

cargo build --quiet -p aios-tracing-tests --example w3c_service
log="$(mktemp)"
target/debug/examples/w3c_service > "$log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do
    grep -q '^listening on ' "$log" && break
    sleep 0.1
done
endpoint="$(sed -n 's/^listening on //p' "$log")"
[ -n "$endpoint" ] || { cat "$log" >&2; exit 1; }

# The harness's own port, free at the time of asking.
harness_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
result="$(mktemp)"
set +e
(cd "$suite" && SPEC_LEVEL=2 STRICT_LEVEL=2 HARNESS_PORT="$harness_port" python3 test.py "$endpoint") > "$result" 2>&1
status=$?
set -e
cat "$result"
ran="$(sed -n 's/^Ran \([0-9]*\) tests.*/\1/p' "$result")"
failed="$(grep -cE '^(FAIL|ERROR):' "$result" || true)"
rm -f "$result"
echo "W3C Trace Context suite (SPEC_LEVEL=2 STRICT_LEVEL=2): $(( ${ran:-0} - failed )) of ${ran:-0} passed"
exit "$status"
