/* test_fib_cli.c — `corun fib` end to end: summary rows and line, rows in
 * completion order with nothing lost, --digits, --out DIR and FILE.h5,
 * config files, and every class of bad input refused before any work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testlib.h"

static char out[1 << 20], err[1 << 16];

#define RUN(...)                                                                         \
    test_run_corun((const char *const[]){"corun", "fib", __VA_ARGS__, NULL}, out, sizeof out, \
                   err, sizeof err)



static void expect_usage_error(int rc, const char *needle) {
    CU_ASSERT_EQUAL(rc, 2);
    if (!strstr(err, needle)) fprintf(stderr, "\nexpected '%s' in: %s\n", needle, err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
    CU_ASSERT_PTR_NULL(strstr(out, "task=")); /* refused before any work */
}

static int count(const char *hay, const char *needle) {
    int k = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++) k++;
    return k;
}

static void test_help_and_default(void) {
    CU_ASSERT_EQUAL(RUN("--help"), 0);
    const char *flags[] = {"--config", "--n ", "--tasks", "--algo", "--backend", "--threads",
                           "--out", "--digits", "--verify", "--quiet"};
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(out, flags[i]));
    /* The seed's batch: F(1,000,000) once per thread. */
    CU_ASSERT_EQUAL_FATAL(RUN("--threads", "2", "--quiet"), 0);
    CU_ASSERT_EQUAL(count(out, "task="), 2);
    const char *keys[] = {"tasks=2 ", "algo=doubling ", "backend=omp ", "threads=2 ",
                          "n=1000000 ", "digits=208988 ", "total_seconds=", "tasks_per_s=",
                          "hash="};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(out, keys[i]));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "last20=68996526838242546875"));
}

/* Same numbers, same hashes, whatever the algorithm, backend or threads. */
static void test_hash_independent_of_backend(void) {
    char first[64] = "";
    const char *cfg[][6] = {{"serial", "doubling", "1"}, {"omp", "doubling", "2"},
                            {"serial", "linear", "1"},   {"omp", "linear", "3"}};
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL_FATAL(RUN("--n", "1,2,93,1000,30000", "--tasks", "2", "--backend",
                                  cfg[i][0], "--algo", cfg[i][1], "--threads", cfg[i][2],
                                  "--verify", "--quiet"),
                              0);
        CU_ASSERT_EQUAL(count(out, "verify=ok"), 11); /* 10 rows + the summary */
        const char *h = strstr(out, "tasks=10 ");
        CU_ASSERT_PTR_NOT_NULL_FATAL(h);
        h = strstr(h, "hash=");
        CU_ASSERT_PTR_NOT_NULL_FATAL(h);
        if (!first[0]) snprintf(first, sizeof first, "%.21s", h);
        else CU_ASSERT(strncmp(h, first, 21) == 0);
    }
}

/* Rows are written by the aio loop as each task's result arrives, so their
 * order is the completion order of the writers (a small task's row may
 * overtake a big one still being converted): check every task is there
 * exactly once and the summary comes last. The compute order itself
 * (largest first) is checked in the fib suite. */
static void test_completion_order(void) {
    CU_ASSERT_EQUAL_FATAL(RUN("--n", "10,300000,100,5000", "--backend", "serial", "--quiet"), 0);
    const char *p1 = strstr(out, "task=1 n=300000"), *p3 = strstr(out, "task=3 n=5000"),
               *p2 = strstr(out, "task=2 n=100 "), *p0 = strstr(out, "task=0 n=10 "),
               *sum = strstr(out, "tasks=4 ");
    CU_ASSERT_FATAL(p0 && p1 && p2 && p3 && sum);
    CU_ASSERT(p0 < sum && p1 < sum && p2 < sum && p3 < sum);
    CU_ASSERT_EQUAL(count(out, "task="), 4);
    /* omp: any order, but every task once. */
    CU_ASSERT_EQUAL_FATAL(RUN("--n", "7,70000,700", "--tasks", "5", "--quiet"), 0);
    for (int t = 0; t < 15; t++) {
        char key[32];
        snprintf(key, sizeof key, "task=%d n=", t);
        CU_ASSERT_EQUAL(count(out, key), 1);
    }
}

static void test_digits(void) {
    CU_ASSERT_EQUAL_FATAL(RUN("--n", "100", "--tasks", "1", "--digits", "--quiet"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n354224848179261915075\n"));
    CU_ASSERT_EQUAL_FATAL(RUN("--n", "0", "--tasks", "1", "--digits", "--algo", "linear"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "digits=1 last20=0 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n0\n"));
}

static void test_out_dir(void) {
    const char *dir = test_tmp_path("fibout");
    CU_ASSERT_EQUAL_FATAL(RUN("--n", "100,93", "--tasks", "2", "--out", dir, "--quiet"), 0);
    char path[600], line[256];
    snprintf(path, sizeof path, "%s/task000000_n100.txt", dir);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, f));
    CU_ASSERT_STRING_EQUAL(line, "354224848179261915075\n");
    fclose(f);
    snprintf(path, sizeof path, "%s/task000003_n93.txt", dir);
    struct stat st;
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    int rows = 0;
    while (fgets(line, sizeof line, f)) rows++;
    fclose(f);
    CU_ASSERT_EQUAL(rows, 5); /* header + 4 tasks */
    /* A file where the folder should be: bad usage, also with --force. */
    const char *file = test_write_tmp("notadir", "x");
    CU_ASSERT_EQUAL(RUN("--n", "5", "--out", file, "--quiet", "--force"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a folder"));
    /* An existing folder needs --force, and is then replaced as a whole. */
    CU_ASSERT_EQUAL(RUN("--n", "7", "--out", dir, "--quiet"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--force"));
    CU_ASSERT_EQUAL(RUN("--n", "7", "--tasks", "1", "--out", dir, "--quiet", "--force"), 0);
    snprintf(path, sizeof path, "%s/task000003_n93.txt", dir);
    CU_ASSERT_NOT_EQUAL(stat(path, &st), 0);
    snprintf(path, sizeof path, "%s/task000000_n7.txt", dir);
    CU_ASSERT_EQUAL(stat(path, &st), 0);
}

static void test_out_h5(void) {
    const char *h5 = test_tmp_path("fib.h5");
    CU_ASSERT_EQUAL_FATAL(RUN("--n", "100,1000", "--out", h5, "--quiet"), 0);
    FILE *f = fopen(h5, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    unsigned char sig[8];
    CU_ASSERT_EQUAL(fread(sig, 1, 8, f), 8);
    fclose(f);
    CU_ASSERT(memcmp(sig, "\x89HDF\r\n\x1a\n", 8) == 0);
    /* With h5dump: the dataset of F(100) holds its digits, attribute n = 100. */
    if (system("command -v h5dump >/dev/null 2>&1") == 0) {
        char cmd[800];
        snprintf(cmd, sizeof cmd,
                 "h5dump -d /task_000000 %s | grep -q 354224848179261915075 && "
                 "h5dump -a /task_000000/n %s | grep -q '(0): 100'",
                 h5, h5);
        CU_ASSERT_EQUAL(system(cmd), 0);
    }
    CU_ASSERT_EQUAL(RUN("--n", "5", "--out", "/no/such/dir/x.h5", "--quiet"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/no/such/dir/x.h5"));
}

static void test_config(void) {
    const char *cfg = test_write_tmp("fib.ini", "[fib]\nn = 100, 200\ntasks = 2\nalgo = linear\n"
                                           "backend = serial\n");
    CU_ASSERT_EQUAL_FATAL(RUN("--config", cfg, "--quiet"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "tasks=4 algo=linear backend=serial threads=1 n=100..200"));
    CU_ASSERT_EQUAL_FATAL(RUN("--config", cfg, "--algo", "doubling", "--tasks", "1", "--quiet"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "tasks=2 algo=doubling"));
    expect_usage_error(RUN("--config", test_write_tmp("a.ini", "[fib]\ntaks = 4\n")),
                       "a.ini:2: unknown key 'taks' in [fib] (did you mean 'tasks'?)");
    expect_usage_error(RUN("--config", test_write_tmp("b.ini", "[life]\nn = 4\n")),
                       "b.ini:2: unknown section [life]");
    expect_usage_error(RUN("--config", test_write_tmp("c.ini", "n = 4\n")),
                       "c.ini:1: key 'n' is outside any section");
    expect_usage_error(RUN("--config", test_write_tmp("d.ini", "[fib]\nn = 4,x\n")),
                       "d.ini:2: n: value 2 of the list: 'x'");
}

static void test_bad_input(void) {
    expect_usage_error(RUN("--n", "-5"), "'-5' is negative");
    expect_usage_error(RUN("--n", "abc"), "'abc' is not a non-negative integer");
    expect_usage_error(RUN("--n", "12x"), "'12x'");
    expect_usage_error(RUN("--n", "1.5"), "'1.5'");
    expect_usage_error(RUN("--n", "5,,6"), "value 2 of the list");
    expect_usage_error(RUN("--n", ""), "n: ''");
    expect_usage_error(RUN("--n", "18446744073709551616"), "18446744073709551616");
    expect_usage_error(RUN("--n", "1e30"), "1e30");
    expect_usage_error(RUN("--n", "99999999999999"), "above the limit");
    expect_usage_error(RUN("--n", "10,1e13"), "n=10000000000000: above the limit");
    expect_usage_error(RUN("--tasks", "0"), "tasks");
    expect_usage_error(RUN("--tasks", "-2"), "tasks");
    expect_usage_error(RUN("--n", "1,2,3,4", "--tasks", "1000000"), "more than");
    expect_usage_error(RUN("--algo", "fast"), "algo: 'fast'");
    expect_usage_error(RUN("--backend", "gpu"), "backend: 'gpu'");
    expect_usage_error(RUN("--threads", "0"), "threads");
    expect_usage_error(RUN("--digits", "--bogus"), "unknown option '--bogus'");
    expect_usage_error(RUN("--n"), "needs a value");
    expect_usage_error(RUN("stray"), "unexpected argument 'stray'");
    expect_usage_error(RUN("--config", "/no/such/fib.ini"), "/no/such/fib.ini");
}

static const test_case_t cases[] = {
    {"help; the default batch and its summary", test_help_and_default},
    {"same hash on every backend, algorithm, thread count (verified)",
     test_hash_independent_of_backend},
    {"rows in completion order, nothing lost", test_completion_order},
    {"--digits prints the values", test_digits},
    {"--out DIR: one file per task and summary.csv", test_out_dir},
    {"--out FILE.h5: one dataset per task", test_out_h5},
    {"config file [fib], flags override, errors name file:line", test_config},
    {"bad input refused before any work, exit 2", test_bad_input},
    {NULL, NULL},
};
CORUN_TEST_SUITE(fib_cli, cases)
