#!/usr/bin/env bash
# gpu-bundle.sh — builds corun and its test program with nvcc for the H100
# (sm_90 machine code plus compute_90 PTX, Release, no MPI) and collects one
# relocatable folder that runs on a GPU machine which has the NVIDIA driver and
# the CUDA tools but none of corun's Debian libraries (docs/CUDA.md, "Running
# on a real GPU"):
#
#   BUNDLE/corun  BUNDLE/corun_tests       stripped, RPATH $ORIGIN/lib
#   BUNDLE/lib/                            every shared library they load except
#                                          glibc's own and the driver (libcuda)
#   BUNDLE/data/                           tests/data (the CPU suites read it)
#   BUNDLE/run-tests.sh                    runs suites with the bundle's paths
#   BUNDLE/gpu-check.sh                    the one-shot device check
#   BUNDLE/MANIFEST.txt                    commit, build options, libraries, sums
#
# and packs it into BUILD_DIR/corun-gpu-bundle.tar.gz (unpacks to
# corun-gpu-bundle/). Both must stay under 48 MiB: the device machine takes at
# most 64 MiB of files along, and the report comes back through the same door.
#
# usage: scripts/gpu-bundle.sh [BUILD_DIR]      (default: build-gpu/)
#   env: NVCC=/path/to/nvcc (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc)
#        CORUN_GPU_ARCHS   CMAKE_CUDA_ARCHITECTURES (default "90-real;90-virtual")
#        CORUN_BUILD_JOBS  parallel compile jobs (default: nproc)
# Exit: 0 bundle made, 1 a build or bundle error, 77 no nvcc (skipped).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-gpu}
nvcc=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
archs=${CORUN_GPU_ARCHS:-90-real;90-virtual}
jobs=${CORUN_BUILD_JOBS:-$(nproc)}
limit_mib=48
die() { echo "gpu-bundle: $*" >&2; exit 1; }

[ -x "$nvcc" ] || { echo "gpu-bundle: no nvcc found (set NVCC): skipped"; exit 77; }
command -v patchelf >/dev/null || die "patchelf is missing (Debian package patchelf; scripts/setup.sh installs it)"
mkdir -p "$build"
build=$(cd "$build" && pwd -P)
bundle=$build/bundle
tarball=$build/corun-gpu-bundle.tar.gz

# No MPI: Open MPI would bring its runtime, plugins and launcher along, and a
# single GPU needs none of it. CMAKE_SKIP_BUILD_RPATH: no absolute path of this
# machine ends up in the binaries; patchelf sets $ORIGIN/lib below.
echo "gpu-bundle: configuring $build (nvcc $nvcc, architectures $archs)"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCORUN_CUDA=ON -DCORUN_MPI=OFF \
    -DCORUN_WERROR=ON -DCMAKE_CUDA_COMPILER="$nvcc" -DCMAKE_CUDA_ARCHITECTURES="$archs" \
    -DCMAKE_SKIP_BUILD_RPATH=ON >"$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; die "cmake configure failed ($build/configure.log)"; }
echo "gpu-bundle: building corun and corun_tests (-j$jobs)"
cmake --build "$build" -j"$jobs" --target corun corun_tests

rm -rf "$bundle" "$tarball"
mkdir -p "$bundle/lib" "$bundle/data"
cp "$build/corun" "$build/tests/corun_tests" "$bundle/"
cp -r "$root/tests/data/." "$bundle/data/"
cp "$root/scripts/gpu-check.sh" "$bundle/"
strip "$bundle/corun" "$bundle/corun_tests"

# glibc's libraries and its loader must match the machine's kernel and the
# rest of its system, and libcuda.so belongs to the installed driver: those
# stay behind. Everything else the binaries load comes along (ldd lists the
# whole closure, indirect libraries included).
system_lib() {
    case $1 in
    linux-vdso.so.* | ld-linux*.so.* | libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | \
        librt.so.* | libresolv.so.* | libutil.so.* | libanl.so.* | libcuda.so.* | libnvidia-*.so.*)
        return 0 ;;
    esac
    return 1
}
for bin in "$bundle/corun" "$bundle/corun_tests"; do
    ldd "$bin" >"$build/ldd.txt" || die "ldd $bin failed"
    if grep -q 'not found' "$build/ldd.txt"; then cat "$build/ldd.txt" >&2; die "$bin: a library is not found"; fi
    while read -r name arrow path _; do
        [ "$arrow" = "=>" ] || continue
        system_lib "$name" && continue
        [ -e "$bundle/lib/$name" ] || cp -L "$path" "$bundle/lib/$name"
    done <"$build/ldd.txt"
done
chmod u+w "$bundle"/lib/*
strip --strip-unneeded "$bundle"/lib/*
# DT_RPATH (not RUNPATH, --force-rpath) on the programs and on every library:
# RPATH also serves indirect dependencies and is not overridden by a
# LD_LIBRARY_PATH the GPU machine may set for its own CUDA or Python.
patchelf --force-rpath --set-rpath '$ORIGIN/lib' "$bundle/corun" "$bundle/corun_tests"
for lib in "$bundle"/lib/*; do patchelf --force-rpath --set-rpath '$ORIGIN' "$lib"; done

cat >"$bundle/run-tests.sh" <<'EOF'
#!/usr/bin/env bash
# run-tests.sh — runs corun's CUnit suites from this bundle, wherever it lies.
#   ./run-tests.sh gpu            the suites labelled gpu (exit 77: no device)
#   ./run-tests.sh cpu            CPU suites that need nothing outside the bundle
#   ./run-tests.sh SUITE[:TEST]...  (./corun_tests --list names them)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CORUN_BIN="$here/corun" CORUN_TEST_DATA="$here/data"
[ $# -gt 0 ] || { echo "usage: $0 gpu | cpu | SUITE[:TEST]..." >&2; exit 2; }
case $1 in
gpu) # the gpu label's rule in tests/CMakeLists.txt
    mapfile -t args < <("$here/corun_tests" --list | cut -d: -f1 | sort -u | grep -E '^cuda(_.*)?_gpu$') ;;
cpu) args=(CPU_SUITES) ;;
*) args=("$@") ;;
esac
exec "$here/corun_tests" "${args[@]}"
EOF
# Quick suites (about 15 s on 2 busy cores) that read only the bundle (corun,
# data/): no Python, configs/ or MPI. Between them they load every bundled
# library (fib_cli writes HDF5 through FLINT's and GMP's results).
cpu_suites="rule serial pattern print omp_plan fib_cli csv_cli outdir conformance
    aio_coro aio_future aio_channel"
sed -i "s/CPU_SUITES/$(echo $cpu_suites)/" "$bundle/run-tests.sh"
chmod +x "$bundle/run-tests.sh" "$bundle/gpu-check.sh"

# Proof of completeness: every library the bundled files load resolves inside
# the bundle or is one of the system libraries above.
bad=0
for f in "$bundle/corun" "$bundle/corun_tests" "$bundle"/lib/*; do
    while read -r name arrow path _; do
        [ "$arrow" = "=>" ] || continue
        system_lib "$name" && continue
        case $path in "$bundle"/lib/*) ;; *) echo "gpu-bundle: $f loads $name from $path" >&2; bad=1 ;; esac
    done < <(env -i ldd "$f")
done
[ "$bad" = 0 ] || die "the bundle is not self-contained"

glibc=$(objdump -T "$bundle/corun" "$bundle/corun_tests" "$bundle"/lib/* 2>/dev/null |
    grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1)
{
    echo "corun GPU bundle"
    echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (with local changes)')"
    echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "nvcc: $("$nvcc" --version | tail -n 1)"
    echo "cuda architectures: $archs"
    echo "cmake: -DCMAKE_BUILD_TYPE=Release -DCORUN_CUDA=ON -DCORUN_MPI=OFF -DCORUN_WERROR=ON"
    echo "needs: x86-64 Linux, glibc >= ${glibc#GLIBC_}, an NVIDIA driver for CUDA $("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p') or newer"
    echo "files (sha256):"
    (cd "$bundle" && find . -type f ! -name MANIFEST.txt | sort | xargs sha256sum)
} >"$bundle/MANIFEST.txt"

size_kib=$(du -sk "$bundle" | cut -f1)
[ "$size_kib" -le $((limit_mib * 1024)) ] || die "bundle is $((size_kib / 1024)) MiB, over the $limit_mib MiB limit"
tar -C "$build" --transform 's,^bundle,corun-gpu-bundle,' -czf "$tarball" bundle
tar_kib=$(du -k "$tarball" | cut -f1)
[ "$tar_kib" -le $((limit_mib * 1024)) ] || die "$tarball is $((tar_kib / 1024)) MiB, over the $limit_mib MiB limit"
echo "gpu-bundle: $bundle: $((size_kib / 1024)).$((size_kib % 1024 * 10 / 1024)) MiB ($(ls "$bundle/lib" | wc -l) libraries), needs glibc >= ${glibc#GLIBC_}"
echo "gpu-bundle: $tarball: $((tar_kib / 1024)).$((tar_kib % 1024 * 10 / 1024)) MiB"
