#!/usr/bin/env bash
# run-demo.sh — Quick start command 1: install what is missing, build, and run
# the demo Game of Life job (configs/demo.ini); prints its summary line.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
corun_install_packages "${CORUN_PACKAGES[@]}"
corun_build "$CORUN_ROOT/build" -DCMAKE_BUILD_TYPE=Release
cd "$CORUN_ROOT"
exec build/corun life --config configs/demo.ini "$@"
