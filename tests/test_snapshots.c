/* test_snapshots.c — HDF5 snapshots end to end, checked from outside corun:
 * tests/h5check.py reads the files with h5py and recomputes each frame's hash
 * and population, which must equal independent corun runs. Covers frame
 * formats and codecs, restart = continuous run, kill -9 at random moments,
 * SIGTERM/second signal, an existing file, a full disk, h5dump, SWMR. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

#define PY "/usr/bin/python3"

static char out[1 << 16], err[1 << 16];
#define RUN(...) test_run_corun((const char *const[]){"corun", __VA_ARGS__, NULL}, out, sizeof out, err, sizeof err)


/* Value of key= in the summary line in `out`. */
static const char *field(const char *key, char *buf, size_t n) {
    char pat[64];
    snprintf(pat, sizeof pat, " %s=", key);
    const char *p = strstr(out, pat);
    if (!p && !strncmp(out, pat + 1, strlen(pat + 1))) p = out - 1;
    buf[0] = '\0';
    if (p) {
        const char *v = p + strlen(pat);
        size_t k = strcspn(v, " \n");
        if (k >= n) k = n - 1;
        memcpy(buf, v, k);
        buf[k] = '\0';
    }
    return buf;
}


/* Hash of a plain run of `steps` generations (no file). */
static void plain_hash(const char *size, const char *init, const char *boundary, long steps,
                       char *hash) {
    char s[32];
    snprintf(s, sizeof s, "%ld", steps);
    int rc = RUN("life", "--size", size, "--init", init, "--boundary", boundary, "--steps", s,
                 "--quiet");
    CU_ASSERT_EQUAL(rc, 0);
    field("hash", hash, 32);
}

static int python_ok(void) {
    if (system(PY " -c 'import h5py, numpy' >/dev/null 2>&1") != 0) {
        CU_FAIL("python3-h5py/python3-numpy are missing (scripts/setup.sh installs them)");
        return 0;
    }
    return 1;
}

/* Every frame's hash equals a plain run to that generation. */
static void check_frames_against_runs(const char *report, const char *size, const char *init,
                                      const char *boundary) {
    const char *p = report;
    int frames = 0;
    while ((p = strstr(p, "frame ")) != NULL) {
        long k, g, pop;
        char h[32], want[32];
        if (sscanf(p, "frame %ld gen %ld pop %ld hash %31s", &k, &g, &pop, h) != 4) break;
        plain_hash(size, init, boundary, g, want);
        if (strcmp(h, want)) fprintf(stderr, "\nframe %ld (gen %ld): %s != %s\n", k, g, h, want);
        CU_ASSERT_STRING_EQUAL(h, want);
        frames++;
        p++;
    }
    CU_ASSERT(frames > 0);
}

static void test_frames_formats_codecs(void) {
    if (!python_ok()) return;
    static const char *const variants[][4] = {
        /* format, compress, boundary, file */
        {"bits", "none", "torus", "f_bits.h5"},   {"bytes", "none", "dead", "f_bytes.h5"},
        {"bits", "gzip:6", "torus", "f_gzip.h5"}, {"bytes", "lz4", "torus", "f_lz4.h5"},
        {"bits", "lz4", "dead", "f_lz4b.h5"},
    };
    char rep[8192];
    for (size_t i = 0; i < sizeof variants / sizeof *variants; i++) {
        const char *path = test_tmp_path(variants[i][3]);
        unlink(path);
        int rc = RUN("life", "--size", "67x45", "--init", "random:0.45:9", "--boundary",
                     variants[i][2], "--steps", "50", "--out", path, "--snapshot-every", "10",
                     "--snapshot-format", variants[i][0], "--compress", variants[i][1], "--quiet");
        if (rc) fprintf(stderr, "\n%s", err);
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "io_seconds="));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "overlap="));
        /* what output cost, relative to the no-output stepping time: >= 0 */
        const char *oo = strstr(out, "output_overhead=");
        CU_ASSERT_PTR_NOT_NULL(oo);
        if (oo) CU_ASSERT(atof(oo + 16) >= 0);
        CU_ASSERT_EQUAL(test_h5check(path, NULL, rep, sizeof rep), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(rep, "frame 5 gen 50 "));  /* 0,10,..,50 */
        CU_ASSERT_PTR_NULL(strstr(rep, "frame 6 "));
        CU_ASSERT_PTR_NOT_NULL(strstr(rep, "pops 51 "));          /* every generation */
        CU_ASSERT_PTR_NOT_NULL(strstr(rep, "status complete"));
        check_frames_against_runs(rep, "67x45", "random:0.45:9", variants[i][2]);
    }
    /* h5dump opens it without corun */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "h5dump -H %s >/dev/null 2>&1", test_tmp_path("f_gzip.h5"));
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_restart_equals_continuous(void) {
    if (!python_ok()) return;
    const char *a = test_tmp_path("cont.h5"), *b = test_tmp_path("restart.h5");
    unlink(a);
    unlink(b);
    char ha[32], hb[32], ra[8192], rb[8192];
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", "90x71", "--init", "random:0.5:3", "--steps",
                              "200", "--out", a, "--snapshot-every", "20", "--quiet"),
                          0);
    field("hash", ha, sizeof ha);
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", "90x71", "--init", "random:0.5:3", "--steps",
                              "100", "--out", b, "--snapshot-every", "20", "--quiet"),
                          0);
    /* restart on another backend: the frames must not care */
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--restart", b, "--steps", "100", "--backend", "serial",
                              "--quiet"),
                          0);
    field("hash", hb, sizeof hb);
    CU_ASSERT_STRING_EQUAL(ha, hb);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "generation=200"));
    CU_ASSERT_EQUAL(test_h5check(a, NULL, ra, sizeof ra), 0);
    CU_ASSERT_EQUAL(test_h5check(b, NULL, rb, sizeof rb), 0);
    CU_ASSERT_STRING_EQUAL(ra, rb); /* same frames, generations, populations */
    /* contradicting the file is refused */
    CU_ASSERT_EQUAL(RUN("life", "--restart", b, "--steps", "1", "--size", "10x10"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "contradicts"));
    CU_ASSERT_EQUAL(RUN("life", "--restart", test_tmp_path("nope.h5"), "--steps", "1"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no such file"));
}

/* tests/data/restart_v1.h5 was written by corun before runs exchanged the
 * packed grid (a byte per cell between backends, patterns and snapshots):
 * 70x23, B36/S23, dead boundary, random:0.4:7, 20 generations, a frame every
 * 10. Continuing it gives the cells of one uninterrupted run. */
static void test_restart_older_file(void) {
    if (!python_ok()) return;
    char src[512], hr[32], hc[32], rep[8192];
    snprintf(src, sizeof src, "%s/restart_v1.h5", test_data_dir());
    const char *copy = test_tmp_path("restart_v1.h5");
    size_t n = 0;
    char *bytes = test_slurp(src, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    FILE *f = fopen(copy, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(bytes, 1, n, f), n);
    fclose(f);
    free(bytes);
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--restart", copy, "--steps", "25", "--quiet"), 0);
    field("hash", hr, sizeof hr);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "generation=45"));
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", "70x23", "--init", "random:0.4:7", "--rule",
                              "B36/S23", "--boundary", "dead", "--steps", "45", "--quiet"),
                          0);
    field("hash", hc, sizeof hc);
    CU_ASSERT_STRING_EQUAL(hr, hc);
    CU_ASSERT_EQUAL(test_h5check(copy, NULL, rep, sizeof rep), 0);
    /* It stays a version 1 file: no /previews (a viewer reads the frames),
     * no .xmf (bit-packed frames are no cells to a viewer). */
    CU_ASSERT_EQUAL(test_py("f=h5py.File('%s','r'); sys.exit('previews' in f or "
                            "f.attrs.get('format_version','1')!='1')",
                            copy),
                    0);
    CU_ASSERT_NOT_EQUAL(access(test_tmp_path("restart_v1.xmf"), F_OK), 0);
}

/* Last frame line of a report: its generation and hash. */
static int last_frame(const char *rep, long *gen, char *hash) {
    const char *p = rep, *last = NULL;
    while ((p = strstr(p, "frame ")) != NULL) last = p++;
    long k, pop;
    return last && sscanf(last, "frame %ld gen %ld pop %ld hash %31s", &k, gen, &pop, hash) == 4;
}

static void test_kill9_leaves_readable_file(void) {
    if (!python_ok()) return;
    srand((unsigned)time(NULL));
    char rep[1 << 15];
    for (int i = 0; i < 4; i++) {
        const char *path = test_tmp_path("killed.h5");
        unlink(path);
        pid_t pid = test_spawn_corun((const char *const[]){
            "corun", "life", "--size", "300x200", "--init", "random:0.5:5", "--steps",
            "100000000", "--out", path, "--snapshot-every", "1", "--quiet", NULL});
        /* The file appears (renamed into place from a temporary name) once it
         * is valid; the random moments are those of a run writing frames. */
        for (int w = 0; w < 1000 && access(path, F_OK) != 0; w++) test_sleep_ms(10);
        test_sleep_ms(50 + rand() % 500);
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        CU_ASSERT_TRUE(WIFSIGNALED(st));
        int rc = test_h5check(path, "--frames-only-last", rep, sizeof rep);
        if (rc) fprintf(stderr, "\nafter kill -9: %s\n", rep);
        CU_ASSERT_EQUAL(rc, 0);
        long g;
        char h[32], want[32];
        CU_ASSERT_TRUE_FATAL(last_frame(rep, &g, h));
        plain_hash("300x200", "random:0.5:5", "torus", g, want);
        CU_ASSERT_STRING_EQUAL(h, want);
        CU_ASSERT_PTR_NOT_NULL(strstr(rep, "status running")); /* it never finished */
        /* and a killed run continues from its last complete frame (a frame
         * whose index entry was not written yet is dropped) */
        char gen[64];
        snprintf(gen, sizeof gen, "generation=%ld ", g + 3);
        CU_ASSERT_EQUAL(RUN("life", "--restart", path, "--steps", "3", "--quiet"), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, gen));
    }
}

static void test_signals(void) {
    if (!python_ok()) return;
    const char *path = test_tmp_path("sig.h5");
    unlink(path);
    pid_t pid = test_spawn_corun((const char *const[]){
        "corun", "life", "--size", "256x256", "--init", "random:0.5:11", "--steps", "100000000",
        "--out", path, "--snapshot-every", "100", "--quiet", NULL});
    test_sleep_ms(400);
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    char rep[1 << 15], want[32], h[32];
    CU_ASSERT_EQUAL(test_h5check(path, "--frames-only-last", rep, sizeof rep), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep, "status interrupted"));
    long g;
    CU_ASSERT_TRUE_FATAL(last_frame(rep, &g, h));
    CU_ASSERT(g > 0 && g % 100 != 0 ? 1 : g > 0); /* the final frame, wherever it stopped */
    plain_hash("256x256", "random:0.5:11", "torus", g, want);
    CU_ASSERT_STRING_EQUAL(h, want);
    /* a second signal stops at once */
    const char *p2 = test_tmp_path("sig2.h5");
    unlink(p2);
    /* A slow final frame (bytes, gzip -9) so the second signal lands while
     * the first is being honoured; a pause between the two, since a signal
     * sent while the same one is still pending is merged with it. */
    pid = test_spawn_corun((const char *const[]){"corun", "life", "--size", "4096x4096", "--steps",
                                            "100000000", "--out", p2, "--snapshot-format",
                                            "bytes", "--compress", "gzip:9", "--quiet", NULL});
    test_sleep_ms(600);
    kill(pid, SIGINT);
    test_sleep_ms(30);
    kill(pid, SIGINT);
    waitpid(pid, &st, 0);
    CU_ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT);
}

static void test_existing_file_and_bad_options(void) {
    const char *path = test_tmp_path("exists.h5");
    unlink(path);
    CU_ASSERT_EQUAL(RUN("life", "--size", "20x20", "--steps", "3", "--out", path, "--quiet"), 0);
    struct stat s1, s2;
    stat(path, &s1);
    CU_ASSERT_EQUAL(RUN("life", "--size", "30x30", "--steps", "3", "--out", path, "--quiet"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "file exists"));
    stat(path, &s2);
    CU_ASSERT_EQUAL(s1.st_size, s2.st_size); /* untouched */
    CU_ASSERT_EQUAL(RUN("life", "--size", "30x30", "--steps", "3", "--out", path, "--force",
                        "--quiet"),
                    0);
    CU_ASSERT_EQUAL(RUN("life", "--out", path, "--compress", "zstd"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "compress"));
    CU_ASSERT_EQUAL(RUN("life", "--out", path, "--compress", "gzip:11"), 2);
    CU_ASSERT_EQUAL(RUN("life", "--out", path, "--snapshot-format", "png"), 2);
    CU_ASSERT_EQUAL(RUN("life", "--out", path, "--snapshot-every", "-2"), 2);
    CU_ASSERT_EQUAL(RUN("life", "--out", path, "--print"), 2);
    CU_ASSERT_EQUAL(RUN("life", "--out", test_tmp_path("no/such/dir/x.h5"), "--steps", "1"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "x.h5"));
}

static void test_disk_full(void) {
    if (!python_ok()) return;
    const char *dir = test_tmp_path("smallfs");
    mkdir(dir, 0700);
    if (mount("tmpfs", dir, "tmpfs", 0, "size=300k") != 0) {
        /* Not root / no CAP_SYS_ADMIN: say so loudly; this is not a pass. */
        fprintf(stderr, "\ndisk-full test: cannot mount a tmpfs here (%m); not run\n");
        CU_FAIL("disk-full test needs root to mount a small tmpfs");
        return;
    }
    char path[600], rep[1 << 15];
    snprintf(path, sizeof path, "%s/full.h5", dir);
    int rc = RUN("life", "--size", "512x512", "--steps", "100", "--out", path, "--snapshot-every",
                 "1", "--quiet");
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "No space left on device"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "full.h5"));
    rc = test_h5check(path, NULL, rep, sizeof rep);
    if (rc) fprintf(stderr, "\n%s\n", rep);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep, "frame 1 gen 1 ")); /* what was written stays */
    umount(dir);
}

static void test_swmr(void) {
    if (!python_ok()) return;
    const char *path = test_tmp_path("swmr.h5");
    unlink(path);
    char rep[8192];
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", "64x64", "--steps", "30", "--out", path,
                              "--snapshot-every", "10", "--swmr", "--quiet"),
                          0);
    CU_ASSERT_EQUAL(test_h5check(path, "--swmr", rep, sizeof rep), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep, "frame 3 gen 30 "));
    CU_ASSERT_EQUAL(test_h5check(path, NULL, rep, sizeof rep), 0); /* closed cleanly: plain open too */
    CU_ASSERT_PTR_NOT_NULL(strstr(rep, "status complete"));
}

static const test_case_t cases[] = {
    {"frames = independent runs (bits/bytes, none/gzip/lz4, torus/dead)", test_frames_formats_codecs},
    {"restart equals a continuous run", test_restart_equals_continuous},
    {"a file written by an earlier corun continues bit-identically", test_restart_older_file},
    {"kill -9 at random moments leaves a readable file", test_kill9_leaves_readable_file},
    {"SIGTERM writes a final frame and exits 3; a second signal stops at once", test_signals},
    {"existing file needs --force; bad options", test_existing_file_and_bad_options},
    {"disk full: clear error, earlier frames intact", test_disk_full},
    {"SWMR mode readable by SWMR and plain readers", test_swmr},
    {NULL, NULL},
};
CORUN_TEST_SUITE(snapshots, cases)
