/* testlib.h — the test registry shared by all CUnit suites.
 *
 * Each tests/test_<module>.c registers its suite with CORUN_TEST_SUITE; the
 * build globs those files and adds one CTest test per file, which runs
 * `corun_tests <module>`. Adding a suite therefore touches no shared file.
 * Tests use CUnit asserts only (never assert(), which NDEBUG would drop).
 */
#ifndef CORUN_TESTLIB_H
#define CORUN_TESTLIB_H

#include "corun/life.h"
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct test_case {
    const char *name;
    void (*fn)(void);
} test_case_t;

void test_register(const char *suite, const test_case_t *cases);

/* Usage: static const test_case_t cases[] = {{"x", test_x}, {NULL, NULL}};
 *        CORUN_TEST_SUITE(rule, cases) */
#define CORUN_TEST_SUITE(name, cases)                                          \
    __attribute__((constructor)) static void register_suite_##name(void) {    \
        test_register(#name, cases);                                           \
    }

/* Paths handed over by CTest (environment), with fallbacks for manual runs. */
const char *test_corun_bin(void);  /* the corun program */
const char *test_data_dir(void);   /* tests/data */
const char *test_tmp_dir(void);    /* a private scratch folder, created on demand */

/* test_tmp_dir()/name, in one of 8 rotating static buffers. */
const char *test_tmp_path(const char *name);

/* Writes text to test_tmp_path(name) and returns that path (asserts). */
const char *test_write_tmp(const char *name, const char *text);

/* Reads a whole file (malloc'd, NUL-terminated; NULL if unreadable). */
char *test_slurp(const char *path, size_t *n);
/* Compares two folders: the same file names (but "." / ".." and `skip`,
 * which may be NULL) with the same bytes, printing each that differs.
 * Returns how many files there are, or -1 if they differ or a folder is
 * unreadable. */
int test_same_dir_files(const char *a, const char *b, const char *skip);
/* How many entries of test_tmp_dir() are named ".NAME.*" (the lock file
 * and temporaries of an output NAME there). */
int test_tmp_siblings(const char *name);
/* Removes a folder and the files directly in it (no subfolders). */
void test_rmtree(const char *dir);

/* Runs tests/h5check.py (h5py, no corun code) on an HDF5 snapshot file with
 * extra flags (may be NULL); its report in buf; returns its exit status. */
int test_h5check(const char *path, const char *flags, char *buf, size_t cap);

/* Runs Debian's python3 on `code` after "import sys, h5py, numpy"; '%s' in
 * code is path (code must not hold a '"'). Returns system()'s status. */
int test_py(const char *code, const char *path);

/* Runs the corun program with argv (NULL-terminated, argv[0] ignored),
 * capturing stdout and stderr (each truncated to cap bytes); returns the exit
 * status, or -signal if it was killed by a signal. */
int test_run_corun(const char *const *argv, char *out, size_t outcap, char *errout,
                   size_t errcap);
/* The same, killed after limit_s seconds (then -1000 is returned). */
int test_run_corun_limited(const char *const *argv, int limit_s, char *out, size_t outcap,
                           char *errout, size_t errcap);

/* Starts the corun program with argv (NULL-terminated, argv[0] ignored) in
 * the background: stdout to /dev/null, stderr to test_tmp_path("bg_err.txt").
 * The caller waits for (or kills) the returned pid. */
pid_t test_spawn_corun(const char *const *argv);
void test_sleep_ms(long ms);

/* The MPI launcher CTest names in CORUN_MPIEXEC. Without MPI in this build,
 * or without a launcher, prints why and exits 77 (CTest: Skipped). */
const char *test_mpiexec(void);

/* Runs `mpiexec -np P --oversubscribe corun args...` (np 0: corun alone;
 * args NULL-terminated, up to 60), stdout and stderr into files under
 * test_tmp_dir(); *out / *errout receive them (malloc'd) when not NULL.
 * Returns the exit status, -1 if it did not exit normally. */
int test_run_mpi(int np, const char *const *args, char **out, char **errout);

/* A random rule in Hensel notation from seed: for each count of each
 * half (birth from count `born_from` on), none, the whole count, or some of
 * its letters (plain, or after '-' when `minus`). Text into buf. */
void test_random_hensel(uint64_t seed, int born_from, int minus, char *buf, size_t n);

/* Steps the byte grid g in place by n generations on backend be, through a
 * packed grid (open, step, close); pops (NULL or n entries) gets the
 * populations. Returns the first error. */
int test_life_step(const corun_life_backend_t *be, corun_life_cells_t *g,
                   const corun_life_params_t *p, int64_t n, int64_t *pops, corun_err_t *err);

/* A backend opened on a packed copy of a byte grid, for tests that compare
 * byte grids: open, read the current generation back into bytes, close. */
typedef struct test_life {
    const corun_life_backend_t *be;
    void *st;
    corun_life_grid_t grid;
} test_life_t;
int test_life_open(test_life_t *t, const corun_life_backend_t *be, const corun_life_cells_t *init,
                   const corun_life_params_t *p, corun_err_t *err);
/* out: a byte grid of the same size (initialised by the caller). */
int test_life_read(test_life_t *t, corun_life_cells_t *out, corun_err_t *err);
/* The backend's info().mode (a static buffer). */
const char *test_life_mode(test_life_t *t);
void test_life_close(test_life_t *t);

#endif
