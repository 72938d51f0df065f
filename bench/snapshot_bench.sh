#!/bin/sh
# snapshot_bench.sh — what HDF5 snapshots cost a run:
# the same 16384x16384 B3/S23 soup, omp, 2 threads, 200 generations, without
# snapshots and with a bit-packed frame every 20 generations, every
# generation, and every 20 with lz4; wall-time ratios and overlap, in one run.
# Then what the frames' checksum (HDF5's Fletcher32 filter, on every chunk)
# costs the I/O thread: the same frames written and read back by h5py with
# corun's chunk shape, with and without the filter (raw and lz4), per frame.
#
# usage: bench/snapshot_bench.sh [BUILD_DIR] [OUT_DIR]
#   env: SIZE=16384x16384 STEPS=200 THREADS=2 REPEAT=3 (best of REPEAT runs)
#        CHECKSUM_ONLY=1: only the checksum part; SKIP_CHECKSUM=1: without it
# OUT_DIR (default /tmp) receives the .h5 files (about 32 MiB per frame).
set -eu
. "$(dirname "$0")/report_row.sh"
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
checksum_cost() {
    /usr/bin/python3 - "$SIZE" "$REPEAT" "$OUT/corun-bench-sum.h5" <<'PY'
import os, sys, time, h5py, numpy as np
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
    tsv = os.environ.get("CORUN_REPORT_TSV")
    if tsv:
        with open(tsv, "a") as out:
            out.write(f"snapshots\tFletcher32 checksum, {comp}, {w}x{h} frames ({mib:.0f} MiB), h5py write\t"
                      f"{(w1-w0)*1e3:.1f}\t\tms per frame added\t{w0*1e3:.1f} -> {w1*1e3:.1f} ms/frame\n")
            out.write(f"snapshots\tFletcher32 checksum, {comp}, {w}x{h} frames ({mib:.0f} MiB), h5py read\t"
                      f"{(r1-r0)*1e3:.1f}\t\tms per frame added\t{r0*1e3:.1f} -> {r1*1e3:.1f} ms/frame\n")
import os; os.unlink(path)
PY
}
if [ "${CHECKSUM_ONLY:-0}" = 1 ]; then checksum_cost; exit 0; fi
echo "case: $SIZE, $STEPS generations, omp, $THREADS threads, best of $REPEAT"
base=$(best_line $COMMON)
tb=$(field seconds "$base")
printf '%-34s %8.3f s  %s\n' "no snapshots" "$tb" "hash=$(field hash "$base")"
CASE="$SIZE, $STEPS gens, $THREADS threads"
report_row snapshots "$CASE: no snapshots (baseline)" "$(printf '%.3f' "$tb")" "" "s" "hash=$(field hash "$base")"
report() { # report LABEL EXTRA-ARGS...
    label=$1; shift
    l=$(best_line $COMMON --out "$OUT/corun-bench.h5" "$@")
    t=$(field seconds "$l")
    printf '%-34s %8.3f s  ratio %5.3f  io_seconds=%s stall_seconds=%s overlap=%s hash=%s\n' \
        "$label" "$t" "$(awk -v a="$t" -v b="$tb" 'BEGIN{printf "%.3f", a/b}')" \
        "$(field io_seconds "$l")" "$(field stall_seconds "$l")" "$(field overlap "$l")" \
        "$(field hash "$l")"
    report_row snapshots "$CASE: $label" "$(printf '%.3f' "$t")" "" "s" \
        "$(awk -v a="$t" -v b="$tb" 'BEGIN{printf "%.2f", a/b}')x the baseline; io_seconds=$(field io_seconds "$l") stall_seconds=$(field stall_seconds "$l") overlap=$(field overlap "$l")"
}
report "bits, every 20" --snapshot-every 20
report "bits, every 20, lz4" --snapshot-every 20 --compress lz4
report "bits, every generation" --snapshot-every 1
report "populations only (first+last frame)" --snapshot-every 0
[ "${SKIP_CHECKSUM:-0}" = 1 ] || checksum_cost
