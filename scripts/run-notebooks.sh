#!/usr/bin/env bash
# run-notebooks.sh — produces small data with corun itself and executes every
# notebook in notebooks/ headless (jupyter nbconvert --execute); fails if a
# cell fails. What CI runs after the release build (scripts/run-tests.sh).
#
# usage: scripts/run-notebooks.sh [CORUN] [CORUN_CUDA]
#   CORUN       the corun program (default build/corun)
#   CORUN_CUDA  optional: a corun with the cuda backend (e.g. the emulator
#               build, build-cuda-emu/corun) for a small CPU-vs-GPU sweep
# Output (not in the repository): $CORUN_NB_OUT (default build/notebooks/):
#   data/   the bench CSVs, a Life HDF5 file, fib results, csv stats
#   *.ipynb the executed notebooks, with outputs (figures embedded as image/png,
#           checked by scripts/check-notebooks.py)
#   figs/   every plot as PNG (docs/img/scaling-life.png came from here)
# Debian's python3 and jupyter are used explicitly: the python3 on PATH may
# be another installation without python3-matplotlib/pandas/h5py.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corun=${1:-$root/build/corun}
corun_cuda=${2:-}
out=${CORUN_NB_OUT:-$root/build/notebooks}
data=$out/data
rm -rf "$data" "$out/figs"
mkdir -p "$data"
t0=$(date +%s)

echo "notebooks: data from $corun"
# The quick sweep of all three workloads (about 15 s on 2 cores).
"$corun" bench --config "$root/configs/bench-quick.ini" --out "$data/bench-quick.csv" --quiet \
    > "$data/bench-quick.txt"
if [ -n "$corun_cuda" ]; then
    # CPU against (emulated) GPU: Life only; the emulator is slow, so tiny.
    "$corun_cuda" bench --workload life --backends omp,cuda --verify-backend omp --min-time 0 \
        --sizes 256x256 --life-steps 20 --repeat 2 --warmup 0 \
        --out "$data/bench-cuda.csv" --quiet > "$data/bench-cuda.txt"
fi
"$corun" life --size 128x96 --init random:0.3:7 --steps 300 --snapshot-every 30 \
    --out "$data/life.h5" --quiet > /dev/null
# A larger grid for the notebook's previews (about 2 s): 4096 x 4096, B = 4.
"$corun" life --size 4096x4096 --init random:0.3:7 --steps 60 --snapshot-every 20 \
    --out "$data/life-large.h5" --quiet > /dev/null
"$corun" fib --n 100,1000,10000,100000,1000000 --tasks 1 --out "$data/fib" --quiet > /dev/null
"$corun" csv gen --rows 50000 --seed 3 -o "$data/sales.csv" --quiet
"$corun" csv stats "$data/sales.csv" --by Region --sum "Total Revenue,Total Profit" --quiet \
    > "$data/csv-stats.csv"

for nb in "$root"/notebooks/*.ipynb; do
    echo "notebooks: executing $(basename "$nb")"
    # The inline backend (what Jupyter uses): every figure is embedded in the
    # executed notebook as image/png output, as a reader opening it sees it.
    CORUN_NB_DATA="$data" CORUN_NB_FIGS="$out/figs" \
        MPLBACKEND=module://matplotlib_inline.backend_inline PYDEVD_DISABLE_FILE_VALIDATION=1 \
        /usr/bin/python3 -m nbconvert --to notebook --execute \
        --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.kernel_name=python3 \
        --output-dir "$out" "$nb"
done
# Every executed notebook: no error output, a figure embedded for each cell that plots.
/usr/bin/python3 "$root/scripts/check-notebooks.py" "$out"/*.ipynb
echo "notebooks: all executed in $(($(date +%s) - t0)) s; results in $out"
