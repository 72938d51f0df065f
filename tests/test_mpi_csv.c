/* test_mpi_csv.c — `mpirun -np P corun csv split` for P = 1..4 against the
 * single-process split, file by file and byte by byte: generated data with
 * quoted fields, CRLF and a BOM; quoted line breaks at every rank boundary;
 * names that collide after sanitising; tiny files (fewer records than
 * ranks, no final newline, --only with absent values); a ragged record and
 * an unterminated quote named at the single-process line, with no output
 * left behind. Skipped (77) without MPI or CORUN_MPIEXEC. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "corun/mpi.h"
#include "testlib.h"

static int run(int np, const char *const *args, char **errout) {
    return test_run_mpi(np, args, NULL, errout);
}

static char *slurp(const char *path, size_t *n) {
    size_t k;
    return test_slurp(path, n ? n : &k);
}

/* Splits input by `by` alone and with each P in ps (e.g. "1234"), with
 * --only if given, and compares every output folder with the
 * single-process one; returns the number of files. (Each mpirun costs
 * about half a second: the suite picks its P.) */
static int check_split(const char *input, const char *by, const char *only, const char *ps) {
    const char *ref = test_tmp_path("csv_ref");
    test_rmtree(ref);
    const char *a[] = {"csv", "split", input, "--by", by, "-o", ref, "--threads", "1",
                       only ? "--only" : NULL, only, NULL};
    CU_ASSERT_EQUAL_FATAL(run(0, a, NULL), 0);
    int files = -1;
    for (const char *pc = ps; *pc; pc++) {
        int p = *pc - '0';
        char dir[600];
        snprintf(dir, sizeof dir, "%s_%d", ref, p);
        test_rmtree(dir);
        const char *b[] = {"csv", "split", input, "--by", by, "-o", dir, "--threads", "1",
                           only ? "--only" : NULL, only, NULL};
        CU_ASSERT_EQUAL(run(p, b, NULL), 0);
        int n = test_same_dir_files(ref, dir, NULL);
        CU_ASSERT(n > 0);
        files = n;
        test_rmtree(dir);
    }
    test_rmtree(ref);
    return files;
}

static void test_generated(void) {
    const char *f = test_tmp_path("mpi_gen.csv");
    const char *g[] = {"csv", "gen", "--rows", "2500", "--seed", "7", "--quoted-fraction", "0.2",
                       "--crlf", "--bom", "-o", f, NULL};
    CU_ASSERT_EQUAL_FATAL(run(0, g, NULL), 0);
    CU_ASSERT(check_split(f, "Country", NULL, "1234") > 100);
    CU_ASSERT_EQUAL(check_split(f, "Region", "Europe,Atlantis,Asia", "3"), 3);
    unlink(f);
}

/* Inside each rank: small windows and OpenMP chunks of 16 bytes
 * (CORUN_CSV_MIN_CHUNK), against the serial backend. */
static void test_windows_and_chunks(void) {
    const char *f = test_tmp_path("mpi_q5.csv");
    const char *g[] = {"csv", "gen", "--rows", "400", "--seed", "9", "--quoted-fraction", "0.5",
                       "--crlf", "-o", f, NULL};
    CU_ASSERT_EQUAL_FATAL(run(0, g, NULL), 0);
    const char *ref = test_tmp_path("csv_wref"), *dir = test_tmp_path("csv_wmpi");
    test_rmtree(ref);
    test_rmtree(dir);
    const char *a[] = {"csv", "split", f, "--by", "Country", "-o", ref, "--backend", "serial", NULL};
    CU_ASSERT_EQUAL_FATAL(run(0, a, NULL), 0);
    setenv("CORUN_CSV_MIN_CHUNK", "16", 1);
    const char *b[] = {"csv", "split", f, "--by", "Country", "-o", dir, "--threads", "2",
                       "--window", "300", NULL};
    CU_ASSERT_EQUAL(run(3, b, NULL), 0);
    unsetenv("CORUN_CSV_MIN_CHUNK");
    CU_ASSERT(test_same_dir_files(ref, dir, NULL) > 100);
    test_rmtree(ref);
    test_rmtree(dir);
    unlink(f);
}

/* Every record is mostly a quoted field of line breaks, so every rank
 * boundary (for any P) falls inside quotes, usually just after an LF. */
static void test_quoted_newlines_at_boundaries(void) {
    const char *f = test_tmp_path("mpi_quoted.csv");
    FILE *o = fopen(f, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    fputs("id,note,key\n", o);
    for (int i = 0; i < 60; i++) {
        fprintf(o, "%d,\"", i);
        for (int k = 0; k < 10 + i % 7; k++) fputs(k % 3 ? "\n" : "a,\"\"b\"\"\r\n", o);
        fprintf(o, "\",k%d\n", i % 5);
    }
    fputs("60,\"\n\",k1", o); /* no final newline */
    fclose(o);
    CU_ASSERT_EQUAL(check_split(f, "key", NULL, "234"), 5);
    unlink(f);
}

/* Values that sanitise alike get hashed names; which rank sees which
 * value first must not matter. */
static void test_colliding_names(void) {
    const char *f = test_write_tmp("mpi_names.csv",
                                   "k,v\nFrance,1\nx,2\nFRANCE,3\na/b,4\n..,5\nfrance,6\nx,7\n"
                                   "a_b,8\n\"a\nb\",9\nFrance,10\n");
    CU_ASSERT_EQUAL(check_split(f, "k", NULL, "34"), 8);
}

static void test_tiny(void) {
    const char *one = test_write_tmp("mpi_one.csv", "a,b\n1,x");
    CU_ASSERT_EQUAL(check_split(one, "b", NULL, "4"), 1);
    CU_ASSERT_EQUAL(check_split(one, "b", "x,y,z", "3"), 3);
    const char *hdr = test_write_tmp("mpi_hdr.csv", "\xEF\xBB\xBF" "a,b\r\n");
    CU_ASSERT_EQUAL(check_split(hdr, "b", "q", "2"), 1);
    const char *two = test_write_tmp("mpi_two.csv", "a,b\r\n\r\n1,\"x\r\n\"\r\n2,y\r\n");
    CU_ASSERT_EQUAL(check_split(two, "b", NULL, "34"), 2);
}

/* The same message (same line) as one process, exit 2, no folder left. */
static void check_error(const char *input, const char *by, const char *want, const char *ps) {
    const char *dir = test_tmp_path("csv_err");
    test_rmtree(dir);
    rmdir(dir);
    const char *a[] = {"csv", "split", input, "--by", by, "-o", dir, NULL};
    char *ref = NULL;
    CU_ASSERT_EQUAL(run(0, a, &ref), 2);
    CU_ASSERT_PTR_NOT_NULL(ref ? strstr(ref, want) : NULL);
    char *nl = ref ? strchr(ref, '\n') : NULL;
    if (nl) nl[1] = '\0';
    for (const char *pc = ps; *pc; pc++) {
        int p = *pc - '0';
        char *got = NULL;
        CU_ASSERT_EQUAL(run(p, a, &got), 2);
        /* mpirun adds its own lines after ours */
        CU_ASSERT(ref && got && !strncmp(got, ref, strlen(ref)));
        struct stat st;
        CU_ASSERT_NOT_EQUAL(stat(dir, &st), 0);
        free(got);
    }
    free(ref);
}

static void test_errors(void) {
    char text[8192] = "a,b,c\n";
    for (int i = 0; i < 100; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), i % 9 ? "%d,v%d,z\n" : "%d,\"v\n%d\",z\n",
                 i, i % 4);
    char ragged[8300], unterminated[8300];
    snprintf(ragged, sizeof ragged, "%s7,only two\n1,v1,z\n", text);
    snprintf(unterminated, sizeof unterminated, "%s8,\"open,z\n1,v1,z\n", text);
    check_error(test_write_tmp("mpi_ragged.csv", ragged), "b", ":114: ragged record", "24");
    check_error(test_write_tmp("mpi_unterminated.csv", unterminated), "b", ":114: unterminated", "34");
    check_error(test_write_tmp("mpi_nocol.csv", "a,b\n1,2\n"), "zz", "no column 'zz'", "3");
}

/* An existing folder needs --force (checked once, on rank 0). */
static void test_force(void) {
    const char *f = test_write_tmp("mpi_force.csv", "a,b\n1,x\n2,y\n");
    const char *dir = test_tmp_path("csv_force");
    test_rmtree(dir);
    mkdir(dir, 0777);
    const char *a[] = {"csv", "split", f, "--by", "b", "-o", dir, NULL};
    char *err = NULL;
    CU_ASSERT_EQUAL(run(3, a, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "--force") : NULL);
    free(err);
    const char *b[] = {"csv", "split", f, "--by", "b", "-o", dir, "--force", NULL};
    CU_ASSERT_EQUAL(run(3, b, NULL), 0);
    char p[700];
    snprintf(p, sizeof p, "%s/y.csv", dir);
    char *y = slurp(p, NULL);
    CU_ASSERT_STRING_EQUAL(y ? y : "", "a,b\n2,y\n");
    free(y);
    test_rmtree(dir);
}

static const test_case_t cases[] = {{"generated", test_generated},
                                    {"windows_and_chunks", test_windows_and_chunks},
                                    {"quoted_newlines_at_boundaries", test_quoted_newlines_at_boundaries},
                                    {"colliding_names", test_colliding_names},
                                    {"tiny", test_tiny},
                                    {"errors", test_errors},
                                    {"force", test_force},
                                    {NULL, NULL}};
CORUN_TEST_SUITE(mpi_csv, cases)
