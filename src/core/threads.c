/* threads.c — thread-count defaults (from the command line's absence, OpenMP's
 * environment, or the batch system's allocation), the Slurm job this process
 * runs in, and the CPU's SIMD level by name (features: cpu.c): the one place
 * outside the backends that talks to OpenMP.
 *
 * The default thread count (what threads=0 means) is, first that applies:
 *   1. OMP_NUM_THREADS, when set and not empty: OpenMP's own reading of it
 *      (the first number of a list);
 *   2. SLURM_CPUS_PER_TASK, a positive integer, inside a Slurm job step or
 *      batch script: the CPUs Slurm gave each task (--cpus-per-task);
 *   3. OpenMP's default: the CPUs this process may run on.
 * An explicit --threads beats all three (the CLI checks it first). A user who
 * sets OMP_NUM_THREADS means it for this run; a job's allocation is the next
 * best guess, better than the node's core count, which a shared node's job
 * does not own. A malformed SLURM_CPUS_PER_TASK is ignored (rule 3 applies),
 * since the batch system, not the user, wrote it. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "corun/core.h"

/* SLURM_CPUS_PER_TASK as a thread count, or 0 when unset or malformed. */
static int slurm_cpus_per_task(void) {
    int64_t v = 0;
    const char *s = getenv("SLURM_CPUS_PER_TASK");
    if (!s || corun_parse_i64(s, &v) || v < 1 || v > 1 << 20) return 0;
    return (int)v;
}

static int omp_env_set(void) {
    const char *s = getenv("OMP_NUM_THREADS");
    return s && *s;
}

int corun_default_threads(void) {
    if (omp_env_set()) return omp_get_max_threads();
    int n = slurm_cpus_per_task();
    return n ? n : omp_get_max_threads();
}

/* Rule 2 for OpenMP itself: before main() (and so before the first parallel
 * region sizes OpenMP's thread pool), the main thread's default becomes
 * SLURM_CPUS_PER_TASK, as OMP_NUM_THREADS would have made it. Then code that
 * asks omp_get_max_threads() on the main thread, or opens a parallel region
 * without num_threads (grid set-up, backends given threads=0), uses the
 * allocation too, and no idle pool threads compete with the job's. */
__attribute__((constructor)) static void slurm_threads_apply(void) {
    int n = omp_env_set() ? 0 : slurm_cpus_per_task();
    if (n && omp_get_max_threads() != n) omp_set_num_threads(n);
}

const char *corun_default_threads_source(void) {
    if (omp_env_set()) return "OMP_NUM_THREADS";
    if (slurm_cpus_per_task()) return "SLURM_CPUS_PER_TASK";
    return "cores";
}

int corun_slurm_job(char *buf, size_t n) {
    const char *job = getenv("SLURM_JOB_ID");
    if (n) buf[0] = '\0';
    if (!job || !*job) return 0;
    const char *arr = getenv("SLURM_ARRAY_JOB_ID"), *task = getenv("SLURM_ARRAY_TASK_ID");
    if (arr && *arr && task && *task)
        snprintf(buf, n, "%s_%s (job %s)", arr, task, job);
    else
        snprintf(buf, n, "%s", job);
    return 1;
}

const char *corun_cpu_simd(void) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (corun_cpu_has(CORUN_CPU_AVX512F | CORUN_CPU_AVX512BW)) return "avx512";
    if (corun_cpu_has(CORUN_CPU_AVX2)) return "avx2";
    return "sse2";
#elif defined(__aarch64__)
    return "neon";
#else
    return "generic";
#endif
}
