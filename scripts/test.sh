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
cargo test --workspace -q 2>&1
