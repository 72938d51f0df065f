#!/usr/bin/env bash
# selftest.sh — the time-limit path, by hand (5-10 min, so not in CI): runs
# life-omp.sbatch on a throw-away one-node Slurm (local-cluster.sh) with a
# 1-minute limit and --signal=USR1@45, so it is Slurm itself that warns corun
# before the limit (CI's ci-stage.sh sends the same signal with scancel); the
# job requeues itself until the run is complete; then the final hash is
# compared with one uninterrupted run.
#
#   scripts/slurm/selftest.sh [BUILD_DIR] [TOTAL]      (root; default build, 600000)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
corun=$build/corun
total=${2:-600000}
[ -x "$corun" ] || { echo "selftest: $corun not built" >&2; exit 2; }
work=$(mktemp -d /tmp/corun-slurm-selftest-XXXXXX)
chmod 755 "$work"
trap '"$here/local-cluster.sh" stop "$work/cluster"' EXIT
conf=$("$here/local-cluster.sh" start "$work/cluster") || exit 1
eval "$conf"
export SLURM_CONF
cd "$work"
id=$(CORUN=$corun CONFIG=$root/configs/demo.ini OUT=$work/run.h5 TOTAL=$total EVERY=5000 \
    CORUN_SLURM_DIR=$here sbatch --parsable --time=00:01:00 --signal=USR1@45 \
    --output="$work/job-%j.out" "$here/life-omp.sbatch")
echo "selftest: job $id, a 1-minute limit, SIGUSR1 45 s before it"
for _ in $(seq 1 120); do  # at most ~10 min
    sleep 5
    [ -z "$(squeue -h -j "$id")" ] && break
done
cat "$work/job-$id.out"
want=$("$corun" life --config "$root/configs/demo.ini" --steps "$total" --out "$work/direct.h5" --force \
    --snapshot-every 5000 --quiet | tr ' ' '\n' | sed -n 's/^hash=//p')
got=$(grep 'hash=' "$work/job-$id.out" | tail -n 1 | tr ' ' '\n' | sed -n 's/^hash=//p')
legs=$(grep -c '^life-chain: job .* leg ' "$work/job-$id.out" || true)
echo "selftest: $legs legs; chained hash $got, uninterrupted $want"
[ "$legs" -ge 2 ] || { echo "selftest: the first leg was not interrupted" >&2; exit 1; }
[ "$got" = "$want" ] || { echo "selftest: MISMATCH" >&2; exit 1; }
echo "selftest: ok ($work)"
