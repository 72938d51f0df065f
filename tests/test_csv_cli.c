/* test_csv_cli.c — `corun csv` end to end: gen/split/stats summaries and
 * hashes equal across backends and thread counts, config files, and bad
 * usage and bad input refused with exit code 2 and a message naming the
 * file and line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
}

static const test_case_t cases[] = {{"cli", test_cli}, {NULL, NULL}};

CORUN_TEST_SUITE(csv_cli, cases)
