/* test_mpi_snapshots.c — parallel-HDF5 snapshots (docs/MPI.md): `mpiexec -np P`
 * runs of tests/mpi_snap_driver.c (the snapshot pipeline with a fake slab
 * backend whose rows are a known pattern) must write, for every P = 1..4,
 * odd heights, both frame formats and the codecs, the file a single process
 * writes: tests/mpi_snap_check.py checks every frame, /generation and
 * /population against the pattern with h5py, and its digest of the three
 * datasets must equal the P = 1 file's. Restart across P: a file written by
 * P ranks continues under another P (the driver checks the rows each rank
 * reads back) into the file an uninterrupted run writes. Also: statuses and
 * provenance (rank 0's host and SLURM_JOB_ID, mpi_ranks) are agreed, a
 * failure on one rank fails every rank with its message (no hang), and
 * --swmr is refused under P > 1. End to end through `mpiexec corun life`:
 * P = 3 files equal P = 1 files, restart across P and after SIGUSR1 (every
 * rank stops at the same generation, the final frame is written once) gives
 * the uninterrupted run's hash. Skipped (77) in builds without MPI. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "corun/mpi.h"
#include "testlib.h"

#define PY "/usr/bin/python3"

static char drv[1024];

static const char *mpiexec(void) {
    const char *m = getenv("CORUN_MPIEXEC");
    return m && m[0] ? m : "mpiexec";
}

/* Skips the suite (exit 77: CTest's Skipped) without MPI or the driver. */
static void mpi_require(void) {
    const char *why = NULL;
    if (!drv[0]) {
        const char *e = getenv("CORUN_MPI_SNAP_DRIVER");
        if (e) snprintf(drv, sizeof drv, "%s", e);
        else {
            /* built beside corun_tests (tests/CMakeLists.txt) */
            char self[900];
            ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
            self[n > 0 ? n : 0] = '\0';
            char *slash = strrchr(self, '/');
            if (slash) *slash = '\0';
            snprintf(drv, sizeof drv, "%s/mpi_snap_driver", self);
        }
    }
    if (!corun_mpi_build()) why = "this build has no MPI (CORUN_MPI=OFF or not found)";
    else if (access(drv, X_OK) != 0) why = "tests/mpi_snap_driver was not built";
    if (why) {
        printf("\nSKIPPED: %s\n", why);
        fflush(stdout);
        exit(77);
    }
    if (system(PY " -c 'import h5py, numpy' >/dev/null 2>&1") != 0)
        CU_FAIL_FATAL("python3-h5py/python3-numpy are missing (scripts/setup.sh installs them)");
}

/* Runs a shell command; its stdout+stderr in buf; returns the exit status. */
static int sh(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sh(char *buf, size_t cap, const char *fmt, ...) {
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    strncat(cmd, " 2>&1", sizeof cmd - strlen(cmd) - 1);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = fread(buf, 1, cap - 1, p);
    buf[n] = '\0';
    int st = pclose(p);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (rc) fprintf(stderr, "\n$ %s\n%s", cmd, buf);
    return rc;
}

/* `mpiexec -np P driver ARGS` (P 0: the driver alone, no launcher); a run
 * that hangs (ranks waiting in different collectives) fails after 60 s. */
static int drive(int np, char *buf, size_t cap, const char *args) {
    if (np == 0) return sh(buf, cap, "timeout 60 %s %s", drv, args);
    return sh(buf, cap, "timeout 60 %s -np %d %s %s", mpiexec(), np, drv, args);
}

/* mpi_snap_check.py on path; the digest of its datasets into digest. */
static int check(const char *path, const char *flags, char *digest) {
    char buf[8192];
    int rc = sh(buf, sizeof buf, PY " %s/../mpi_snap_check.py %s %s", test_data_dir(), path, flags);
    const char *d = strstr(buf, "digest ");
    digest[0] = '\0';
    if (d) sscanf(d, "digest %64s", digest);
    CU_ASSERT_EQUAL(strlen(digest), 64);
    return rc;
}

/* Writes size/gens/every/format/codec with P = 1..4 ranks (and with no
 * launcher at all): every file passes the check and all digests are equal. */
static void same_for_every_p(const char *tag, const char *size, int gens, int every,
                             const char *format, const char *codec, const char *want_gens,
                             int maxp) {
    char buf[8192], args[1024], flags[512], d0[80] = "", d[80];
    for (int np = 0; np <= maxp; np++) {
        char name[64];
        snprintf(name, sizeof name, "%s_p%d.h5", tag, np);
        const char *path = test_tmp_path(name);
        unlink(path);
        snprintf(args, sizeof args, "create %s %s %d %d %s %s", path, size, gens, every, format,
                 codec);
        CU_ASSERT_EQUAL_FATAL(drive(np, buf, sizeof buf, args), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, "ok gen="));
        snprintf(flags, sizeof flags, "--gens %s --pops %d --ranks %d", want_gens, gens + 1,
                 np ? np : 1);
        CU_ASSERT_EQUAL(check(path, flags, d), 0);
        if (np == 0) snprintf(d0, sizeof d0, "%s", d);
        else {
            if (strcmp(d, d0)) fprintf(stderr, "\n%s: P=%d digest %s != single process %s\n", tag, np, d, d0);
            CU_ASSERT_STRING_EQUAL(d, d0);
        }
    }
}

static void test_bits_every_p(void) {
    mpi_require();
    /* odd height, a width with a partial last word */
    same_for_every_p("bits37", "130x37", 25, 6, "bits", "none", "0,6,12,18,24,25", 4);
    /* height 5 under 4 ranks: slabs of 2, 1, 1, 1 rows */
    same_for_every_p("bits5", "64x5", 9, 4, "bits", "none", "0,4,8,9", 4);
}

static void test_bytes_every_p(void) {
    mpi_require();
    same_for_every_p("bytes37", "130x37", 25, 6, "bytes", "none", "0,6,12,18,24,25", 4);
    /* 14 rows per 1 MiB chunk: 2 ranks hold 15 and 14 rows, so one converts
     * in two pieces and the other in one (and an empty transfer) */
    same_for_every_p("bytes_wide", "75001x29", 4, 2, "bytes", "none", "0,2,4", 2);
}

static void test_codecs_every_p(void) {
    mpi_require();
    char err[512];
    FILE *p = popen(PY " -c 'import h5py; print(h5py.h5z.filter_avail(32004))'", "r");
    int lz4 = p && fgets(err, sizeof err, p) && !strncmp(err, "True", 4);
    if (p) pclose(p);
    same_for_every_p("gzip", "130x37", 13, 4, "bytes", "gzip:6", "0,4,8,12,13", 3);
    same_for_every_p("gzipbits", "200x41", 13, 4, "bits", "gzip", "0,4,8,12,13", 3);
    if (lz4) same_for_every_p("lz4", "130x37", 13, 4, "bits", "lz4", "0,4,8,12,13", 3);
    else fprintf(stderr, "\n(lz4 not tested: Debian's hdf5-filter-plugin is not installed)\n");
}

/* Writes 25 generations with p1 ranks, restarts with p2 for 10 more: the
 * file equals an uninterrupted single-process run of 35 generations. */
static void restart_case(int p1, int p2, const char *format) {
    char buf[8192], args[1024], flags[512], dr[80], dc[80], name[64];
    snprintf(name, sizeof name, "restart_%d_%d_%s.h5", p1, p2, format);
    const char *path = test_tmp_path(name);
    snprintf(name, sizeof name, "cont_%s.h5", format);
    const char *cont = test_tmp_path(name);
    unlink(path);
    snprintf(args, sizeof args, "create %s 131x43 25 5 %s none", path, format);
    CU_ASSERT_EQUAL_FATAL(drive(p1, buf, sizeof buf, args), 0);
    snprintf(args, sizeof args, "restart %s 10", path);
    int rc = drive(p2, buf, sizeof buf, args);
    CU_ASSERT_EQUAL(rc, 0); /* includes the driver's check of each rank's restart rows */
    CU_ASSERT_PTR_NULL(strstr(buf, "differ from the pattern"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "ok gen=35"));
    snprintf(flags, sizeof flags, "--gens 0,5,10,15,20,25,30,35 --pops 36 --ranks %d",
             p1 ? p1 : 1);
    CU_ASSERT_EQUAL(check(path, flags, dr), 0);
    unlink(cont);
    snprintf(args, sizeof args, "create %s 131x43 35 5 %s none", cont, format);
    CU_ASSERT_EQUAL_FATAL(drive(0, buf, sizeof buf, args), 0);
    CU_ASSERT_EQUAL(check(cont, "--gens 0,5,10,15,20,25,30,35 --pops 36 --ranks 1", dc), 0);
    CU_ASSERT_STRING_EQUAL(dr, dc);
}

static void test_restart_across_p(void) {
    mpi_require();
    restart_case(3, 2, "bits");
    restart_case(3, 2, "bytes");
    restart_case(0, 4, "bits"); /* a single-process file continued by 4 ranks */
    restart_case(4, 0, "bytes"); /* and the other way round */
    restart_case(2, 3, "bits");
}

static void test_status_and_provenance_agreed(void) {
    mpi_require();
    char buf[8192], args[1024], d[80];
    const char *path = test_tmp_path("prov.h5");
    unlink(path);
    /* Each rank sees another SLURM_JOB_ID and host: the file holds rank
     * 0's; the last rank alone ends "interrupted": the file says so. */
    CU_ASSERT_EQUAL_FATAL(
        sh(buf, sizeof buf,
           "%s -np 3 sh -c 'SLURM_JOB_ID=job$OMPI_COMM_WORLD_RANK exec %s create %s 70x9 6 3 "
           "bits none interrupt-on-last'",
           mpiexec(), drv, path),
        0);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "status=interrupted"));
    CU_ASSERT_EQUAL(check(path, "--gens 0,3,6 --pops 7 --ranks 3 --status interrupted --job job0", d), 0);
    /* A single process records its own job id, and none outside Slurm. */
    unlink(path);
    snprintf(args, sizeof args, "create %s 70x9 6 3 bits none", path);
    CU_ASSERT_EQUAL_FATAL(sh(buf, sizeof buf, "SLURM_JOB_ID=4711 %s %s", drv, args), 0);
    CU_ASSERT_EQUAL(check(path, "--gens 0,3,6 --pops 7 --ranks 1 --job 4711", d), 0);
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(sh(buf, sizeof buf, "env -u SLURM_JOB_ID %s %s", drv, args), 0);
    CU_ASSERT_EQUAL(check(path, "--gens 0,3,6 --pops 7 --ranks 1 --job ''", d), 0);
}

/* Rank 1's frame of generation 9 cannot be had (a failed device copy):
 * every rank fails with its message instead of waiting in a collective, and
 * the file keeps what was complete before and says "failed", as a single
 * process's does. */
static void test_one_rank_failing_fails_all(void) {
    mpi_require();
    char buf[16384], args[1024], d1[80], d3[80];
    const char *p3 = test_tmp_path("fail3.h5"), *p1 = test_tmp_path("fail1.h5");
    unlink(p3);
    unlink(p1);
    snprintf(args, sizeof args, "create %s 70x9 20 3 bits none fail=1:9", p3);
    int rc = drive(3, buf, sizeof buf, args);
    CU_ASSERT(rc != 0 && rc != 124); /* failed, not hung */
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "rank 0: rank 1: injected copy failure"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "rank 2: rank 1: injected copy failure"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "rank 1: injected copy failure"));
    /* frames 0, 3, 6 and the populations up to 7 (sent with generation 7) */
    CU_ASSERT_EQUAL(check(p3, "--gens 0,3,6 --pops 8 --ranks 3 --status failed", d3), 0);
    snprintf(args, sizeof args, "create %s 70x9 20 3 bits none fail=0:9", p1);
    rc = drive(0, buf, sizeof buf, args);
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "injected copy failure"));
    CU_ASSERT_EQUAL(check(p1, "--gens 0,3,6 --pops 8 --ranks 1 --status failed", d1), 0);
    CU_ASSERT_STRING_EQUAL(d1, d3);
}

/* A legacy file, as single-process corun wrote them before snapshots were
 * written in parallel (chunks allocated at the first write, which parallel
 * HDF5 cannot append to): refused clearly under P > 1, continued by a single
 * process. */
static void test_legacy_file(void) {
    mpi_require();
    char buf[8192], args[1024], d[80];
    const char *path = test_tmp_path("legacy.h5");
    unlink(path);
    CU_ASSERT_EQUAL_FATAL(
        sh(buf, sizeof buf, PY " %s/../mpi_snap_check.py %s --write-legacy", test_data_dir(), path),
        0);
    snprintf(args, sizeof args, "restart %s 5", path);
    CU_ASSERT_EQUAL(drive(2, buf, sizeof buf, args), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "written by an older corun"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "continue it with a single process"));
    CU_ASSERT_EQUAL(check(path, "--gens 0,5 --pops 6 --legacy", d), 0); /* untouched */
    CU_ASSERT_EQUAL(drive(0, buf, sizeof buf, args), 0);
    CU_ASSERT_EQUAL(check(path, "--gens 0,5,10 --pops 11 --legacy", d), 0);
}

static void test_swmr_refused_in_parallel(void) {
    mpi_require();
    char buf[8192], args[1024], d[80];
    const char *path = test_tmp_path("swmr.h5");
    unlink(path);
    snprintf(args, sizeof args, "create %s 70x9 6 3 bits none swmr", path);
    int rc = drive(2, buf, sizeof buf, args);
    CU_ASSERT_NOT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "--swmr needs a single process"));
    /* slabs that do not tile the grid: refused on every rank */
    unlink(path);
    snprintf(args, sizeof args, "create %s 70x9 6 3 bits none bad-slab", path);
    CU_ASSERT_EQUAL(drive(3, buf, sizeof buf, args), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "rank 0: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "slabs of rows do not cover the grid's 9 rows exactly once"));
    /* -np 1 is a single process: the default driver, SWMR allowed */
    snprintf(args, sizeof args, "create %s 70x9 6 3 bits none swmr", path);
    unlink(path);
    CU_ASSERT_EQUAL(drive(1, buf, sizeof buf, args), 0);
    CU_ASSERT_EQUAL(check(path, "--gens 0,3,6 --pops 7 --ranks 1", d), 0);
}

/* ---- end to end: `mpiexec -np P corun life --out/--restart` ---- */

/* The value of " key=" in a summary line (buf), or "". */
static void field(const char *buf, const char *key, char *val, size_t n) {
    char pat[64];
    snprintf(pat, sizeof pat, " %s=", key);
    const char *p = strstr(buf, pat);
    val[0] = '\0';
    if (!p) return;
    p += strlen(pat);
    size_t k = strcspn(p, " \n");
    if (k >= n) k = n - 1;
    memcpy(val, p, k);
    val[k] = '\0';
}

/* `corun ARGS` (np 0: no launcher) with its summary in buf. */
static int corun(int np, char *buf, size_t cap, const char *args) {
    if (np == 0) return sh(buf, cap, "timeout 100 %s %s", test_corun_bin(), args);
    return sh(buf, cap, "timeout 100 %s -np %d %s %s", mpiexec(), np, test_corun_bin(), args);
}

/* tests/h5check.py's report (every frame's hash and population, the
 * population series' hash, status): equal reports = equal datasets. */
static void report(const char *path, char *rep, size_t cap) {
    CU_ASSERT_EQUAL(test_h5check(path, NULL, rep, cap), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep, "frame 0 gen 0 "));
}

static void test_corun_p3_equals_p1(void) {
    mpi_require();
    static const char *const v[][3] = {
        /* format, compress, boundary */
        {"bits", "none", "torus"}, {"bytes", "gzip", "dead"}, {"bits", "lz4", "dead"}};
    char buf[16384], args[2048], r1[8192], r3[8192], h1[40], h3[40];
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        const char *p1 = test_tmp_path("life_p1.h5"), *p3 = test_tmp_path("life_p3.h5");
        unlink(p1);
        unlink(p3);
        const char *fmt = "life --size 133x67 --init random:0.42:11 --boundary %s --steps 70 "
                          "--snapshot-every 15 --snapshot-format %s --compress %s --threads 1 "
                          "--quiet --out %s";
        snprintf(args, sizeof args, fmt, v[i][2], v[i][0], v[i][1], p1);
        CU_ASSERT_EQUAL_FATAL(corun(0, buf, sizeof buf, args), 0);
        field(buf, "hash", h1, sizeof h1);
        snprintf(args, sizeof args, fmt, v[i][2], v[i][0], v[i][1], p3);
        CU_ASSERT_EQUAL_FATAL(corun(3, buf, sizeof buf, args), 0);
        field(buf, "hash", h3, sizeof h3);
        CU_ASSERT_STRING_EQUAL(h3, h1);
        report(p1, r1, sizeof r1);
        report(p3, r3, sizeof r3);
        CU_ASSERT_PTR_NOT_NULL(strstr(r3, "gen 70 "));
        CU_ASSERT_STRING_EQUAL(r3, r1);
    }
}

/* 100 generations under 2 ranks, 60 more under 3, 40 more in one process:
 * the file and hash of an uninterrupted single-process run of 200. */
static void test_corun_restart_across_p(void) {
    mpi_require();
    char buf[16384], args[2048], rc_[8192], rr[8192], hc[40], hr[40];
    const char *pc = test_tmp_path("life_cont.h5"), *pr = test_tmp_path("life_restart.h5");
    unlink(pc);
    unlink(pr);
    const char *fmt = "life --size 97x61 --init random:0.5:3 --boundary torus --steps %d "
                      "--snapshot-every 20 --threads 1 --quiet --out %s";
    snprintf(args, sizeof args, fmt, 200, pc);
    CU_ASSERT_EQUAL_FATAL(corun(0, buf, sizeof buf, args), 0);
    field(buf, "hash", hc, sizeof hc);
    snprintf(args, sizeof args, fmt, 100, pr);
    CU_ASSERT_EQUAL_FATAL(corun(2, buf, sizeof buf, args), 0);
    snprintf(args, sizeof args, "life --restart %s --steps 60 --threads 1 --quiet", pr);
    CU_ASSERT_EQUAL_FATAL(corun(3, buf, sizeof buf, args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "generation=160"));
    snprintf(args, sizeof args, "life --restart %s --steps 40 --quiet", pr);
    CU_ASSERT_EQUAL_FATAL(corun(0, buf, sizeof buf, args), 0);
    field(buf, "hash", hr, sizeof hr);
    CU_ASSERT_STRING_EQUAL(hr, hc);
    report(pc, rc_, sizeof rc_);
    report(pr, rr, sizeof rr);
    CU_ASSERT_PTR_NOT_NULL(strstr(rr, "frame 10 gen 200 "));
    CU_ASSERT_STRING_EQUAL(rr, rc_);
}

/* SIGUSR1 to mpiexec (what Slurm's --signal sends) reaches every rank: the
 * run stops at one generation, writes its final frame once, exits 3; two
 * ranks continue the file to the hash of an uninterrupted run. */
static void test_corun_signal_then_restart(void) {
    mpi_require();
    char buf[16384], args[2048], rep[16384], want[40], got[40], gen[40];
    const char *path = test_tmp_path("life_sig.h5"), *log = test_tmp_path("life_sig.txt");
    unlink(path);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        FILE *o = freopen(log, "w", stdout);
        (void)o;
        dup2(1, 2);
        execlp(mpiexec(), mpiexec(), "-np", "3", test_corun_bin(), "life", "--size", "256x131",
               "--init", "random:0.4:5", "--steps", "100000000", "--skip-stable", "off",
               "--threads", "1", "--snapshot-every", "5000", "--quiet", "--out", path,
               (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 600 && access(path, F_OK) != 0; i++) usleep(50000);
    usleep(1000000); /* well past the signal handlers' installation */
    kill(pid, SIGUSR1);
    int st = 0;
    waitpid(pid, &st, 0);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    size_t n = 0;
    char *out = test_slurp(log, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    field(out, "generation", gen, sizeof gen);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "status=interrupted"));
    long g = atol(gen);
    CU_ASSERT(g > 0);
    free(out);
    /* the final frame (generation g) once, after the regular ones */
    CU_ASSERT_EQUAL(test_h5check(path, NULL, rep, sizeof rep), 0);
    char pat[64];
    snprintf(pat, sizeof pat, " gen %ld ", g);
    const char *first = strstr(rep, pat);
    CU_ASSERT_PTR_NOT_NULL(first);
    if (first) CU_ASSERT_PTR_NULL(strstr(first + 1, pat));
    CU_ASSERT_PTR_NOT_NULL(strstr(rep, "status interrupted"));
    snprintf(args, sizeof args, "life --restart %s --steps 150 --threads 1 --quiet", path);
    CU_ASSERT_EQUAL(corun(2, buf, sizeof buf, args), 0);
    field(buf, "hash", got, sizeof got);
    snprintf(args, sizeof args,
             "life --size 256x131 --init random:0.4:5 --steps %ld --skip-stable off --quiet",
             g + 150);
    CU_ASSERT_EQUAL(corun(0, buf, sizeof buf, args), 0);
    field(buf, "hash", want, sizeof want);
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT_EQUAL(test_h5check(path, NULL, rep, sizeof rep), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep, "status complete"));
}

static const test_case_t cases[] = {
    {"bits: P = 1..4 write the single-process file", test_bits_every_p},
    {"bytes: P = 1..4 write the single-process file", test_bytes_every_p},
    {"gzip/lz4 collective filtered writes = single process", test_codecs_every_p},
    {"restart across P = uninterrupted run", test_restart_across_p},
    {"status and provenance agreed (rank 0's job id and host)", test_status_and_provenance_agreed},
    {"a rank failing alone fails all ranks, file intact", test_one_rank_failing_fails_all},
    {"--swmr and slabs that do not tile the grid refused", test_swmr_refused_in_parallel},
    {"a file written before parallel HDF5: refused under P > 1, continued by one process",
     test_legacy_file},
    {"corun life --out: P = 3 file = P = 1 file (bits/bytes, none/gzip/lz4)", test_corun_p3_equals_p1},
    {"corun life --restart across P (2, 3, 1) = uninterrupted run", test_corun_restart_across_p},
    {"SIGUSR1 to mpiexec: final frame once, exit 3, restart = uninterrupted", test_corun_signal_then_restart},
    {NULL, NULL}};
CORUN_TEST_SUITE(mpi_snapshots, cases)
