#!/usr/bin/env bash
# run.sh — the aio benchmarks with both context switches (numbers: docs/AIO.md).
#   bench/aio/run.sh [--quick]
# Builds build-aio (assembly switch, the default) and build-aio-uc (ucontext)
# in Release, without CUDA, MPI and fib, and runs corun_aio_bench from each.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
for v in ASM UCONTEXT; do
    dir=$root/build-aio; [ $v = UCONTEXT ] && dir=$root/build-aio-uc
    # The aio layer needs none of CUDA, MPI or fib: leaving them out keeps the build short.
    cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCORUN_AIO_SWITCH=$v \
        -DCORUN_CUDA=OFF -DCORUN_MPI=OFF -DCORUN_FIB=OFF -DBUILD_TESTING=OFF >/dev/null
    cmake --build "$dir" -j"$(nproc)" --target corun_aio_bench >/dev/null
    "$dir/bench/aio/corun_aio_bench" "$@"
done
