/* test_main.c — runs the registered CUnit suites named on the command line
 * (all of them with no argument); exit 0 iff every assertion passed.
 *   corun_tests [SUITE | SUITE:TEST]...   SUITE:TEST runs that one test of SUITE
 *   corun_tests --list                    prints every SUITE:TEST, one a line
 * (Single tests let a slow tool, such as compute-sanitizer, run the cheap
 * tests of a suite and leave out the expensive ones.) */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "corun/mpi.h"
#include "testlib.h"

#define MAX_SUITES 64
static struct {
    const char *name;
    const test_case_t *cases;
} suites[MAX_SUITES];
static int nsuites;

void test_register(const char *suite, const test_case_t *cases) {
    if (nsuites < MAX_SUITES) {
        suites[nsuites].name = suite;
        suites[nsuites].cases = cases;
        nsuites++;
    }
}

const char *test_corun_bin(void) {
    const char *p = getenv("CORUN_BIN");
    return p ? p : "./corun";
}

const char *test_data_dir(void) {
    const char *p = getenv("CORUN_TEST_DATA");
    return p ? p : "../tests/data";
}

const char *test_tmp_dir(void) {
    static char dir[256];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/corun-test-XXXXXX");
        if (!mkdtemp(dir)) snprintf(dir, sizeof dir, "/tmp");
    }
    return dir;
}

const char *test_tmp_path(const char *name) {
    static char bufs[8][512];
    static int k;
    char *p = bufs[k++ & 7];
    snprintf(p, sizeof bufs[0], "%s/%s", test_tmp_dir(), name);
    return p;
}

const char *test_write_tmp(const char *name, const char *text) {
    const char *p = test_tmp_path(name);
    FILE *f = fopen(p, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
    return p;
}

char *test_slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (b && fread(b, 1, (size_t)len, f) != (size_t)len) len = 0;
    fclose(f);
    if (b) b[len] = '\0';
    *n = b ? (size_t)len : 0;
    return b;
}

int test_tmp_siblings(const char *name) {
    DIR *d = opendir(test_tmp_dir());
    int n = 0;
    size_t len = strlen(name);
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] == '.' && !strncmp(e->d_name + 1, name, len) && e->d_name[1 + len] == '.')
            n++;
    if (d) closedir(d);
    return n;
}

void test_rmtree(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char p[1024];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

int test_h5check(const char *path, const char *flags, char *buf, size_t cap) {
    char cmd[1536];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/../h5check.py %s %s 2>&1", test_data_dir(),
             path, flags ? flags : "");
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = fread(buf, 1, cap - 1, p);
    buf[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void drain(int fd, char *buf, size_t cap) {
    size_t n = 0;
    char sink[4096];
    for (;;) {
        ssize_t r = n + 1 < cap ? read(fd, buf + n, cap - 1 - n) : read(fd, sink, sizeof sink);
        if (r <= 0) break;
        if (n + 1 < cap) n += (size_t)r;
    }
    if (cap) buf[n] = '\0';
}

int test_run_corun(const char *const *argv, char *out, size_t outcap, char *errout,
                   size_t errcap) {
    return test_run_corun_limited(argv, 0, out, outcap, errout, errcap);
}

int test_run_corun_limited(const char *const *argv, int limit_s, char *out, size_t outcap,
                           char *errout, size_t errcap) {
    char outname[300], errname[300];
    snprintf(outname, sizeof outname, "%s/stdout.txt", test_tmp_dir());
    snprintf(errname, sizeof errname, "%s/stderr.txt", test_tmp_dir());
    pid_t pid = fork();
    if (pid < 0) return -1000;
    if (pid == 0) {
        int fo = open(outname, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(errname, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fo, 1);
        dup2(fe, 2);
        int n = 0;
        while (argv[n]) n++;
        char **args = calloc((size_t)n + 1, sizeof *args);
        args[0] = (char *)test_corun_bin();
        for (int i = 1; i < n; i++) args[i] = (char *)argv[i];
        execv(args[0], args);
        _exit(127);
    }
    int st = 0, timed_out = 0;
    if (limit_s <= 0) {
        waitpid(pid, &st, 0);
    } else {
        long waited = 0;
        while (waitpid(pid, &st, WNOHANG) != pid) {
            if (waited >= limit_s * 1000L) {
                kill(pid, SIGKILL);
                waitpid(pid, &st, 0);
                timed_out = 1;
                break;
            }
            test_sleep_ms(10);
            waited += 10;
        }
    }
    int fo = open(outname, O_RDONLY), fe = open(errname, O_RDONLY);
    if (fo >= 0) drain(fo, out, outcap), close(fo);
    if (fe >= 0) drain(fe, errout, errcap), close(fe);
    if (timed_out) return -1000;
    if (WIFSIGNALED(st)) return -WTERMSIG(st);
    return WEXITSTATUS(st);
}

int test_py(const char *code, const char *path) {
    char body[3000], cmd[3600];
    snprintf(body, sizeof body, code, path);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c \"import sys, h5py, numpy\n%s\"", body);
    return system(cmd);
}

/* Does argument a name suite s as a whole ("s") or this test of it ("s:t")? */
static int arg_suite(const char *a, const char *s) {
    size_t n = strlen(s);
    return !strncmp(a, s, n) && (a[n] == '\0' || a[n] == ':');
}

/* Adds suite i with the cases the arguments ask for (every case with none). */
static int add_suite(int i, int argc, char **argv) {
    CU_pSuite s = CU_add_suite(suites[i].name, NULL, NULL);
    if (!s) return -1;
    size_t n = strlen(suites[i].name);
    for (const test_case_t *c = suites[i].cases; c->name; c++) {
        int wanted = argc < 2;
        for (int a = 1; a < argc; a++)
            if (arg_suite(argv[a], suites[i].name))
                wanted |= argv[a][n] == '\0' || !strcmp(argv[a] + n + 1, c->name);
        if (wanted && !CU_add_test(s, c->name, c->fn)) return -1;
    }
    return 0;
}

static int listed(const char *name, const char *skip) {
    return strcmp(name, ".") && strcmp(name, "..") && !(skip && !strcmp(name, skip));
}

int test_same_dir_files(const char *a, const char *b, const char *skip) {
    int na = 0, nb = 0, same = 1;
    DIR *d = opendir(a);
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!listed(e->d_name, skip)) continue;
        na++;
        char pa[1200], pb[1200];
        snprintf(pa, sizeof pa, "%s/%s", a, e->d_name);
        snprintf(pb, sizeof pb, "%s/%s", b, e->d_name);
        size_t la = 0, lb = 0;
        char *x = test_slurp(pa, &la), *y = test_slurp(pb, &lb);
        if (!x || !y || la != lb || memcmp(x, y, la)) {
            printf("\n  differs: %s/%s\n", b, e->d_name);
            same = 0;
        }
        free(x), free(y);
    }
    closedir(d);
    if (!(d = opendir(b))) return -1;
    for (struct dirent *e; (e = readdir(d)) != NULL;) nb += listed(e->d_name, skip);
    closedir(d);
    return same && na == nb ? na : -1;
}

const char *test_mpiexec(void) {
    const char *m = getenv("CORUN_MPIEXEC");
    if (!corun_mpi_build() || !m || !m[0]) {
        printf("\nSKIPPED: %s\n",
               corun_mpi_build() ? "CORUN_MPIEXEC is not set" : "no MPI in this build");
        fflush(stdout);
        exit(77);
    }
    return m;
}

int test_run_mpi(int np, const char *const *args, char **out, char **errout) {
    char outname[300], errname[300], npstr[16];
    snprintf(outname, sizeof outname, "%s/mpi_run_stdout.txt", test_tmp_dir());
    snprintf(errname, sizeof errname, "%s/mpi_run_stderr.txt", test_tmp_dir());
    snprintf(npstr, sizeof npstr, "%d", np);
    const char *argv[64];
    int n = 0;
    if (np) {
        argv[n++] = test_mpiexec();
        argv[n++] = "-np";
        argv[n++] = npstr;
        argv[n++] = "--oversubscribe";
    }
    argv[n++] = test_corun_bin();
    for (int i = 0; args[i] && n < 63; i++) argv[n++] = args[i];
    argv[n] = NULL;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int fo = open(outname, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(errname, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fo, 1);
        dup2(fe, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    size_t len;
    if (out) *out = test_slurp(outname, &len);
    if (errout) *errout = test_slurp(errname, &len);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv) {
    if (argc == 2 && !strcmp(argv[1], "--list")) {
        for (int i = 0; i < nsuites; i++)
            for (const test_case_t *c = suites[i].cases; c->name; c++)
                printf("%s:%s\n", suites[i].name, c->name);
        return 0;
    }
    for (int a = 1; a < argc; a++) {
        int found = 0;
        for (int i = 0; i < nsuites && !found; i++) {
            if (!arg_suite(argv[a], suites[i].name)) continue;
            const char *t = argv[a] + strlen(suites[i].name);
            if (*t == '\0') found = 1;
            for (const test_case_t *c = suites[i].cases; *t && c->name; c++)
                found |= !strcmp(t + 1, c->name);
        }
        if (!found) {
            fprintf(stderr, "corun_tests: no suite or test named '%s' (--list shows them)\n",
                    argv[a]);
            return 2;
        }
    }
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    for (int i = 0; i < nsuites; i++) {
        int wanted = argc < 2;
        for (int a = 1; a < argc; a++) wanted |= arg_suite(argv[a], suites[i].name);
        if (wanted && add_suite(i, argc, argv)) return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned ran = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    return (failed || ran == 0) ? 1 : 0;
}

pid_t test_spawn_corun(const char *const *argv) {
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen(test_tmp_path("bg_err.txt"), "w", stderr);
        int n = 0;
        while (argv[n]) n++;
        char **a = calloc((size_t)n + 1, sizeof *a);
        a[0] = (char *)test_corun_bin();
        for (int i = 1; i < n; i++) a[i] = (char *)argv[i];
        execv(a[0], a);
        _exit(127);
    }
    return pid;
}

void test_sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}
