#!/usr/bin/env bash
# run-tests.sh — Quick start command 2 (and what CI runs, via .ci/run):
# install what is missing, then build and run the whole CTest suite twice:
#   1. Release build (build/)
#   2. Debug build under AddressSanitizer + UndefinedBehaviorSanitizer
#      (build-asan/); set CORUN_SKIP_ASAN=1 to skip it locally.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
corun_install_packages "${CORUN_PACKAGES[@]}"
jobs=$(nproc)

echo "== release build + tests =="
corun_build "$CORUN_ROOT/build" -DCMAKE_BUILD_TYPE=Release -DCORUN_WERROR=ON
(cd "$CORUN_ROOT/build" && ctest --output-on-failure -j"$jobs")

if [ "${CORUN_SKIP_ASAN:-0}" != 1 ]; then
    echo "== ASan+UBSan build + tests =="
    corun_build "$CORUN_ROOT/build-asan" -DCMAKE_BUILD_TYPE=Debug \
        -DCORUN_SANITIZE=address,undefined -DCORUN_WERROR=ON
    # OpenMP's runtime keeps thread-pool memory until exit: not our leak.
    (cd "$CORUN_ROOT/build-asan" &&
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
            ctest --output-on-failure -j"$jobs")
fi
echo "== all tests passed =="
