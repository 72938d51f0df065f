#!/usr/bin/env bash
# setup.sh — installs the Debian packages corun needs (idempotent: only what is
# missing, one apt-get run) and configures + builds corun in a build folder.
#
#   scripts/setup.sh [BUILD_DIR] [extra cmake args...]
#
# Sourced by run-demo.sh and run-tests.sh; safe to run again at any time.
set -euo pipefail

CORUN_PACKAGES=(build-essential cmake pkg-config libhdf5-dev libcunit1-dev libgmp-dev
    libflint-dev
    patchelf  # scripts/gpu-bundle.sh: RPATH $ORIGIN/lib in the GPU bundle
    hdf5-tools hdf5-filter-plugin python3-h5py python3-numpy
    libopenmpi-dev openmpi-bin libhdf5-openmpi-dev
    jupyter-nbconvert python3-ipykernel python3-matplotlib python3-pandas)
# Slurm for CI's Slurm stage only (scripts/run-tests.sh, scripts/slurm/ci-stage.sh):
# the demo and a plain build do not need it.
CORUN_SLURM_PACKAGES=(slurmctld slurmd slurm-client munge)

corun_install_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "setup: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -q || true   # a stale or unreachable mirror list is not fatal if packages are cached
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

corun_build() {
    local dir=$1
    shift
    mkdir -p "$dir"
    cmake -S "$CORUN_ROOT" -B "$dir" "$@" >"$dir/configure.log" 2>&1 ||
        { cat "$dir/configure.log" >&2; echo "setup: cmake configure failed ($dir)" >&2; return 1; }
    cmake --build "$dir" -j"$(nproc)"
}

CORUN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    corun_install_packages "${CORUN_PACKAGES[@]}"
    dir=${1:-$CORUN_ROOT/build}
    shift || true
    corun_build "$dir" -DCMAKE_BUILD_TYPE=Release "$@"
fi
