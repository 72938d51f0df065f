#!/usr/bin/env bash
# run-tests.sh — Quick start command 2 (and what CI runs, via .ci/run):
# install what is missing, then build and run the whole CTest suite twice:
#   1. Release build (build/)
#   2. Debug build under AddressSanitizer + UndefinedBehaviorSanitizer
#      (build-asan/); set CORUN_SKIP_ASAN=1 to skip it locally.
#   3. Debug build under ThreadSanitizer, running the tests labelled aio
#      (build-tsan/); CORUN_SKIP_TSAN=1 skips it.
# CUDA (docs/CUDA.md): build 1 compiles the .cu files with nvcc when it is
# installed (warnings and register spills are errors; the gpu suite skips
# without a device); scripts/check-cuda-kernels.sh reports each kernel's
# registers and spills; build-cuda-emu/ runs the cuda suites on corun's CUDA
# emulator, and build 2 runs them again under ASan (CORUN_CUDA=EMULATE).
# Notebooks (docs/BENCH.md): scripts/run-notebooks.sh makes small data with
# corun and executes notebooks/*.ipynb with nbconvert; a failing cell fails CI.
# Slurm (docs/CLUSTER.md): scripts/slurm/ci-stage.sh starts a one-node Slurm on
# localhost (Debian's slurmctld, slurmd, munge; installed here, not by the
# demo), submits the job scripts of scripts/slurm with sbatch, signals and
# requeues two of them mid-run, checks their results against direct runs and
# stops the daemons (~2.5 min, most of it Slurm holding a requeued job before
# it starts again; CORUN_SKIP_SLURM=1 skips it). It fails when the
# cluster does not start; it skips (exit 77, with the reason) only where slurmd
# cannot run at all: not root and no password-less sudo.
# AArch64 (docs/AIO.md): scripts/check-aio-aarch64.sh cross-builds the aio
# suites for arm64 and runs them under qemu-user, so the AArch64 context
# switch is tested on this x86-64 machine (CORUN_SKIP_AARCH64=1 skips it).
# MPI (docs/MPI.md): build 1 is an MPI build when Open MPI and parallel HDF5
# are installed (setup.sh installs them); its ctest runs the `mpi` suites.
# Build 1's ctest also installs it into a temporary prefix and builds and runs
# a program against it with CMake and pkg-config (test `install`,
# tests/install/), and checks the Spack recipe (test `spack_recipe`).
# Minimal (build-min/): no MPI, no fib (GMP/FLINT), no CUDA; every suite that
# does not need those but omp_vs_serial, plus the check that `corun fib` says
# how it was built (~2-3 min on 2 cores; CORUN_SKIP_MIN=1 skips it).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
corun_install_packages "${CORUN_PACKAGES[@]}"
[ "${CORUN_SKIP_SLURM:-0}" = 1 ] || corun_install_packages "${CORUN_SLURM_PACKAGES[@]}"
jobs=$(nproc)

echo "== release build + tests =="
corun_build "$CORUN_ROOT/build" -DCMAKE_BUILD_TYPE=Release -DCORUN_WERROR=ON
(cd "$CORUN_ROOT/build" && ctest --output-on-failure -j"$jobs")

if [ "${CORUN_SKIP_MIN:-0}" != 1 ]; then
    echo "== minimal build (no MPI, fib or CUDA) + its tests =="
    corun_build "$CORUN_ROOT/build-min" -DCMAKE_BUILD_TYPE=Release -DCORUN_WERROR=ON \
        -DCORUN_MPI=OFF -DCORUN_FIB=OFF -DCORUN_CUDA=OFF
    # omp_vs_serial (the omp kernels against the oracle) compiles to the
    # same code with or without MPI, fib and CUDA, and runs in builds 1 and
    # 2; the suites that touch HDF5 (here Debian's serial library, not the
    # MPI one) or the CLI run again.
    (cd "$CORUN_ROOT/build-min" && ctest --output-on-failure -j"$jobs" -E '^omp_vs_serial$')
fi

echo "== CUDA kernels: nvcc, every default architecture, no spills =="
"$CORUN_ROOT/scripts/check-cuda-kernels.sh" || [ $? = 77 ]
echo "== CUDA emulator build + cuda tests =="
corun_build "$CORUN_ROOT/build-cuda-emu" -DCMAKE_BUILD_TYPE=Release -DCORUN_WERROR=ON \
    -DCORUN_CUDA=EMULATE
(cd "$CORUN_ROOT/build-cuda-emu" && ctest --output-on-failure -L cuda -j"$jobs")

# ---- GPU bundle (docs/CUDA.md, "Running on a real GPU") ----
# Where nvcc is installed: scripts/check-gpu-bundle.sh builds the relocatable
# H100 bundle (build-gpu/: sm_90 + PTX, no MPI; ~3-5 min on 2 cores, nearly
# all of it the build), unpacks it elsewhere and runs, with an empty
# environment, its CPU suites and gpu-check.sh's no-GPU path. Exit 77 = no
# nvcc: skipped. CORUN_SKIP_GPU_BUNDLE=1 skips it.
if [ "${CORUN_SKIP_GPU_BUNDLE:-0}" != 1 ]; then
    echo "== GPU bundle: nvcc build for sm_90, run relocated under env -i, gpu-check.sh without a GPU =="
    rc=0
    "$CORUN_ROOT/scripts/check-gpu-bundle.sh" "$CORUN_ROOT/build-gpu" || rc=$?
    if [ "$rc" = 77 ]; then
        echo "(no nvcc: GPU bundle not built, skipped)"
    elif [ "$rc" != 0 ]; then
        exit "$rc"
    fi
fi

if [ "${CORUN_SKIP_SLURM:-0}" != 1 ]; then
    echo "== Slurm: one-node cluster on localhost, job scripts submitted and checked (~2.5 min) =="
    rc=0
    "$CORUN_ROOT/scripts/slurm/ci-stage.sh" "$CORUN_ROOT/build/corun" "$CORUN_ROOT/build-cuda-emu/corun" || rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 77 ] || exit "$rc"
fi

if [ "${CORUN_SKIP_AARCH64:-0}" != 1 ]; then
    echo "== aio on AArch64: cross-built suites under qemu-user (~1 min) =="
    rc=0
    "$CORUN_ROOT/scripts/check-aio-aarch64.sh" "$CORUN_ROOT/build-aarch64" || rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 77 ] || exit "$rc"
fi

echo "== notebooks: small data from corun, every notebook executed headless (~1 min) =="
"$CORUN_ROOT/scripts/run-notebooks.sh" "$CORUN_ROOT/build/corun" "$CORUN_ROOT/build-cuda-emu/corun"

if [ "${CORUN_SKIP_ASAN:-0}" != 1 ]; then
    echo "== ASan+UBSan build + tests =="
    # -DCORUN_MPI=OFF: LeakSanitizer reports Open MPI's own allocations (in
    # MPI_Init and its plugins, not reachable from corun's code); the MPI code
    # runs in build 1's mpi tests and CI's Slurm stage instead.
    corun_build "$CORUN_ROOT/build-asan" -DCMAKE_BUILD_TYPE=Debug \
        -DCORUN_SANITIZE=address,undefined -DCORUN_WERROR=ON -DCORUN_CUDA=EMULATE -DCORUN_MPI=OFF
    # OpenMP's runtime keeps thread-pool memory until exit: not our leak.
    (cd "$CORUN_ROOT/build-asan" &&
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
            LSAN_OPTIONS=suppressions="$CORUN_ROOT/tests/lsan.supp" \
            ctest --output-on-failure -j"$jobs")
fi
if [ "${CORUN_SKIP_TSAN:-0}" != 1 ]; then
    echo "== TSan build + aio tests =="
    corun_build "$CORUN_ROOT/build-tsan" -DCMAKE_BUILD_TYPE=Debug \
        -DCORUN_SANITIZE=thread -DCORUN_WERROR=ON -DCORUN_CUDA=OFF -DCORUN_MPI=OFF
    if (cd "$CORUN_ROOT/build-tsan" && ctest -N -L aio | grep -q 'Total Tests: [1-9]'); then
        (cd "$CORUN_ROOT/build-tsan" &&
            TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
                ctest --output-on-failure -L aio -j"$jobs")
    else
        echo "(no aio tests yet)"
    fi
fi
echo "== all tests passed =="
