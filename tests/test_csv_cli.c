/* test_csv_cli.c — `corun csv` end to end: gen/split/stats summaries and
 * hashes equal across backends and thread counts, config files, and bad
 * usage and bad input refused with exit code 2 and a message naming the
 * file and line; a split stopped by SIGTERM (exit 3) or killed leaves the
 * old output whole and, after the next run, nothing else. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

static char out[1 << 16], err[1 << 16];

#define RUN(...)                                                                          \
    test_run_corun((const char *const[]){"corun", "csv", __VA_ARGS__, NULL}, out, sizeof out, \
                   err, sizeof err)

static const char *tmp(const char *name) {
    static char path[16][512];
    static int k;
    k = (k + 1) % 16;
    snprintf(path[k], sizeof path[k], "%s/%s", test_tmp_dir(), name);
    return path[k];
}

static void field(const char *key, char *val, size_t n) {
    const char *p = strstr(out, key);
    val[0] = '\0';
    if (!p) return;
    p += strlen(key);
    size_t i = 0;
    while (p[i] && p[i] != ' ' && p[i] != '\n' && i + 1 < n) val[i] = p[i], i++;
    val[i] = '\0';
}

static void test_cli(void) {
    CU_ASSERT_EQUAL(RUN("--help"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--quoted-fraction"));
    const char *in = tmp("cli.csv");
    CU_ASSERT_EQUAL_FATAL(RUN("gen", "--rows", "3000", "--quoted-fraction", "0.05", "-o", in), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "rows=3000 "));
    char h1[64], h2[64];
    field("hash=", h1, sizeof h1);
    CU_ASSERT_EQUAL(RUN("gen", "--rows", "3000", "--quoted-fraction", "0.05", "--threads", "1",
                        "-o", tmp("cli1.csv")),
                    0);
    field("hash=", h2, sizeof h2);
    CU_ASSERT_STRING_EQUAL(h1, h2);
    /* split: the same hash on every backend and thread count */
    const char *be[] = {"serial", "omp", "omp"}, *th[] = {"1", "1", "2"};
    char first[64] = "";
    for (int i = 0; i < 3; i++) {
        const char *dir = tmp(i == 0 ? "o0" : i == 1 ? "o1" : "o2");
        CU_ASSERT_EQUAL_FATAL(RUN("split", in, "--by", "Country", "-o", dir, "--backend", be[i],
                                  "--threads", th[i], "--window", "4k"),
                              0);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "rows=3000 rows_out=3000 "));
        field("hash=", h1, sizeof h1);
        if (!first[0]) snprintf(first, sizeof first, "%s", h1);
        CU_ASSERT_STRING_EQUAL(h1, first);
    }
    /* an existing folder needs --force */
    CU_ASSERT_EQUAL(RUN("split", in, "--by", "Country", "-o", tmp("o0")), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--force"));
    CU_ASSERT_EQUAL(RUN("split", in, "--by", "Country", "-o", tmp("o0"), "--force"), 0);
    /* config: the seed's nine nations */
    const char *cfg = tmp("c.ini");
    FILE *f = fopen(cfg, "w");
    fprintf(f, "[csv]\nby = Country\nonly = Singapore,Germany,Israel,Norway,Italy,Canada,"
               "France,Spain,Mexico\nout = %s\n", tmp("nine"));
    fclose(f);
    CU_ASSERT_EQUAL(RUN("split", in, "--config", cfg), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "files=9 "));
    struct stat st;
    CU_ASSERT_EQUAL(stat(tmp("nine/singapore.csv"), &st), 0);
    f = fopen(cfg, "w");
    fprintf(f, "[csv]\nby = Country\nbogus = 1\n");
    fclose(f);
    CU_ASSERT_EQUAL(RUN("split", in, "--config", cfg), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "c.ini:3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bogus"));
    /* stats: CSV on stdout, the same on every backend */
    CU_ASSERT_EQUAL_FATAL(RUN("stats", in, "--by", "Region", "--sum", "Total Profit",
                              "--backend", "serial"),
                          0);
    CU_ASSERT_EQUAL(strncmp(out, "Region,count,Total Profit\n", 26), 0);
    char *a = strdup(out);
    CU_ASSERT_EQUAL(RUN("stats", in, "--by", "Region", "--sum", "Total Profit", "--threads", "2"),
                    0);
    CU_ASSERT_STRING_EQUAL(a, out);
    free(a);
    /* bad usage and bad input: exit 2 */
    CU_ASSERT_EQUAL(RUN("split", in, "-o", tmp("x")), 2);
    CU_ASSERT_EQUAL(RUN("split", in, "--by", "Nope", "-o", tmp("x")), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":1: no column 'Nope'"));
    CU_ASSERT_NOT_EQUAL(stat(tmp("x"), &st), 0);
    CU_ASSERT_EQUAL(RUN("frobnicate"), 2);
    CU_ASSERT_EQUAL(RUN("gen", "--rows", "-1", "-o", tmp("y.csv")), 2);
    CU_ASSERT_EQUAL(RUN("split", in, "--by", "Country", "-o", tmp("z"), "--backend", "gpu"), 2);
    const char *bad = tmp("bad.csv");
    f = fopen(bad, "w");
    fputs("a,b\n1,2\n\"3,4\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(RUN("stats", bad, "--by", "a"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad.csv:3: unterminated"));
    /* amounts: malformed, too large, and a sum that leaves the range are
     * three different messages, each naming the line */
    static const struct {
        const char *text, *want;
    } amounts[] = {
        {"k,v\nA,1.5x\n", "amt.csv:2: field 'v' (column 2) is not an amount"},
        {"k,v\nA,92233720368547758080.00\n", "amt.csv:2: field 'v' (column 2) is out of range"},
        {"k,v\nA,92233720368547758.07\nB,1\nA,0.01\n",
         "amt.csv:4: field 'v' (column 2) takes its group's sum out of range"},
    };
    for (size_t i = 0; i < sizeof amounts / sizeof *amounts; i++) {
        const char *amt = tmp("amt.csv");
        f = fopen(amt, "w");
        fputs(amounts[i].text, f);
        fclose(f);
        CU_ASSERT_EQUAL(RUN("stats", amt, "--by", "k", "--sum", "v", "--threads", "1"), 2);
        if (!strstr(err, amounts[i].want)) fprintf(stderr, "\nwant '%s' in: %s\n", amounts[i].want, err);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, amounts[i].want));
    }
}

/* Waits (30 s at most) until run pid has created the folder it builds
 * output NAME in; 1 if it did. */
static int building(const char *name, pid_t pid) {
    char p[700];
    snprintf(p, sizeof p, "%s/.%s.%ld.new", test_tmp_dir(), name, (long)pid);
    struct stat st;
    for (int i = 0; i < 6000; i++) {
        if (stat(p, &st) == 0) return 1;
        test_sleep_ms(5);
    }
    return 0;
}

/* A split of a 37 MB file in 1 KiB windows (a few seconds) is stopped by
 * SIGTERM: exit 3, the old output as it was, no temporaries. Killed with
 * SIGKILL instead, it leaves its folder aside, which the next run removes. */
static void test_signals(void) {
    const char *big = tmp("sig_big.csv"), *small = tmp("sig_small.csv");
    CU_ASSERT_EQUAL_FATAL(RUN("gen", "--rows", "300000", "-o", big, "--quiet"), 0);
    CU_ASSERT_EQUAL_FATAL(RUN("gen", "--rows", "500", "-o", small, "--quiet"), 0);
    const char *dir = tmp("sig_out"), *copy = tmp("sig_copy");
    test_rmtree(dir);
    test_rmtree(copy);
    CU_ASSERT_EQUAL_FATAL(RUN("split", small, "--by", "Region", "-o", dir, "--quiet"), 0);
    CU_ASSERT_EQUAL_FATAL(RUN("split", small, "--by", "Region", "-o", copy, "--quiet"), 0);
    for (int sig = SIGTERM; sig; sig = sig == SIGTERM ? SIGKILL : 0) {
        pid_t pid = test_spawn_corun((const char *const[]){
            "corun", "csv", "split", big, "--by", "Country", "-o", dir, "--force", "--window",
            "1k", "--threads", "1", "--quiet", NULL});
        CU_ASSERT_FATAL(pid > 0);
        CU_ASSERT(building("sig_out", pid));
        kill(pid, sig);
        int st = 0;
        waitpid(pid, &st, 0);
        if (sig == SIGTERM) {
            CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 3);
            CU_ASSERT_EQUAL(test_tmp_siblings("sig_out"), 0);
            size_t n;
            char *e = test_slurp(test_tmp_path("bg_err.txt"), &n);
            CU_ASSERT_PTR_NOT_NULL(e ? strstr(e, "stopped by signal 15") : NULL);
            free(e);
        } else {
            CU_ASSERT(WIFSIGNALED(st));
            CU_ASSERT(test_tmp_siblings("sig_out") >= 1); /* the folder aside (and the lock file) */
        }
        CU_ASSERT(test_same_dir_files(dir, copy, NULL) == 7);
    }
    /* the next run removes what the killed one left, and replaces the output */
    CU_ASSERT_EQUAL(RUN("split", small, "--by", "Country", "-o", dir, "--force", "--quiet"), 0);
    CU_ASSERT_EQUAL(test_tmp_siblings("sig_out"), 0);
    test_rmtree(copy);
    CU_ASSERT_EQUAL(RUN("split", small, "--by", "Country", "-o", copy, "--quiet"), 0);
    CU_ASSERT(test_same_dir_files(dir, copy, NULL) > 7);
    test_rmtree(dir);
    test_rmtree(copy);
}

/* Lines ended by CR alone: exit 2 naming the file and line, no output. */
static void test_cr_only(void) {
    const char *in = tmp("cr.csv");
    FILE *f = fopen(in, "w");
    fputs("Region,Country\rAsia,Japan\rEurope,France\r", f);
    fclose(f);
    CU_ASSERT_EQUAL(RUN("split", in, "--by", "Country", "-o", tmp("cr_out")), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cr.csv:1: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "carriage return"));
    struct stat st;
    CU_ASSERT_NOT_EQUAL(stat(tmp("cr_out"), &st), 0);
    CU_ASSERT_EQUAL(RUN("stats", in, "--by", "Region"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cr.csv:1: "));
}

static const test_case_t cases[] = {{"cli", test_cli},
                                    {"signals", test_signals},
                                    {"cr_only", test_cr_only},
                                    {NULL, NULL}};

CORUN_TEST_SUITE(csv_cli, cases)
