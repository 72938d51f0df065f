/* test_mpi_fib.c — `mpirun -np P corun fib` for P = 1..4 against the
 * single-process run: the same rows (timing fields aside, any order), the
 * same digits files and summary.csv rows, the same summary hash with
 * ranks=P; fewer tasks than ranks; a failed task on some rank ends every
 * rank non-zero. Skipped (77) in builds without MPI or without a launcher
 * (CORUN_MPIEXEC, set by CTest). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "corun/mpi.h"
#include "testlib.h"

static int run(int np, const char *const *args, char **out) {
    return test_run_mpi(np, args, out, NULL);
}

static char *slurp(const char *path) {
    size_t n;
    return test_slurp(path, &n);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of text without timing fields (key=value tokens named
 * *seconds=, tasks_per_s=, ranks=), sorted, joined by '\n'. */
static char *normalise(const char *text) {
    char *copy = strdup(text ? text : ""), *lines[4096];
    size_t n = 0;
    for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l && n < 4096;
         l = strtok_r(NULL, "\n", &save)) {
        char *o = malloc(strlen(l) + 2), *save2 = NULL; /* tokens + one space each */
        o[0] = '\0';
        for (char *t = strtok_r(l, " ", &save2); t; t = strtok_r(NULL, " ", &save2)) {
            if (strstr(t, "seconds=") || !strncmp(t, "tasks_per_s=", 12) || !strncmp(t, "ranks=", 6))
                continue;
            strcat(o, t);
            strcat(o, " ");
        }
        lines[n++] = o;
    }
    qsort(lines, n, sizeof *lines, cmp_str);
    size_t len = 1;
    for (size_t i = 0; i < n; i++) len += strlen(lines[i]) + 1;
    char *r = calloc(len, 1);
    for (size_t i = 0; i < n; i++) {
        strcat(r, lines[i]);
        strcat(r, "\n");
        free(lines[i]);
    }
    free(copy);
    return r;
}

/* summary.csv without its two timing columns, sorted. */
static char *csv_rows(const char *dir) {
    char path[1200];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    char *t = slurp(path);
    if (!t) return strdup("(missing)");
    /* "task,n,...,hash,seconds,decimal_seconds": drop the last two columns */
    char *o = t;
    for (char *l = t, *nl; *l; l = nl) {
        nl = strchr(l, '\n');
        nl = nl ? nl + 1 : l + strlen(l);
        char *cut = nl;
        for (int k = 0; k < 2 && cut > l;) {
            cut--;
            if (*cut == ',') k++;
        }
        memmove(o, l, (size_t)(cut - l));
        o += cut - l;
        *o++ = '\n';
    }
    *o = '\0';
    char *r = normalise(t);
    free(t);
    return r;
}

static void test_same_as_single_process(void) {
    const char *one = test_tmp_path("fib_p0");
    test_rmtree(one);
    const char *n = "100000,300,7,93,0,20000,1,4000";
    const char *a[] = {"fib", "--n", n, "--tasks", "2", "--threads", "1", "--out", one, "--verify", NULL};
    char *ref = NULL;
    CU_ASSERT_EQUAL_FATAL(run(0, a, &ref), 0);
    char *nref = normalise(ref), *cref = csv_rows(one);
    CU_ASSERT_PTR_NOT_NULL(strstr(ref, "tasks=16 "));
    for (int p = 1; p <= 4; p++) {
        char dir[600], ranks[32];
        snprintf(dir, sizeof dir, "%s_%d", one, p);
        test_rmtree(dir);
        const char *b[] = {"fib", "--n", n, "--tasks", "2", "--threads", "1", "--out", dir, "--verify", NULL};
        char *got = NULL;
        CU_ASSERT_EQUAL(run(p, b, &got), 0);
        char *ngot = normalise(got), *cgot = csv_rows(dir);
        CU_ASSERT_STRING_EQUAL(ngot, nref);
        CU_ASSERT_STRING_EQUAL(cgot, cref);
        snprintf(ranks, sizeof ranks, " ranks=%d\n", p);
        CU_ASSERT_PTR_NOT_NULL(got ? strstr(got, ranks) : NULL);
        CU_ASSERT_PTR_NOT_NULL(got ? strstr(got, "verify=ok") : NULL);
        CU_ASSERT(test_same_dir_files(one, dir, "summary.csv") > 0);
        free(got), free(ngot), free(cgot);
        test_rmtree(dir);
    }
    free(ref), free(nref), free(cref);
    test_rmtree(one);
}

/* --digits on stdout: every value, and fewer tasks (2) than ranks (4). */
static void test_fewer_tasks_than_ranks(void) {
    const char *a[] = {"fib", "--n", "1000,93", "--threads", "1", "--digits", NULL};
    char *ref = NULL, *got = NULL;
    CU_ASSERT_EQUAL_FATAL(run(0, a, &ref), 0);
    CU_ASSERT_EQUAL(run(4, a, &got), 0);
    char *x = normalise(ref), *y = normalise(got);
    CU_ASSERT_STRING_EQUAL(x, y);
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "12200160415121876738 \n")); /* F(93) */
    CU_ASSERT_PTR_NOT_NULL(got ? strstr(got, "tasks=2 ") : NULL);
    free(ref), free(got), free(x), free(y);
}

/* A task that fails on some rank: every rank ends with a failure, no hang
 * (CTest's timeout would catch one), no summary line. */
static void test_failed_task_fails_all(void) {
    for (int p = 2; p <= 3; p++) {
        for (const char *const *t = (const char *const[]){"0", "5", NULL}; *t; t++) {
            setenv("CORUN_FIB_FAIL_TASK", *t, 1);
            const char *a[] = {"fib", "--n", "2000,30,40", "--tasks", "3", "--threads", "1", NULL};
            char *got = NULL, *err = NULL;
            int rc = test_run_mpi(p, a, &got, &err);
            unsetenv("CORUN_FIB_FAIL_TASK");
            CU_ASSERT_NOT_EQUAL(rc, 0);
            CU_ASSERT_PTR_NULL(got ? strstr(got, "tasks=") : NULL);
            CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "failed on purpose") : NULL);
            free(err);
            free(got);
        }
    }
}

/* Bad input is refused before any work, on every rank, with exit 2. */
static void test_bad_n(void) {
    const char *a[] = {"fib", "--n", "-5", NULL};
    CU_ASSERT_EQUAL(run(2, a, NULL), 2);
}

/* HDF5 output: only rank 0 opens the file; one dataset per task. */
static void test_h5_out(void) {
    const char *f = test_tmp_path("mpi_fib.h5");
    unlink(f);
    const char *a[] = {"fib", "--n", "5000,10", "--tasks", "2", "--threads", "1", "--out", f, NULL};
    char *got = NULL;
    CU_ASSERT_EQUAL(run(3, a, &got), 0);
    CU_ASSERT(access(f, R_OK) == 0);
    CU_ASSERT_PTR_NOT_NULL(got ? strstr(got, "tasks=4 ") : NULL);
    free(got);
    unlink(f);
}

static const test_case_t cases[] = {{"same_as_single_process", test_same_as_single_process},
                                    {"fewer_tasks_than_ranks", test_fewer_tasks_than_ranks},
                                    {"failed_task_fails_all", test_failed_task_fails_all},
                                    {"bad_n", test_bad_n},
                                    {"h5_out", test_h5_out},
                                    {NULL, NULL}};
CORUN_TEST_SUITE(mpi_fib, cases)
