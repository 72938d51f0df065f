/* test_batch_env.c — defaults from the batch environment: the thread-count
 * precedence (--threads > OMP_NUM_THREADS > SLURM_CPUS_PER_TASK > cores),
 * both in the library call and in what corun runs and reports, and the Slurm
 * job that `corun info` names (plain job, array task, requeued). The child
 * processes inherit this process's environment, set per test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "testlib.h"

static char out[1 << 16], err[1 << 16];

#define RUN(...)                                                                          \
    test_run_corun((const char *const[]){"corun", __VA_ARGS__, NULL}, out, sizeof out, err, \
                   sizeof err)

static void clear_env(void) {
    const char *vars[] = {"OMP_NUM_THREADS",    "SLURM_CPUS_PER_TASK", "SLURM_JOB_ID",
                          "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURM_RESTART_COUNT",
                          "SLURMD_NODENAME"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) unsetenv(vars[i]);
}

static int has(const char *needle) {
    if (strstr(out, needle)) return 1;
    fprintf(stderr, "\nexpected '%s' in:\n%s", needle, out);
    return 0;
}

/* The library call reads the environment on every call. */
static void test_library_precedence(void) {
    clear_env();
    CU_ASSERT_STRING_EQUAL(corun_default_threads_source(), "cores");
    setenv("SLURM_CPUS_PER_TASK", "3", 1);
    CU_ASSERT_EQUAL(corun_default_threads(), 3);
    CU_ASSERT_STRING_EQUAL(corun_default_threads_source(), "SLURM_CPUS_PER_TASK");
    setenv("OMP_NUM_THREADS", "5", 1); /* set: OpenMP's reading of it wins over Slurm */
    CU_ASSERT_STRING_EQUAL(corun_default_threads_source(), "OMP_NUM_THREADS");
    setenv("OMP_NUM_THREADS", "", 1); /* empty is unset */
    CU_ASSERT_EQUAL(corun_default_threads(), 3);
    const char *bad[] = {"0", "-2", "x", "2x", " 2", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        setenv("SLURM_CPUS_PER_TASK", bad[i], 1);
        CU_ASSERT_STRING_EQUAL(corun_default_threads_source(), "cores");
    }
    clear_env();
}

static void test_info_thread_source(void) {
    clear_env();
    CU_ASSERT_EQUAL_FATAL(RUN("info"), 0);
    CU_ASSERT(has("(default from cores)"));
    CU_ASSERT(has("slurm: not in a job (no SLURM_JOB_ID)"));
    setenv("SLURM_CPUS_PER_TASK", "3", 1);
    CU_ASSERT_EQUAL_FATAL(RUN("info"), 0);
    CU_ASSERT(has("threads=3 (default from SLURM_CPUS_PER_TASK)"));
    setenv("OMP_NUM_THREADS", "2", 1);
    CU_ASSERT_EQUAL_FATAL(RUN("info"), 0);
    CU_ASSERT(has("threads=2 (default from OMP_NUM_THREADS)"));
    setenv("SLURM_CPUS_PER_TASK", "many", 1);
    unsetenv("OMP_NUM_THREADS");
    CU_ASSERT_EQUAL_FATAL(RUN("info"), 0);
    CU_ASSERT(has("(default from cores)"));
    clear_env();
}

static void test_info_job(void) {
    clear_env();
    setenv("SLURM_JOB_ID", "77", 1);
    setenv("SLURM_CPUS_PER_TASK", "1", 1);
    setenv("SLURMD_NODENAME", "node7", 1);
    CU_ASSERT_EQUAL_FATAL(RUN("info"), 0);
    CU_ASSERT(has("slurm: job 77 on node7, cpus-per-task=1\n"));
    setenv("SLURM_ARRAY_JOB_ID", "70", 1);
    setenv("SLURM_ARRAY_TASK_ID", "3", 1);
    setenv("SLURM_RESTART_COUNT", "2", 1);
    CU_ASSERT_EQUAL_FATAL(RUN("info"), 0);
    CU_ASSERT(has("slurm: job 70_3 (job 77) on node7, cpus-per-task=1, requeued 2\n"));
    char buf[64];
    CU_ASSERT_EQUAL(corun_slurm_job(buf, sizeof buf), 1);
    CU_ASSERT_STRING_EQUAL(buf, "70_3 (job 77)");
    clear_env();
    CU_ASSERT_EQUAL(corun_slurm_job(buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "");
}

/* What a run uses: the allocation, unless --threads or OMP_NUM_THREADS (on a
 * grid big enough for the backend to use them all: threads= is what it used). */
static void test_run_uses_allocation(void) {
    clear_env();
    setenv("SLURM_CPUS_PER_TASK", "1", 1);
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", "1024x1024", "--steps", "4", "--backend", "omp"), 0);
    CU_ASSERT(has("backend=omp threads=1 "));
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", "1024x1024", "--steps", "4", "--backend", "omp",
                              "--threads", "3"),
                          0);
    CU_ASSERT(has("backend=omp threads=3 "));
    setenv("OMP_NUM_THREADS", "2", 1);
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", "1024x1024", "--steps", "4", "--backend", "omp"), 0);
    CU_ASSERT(has("backend=omp threads=2 "));
    /* threads= is what the backend used: a tiny grid steps on one thread,
     * and the serial backend always does */
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", "16x16", "--steps", "4", "--backend", "omp",
                              "--threads", "4"),
                          0);
    CU_ASSERT(has("backend=omp threads=1 "));
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", "1024x1024", "--steps", "4", "--backend",
                              "serial", "--threads", "4"),
                          0);
    CU_ASSERT(has("backend=serial threads=1 "));
    clear_env();
}

/* The thread variables are held to --threads' range in every subcommand
 * that runs OpenMP code: a bad value is refused (exit 2) naming the variable
 * and its value, before anything starts that many threads. */
static void expect_env_refused(const char *var, const char *value) {
    const char *csv = test_tmp_path("env.csv");
    int rcs[4] = {
        RUN("life", "--size", "8x8", "--steps", "1", "--quiet"),
        RUN("fib", "--n", "10", "--quiet"),
        RUN("csv", "gen", "--rows", "10", "-o", csv, "--force", "--quiet"),
        RUN("bench", "--workload", "life", "--dry-run"),
    };
    char needle[128];
    snprintf(needle, sizeof needle, "%s='%s'", var, value);
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(rcs[i], 2);
    }
    /* the last run's message (all four print the same one) */
    if (!strstr(err, needle)) fprintf(stderr, "\nexpected '%s' in:\n%s", needle, err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
}

static void test_env_threads_checked(void) {
    const char *bad_omp[] = {"100000", "0", "x", "-1", "4,x", "4,100000", "2x", ","};
    for (size_t i = 0; i < sizeof bad_omp / sizeof *bad_omp; i++) {
        clear_env();
        setenv("OMP_NUM_THREADS", bad_omp[i], 1);
        expect_env_refused("OMP_NUM_THREADS", bad_omp[i]);
    }
    const char *bad_slurm[] = {"100000", "0", "many", "4,2"};
    for (size_t i = 0; i < sizeof bad_slurm / sizeof *bad_slurm; i++) {
        clear_env();
        setenv("SLURM_CPUS_PER_TASK", bad_slurm[i], 1);
        expect_env_refused("SLURM_CPUS_PER_TASK", bad_slurm[i]);
    }
    /* checked even with --threads: OpenMP reads it for its own default */
    clear_env();
    setenv("OMP_NUM_THREADS", "100000", 1);
    CU_ASSERT_EQUAL(RUN("life", "--size", "8x8", "--steps", "1", "--threads", "2", "--quiet"), 2);
    /* a list names the count per nesting level: the first is the run's */
    clear_env();
    setenv("OMP_NUM_THREADS", "2,1", 1);
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", "1024x1024", "--steps", "2", "--backend", "omp"), 0);
    CU_ASSERT(has("backend=omp threads=2 "));
    /* Slurm's value is not used, so not checked, when OMP_NUM_THREADS is set */
    setenv("SLURM_CPUS_PER_TASK", "100000", 1);
    CU_ASSERT_EQUAL(RUN("fib", "--n", "10", "--quiet"), 0);
    /* the largest allowed count is accepted */
    clear_env();
    setenv("SLURM_CPUS_PER_TASK", "4096", 1);
    corun_err_t e = {0};
    CU_ASSERT_EQUAL(corun_threads_env_check(&e), 0);
    CU_ASSERT_EQUAL(corun_default_threads(), 4096);
    setenv("SLURM_CPUS_PER_TASK", "4097", 1);
    CU_ASSERT_NOT_EQUAL(corun_threads_env_check(&e), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "SLURM_CPUS_PER_TASK='4097'"));
    CU_ASSERT_STRING_EQUAL(corun_default_threads_source(), "cores");
    clear_env();
}

static const test_case_t cases[] = {
    {"library: OMP_NUM_THREADS > SLURM_CPUS_PER_TASK > cores", test_library_precedence},
    {"info names the source of the thread default", test_info_thread_source},
    {"info names the Slurm job, array task and requeues", test_info_job},
    {"a run uses the allocation unless told otherwise", test_run_uses_allocation},
    {"OMP_NUM_THREADS and SLURM_CPUS_PER_TASK are held to 1..4096", test_env_threads_checked},
    {NULL, NULL},
};
CORUN_TEST_SUITE(batch_env, cases)
