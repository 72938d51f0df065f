/* cmd_info.c — `corun info`: what this build contains and what it sees, as
 * text for people or (--json) one JSON object for scripts. Both forms are
 * printed from the same gathered values, so they cannot disagree. */
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

#define INFO_MAX_DEVICES 16

typedef struct info {
    unsigned h5[3];
    int in_job;
    char job[160];
    const char *node, *cpus_per_task, *requeued;
    corun_cuda_device_t dev[INFO_MAX_DEVICES];
    int ndev;
    corun_err_t dev_err;
    const char *omp_simd;
} info_t;

static const char *or_empty(const char *s) { return s ? s : ""; }

static void gather(info_t *in) {
    memset(in, 0, sizeof *in);
    H5get_libversion(&in->h5[0], &in->h5[1], &in->h5[2]);
    in->in_job = corun_slurm_job(in->job, sizeof in->job);
    in->node = getenv("SLURMD_NODENAME");
    in->cpus_per_task = getenv("SLURM_CPUS_PER_TASK");
    in->requeued = getenv("SLURM_RESTART_COUNT");
    if (corun_cuda_build()) in->ndev = corun_cuda_devices(in->dev, INFO_MAX_DEVICES, &in->dev_err);
    /* What the omp backend picks, with the CLI's CORUN_OMP_SIMD override. */
    corun_life_omp_tuning_t tu;
    const corun_life_omp_tuning_t *t = cli_omp_tuning(&tu);
    in->omp_simd = corun_life_omp_kernels(t ? t->simd : NULL)->simd;
}

static void print_text(const info_t *in) {
    printf("corun %s\n", CORUN_VERSION);
    printf("build: type=%s compiler=%s sanitizers=%s\n", CORUN_BUILD_TYPE, __VERSION__,
           CORUN_SANITIZERS[0] ? CORUN_SANITIZERS : "none");
    printf("openmp: _OPENMP=%d threads=%d (default from %s)\n", _OPENMP, corun_default_threads(),
           corun_default_threads_source());
    if (in->in_job) {
        printf("slurm: job %s on %s, cpus-per-task=%s", in->job,
               in->node && *in->node ? in->node : "?",
               in->cpus_per_task && *in->cpus_per_task ? in->cpus_per_task : "unset");
        if (in->requeued && *in->requeued && strcmp(in->requeued, "0"))
            printf(", requeued %s", in->requeued);
        printf("\n");
    } else {
        printf("slurm: not in a job (no SLURM_JOB_ID)\n");
    }
    printf("hdf5: %u.%u.%u (%s)\n", in->h5[0], in->h5[1], in->h5[2],
           corun_mpi_build() ? "parallel" : "serial");
    printf("big integers: %s\n", corun_fib_libraries());
    printf("images: %s\n", render_libraries());
    printf("mpi: %s", corun_mpi_library());
    if (corun_mpi_active())
        printf(" (this process: rank %d of %d)", corun_mpi_rank(), corun_mpi_size());
    printf("\n");
    printf("backends: serial omp%s\n", corun_cuda_build() ? " cuda" : "");
    printf("cuda: %s\n", corun_cuda_build_desc());
    if (corun_cuda_build() && in->ndev == 0) printf("cuda devices: none (%s)\n", in->dev_err.msg);
    for (int i = 0; i < in->ndev && i < INFO_MAX_DEVICES; i++) {
        const corun_cuda_device_t *d = &in->dev[i];
        printf("cuda device %d: %s, sm_%d%d, %d SMs, %.1f GiB, %d-bit bus%s\n", d->index, d->name,
               d->major, d->minor, d->sms, (double)d->global_mem / (1 << 30), d->bus_width,
               d->emulated ? " (emulated on the CPU)" : "");
    }
    printf("cpu simd: %s (omp stepper uses: %s)\n", corun_cpu_simd(), in->omp_simd);
}

/* "key": "string" with the separator before it (first: none). */
static void jstr(const char *key, const char *v, int first) {
    printf("%s\"%s\": ", first ? "" : ", ", key);
    cli_json_str(stdout, or_empty(v), strlen(or_empty(v)));
}

static void jint(const char *key, long long v) { printf(", \"%s\": %lld", key, v); }

static void print_json(const info_t *in) {
    char v[64];
    printf("{");
    jstr("version", CORUN_VERSION, 1);
    printf(", \"build\": {");
    jstr("type", CORUN_BUILD_TYPE, 1);
    jstr("compiler", __VERSION__, 0);
    jstr("sanitizers", CORUN_SANITIZERS, 0);
    printf("}, \"openmp\": {\"version\": %d", _OPENMP);
    jint("threads", corun_default_threads());
    jstr("threads_from", corun_default_threads_source(), 0);
    printf("}, \"slurm\": ");
    if (in->in_job) {
        printf("{");
        jstr("job", in->job, 1);
        jstr("node", in->node, 0);
        jstr("cpus_per_task", in->cpus_per_task, 0);
        jint("restart_count", in->requeued ? atoll(in->requeued) : 0);
        printf("}");
    } else {
        printf("null");
    }
    snprintf(v, sizeof v, "%u.%u.%u", in->h5[0], in->h5[1], in->h5[2]);
    printf(", \"hdf5\": {");
    jstr("version", v, 1);
    printf(", \"parallel\": %s}", corun_mpi_build() ? "true" : "false");
    jstr("big_integers", corun_fib_libraries(), 0);
    jstr("images", render_libraries(), 0);
    printf(", \"mpi\": {");
    jstr("library", corun_mpi_library(), 1);
    if (corun_mpi_active()) jint("rank", corun_mpi_rank()), jint("size", corun_mpi_size());
    printf("}, \"backends\": [\"serial\", \"omp\"%s]", corun_cuda_build() ? ", \"cuda\"" : "");
    printf(", \"cuda\": {");
    jstr("build", corun_cuda_build_desc(), 1);
    printf(", \"devices\": [");
    for (int i = 0; i < in->ndev && i < INFO_MAX_DEVICES; i++) {
        const corun_cuda_device_t *d = &in->dev[i];
        printf("%s{\"index\": %d", i ? ", " : "", d->index);
        jstr("name", d->name, 0);
        snprintf(v, sizeof v, "sm_%d%d", d->major, d->minor);
        jstr("arch", v, 0);
        jint("sms", d->sms);
        jint("global_mem_bytes", (long long)d->global_mem);
        jint("bus_width_bits", d->bus_width);
        printf(", \"emulated\": %s}", d->emulated ? "true" : "false");
    }
    printf("]");
    if (corun_cuda_build() && in->ndev == 0) jstr("why_none", in->dev_err.msg, 0);
    printf("}, \"cpu\": {");
    jstr("simd", corun_cpu_simd(), 1);
    jstr("omp_simd", in->omp_simd, 0);
    printf("}}\n");
}

int cmd_info(int argc, char **argv) {
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            puts("usage: corun info [--json]\n\nPrints the version, build options, the default "
                 "thread count and where it\ncomes from (OMP_NUM_THREADS, else "
                 "SLURM_CPUS_PER_TASK, else the cores), the\nSlurm job this runs in, HDF5 "
                 "version, GMP and FLINT versions, the PNG and GIF libraries, MPI,\nbackends compiled in, the CPU's SIMD "
                 "level and the CUDA devices (or why there are none).\n\n"
                 "  --json   the same as one JSON object on stdout (fields in docs/CLI.md)\n"
                 "  -h, --help  show this help");
            return CORUN_EXIT_OK;
        }
        if (!strcmp(argv[i], "--json")) {
            json = 1;
            continue;
        }
        static const cli_key_t keys[] = {{"json", 0, 0}, {"help", 0, 'h'}, {NULL, 0, 0}};
        const char *near = argv[i][0] == '-' ? cli_suggest(keys, argv[i] + strspn(argv[i], "-"))
                                             : NULL;
        if (near) cli_error("info: unknown option '%s' (did you mean '--%s'?)", argv[i], near);
        else cli_error("info: unexpected argument '%s' (options: --json, --help)", argv[i]);
        return CORUN_EXIT_USAGE;
    }
    info_t in;
    gather(&in);
    if (json) print_json(&in);
    else print_text(&in);
    return CORUN_EXIT_OK;
}
