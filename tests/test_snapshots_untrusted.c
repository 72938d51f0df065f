/* test_snapshots_untrusted.c — snapshot files that cannot be trusted and
 * outputs that others use: damaged or edited files are refused at restart
 * (exit 2, a message naming what is inconsistent) before anything grows;
 * one writer per output (a lock, also against --force); a reader keeps the
 * old results when --force replaces a file; a run that fails records it. */
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


static long long size_of(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* A fresh 256x256 file, 200 generations, a frame every 10. */
static const char *fresh(const char *name) {
    const char *p = test_tmp_path(name);
    unlink(p);
    CU_ASSERT_EQUAL(RUN("life", "--size", "256x256", "--steps", "200", "--snapshot-every", "10",
                        "--out", p, "--quiet"),
                    0);
    return p;
}

static void test_huge_generation_refused(void) {
    const char *p = fresh("huge.h5");
    CU_ASSERT_EQUAL(test_py("f=h5py.File('%s','a'); f['generation'][-1]=10**15", p), 0);
    long long before = size_of(p);
    time_t t0 = time(NULL);
    CU_ASSERT_EQUAL(RUN("life", "--restart", p, "--steps", "10", "--quiet"), 2);
    CU_ASSERT(time(NULL) - t0 < 20);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/generation[20] = 1000000000000000"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "snapshot_every is 10"));
    CU_ASSERT_EQUAL(size_of(p), before);
    /* without an interval to check against, /population must cover it (the
     * header digest dropped too, as in files written before it) */
    const char *q = fresh("huge0.h5");
    CU_ASSERT_EQUAL(test_py("f=h5py.File('%s','a'); f.attrs['snapshot_every']=numpy.int64(0); "
                       "del f.attrs['header_digest']; "
                       "f['generation'][-1]=10**15", q),
                    0);
    CU_ASSERT_EQUAL(RUN("life", "--restart", q, "--steps", "10", "--quiet"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/population has 201 entries"));
}

/* Each edit must be refused with exit 2 and a message containing `want`. */
static void test_edits_refused(void) {
    static const char *const edits[][2] = {
        {"f['generation'][5]=3", "generations must increase"},
        {"f['generation'][0]=-7", "/generation[0] is -7"},
        {"f.attrs['width']=numpy.int64(-5)", "not a corun snapshot file"},
        {"f.attrs['width']=numpy.int64(300)", "words_per_row is 4, but width 300 needs 5"},
        {"f.attrs['height']=numpy.int64(1<<40)", "larger than"},
        {"f.attrs['words_per_row']=numpy.int64(99)", "words_per_row is 99"},
        {"f.attrs['format_version']='7'", "format_version is '7'"},
        {"f.attrs['snapshot_every']=numpy.int64(-3)", "snapshot_every is -3"},
        {"f.attrs['frame_format']='bytes'", "/frames is not"},
        {"f['population'].resize((50,))", "/population has 50 entries"},
        {"f['generation'].resize((25,))", "/generation lists 25 frames but /frames holds 21"},
        {"f['frames'].resize((40,256,4))", "/frames holds 40"},
        {"del f['generation']; f.create_dataset('generation', data=numpy.zeros((3,2)))",
         "/generation or /population"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        const char *p = fresh("edit.h5");
        char code[512];
        snprintf(code, sizeof code, "f=h5py.File('%%s','a'); %s", edits[i][0]);
        CU_ASSERT_EQUAL(test_py(code, p), 0);
        long long before = size_of(p);
        int rc = RUN("life", "--restart", p, "--steps", "10", "--quiet");
        if (rc != 2 || !strstr(err, edits[i][1]))
            fprintf(stderr, "\nedit %s: rc %d, %s\n", edits[i][0], rc, err);
        CU_ASSERT_EQUAL(rc, 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, edits[i][1]));
        CU_ASSERT_PTR_NOT_NULL(strstr(err, p));
        CU_ASSERT_EQUAL(size_of(p), before);
    }
}

static void test_flags_contradicting_file(void) {
    const char *p = fresh("every.h5");
    CU_ASSERT_EQUAL(RUN("life", "--restart", p, "--steps", "10", "--snapshot-every", "3"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--snapshot-every 3 contradicts the file's snapshot_every 10"));
    /* the refused leg leaves the status as it was */
    CU_ASSERT_EQUAL(test_py("import sys; f=h5py.File('%s','r'); "
                       "sys.exit(f.attrs['status']!='complete')", p),
                    0);
    CU_ASSERT_EQUAL(RUN("life", "--restart", p, "--steps", "10", "--snapshot-every", "10",
                        "--quiet"),
                    0);
}

static void test_open_failures_named(void) {
    const char *g = test_write_tmp("garbage.h5", "this is not hdf5\n");
    CU_ASSERT_EQUAL(RUN("life", "--restart", g, "--steps", "1"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an HDF5 file"));
    const char *p = fresh("trunc.h5");
    CU_ASSERT_EQUAL(truncate(p, 100000), 0);
    CU_ASSERT_EQUAL(RUN("life", "--restart", p, "--steps", "1"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "truncated or damaged HDF5 file"));
    /* a SWMR writer killed with -9 leaves HDF5's "open for writing" mark */
    const char *w = test_tmp_path("swmr_crash.h5");
    unlink(w);
    pid_t pid = test_spawn_corun((const char *const[]){
        "corun", "life", "--size", "64x64", "--steps", "1000000000", "--snapshot-every", "1000",
        "--swmr", "--out", w, "--quiet", NULL});
    test_sleep_ms(800);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    CU_ASSERT_EQUAL(RUN("life", "--restart", w, "--steps", "1"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "crashed --swmr writer"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "h5clear -s"));
}

static void test_one_writer_per_output(void) {
    const char *p = test_tmp_path("busy.h5");
    unlink(p);
    pid_t pid = test_spawn_corun((const char *const[]){
        "corun", "life", "--size", "128x128", "--steps", "1000000000", "--snapshot-every",
        "100000", "--out", p, "--quiet", NULL});
    test_sleep_ms(700);
    char pidtext[32];
    snprintf(pidtext, sizeof pidtext, "pid %d ", (int)pid);
    CU_ASSERT_EQUAL(RUN("life", "--size", "32x32", "--steps", "3", "--out", p, "--force",
                        "--quiet"),
                    1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "in use by another corun run"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, pidtext));
    CU_ASSERT_EQUAL(RUN("life", "--restart", p, "--steps", "3", "--quiet"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, pidtext));
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3); /* its file was never taken */
    CU_ASSERT_EQUAL(test_py("import sys; f=h5py.File('%s','r'); "
                       "sys.exit(int(f.attrs['status']!='interrupted' or f.attrs['width']!=128))", p),
                    0);
    /* the holder is gone (its lock with it): the next run may write */
    CU_ASSERT_EQUAL(RUN("life", "--size", "32x32", "--steps", "3", "--out", p, "--force",
                        "--quiet"),
                    0);
}

static void test_force_keeps_readers_results(void) {
    const char *p = fresh("reader.h5");
    /* h5py holds the old file open while --force replaces it, then reads on */
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             PY " -c \"import h5py, subprocess, sys; f=h5py.File('%s','r'); "
                "rc=subprocess.call(['%s','life','--size','32x32','--steps','3','--out','%s',"
                "'--force','--quiet'], stdout=subprocess.DEVNULL); "
                "sys.exit(int(rc != 0 or f.attrs['width'] != 256 or len(f['generation']) != 21 or "
                "f['frames'][20].sum() == 0))\"",
             p, test_corun_bin(), p);
    CU_ASSERT_EQUAL(system(cmd), 0);
    CU_ASSERT_EQUAL(test_py("import sys; f=h5py.File('%s','r'); sys.exit(int(f.attrs['width']!=32))", p),
                    0);
}

static void test_disk_full_records_failure(void) {
    const char *dir = test_tmp_path("smallfs2");
    mkdir(dir, 0700);
    if (mount("tmpfs", dir, "tmpfs", 0, "size=2m") != 0) {
        fprintf(stderr, "\ndisk-full test: cannot mount a tmpfs here (%m); not run\n");
        CU_FAIL("disk-full test needs root to mount a small tmpfs");
        return;
    }
    char path[600];
    snprintf(path, sizeof path, "%s/full.h5", dir);
    int rc = RUN("life", "--size", "512x512", "--steps", "100", "--out", path, "--snapshot-every",
                 "1", "--quiet");
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "No space left on device"));
    CU_ASSERT_EQUAL(test_py("import sys; f=h5py.File('%s','r'); "
                       "sys.exit(f.attrs['status']!='failed' or "
                       "'No space left' not in f.attrs['error'] or len(f['generation']) < 2)",
                       path),
                    0);
    umount(dir);
}

/* A run killed before its new file was renamed into place leaves the
 * temporary (.NAME.PID.new); the next run of that output removes it, and
 * leaves other files alone. */
static void test_stale_temporaries_removed(void) {
    char stale[600], other[600];
    const char *p = test_tmp_path("stale.h5");
    unlink(p);
    snprintf(stale, sizeof stale, "%s/.stale.h5.4242.new", test_tmp_dir());
    snprintf(other, sizeof other, "%s/.stale.h5.notapid.new", test_tmp_dir());
    test_write_tmp(".stale.h5.4242.new", "left by a killed run");
    test_write_tmp(".stale.h5.notapid.new", "not a temporary of corun's");
    CU_ASSERT_EQUAL(access(stale, F_OK), 0);
    CU_ASSERT_EQUAL(RUN("life", "--size", "32x32", "--steps", "3", "--out", p, "--quiet"), 0);
    CU_ASSERT_NOT_EQUAL(access(stale, F_OK), 0);
    CU_ASSERT_EQUAL(access(other, F_OK), 0);
    /* fib's HDF5 output too */
    const char *q = test_tmp_path("stale_fib.h5");
    unlink(q);
    snprintf(stale, sizeof stale, "%s/.stale_fib.h5.77.new", test_tmp_dir());
    test_write_tmp(".stale_fib.h5.77.new", "left by a killed run");
    CU_ASSERT_EQUAL(test_run_corun((const char *const[]){"corun", "fib", "--n", "10", "--out", q,
                                                         "--quiet", NULL},
                                   out, sizeof out, err, sizeof err),
                    0);
    CU_ASSERT_NOT_EQUAL(access(stale, F_OK), 0);
    unlink(other);
}

static const test_case_t cases[] = {
    {"a generation of 10^15 is refused before anything grows", test_huge_generation_refused},
    {"edited attributes and datasets are refused, named", test_edits_refused},
    {"--snapshot-every contradicting the file is refused", test_flags_contradicting_file},
    {"not HDF5 / truncated / crashed SWMR writer are told apart", test_open_failures_named},
    {"one writer per output, also with --force", test_one_writer_per_output},
    {"--force leaves a reader's old results readable", test_force_keeps_readers_results},
    {"disk full: status failed with the error", test_disk_full_records_failure},
    {"temporaries of killed runs are removed by the next run", test_stale_temporaries_removed},
    {NULL, NULL},
};
CORUN_TEST_SUITE(snapshots_untrusted, cases)
