#!/usr/bin/env bash
# csv_bench.sh — corun csv split against the seed's program, DuckDB, gawk and
# cp on one generated file, all in the same run (docs/CSV.md has results).
#
#   bench/csv_bench.sh [BUILD_DIR]      env: ROWS (5000000), REPEAT (3),
#                                       DIR (/tmp/corun-csv-bench), SEED_RUN (1),
#                                       DUCKDB_DIR (/tmp/duckdb-node: npm i @duckdb/node-api)
# Prints one CSV row per measured run (tool,task,run,seconds,MB_per_s) and a
# best/median table with the ratios. Everything it writes lives in DIR and is
# deleted at the end. The page cache is warmed first (the issue's setting).
set -euo pipefail
BUILD=${1:-build}
CORUN=$(cd "$(dirname "$0")/.." && pwd)/$BUILD/corun
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
python3 - "$RES" <<'PY'
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
PY
