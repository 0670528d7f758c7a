#!/usr/bin/env bash
# The project's test command: lints, unit and end-to-end tests, and the conformance suite.
# Needs: a Rust toolchain, cc with static libc (gcc, libc6-dev), /bin/busybox (busybox-static),
# and root (the sandbox confines itself with namespaces and chroot).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -q -- -D warnings
cargo build --workspace -q
cargo build --workspace --release -q
echo "== conformance (native and under runsc, with the ratchet in conformance/expected-pass)"
target/release/conformance --tally
echo "== unit and end-to-end tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace -q 2>&1 | tee "$log"
# One closing line for the whole run: cargo prints a result line per test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f; exit (f > 0) }' "$log"
