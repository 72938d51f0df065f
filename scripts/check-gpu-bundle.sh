#!/usr/bin/env bash
# check-gpu-bundle.sh — CI's test of the GPU bundle (docs/CUDA.md, "Running on
# a real GPU") on a machine without a GPU: builds it with scripts/gpu-bundle.sh,
# unpacks its tarball into an unrelated temporary folder and there, with an
# empty environment (env -i: no PATH, no LD_LIBRARY_PATH, no CORUN_*):
#   - runs the bundle's CPU suites (the bundle is relocatable and complete:
#     its programs find their libraries and test data through their own path);
#   - runs gpu-check.sh, which must take its no-GPU path, say "no GPU: ...",
#     leave its report and exit 0;
#   - checks gpu-check.sh's usage errors and corun_tests' test selection.
#
# usage: scripts/check-gpu-bundle.sh [BUILD_DIR]   (default: build-gpu/)
# Exit: 0 passed, 1 failed, 77 no nvcc (skipped: the bundle needs it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-gpu}
fail() { echo "check-gpu-bundle: FAILED: $*" >&2; exit 1; }

rc=0
"$root/scripts/gpu-bundle.sh" "$build" || rc=$?
[ "$rc" = 77 ] && exit 77
[ "$rc" = 0 ] || fail "scripts/gpu-bundle.sh exited $rc"

tmp=$(mktemp -d /tmp/corun-gpu-bundle-check-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
tar -C "$tmp" -xzf "$build/corun-gpu-bundle.tar.gz"
b=$tmp/corun-gpu-bundle
[ -x "$b/corun" ] || fail "the tarball holds no corun-gpu-bundle/corun"
cd /   # nothing may depend on the directory it runs in

echo "-- bundle CPU suites from $b, env -i"
env -i "$b/run-tests.sh" cpu >"$tmp/cpu.log" 2>&1 || { cat "$tmp/cpu.log"; fail "the bundle's CPU suites"; }
grep -A 4 '^Run Summary' "$tmp/cpu.log"

echo "-- corun_tests: SUITE:TEST runs one test; an unknown name is refused"
first=$(env -i "$b/corun_tests" --list | grep -m 1 '^rule:')
env -i "$b/corun_tests" "$first" >"$tmp/one.log" 2>&1 || { cat "$tmp/one.log"; fail "corun_tests '$first'"; }
grep -Eq 'tests +1 +1 +1 +0' "$tmp/one.log" || { cat "$tmp/one.log"; fail "'$first' did not run exactly one test"; }
rc=0
env -i "$b/corun_tests" 'rule:no such test' >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "an unknown test name exited $rc, not 2"

echo "-- gpu-check.sh usage errors"
rc=0
env -i "$b/gpu-check.sh" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "gpu-check.sh without REPORT_DIR exited $rc, not 2"
rc=0
env -i "$root/scripts/gpu-check.sh" "$tmp/not-a-bundle" >"$tmp/nb.log" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q 'not a corun GPU bundle' "$tmp/nb.log" ||
    { cat "$tmp/nb.log"; fail "gpu-check.sh outside a bundle exited $rc, not 2"; }

echo "-- gpu-check.sh from $b, env -i"
rc=0
env -i "$b/gpu-check.sh" "$tmp/report" >"$tmp/check.log" 2>&1 || rc=$?
cat "$tmp/check.log"
[ "$rc" = 0 ] || fail "gpu-check.sh exited $rc"
for f in report.md results.tsv logs.tar.gz; do [ -s "$tmp/report/$f" ] || fail "no $f in the report"; done
if grep -q '^cuda device 0:' <(tar -xzOf "$tmp/report/logs.tar.gz" logs/corun-info.log); then
    echo "(a GPU is visible here: gpu-check.sh ran the whole check)"
else
    grep -q '^no GPU: ' "$tmp/check.log" || fail "gpu-check.sh did not say 'no GPU: ...'"
    grep -q '^no GPU: ' "$tmp/report/report.md" || fail "report.md does not say 'no GPU: ...'"
fi
echo "check-gpu-bundle: passed ($(du -sh "$b" | cut -f1) bundle, $(du -h "$build/corun-gpu-bundle.tar.gz" | cut -f1) tarball)"
