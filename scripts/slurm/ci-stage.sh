#!/usr/bin/env bash
# ci-stage.sh — CI's Slurm stage (scripts/run-tests.sh): starts a one-node
# Slurm on localhost (local-cluster.sh: own munged, slurmctld, slurmd), submits
# the job scripts of scripts/slurm with sbatch, waits for them and checks what
# they produced against direct runs of the same corun:
#   1. corun info in a job step: threads from SLURM_CPUS_PER_TASK, the job id;
#   2. life-omp.sbatch, signalled mid-run (scancel --signal=USR1, what
#      --signal=USR1@N sends): corun writes a final frame and exits 3, the job
#      requeues itself and the second leg finishes with --restart; the final
#      hash and the population of every generation equal a direct run's, and
#      the file's slurm_job_id attribute is the job's id;
#   3. life-gpu.sbatch with --gres=gpu:1 on a stand-in GPU, run by corun's
#      CUDA emulator build (CORUN_CUDA=EMULATE): the cuda backend's hash equals
#      the direct omp run's (skipped without an emulator build);
#   4. life-mpi.sbatch with 2 ranks (srun --mpi=pmix), signalled and requeued
#      like 2.; hash equal to the direct single-process run;
#   5. bench-sweep.sbatch as a 2-task array (threads 1 and 2) and
#      bench-collect.sbatch after it (submit-bench-sweep.sh): one CSV with
#      both thread counts, every row verified, every hash equal to the direct
#      `corun life` run of the same problem.
# The daemons are stopped on every exit (trap); each wait has a deadline, so
# a stuck job fails the stage instead of hanging CI (budget ~3 min on 2 cores).
#
#   scripts/slurm/ci-stage.sh CORUN [CORUN_CUDA_EMULATOR]
#
# Exit codes: 0 all passed, 1 a check failed or the cluster did not start
# (with the daemons' logs), 2 usage, 77 skipped because this machine cannot
# run slurmd at all: not root and no password-less sudo (slurmd must start
# jobs as their user), printed with the reason.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 CORUN [CORUN_CUDA_EMULATOR]" >&2; exit 2; }
corun=$(realpath -m "$1")
corun_gpu=${2:+$(realpath -m "$2")}
[ -x "$corun" ] || { echo "slurm-ci: $corun is not built" >&2; exit 2; }
[ -z "$corun_gpu" ] || [ -x "$corun_gpu" ] || { echo "slurm-ci: $corun_gpu is not built" >&2; exit 2; }

say() { echo "slurm-ci: $*"; }
fail() { echo "slurm-ci: FAIL: $*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
    if sudo -n true 2>/dev/null; then
        exec sudo -n --preserve-env=PATH "$0" "$@"
    fi
    say "SKIPPED: not root and no password-less sudo; slurmd has to run as root to start jobs as their user"
    exit 77
fi

t_start=$(date +%s)
work=$(mktemp -d /tmp/corun-slurm-ci-XXXXXX)
chmod 755 "$work"
cleanup() {
    "$here/local-cluster.sh" stop "$work/cluster" || true
    [ "${CORUN_SLURM_KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# CI itself may run inside a Slurm job: nothing of that job may leak into ours
for v in $(compgen -e | grep -E '^(SLURM|SBATCH|SRUN|SALLOC)_' || true); do unset "$v"; done
conf=$("$here/local-cluster.sh" start "$work/cluster") || fail "the local Slurm did not start (above)"
eval "$conf"
export SLURM_CONF
cd "$work"
export CORUN_SLURM_DIR=$here
# Open MPI refuses root unless told; jobs run as root here (CI), sbatch passes the environment
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
unset OMP_NUM_THREADS SLURM_CPUS_PER_TASK

field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
last_summary() { grep 'hash=' "$1" | tail -n 1; }

# job_state ID: COMPLETED, FAILED, PENDING, ... (kept 300 s after the end: MinJobAge)
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1; }

# wait_jobs SECONDS ID...: until none of the jobs is pending or running
wait_jobs() {
    local limit=$1 end ids
    shift
    ids=$(IFS=,; echo "$*")
    end=$(($(date +%s) + limit))
    while [ -n "$(squeue -h -j "$ids" 2>/dev/null)" ]; do
        [ "$(date +%s)" -lt "$end" ] || { squeue -j "$ids" >&2; fail "jobs $ids not done after $limit s"; }
        sleep 0.5
    done
}

# signal_mid_run ID FILE: once job ID runs and has created FILE (frame 0 is
# written), waits a moment and sends SIGUSR1 to its steps
signal_mid_run() {
    local id=$1 file=$2 end
    end=$(($(date +%s) + 90))
    until [ "$(job_state "$id")" = RUNNING ] && [ -f "$file" ]; do
        [ "$(date +%s)" -lt "$end" ] || fail "job $id did not start within 90 s (state $(job_state "$id"))"
        case $(job_state "$id") in COMPLETED | FAILED | CANCELLED | TIMEOUT)
            fail "job $id ended ($(job_state "$id")) before it could be signalled" ;;
        esac
        sleep 0.2
    done
    sleep 0.5
    scancel --signal=USR1 "$id" ||
        fail "job $id could not be signalled ($(job_state "$id")): did it finish within 0.5 s?"
    say "job $id: SIGUSR1 sent mid-run"
}

# check_chain NAME ID OUT_LOG H5 TOTAL DIRECT_SUMMARY DIRECT_H5 [MIN_LEGS]
check_chain() {
    local name=$1 id=$2 log=$3 h5=$4 total=$5 direct=$6 dh5=$7 legs=${8:-1} line
    [ "$(job_state "$id")" = COMPLETED ] || { cat "$log" >&2; fail "$name: job $id is $(job_state "$id")"; }
    line=$(last_summary "$log")
    [ "$(field generation "$line")" = "$total" ] || { cat "$log" >&2; fail "$name: did not reach generation $total"; }
    [ "$(field hash "$line")" = "$(field hash "$direct")" ] ||
        { cat "$log" >&2; fail "$name: hash $(field hash "$line") != direct run's $(field hash "$direct")"; }
    local n
    n=$(grep -c '^life-chain: job .* leg ' "$log" || true)
    [ "$n" -ge "$legs" ] || { cat "$log" >&2; fail "$name: $n leg(s), expected at least $legs (not interrupted?)"; }
    if [ "$legs" -gt 1 ]; then
        grep -q "requeueing job $id" "$log" || fail "$name: no requeue in $log"
    fi
    # every generation's population, and the provenance job id
    /usr/bin/python3 - "$h5" "$dh5" "$id" <<'PY' || fail "$name: HDF5 check"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
pa, pb = a["population"][:], b["population"][:]
assert len(pa) == len(pb) and np.array_equal(pa, pb), "population series differ"
assert a.attrs["final_generation"] == b.attrs["final_generation"]
jid = a.attrs.get("slurm_job_id", b"")
jid = jid.decode() if isinstance(jid, bytes) else str(jid)
assert jid == sys.argv[3], "slurm_job_id attribute %r, job %s" % (jid, sys.argv[3])
print("slurm-ci:   %d populations equal, slurm_job_id=%s" % (len(pa), jid))
PY
    say "$name: ok: $n leg(s), generation $total, hash $(field hash "$line") = direct run"
}

# ---- on the idle node: corun info as a job step
info=$(srun --cpus-per-task=1 --ntasks=1 "$corun" info)
printf '%s\n' "$info" | grep -q 'threads=1 (default from SLURM_CPUS_PER_TASK)' ||
    { printf '%s\n' "$info" >&2; fail "corun info in a job step: threads not from SLURM_CPUS_PER_TASK"; }
printf '%s\n' "$info" | grep -q '^slurm: job [0-9]' ||
    { printf '%s\n' "$info" >&2; fail "corun info in a job step: no Slurm job"; }
say "corun info in a job step: $(printf '%s\n' "$info" | grep -E '^(openmp|slurm):' | tr '\n' ' ')"

# 2 ranks, if this corun writes snapshots under MPI (a --restart chain needs them)
ranks=2
if ! probe=$(srun --mpi=pmix --ntasks=2 --cpus-per-task=1 "$corun" life --size 64x64 --steps 1 \
    --out "$work/probe.h5" --force --quiet 2>&1); then
    printf '%s\n' "$probe" | grep -q 'under MPI' || { printf '%s\n' "$probe" >&2; fail "2-rank probe run failed"; }
    say "NOTE: this corun writes no snapshots with 2 MPI ranks ($(printf '%s\n' "$probe" | grep -m1 'under MPI'));"
    say "NOTE: life-mpi.sbatch is tested with 1 rank (srun --mpi=pmix, the same chain)"
    ranks=1
fi

# ---- the jobs (the node runs them one or two at a time); the checkpointed
# runs are signalled soon after they start
# (a few seconds of stepping: long enough to be signalled mid-run even
# when the stepper is at its fastest: on a 2-core Zen 5 VM 4096x4096 took
# 0.3 s for 40,000 generations with 2 threads and 0.6 s with 2 MPI ranks,
# too short for the signal 0.5 s after frame 0; 400,000 take 2.3 s and 6 s)
total=400000
every=40000
printf '[life]\nsize = 4096x4096\ninit = random:0.5:7\n' >omp.ini
omp=$(CORUN=$corun CONFIG=$work/omp.ini OUT=$work/omp.h5 TOTAL=$total EVERY=$every \
    sbatch --parsable --cpus-per-task=2 --output="$work/omp-%j.out" "$here/life-omp.sbatch")
say "submitted life-omp.sbatch as job $omp"
signal_mid_run "$omp" "$work/omp.h5"

gpu=
gpu_total=600
if [ -n "$corun_gpu" ]; then
    printf '[life]\nsize = 256x256\ninit = random:0.5:3\n' >gpu.ini
    gres=()
    if ! sinfo -h -o %G | grep -q gpu; then
        say "NOTE: the node has no stand-in GPU (see above): life-gpu.sbatch submitted with --gres=none"
        gres=(--gres=none)
    fi
    gpu=$(CORUN=$corun_gpu CONFIG=$work/gpu.ini OUT=$work/gpu.h5 TOTAL=$gpu_total EVERY=200 \
        sbatch --parsable --cpus-per-task=1 "${gres[@]}" --output="$work/gpu-%j.out" "$here/life-gpu.sbatch")
    say "submitted life-gpu.sbatch as job $gpu (corun's CUDA emulator${gres[*]:+, ${gres[*]}})"
else
    say "life-gpu.sbatch: not run (no CUDA emulator build given)"
fi

mpi=$(CORUN=$corun CONFIG=$work/omp.ini OUT=$work/mpi.h5 TOTAL=$total EVERY=$every \
    sbatch --parsable --nodes=1 --ntasks=$ranks --ntasks-per-node=$ranks --cpus-per-task=1 \
    --output="$work/mpi-%j.out" "$here/life-mpi.sbatch")
say "submitted life-mpi.sbatch as job $mpi ($ranks ranks on the one node)"

bench_line=$(THREADS=1,2 SIZES=512x512 SWEEP_DIR=$work/sweep CORUN=$corun \
    BENCH_OPTS="--workload life --backends omp --life-steps 200 --repeat 2 --warmup 1 --verify-backend omp --min-time 0" \
    "$here/submit-bench-sweep.sh")
sweep=$(echo "$bench_line" | awk '{print $2}')
collect=$(echo "$bench_line" | awk '{print $6}')
say "submitted the bench sweep: $bench_line"
signal_mid_run "$mpi" "$work/mpi.h5"

# ---- direct runs (reference) while the jobs finish
direct=$("$corun" life --config omp.ini --steps $total --out "$work/direct.h5" --force \
    --snapshot-every $every --quiet)
say "direct run: $direct"

wait_jobs 150 "$omp" "$mpi" ${gpu:+"$gpu"} "$sweep" "$collect"

check_chain life-omp "$omp" "$work/omp-$omp.out" "$work/omp.h5" $total "$direct" "$work/direct.h5" 2
grep -q "threads=2 " <(last_summary "$work/omp-$omp.out") || fail "life-omp: not 2 threads (SLURM_CPUS_PER_TASK)"

check_chain life-mpi "$mpi" "$work/mpi-$mpi.out" "$work/mpi.h5" $total "$direct" "$work/direct.h5" 2
[ "$(field ranks "$(last_summary "$work/mpi-$mpi.out")")" = $ranks ] ||
    { cat "$work/mpi-$mpi.out" >&2; fail "life-mpi: not $ranks ranks"; }

if [ -n "$gpu" ]; then
    gdirect=$("$corun" life --config gpu.ini --steps $gpu_total --out "$work/gdirect.h5" --force \
        --snapshot-every 200 --quiet)
    check_chain life-gpu "$gpu" "$work/gpu-$gpu.out" "$work/gpu.h5" $gpu_total "$gdirect" "$work/gdirect.h5"
    [ ${#gres[@]} -gt 0 ] || grep -q '^life-gpu: CUDA_VISIBLE_DEVICES=0$' "$work/gpu-$gpu.out" ||
        fail "life-gpu: Slurm did not set CUDA_VISIBLE_DEVICES=0"
    grep -q 'backend=cuda ' <(last_summary "$work/gpu-$gpu.out") || fail "life-gpu: not the cuda backend"
fi

# ---- the bench CSV
[ "$(job_state "$collect")" = COMPLETED ] || { cat "$work"/corun-bench-*.out >&2 || true
    fail "bench-collect job $collect is $(job_state "$collect")"; }
csv=$work/sweep/bench.csv
bdirect=$("$corun" life --size 512x512 --init random:0.5:1 --steps 200 --skip-stable off --quiet)
/usr/bin/python3 - "$csv" "$(field hash "$bdirect")" <<'PY' || fail "bench CSV check"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert sorted({int(r["threads"]) for r in rows}) == [1, 2], "thread counts %s" % {r["threads"] for r in rows}
assert len(rows) == 4, "%d rows, expected 2 threads x 2 repetitions" % len(rows)
assert all(r["verified"] in ("ok", "ref") for r in rows), "unverified rows"
assert all(r["hash"] == sys.argv[2] for r in rows), "hash differs from the direct run's %s" % sys.argv[2]
print("slurm-ci:   %d rows, threads 1 and 2, hash %s = direct run" % (len(rows), sys.argv[2]))
PY
say "bench sweep: ok ($csv)"
say "all Slurm checks passed in $(($(date +%s) - t_start)) s"
