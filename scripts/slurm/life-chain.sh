#!/usr/bin/env bash
# life-chain.sh — one leg of a checkpointed `corun life` run inside a Slurm
# batch job; the body of life-omp.sbatch, life-gpu.sbatch and life-mpi.sbatch.
#
#   life-chain.sh LAUNCHER... -- [corun life options...]
#   e.g. life-chain.sh srun --ntasks=1 --cpus-per-task=2 -- --backend omp
#
# The first leg starts the run (CONFIG, --out OUT --force); a leg of a
# requeued job (SLURM_RESTART_COUNT > 0, or CONTINUE=1) whose OUT exists (a
# job requeued before corun created it starts afresh) asks the file how far
# it got (`corun life --restart OUT --steps 0`, run as a one-task job step,
# prints the last frame's generation and appends nothing) and continues with
# --restart for the rest of TOTAL. corun runs as a job step (LAUNCHER is
# srun), so the job's
# `--signal=USR1@N` (no B:) and `scancel --signal=USR1` reach it: it writes a
# final frame and exits 3, and this leg requeues its own job (the job script
# says --requeue) and ends; Slurm starts the job again, which is the next leg.
# The leg that reaches TOTAL prints the summary line and exits 0; a failure
# exits with corun's code. Because the next leg reads the generation from the
# file, a job that Slurm requeues for another reason (node failure) continues
# from the last complete frame too.
#
# The site hook (site.sh: CORUN_SITE, CORUN_MODULES, thread binding) runs first.
# Environment: CORUN (default $SLURM_SUBMIT_DIR/build/corun), CONFIG (the
# first leg's options, default configs/demo.ini), OUT (the snapshot file,
# default corun-life-$SLURM_JOB_ID.h5 in $SCRATCH, else $SLURM_SUBMIT_DIR), TOTAL (generations
# in all, default 100000), EVERY (frame interval, default 1000), CONTINUE=1
# (continue an existing OUT also in the first leg).
set -u
sub=${SLURM_SUBMIT_DIR:-$PWD}
. "$(dirname "${BASH_SOURCE[0]}")/site.sh"
CORUN=${CORUN:-$sub/build/corun}
CONFIG=${CONFIG:-$sub/configs/demo.ini}
OUT=${OUT:-$CORUN_OUT_ROOT/corun-life-${SLURM_JOB_ID:-0}.h5}
TOTAL=${TOTAL:-100000}
EVERY=${EVERY:-1000}
restarts=${SLURM_RESTART_COUNT:-0}

launcher=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do launcher+=("$1"); shift; done
[ $# -gt 0 ] && shift                     # the --
[ ${#launcher[@]} -gt 0 ] || { echo "life-chain: no launcher (srun ...) before --" >&2; exit 2; }
[ -x "$CORUN" ] || { echo "life-chain: $CORUN is not an executable (set CORUN)" >&2; exit 2; }

# value of KEY= in a summary line
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

echo "life-chain: job ${SLURM_JOB_ID:-?} leg $((restarts + 1)) on $(hostname) at $(date -u +%FT%TZ)"
if [ "${CONTINUE:-0}" = 1 ] && [ ! -f "$OUT" ]; then
    echo "life-chain: CONTINUE=1, but $OUT does not exist" >&2
    exit 1
fi
if { [ "$restarts" -gt 0 ] || [ "${CONTINUE:-0}" = 1 ]; } && [ -f "$OUT" ]; then
    # one task of the launcher (srun): a read, whatever the job's task count
    probe=$("${launcher[0]}" --ntasks=1 --nodes=1 --cpus-per-task="${SLURM_CPUS_PER_TASK:-1}" \
        "$CORUN" life --restart "$OUT" --steps 0 --quiet) ||
        { echo "life-chain: cannot read the last frame of $OUT" >&2; exit 1; }
    done_gen=$(field generation "$probe")
    left=$((TOTAL - done_gen))
    echo "life-chain: $OUT holds generation $done_gen of $TOTAL"
    if [ "$left" -le 0 ]; then
        echo "$probe"
        exit 0
    fi
    args=(--restart "$OUT" --steps "$left")
else
    args=(--config "$CONFIG" --out "$OUT" --force --snapshot-every "$EVERY" --steps "$TOTAL")
fi

out=$("${launcher[@]}" "$CORUN" life "${args[@]}" "$@" --quiet)
rc=$?
line=$(printf '%s\n' "$out" | grep 'hash=' | tail -n 1)
echo "$line"
if [ "$rc" -eq 3 ]; then
    echo "life-chain: stopped by a signal at generation $(field generation "$line") of $TOTAL; requeueing job $SLURM_JOB_ID"
    scontrol requeue "$SLURM_JOB_ID" || { echo "life-chain: scontrol requeue failed" >&2; exit 1; }
    exit 0
fi
[ "$rc" -eq 0 ] && echo "life-chain: done: $TOTAL generations in $((restarts + 1)) leg(s)"
exit "$rc"
