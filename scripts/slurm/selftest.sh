#!/usr/bin/env bash
# selftest.sh — runs scripts/slurm/life-checkpoint.sbatch on a throw-away
# single-node Slurm on this machine (root; installs slurm-wlm and munge from
# Debian) with a 1-minute limit, so the first job is stopped by Slurm's
# SIGUSR1 and the chain continues with --restart; then checks the chained
# run's final hash against one uninterrupted run. Not part of CI (it starts
# system daemons); docs/CLUSTER.md shows a run.
#
#   scripts/slurm/selftest.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
corun=$root/${1:-build}/corun
[ -x "$corun" ] || { echo "selftest: $corun not built" >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive
command -v slurmctld >/dev/null || apt-get install -y -q --no-install-recommends slurm-wlm munge
host=$(hostname)
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
[ -f /etc/munge/munge.key ] || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
chown munge:munge /etc/munge/munge.key /run/munge; chmod 400 /etc/munge/munge.key
pgrep -x munged >/dev/null || munged --force
if ! pgrep -x slurmctld >/dev/null; then
    cat >/etc/slurm/slurm.conf <<CONF
ClusterName=corun-selftest
SlurmctldHost=$host
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SlurmUser=root
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host CPUs=$(nproc) RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    slurmctld && slurmd && sleep 3
fi
work=$(mktemp -d /tmp/corun-slurm-XXXXXX)
cp "$root/scripts/slurm/life-checkpoint.sbatch" "$work/job.sbatch"
# a 1-minute limit, the warning 45 s before it: the first job is cut short
sed -i 's/^#SBATCH --time=.*/#SBATCH --time=00:01:00/; s/^#SBATCH --signal=.*/#SBATCH --signal=USR1@45/' "$work/job.sbatch"
total=3000000
(cd "$work" && CORUN=$corun CONFIG=$root/configs/demo.ini OUT=$work/run.h5 TOTAL=$total EVERY=5000 \
    sbatch job.sbatch)
for _ in $(seq 1 60); do  # wait for the chain to drain (at most ~5 min)
    sleep 5
    [ -z "$(squeue -h -n corun-life)" ] && break
done
cat "$work"/corun-life-*.out
want=$("$corun" life --config "$root/configs/demo.ini" --steps $total --out "$work/cont.h5" --force \
       --snapshot-every 5000 --quiet | tr ' ' '\n' | sed -n 's/^hash=//p')
got=$(tail -n 1 "$(ls -t "$work"/corun-life-*.out | head -n 1)" | tr ' ' '\n' | sed -n 's/^hash=//p')
jobs=$(ls "$work"/corun-life-*.out | wc -l)
echo "selftest: $jobs jobs; chained hash $got, uninterrupted $want"
[ "$jobs" -ge 2 ] || { echo "selftest: the first job was not interrupted" >&2; exit 1; }
[ "$got" = "$want" ] || { echo "selftest: MISMATCH" >&2; exit 1; }
echo "selftest: ok ($work)"
