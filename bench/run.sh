#!/usr/bin/env bash
# Prints, from one run: native getpid, the bare ptrace floor (PTRACE_SYSEMU + GETREGS +
# SETREGS, tracer and tracee on one CPU), a guest getpid round trip under runsc, and the wall
# time of `runsc do /bin/busybox true`. Usage: bench/run.sh [iterations]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
out=target/bench
mkdir -p "$out"
cargo build --release -q -p runsc
cc -static -O2 -o "$out/getpid_loop" bench/getpid_loop.c
cc -static -O2 -o "$out/sysemu_floor" bench/sysemu_floor.c
runsc=target/release/runsc

native=$("$out/getpid_loop" "$n" | sed -n 's/^getpid_ns=//p')
floor=$("$out/sysemu_floor" "$n" | sed -n 's/^sysemu_floor_ns=//p')
sandbox=$("$runsc" do "$PWD/$out/getpid_loop" "$n" | sed -n 's/^getpid_ns=//p')
runs=10
start=$(date +%s%N)
for _ in $(seq $runs); do "$runsc" do /bin/busybox true; done
end=$(date +%s%N)
startup_ms=$(awk -v a="$start" -v b="$end" -v r="$runs" 'BEGIN { printf "%.1f", (b - a) / r / 1e6 }')

printf 'native getpid:                  %10.0f ns\n' "$native"
printf 'ptrace floor (SYSEMU+GET+SET):  %10.0f ns\n' "$floor"
printf 'runsc guest getpid:             %10.0f ns  (%.2fx floor)\n' "$sandbox" "$(awk -v s="$sandbox" -v f="$floor" 'BEGIN{print s/f}')"
printf 'runsc do /bin/busybox true:     %10s ms  (mean of %d)\n' "$startup_ms" "$runs"
