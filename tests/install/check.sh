#!/bin/sh
# check.sh BUILD_DIR THIS_DIR — CTest test `install`: installs the corun
# build in BUILD_DIR into a temporary prefix, then, using only that prefix:
#   1. builds glider.c with CMake (find_package(corun); shared and static)
#   2. builds it with pkg-config (corun.pc; shared)
#   3. runs each, and checks their hash against the installed `corun life`
#      for the same run
#   4. checks the man page and that the bash completion completes commands
#      and options from the installed program.
set -eu
build=$(cd "$1" && pwd)
here=$(cd "$2" && pwd)
tmp=$(mktemp -d /tmp/corun-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

fail() { echo "install check: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "cmake --install failed"; }
libdir=$(dirname "$(find "$prefix" -name corun.pc)")/..
for f in bin/corun include/corun/life.h include/corun/config.h; do
    [ -e "$prefix/$f" ] || fail "$f not installed"
done
ls "$libdir"/libcorun.so* "$libdir"/libcorun.a >/dev/null || fail "libcorun not installed"
[ -e "$libdir/cmake/corun/corunConfig.cmake" ] || fail "CMake package not installed"

# The reference: the installed program, same grid, pattern and steps.
printf '.O.\n..O\nOOO\n' >"$tmp/glider.cells"
want=$("$prefix/bin/corun" life --size 32x32 --init "$tmp/glider.cells" --at 1,1 --steps 64 \
    --threads 2 --quiet | sed -n 's/.* hash=\([0-9a-f]*\) .*/\1/p')
[ -n "$want" ] || fail "no hash from the installed corun life"

check_run() {  # PROGRAM: runs it, compares its hash
    got=$("$1") || fail "$1 failed"
    [ "$got" = "hash=$want" ] || fail "$1 printed '$got', corun life hash=$want"
    echo "$(basename "$1"): $got"
}

# 1. CMake
cmake -S "$here" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
    >"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log" >&2; fail "find_package(corun) failed"; }
cmake --build "$tmp/cmake" >"$tmp/build.log" 2>&1 ||
    { cat "$tmp/build.log" >&2; fail "building against corun::corun failed"; }
check_run "$tmp/cmake/glider_shared"
check_run "$tmp/cmake/glider_static"

# 2. pkg-config (installed by scripts/setup.sh; elsewhere it may be missing)
if command -v pkg-config >/dev/null; then
    export PKG_CONFIG_PATH="$libdir/pkgconfig"
    cc -o "$tmp/glider_pc" "$here/glider.c" $(pkg-config --cflags --libs corun) \
        -Wl,-rpath,"$libdir" || fail "building with pkg-config corun failed"
    check_run "$tmp/glider_pc"
else
    echo "install check: no pkg-config here: corun.pc not tried"
fi

# 3. man page (generated when help2man is installed) and bash completion
if [ -e "$build/corun.1" ]; then
    man_page=$prefix/share/man/man1/corun.1
    grep -q 'cellular automaton' "$man_page" && grep -q 'COMMAND: CORUN LIFE' "$man_page" ||
        fail "$man_page does not have the commands and their options"
fi
completion=$prefix/share/bash-completion/completions/corun
[ -e "$completion" ] || fail "bash completion not installed"
words=$(bash -c '. "$1"; COMP_WORDS=("$2" li); COMP_CWORD=1; _corun; echo "${COMPREPLY[*]}"
    COMP_WORDS=("$2" life --ste); COMP_CWORD=2; _corun; echo "${COMPREPLY[*]}"' \
    sh "$completion" "$prefix/bin/corun")
[ "$words" = "life
--steps" ] || fail "bash completion gave '$words' for 'corun li' and 'corun life --ste'"
echo "install check: ok ($prefix)"
