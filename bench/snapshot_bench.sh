#!/bin/sh
# snapshot_bench.sh — what HDF5 snapshots cost a whole run: the same
# 16384x16384 B3/S23 soup, omp, 200 generations, without snapshots and with a
# bit-packed frame every 20 generations, every 20 with lz4, every generation,
# and the first and last frame only (populations only). The cases are
# interleaved, REPEAT rounds, best of each. Reported per case: the whole
# process's wall time, the extra wall time output adds as a fraction of the
# no-output run's stepping time (seconds=), the run's own estimate of that
# (output_overhead=), overlap, and the I/O thread's CPU time per frame.
# Then what the frames' checksum (HDF5's Fletcher32 filter, on every chunk)
# costs the I/O thread: the same frames written and read back by h5py with
# corun's chunk shape, with and without the filter (raw and lz4), per frame.
#
# usage: bench/snapshot_bench.sh [BUILD_DIR] [OUT_DIR]
#   env: SIZE=16384x16384 STEPS=200 THREADS=2 REPEAT=3 (best of REPEAT rounds)
#        CHECKSUM_ONLY=1: only the checksum part
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

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cpus; load $(cut -d' ' -f1-3 /proc/loadavg)"
checksum_cost() {
    /usr/bin/python3 - "$SIZE" "$REPEAT" "$OUT/corun-bench-sum.h5" <<'PY'
import sys, time, h5py, numpy as np
w, h = (int(v) for v in sys.argv[1].split("x")); rep = int(sys.argv[2]); path = sys.argv[3]
wpr = (w + 63) // 64
rows = max(1, min(h, (1 << 20) // (wpr * 8)))          # corun's ~1 MiB chunks of whole rows
frame = np.random.default_rng(1).integers(0, 2**63, size=(h, wpr), dtype=np.uint64)
nf = 4
lz4 = h5py.h5z.filter_avail(32004)
print(f"checksum: {nf} frames of {w}x{h} bits ({frame.nbytes / 2**20:.0f} MiB each), "
      f"chunks of {rows} rows, h5py, best of {rep}")
for comp in (["none", "lz4"] if lz4 else ["none"]):
    res = {}
    for sum_ in (False, True):
        best_w = best_r = 1e9
        for _ in range(rep):
            kw = dict(compression=32004) if comp == "lz4" else {}
            with h5py.File(path, "w", libver=("v108", "latest")) as f:
                d = f.create_dataset("frames", shape=(nf, h, wpr), dtype="<u8", chunks=(1, rows, wpr),
                                     fletcher32=sum_, **kw)
                t = time.perf_counter()
                for k in range(nf):
                    d[k] = frame
                    f.flush()
                best_w = min(best_w, (time.perf_counter() - t) / nf)
            with h5py.File(path, "r") as f:
                t = time.perf_counter()
                for k in range(nf):
                    f["frames"][k]
                best_r = min(best_r, (time.perf_counter() - t) / nf)
        res[sum_] = (best_w, best_r)
    (w0, r0), (w1, r1) = res[False], res[True]
    mib = frame.nbytes / 2**20
    print(f"  {comp:5s} write {w0*1e3:7.1f} -> {w1*1e3:7.1f} ms/frame (+{(w1-w0)*1e3:6.1f} ms, "
          f"+{100*(w1/w0-1):5.1f} %)   read {r0*1e3:7.1f} -> {r1*1e3:7.1f} ms/frame "
          f"(+{(r1-r0)*1e3:6.1f} ms)   filter ~{mib / max(w1-w0, 1e-9) / 1024:.1f} GiB/s")
import os; os.unlink(path)
PY
}
if [ "${CHECKSUM_ONLY:-0}" = 1 ]; then checksum_cost; exit 0; fi
echo "case: $SIZE, $STEPS generations, omp, $THREADS threads, $REPEAT interleaved rounds, best of each"
# case label | extra options ("-" none; "out" adds --out)
CASES="no snapshots|-
bits, every 20|--snapshot-every 20
bits, every 20, lz4|--snapshot-every 20 --compress lz4
bits, every generation|--snapshot-every 1
populations only (first+last frame)|--snapshot-every 0"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; rm -f "$OUT/corun-bench.h5"' EXIT
r=0
while [ "$r" -lt "$REPEAT" ]; do
    i=0
    printf '%s\n' "$CASES" | while IFS='|' read -r label extra; do
        rm -f "$OUT/corun-bench.h5"
        if [ "$extra" = "-" ]; then
            line=$("$CORUN" $COMMON | tail -n 1)
        else
            line=$("$CORUN" $COMMON --out "$OUT/corun-bench.h5" $extra | tail -n 1)
        fi
        printf '%s\n' "$line" >>"$TMP/case$i"
        i=$((i + 1))
    done
    r=$((r + 1))
done
best() { # best FILE: the line with the smallest wall_seconds
    best="" bt=""
    while IFS= read -r l; do
        t=$(field wall_seconds "$l")
        if [ -z "$bt" ] || awk -v a="$t" -v b="$bt" 'BEGIN{exit !(a<b)}'; then best=$l bt=$t; fi
    done <"$1"
    printf '%s\n' "$best"
}
base=$(best "$TMP/case0")
step0=$(field seconds "$base") wall0=$(field wall_seconds "$base")
printf '| case | wall s | extra / stepping | output_overhead | overlap | I/O CPU ms per frame | frames |\n|---|---:|---:|---:|---:|---:|---:|\n'
printf '| no snapshots (stepping %.3f s) | %.3f | | | | | |\n' "$step0" "$wall0"
i=1
printf '%s\n' "$CASES" | tail -n +2 | while IFS='|' read -r label extra; do
    l=$(best "$TMP/case$i")
    awk -v label="$label" -v w="$(field wall_seconds "$l")" -v w0="$wall0" -v s0="$step0" \
        -v oo="$(field output_overhead "$l")" -v ov="$(field overlap "$l")" \
        -v cpu="$(field io_cpu_seconds "$l")" -v fr="$(field frames "$l")" \
        'BEGIN{printf "| %s | %.3f | %+.1f %% | %.3f | %s | %.1f | %d |\n", label, w, 100*(w-w0)/s0, oo, ov, (fr>0 ? 1000*cpu/fr : 0), fr}'
    i=$((i + 1))
done
checksum_cost
