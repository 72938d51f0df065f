/* test_outdir.c — an output folder replaced whole or not at all
 * (include/corun/outdir.h): the overwrite rule, the swap with each of its
 * renames made to fail (the old output stays whole, or is put back by the
 * next run), and the temporaries of killed runs removed by the next one. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corun/outdir.h"
#include "testlib.h"

static void put(const char *dir, const char *name, const char *text) {
    char p[1100];
    CU_ASSERT_FATAL(snprintf(p, sizeof p, "%s/%s", dir, name) < (int)sizeof p);
    FILE *f = fopen(p, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

/* The text of dir/name, or "" (static buffer). */
static const char *get(const char *dir, const char *name) {
    static char buf[256];
    char p[1100];
    if (snprintf(p, sizeof p, "%s/%s", dir, name) >= (int)sizeof p) return "";
    size_t n;
    char *t = test_slurp(p, &n);
    snprintf(buf, sizeof buf, "%s", t ? t : "");
    free(t);
    return buf;
}

static int only_txt(const char *name) { return strstr(name, ".txt") != NULL; }

/* A fresh output "name" holding old.txt = "old". */
static const char *old_output(const char *name) {
    const char *dir = test_tmp_path(name);
    test_rmtree(dir);
    mkdir(dir, 0777);
    put(dir, "old.txt", "old");
    return dir;
}

static void test_rule(void) {
    const char *dir = old_output("od_rule");
    corun_outdir_t d;
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(corun_outdir_begin(&d, dir, 0, only_txt, &err), CORUN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "--force"));
    put(dir, "notes.md", "mine");
    CU_ASSERT_EQUAL(corun_outdir_begin(&d, dir, 1, only_txt, &err), CORUN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "notes.md"));
    char p[1100];
    snprintf(p, sizeof p, "%s/notes.md", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/sub.txt", dir);
    mkdir(p, 0777);
    CU_ASSERT_EQUAL(corun_outdir_begin(&d, dir, 1, only_txt, &err), CORUN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "sub.txt is a folder"));
    rmdir(p);
    CU_ASSERT_EQUAL(test_tmp_siblings("od_rule"), 0); /* nothing created, no lock left */
    CU_ASSERT_EQUAL(corun_outdir_begin(&d, ".", 1, NULL, &err), CORUN_EINVAL);
    CU_ASSERT_EQUAL(corun_outdir_begin(&d, test_write_tmp("od_file", "x"), 1, NULL, &err),
                    CORUN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not a folder"));
    /* with force and only our files: replaced whole */
    CU_ASSERT_EQUAL_FATAL(corun_outdir_begin(&d, dir, 1, only_txt, &err), 0);
    CU_ASSERT_EQUAL(test_tmp_siblings("od_rule"), 2); /* the lock and the folder aside */
    put(d.aside, "new.txt", "new");
    CU_ASSERT_EQUAL(corun_outdir_commit(&d, &err), 0);
    corun_outdir_end(&d);
    CU_ASSERT_STRING_EQUAL(get(dir, "new.txt"), "new");
    CU_ASSERT_STRING_EQUAL(get(dir, "old.txt"), "");
    CU_ASSERT_EQUAL(test_tmp_siblings("od_rule"), 0);
    /* not committed: the aside folder goes, the output stays */
    CU_ASSERT_EQUAL_FATAL(corun_outdir_begin(&d, dir, 1, only_txt, &err), 0);
    put(d.aside, "other.txt", "x");
    corun_outdir_end(&d);
    CU_ASSERT_STRING_EQUAL(get(dir, "new.txt"), "new");
    CU_ASSERT_EQUAL(test_tmp_siblings("od_rule"), 0);
    /* a second writer is refused while the first holds the output */
    corun_outdir_t d2;
    CU_ASSERT_EQUAL_FATAL(corun_outdir_begin(&d, dir, 1, only_txt, &err), 0);
    CU_ASSERT_EQUAL(corun_outdir_begin(&d2, dir, 1, only_txt, &err), CORUN_EBUSY);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "pid"));
    corun_outdir_end(&d);
    test_rmtree(dir);
}

/* Hook: the exchange is not supported (as on some network file systems);
 * fail_step-th plain rename fails (1: old aside, 2: new into place, 3: the
 * old one back). */
static int fail_step, step;
static int failing_rename(const char *from, const char *to, unsigned flags) {
    if (flags) {
        errno = EINVAL;
        return -1;
    }
    if (++step == fail_step || (fail_step == 23 && step >= 2)) {
        errno = EIO;
        return -1;
    }
    return rename(from, to);
}

static void test_swap_fails(void) {
    for (fail_step = 0; fail_step <= 2; fail_step++) {
        const char *dir = old_output("od_swap");
        corun_outdir_t d;
        corun_err_t err = {0};
        CU_ASSERT_EQUAL_FATAL(corun_outdir_begin(&d, dir, 1, only_txt, &err), 0);
        put(d.aside, "new.txt", "new");
        step = 0;
        corun_outdir_rename_hook = failing_rename;
        int rc = corun_outdir_commit(&d, &err);
        corun_outdir_rename_hook = NULL;
        corun_outdir_end(&d);
        if (fail_step == 0) { /* the two-rename path works */
            CU_ASSERT_EQUAL(rc, 0);
            CU_ASSERT_STRING_EQUAL(get(dir, "new.txt"), "new");
            CU_ASSERT_STRING_EQUAL(get(dir, "old.txt"), "");
        } else { /* the old output is whole, nothing else is left */
            CU_ASSERT_EQUAL(rc, CORUN_EIO);
            CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, fail_step == 2 ? "unchanged" : "aside"));
            CU_ASSERT_STRING_EQUAL(get(dir, "old.txt"), "old");
            CU_ASSERT_STRING_EQUAL(get(dir, "new.txt"), "");
        }
        CU_ASSERT_EQUAL(test_tmp_siblings("od_swap"), 0);
        test_rmtree(dir);
    }
    /* the new one cannot go into place nor the old one back: the old one is
     * whole under .NAME.PID.old, and the next run puts it back */
    const char *dir = old_output("od_swap2");
    corun_outdir_t d;
    corun_err_t err = {0};
    CU_ASSERT_EQUAL_FATAL(corun_outdir_begin(&d, dir, 1, only_txt, &err), 0);
    put(d.aside, "new.txt", "new");
    step = 0;
    fail_step = 23;
    corun_outdir_rename_hook = failing_rename;
    CU_ASSERT_EQUAL(corun_outdir_commit(&d, &err), CORUN_EIO);
    corun_outdir_rename_hook = NULL;
    corun_outdir_end(&d);
    char old[1100];
    snprintf(old, sizeof old, "%s/.od_swap2.%ld.old", test_tmp_dir(), (long)getpid());
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, old));
    struct stat st;
    CU_ASSERT_NOT_EQUAL(stat(dir, &st), 0);
    CU_ASSERT_STRING_EQUAL(get(old, "old.txt"), "old");
    CU_ASSERT_EQUAL(corun_outdir_begin(&d, dir, 0, only_txt, &err), CORUN_EINVAL);
    CU_ASSERT_STRING_EQUAL(get(dir, "old.txt"), "old"); /* back in place */
    CU_ASSERT_EQUAL(test_tmp_siblings("od_swap2"), 0);
    test_rmtree(dir);
}

static void test_stale(void) {
    const char *dir = old_output("od_stale");
    char p[1100];
    /* left by killed runs: a folder being built, an old output moved aside
     * (the output exists, so the swap had happened), a file temporary */
    snprintf(p, sizeof p, "%s/.od_stale.999999.new", test_tmp_dir());
    mkdir(p, 0777);
    put(p, "part.txt", "x");
    snprintf(p, sizeof p, "%s/.od_stale.999998.old", test_tmp_dir());
    mkdir(p, 0777);
    put(p, "old.txt", "older");
    test_write_tmp(".od_stale.999997.new", "x");
    test_write_tmp(".od_stale.notapid.new", "not ours");
    CU_ASSERT_EQUAL(test_tmp_siblings("od_stale"), 4);
    corun_outdir_t d;
    corun_err_t err = {0};
    CU_ASSERT_EQUAL_FATAL(corun_outdir_begin(&d, dir, 1, only_txt, &err), 0);
    corun_outdir_end(&d);
    CU_ASSERT_EQUAL(test_tmp_siblings("od_stale"), 1);
    CU_ASSERT_STRING_EQUAL(get(dir, "old.txt"), "old");
    unlink(test_tmp_path(".od_stale.notapid.new"));
    test_rmtree(dir);
}

static const test_case_t cases[] = {
    {"overwrite rule: --force, only own files, one writer", test_rule},
    {"a failing rename leaves the old output whole", test_swap_fails},
    {"temporaries of killed runs removed, a moved old output put back", test_stale},
    {NULL, NULL},
};
CORUN_TEST_SUITE(outdir, cases)
