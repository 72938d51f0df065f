/* cmd_info.c — `corun info`: what this build contains and what it sees. */
#include <hdf5.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_info(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        puts("usage: corun info\n\nPrints the version, build options, OpenMP threads, HDF5 "
             "version,\nbackends compiled in and the CPU's SIMD level.");
        return CORUN_EXIT_OK;
    }
    if (argc > 1) {
        cli_error("info: unexpected argument '%s'", argv[1]);
        return CORUN_EXIT_USAGE;
    }
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    printf("corun %s\n", CORUN_VERSION);
    printf("build: type=%s compiler=%s sanitizers=%s\n", CORUN_BUILD_TYPE, __VERSION__,
           CORUN_SANITIZERS[0] ? CORUN_SANITIZERS : "none");
    printf("openmp: _OPENMP=%d threads=%d\n", _OPENMP, corun_default_threads());
    printf("hdf5: %u.%u.%u (serial)\n", maj, min, rel);
    printf("backends: serial omp (cuda: not built%s)\n",
           CORUN_HAVE_CUDA_COMPILER ? "; nvcc found, no CUDA backend in this version" : "");
    printf("cpu simd: %s (omp stepper uses: %s)\n", corun_cpu_simd(), corun_life_omp_simd());
    return CORUN_EXIT_OK;
}
