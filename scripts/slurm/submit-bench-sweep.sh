#!/usr/bin/env bash
# submit-bench-sweep.sh — submits a thread-scaling sweep: bench-sweep.sbatch
# as an array with one task per thread count of THREADS, and
# bench-collect.sbatch after it (--dependency=afterok), which writes
# SWEEP_DIR/bench.csv. Prints the two job ids. Extra arguments go to both
# sbatch calls (e.g. --partition=..., --account=...).
#
#   THREADS=1,2,4,8 SIZES=2048x2048 scripts/slurm/submit-bench-sweep.sh [sbatch options...]
#
# Environment: as bench-sweep.sbatch; SWEEP_DIR defaults to
# bench-sweep-<date-time> in $SCRATCH, else in the current folder (it must be
# on a filesystem the nodes share).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export THREADS=${THREADS:-1,2}
export SWEEP_DIR=${SWEEP_DIR:-${SCRATCH:-$PWD}/bench-sweep-$(date -u +%Y%m%d-%H%M%S)}
IFS=, read -r -a tlist <<<"$THREADS"
max=0
for t in "${tlist[@]}"; do [ "$t" -gt "$max" ] && max=$t; done
mkdir -p "$SWEEP_DIR"
array=$(sbatch --parsable --array=0-$((${#tlist[@]} - 1)) --cpus-per-task="$max" "$@" \
    "$here/bench-sweep.sbatch")
array=${array%%;*}
collect=$(sbatch --parsable --dependency=afterok:"$array" "$@" "$here/bench-collect.sbatch")
collect=${collect%%;*}
echo "sweep $array (threads $THREADS), collector $collect -> $SWEEP_DIR/bench.csv"
