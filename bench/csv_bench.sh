#!/usr/bin/env bash
# csv_bench.sh — corun csv split against the seed's program, DuckDB, gawk and
# cp on one generated file, all in the same run (bench/report.sh turns the
# results into docs/figures/csv.md).
#
#   bench/csv_bench.sh [BUILD_DIR]      env: ROWS (5000000), REPEAT (3),
#                                       DIR (/tmp/corun-csv-bench), SEED_RUN (1),
#                                       DUCKDB_DIR (/tmp/duckdb-node: npm i @duckdb/node-api)
# Prints one CSV row per measured run (tool,task,run,seconds,MB_per_s) and a
# best/median table with the ratios. Everything it writes lives in DIR and is
# deleted at the end. The page cache is warmed first, so every tool reads from memory.
set -euo pipefail
BUILD=${1:-build}
[[ $BUILD = /* ]] || BUILD=$(cd "$(dirname "$0")/.." && pwd)/$BUILD
CORUN=$BUILD/corun
ROWS=${ROWS:-5000000}
REPEAT=${REPEAT:-3}
DIR=${DIR:-/tmp/corun-csv-bench}
SEED_RUN=${SEED_RUN:-1}
DUCKDB_DIR=${DUCKDB_DIR:-/tmp/duckdb-node}
HERE=$(cd "$(dirname "$0")" && pwd)
NATIONS=Singapore,Germany,Israel,Norway,Italy,Canada,France,Spain,Mexico
rm -rf "$DIR"; mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT
IN=$DIR/sales.csv
"$CORUN" csv gen --rows "$ROWS" --seed 1 -o "$IN" >&2
BYTES=$(stat -c %s "$IN")
cat "$IN" > /dev/null
RES=$DIR/results.csv
echo "tool,task,run,seconds,MB_per_s" | tee "$RES"
t() { # tool task run command...: time one command
  local tool=$1 task=$2 run=$3; shift 3
  local s e; s=$(date +%s.%N)
  if ! "$@" > /dev/null 2>&1; then echo "# $tool $task: failed: $*" >&2; return 0; fi
  e=$(date +%s.%N)
  local sec; sec=$(echo "$e - $s" | bc -l)
  printf "%s,%s,%d,%.3f,%.1f\n" "$tool" "$task" "$run" "$sec" "$(echo "$BYTES / $sec / 1000000" | bc -l)" | tee -a "$RES"
}
for r in $(seq 1 "$REPEAT"); do
  rm -rf "$DIR/o"; t corun full "$r" "$CORUN" csv split "$IN" --by Country -o "$DIR/o" --threads 2
  rm -rf "$DIR/o"; t corun nine "$r" "$CORUN" csv split "$IN" --by Country --only "$NATIONS" -o "$DIR/o" --threads 2
  rm -rf "$DIR/o"; mkdir "$DIR/o"
  command -v gawk > /dev/null && t gawk full "$r" gawk -F, -v d="$DIR/o" 'NR==1{h=$0;next} {f=d"/"tolower($2)".csv"; if(!(f in s)){print h > f; s[f]=1} print > f}' "$IN"
  t cp copy "$r" cp "$IN" "$DIR/copy.csv"; rm -f "$DIR/copy.csv"
  if [ -d "$DUCKDB_DIR/node_modules/@duckdb/node-api" ]; then
    rm -rf "$DIR/o"
    t duckdb full "$r" node "$HERE/csv_duckdb.mjs" "$DUCKDB_DIR" "$IN" "$DIR/o"
  fi
done
rm -rf "$DIR/o"
if [ "$SEED_RUN" = 1 ]; then
  mkdir -p "$DIR/o"; t seed nine 1 python3 "$HERE/csv_seed.py" "$IN" "$DIR/o"
fi
python3 - "$RES" "$ROWS" "$BYTES" "$DUCKDB_DIR" "$SEED_RUN" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {}
for r in rows:
    by.setdefault((r['tool'], r['task']), []).append(float(r['seconds']))
print('\ntool,task,best_s,median_s,best_MB_per_s')
best = {}
for (tool, task), v in sorted(by.items()):
    best[(tool, task)] = min(v)
    mb = float(rows[0]['MB_per_s']) * float(rows[0]['seconds']) / min(v)
    print(f'{tool},{task},{min(v):.3f},{statistics.median(v):.3f},{mb:.0f}')
c = best.get(('corun', 'full'))
for other in [('duckdb', 'full'), ('gawk', 'full'), ('cp', 'copy')]:
    if c and other in best:
        print(f'ratio {other[0]}/corun (full split): {best[other] / c:.2f}')
if ('seed', 'nine') in best and ('corun', 'nine') in best:
    print(f"ratio seed/corun (9 nations): {best[('seed', 'nine')] / best[('corun', 'nine')]:.0f}")
# Rows for bench/report.sh (bench/report_row.sh's format).
import os, shutil
tsv = os.environ.get('CORUN_REPORT_TSV')
if tsv:
    nrows, nbytes, duck_dir, seed_run = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    f = f'{nrows:,} rows, {nbytes / 1e6:.0f} MB'
    tasks = {'full': f'split by Country (185 files), {f}', 'nine': f"the seed's task: 9 nations, {f}",
             'copy': f'copy, {f}'}
    names = {'corun': 'corun csv split, 2 threads', 'gawk': 'gawk -F, (one file per country)',
             'duckdb': 'DuckDB COPY ... PARTITION_BY, 2 threads', 'cp': 'cp',
             'seed': "the seed's process pool (bench/csv_seed.py)"}
    missing = {'gawk': 'not installed (apt-get install gawk)' if not shutil.which('gawk') else None,
               'duckdb': None if os.path.isdir(f'{duck_dir}/node_modules/@duckdb/node-api')
               else f'not installed (npm i @duckdb/node-api in {duck_dir})',
               'seed': None if seed_run == '1' else 'not run (SEED_RUN=0)'}
    with open(tsv, 'a') as out:
        def x(r):
            return f'{r:.1f}' if r < 10 else f'{r:.0f}'
        def row(topic, case, b, m, unit, note):
            out.write(f'{topic}\t{case}\t{b}\t{m}\t{unit}\t{note}\n')
        for (tool, task), v in sorted(by.items(), key=lambda kv: (kv[0][1], min(kv[1]))):
            note = f'{nbytes / 1e6 / min(v):.0f} MB/s'
            if c and tool != 'corun' and task == 'full' or tool == 'cp':
                note += f'; corun is {min(v) / c:.2f}x faster' if min(v) >= c else f'; {c / min(v):.2f}x faster than corun'
            if tool == 'seed' and ('corun', 'nine') in best:
                note += f"; corun is {min(v) / best[('corun', 'nine')]:.0f}x faster"
            row('csv', f'{tasks[task]}: {names[tool]}', f'{min(v):.3f}', f'{statistics.median(v):.3f}', 's', note)
        for tool, why in missing.items():
            if why:
                row('csv', f'{names[tool]}', '-', '', '', why)
        for tool in ('duckdb', 'gawk'):
            if c and (tool, 'full') in best:
                row('headline', f'CSV, {tasks["full"]}: corun vs {names[tool]}', x(best[(tool, "full")] / c), '', 'x faster', '')
            elif missing.get(tool):
                row('headline', f'CSV split: corun vs {names[tool]}', '-', '', '', missing[tool])
        if ('seed', 'nine') in best and ('corun', 'nine') in best:
            row('headline', f"CSV, {tasks['nine']}: corun vs the seed's Python process pool",
                x(best[('seed', 'nine')] / best[('corun', 'nine')]), '', 'x faster', '')
        if c and ('cp', 'copy') in best:
            row('headline', f'CSV, {tasks["full"]}: corun vs cp of the same file', f'{c / best[("cp", "copy")]:.2f}', '',
                "x cp's time", 'the floor: reading and writing every byte once')
PY
