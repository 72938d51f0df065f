#!/usr/bin/env bash
# check-cuda-kernels.sh — compiles every kernels/*.cu with nvcc for the
# default architectures, warnings as errors, and fails if any kernel spills
# registers to local memory or keeps a stack frame there (read from ptxas's
# resource report, -Xptxas -v). Prints registers/spills per kernel and arch.
#
# usage: scripts/check-cuda-kernels.sh [ARCHS]   (default: the build's list)
#   env: NVCC=/path/to/nvcc (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc)
# Exit: 0 clean, 1 a compile error/warning or a spill, 77 no nvcc (skipped).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
nvcc=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
if [ ! -x "$nvcc" ]; then
    echo "check-cuda-kernels: no nvcc found: skipped"
    exit 77
fi
# The same default list as the build (cmake/CorunCUDA.cmake: CMAKE_CUDA_ARCHITECTURES).
archs=${1:-$(sed -n 's/.*set(CMAKE_CUDA_ARCHITECTURES "\([^"]*\)").*/\1/p' "$root/cmake/CorunCUDA.cmake" | head -n 1)}
gencode=()
for a in ${archs//;/ }; do
    n=${a%-real}
    if [ "$a" != "$n" ]; then gencode+=("-gencode=arch=compute_$n,code=sm_$n")
    else gencode+=("-gencode=arch=compute_$n,code=[compute_$n,sm_$n]"); fi
done
tmp=$(mktemp -d /tmp/corun-cucheck-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# The build generates corun/config.h (cmake/config.h.in); this check compiles
# the kernels on their own, as a build with every part in.
mkdir -p "$tmp/include/corun"
sed 's/@[A-Z_]*@/1/' "$root/cmake/config.h.in" >"$tmp/include/corun/config.h"
status=0
for cu in "$root"/kernels/*.cu; do
    name=$(basename "$cu")
    if ! "$nvcc" -c "$cu" -o "$tmp/k.o" -std=c++17 -O3 "${gencode[@]}" \
        -I"$tmp/include" -I"$root/include" -I"$root/kernels" -I"$root/src" -D_GNU_SOURCE \
        -DCORUN_CUDA_ARCHS="\"$archs\"" -Xcompiler=-Wall,-Wextra --Werror=all-warnings \
        -Xptxas=-v,-warn-spills,-warn-lmem-usage >"$tmp/log" 2>&1; then
        echo "FAIL $name: nvcc failed:"
        cat "$tmp/log"
        status=1
        continue
    fi
    # ptxas prints, per entry and arch: "Compiling entry function 'K' for
    # 'sm_80'", "N bytes stack frame, N bytes spill stores, N bytes spill
    # loads", "Used N registers, ...".
    awk -v file="$name" '
        /Compiling entry function/ { match($0, /function .[^ ]+. for .sm_[0-9a-z]+/);
            s = substr($0, RSTART + 9, RLENGTH - 9); gsub(/\047/, "", s);
            split(s, p, " for "); fn = p[1]; arch = p[2]; next }
        /bytes stack frame/ { stack = $5 + 0; st = $9 + 0; ld = $13 + 0; next }
        /Used [0-9]+ registers/ && fn != "" {
            match($0, /Used [0-9]+ registers/); regs = substr($0, RSTART + 5, RLENGTH - 15) + 0;
            bad = (stack > 0 || st > 0 || ld > 0);
            printf "%-4s %-20s %-7s %-45s regs=%3d stack=%d spill_st=%d spill_ld=%d\n",
                   bad ? "FAIL" : "ok", file, arch, fn, regs, stack, st, ld;
            if (bad) fails++;
            fn = "" }
        END { exit fails ? 1 : 0 }' "$tmp/log" || status=1
done
[ "$status" = 0 ] && echo "check-cuda-kernels: every kernel compiles warning-free, no spills" ||
    echo "check-cuda-kernels: FAILED"
exit "$status"
