#!/bin/sh
# snapshot_bench.sh — what HDF5 snapshots cost a run (issue 4's target):
# the same 16384x16384 B3/S23 soup, omp, 2 threads, 200 generations, without
# snapshots and with a bit-packed frame every 20 generations, every
# generation, and every 20 with lz4; wall-time ratios and overlap, in one run.
#
# usage: bench/snapshot_bench.sh [BUILD_DIR] [OUT_DIR]
#   env: SIZE=16384x16384 STEPS=200 THREADS=2 REPEAT=3 (best of REPEAT runs)
# OUT_DIR (default /tmp) receives the .h5 files (about 32 MiB per frame).
set -eu
BUILD=${1:-build}
OUT=${2:-/tmp}
CORUN=$BUILD/corun
[ -x "$CORUN" ] || { echo "snapshot_bench: $CORUN not found" >&2; exit 2; }
SIZE=${SIZE:-16384x16384}
STEPS=${STEPS:-200}
THREADS=${THREADS:-2}
REPEAT=${REPEAT:-3}
COMMON="life --size $SIZE --steps $STEPS --threads $THREADS --backend omp --skip-stable off --init random:0.5:1 --quiet"

field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

best_line() { # best_line ARGS...: the summary line of the fastest of REPEAT runs
    best="" bestt=""
    i=0
    while [ "$i" -lt "$REPEAT" ]; do
        rm -f "$OUT/corun-bench.h5"
        line=$("$CORUN" "$@" | tail -n 1)
        t=$(field seconds "$line")
        if [ -z "$bestt" ] || awk -v a="$t" -v b="$bestt" 'BEGIN{exit !(a<b)}'; then
            best=$line bestt=$t
        fi
        i=$((i + 1))
    done
    rm -f "$OUT/corun-bench.h5"
    printf '%s\n' "$best"
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cpus; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "case: $SIZE, $STEPS generations, omp, $THREADS threads, best of $REPEAT"
base=$(best_line $COMMON)
tb=$(field seconds "$base")
printf '%-34s %8.3f s  %s\n' "no snapshots" "$tb" "hash=$(field hash "$base")"
report() { # report LABEL EXTRA-ARGS...
    label=$1; shift
    l=$(best_line $COMMON --out "$OUT/corun-bench.h5" "$@")
    t=$(field seconds "$l")
    printf '%-34s %8.3f s  ratio %5.3f  io_seconds=%s stall_seconds=%s overlap=%s hash=%s\n' \
        "$label" "$t" "$(awk -v a="$t" -v b="$tb" 'BEGIN{printf "%.3f", a/b}')" \
        "$(field io_seconds "$l")" "$(field stall_seconds "$l")" "$(field overlap "$l")" \
        "$(field hash "$l")"
}
report "bits, every 20" --snapshot-every 20
report "bits, every 20, lz4" --snapshot-every 20 --compress lz4
report "bits, every generation" --snapshot-every 1
report "populations only (first+last frame)" --snapshot-every 0
