#!/bin/sh
# life_bench.sh — Game of Life benchmark: corun's omp backend (dense, change
# tracking, temporal blocking, portable SIMD) and Golly's QuickLife (bgolly)
# on the same random soup and torus, in one run, with ratios.
#
# usage: bench/life_bench.sh [BUILD_DIR]      (default: build)
#   env: QUICK=1        shorter runs (a smoke test, numbers are noisier)
#        REPEAT=R       runs per case (default 3): best and median are shown,
#                       because a shared VM's neighbours move single runs by 30%
#        GOLLY_GENS=N   generations for bgolly (default 200: QuickLife on a
#                       dense 2048x2048 soup runs at about 0.05-0.1 G/s here)
# Needs: the corun program built in BUILD_DIR; bgolly (Debian package golly)
# for the Golly rows, skipped with a note if missing. Prints one line per case
# and a summary; the figure of merit is cell_updates_per_s from corun's own
# summary line. bench/report.sh runs it and writes docs/figures/life.md.
set -eu
. "$(dirname "$0")/report_row.sh"

BUILD=${1:-build}
CORUN=$BUILD/corun
[ -x "$CORUN" ] || { echo "life_bench: $CORUN not found (build first: cmake -S . -B $BUILD && cmake --build $BUILD -j2)" >&2; exit 2; }
TMP=$(mktemp -d /tmp/corun-bench-XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM

REPEAT=${REPEAT:-3}
if [ "${QUICK:-0}" = 1 ]; then S1=500; S2=10; S3=4000; GG=${GOLLY_GENS:-50}
else S1=2000; S2=100; S3=20000; GG=${GOLLY_GENS:-200}; fi

field() { # field NAME LINE
    printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

run() { # run LABEL command...: REPEAT runs; reports the best and the median rate
    label=$1; shift
    rates=""
    i=0
    while [ "$i" -lt "$REPEAT" ]; do
        line=$("$@" | tail -n 1)
        rates="$rates $(field cell_updates_per_s "$line")"
        i=$((i + 1))
    done
    best=$(printf '%s\n' $rates | sort -g | tail -n 1)
    median=$(printf '%s\n' $rates | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
    printf '%-46s best %7.1f  median %7.1f G/s  mode=%s threads=%s hash=%s\n' "$label" \
        "$(echo "$best" | awk '{printf "%.1f", $1/1e9}')" \
        "$(echo "$median" | awk '{printf "%.1f", $1/1e9}')" "$(field mode "$line")" \
        "$(field threads "$line")" "$(field hash "$line")"
    LAST_RATE=$best
    LAST_HASH=$(field hash "$line")
    report_row life "$label" "$(echo "$best" | awk '{printf "%.1f", $1/1e9}')" \
        "$(echo "$median" | awk '{printf "%.1f", $1/1e9}')" "G cell-updates/s" \
        "\`mode=$(field mode "$line")\` threads=$(field threads "$line")"
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cpus"
echo "corun: $("$CORUN" --version 2>/dev/null | head -n 1), omp SIMD path: $("$CORUN" info 2>/dev/null | grep -i simd | head -n 1 | tr -s ' ')"
# The core clock, pinned to each core: this VM's host moves it between about
# 2.1 and 2.7 GHz for minutes at a time, and every rate below moves with it.
CLOCK=$TMP/clock
cc -O1 -o "$CLOCK" "$(dirname "$0")/clock.c" 2>/dev/null || CLOCK=
clocks() {
    [ -n "$CLOCK" ] || { echo "core clock: (bench/clock.c did not build)"; return; }
    printf 'core clock %s:' "$1"
    for c in $(seq 0 $(($(nproc) - 1))); do
        printf ' core %s %s GHz' "$c" "$(taskset -c "$c" "$CLOCK" 2>/dev/null | sed -n 's/^clock_ghz=//p')"
    done
    echo
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
clocks before
echo

SOUP="--init random:0.5:1 --rule B3/S23 --boundary torus --quiet"
run "2048x2048 dense, 1 thread, $S1 gens" \
    "$CORUN" life --backend omp --threads 1 --size 2048x2048 --steps $S1 --skip-stable off $SOUP
R_DENSE1=$LAST_RATE
run "2048x2048 dense avx512-autovec, 1 thread" \
    env CORUN_OMP_SIMD=avx512-autovec "$CORUN" life --backend omp --threads 1 --size 2048x2048 --steps $S1 --skip-stable off $SOUP
run "2048x2048 dense avx2, 1 thread" \
    env CORUN_OMP_SIMD=avx2 "$CORUN" life --backend omp --threads 1 --size 2048x2048 --steps $S1 --skip-stable off $SOUP
run "2048x2048 dense portable, 1 thread" \
    env CORUN_OMP_SIMD=portable "$CORUN" life --backend omp --threads 1 --size 2048x2048 --steps $S1 --skip-stable off $SOUP
run "2048x2048 dense, 2 threads" \
    "$CORUN" life --backend omp --threads 2 --size 2048x2048 --steps $S1 --skip-stable off $SOUP
run "16384x16384 dense, 2 threads, $S2 gens" \
    "$CORUN" life --backend omp --threads 2 --size 16384x16384 --steps $S2 --skip-stable off $SOUP
run "16384x16384 dense, 1 thread, $S2 gens" \
    "$CORUN" life --backend omp --threads 1 --size 16384x16384 --steps $S2 --skip-stable off $SOUP
run "2048x2048 change tracking, 1 thread, $S3 gens" \
    "$CORUN" life --backend omp --threads 1 --size 2048x2048 --steps $S3 --skip-stable on $SOUP
run "2048x2048 auto (dense/blocked + tiles), 1 thread, $S3 gens" \
    "$CORUN" life --backend omp --threads 1 --size 2048x2048 --steps $S3 --skip-stable auto $SOUP
R_TILES=$LAST_RATE

echo
if command -v bgolly >/dev/null 2>&1; then
    # The same soup as an RLE with Golly's torus suffix (B3/S23:T2048,2048).
    "$CORUN" life --backend omp --size 2048x2048 --steps 0 $SOUP --write-rle "$TMP/soup.rle" >/dev/null
    run "corun 2048x2048 dense, 1 thread, $GG gens" \
        "$CORUN" life --backend omp --threads 1 --size 2048x2048 --steps $GG --skip-stable off $SOUP
    R_C=$LAST_RATE; H_C=$LAST_HASH
    t0=$(date +%s.%N)
    bgolly -a QuickLife -q -q -m "$GG" -o "$TMP/golly.rle" "$TMP/soup.rle" >/dev/null 2>&1
    t1=$(date +%s.%N)
    R_G=$(awk -v a="$t0" -v b="$t1" -v n="$GG" 'BEGIN{printf "%.4g", 2048*2048*n/(b-a)}')
    # Check Golly computed the same generation: read its output back into corun.
    H_G=$("$CORUN" life --init "$TMP/golly.rle" --size 2048x2048 --boundary torus --steps 0 --quiet | tr ' ' '\n' | sed -n 's/^hash=//p')
    printf '%-44s %10.2f G/s  (wall clock incl. load/save) hash=%s %s\n' "bgolly QuickLife 2048x2048 torus, $GG gens" \
        "$(echo "$R_G" | awk '{printf "%.2f", $1/1e9}')" "$H_G" \
        "$([ "$H_G" = "$H_C" ] && echo "(same as corun)" || echo "(DIFFERS from corun $H_C)")"
    [ "$H_G" = "$H_C" ] && same="same final hash as corun" || same="final hash DIFFERS from corun"
    report_row life "bgolly QuickLife, 2048x2048 torus, $GG gens, 1 thread" \
        "$(echo "$R_G" | awk '{printf "%.2f", $1/1e9}')" "" "G cell-updates/s" "wall clock incl. load/save; $same"
    report_row headline "Life, 2048x2048 soup, 1 thread: corun dense vs Golly's QuickLife (bgolly)" \
        "$(awk -v c="$R_C" -v g="$R_G" 'BEGIN{printf "%.0f", c/g}')" "" "x faster" "$same"
    report_row headline "Life, 2048x2048 soup, 1 thread: corun \`--skip-stable auto\` ($S3 gens) vs bgolly" \
        "$(awk -v t="$R_TILES" -v g="$R_G" 'BEGIN{printf "%.0f", t/g}')" "" "x faster" "bgolly ran a shorter, denser stretch"
    echo
    awk -v c="$R_C" -v g="$R_G" -v t="$R_TILES" 'BEGIN{
        printf "ratio corun dense 1 thread / bgolly QuickLife:        %8.0fx\n", c/g;
        printf "ratio corun change tracking (long run) / bgolly:     %8.0fx (bgolly ran a shorter, denser stretch)\n", t/g;
    }'
else
    echo "bgolly not found (apt-get install golly): Golly rows skipped"
    report_row life "bgolly QuickLife" "-" "" "" "not installed (apt-get install golly)"
    report_row headline "Life vs Golly's QuickLife (bgolly)" "-" "" "" "not installed (apt-get install golly)"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
clocks after
