/* test_cli.c — the corun program end to end: help, version, info, summary
 * line, config files and every class of bad command line or config. */
#include <stdio.h>
#include <string.h>

#include "testlib.h"

static char out[1 << 16], err[1 << 16];

#define RUN(...) test_run_corun((const char *const[]){"corun", __VA_ARGS__, NULL}, out, sizeof out, err, sizeof err)


/* Bad usage: exit 2, a message containing `needle` on stderr, nothing crashed. */
static void expect_usage_error(int rc, const char *needle) {
    CU_ASSERT_EQUAL(rc, 2);
    if (!strstr(err, needle)) fprintf(stderr, "\nexpected '%s' in: %s\n", needle, err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
}

static void test_help_and_version(void) {
    CU_ASSERT_EQUAL(RUN("--help"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "life"));
    CU_ASSERT_EQUAL(RUN("--version"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "corun "));
    CU_ASSERT_EQUAL(RUN("life", "--help"), 0);
    /* Every flag the help promises is accepted by the parser. */
    const char *flags[] = {"--config", "--size", "--rule", "--boundary", "--init", "--at",
                           "--steps", "--backend", "--threads", "--skip-stable", "--print",
                           "--write-rle", "--quiet"};
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(out, flags[i]));
    CU_ASSERT_EQUAL(RUN("info"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "hdf5: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "backends: serial omp"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cpu simd: "));
}

static void test_summary_line(void) {
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--backend", "serial", "--size", "17x9", "--steps", "5",
                              "--init", "random:0.4:7", "--quiet"),
                          0);
    const char *keys[] = {"backend=serial ", "threads=1 ", "size=17x9 ", "rule=B3/S23 ",
                          "boundary=torus ", "steps=5 ", "population=", "hash=", "seconds=",
                          "cell_updates_per_s="};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(out, keys[i]));
    /* hash is 16 lowercase hex digits */
    const char *h = strstr(out, "hash=");
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(strspn(h + 5, "0123456789abcdef"), 16);
    /* The same run gives the same hash (determinism of the seeded init). */
    char first[64];
    snprintf(first, sizeof first, "%.21s", h);
    RUN("life", "--backend", "serial", "--size", "17x9", "--steps", "5", "--init",
        "random:0.4:7", "--quiet");
    CU_ASSERT_PTR_NOT_NULL(strstr(out, first));
}

static void test_config_and_override(void) {
    const char *cfg = test_write_tmp("ok.ini",
                                "; comment\n[life]\nsize = 20x10 ; inline comment\n"
                                "rule = B36/S23\nboundary = dead\nsteps = 7\nbackend = serial\n");
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--config", cfg, "--quiet"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "size=20x10 rule=B36/S23 boundary=dead steps=7"));
    /* flags override the file, wherever they stand relative to --config */
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--steps", "3", "--config", cfg, "--rule", "23/3", "--quiet"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "rule=B3/S23 boundary=dead steps=3"));
}

static void test_bad_flags(void) {
    expect_usage_error(RUN("life", "--bogus"), "unknown option '--bogus'");
    expect_usage_error(RUN("life", "--steps"), "needs a value");
    expect_usage_error(RUN("life", "stray"), "unexpected argument 'stray'");
    expect_usage_error(RUN("life", "--rule", "B3/S29"), "impossible");
    expect_usage_error(RUN("life", "--rule", "xyz"), "missing '/'");
    expect_usage_error(RUN("life", "--size", "0x10"), "size");
    expect_usage_error(RUN("life", "--size", "10"), "size");
    expect_usage_error(RUN("life", "--size", "-3x4"), "size");
    expect_usage_error(RUN("life", "--size", "99999999999x99999999999"), "overflows");
    expect_usage_error(RUN("life", "--size", "3000000x3000000"), "bytes per cell");
    expect_usage_error(RUN("life", "--steps", "-1"), "steps");
    expect_usage_error(RUN("life", "--steps", "12abc"), "steps");
    expect_usage_error(RUN("life", "--threads", "0"), "threads");
    expect_usage_error(RUN("life", "--backend", "gpu"), "backend");
    expect_usage_error(RUN("life", "--boundary", "klein"), "boundary");
    expect_usage_error(RUN("life", "--skip-stable", "maybe"), "skip-stable");
    expect_usage_error(RUN("life", "--init", "random:1.5:1"), "density");
    expect_usage_error(RUN("life", "--init", "random:0.5"), "random:DENSITY:SEED");
    expect_usage_error(RUN("life", "--init", "random:0.5:-4"), "seed");
    expect_usage_error(RUN("life", "--init", "/no/such/pattern.rle"), "/no/such/pattern.rle");
    expect_usage_error(RUN("life", "--config", "/no/such/config.ini"), "/no/such/config.ini");
    expect_usage_error(RUN("life", "--print", "--size", "4000x4000", "--steps", "10"), "--print");
    expect_usage_error(RUN("frobnicate"), "unknown command");
}

static void test_bad_configs(void) {
    expect_usage_error(RUN("life", "--config", test_write_tmp("a.ini", "[life]\nstpes = 4\n")),
                       "a.ini:2: unknown option 'stpes'");
    expect_usage_error(RUN("life", "--config", test_write_tmp("b.ini", "[lfe]\nsize = 4x4\n")),
                       "b.ini:2: unknown section [lfe]");
    expect_usage_error(RUN("life", "--config", test_write_tmp("c.ini", "size = 4x4\n")),
                       "c.ini:1: key 'size' is outside any section");
    expect_usage_error(RUN("life", "--config", test_write_tmp("d.ini", "[life]\njunk line\n")),
                       "d.ini:2: not an INI line");
    expect_usage_error(RUN("life", "--config", test_write_tmp("e.ini", "[life]\nrule = B3/S2/3\n")),
                       "e.ini:2: rule");
    expect_usage_error(RUN("life", "--config", test_write_tmp("f.ini", "[life]\nprint = perhaps\n")),
                       "f.ini:2: print");
}

/* The shipped Life configs parse and run (size, steps, paths overridden so
 * the run is tiny and writes only to the scratch folder). */
static void test_shipped_configs(void) {
    static const char *const names[] = {"demo.ini", "glider.ini", "soup-20k.ini", "bench-dense.ini"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char cfg[1024];
        snprintf(cfg, sizeof cfg, "%s/../../configs/%s", test_data_dir(), names[i]);
        /* glider.ini prints (no file); the others write snapshots */
        int rc = strcmp(names[i], "glider.ini")
                     ? RUN("life", "--config", cfg, "--size", "16x16", "--init", "random:0.5:1",
                           "--steps", "3", "--out", test_tmp_path("cfg.h5"), "--force", "--quiet")
                     : RUN("life", "--config", cfg, "--size", "16x16", "--init", "random:0.5:1",
                           "--steps", "3", "--quiet");
        if (rc) fprintf(stderr, "\n%s: %s\n", names[i], err);
        CU_ASSERT_EQUAL(rc, 0);
    }
}

static const test_case_t cases[] = {
    {"help, version, info", test_help_and_version},
    {"summary line", test_summary_line},
    {"config file and flag override", test_config_and_override},
    {"bad flags: clear message, exit 2", test_bad_flags},
    {"bad configs: file, line and key named", test_bad_configs},
    {"shipped configs load and run", test_shipped_configs},
    {NULL, NULL},
};
CORUN_TEST_SUITE(cli, cases)
