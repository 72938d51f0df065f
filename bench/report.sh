#!/usr/bin/env bash
# report.sh — every benchmark figure the docs quote, against the same peers,
# in one run, written as the Markdown tables the docs include.
#
#   bench/report.sh [--quick|--full] [BUILD_DIR]      (default --quick, build)
#
# --quick  smaller cases, one run each: under 3 minutes on a 2-core machine;
#          for checking that the figures still hold, not for publishing them
# --full   the cases the docs quote, best and median of several runs each
#          (about 25 minutes on an idle 2-core machine, 45 under a load average
#          of 5-10; runs unattended)
#
# It runs the bench/*.sh scripts (each measures corun and its peers in the same
# run: bgolly for Life, the seed programs bench/*_seed.py, GMP's references in
# bench/fib_ref.c, gawk, DuckDB and cp for CSV, the run without snapshots for
# snapshots), the aio and population-count programs, `corun bench` and, where
# they are built, the MPI and CUDA-emulator cases. A peer that is not installed
# is reported as "not installed" in its table; a case that fails is reported
# as failed, and the other cases still run.
#
# Writes docs/figures/TOPIC.md (life, snapshots, whole_run, fib, csv, aio, mpi,
# cuda, bench, headline), each headed by the machine (CPU model, cores, the
# clock measured by bench/clock.c, load average), the date and the commit, and
# replaces every block between `<!-- figures:TOPIC -->` and
# `<!-- /figures:TOPIC -->` in README.md and docs/*.md with that table.
#   env: FIGURES_DIR  where the tables go (default docs/figures)
#        NO_DOC_UPDATE=1  write the tables only, leave README.md and docs/ alone
#        EMU_BUILD    a -DCORUN_CUDA=EMULATE build for the emulator's figure
#                     (default build-cuda-emu, skipped if absent)
#        DUCKDB_DIR   where `npm i @duckdb/node-api` was run (default /tmp/duckdb-node)
# The machine should be otherwise idle: the header records the load average
# before and after so that a reader can tell.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODE=quick
BUILD=build
for a in "$@"; do
    case $a in
        --quick) MODE=quick ;;
        --full) MODE=full ;;
        -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
        -*) echo "report.sh: unknown option '$a' (--quick or --full)" >&2; exit 2 ;;
        *) BUILD=$a ;;
    esac
done
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
CORUN=$BUILD/corun
[ -x "$CORUN" ] || { echo "report.sh: $CORUN not found (build first: cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2)" >&2; exit 2; }
FIGURES=${FIGURES_DIR:-$ROOT/docs/figures}
EMU=${EMU_BUILD:-$ROOT/build-cuda-emu}
[[ $EMU = /* ]] || EMU=$ROOT/$EMU
mkdir -p "$FIGURES"
TMP=$(mktemp -d /tmp/corun-report-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export CORUN_REPORT_TSV=$TMP/rows.tsv
: >"$CORUN_REPORT_TSV"
. "$ROOT/bench/report_row.sh"
START=$(date +%s)
START_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the machine: CPU, cores, the clock each core runs at now ----
CLOCK=$TMP/clock
cc -O1 -o "$CLOCK" "$ROOT/bench/clock.c" 2>/dev/null || CLOCK=
clocks() {
    [ -n "$CLOCK" ] || { echo "not measured (bench/clock.c did not build)"; return; }
    local c out=""
    for c in $(seq 0 $(($(nproc) - 1))); do
        out="$out $(taskset -c "$c" "$CLOCK" 2>/dev/null | sed -n 's/^clock_ghz=//p')"
    done
    echo "${out# }" | sed 's/ /, /g'
}
CLOCK_BEFORE=$(clocks)

# step NAME command...: one case of the report, its output kept in the log;
# a failure becomes a row of NAME's table instead of ending the report.
LOGS=$TMP/logs
mkdir -p "$LOGS"
step() {
    local name=$1; shift
    local t0; t0=$(date +%s)
    printf 'report: %-10s %s\n' "$name" "$*" >&2
    if ! "$@" >"$LOGS/$name.log" 2>&1; then
        report_row "$name" "failed (exit $?): $*" "-" "" "" "$(tail -n 1 "$LOGS/$name.log" | tr '\t' ' ')"
    fi
    printf 'report: %-10s done in %s s\n' "$name" "$(($(date +%s) - t0))" >&2
}
has() { command -v "$1" >/dev/null 2>&1; }

# ---- Life (omp) against bgolly ----
if [ $MODE = quick ]; then
    step life env QUICK=1 REPEAT=1 sh "$ROOT/bench/life_bench.sh" "$BUILD"
else
    step life env REPEAT=5 sh "$ROOT/bench/life_bench.sh" "$BUILD"
fi

# ---- population counts as the kernels write ----
COUNTED=$BUILD/bench/life/corun_counted_bench
counted() { # counted SIZE STEPS REPEAT: rows from corun_counted_bench's key=value lines
    "$COUNTED" "$@" | tee "$TMP/counted.out" | awk -F' ' -v sz="$1" '/^threads=/ {
        for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        printf "life_counted\t%s², %s threads, %s, %s\t%s\t\tx uncounted\t`mode=%s` %s s -> %s s\n",
            sz, v["threads"], v["simd"], v["case"], v["ratio"], v["mode"], v["plain"], v["counted"] }' \
        >>"$CORUN_REPORT_TSV"
}
if [ $MODE = quick ]; then
    report_row life_counted "every mode, 16384² and 2048²" "-" "" "" "measured by --full only"
elif [ -x "$COUNTED" ]; then
    step life_counted counted 16384 60 5 avx512
    step life_counted counted 2048 1000 5 avx512
else
    report_row life_counted "corun_counted_bench" "-" "" "" "not built ($COUNTED)"
fi

# ---- snapshots against the run without them ----
if [ $MODE = quick ]; then
    step snapshots env SIZE=4096x4096 STEPS=100 REPEAT=1 SKIP_CHECKSUM=1 sh "$ROOT/bench/snapshot_bench.sh" "$BUILD" "$TMP"
else
    step snapshots env REPEAT=3 sh "$ROOT/bench/snapshot_bench.sh" "$BUILD" "$TMP"
fi

# ---- whole runs: set-up, wall time, memory ----
if [ -x /usr/bin/time ]; then
    if [ $MODE = quick ]; then
        step whole_run env SIZES="16384x16384:20" REPEAT=1 sh "$ROOT/bench/life_whole_run.sh" "$BUILD"
    else
        step whole_run env REPEAT=3 sh "$ROOT/bench/life_whole_run.sh" "$BUILD"
        # 4*10^10 cells need about 10 GB: only where that much is free.
        if [ "$(awk '/MemAvailable/ {print int($2 / 1048576)}' /proc/meminfo)" -ge 14 ]; then
            step whole_run env SIZES="200000x200000:10" REPEAT=1 sh "$ROOT/bench/life_whole_run.sh" "$BUILD"
        else
            report_row whole_run "200000x200000, 10 steps" "-" "" "" "not run: needs 14 GB of free memory"
        fi
    fi
else
    report_row whole_run "whole runs" "-" "" "" "not run: /usr/bin/time not installed (apt-get install time)"
fi

# ---- Fibonacci against the seed and GMP ----
if "$CORUN" info 2>/dev/null | grep -q '^big integers: gmp'; then
    if [ $MODE = quick ]; then
        step fib env REPEAT=1 SKIP_BIG=1 SEED_N=300000 CORE_CHECK=0 bash "$ROOT/bench/fib_bench.sh" "$BUILD"
    else
        step fib env REPEAT=5 BIG_REPEAT=1 bash "$ROOT/bench/fib_bench.sh" "$BUILD"
    fi
else
    report_row fib "corun fib" "-" "" "" "not built (GMP/FLINT not found at configure time)"
fi

# ---- CSV against the seed, gawk, DuckDB and cp ----
if [ $MODE = quick ]; then
    step csv env ROWS=500000 REPEAT=1 DIR="$TMP/csv" bash "$ROOT/bench/csv_bench.sh" "$BUILD"
else
    step csv env ROWS=5000000 REPEAT=5 DIR="$TMP/csv" bash "$ROOT/bench/csv_bench.sh" "$BUILD"
fi

# ---- the aio layer ----
aio_rows() { # the "name value unit ..." lines of corun_aio_bench, tagged with the switch
    awk '/^# corun aio bench: runtime switch/ { sw = $7; sub(",", "", sw); next }
         /^#/ || NF < 2 { next }
         { name = $1; val = $2; $1 = ""; $2 = "";
           if (val == "median") { val = $3; $3 = ""; $0 = "us median," $0; sub(/ us,/, "") }
           sub(/^ +/, ""); gsub(/  +/, " ");
           if (val == "n/a") next;
           printf "aio\t`%s` (%s)\t%s\t\t%s\t\n", name, sw, val, $0 }' >>"$CORUN_REPORT_TSV"
}
if [ $MODE = quick ]; then
    step aio sh -c "'$BUILD/bench/aio/corun_aio_bench' --quick | tee '$TMP/aio.out'"
else
    step aio sh -c "bash '$ROOT/bench/aio/run.sh' | tee '$TMP/aio.out'"
fi
[ -f "$TMP/aio.out" ] && aio_rows <"$TMP/aio.out"

# ---- MPI: 2 ranks against 1 rank of 2 threads ----
if "$CORUN" info 2>/dev/null | grep '^mpi:' | grep -qiv 'off\|not \|none' && has mpirun; then
    if [ $MODE = quick ]; then
        step mpi env SIZE=8192x8192 STEPS=100 REPEAT=1 sh "$ROOT/bench/mpi_life_bench.sh" "$BUILD"
    else
        step mpi env REPEAT=3 sh "$ROOT/bench/mpi_life_bench.sh" "$BUILD"
    fi
else
    report_row mpi "MPI cases" "-" "" "" "not run: $(basename "$BUILD") is not an MPI build or mpirun is not installed"
fi

# ---- the CUDA emulator (the only CUDA figure without a GPU) ----
if "$CORUN" info 2>/dev/null | grep '^cuda devices:' | grep -qv '^cuda devices: none'; then
    report_row cuda "a GPU is visible" "-" "" "" "run scripts/gpu-check.sh for the GPU figures (docs/CUDA.md)"
else
    report_row cuda "real GPU" "-" "" "" "no GPU visible on this machine: no GPU figures"
fi
if [ -x "$EMU/corun" ]; then
    emu() {
        local e o
        e=$("$EMU/corun" life --backend cuda --size 512x512 --steps 8 --quiet | tail -n 1)
        o=$("$CORUN" life --backend omp --size 512x512 --steps 8 --quiet | tail -n 1)
        local he ho r
        he=$(printf '%s\n' "$e" | tr ' ' '\n' | sed -n 's/^hash=//p')
        ho=$(printf '%s\n' "$o" | tr ' ' '\n' | sed -n 's/^hash=//p')
        r=$(printf '%s\n' "$e" | tr ' ' '\n' | sed -n 's/^cell_updates_per_s=//p')
        report_row cuda "CUDA emulator, 512x512, 8 gens ($(basename "$EMU"))" "$(awk -v r="$r" 'BEGIN{printf "%.3g", r}')" "" \
            "cell-updates/s" "$([ "$he" = "$ho" ] && echo "same hash as omp" || echo "hash DIFFERS from omp"); a correctness tool, not a speed figure"
    }
    step cuda emu
else
    report_row cuda "CUDA emulator" "-" "" "" "not built ($EMU: cmake -DCORUN_CUDA=EMULATE)"
fi

# ---- corun bench: the ready quick sweep ----
bench_sweep() {
    "$CORUN" bench --config "$ROOT/configs/bench-quick.ini" --out "$TMP/sweep.csv" --quiet >"$TMP/sweep.txt" 2>&1
    local rc=$?
    cp "$TMP/sweep.txt" "$FIGURES/.sweep.txt"
    return $rc
}
if [ $MODE = full ]; then
    step bench bench_sweep
else
    report_row bench "the quick sweep" "-" "" "" "run by --full only"
fi

END=$(date +%s)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
CLOCK_AFTER=$(clocks)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- src kernels include bench 2>/dev/null || COMMIT="$COMMIT (with local changes)"
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
cat >"$TMP/header.md" <<EOF
Measured by \`bench/report.sh --$MODE\` from $START_DATE, commit $COMMIT:
$CPU, $(nproc) cores, measured clock per core $CLOCK_BEFORE GHz before and $CLOCK_AFTER GHz after
(bench/clock.c: lower than the real clock while other work shares the core), load average $LOAD_BEFORE before and $LOAD_AFTER after, $((END - START)) s in all.
EOF
[ $MODE = full ] || cat >>"$TMP/header.md" <<'EOF'
Quick mode: smaller cases, one run each; `bench/report.sh --full` measures the cases the
docs name, best and median of several runs.
EOF

# ---- the tables ----
/usr/bin/python3 - "$CORUN_REPORT_TSV" "$TMP/header.md" "$FIGURES" "$ROOT" "${NO_DOC_UPDATE:-0}" <<'PY'
import glob, os, re, sys
rows_path, header_path, figures, root, no_docs = sys.argv[1:6]
header = open(header_path).read().strip()
titles = {
    'headline': 'corun against its peers',
    'life': 'Game of Life, omp backend, against Golly (bgolly)',
    'life_counted': 'Population counts: counted over uncounted stepping',
    'snapshots': 'HDF5 snapshots against the run without them',
    'whole_run': 'Whole Life runs: set-up, wall time, memory',
    'fib': 'Fibonacci against the seed and GMP',
    'csv': 'CSV split against the seed, gawk, DuckDB and cp',
    'aio': 'The aio layer',
    'mpi': 'Life under MPI, one node',
    'cuda': 'CUDA',
    'bench': '`corun bench --config configs/bench-quick.ini`',
}
rows = {}
for line in open(rows_path):
    f = line.rstrip('\n').split('\t')
    if len(f) < 6:
        continue
    rows.setdefault(f[0], []).append(f[1:6])

def cell(s):
    return s.replace('|', '\\|')

def ratio(best, unit):
    """'**12x** faster' from ('12.3', 'x faster'); below 1, 'x faster' reads as a speed."""
    try:
        v = float(best)
    except ValueError:
        return best
    if not unit.startswith('x'):
        return f'**{best}** {unit}'
    text = unit[1:].strip()
    if text == 'faster' and v < 1:
        text = 'the speed (slower)'
    num = f'{v:.0f}' if v >= 10 else f'{v:.2g}' if v < 1 else f'{v:.1f}'
    return f'**{num}x** {text}'


def table(topic):
    out = [f'<!-- generated by bench/report.sh; do not edit: run it again -->', '', header, '']
    if topic == 'headline':
        out += ['| task | corun | note |', '|---|---:|---|']
        for case, best, _med, unit, note in rows.get(topic, []):
            out.append(f'| {cell(case)} | {cell(ratio(best, unit))} | {cell(note)} |')
    else:
        out += ['| case | best | median | unit | notes |', '|---|---:|---:|---|---|']
        for case, best, med, unit, note in rows.get(topic, []):
            out.append(f'| {cell(case)} | {best} | {med} | {cell(unit)} | {cell(note)} |')
        if not rows.get(topic):
            out = out[:-2] if topic == 'bench' else out + ['| (no result) | - | | | |']
    if topic == 'bench':
        sweep = os.path.join(figures, '.sweep.txt')
        if os.path.exists(sweep):
            text = open(sweep).read().rstrip()
            os.unlink(sweep)
            out += ['', '```', text, '```']
    return '\n'.join(out) + '\n'

written = {}
for topic in titles:
    text = f'# {titles[topic]}\n\n' + table(topic)
    with open(os.path.join(figures, f'{topic}.md'), 'w') as f:
        f.write(text)
    written[topic] = table(topic)
if no_docs == '1':
    sys.exit(0)
# Replace the marked blocks of README.md and docs/*.md with the new tables.
pat = re.compile(r'(<!-- figures:([a-z_]+) -->\n)(.*?)(<!-- /figures:\2 -->)', re.S)
for path in [os.path.join(root, 'README.md')] + sorted(glob.glob(os.path.join(root, 'docs', '*.md'))):
    old = open(path).read()
    new = pat.sub(lambda m: m.group(1) + written.get(m.group(2), m.group(3)) + m.group(4)
                  if m.group(2) in written else m.group(0), old)
    if new != old:
        with open(path, 'w') as f:
            f.write(new)
        print(f'report: updated {os.path.relpath(path, root)}', file=sys.stderr)
PY
echo "report: $((END - START)) s; tables in ${FIGURES#"$ROOT"/}/ (logs were in $LOGS)" >&2
