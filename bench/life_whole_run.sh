#!/bin/sh
# life_whole_run.sh — a Life run as its user sees it: the whole process's wall
# time and peak RSS (/usr/bin/time -v) next to the stepping loop's seconds=,
# on big random soups, optionally against another corun binary in the same
# run (the baseline must be measured on the same machine, the same minute).
#
# usage: bench/life_whole_run.sh [BUILD_DIR] [BASELINE_CORUN]
#   env: SIZES="65536x65536:100 ..."   WxH:STEPS cases (default below)
#        THREADS=T                     --threads (default 2)
#        REPEAT=R                      runs per case (default 3; best wall shown)
#        MPI_NP=P                      also run each case under mpiexec -np P
#                                      (MPI builds; RSS is then one rank's)
# Prints per case: seconds (stepping), setup_seconds, wall (process), wall /
# seconds, peak RSS and bytes per cell. bench/report.sh runs it (docs/figures/whole_run.md).
set -eu
. "$(dirname "$0")/report_row.sh"

BUILD=${1:-build}
BASE=${2:-}
CORUN=$BUILD/corun
[ -x "$CORUN" ] || { echo "life_whole_run: $CORUN not found" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "life_whole_run: needs /usr/bin/time (Debian package time)" >&2; exit 2; }
SIZES=${SIZES:-"32768x32768:100 65536x65536:100"}
THREADS=${THREADS:-2}
REPEAT=${REPEAT:-3}
TMP=$(mktemp -d /tmp/corun-whole-XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM

field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# one BIN LABEL SIZE STEPS [LAUNCHER...]: the best of REPEAT runs by wall time
one() {
    bin=$1 label=$2 size=$3 steps=$4
    shift 4
    best=""
    r=0
    while [ "$r" -lt "$REPEAT" ]; do
        r=$((r + 1))
        "$@" /usr/bin/time -v -o "$TMP/time" "$bin" life --size "$size" --steps "$steps" \
            --init random:0.5:1 --threads "$THREADS" --quiet >"$TMP/out" 2>"$TMP/err" ||
            { echo "$label $size: failed: $(tail -n 2 "$TMP/err")"; return 0; }
        wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TMP/time" |
            awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time")
        line=$(tail -n 1 "$TMP/out")
        if [ -z "$best" ] || awk "BEGIN { exit !($wall < $best) }"; then
            best=$wall brss=$rss bline=$line
        fi
    done
    sec=$(field seconds "$bline")
    setup=$(field setup_seconds "$bline")
    w=${size%x*} h=${size#*x}
    printf '%-9s %-13s steps=%-4s seconds=%-9s setup=%-9s wall=%-7s wall/seconds=%-6s rss=%.2fGB bytes/cell=%.3f hash=%s\n' \
        "$label" "$size" "$steps" "$sec" "${setup:--}" "$best" \
        "$(awk "BEGIN { printf \"%.2f\", $best / $sec }")" \
        "$(awk "BEGIN { print $brss * 1024 / 1e9 }")" \
        "$(awk "BEGIN { print $brss * 1024 / ($w * $h) }")" "$(field hash "$bline")"
    report_row whole_run "$label $size, $steps steps, --threads $THREADS" "$best" "" "s wall" \
        "seconds=$sec setup_seconds=${setup:--} wall/seconds=$(awk "BEGIN { printf \"%.2f\", $best / $sec }") peak RSS $(awk "BEGIN { printf \"%.2f\", $brss * 1024 / 1e9 }") GB, $(awk "BEGIN { printf \"%.3f\", $brss * 1024 / ($w * $h) }") bytes/cell"
}

echo "# $(uname -n) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, threads=$THREADS, best of $REPEAT by wall"
for c in $SIZES; do
    size=${c%:*} steps=${c#*:}
    one "$CORUN" corun "$size" "$steps"
    [ -z "$BASE" ] || one "$BASE" baseline "$size" "$steps"
    if [ -n "${MPI_NP:-}" ]; then
        one "$CORUN" "mpi-np$MPI_NP" "$size" "$steps" mpiexec --allow-run-as-root --oversubscribe -np "$MPI_NP"
    fi
done
