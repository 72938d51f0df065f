#!/usr/bin/env bash
# fib_bench.sh — `corun fib` against its references, measured in the same run,
# each case REPEAT times (best and median), with the ratio to each of the
# project's performance goals (docs/FIB.md, "Performance", has the figures and
# what they mean).
#
#   bench/fib_bench.sh [BUILD_DIR]       (default: build)
#   REPEAT=5 BIG_REPEAT=1 SKIP_BIG=0 SKIP_SEED=0 bench/fib_bench.sh build-fib
#
# Cases (the references are bench/fib_seed.py, a copy of the seed's fib.py,
# and bench/fib_ref.c, compiled here against GMP):
#   seed    the seed's process pool, 2 x F(SEED_N=10^6), printing  vs corun fib --digits
#           (doubling: target >= 100x; linear: >= 10x); whole-process wall time
#   add     one linear F(10^6) on one thread vs the plain mpz_add loop (>= 2.5x)
#   fib1e8  doubling F(10^8), 2 threads, compute only vs mpz_fib_ui (>= 1.7x)
#   dec1e9  decimal string of F(10^9), 2 threads vs mpz_get_str (<= 0.6x)
#           (BIG_REPEAT times: each repeat takes a minute or two)
# Results also go to $BUILD/fib_bench.csv (case,what,run,seconds).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/report_row.sh"
SEED_N=${SEED_N:-1000000}   # the seed's n; smaller in bench/report.sh --quick
BUILD=${1:-$ROOT/build}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
COR=$BUILD/corun
REPEAT=${REPEAT:-3}
BIG_REPEAT=${BIG_REPEAT:-1}
THREADS=${THREADS:-2}
[ -x "$COR" ] || { echo "fib_bench: $COR not found (build first)" >&2; exit 2; }
REF=$BUILD/fib_ref
cc -O2 -o "$REF" "$ROOT/bench/fib_ref.c" -lgmp
CSV=$BUILD/fib_bench.csv
echo "case,what,run,seconds" >"$CSV"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

now() { date +%s.%N; }
# key=value from a file (the last match)
val() { grep -o "$2=[0-9.e+-]*" "$1" | tail -1 | cut -d= -f2; }
# best and median of the numbers on stdin
stats() { sort -g | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2;
                                          printf "%.4f %.4f\n", v[1], m}'; }
record() { echo "$1,$2,$3,$4" >>"$CSV"; echo "$4" >>"$TMP/$1.$2"; }
summary() { stats <"$TMP/$1.$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

echo "fib_bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), REPEAT=$REPEAT, $COR"
echo "simd: $("$COR" info 2>/dev/null | grep -i simd | head -1)"
# The cores of a VM need not be equally fast (another tenant on a sibling
# hyperthread): a 2-thread run goes at the pace of the slower one, while a
# 1-thread reference may land on the faster. Show each core's speed.
core_check() {   # CORE_CHECK=0 skips it (bench/report.sh --quick)
    [ "${CORE_CHECK:-1}" = 1 ] && command -v taskset >/dev/null || return 0
    for c in $(seq 0 $(($(nproc) - 1))); do
        printf 'core %s: mpz_fib_ui(10^8) %s s (%s)\n' "$c" \
            "$(taskset -c "$c" "$REF" fibui 100000000 | grep -o 'mpz_fib_ui_seconds=[0-9.]*' | cut -d= -f2)" "$1"
    done
}
core_check "before"

# ---- seed: 2 x F(10^6) with decimal output ----
if [ "${SKIP_SEED:-0}" != 1 ] && command -v python3 >/dev/null; then
    for r in $(seq "$REPEAT"); do
        t0=$(now); python3 "$ROOT/bench/fib_seed.py" "$SEED_N" >"$TMP/seed.out"; t1=$(now)
        record seed python_pool_print "$r" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')"
        t0=$(now); "$COR" fib --n "$SEED_N" --digits --quiet --threads "$THREADS" >"$TMP/c.out"; t1=$(now)
        record seed corun_doubling "$r" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')"
        t0=$(now); "$COR" fib --n "$SEED_N" --digits --quiet --threads "$THREADS" --algo linear >"$TMP/l.out"; t1=$(now)
        record seed corun_linear "$r" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')"
    done
    # The same numbers: the seed printed them, corun printed them.
    first_big() { awk 'length($0) > 1000 && /^[0-9]+$/ {print; exit}' "$1" | md5sum | cut -c1-12; }
    py=$(first_big "$TMP/seed.out")
    co=$(first_big "$TMP/c.out")
    [ "$py" = "$co" ] && same=yes || same=NO
    read -r sb sm < <(summary seed python_pool_print)
    read -r db dm < <(summary seed corun_doubling)
    read -r lb lm < <(summary seed corun_linear)
    echo "seed 2 x F(10^6) printed: python pool best $sb s (median $sm); same digits: $same"
    echo "  corun doubling best $db s (median $dm): $(ratio "$sb" "$db")x faster (median $(ratio "$sm" "$dm")x; target >= 100x)"
    echo "  corun linear   best $lb s (median $lm): $(ratio "$sb" "$lb")x faster (median $(ratio "$sm" "$lm")x; target >= 10x)"
    SC="2 x F($SEED_N), printed"
    report_row fib "$SC: the seed's process pool (bench/fib_seed.py)" "$sb" "$sm" "s" "same digits as corun: $same"
    report_row fib "$SC: corun, doubling (default), $THREADS threads" "$db" "$dm" "s" "speed-up over the seed $(ratio "$sb" "$db")x (goal >= 100x at 10^6)"
    report_row fib "$SC: corun, --algo linear, $THREADS threads" "$lb" "$lm" "s" "speed-up over the seed $(ratio "$sb" "$lb")x (goal >= 10x at 10^6)"
    report_row headline "Fibonacci, the seed's task ($SC): corun vs the seed's Python process pool" "$(ratio "$sb" "$db")" "" "x faster" "same digits: $same"
fi

# ---- linear per task vs the mpz_add loop ----
for r in $(seq "$REPEAT"); do
    "$REF" add 1000000 >"$TMP/a.out"
    record add mpz_add "$r" "$(val "$TMP/a.out" mpz_add_seconds)"
    "$COR" fib --algo linear --n 1000000 --tasks 1 --threads 1 --quiet >"$TMP/a.out"
    record add corun_linear_1t "$r" "$(grep -o 'task=0 .*' "$TMP/a.out" | grep -o ' seconds=[0-9.]*' | cut -d= -f2)"
done
read -r ab am < <(summary add mpz_add)
read -r cb cm < <(summary add corun_linear_1t)
echo "F(10^6) one task, one thread: mpz_add loop best $ab s (median $am), corun linear best $cb s (median $cm):"
echo "  $(ratio "$ab" "$cb")x faster (median $(ratio "$am" "$cm")x; target >= 2.5x)"
report_row fib "F(10^6), one task, 1 thread: GMP mpz_add loop (bench/fib_ref.c)" "$ab" "$am" "s" ""
report_row fib "F(10^6), one task, 1 thread: corun --algo linear" "$cb" "$cm" "s" "speed-up over mpz_add $(ratio "$ab" "$cb")x (goal >= 2.5x)"

# ---- doubling F(10^8) on 2 threads vs mpz_fib_ui ----
for r in $(seq "$REPEAT"); do
    "$REF" fibui 100000000 >"$TMP/f.out"
    record fib1e8 mpz_fib_ui "$r" "$(val "$TMP/f.out" mpz_fib_ui_seconds)"
    "$COR" fib --n 1e8 --tasks 1 --threads "$THREADS" --quiet >"$TMP/f.out"
    record fib1e8 corun_doubling "$r" "$(grep -o 'task=0 .*' "$TMP/f.out" | grep -o ' seconds=[0-9.]*' | cut -d= -f2)"
    # One thread too: on a loaded machine this shows how much of the second
    # core the 2-thread run actually got.
    "$COR" fib --n 1e8 --tasks 1 --threads 1 --quiet >"$TMP/f.out"
    record fib1e8 corun_doubling_1t "$r" "$(grep -o 'task=0 .*' "$TMP/f.out" | grep -o ' seconds=[0-9.]*' | cut -d= -f2)"
done
read -r fb fm < <(summary fib1e8 mpz_fib_ui)
read -r db dm < <(summary fib1e8 corun_doubling)
echo "F(10^8) compute: mpz_fib_ui best $fb s (median $fm), corun doubling $THREADS threads best $db s (median $dm):"
echo "  $(ratio "$fb" "$db")x faster (median $(ratio "$fm" "$dm")x; target >= 1.7x)"
read -r ob om < <(summary fib1e8 corun_doubling_1t)
echo "  (corun doubling 1 thread best $ob s, median $om: $(ratio "$fb" "$ob")x mpz_fib_ui; 2 threads vs 1: $(ratio "$ob" "$db")x)"
report_row fib "F(10^8) compute: GMP mpz_fib_ui" "$fb" "$fm" "s" ""
report_row fib "F(10^8) compute: corun doubling, $THREADS threads" "$db" "$dm" "s" "speed-up over mpz_fib_ui $(ratio "$fb" "$db")x (goal >= 1.7x on 2 threads)"
report_row fib "F(10^8) compute: corun doubling, 1 thread" "$ob" "$om" "s" "speed-up over mpz_fib_ui $(ratio "$fb" "$ob")x"
report_row headline "Fibonacci, F(10^8) on $THREADS threads: corun vs GMP's mpz_fib_ui" "$(ratio "$fb" "$db")" "" "x faster" ""

# ---- decimal conversion of F(10^9) on 2 threads vs mpz_get_str ----
if [ "${SKIP_BIG:-0}" != 1 ]; then
    for r in $(seq "$BIG_REPEAT"); do
        "$REF" getstr 1000000000 >"$TMP/g.out"
        record dec1e9 mpz_get_str "$r" "$(val "$TMP/g.out" mpz_get_str_seconds)"
        record dec1e9 mpz_fib_ui "$r" "$(val "$TMP/g.out" mpz_fib_ui_seconds)"
        "$COR" fib --n 1e9 --tasks 1 --threads "$THREADS" --quiet >"$TMP/g.out"
        record dec1e9 corun_decimal "$r" "$(val "$TMP/g.out" decimal_seconds)"
        record dec1e9 corun_doubling "$r" "$(grep -o 'task=0 .*' "$TMP/g.out" | grep -o ' seconds=[0-9.]*' | cut -d= -f2)"
    done
    read -r gb gm < <(summary dec1e9 mpz_get_str)
    read -r cb cm < <(summary dec1e9 corun_decimal)
    read -r ub um < <(summary dec1e9 mpz_fib_ui)
    read -r db dm < <(summary dec1e9 corun_doubling)
    echo "F(10^9) decimal: mpz_get_str best $gb s (median $gm), corun $THREADS threads best $cb s (median $cm):"
    echo "  $(ratio "$cb" "$gb")x the time (median $(ratio "$cm" "$gm")x; target <= 0.6x)"
    echo "F(10^9) compute: mpz_fib_ui best $ub s, corun doubling best $db s: $(ratio "$ub" "$db")x faster"
    report_row fib "F(10^9) decimal string: GMP mpz_get_str" "$gb" "$gm" "s" ""
    report_row fib "F(10^9) decimal string: corun, $THREADS threads" "$cb" "$cm" "s" "$(ratio "$cb" "$gb")x the time of mpz_get_str (goal <= 0.6x)"
    report_row fib "F(10^9) compute: GMP mpz_fib_ui" "$ub" "$um" "s" ""
    report_row fib "F(10^9) compute: corun doubling, $THREADS threads" "$db" "$dm" "s" "speed-up over mpz_fib_ui $(ratio "$ub" "$db")x"
fi
core_check "after"
echo "raw numbers: $CSV"
