#!/usr/bin/env bash
# gpu-check.sh — the one-shot check of corun on a GPU machine, run from the
# bundle that scripts/gpu-bundle.sh makes (which holds a copy). In one command
# of at most 8 minutes it records what a short loan of a GPU can tell:
#
#   1. the machine: nvidia-smi, corun info, glibc, the bundle's manifest;
#   2. the CPU suites of the bundle and an HDF5 snapshot restart (proves the
#      bundle and its libraries run on that machine);
#   3. every gpu-labelled suite (Life, Fibonacci and CSV against the serial
#      and CPU results, the feature self-test);
#   4. cuda against omp, timed, hashes compared: Life dense at 16384^2 and
#      65536^2 with B3/S23, B36/S23 and B2/S; Life on a settled soup with
#      change tracking on and off; a Fibonacci batch; a CSV split;
#   5. the achieved fraction of the memory-bandwidth bound of docs/CUDA.md
#      (0.25 bytes of DRAM traffic per cell-update);
#   6. the gpu suites again under compute-sanitizer memcheck, racecheck and
#      synccheck, without the tests that are slow there, in the time left.
#
# Every step has a timeout taken from one deadline, so the whole ends in time
# whatever hangs. REPORT_DIR gets report.md (written as the check goes, so a
# killed run still leaves it), results.tsv (one line per step) and logs.tar.gz
# (every step's raw output): three files, since a device run brings back only
# a few. Scratch files (a 600 MB CSV, the soup) go to a temporary folder.
#
# Without a GPU it says "no GPU: <why>", runs steps 1 and 2 and exits 0 if
# they passed.
#
# usage: gpu-check.sh REPORT_DIR
#   env: CORUN_CHECK_BUDGET  seconds for the whole check (default 450)
#        CORUN_CHECK_SMALL=1 tiny sizes, and an emulated device counts as a
#                            GPU: tests this script on a CORUN_CUDA=EMULATE
#                            build's corun (CORUN_CHECK_CORUN=path) in about a minute
# Exit: 0 every step that ran passed (also: no GPU), 1 a step failed or timed
#       out or the backends' hashes differed (the report says which), 2 bad
#       usage or not run from a bundle.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
usage="usage: $0 REPORT_DIR   (run from the folder scripts/gpu-bundle.sh makes)"
[ $# -eq 1 ] || { echo "$usage" >&2; exit 2; }
corun=${CORUN_CHECK_CORUN:-$here/corun}
[ -x "$corun" ] && [ -x "$here/corun_tests" ] && [ -x "$here/run-tests.sh" ] ||
    { echo "gpu-check: $here is not a corun GPU bundle (no corun, corun_tests, run-tests.sh)" >&2
      echo "$usage" >&2; exit 2; }
mkdir -p "$1"
report=$(cd "$1" && pwd -P)
logs=$report/logs
rm -rf "$logs" "$report/logs.tar.gz"
mkdir -p "$logs"
md=$report/report.md
tsv=$report/results.tsv
scratch=$(mktemp -d "${TMPDIR:-/tmp}/corun-gpu-check-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
small=${CORUN_CHECK_SMALL:-0}
start=$(date +%s)
deadline=$((start + ${CORUN_CHECK_BUDGET:-450}))
export CORUN_BIN=$corun CORUN_TEST_DATA=$here/data

say() { printf '%s\n' "$*" | tee -a "$md"; }
# Seconds left before the deadline, less what is kept for later steps: the
# tests and timed runs leave `reserve` seconds to the sanitizer runs.
reserve=0
left() { echo $((deadline - reserve - $(date +%s))); }

# step NAME TIMEOUT CMD...: runs CMD with its output in logs/NAME.log under a
# timeout of TIMEOUT seconds, or of what is left before the deadline if that
# is less; appends NAME, result, exit status and seconds to results.tsv.
# Returns CMD's exit status (124 for a timeout, 125 when no time was left).
step() {
    local name=$1 t=$2 rc=0 t0 t1 l result
    shift 2
    l=$(left)
    if [ "$l" -lt 5 ]; then
        echo "not run: the check's time was used up" >"$logs/$name.log"
        printf '%s\tnot run (no time left)\t-\t0\n' "$name" >>"$tsv"
        return 125
    fi
    [ "$t" -le "$l" ] || t=$l
    t0=$(date +%s%N)
    timeout -k 5 "$t" "$@" >"$logs/$name.log" 2>&1 || rc=$?
    t1=$(date +%s%N)
    case $rc in
    0) result=ok ;;
    77) result=skipped ;;
    124 | 137) result="TIMEOUT (${t} s)" ;;
    *) result=FAILED ;;
    esac
    printf '%s\t%s\t%s\t%s\n' "$name" "$result" "$rc" "$(((t1 - t0) / 1000000))" >>"$tsv"
    return "$rc"
}
# The last step's line of results.tsv as a Markdown table row.
row() { tail -n 1 "$tsv" | awk -F'\t' '{ printf "| %s | %s | %.1f |\n", $1, $2, $4 / 1000 }' | tee -a "$md"; }

# Ends the check: a verdict, the logs packed; exit 1 if a step failed or
# timed out or two backends disagreed, else 0 (also without a GPU).
finish() {
    local bad notrun
    bad=$(awk -F'\t' '($2 ~ /^(FAILED|TIMEOUT)/) || ($2 == "compare" && $6 != $7 && $6 != "-" && $7 != "-") { print $1 }' "$tsv" | paste -sd' ' -)
    say ""
    if [ -n "$bad" ]; then
        say "**Result: failed, timed out or disagreeing: ${bad}.**"
    else
        say "**Result: every step that ran passed$(grep -q $'\tcompare\t' "$tsv" && echo '; every compared hash is equal').**"
    fi
    notrun=$(awk -F'\t' '$2 ~ /^not run/ { print $1 }' "$tsv" | paste -sd' ' -)
    [ -z "$notrun" ] || say "Not run for lack of time: ${notrun}."
    say "Finished in $(($(date +%s) - start)) s. Raw output of every step: logs.tar.gz (logs/<step>.log)."
    tar -C "$report" -czf "$report/logs.tar.gz" logs && rm -rf "$logs"
    [ -n "$bad" ] || exit 0
    exit 1
}

: >"$tsv"
{
    echo "# corun GPU check"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), $(uname -sr), $(ldd --version 2>&1 | head -n 1)"
    echo
    echo "Bundle: $(sed -n 's/^commit: //p' "$here/MANIFEST.txt" 2>/dev/null || echo '?')," \
        "$(sed -n 's/^nvcc: //p' "$here/MANIFEST.txt" 2>/dev/null || echo '?')," \
        "architectures $(sed -n 's/^cuda architectures: //p' "$here/MANIFEST.txt" 2>/dev/null || echo '?')."
    echo
} | tee "$md"

# ---- 1. the machine ----
say "## Machine"
say ""
smi=""
if command -v nvidia-smi >/dev/null; then
    step nvidia-smi 30 nvidia-smi || true
    smi=$(timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.memory,power.limit \
        --format=csv,noheader 2>/dev/null | head -n 1 || true)
    say "- nvidia-smi: ${smi:-(no answer: logs/nvidia-smi.log)}"
else
    say "- nvidia-smi: not installed"
fi
step corun-info 30 "$corun" info || true
say "- corun info:"
sed 's/^/    /' "$logs/corun-info.log" | tee -a "$md"
cp "$here/MANIFEST.txt" "$logs/manifest.log" 2>/dev/null || true

gpu_line=$(grep -m 1 '^cuda device 0:' "$logs/corun-info.log" || true)
# The CUDA runtime finds the driver's libcuda.so.1 through the loader's usual
# paths. Where nvidia-smi sees a GPU but corun does not find libcuda, look for
# it in the usual driver folders and try once more with that folder.
if [ -z "$gpu_line" ] && [ -n "$smi" ] && grep -q 'libcuda.so not found' "$logs/corun-info.log"; then
    for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 \
        /usr/local/cuda/compat; do
        [ -e "$d/libcuda.so.1" ] || continue
        export LD_LIBRARY_PATH=$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
        step corun-info-libcuda 30 "$corun" info || true
        gpu_line=$(grep -m 1 '^cuda device 0:' "$logs/corun-info-libcuda.log" || true)
        [ -z "$gpu_line" ] || { say "- libcuda.so.1 found only in $d: LD_LIBRARY_PATH set to it"; break; }
    done
fi
if [ -z "$gpu_line" ] || { [ "$small" != 1 ] && [[ $gpu_line == *emulated* ]]; }; then
    why=$(sed -n 's/^cuda devices: none (\(.*\))$/\1/p' "$logs/corun-info.log")
    [ -n "$why" ] || why=$(grep -m 1 '^cuda:' "$logs/corun-info.log" || echo "corun info lists no cuda device")
    say ""
    say "no GPU: ${why}."
    say "(The gpu suites, the timed comparisons and the sanitizer runs need one and were not run.)"
    gpu=0
else
    say ""
    say "GPU: ${gpu_line#cuda device 0: }"
    gpu=1
fi

# ---- 2. the CPU suites ----
say ""
say "## Tests"
say ""
say "| step | result | seconds |"
say "|---|---|---|"
step cpu-suites 90 "$here/run-tests.sh" cpu || true
row
# A snapshot file written and continued from (HDF5 from the bundle) must end
# where one straight run ends.
hdf5_roundtrip() {
    local a b
    "$corun" life --backend omp --size 300x200 --steps 10 --out "$scratch/rt.h5" --quiet &&
        "$corun" life --backend omp --restart "$scratch/rt.h5" --steps 15 --quiet | tee "$scratch/rt1" &&
        "$corun" life --backend omp --size 300x200 --steps 25 --quiet | tee "$scratch/rt2" || return 1
    a=$(grep -o 'hash=[^ ]*' "$scratch/rt1") b=$(grep -o 'hash=[^ ]*' "$scratch/rt2")
    echo "restarted: $a, straight: $b"
    [ -n "$a" ] && [ "$a" = "$b" ]
}
export -f hdf5_roundtrip
export corun scratch
step hdf5-restart 30 bash -c hdf5_roundtrip || true
row
[ "$gpu" = 1 ] || finish

# ---- 3. the gpu suites ----
reserve=150
mapfile -t gpu_suites < <("$here/corun_tests" --list | cut -d: -f1 | sort -u | grep -E '^cuda(_.*)?_gpu$')
for s in "${gpu_suites[@]}"; do
    step "$s" 120 "$here/run-tests.sh" "$s" || true
    row
done

# ---- 4. cuda against omp, timed ----
# field KEY LOG: the value of KEY= in the summary line of a run's log.
field() { grep -o "\b$1=[^ ]*" "$2" | tail -n 1 | cut -d= -f2 || true; }
say ""
say "## cuda against omp"
say ""
say "Each case runs on both backends from the same start; the hashes must be equal."
say "omp uses every core ($(nproc)). Figure of merit: Life cell-updates/s, fib tasks/s, csv MB/s."
say ""
say "| case | omp | cuda | cuda/omp | hash | omp mode / cuda mode |"
say "|---|---|---|---|---|---|"
# compare NAME KEY TIMEOUT ARGS...: one run per backend (ARGS then --backend
# B), a table row with both figures (KEY=), their ratio and the hashes.
compare() {
    local name=$1 key=$2 t=$3 b rc
    shift 3
    local -A fig hash mode
    for b in omp cuda; do
        rc=0
        step "$name-$b" "$t" "$corun" "$@" --backend "$b" || rc=$?
        if [ "$rc" = 0 ]; then
            fig[$b]=$(field "$key" "$logs/$name-$b.log")
            hash[$b]=$(field hash "$logs/$name-$b.log")
            mode[$b]=$(field mode "$logs/$name-$b.log")
        else
            fig[$b]="$(tail -n 1 "$tsv" | cut -f2)"
            hash[$b]="-"
        fi
    done
    local ratio=- same
    if [[ ${fig[omp]} =~ ^[0-9.e+]+$ && ${fig[cuda]} =~ ^[0-9.e+]+$ ]]; then
        ratio=$(awk -v a="${fig[cuda]}" -v b="${fig[omp]}" 'BEGIN { if (b > 0) printf "%.3gx", a / b; else print "-" }')
    fi
    if [ "${hash[omp]}" = - ] || [ "${hash[cuda]}" = - ] || [ -z "${hash[omp]}" ]; then
        same="not compared"
    elif [ "${hash[omp]}" = "${hash[cuda]}" ]; then
        same="equal (${hash[omp]})"
    else
        same="**DIFFERENT** (omp ${hash[omp]}, cuda ${hash[cuda]})"
    fi
    printf '| %s | %s | %s | %s | %s | %s / %s |\n' "$name" "${fig[omp]}" "${fig[cuda]}" "$ratio" "$same" \
        "${mode[omp]:--}" "${mode[cuda]:--}" | tee -a "$md"
    printf '%s\tcompare\t%s\t%s\t%s\t%s\t%s\n' "$name" "${fig[omp]}" "${fig[cuda]}" "$ratio" "${hash[omp]}" "${hash[cuda]}" >>"$tsv"
}

if [ "$small" = 1 ]; then
    dense=("512x512 60" "1024x640 20"); soup=256x256 settle=1000 soup_steps=300
    fib_n=20000 fib_tasks=4 csv_rows=20000
else
    # 16384^2 (64 MiB for both generations) is near the H100's 50 MB L2;
    # 65536^2 (1 GiB) is DRAM-bound: the bandwidth model's case.
    dense=("16384x16384 1000" "65536x65536 500"); soup=16384x16384 settle=12000 soup_steps=5000
    fib_n=1000000 fib_tasks=64 csv_rows=5000000
fi
for d in "${dense[@]}"; do
    set -- $d
    for rule in B3/S23 B36/S23 B2/S; do
        compare "life-$1-${rule//\//}" cell_updates_per_s 120 life --size "$1" --steps "$2" \
            --rule "$rule" --init random:0.5:1 --quiet
    done
done
# The soup settles on the GPU (fastest), then both backends continue it.
if step soup-settle 90 "$corun" life --backend cuda --size "$soup" --init random:0.5:7 \
    --steps "$settle" --write-rle "$scratch/soup.rle" --quiet; then
    for ss in on off; do
        compare "soup-$soup-skip-stable-$ss" cell_updates_per_s 90 life --size "$soup" \
            --boundary torus --init "$scratch/soup.rle" --steps "$soup_steps" --skip-stable "$ss" --quiet
    done
else
    say "| soup | settling run failed: logs/soup-settle.log | | | | |"
fi
# Fibonacci: cuda runs the linear algorithm (one block per task); omp is
# timed with it too, so the ratio compares like with like.
compare "fib-linear-${fib_n}x${fib_tasks}" tasks_per_s 120 fib --n "$fib_n" --tasks "$fib_tasks" \
    --algo linear --quiet
if step csv-gen 90 "$corun" csv gen --rows "$csv_rows" --seed 1 -o "$scratch/sales.csv"; then
    compare "csv-split-${csv_rows}" MB_per_s 90 csv split "$scratch/sales.csv" --by Country \
        -o "$scratch/split" --force
    rm -rf "$scratch/split"
else
    say "| csv | csv gen failed: logs/csv-gen.log | | | | |"
fi

# ---- 5. the bandwidth bound ----
say ""
say "## Bandwidth bound"
say ""
bus=$(echo "$gpu_line" | sed -n 's/.* \([0-9]*\)-bit bus.*/\1/p')
memclk=$(echo "$smi" | awk -F', ' '{ print $5 }' | grep -o '^[0-9]*' || true)
if [ -n "$bus" ] && [ "$bus" -gt 0 ] && [ -n "$memclk" ]; then
    # Double data rate: two transfers per memory clock on each bus line.
    peak=$(awk -v c="$memclk" -v b="$bus" 'BEGIN { printf "%.4g", 2 * c * 1e6 * b / 8 }')
    say "Peak DRAM bandwidth: 2 x ${memclk} MHz x ${bus} bit / 8 = ${peak} B/s." \
        "docs/CUDA.md's model: 0.25 B of DRAM traffic per cell-update, so the bound is" \
        "$(awk -v p="$peak" 'BEGIN { printf "%.3g", p / 0.25 }') cell-updates/s."
else
    peak=""
    say "Peak DRAM bandwidth unknown (bus width '${bus}', memory clock '${memclk}' MHz): fractions below use the doc's 3.0e12 B/s."
fi
say ""
say "| case | cuda cell-updates/s | DRAM B/s at 0.25 B/cell | fraction of peak | fraction of 1.2e13 (doc, 3.0 TB/s) |"
say "|---|---|---|---|---|"
awk -F'\t' -v peak="${peak:-3.0e12}" '$2 == "compare" && $1 ~ /^life-|^soup-/ && $4 ~ /^[0-9.e+]+$/ {
    bw = $4 * 0.25
    printf "| %s | %s | %.3g | %.1f %% | %.1f %% |\n", $1, $4, bw, 100 * bw / peak, 100 * $4 / 1.2e13 }' \
    "$tsv" | tee -a "$md"
say ""
say "(Grids that fit in L2 and settled soups can exceed the DRAM bound; the 65536x65536 rows are the model's case.)"

# ---- 6. compute-sanitizer ----
say ""
say "## compute-sanitizer"
say ""
san=$(command -v compute-sanitizer || true)
for c in /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda/compute-sanitizer/compute-sanitizer \
    /opt/nvidia/compute-sanitizer/compute-sanitizer; do
    [ -n "$san" ] || [ ! -x "$c" ] || san=$c
done
if [ -z "$san" ]; then
    say "compute-sanitizer not found (PATH, /usr/local/cuda): not run."
    finish
fi
# The gpu suites' tests without the slow ones (4 x F(10^6) alone would take
# minutes under memcheck); the test names come from corun_tests --list.
mapfile -t san_tests < <("$here/corun_tests" --list | grep -E '^cuda(_.*)?_gpu:' | grep -v -e 'F(10^6)')
say "$("$san" --version 2>&1 | grep -m 1 -i version || echo "$san"); ${#san_tests[@]} tests of the gpu suites (no F(10^6))."
say ""
say "| tool | result | seconds | errors reported |"
say "|---|---|---|---|"
reserve=0
# What is left, shared out: memcheck (global memory, the likeliest bugs)
# gets the largest part; each tool also gets what the one before left over.
tools=(memcheck racecheck synccheck)
weights=(45 55 100)   # percent of what is left when the tool starts
for i in "${!tools[@]}"; do
    tool=${tools[$i]}
    share=$(($(left) * ${weights[$i]} / 100))
    step "sanitizer-$tool" "$share" "$san" --tool "$tool" --error-exitcode 99 --target-processes all \
        "$here/corun_tests" "${san_tests[@]}" || true
    errs=$({ grep -o 'ERROR SUMMARY: [0-9]* error' "$logs/sanitizer-$tool.log" || true; } |
        awk '{ n += $3 } END { print n + 0 }')
    tail -n 1 "$tsv" | awk -F'\t' -v t="$tool" -v e="$errs" '{ printf "| %s | %s | %.1f | %s |\n", t, $2, $4 / 1000, e }' | tee -a "$md"
    # An error the exit status did not show (a child process's) still fails.
    [ "$errs" = 0 ] || [ "$(tail -n 1 "$tsv" | cut -f2)" = FAILED ] ||
        printf 'sanitizer-%s\tFAILED (%s errors reported)\t-\t0\n' "$tool" "$errs" >>"$tsv"
done
finish
