#!/bin/sh
# mpi_life_bench.sh — Life under MPI on one node: the same run as 2 ranks x 1
# thread (mpirun, one slab each, halo exchange) and as 1 rank x 2 threads
# (one process, no MPI), with the ratio of their rates (the project's goal:
# 2 ranks reach at least 0.9 of 1 rank x 2 threads), and the per-generation
# figures docs/MPI.md's weak-scaling model starts from.
#
# usage: bench/mpi_life_bench.sh [BUILD_DIR]          (default: build)
#   env: SIZE=WxH      grid (default 16384x16384)
#        STEPS=N       generations (default 200)
#        REPEAT=R      runs per case (default 3): best and median are shown,
#                      since other work on a shared machine moves single runs
#        MPIRUN=...    launcher (default: mpirun; as root it needs
#                      OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1,
#                      which this script sets)
# Times are the `seconds=` of corun's summary line: the stepping loop, without
# set-up (random fill) and the final hash. Both cases must print the same hash.
set -eu
. "$(dirname "$0")/report_row.sh"

BUILD=${1:-build}
CORUN=$BUILD/corun
[ -x "$CORUN" ] || { echo "mpi_life_bench: $CORUN not found (build first)" >&2; exit 2; }
MPIRUN=${MPIRUN:-mpirun}
command -v "$MPIRUN" >/dev/null || { echo "mpi_life_bench: no $MPIRUN (apt-get install openmpi-bin)" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
SIZE=${SIZE:-16384x16384}
STEPS=${STEPS:-200}
REPEAT=${REPEAT:-3}
ARGS="life --backend omp --size $SIZE --steps $STEPS --init random:0.5:1 --quiet"

field() { # field NAME LINE
    printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

best_median() { # best_median VALUES...: "best median" (smallest seconds first)
    printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{printf "%s %s", a[1], a[int((NR+1)/2)]}'
}

one() { # one LABEL RUN command...: one run; appends its seconds to SECS_<tag>
    label=$1; i=$2; shift 2
    LINE=$("$@" | grep '^backend=' | tail -n 1)
    printf '  %-28s run %d: %8.3f s  %s\n' "$label" "$i" "$(field seconds "$LINE")" \
        "$(printf '%s\n' "$LINE" | tr ' ' '\n' | grep -E '^(mode|hash|halo|halo_overlap|halo_seconds|wait_seconds)=' | tr '\n' ' ')"
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cpus"
echo "mpi: $("$MPIRUN" --version 2>/dev/null | head -n 1)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "run: corun $ARGS"
echo

# The cases take turns (A B C A B C ...), so that other work on the machine
# hits them alike.
S1=""; S2=""; S3=""
i=1
while [ "$i" -le "$REPEAT" ]; do
    one "1 rank x 2 threads" $i env OMP_NUM_THREADS=2 "$CORUN" $ARGS --threads 2
    S1="$S1 $(field seconds "$LINE")"; HASH1=$(field hash "$LINE")
    one "2 ranks x 1 thread" $i env OMP_NUM_THREADS=1 "$MPIRUN" -np 2 --bind-to core "$CORUN" $ARGS --threads 1
    S2="$S2 $(field seconds "$LINE")"; HASH2=$(field hash "$LINE")
    HS=$(field halo_seconds "$LINE"); WS=$(field wait_seconds "$LINE"); SL=$(field seconds "$LINE")
    D=$(field halo "$LINE")
    one "2 ranks x 1, halo-overlap" $i env OMP_NUM_THREADS=1 "$MPIRUN" -np 2 --bind-to core "$CORUN" $ARGS --threads 1 --halo-overlap on
    S3="$S3 $(field seconds "$LINE")"; HASH3=$(field hash "$LINE")
    i=$((i + 1))
done
BM1=$(best_median $S1); BM2=$(best_median $S2); BM3=$(best_median $S3)
# The exchange cost alone: an empty grid (change tracking skips all compute),
# the same slabs and halo depth, so what is left is (edge rows +) messages.
EMPTY="life --backend omp --size $SIZE --steps 8000 --init random:0:1 --quiet --threads 1"
ELINE=$(env OMP_NUM_THREADS=1 "$MPIRUN" -np 2 --bind-to core "$CORUN" $EMPTY | grep '^backend=')
OLINE=$(env OMP_NUM_THREADS=1 "$MPIRUN" -np 2 --bind-to core "$CORUN" $EMPTY --halo-overlap on | grep '^backend=')
echo

set -- $BM1; B1=$1; M1=$2
set -- $BM2; B2=$1; M2=$2
set -- $BM3; B3=$1; M3=$2
echo "1 rank x 2 threads             : best $B1 s, median $M1 s   hash $HASH1"
echo "2 ranks x 1 thread             : best $B2 s, median $M2 s   hash $HASH2"
echo "2 ranks x 1 thread, overlap on : best $B3 s, median $M3 s   hash $HASH3"
[ "$HASH1" = "$HASH2" ] && [ "$HASH1" = "$HASH3" ] || { echo "HASH MISMATCH" >&2; exit 1; }
awk -v b1="$B1" -v b2="$B2" -v m1="$M1" -v m2="$M2" -v b3="$B3" -v m3="$M3" 'BEGIN {
    printf "ratio (rate of 2x1 / rate of 1x2): best %.3f, median %.3f (target >= 0.9); with overlap: best %.3f, median %.3f\n",
        b1 / b2, m1 / m2, b1 / b3, m1 / m3 }'
awk -v s="$SL" -v h="$HS" -v w="$WS" -v n="$STEPS" -v d="$D" -v size="$SIZE" 'BEGIN {
    printf "last 2-rank run: %.3f ms/generation, of which %.3f ms outside the node stepping (%.3f ms blocked in MPI_Waitall); halo %d rows, an exchange every %d generations\n",
        1e3 * s / n, 1e3 * h / n, 1e3 * w / n, d, d }'
CASE="$SIZE, $STEPS gens"
report_row mpi "$CASE: 1 rank x 2 threads" "$B1" "$M1" "s" "hash=$HASH1"
report_row mpi "$CASE: 2 ranks x 1 thread" "$B2" "$M2" "s" \
    "rate 2 ranks / 1 rank: $(awk -v a="$B1" -v b="$B2" 'BEGIN{printf "%.2f", a/b}') best, $(awk -v a="$M1" -v b="$M2" 'BEGIN{printf "%.2f", a/b}') median (goal >= 0.9)"
report_row mpi "$CASE: 2 ranks x 1 thread, --halo-overlap on" "$B3" "$M3" "s" \
    "rate 2 ranks / 1 rank: $(awk -v a="$B1" -v b="$B3" 'BEGIN{printf "%.2f", a/b}') best"
for L in "$ELINE" "$OLINE"; do
report_row mpi "empty grid, halo-overlap $(field halo_overlap "$L"): one exchange" \
    "$(awk -v h="$(field halo_seconds "$L")" -v d="$D" 'BEGIN { printf "%.1f", 1e6 * h / int(8000 / d) }')" "" "us" \
    "of which $(awk -v w="$(field wait_seconds "$L")" -v d="$D" 'BEGIN { printf "%.1f", 1e6 * w / int(8000 / d) }') us in MPI_Waitall; halo $D rows"

awk -v h="$(field halo_seconds "$L")" -v w="$(field wait_seconds "$L")" -v d="$D" -v o="$(field halo_overlap "$L")" 'BEGIN {
    n = int(8000 / d);
    printf "empty grid, overlap %s (exchange cost alone): %.1f us per exchange (%.1f us blocked in MPI_Waitall), %d exchanges\n",
        o, 1e6 * h / n, 1e6 * w / n, n }'
done
