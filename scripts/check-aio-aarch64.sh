#!/usr/bin/env bash
# check-aio-aarch64.sh — runs the aio test suites with the AArch64 assembly
# context switch (src/aio/switch_aarch64.S) on this x86-64 machine: cross-built
# with Debian's gcc-aarch64-linux-gnu, statically linked against the arm64
# CUnit package, run under qemu-user. Exit 77 if the tools cannot be installed.
#
#   scripts/check-aio-aarch64.sh [OUT_DIR]      (default build-aarch64/)
#
# Only the aio layer (src/aio, src/core) is built: it is the one part of corun
# with architecture-specific code. Timings under qemu mean nothing; the
# benchmark runs once in --quick mode as a smoke test of the switch.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
out=${1:-$CORUN_ROOT/build-aarch64}

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    [ "$(id -u)" -eq 0 ] || { echo "check-aio-aarch64: needs root to add the arm64 architecture" >&2; exit 77; }
    dpkg --add-architecture arm64
    apt-get update -q >/dev/null || true
fi
corun_install_packages gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user libcunit1-dev:arm64 ||
    { echo "check-aio-aarch64: cross tools not installable here: skipped" >&2; exit 77; }

mkdir -p "$out"
rm -f "$out/aio_tests" "$out/aio_bench"
cd "$CORUN_ROOT"
common=(-std=c11 -O2 -g -fopenmp -D_GNU_SOURCE -DCORUN_BUILD_TYPE='"Release"'
    -DCORUN_SANITIZERS='""' -Iinclude -Isrc -Ikernels -Itests -Wall -Wextra -Werror)
aarch64-linux-gnu-gcc "${common[@]}" src/aio/*.c src/aio/switch_aarch64.S src/core/*.c src/mpi/env.c \
    tests/test_main.c tests/test_aio_*.c -o "$out/aio_tests" -static -lcunit -lpthread -lm 2>&1 |
    grep -v -e "statically linked applications requires" -e "in function .goacc" || true
aarch64-linux-gnu-gcc "${common[@]}" src/aio/*.c src/aio/switch_aarch64.S src/core/*.c src/mpi/env.c \
    bench/aio/aio_bench.c -o "$out/aio_bench" -static -lpthread -lm 2>&1 |
    grep -v -e "statically linked applications requires" -e "in function .goacc" || true
[ -x "$out/aio_tests" ] && [ -x "$out/aio_bench" ] || { echo "check-aio-aarch64: build failed" >&2; exit 1; }

export QEMU_STACK_SIZE=8388608
# qemu-user lists its own threads in /proc/self/task: the thread-leak count
# of aio_coro cannot be exact there (file descriptors are still checked).
export CORUN_TEST_UNDER_QEMU=1
status=0
for s in aio_coro aio_future aio_channel aio_stress; do
    if timeout 600 qemu-aarch64 "$out/aio_tests" "$s" >"$out/$s.log" 2>&1; then
        echo "aarch64 $s: passed"
    else
        echo "aarch64 $s: FAILED (log: $out/$s.log)"; tail -20 "$out/$s.log"; status=1
    fi
done
qemu-aarch64 "$out/aio_bench" --quick | grep -E "switch_asm|yield_resume"
exit $status
