/* cmd_info.c — `corun info`: what this build contains and what it sees. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "corun/cuda.h"
#include "corun/fib.h"
#include "corun/mpi.h"
#include "life/omp_int.h"
#include "render_cli.h"

int cmd_info(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        puts("usage: corun info\n\nPrints the version, build options, the default thread count and "
             "where it\ncomes from (OMP_NUM_THREADS, else SLURM_CPUS_PER_TASK, else the cores), "
             "the\nSlurm job this runs in, HDF5 version, GMP and FLINT versions, the PNG and GIF\n"
             "libraries, MPI, backends\n"
             "compiled in, the CPU's SIMD level and the CUDA devices (or why there are none).");
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
    printf("openmp: _OPENMP=%d threads=%d (default from %s)\n", _OPENMP, corun_default_threads(),
           corun_default_threads_source());
    char job[160];
    if (corun_slurm_job(job, sizeof job)) {
        const char *cpt = getenv("SLURM_CPUS_PER_TASK"), *node = getenv("SLURMD_NODENAME");
        const char *requeued = getenv("SLURM_RESTART_COUNT");
        printf("slurm: job %s on %s, cpus-per-task=%s", job, node && *node ? node : "?",
               cpt && *cpt ? cpt : "unset");
        if (requeued && *requeued && strcmp(requeued, "0")) printf(", requeued %s", requeued);
        printf("\n");
    } else {
        printf("slurm: not in a job (no SLURM_JOB_ID)\n");
    }
    printf("hdf5: %u.%u.%u (%s)\n", maj, min, rel, corun_mpi_build() ? "parallel" : "serial");
    printf("big integers: %s\n", corun_fib_libraries());
    printf("images: %s\n", render_libraries());
    printf("mpi: %s", corun_mpi_library());
    if (corun_mpi_active())
        printf(" (this process: rank %d of %d)", corun_mpi_rank(), corun_mpi_size());
    printf("\n");
    printf("backends: serial omp%s\n", corun_cuda_build() ? " cuda" : "");
    printf("cuda: %s\n", corun_cuda_build_desc());
    if (corun_cuda_build()) {
        corun_cuda_device_t d[16];
        corun_err_t err = {0};
        int n = corun_cuda_devices(d, 16, &err);
        if (n == 0) printf("cuda devices: none (%s)\n", err.msg);
        for (int i = 0; i < n && i < 16; i++)
            printf("cuda device %d: %s, sm_%d%d, %d SMs, %.1f GiB, %d-bit bus%s\n", d[i].index,
                   d[i].name, d[i].major, d[i].minor, d[i].sms,
                   (double)d[i].global_mem / (1 << 30), d[i].bus_width,
                   d[i].emulated ? " (emulated on the CPU)" : "");
    }
    /* What the omp backend picks, with the CLI's CORUN_OMP_SIMD override. */
    corun_life_omp_tuning_t tu;
    const corun_life_omp_tuning_t *t = cli_omp_tuning(&tu);
    printf("cpu simd: %s (omp stepper uses: %s)\n", corun_cpu_simd(),
           corun_life_omp_kernels(t ? t->simd : NULL)->simd);
    return CORUN_EXIT_OK;
}
