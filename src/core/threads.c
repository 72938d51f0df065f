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
 * does not own.
 *
 * Both variables are held to the range --threads has (1..CORUN_THREADS_MAX):
 * corun_threads_env_check() says which one is wrong, and the CLI refuses to
 * run with it, since a typo such as 100000 makes OpenMP start that many
 * threads, which can crash the process, wherever a parallel region takes
 * OpenMP's default. For
 * callers that do not check, the library is defensive instead: it ignores a
 * malformed SLURM_CPUS_PER_TASK (rule 3 applies) and never returns more than
 * CORUN_THREADS_MAX. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"

/* SLURM_CPUS_PER_TASK as a thread count, or 0 when unset or malformed. */
static int slurm_cpus_per_task(void) {
    int64_t v = 0;
    const char *s = getenv("SLURM_CPUS_PER_TASK");
    if (!s || corun_parse_i64(s, &v) || v < 1 || v > CORUN_THREADS_MAX) return 0;
    return (int)v;
}

static int omp_env_set(void) {
    const char *s = getenv("OMP_NUM_THREADS");
    return s && *s;
}

int corun_default_threads(void) {
    int n = omp_env_set() ? 0 : slurm_cpus_per_task();
    if (!n) n = omp_get_max_threads();
    return n < CORUN_THREADS_MAX ? n : CORUN_THREADS_MAX;
}

/* One element of an OMP_NUM_THREADS list, [s, e): a count in
 * 1..CORUN_THREADS_MAX, with the blanks around it that OpenMP allows. */
static int omp_count_ok(const char *s, const char *e) {
    while (s < e && (*s == ' ' || *s == '\t')) s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
    if (s == e || e - s > 9) return 0;
    int64_t v = 0;
    for (const char *p = s; p < e; p++) {
        if (*p < '0' || *p > '9') return 0;
        v = v * 10 + (*p - '0');
    }
    return v >= 1 && v <= CORUN_THREADS_MAX;
}

int corun_threads_env_check(corun_err_t *err) {
    const char *omp = getenv("OMP_NUM_THREADS");
    if (omp && *omp) {
        /* A list ("4,2") gives the count per nesting level; OpenMP uses the
         * first for the outer level and rejects the whole variable if any
         * element is malformed, so every element must be a valid count. */
        const char *s = omp;
        for (;;) {
            const char *e = strchr(s, ',');
            if (!e) e = s + strlen(s);
            if (!omp_count_ok(s, e))
                return corun_err_set(err, CORUN_EINVAL,
                                     "OMP_NUM_THREADS='%s' is not a thread count in 1..%d (or a "
                                     "list of them for nested levels, e.g. 4,2): fix or unset it",
                                     omp, CORUN_THREADS_MAX);
            if (!*e) break;
            s = e + 1;
        }
    }
    /* Slurm's count is used only when OMP_NUM_THREADS is not set. */
    const char *slurm = getenv("SLURM_CPUS_PER_TASK");
    if (!(omp && *omp) && slurm && *slurm && !slurm_cpus_per_task())
        return corun_err_set(err, CORUN_EINVAL,
                             "SLURM_CPUS_PER_TASK='%s' is not a thread count in 1..%d: fix the "
                             "job's --cpus-per-task or set OMP_NUM_THREADS",
                             slurm, CORUN_THREADS_MAX);
    return 0;
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
