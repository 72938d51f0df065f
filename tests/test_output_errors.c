/* test_output_errors.c — a file that cannot be created, opened, written or
 * flushed is reported with its path and the operating system's reason, for
 * every kind of output and input: a missing folder (ENOENT), a full disk
 * (ENOSPC: /dev/full for plain writes, a small tmpfs for HDF5 files), a
 * folder this user may not write (EACCES). Tests run as root in CI, and
 * root ignores permission bits: the EACCES cases run corun as the user
 * nobody (setuid in the child), or as the calling user when it is not
 * root. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

static char out[1 << 16], err[1 << 16];
#define RUN(...) test_run_corun((const char *const[]){"corun", __VA_ARGS__, NULL}, out, sizeof out, err, sizeof err)

/* err names `path` and says `why`; rc is a failure. */
static void says(int rc, const char *path, const char *why) {
    CU_ASSERT_TRUE(rc == 1 || rc == 2);
    int ok = strstr(err, path) && strstr(err, why);
    if (!ok) fprintf(stderr, "\nexpected '%s' and '%s' in: %s\n", path, why, err);
    CU_ASSERT_TRUE(ok);
}

static void test_missing_folder(void) {
    const char *enoent = "No such file or directory";
    char cfg[600];
    snprintf(cfg, sizeof cfg, "%s/../../configs/bench-quick.ini", test_data_dir());
    says(RUN("life", "--size", "20x20", "--steps", "2", "--out", "/nonexistent-dir/a.h5",
             "--quiet"),
         "/nonexistent-dir/", enoent);
    says(RUN("life", "--size", "20x20", "--steps", "2", "--write-rle", "/nonexistent-dir/a.rle",
             "--quiet"),
         "/nonexistent-dir/", enoent);
    says(RUN("life", "--size", "20x20", "--steps", "2", "--summary-json",
             "/nonexistent-dir/s.json", "--quiet"),
         "/nonexistent-dir/s.json", enoent);
    says(RUN("life", "--restart", "/nonexistent-dir/a.h5", "--steps", "2"), "/nonexistent-dir/a.h5",
         "no such file");
    says(RUN("life", "--config", "/nonexistent-dir/c.ini"), "/nonexistent-dir/c.ini", enoent);
    says(RUN("life", "--init", "/nonexistent-dir/p.rle", "--steps", "1"), "/nonexistent-dir/p.rle",
         enoent);
    says(RUN("fib", "--n", "10", "--out", "/nonexistent-dir/f.h5", "--quiet"), "/nonexistent-dir/",
         enoent);
    says(RUN("fib", "--n", "10", "--out", "/nonexistent-dir/fdir", "--quiet"), "/nonexistent-dir/",
         enoent);
    says(RUN("csv", "gen", "--rows", "10", "-o", "/nonexistent-dir/s.csv", "--quiet"),
         "/nonexistent-dir/s.csv", enoent);
    says(RUN("csv", "stats", "/nonexistent-dir/s.csv", "--by", "Region"), "/nonexistent-dir/s.csv",
         enoent);
    says(RUN("bench", "--config", cfg, "--out", "/nonexistent-dir/b.csv", "--quiet"),
         "/nonexistent-dir/b.csv", enoent);
}

/* Plain writes into a full device: /dev/full takes opens and fails every
 * write with ENOSPC (outputs written in place; those written aside and
 * renamed are covered by the tmpfs case below). */
static void test_full_device(void) {
    says(RUN("life", "--size", "20x20", "--steps", "2", "--summary-json", "/dev/full", "--quiet"),
         "/dev/full", "No space left on device");
}

/* Standard output that cannot be written (a full disk under `> file`): the
 * run fails with the reason instead of exiting 0 with the summary lost. */
static void test_stdout_full(void) {
    char cmd[1200];
    const char *e = test_tmp_path("stdout_full.err");
    snprintf(cmd, sizeof cmd, "'%s' life --size 20x20 --steps 2 > /dev/full 2> '%s'",
             test_corun_bin(), e);
    int st = system(cmd);
    CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    FILE *f = fopen(e, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t n = fread(err, 1, sizeof err - 1, f);
    err[n] = '\0';
    fclose(f);
    says(1, "standard output", "No space left on device");
}

/* --force replaces regular files only: a device node (or FIFO) named as an
 * output is refused and left where it is. */
static void test_not_a_regular_file(void) {
    const char *fifo = test_tmp_path("a.fifo");
    unlink(fifo);
    CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
    says(RUN("life", "--size", "8x8", "--steps", "1", "--out", fifo, "--force", "--quiet"), fifo,
         "is a FIFO: refusing to replace it");
    says(RUN("life", "--size", "8x8", "--steps", "1", "--write-rle", fifo, "--force", "--quiet"),
         fifo, "is a FIFO");
    says(RUN("csv", "gen", "--rows", "10", "-o", fifo, "--force", "--quiet"), fifo, "is a FIFO");
    says(RUN("fib", "--n", "10", "--out", fifo, "--force", "--quiet"), fifo, "is not a folder");
    char fh5[600];
    snprintf(fh5, sizeof fh5, "%s.h5", fifo);
    unlink(fh5);
    CU_ASSERT_EQUAL_FATAL(mkfifo(fh5, 0600), 0);
    says(RUN("fib", "--n", "10", "--out", fh5, "--force", "--quiet"), fh5, "is a FIFO");
    unlink(fh5);
    struct stat st;
    CU_ASSERT_EQUAL(stat(fifo, &st), 0);
    CU_ASSERT_TRUE(S_ISFIFO(st.st_mode));
    says(RUN("life", "--size", "8x8", "--steps", "1", "--out", "/dev/null", "--force", "--quiet"),
         "/dev/null", "is a character device");
    CU_ASSERT_EQUAL(stat("/dev/null", &st), 0);
    CU_ASSERT_TRUE(S_ISCHR(st.st_mode));
    unlink(fifo);
}

/* A tmpfs of a few pages: HDF5 files (life --out, fib --out) and files
 * written aside (fib's task files) fail with ENOSPC, named. Needs root
 * (mount); said and skipped otherwise. */
static void test_full_disk(void) {
    const char *dir = test_tmp_path("tinyfs");
    mkdir(dir, 0700);
    if (mount("tmpfs", dir, "tmpfs", 0, "size=64k") != 0) {
        fprintf(stderr, "\nfull-disk cases: cannot mount a tmpfs (%s): skipped\n", strerror(errno));
        return;
    }
    char p[700];
    const char *enospc = "No space left on device";
    snprintf(p, sizeof p, "%s/a.h5", dir);
    says(RUN("life", "--size", "512x512", "--steps", "50", "--snapshot-every", "1", "--out", p,
             "--quiet"),
         "a.h5", enospc);
    snprintf(p, sizeof p, "%s/fdir", dir);
    says(RUN("fib", "--n", "100000,200000,300000", "--out", p, "--quiet"), "fdir", enospc);
    /* the disk full before the file is made: its creation fails, named */
    char fill[700];
    snprintf(fill, sizeof fill, "%s/fill", dir);
    int fd = open(fill, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    static char block[4096];
    while (fd >= 0 && write(fd, block, sizeof block) > 0) {
    }
    if (fd >= 0) close(fd);
    snprintf(p, sizeof p, "%s/b.h5", dir);
    says(RUN("life", "--size", "64x64", "--steps", "2", "--out", p, "--quiet"), "b.h5", enospc);
    snprintf(p, sizeof p, "%s/c.h5", dir);
    says(RUN("fib", "--n", "10", "--out", p, "--quiet"), "c.h5", enospc);
    umount(dir);
}

/* Runs corun with args as the user nobody when this process is root (root
 * is never denied by permission bits), else as this user; stderr into
 * err. Returns the exit status, -1 if it could not be run. */
static int run_unprivileged(const char *const *args) {
    char path[600];
    snprintf(path, sizeof path, "%s", test_tmp_path("unpriv_err.txt"));
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd >= 0) {
            dup2(fd, 2);
            close(fd);
        }
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 1);
        if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(125);
        execv(test_corun_bin(), (char *const *)args);
        _exit(126);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0) return -1;
    size_t n = 0;
    char *text = test_slurp(path, &n);
    snprintf(err, sizeof err, "%s", text ? text : "");
    free(text);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_permission_denied(void) {
    /* A folder only its owner (root, or this user with the write bit
     * dropped) may write into; nobody may enter it. */
    const char *dir = test_tmp_path("locked");
    mkdir(dir, 0755);
    chmod(test_tmp_dir(), 0755); /* nobody must reach dir */
    if (getuid() != 0) chmod(dir, 0555);
    char p[700];
    const char *eacces = "Permission denied";
    snprintf(p, sizeof p, "%s/a.h5", dir);
    int rc = run_unprivileged((const char *const[]){"corun", "life", "--size", "20x20", "--steps",
                                                    "2", "--out", p, "--quiet", NULL});
    if (rc == 125 || rc == 126) {
        fprintf(stderr, "\npermission cases: cannot run corun as nobody (%d): skipped\n", rc);
        return;
    }
    says(rc, "a.h5", eacces);
    snprintf(p, sizeof p, "%s/a.rle", dir);
    says(run_unprivileged((const char *const[]){"corun", "life", "--size", "20x20", "--steps",
                                                "2", "--write-rle", p, "--quiet", NULL}),
         "a.rle", eacces);
    snprintf(p, sizeof p, "%s/f.h5", dir);
    says(run_unprivileged((const char *const[]){"corun", "fib", "--n", "10", "--out", p,
                                                "--quiet", NULL}),
         "f.h5", eacces);
    snprintf(p, sizeof p, "%s/s.csv", dir);
    says(run_unprivileged((const char *const[]){"corun", "csv", "gen", "--rows", "10", "-o", p,
                                                "--quiet", NULL}),
         "s.csv", eacces);
    snprintf(p, sizeof p, "%s/s.json", dir);
    says(run_unprivileged((const char *const[]){"corun", "life", "--size", "20x20", "--steps",
                                                "2", "--summary-json", p, "--quiet", NULL}),
         "s.json", eacces);
    /* reading: a file only its owner may read */
    snprintf(p, sizeof p, "%s/secret.ini", test_tmp_dir());
    FILE *f = fopen(p, "w");
    if (f) {
        fputs("[life]\nsteps = 2\n", f);
        fclose(f);
    }
    chmod(p, 0600);
    if (getuid() != 0) chmod(p, 0000);
    says(run_unprivileged((const char *const[]){"corun", "life", "--config", p, NULL}),
         "secret.ini", eacces);
    chmod(dir, 0755);
}

static const test_case_t cases[] = {
    {"a missing folder: the path and 'No such file or directory'", test_missing_folder},
    {"a full device: 'No space left on device'", test_full_device},
    {"standard output on a full device fails the run", test_stdout_full},
    {"--force replaces regular files only", test_not_a_regular_file},
    {"a full disk: HDF5 and plain files say 'No space left on device'", test_full_disk},
    {"a folder one may not write: 'Permission denied'", test_permission_denied},
    {NULL, NULL}};
CORUN_TEST_SUITE(output_errors, cases)
