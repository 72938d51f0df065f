/* test_snapshots_previews.c — what a snapshot file gives a viewer: /previews
 * (the density of B x B blocks of every frame, checked against the frames
 * by tests/h5check.py, for block sizes 1, odd with clipped edge blocks, and
 * 64), validated by a restart like the other datasets; and FILE.xmf, the
 * XDMF description checked by tests/xdmf_check.py (its structure against
 * the HDF5 file with h5py, and parsed by the XDMF library where Debian's
 * libxdmf3 is installed), also after a restart and after kill -9. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

static char out[1 << 16], err[1 << 16];
#define RUN(...) test_run_corun((const char *const[]){"corun", __VA_ARGS__, NULL}, out, sizeof out, err, sizeof err)

/* tests/xdmf_check.py on an .xmf (with extra flags, may be ""); its report
 * in rep. */
static int xdmf_check_flags(const char *xmf, const char *flags, char *rep, size_t cap) {
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/../xdmf_check.py %s %s 2>&1", test_data_dir(),
             xmf, flags);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = fread(rep, 1, cap - 1, p);
    rep[n] = '\0';
    int st = pclose(p);
    if (!WIFEXITED(st) || WEXITSTATUS(st)) fprintf(stderr, "\n%s\n", rep);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int xdmf_check(const char *xmf, char *rep, size_t cap) {
    return xdmf_check_flags(xmf, "", rep, cap);
}

/* h5check.py passes: every frame's preview is the density of its blocks
 * (flags: NULL, or --frames-only-last). */
static void check_file(const char *path, const char *flags) {
    static char rep[1 << 16];
    int rc = test_h5check(path, flags, rep, sizeof rep);
    if (rc) fprintf(stderr, "\n%s\n", rep);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NULL(strstr(rep, "MISMATCH"));
    CU_ASSERT_PTR_NULL(strstr(rep, "MISSING"));
}

static void test_previews_match_frames(void) {
    /* B = 1 (small), B = 3 with clipped blocks on both edges (2051 = 3 *
     * 683 + 2, 40 = 3 * 13 + 1), B = 64 (blocks are words), B = 5 on a
     * grid 3 rows high (one block row, clipped). */
    static const struct {
        const char *size, *format;
        long block, ph, pw;
    } cases[] = {{"100x70", "bits", 1, 70, 100},
                 {"2051x40", "bits", 3, 14, 684},
                 {"65536x2", "bits", 64, 1, 1024},
                 {"5000x3", "bytes", 5, 1, 1000}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *p = test_tmp_path("prev.h5");
        unlink(p);
        CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", cases[i].size, "--init", "random:0.3:11",
                                  "--steps", "6", "--snapshot-every", "3", "--snapshot-format",
                                  cases[i].format, "--out", p, "--quiet"),
                              0);
        check_file(p, NULL);
        char code[400];
        snprintf(code, sizeof code,
                 "f=h5py.File('%%s','r'); v=f['previews']; sys.exit(f.attrs['format_version']!='2' "
                 "or f.attrs['preview_block']!=%ld or v.shape!=(3,%ld,%ld) or v.dtype!='u1' or "
                 "v.chunks!=(1,%ld,%ld) or not v.fletcher32)",
                 cases[i].block, cases[i].ph, cases[i].pw, cases[i].ph, cases[i].pw);
        CU_ASSERT_EQUAL(test_py(code, p), 0);
    }
}

static void test_restart_appends_previews(void) {
    const char *p = test_tmp_path("prev_restart.h5");
    unlink(p);
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", "1500x40", "--steps", "20", "--snapshot-every",
                              "10", "--out", p, "--quiet"),
                          0);
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--restart", p, "--steps", "20", "--quiet"), 0);
    check_file(p, NULL);
    CU_ASSERT_EQUAL(test_py("f=h5py.File('%s','r'); sys.exit(bool(f['previews'].shape[0]!=5 or "
                            "f.attrs['preview_block']!=2))",
                            p),
                    0);
    char rep[4096];
    CU_ASSERT_EQUAL(xdmf_check(test_tmp_path("prev_restart.xmf"), rep, sizeof rep), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep, "ok 5 frames"));
}

/* A restart checks /previews like the other datasets: each edit is refused
 * with exit 2, naming /previews or preview_block, and changes nothing. */
static void test_restart_validates_previews(void) {
    static const struct {
        const char *edit, *says;
    } cases[] = {
        {"del f['previews']", "/previews is missing"},
        {"f.attrs['preview_block']=numpy.int64(2)", "preview_block is 2"},
        {"del f['previews']; f.create_dataset('previews',(3,40,40),'u1',maxshape=(None,40,40))",
         "/previews is not previews x 30 x 50"},
        {"del f['previews']; f.create_dataset('previews',(3,30,50),'i4',maxshape=(None,30,50))",
         "/previews is not previews"},
        {"f['previews'].resize((2,30,50))", "/previews holds 2 previews"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *p = test_tmp_path("prev_bad.h5");
        unlink(p);
        CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", "50x30", "--steps", "20",
                                  "--snapshot-every", "10", "--out", p, "--quiet"),
                              0);
        char code[400];
        snprintf(code, sizeof code, "f=h5py.File('%%s','r+'); %s; f.close()", cases[i].edit);
        CU_ASSERT_EQUAL_FATAL(test_py(code, p), 0);
        CU_ASSERT_EQUAL(RUN("life", "--restart", p, "--steps", "5", "--quiet"), 2);
        if (!strstr(err, cases[i].says)) fprintf(stderr, "\nedit %s: %s\n", cases[i].edit, err);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].says));
    }
}

static void test_xdmf_bits_and_bytes(void) {
    char rep[4096];
    const char *p = test_tmp_path("view.h5");
    unlink(p);
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", "3000x20", "--steps", "12", "--snapshot-every",
                              "4", "--out", p, "--quiet"),
                          0);
    CU_ASSERT_EQUAL(xdmf_check(test_tmp_path("view.xmf"), rep, sizeof rep), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep, "ok 4 frames, series previews,"));
    /* --force replaces the file and its .xmf */
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", "90x60", "--steps", "2", "--snapshot-format",
                              "bytes", "--out", p, "--force", "--quiet"),
                          0);
    CU_ASSERT_EQUAL(xdmf_check(test_tmp_path("view.xmf"), rep, sizeof rep), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep, "ok 2 frames, series frames,previews"));
    /* No temporaries left next to them. */
    CU_ASSERT_EQUAL(test_tmp_siblings("view.xmf"), 0);
}

/* kill -9 in the middle of a run: the .xmf lists exactly the frames the
 * file holds complete (xdmf_check compares with /generation); a restart
 * continues and rewrites it. */
static void test_xdmf_after_kill(void) {
    char rep[4096], p[512], xmf[512];
    snprintf(p, sizeof p, "%s", test_tmp_path("killed.h5"));
    snprintf(xmf, sizeof xmf, "%s", test_tmp_path("killed.xmf"));
    for (int round = 0; round < 2; round++) {
        unlink(p);
        unlink(xmf);
        pid_t pid = test_spawn_corun((const char *const[]){
            "corun", "life", "--size", "2000x1000", "--steps", "100000000", "--snapshot-every",
            "1", "--out", p, "--quiet", NULL});
        /* the .xmf lists a first frame (set-up is over; slow in sanitizer
         * builds), then more frames come */
        for (int i = 0; i < 3000; i++) {
            size_t n = 0;
            char *t = test_slurp(xmf, &n);
            int listed = t && strstr(t, "<Time");
            free(t);
            if (listed) break;
            test_sleep_ms(10);
        }
        test_sleep_ms(300 + 300 * round);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        /* every complete frame listed and timed, or all but the one whose
         * index had just reached the disk; the values of a few (the XDMF
         * library takes about 0.4 s a frame, and a run killed after a
         * second holds a hundred or more) */
        CU_ASSERT_EQUAL(xdmf_check_flags(xmf, "--read-at-most 8 --killed", rep, sizeof rep), 0);
        CU_ASSERT_PTR_NULL(strstr(rep, "ok 0 frames"));
    }
    CU_ASSERT_EQUAL(RUN("life", "--restart", p, "--steps", "3", "--quiet"), 0);
    CU_ASSERT_EQUAL(xdmf_check_flags(xmf, "--read-at-most 8", rep, sizeof rep), 0);
    check_file(p, "--frames-only-last");
}

static const test_case_t cases[] = {
    {"previews are the density of the frames' blocks (B 1, 3, 5, 64)", test_previews_match_frames},
    {"a restart appends previews and rewrites the .xmf", test_restart_appends_previews},
    {"a restart validates /previews", test_restart_validates_previews},
    {"the .xmf describes previews (and byte frames)", test_xdmf_bits_and_bytes},
    {"after kill -9 the .xmf lists the complete frames", test_xdmf_after_kill},
    {NULL, NULL}};
CORUN_TEST_SUITE(snapshots_previews, cases)
