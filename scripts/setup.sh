#!/usr/bin/env bash
# setup.sh — installs the packages corun needs where it knows the system
# (Debian and Ubuntu: apt; idempotent: only what is missing, one apt-get run)
# and configures + builds corun in a build folder.
#
#   scripts/setup.sh [BUILD_DIR] [extra cmake args...]
#   CORUN_NO_INSTALL=1 scripts/setup.sh     # never install: use what is there
#
# Elsewhere (a RHEL or SUSE login node, a machine with Spack or environment
# modules), or with CORUN_NO_INSTALL=1, it installs nothing: it says what is
# missing or what each feature needs (corun_requirements) and goes on when the
# build's own tools are there; CMake's configure summary then says which
# features are built and why not (load modules first, e.g. `module load hdf5`).
# Sourced by run-demo.sh and run-tests.sh; safe to run again at any time.
set -euo pipefail

CORUN_PACKAGES=(build-essential cmake pkg-config libhdf5-dev libcunit1-dev libgmp-dev
    libflint-dev help2man
    libpng-dev libgif-dev  # corun render: PNG and GIF pictures
    patchelf  # scripts/gpu-bundle.sh: RPATH $ORIGIN/lib in the GPU bundle
    hdf5-tools hdf5-filter-plugin python3-h5py python3-numpy
    golly  # bgolly: the Golly oracle of the golly test suite (skipped without it)
    libopenmpi-dev openmpi-bin libhdf5-openmpi-dev
    jupyter-nbconvert python3-ipykernel python3-matplotlib python3-matplotlib-inline python3-pandas
    libxdmf3  # tests/xdmf_check.py: the XDMF library parses the snapshot files' .xmf
)
# Slurm for CI's Slurm stage only (scripts/run-tests.sh, scripts/slurm/ci-stage.sh):
# the demo and a plain build do not need it.
CORUN_SLURM_PACKAGES=(slurmctld slurmd slurm-client munge)

# What each feature needs, for systems without apt.
corun_requirements() {
    cat >&2 <<'END'
setup: corun needs, by feature (system packages, modules or Spack specs):
  build (required)  a C11 compiler with OpenMP (gcc), CMake >= 3.20, HDF5 (C library:
                    h5cc on PATH, or cmake -DHDF5_ROOT=DIR)
  corun fib         GMP and FLINT
  corun render      libpng and giflib (PNG and GIF pictures; pattern export needs neither)
  MPI               an MPI library (Open MPI, MPICH) and an HDF5 built with it (h5pcc)
  CUDA backend      the CUDA Toolkit (nvcc)
  unit tests        CUnit; the golly suite also bgolly (golly), skipped without it
  man page          help2man
  notebooks, CI     python3 with h5py, numpy, matplotlib, pandas; jupyter nbconvert
  .xmf test         the XDMF 3 library (libXdmf.so.3; optional: without it the
                    test checks the .xmf's structure only)
END
}

# Debian or Ubuntu with apt: the systems whose package names this script knows.
corun_apt_system() {
    command -v apt-get >/dev/null && command -v dpkg-query >/dev/null && [ -r /etc/os-release ] &&
        grep -Eq '^ID(_LIKE)?=.*(debian|ubuntu)' /etc/os-release
}

# What configuring and building needs before CMake can say more.
corun_check_tools() {
    local t
    for t in cmake cc; do
        command -v "$t" >/dev/null ||
            { echo "setup: '$t' not found: install it (or load its module) first" >&2; return 1; }
    done
}

corun_install_packages() {
    if ! corun_apt_system; then
        echo "setup: not a Debian/Ubuntu system with apt: installing nothing" >&2
        corun_requirements
        corun_check_tools
        return
    fi
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "${CORUN_NO_INSTALL:-0}" = 1 ]; then
        echo "setup: CORUN_NO_INSTALL=1: not installing ${missing[*]}" >&2
        corun_check_tools
        return
    fi
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
