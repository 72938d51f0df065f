/* test_bench.c — `corun bench` end to end: the results CSV (header, one row
 * per repetition, every row verified), strong and weak problem sizes, fib
 * through the child program, csv through the library, a hash mismatch
 * failing the bench, sizing to --min-time, the reliability notes (a point
 * measured next to a busy process), the JSON summary, bad options and
 * configs refused with file:line, and every shipped configs/bench-*.ini
 * accepted (dry run). */
#include <glob.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

static char out[1 << 18], err[1 << 16];

#define RUN(...)                                                                             \
    test_run_corun((const char *const[]){"corun", "bench", __VA_ARGS__, NULL}, out, sizeof out, \
                   err, sizeof err)
/* The problems exactly as given (no growing to --min-time). */
#define RUN0(...) RUN("--min-time", "0", __VA_ARGS__)



/* The results file split into rows of fields (no quoted commas in these
 * tests' fields); returns the number of data rows. */
#define MAXROWS 64
#define NCOLS 18
static char rows[MAXROWS][NCOLS][96];
static int read_results(const char *path, char *header, size_t hn) {
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char line[2048];
    int n = -1;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (n < 0) {
            snprintf(header, hn, "%.500s", line);
            n = 0;
            continue;
        }
        if (n == MAXROWS) break;
        int k = 0;
        /* split on every comma (empty fields kept; no quoting in these tests) */
        for (char *p = line; k < NCOLS; k++) {
            char *c = strchr(p, ',');
            if (c) *c = '\0';
            snprintf(rows[n][k], sizeof rows[n][0], "%.95s", p);
            if (!c) {
                k++;
                break;
            }
            p = c + 1;
        }
        CU_ASSERT_EQUAL(k, NCOLS);
        n++;
    }
    fclose(f);
    return n;
}

enum { C_WORKLOAD, C_BACKEND, C_DEVICE, C_THREADS, C_SIZE, C_COUNT, C_REP, C_SECONDS, C_FOM,
       C_UNIT, C_HASH, C_VERIFIED, C_VERSION, C_HOST, C_TIME, C_INNER, C_OTHER, C_RELIABLE };

static const char header_expected[] =
    "workload,backend,device_or_cpu,threads,problem_size,steps_or_n_or_rows,rep,seconds,fom,"
    "fom_unit,hash,verified,corun_version,host,timestamp,runs_per_sample,other_cpu,reliability";

static void test_life_strong(void) {
    const char *csv = test_tmp_path("life-strong.csv");
    int rc = RUN0("--workload", "life", "--backends", "serial,omp", "--threads", "1,2", "--sizes",
                  "100x70", "--life-steps", "7", "--repeat", "2", "--warmup", "1", "--out", csv,
                  "--verify-backend", "serial");
    CU_ASSERT_EQUAL(rc, 0);
    if (rc) fprintf(stderr, "%s", err);
    char header[512];
    int n = read_results(csv, header, sizeof header);
    CU_ASSERT_STRING_EQUAL(header, header_expected);
    CU_ASSERT_EQUAL(n, 3 * 2); /* serial, omp@1, omp@2 x 2 repetitions */
    for (int i = 0; i < n; i++) {
        CU_ASSERT_STRING_EQUAL(rows[i][C_WORKLOAD], "life");
        CU_ASSERT_STRING_EQUAL(rows[i][C_SIZE], "7000");
        CU_ASSERT_STRING_EQUAL(rows[i][C_COUNT], "7");
        CU_ASSERT_STRING_EQUAL(rows[i][C_HASH], rows[0][C_HASH]);
        CU_ASSERT(!strcmp(rows[i][C_VERIFIED], "ok") || !strcmp(rows[i][C_VERIFIED], "ref"));
        CU_ASSERT_STRING_EQUAL(rows[i][C_UNIT], "cell_updates_per_s");
        CU_ASSERT_EQUAL(strlen(rows[i][C_TIME]), 20); /* 2026-01-01T00:00:00Z */
        CU_ASSERT_EQUAL(rows[i][C_TIME][19], 'Z');
        CU_ASSERT(atof(rows[i][C_SECONDS]) >= 0);
        CU_ASSERT_STRING_EQUAL(rows[i][C_INNER], "1");
        CU_ASSERT(rows[i][C_RELIABLE][0] != '\0');
    }
    CU_ASSERT_STRING_EQUAL(rows[0][C_BACKEND], "serial");
    CU_ASSERT_STRING_EQUAL(rows[5][C_THREADS], "2");
    CU_ASSERT_STRING_EQUAL(rows[0][C_REP], "1");
    CU_ASSERT_STRING_EQUAL(rows[1][C_REP], "2");
    /* the table: speedup and efficiency per point */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "speedup"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "omp@1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "3 points verified"));
    /* not a terminal: plain lines and the expected time up front */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected total time"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bench: [3/3] life omp threads=2"));
    /* The overwrite rule: the results file is kept unless --force, which
     * replaces it only once the new sweep is complete. */
    rc = RUN0("--workload", "life", "--backends", "omp", "--threads", "1", "--sizes", "40x30",
              "--life-steps", "2", "--repeat", "1", "--warmup", "0", "--out", csv);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "exists (use --force"));
    CU_ASSERT_EQUAL(read_results(csv, header, sizeof header), 3 * 2); /* untouched */
    rc = RUN0("--workload", "life", "--backends", "omp", "--threads", "1", "--sizes", "40x30",
              "--life-steps", "2", "--repeat", "1", "--warmup", "0", "--out", csv, "--force");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(read_results(csv, header, sizeof header), 1);
}

static void test_weak_csv_split(void) {
    const char *csv = test_tmp_path("csv-weak.csv");
    int rc = RUN0("--workload", "csv", "--backends", "omp", "--threads", "1,2", "--sizes", "500",
                  "--mode", "weak", "--csv-op", "split", "--repeat", "1", "--warmup", "0",
                  "--verify-backend", "serial",
                 "--workdir", test_tmp_path("bench-work"), "--out", csv);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc) fprintf(stderr, "%s", err);
    char header[512];
    int n = read_results(csv, header, sizeof header);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_STRING_EQUAL(rows[0][C_SIZE], "500");
    CU_ASSERT_STRING_EQUAL(rows[1][C_SIZE], "1000"); /* grown with the threads */
    CU_ASSERT_STRING_NOT_EQUAL(rows[0][C_HASH], rows[1][C_HASH]);
    CU_ASSERT_STRING_EQUAL(rows[1][C_VERIFIED], "ok");
    CU_ASSERT_STRING_EQUAL(rows[1][C_UNIT], "MB_per_s");
    /* each grown problem was checked by an extra serial run */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "reference run (serial, 1 thread)"));
}

static void test_fib_child(void) {
    const char *csv = test_tmp_path("fib.csv");
    int rc = RUN0("--workload", "fib", "--backends", "serial,omp", "--threads", "2", "--sizes",
                  "5000", "--fib-tasks", "3", "--repeat", "1", "--out", csv, "--verify-backend",
                  "serial");
    CU_ASSERT_EQUAL(rc, 0);
    if (rc) fprintf(stderr, "%s", err);
    char header[512];
    int n = read_results(csv, header, sizeof header);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_STRING_EQUAL(rows[0][C_SIZE], "3");
    CU_ASSERT_STRING_EQUAL(rows[0][C_COUNT], "5000");
    CU_ASSERT_STRING_EQUAL(rows[0][C_HASH], rows[1][C_HASH]);
    CU_ASSERT_STRING_EQUAL(rows[1][C_UNIT], "tasks_per_s");
    /* the hash is the one `corun fib` prints for the same batch */
    char fout[1 << 16], ferr[4096];
    rc = test_run_corun((const char *const[]){"corun", "fib", "--n", "5000", "--tasks", "3",
                                              "--backend", "serial", NULL},
                        fout, sizeof fout, ferr, sizeof ferr);
    CU_ASSERT_EQUAL(rc, 0);
    char want[128];
    snprintf(want, sizeof want, "hash=%s", rows[0][C_HASH]);
    CU_ASSERT_PTR_NOT_NULL(strstr(fout, want));
}

static void test_mismatch_fails(void) {
    setenv("CORUN_BENCH_FAULT", "omp@2", 1);
    const char *csv = test_tmp_path("mismatch.csv");
    int rc = RUN0("--sizes", "64x64", "--threads", "1,2", "--life-steps", "3", "--repeat", "1",
                  "--warmup", "0", "--out", csv);
    unsetenv("CORUN_BENCH_FAULT");
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "VERIFICATION FAILED: life omp threads=2 64x64 x3"));
    char header[512];
    int n = read_results(csv, header, sizeof header);
    CU_ASSERT_EQUAL(n, 2); /* omp@1 (the reference) and the failing row, marked */
    CU_ASSERT_STRING_EQUAL(rows[0][C_VERIFIED], "ref");
    CU_ASSERT_STRING_EQUAL(rows[1][C_VERIFIED], "MISMATCH");
}

static void test_bad_input(void) {
    CU_ASSERT_EQUAL(RUN("--threads", "0"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "threads"));
    CU_ASSERT_EQUAL(RUN("--mode", "sideways"), 2);
    CU_ASSERT_EQUAL(RUN("--backends", "omp,gpu"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "'gpu'"));
    CU_ASSERT_EQUAL(RUN("--workload", "all", "--sizes", "10"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "life-sizes"));
    CU_ASSERT_EQUAL(RUN("--sizes", "12xfoo"), 2);
    CU_ASSERT_EQUAL(RUN("--frobnicate"), 2);
    const char *c1 = test_write_tmp("bad1.ini", "[bench]\nrepeat = 2\nrepaet = 3\n");
    CU_ASSERT_EQUAL(RUN("--config", c1), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad1.ini:3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "repaet"));
    const char *c2 = test_write_tmp("bad2.ini", "[bench]\nrepeat = 2\n[life]\nsteps = 3\n");
    CU_ASSERT_EQUAL(RUN("--config", c2), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad2.ini:4"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "[life]"));
    /* flags override the config */
    const char *c3 = test_write_tmp("ok.ini", "[bench]\nthreads = 1\nsizes = 32\nrepeat = 5\n");
    CU_ASSERT_EQUAL(RUN("--config", c3, "--repeat", "1", "--dry-run"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "(0 warm-up + 1 measured)") ||
                           strstr(out, "(1 warm-up + 1 measured)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "life omp threads=1 32x32"));
    CU_ASSERT_EQUAL(RUN("--min-time", "-1"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "min-time"));
    CU_ASSERT_EQUAL(RUN("--min-tme", "1"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "did you mean '--min-time'?"));
}

/* --min-time: life points get more generations (the same for every point of
 * the size), fib points several runs per sample; the JSON summary holds the
 * table's points, and --no-summary drops the table. */
static void test_min_time(void) {
    const char *csv = test_tmp_path("mintime.csv");
    int rc = RUN("--sizes", "48x40", "--threads", "1,2", "--life-steps", "2", "--repeat", "2",
                 "--warmup", "0", "--min-time", "0.2", "--out", csv, "--summary-json", "-");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    char header[512];
    int n = read_results(csv, header, sizeof header);
    CU_ASSERT_EQUAL_FATAL(n, 4);
    long steps = atol(rows[0][C_COUNT]);
    CU_ASSERT(steps > 2);
    for (int i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(atol(rows[i][C_COUNT]), steps);
        CU_ASSERT_STRING_EQUAL(rows[i][C_HASH], rows[0][C_HASH]);
    }
    /* the fastest point lasts about --min-time (the probe's estimate is
     * rough: at least a quarter of it) */
    CU_ASSERT(atof(rows[2][C_SECONDS]) > 0.05 || atof(rows[3][C_SECONDS]) > 0.05);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "2 generations would take"));
    CU_ASSERT_PTR_NULL(strstr(out, "work  backend")); /* JSON instead of the table */
    const char *js = test_write_tmp("bench.json", out);
    CU_ASSERT_EQUAL(test_py("import json; d = json.load(open('%s')); p = d['points']; "
                            "assert d['command'] == 'bench' and len(p) == 2, d; "
                            "assert [q['threads'] for q in p] == [1, 2]; "
                            "assert p[0]['speedup'] == 1 and p[1]['vs'] == 'omp@1'; "
                            "assert p[0]['steps_or_n_or_rows'] > 2; "
                            "assert all(isinstance(q['reliable'], bool) for q in p)",
                            js),
                    0);
    rc = RUN("--workload", "fib", "--sizes", "2000", "--fib-tasks", "1", "--threads", "1",
             "--repeat", "1", "--warmup", "0", "--min-time", "0.1", "--out", csv, "--force",
             "--no-summary");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(out[0], '\0');
    CU_ASSERT_EQUAL_FATAL(read_results(csv, header, sizeof header), 1);
    CU_ASSERT(atoi(rows[0][C_INNER]) > 1); /* F(2000) takes far less than 0.1 s */
    CU_ASSERT_STRING_EQUAL(rows[0][C_COUNT], "2000");
}

/* A point measured while another process keeps a core busy is marked
 * unreliable, in the CSV, the table and a warning. */
static void test_loaded_machine(void) {
    pid_t spin = fork();
    CU_ASSERT_FATAL(spin >= 0);
    if (spin == 0) {
        alarm(60); /* never outlive a crashed test */
        for (volatile unsigned long x = 0;; x++) {
        }
    }
    const char *csv = test_tmp_path("loaded.csv");
    int rc = RUN("--sizes", "64x64", "--threads", "1", "--repeat", "2", "--warmup", "0",
                 "--min-time", "0.3", "--out", csv);
    kill(spin, SIGKILL);
    waitpid(spin, NULL, 0);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    char header[512];
    CU_ASSERT_EQUAL_FATAL(read_results(csv, header, sizeof header), 2);
    CU_ASSERT(atof(rows[0][C_OTHER]) > 0.5);
    CU_ASSERT_PTR_NOT_NULL(strstr(rows[0][C_RELIABLE], "loaded: other processes used"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "1 point is unreliable"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "warning: life omp threads=1 64x64"));
}

/* Every shipped sweep parses and plans (the runs themselves are long). */
static void test_shipped_configs(void) {
    char pattern[600];
    snprintf(pattern, sizeof pattern, "%s/../../configs/bench-*.ini", test_data_dir());
    glob_t g;
    CU_ASSERT_EQUAL_FATAL(glob(pattern, 0, NULL, &g), 0);
    int benches = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        FILE *f = fopen(g.gl_pathv[i], "r");
        char text[8192] = "";
        size_t len = f ? fread(text, 1, sizeof text - 1, f) : 0;
        if (f) fclose(f);
        text[len] = '\0';
        if (!strstr(text, "[bench]")) continue; /* e.g. bench-dense.ini is a [life] config */
        benches++;
        int rc = RUN("--config", g.gl_pathv[i], "--dry-run");
        CU_ASSERT_EQUAL(rc, 0);
        if (rc) fprintf(stderr, "%s: %s", g.gl_pathv[i], err);
    }
    globfree(&g);
    CU_ASSERT(benches >= 3);
}

static const test_case_t cases[] = {
    {"life strong sweep: CSV rows, verification, table", test_life_strong},
    {"csv weak sweep (split): sizes grow, extra reference runs", test_weak_csv_split},
    {"fib through the corun program: hash as corun fib prints", test_fib_child},
    {"a hash mismatch fails the bench", test_mismatch_fails},
    {"--min-time grows short points; JSON summary", test_min_time},
    {"a point measured next to a busy process is marked", test_loaded_machine},
    {"bad flags and configs: file, line and key named", test_bad_input},
    {"configs/bench-*.ini parse and plan", test_shipped_configs},
    {NULL, NULL},
};

CORUN_TEST_SUITE(bench, cases)
