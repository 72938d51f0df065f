/* test_fib_out.c — `corun fib --out` on a full disk: exit 1 without a
 * crash, every task reported on stdout kept whole (HDF5 dataset or text
 * file and CSV row), no empty or cut task files, an old output folder left
 * whole; one run per output; a folder output stopped by SIGTERM (exit 3)
 * or killed leaves the old folder whole and, after the next run, nothing
 * else; --force replaces only a folder of fib's own files. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

static char out[1 << 16], err[1 << 16];
#define RUN(...) test_run_corun((const char *const[]){"corun", __VA_ARGS__, NULL}, out, sizeof out, err, sizeof err)

static const char *small_fs(const char *name) {
    const char *dir = test_tmp_path(name);
    mkdir(dir, 0700);
    if (mount("tmpfs", dir, "tmpfs", 0, "size=2m") != 0) {
        fprintf(stderr, "\nfib disk-full test: cannot mount a tmpfs here (%m); not run\n");
        CU_FAIL("needs root to mount a small tmpfs");
        return NULL;
    }
    return dir;
}

static int reported(int *tasks, int cap) {
    int n = 0;
    for (const char *p = out; (p = strstr(p, "task=")) && n < cap; p++) tasks[n++] = atoi(p + 5);
    return n;
}

static void test_h5_disk_full(void) {
    const char *dir = small_fs("fibfs1");
    if (!dir) return;
    char path[600], cmd[1200];
    snprintf(path, sizeof path, "%s/F.h5", dir);
    int rc = RUN("fib", "--n", "2e6", "--tasks", "8", "--out", path);
    CU_ASSERT_EQUAL(rc, 1); /* not -SIGSEGV */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "No space left on device"));
    if (!strstr(err, "No space left on device")) fprintf(stderr, "\n%s\n", err);
    int t[64], n = reported(t, 64);
    CU_ASSERT(n >= 1 && n < 8);
    for (int i = 0; i < n; i++) {
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c \"import h5py,sys; f=h5py.File('%s','r'); "
                 "d=f['task_%06d']; sys.exit(int(len(d[()]) != d.attrs['digits']))\"",
                 path, t[i]);
        CU_ASSERT_EQUAL(system(cmd), 0);
    }
    umount(dir);
}

static void test_dir_disk_full(void) {
    const char *dir = small_fs("fibfs2");
    if (!dir) return;
    char path[600], f[1200];
    snprintf(path, sizeof path, "%s/D", dir);
    int rc = RUN("fib", "--n", "2e6", "--tasks", "8", "--out", path);
    CU_ASSERT_EQUAL(rc, 1);
    int t[64], n = reported(t, 64);
    CU_ASSERT(n >= 1 && n < 8);
    int files = 0;
    DIR *d = opendir(path);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "summary.csv")) continue;
        struct stat st;
        snprintf(f, sizeof f, "%s/%s", path, e->d_name);
        CU_ASSERT_EQUAL(stat(f, &st), 0);
        CU_ASSERT_EQUAL(st.st_size, 417976); /* F(2e6): 417975 digits + newline */
        files++;
    }
    if (d) closedir(d);
    CU_ASSERT_EQUAL(files, n);
    snprintf(f, sizeof f, "%s/summary.csv", path);
    size_t len = 0;
    char *csv = test_slurp(f, &len);
    int rows = 0;
    for (size_t i = 0; csv && i < len; i++) rows += csv[i] == '\n';
    CU_ASSERT_EQUAL(rows, n + 1);
    CU_ASSERT(len > 0 && csv[len - 1] == '\n');
    free(csv);
    umount(dir);
}

static void test_one_run_per_output(void) {
    const char *path = test_tmp_path("busy_fib.h5");
    unlink(path);
    pid_t pid = test_spawn_corun((const char *const[]){
        "corun", "fib", "--n", "3e7", "--tasks", "2", "--threads", "1", "--out", path, NULL});
    test_sleep_ms(500);
    CU_ASSERT_EQUAL(RUN("fib", "--n", "10", "--out", path), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "in use by another corun run"));
    kill(pid, 15);
    waitpid(pid, NULL, 0);
    CU_ASSERT_EQUAL(RUN("fib", "--n", "10", "--out", path), 2); /* exists */
    CU_ASSERT_EQUAL(RUN("fib", "--n", "10", "--out", path, "--force"), 0);
}

/* An old output: D and a copy to compare with. */
static void old_output(const char *dir, const char *copy) {
    test_rmtree(dir);
    test_rmtree(copy);
    CU_ASSERT_EQUAL_FATAL(RUN("fib", "--n", "10,20", "--out", dir, "--quiet"), 0);
    CU_ASSERT_EQUAL_FATAL(RUN("fib", "--n", "10,20", "--out", copy, "--quiet"), 0);
}

static void test_dir_signals(void) {
    const char *dir = test_tmp_path("fsig"), *copy = test_tmp_path("fsig_copy");
    old_output(dir, copy);
    for (int sig = SIGTERM; sig; sig = sig == SIGTERM ? SIGKILL : 0) {
        /* the largest n runs first (seconds); the signal comes while it runs */
        pid_t pid = test_spawn_corun((const char *const[]){
            "corun", "fib", "--n", "10,1e8", "--tasks", "1", "--threads", "1", "--out", dir,
            "--force", "--quiet", NULL});
        char aside[700];
        snprintf(aside, sizeof aside, "%s/.fsig.%ld.new", test_tmp_dir(), (long)pid);
        struct stat st;
        for (int i = 0; i < 6000 && stat(aside, &st) != 0; i++) test_sleep_ms(5);
        CU_ASSERT_EQUAL(stat(aside, &st), 0);
        kill(pid, sig);
        int ws = 0;
        waitpid(pid, &ws, 0);
        if (sig == SIGTERM) {
            CU_ASSERT(WIFEXITED(ws) && WEXITSTATUS(ws) == 3);
            CU_ASSERT_EQUAL(test_tmp_siblings("fsig"), 0);
        } else {
            CU_ASSERT(WIFSIGNALED(ws));
            CU_ASSERT_EQUAL(stat(aside, &st), 0);
        }
        CU_ASSERT_EQUAL(test_same_dir_files(dir, copy, "summary.csv"), 2);
    }
    /* the next run removes what the killed one left */
    CU_ASSERT_EQUAL(RUN("fib", "--n", "5", "--out", dir, "--force", "--quiet"), 0);
    CU_ASSERT_EQUAL(test_tmp_siblings("fsig"), 0);
    test_rmtree(dir);
    test_rmtree(copy);
}

static void test_dir_force_rule(void) {
    const char *dir = test_tmp_path("frule"), *copy = test_tmp_path("frule_copy");
    old_output(dir, copy);
    char p[700];
    snprintf(p, sizeof p, "%s/notes.txt", dir);
    FILE *f = fopen(p, "w");
    fputs("mine\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(RUN("fib", "--n", "5", "--out", dir, "--force"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "notes.txt"));
    CU_ASSERT_EQUAL(test_tmp_siblings("frule"), 0);
    size_t len;
    char *t = test_slurp(p, &len);
    CU_ASSERT(t && !strcmp(t, "mine\n"));
    free(t);
    unlink(p);
    CU_ASSERT_EQUAL(test_same_dir_files(dir, copy, "summary.csv"), 2);
    test_rmtree(dir);
    test_rmtree(copy);
}

/* A full disk with an old output in place: the old folder stays whole; the
 * tasks reported are kept next to it in D.partial-PID. */
static void test_dir_disk_full_old_kept(void) {
    const char *fs = small_fs("fibfs3");
    if (!fs) return;
    char path[600], copy[600];
    snprintf(path, sizeof path, "%s/D", fs);
    snprintf(copy, sizeof copy, "%s/C", fs);
    CU_ASSERT_EQUAL_FATAL(RUN("fib", "--n", "1000", "--tasks", "2", "--out", path, "--quiet"), 0);
    CU_ASSERT_EQUAL_FATAL(RUN("fib", "--n", "1000", "--tasks", "2", "--out", copy, "--quiet"), 0);
    int rc = RUN("fib", "--n", "2e6", "--tasks", "8", "--out", path, "--force");
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_EQUAL(test_same_dir_files(path, copy, "summary.csv"), 2);
    int t[64], n = reported(t, 64);
    CU_ASSERT(n >= 1 && n < 8);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ".partial-"));
    int kept = 0;
    DIR *d = opendir(fs);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (strncmp(e->d_name, "D.partial-", 10)) continue;
        char f[1200];
        snprintf(f, sizeof f, "%s/%s/summary.csv", fs, e->d_name);
        size_t len = 0;
        char *csv = test_slurp(f, &len);
        int rows = 0;
        for (size_t i = 0; csv && i < len; i++) rows += csv[i] == '\n';
        CU_ASSERT_EQUAL(rows, n + 1);
        free(csv);
        kept++;
    }
    if (d) closedir(d);
    CU_ASSERT_EQUAL(kept, 1);
    umount(fs);
}

static const test_case_t cases[] = {
    {"HDF5 output on a full disk: exit 1, reported tasks kept", test_h5_disk_full},
    {"folder output on a full disk: no empty or cut files", test_dir_disk_full},
    {"one run per output", test_one_run_per_output},
    {"folder output: SIGTERM and SIGKILL leave the old folder whole", test_dir_signals},
    {"folder output: --force replaces only fib's own files", test_dir_force_rule},
    {"folder output on a full disk: the old folder stays whole", test_dir_disk_full_old_kept},
    {NULL, NULL},
};
CORUN_TEST_SUITE(fib_out, cases)
