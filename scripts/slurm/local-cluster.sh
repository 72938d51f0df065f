#!/usr/bin/env bash
# local-cluster.sh — a throw-away one-node Slurm on this machine, all of its
# state in one folder: its own munged (own key and socket), slurmctld and
# slurmd on non-default ports, so it neither needs nor touches /etc/slurm,
# /etc/munge or a Slurm that is already running. Used by ci-stage.sh (CI) and
# selftest.sh; needs root (slurmd starts jobs as their user) and Debian's
# slurmctld, slurmd and munge.
#
#   conf=$(scripts/slurm/local-cluster.sh start DIR) && eval "$conf"   # conf: export SLURM_CONF=DIR/slurm.conf
#   scripts/slurm/local-cluster.sh stop DIR              # cancels its jobs, stops its daemons
#
# The node advertises one generic resource gpu:1 (a stand-in device node; none
# where mknod is not allowed), so job scripts that ask for --gres=gpu:1 are
# scheduled and see CUDA_VISIBLE_DEVICES=0 (corun's CUDA emulator does the work). start waits (at most 30 s) until the node is idle; on any
# failure it prints why, with the daemons' logs, and exits 1.
# Environment: CORUN_SLURM_PORT (slurmctld's port, default 6917; slurmd uses
# the next one), CORUN_SLURM_NO_GPU=1 (no stand-in GPU), CORUN_SLURM_CRED_EXPIRE (AuthInfo cred_expire, default 10 s
# instead of Slurm's 120: a requeued job waits that long plus 1 s before it
# may start again, and CI should not wait two minutes per requeue).
set -euo pipefail
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

say() { echo "local-cluster: $*" >&2; }

logs() {
    local f
    for f in "$dir"/daemons.out "$dir"/munged.log "$dir"/slurmctld.log "$dir"/slurmd.log; do
        [ -s "$f" ] && { echo "---- $f (last 25 lines)"; tail -n 25 "$f"; } >&2
    done
    return 0
}

# Ends a daemon of ours by the pid it wrote, waiting up to 10 s.
stop_pid() {
    local f=$1 pid
    [ -s "$f" ] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    fi
    rm -f "$f"
}

if [ "$cmd" = stop ]; then
    [ -f "$dir/slurm.conf" ] || exit 0
    export SLURM_CONF=$dir/slurm.conf
    if [ -s "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
        scancel --full --quiet --partition=corun 2>/dev/null || true
        for _ in $(seq 1 40); do   # up to 10 s for the jobs' steps to end
            [ -z "$(squeue -h -p corun 2>/dev/null)" ] && break
            sleep 0.25
        done
    fi
    stop_pid "$dir/slurmd.pid"
    stop_pid "$dir/slurmctld.pid"
    stop_pid "$dir/munged.pid"
    exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

for p in munged slurmctld slurmd sbatch; do
    command -v "$p" >/dev/null || { say "$p is not installed (Debian: slurmctld slurmd munge)"; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { say "needs root: slurmd starts each job as its user"; exit 1; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
chmod 700 "$dir"
mkdir -p "$dir/ctld" "$dir/spool" "$dir/munge"
port=${CORUN_SLURM_PORT:-6917}
host=$(hostname -s)
cpus=$(nproc)

# munge: its own key and socket (munged checks that only its user can write them)
[ -s "$dir/munge/munge.key" ] || dd if=/dev/urandom bs=1 count=1024 of="$dir/munge/munge.key" 2>/dev/null
chmod 400 "$dir/munge/munge.key"
# (the daemons get no stdout/stderr of ours: a pipe held open by a daemon
# would keep whoever reads our output, such as CI's log, waiting)
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/seed" \
    </dev/null >>"$dir/daemons.out" 2>&1 ||
    { say "munged did not start"; logs; exit 1; }

# slurmd drops a GPU without a character device file, and numbers it by the
# file name's digits (CUDA_VISIBLE_DEVICES=0): a copy of /dev/null's node
# stands in for /dev/nvidia0 (no cgroup device fencing: TaskPlugin=task/none)
gres=gpu:1
if [ "${CORUN_SLURM_NO_GPU:-0}" != 1 ] && { [ -c "$dir/nvidia0" ] || mknod "$dir/nvidia0" c 1 3 2>/dev/null; }; then
    echo "NodeName=$host Name=gpu File=$dir/nvidia0" >"$dir/gres.conf"
else
    say "NOTE: no stand-in GPU on the node (CORUN_SLURM_NO_GPU=1, or mknod not allowed: no CAP_MKNOD?)"
    gres=
    : >"$dir/gres.conf"
fi
cat >"$dir/slurm.conf" <<CONF
ClusterName=corun-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=${CORUN_SLURM_CRED_EXPIRE:-10}
SlurmUser=root
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
ReturnToService=2
JobRequeue=1
MinJobAge=300
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
GresTypes=gpu
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus ${gres:+Gres=$gres} State=UNKNOWN
PartitionName=corun Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf

# -i: ignore state saved by an earlier start in the same folder
slurmctld -i -f "$SLURM_CONF" </dev/null >>"$dir/daemons.out" 2>&1 ||
    { say "slurmctld did not start"; logs; exit 1; }
slurmd -f "$SLURM_CONF" </dev/null >>"$dir/daemons.out" 2>&1 || { say "slurmd did not start"; logs; exit 1; }
state=
for _ in $(seq 1 60); do
    state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.5
done
if [ "$state" != idle ]; then
    say "the node did not become idle within 30 s (state: ${state:-no answer from slurmctld})"
    logs
    "$0" stop "$dir"
    exit 1
fi
say "node $host idle: $cpus CPUs, gres ${gres:-none}, partition corun, port $port ($dir)"
echo "export SLURM_CONF=$dir/slurm.conf"
