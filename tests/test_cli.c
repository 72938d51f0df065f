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
                           "--write-rle", "--quiet", "--progress-every"};
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(out, flags[i]));
    CU_ASSERT_EQUAL(RUN("info"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "hdf5: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "backends: serial omp"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cpu simd: "));
    /* --json: the same facts as one JSON object a real parser accepts */
    CU_ASSERT_EQUAL_FATAL(RUN("info", "--json"), 0);
    const char *js = test_write_tmp("info.json", out);
    CU_ASSERT_EQUAL(test_py("import json; d = json.load(open('%s')); "
                            "assert d['backends'][:2] == ['serial', 'omp'], d; "
                            "assert d['openmp']['threads'] >= 1; "
                            "assert d['cpu']['simd'] and d['hdf5']['version'].count('.') == 2; "
                            "assert isinstance(d['cuda']['devices'], list); "
                            "assert d['slurm'] is None or 'job' in d['slurm']",
                            js),
                    0);
    expect_usage_error(RUN("info", "--jsn"), "did you mean '--json'?");
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
                       "a.ini:2: unknown key 'stpes' in [life] (did you mean 'steps'?)");
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

/* A config file with exactly these n bytes (NUL bytes included). */
static const char *write_bytes(const char *name, const char *bytes, size_t n) {
    const char *path = test_tmp_path(name);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(bytes, 1, n, f), n);
    fclose(f);
    return path;
}
#define WRITE_BYTES(name, lit) write_bytes(name, lit, sizeof lit - 1)

/* The reader is strict: text only, closed section headers, one value per
 * key, each error at its own line. */
static void test_strict_configs(void) {
    expect_usage_error(RUN("life", "--config", WRITE_BYTES("n.ini", "[life]\n\0steps = banana\n"),
                           "--size", "8x8", "--quiet"),
                       "n.ini:2: control character NUL 0x00");
    expect_usage_error(RUN("life", "--config", WRITE_BYTES("n2.ini", "[life]\nsteps = 4\0 junk\n")),
                       "n2.ini:2: control character NUL");
    expect_usage_error(RUN("life", "--config", WRITE_BYTES("esc.ini", "[life]\nsize = 8x8\x1b\n")),
                       "esc.ini:2: control character 0x1b");
    expect_usage_error(RUN("life", "--config",
                           WRITE_BYTES("cr.ini", "[life]\nsize = 8x8\rsteps = 1\n")),
                       "cr.ini:2: control character 0x0d");
    expect_usage_error(RUN("life", "--config",
                           test_write_tmp("sec.ini", "[life\nrule = B3/S23\n\nsize = 8x8\n")),
                       "sec.ini:1: section header '[life' has no closing ']'");
    expect_usage_error(RUN("life", "--config", test_write_tmp("sec2.ini", "[life] size = 8x8\n")),
                       "sec2.ini:1: unexpected text 'size = 8x8' after the section header");
    expect_usage_error(RUN("life", "--config",
                           test_write_tmp("dup.ini", "[life]\nsteps = 3\n; again\nsteps = 4\n")),
                       "dup.ini:4: key 'steps' is given twice, on lines 2 and 4");
    expect_usage_error(RUN("life", "--config",
                           test_write_tmp("dup2.ini", "[life]\nsteps = 3\n[life]\nsteps = 4\n")),
                       "dup2.ini:4: key 'steps' is given twice, on lines 2 and 4");
    expect_usage_error(RUN("life", "--config", test_write_tmp("nokey.ini", "[life]\n = 4\n")),
                       "nokey.ini:2: no key before '='");
    /* An invalid value gets the flag's own message, with the file and line. */
    static const char *const bad[][2] = {
        {"threads", "0"},         {"snapshot-buffers", "0"},
        {"at", "-1,-1"},          {"steps", "-3"},      {"size", "0x4"},
        {"backend", "gpu"},       {"compress", "zip"},  {"skip-stable", "sometimes"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char flag[64], text[256], want[1024];
        snprintf(flag, sizeof flag, "--%s", bad[i][0]);
        CU_ASSERT_EQUAL(RUN("life", flag, bad[i][1], "--size", "8x8"), 2);
        const char *msg = strstr(err, "corun: life: --");
        CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
        snprintf(want, sizeof want, "val.ini:3: %s", msg + strlen("corun: life: --"));
        snprintf(text, sizeof text, "; a value the flag refuses\n[life]\n%s = %s\nsteps = 1\n",
                 bad[i][0], bad[i][1]);
        expect_usage_error(RUN("life", "--config", test_write_tmp("val.ini", text)), want);
    }
    /* a flag without a value (--quiet) has no bad value; its key does */
    expect_usage_error(RUN("life", "--config",
                           test_write_tmp("b.ini", "[life]\nquiet = maybe\nsteps = 1\n")),
                       "b.ini:2: quiet: 'maybe' is not a boolean (true/false)");
    /* What is allowed: a byte-order mark, CRLF, tabs, comments after a
     * header and a value, an indented line, no final line end, UTF-8. */
    CU_ASSERT_EQUAL(RUN("life", "--config",
                        WRITE_BYTES("ok.ini", "\xef\xbb\xbf; caf\xc3\xa9\r\n[life] ; x\r\n"
                                              "size = 8x8 ; comment\r\n\tsteps\t=\t3\r\n"
                                              "  quiet = true"),
                        "--backend", "serial"),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "size=8x8 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "steps=3 "));
    /* Only regular files up to 1 MiB, refused before reading. */
    expect_usage_error(RUN("life", "--config", "/dev/zero"),
                       "config /dev/zero: not a regular file (a character device); config files "
                       "must be regular files");
    expect_usage_error(RUN("life", "--config", test_tmp_dir()), "(a directory)");
    const char *big = test_tmp_path("big.ini");
    FILE *f = fopen(big, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("[life]\n", f);
    for (int i = 0; i < (1 << 20) / 16; i++) fputs("; padding line \n", f);
    fclose(f);
    expect_usage_error(RUN("life", "--config", big),
                       "larger than 1 MiB, the limit for config files");
}

/* fib, csv and bench read their configs with the same reader. */
static void test_strict_configs_every_subcommand(void) {
    static const struct {
        const char *section, *sub, *threads_flag_msg;
    } cmds[] = {
        {"fib", NULL, "threads: '0' is not an integer in 1..4096"},
        {"csv", "gen", "threads: '0' is not an integer in 1..4096"},
        {"bench", NULL, "threads: '0' is not a thread count in 1..4096"},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        char text[256], needle[256];
        const char *sec = cmds[i].section, *sub = cmds[i].sub ? cmds[i].sub : "--quiet";
        int n = snprintf(text, sizeof text, "[%s]\n", sec);
        memcpy(text + n, "\0x = 1\n", 7);
        expect_usage_error(RUN(sec, sub, "--config", write_bytes("s1.ini", text, (size_t)n + 7)),
                           "s1.ini:2: control character NUL");
        snprintf(text, sizeof text, "[%s\nthreads = 1\n", sec);
        snprintf(needle, sizeof needle, "s2.ini:1: section header '[%s' has no closing ']'", sec);
        expect_usage_error(RUN(sec, sub, "--config", test_write_tmp("s2.ini", text)), needle);
        snprintf(text, sizeof text, "[%s]\nthreads = 1\nthreads = 2\n", sec);
        expect_usage_error(RUN(sec, sub, "--config", test_write_tmp("s3.ini", text)),
                           "s3.ini:3: key 'threads' is given twice, on lines 2 and 3");
        snprintf(text, sizeof text, "[%s]\nthreads = 0\nquiet = true\n", sec);
        snprintf(needle, sizeof needle, "s4.ini:2: %s", cmds[i].threads_flag_msg);
        expect_usage_error(RUN(sec, sub, "--config", test_write_tmp("s4.ini", text)), needle);
        expect_usage_error(RUN(sec, sub, "--config", "/dev/zero"),
                           "config /dev/zero: not a regular file");
    }
    expect_usage_error(RUN("csv", "gen", "--config",
                           test_write_tmp("s5.ini", "[csv]\nrows = -5\nseed = 1\n")),
                       "s5.ini:2: rows: '-5' is not an integer");
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

/* Batch logs (stderr not a terminal, as here): a progress line every
 * --progress-every seconds, none with --quiet or 0. The run takes about
 * 0.3 s on the serial backend; a line every 0.02 s leaves a wide margin. */
static void test_progress_lines(void) {
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--backend", "serial", "--size", "256x256", "--steps",
                              "200", "--progress-every", "0.02"),
                          0);
    int lines = 0;
    for (const char *p = err; (p = strstr(p, "life: progress elapsed=")); p++) lines++;
    if (lines < 2) fprintf(stderr, "\nprogress lines: %d in: %s\n", lines, err);
    CU_ASSERT(lines >= 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "generation="));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "generation=200/200 (100%)")); /* the closing line */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "eta="));
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--backend", "serial", "--size", "256x256", "--steps",
                              "50", "--progress-every", "0.02", "--quiet"),
                          0);
    CU_ASSERT_PTR_NULL(strstr(err, "progress"));
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--backend", "serial", "--size", "256x256", "--steps",
                              "50", "--progress-every", "0"),
                          0);
    CU_ASSERT_PTR_NULL(strstr(err, "progress"));
    expect_usage_error(RUN("life", "--progress-every", "soon"), "progress-every");
}

/* One convention for every subcommand: short -o/-q/-t, did-you-mean for a
 * mistyped flag or key, an abbreviation that fits several flags refused,
 * Golly's name for the dead boundary. */
static void test_conventions(void) {
    expect_usage_error(RUN("life", "--snapshot-evry", "5"), "did you mean '--snapshot-every'");
    expect_usage_error(RUN("fib", "--thraeds", "2"), "did you mean '--threads'");
    expect_usage_error(RUN("life", "--confg", "x.ini"), "did you mean '--config'");
    /* --snap fits snapshot-every, -format and -buffers: never a silent pick */
    expect_usage_error(RUN("life", "--snap", "3", "--steps", "1"), "--snap");
    const char *cfg = test_write_tmp("typo.ini", "[life]\nsnapshot_every = 4\n");
    expect_usage_error(RUN("life", "--config", cfg), "did you mean 'snapshot-every'");
    CU_ASSERT_EQUAL(RUN("life", "-t", "1", "-q", "--steps", "2", "--size", "64x64"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "threads=1 "));
    CU_ASSERT_EQUAL(RUN("fib", "-t", "1", "-q", "--n", "100", "--tasks", "1"), 0);
    CU_ASSERT_EQUAL(RUN("life", "--boundary", "plane", "--steps", "1", "--size", "32x32", "-q"),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "boundary=dead "));
    expect_usage_error(RUN("life", "-t", "0"), "life: --threads");
    /* the overwrite rule holds for --write-rle too, checked before any work */
    const char *rle = test_write_tmp("kept.rle", "x = 1, y = 1\no!\n");
    expect_usage_error(RUN("life", "--size", "8x8", "--steps", "1", "--write-rle", rle),
                       "exists (use --force");
    CU_ASSERT_EQUAL(RUN("life", "--size", "8x8", "--steps", "1", "-q", "--write-rle", rle,
                        "--force"),
                    0);
}

/* --summary-json: the summary line's fields as a JSON object (numbers as
 * numbers, hashes as strings), to a file or instead of the line on stdout;
 * --no-summary: nothing on stdout; csv gen's overwrite rule. */
static void test_summary_json(void) {
    const char *js = test_tmp_path("s.json");
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", "40x30", "--steps", "4", "-q", "--summary-json",
                              js),
                          0);
    const char *h = strstr(out, "hash=");
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    char want[64];
    snprintf(want, sizeof want, "\"hash\": \"%.16s\"", h + 5);
    FILE *f = fopen(js, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char buf[4096] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
#define STARTS(s, lit) (strncmp((s), (lit), strlen(lit)) == 0)
    CU_ASSERT(STARTS(buf, "{\"command\": \"life\", \"backend\": "));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"steps\": 4, "));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"size\": \"40x30\""));
    CU_ASSERT_EQUAL(buf[n - 2], '}');
    CU_ASSERT_EQUAL(RUN("fib", "--n", "1000", "--tasks", "2", "-q", "--summary-json", "-"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n{\"command\": \"fib\", \"tasks\": 2, ")); /* after the task rows */
    CU_ASSERT_PTR_NULL(strstr(out, "tasks=2"));
    CU_ASSERT_EQUAL(RUN("life", "--size", "8x8", "--steps", "1", "--no-summary"), 0);
    CU_ASSERT_EQUAL(out[0], '\0');
    const char *csv = test_tmp_path("j.csv");
    CU_ASSERT_EQUAL_FATAL(RUN("csv", "gen", "--rows", "100", "-o", csv), 0);
    expect_usage_error(RUN("csv", "gen", "--rows", "100", "-o", csv), "exists (use --force");
    CU_ASSERT_EQUAL(RUN("csv", "gen", "--rows", "100", "-o", csv, "--force", "--summary-json",
                        "-"),
                    0);
    CU_ASSERT(STARTS(out, "{\"command\": \"csv gen\", \"rows\": 100, "));
#undef STARTS
    /* a JSON file that cannot be written is a run-time failure, with the reason */
    CU_ASSERT_EQUAL(RUN("life", "--steps", "1", "--summary-json", "/nonexistent/dir/s.json"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/dir/s.json: No such file or directory"));
}

static const test_case_t cases[] = {
    {"help, version, info", test_help_and_version},
    {"summary line", test_summary_line},
    {"config file and flag override", test_config_and_override},
    {"bad flags: clear message, exit 2", test_bad_flags},
    {"bad configs: file, line and key named", test_bad_configs},
    {"configs: text only, closed headers, one value per key, the flag's message",
     test_strict_configs},
    {"fib, csv and bench configs read as strictly", test_strict_configs_every_subcommand},
    {"shipped configs load and run", test_shipped_configs},
    {"progress lines in batch logs", test_progress_lines},
    {"one convention: short flags, did-you-mean, no ambiguous abbreviations", test_conventions},
    {"--summary-json and --no-summary", test_summary_json},
    {NULL, NULL},
};
CORUN_TEST_SUITE(cli, cases)
