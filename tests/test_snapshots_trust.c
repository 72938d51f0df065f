/* test_snapshots_trust.c — what a snapshot file carries to be trusted and
 * traced: checksummed frames (a damaged one is named and refused by the
 * restart and by tests/h5check.py), a /runs record per leg, restart options
 * that contradict the file refused (those that may change per leg
 * recorded), and a signal honoured while the restart reads its frame. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

#define PY "/usr/bin/python3"

static char out[1 << 16], err[1 << 16];
#define RUN(...) test_run_corun((const char *const[]){"corun", __VA_ARGS__, NULL}, out, sizeof out, err, sizeof err)


static const char *fresh(const char *name) {
    const char *p = test_tmp_path(name);
    unlink(p);
    CU_ASSERT_EQUAL(RUN("life", "--size", "256x256", "--steps", "200", "--snapshot-every", "10",
                        "--out", p, "--quiet"),
                    0);
    return p;
}

/* 64 bytes flipped inside the chunk of frame k's first rows. */
static int damage_frame(const char *path, int k) {
    char code[600];
    snprintf(code, sizeof code,
             "f=h5py.File('%%s','r'); c=f['frames'].id.get_chunk_info_by_coord((%d,0,0)); f.close()\n"
             "d=open('%%s','r+b'); d.seek(c.byte_offset+100); b=bytearray(d.read(64))\n"
             "d.seek(c.byte_offset+100); d.write(bytes(x^0x5a for x in b)); d.close()",
             k);
    char body[1200];
    snprintf(body, sizeof body, code, path, path);
    char cmd[1600];
    snprintf(cmd, sizeof cmd, PY " -c \"import h5py\n%s\"", body);
    return system(cmd);
}

static void test_damaged_frame_named(void) {
    const char *p = fresh("damaged.h5");
    CU_ASSERT_EQUAL(test_py("f=h5py.File('%s','r'); sys.exit(f.attrs['checksum']!='fletcher32' or "
                       "f['frames'].fletcher32 is not True or f['population'].fletcher32)",
                       p),
                    0);
    CU_ASSERT_EQUAL(damage_frame(p, 20), 0);
    CU_ASSERT_EQUAL(RUN("life", "--restart", p, "--steps", "10", "--quiet"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "frame 20 (generation 200) is damaged"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "checksum"));
    /* the refused restart left the file as it was: status, one leg */
    CU_ASSERT_EQUAL(test_py("f=h5py.File('%s','r'); sys.exit(f.attrs['status']!='complete' or "
                       "len(f['runs'])!=1 or len(f['generation'])!=21)",
                       p),
                    0);
    /* h5py readers verify too: tests/h5check.py names the frame */
    char buf[8192];
    CU_ASSERT_EQUAL(test_h5check(p, NULL, buf, sizeof buf), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "frame 20"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "checksum"));
    /* a damaged earlier frame does not matter to the restart (it reads the
     * last one), but readers of that frame refuse it */
    const char *q = fresh("damaged_early.h5");
    CU_ASSERT_EQUAL(damage_frame(q, 3), 0);
    CU_ASSERT_EQUAL(test_h5check(q, NULL, buf, sizeof buf), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "frame 3"));
    CU_ASSERT_EQUAL(RUN("life", "--restart", q, "--steps", "10", "--quiet"), 0);
}

static void test_frame_replaced_refused(void) {
    /* a whole frame replaced by another one has valid checksums: the
     * population of its generation tells */
    const char *p = fresh("replaced.h5");
    CU_ASSERT_EQUAL(test_py("f=h5py.File('%s','a'); f['frames'][20]=f['frames'][0]", p), 0);
    CU_ASSERT_EQUAL(RUN("life", "--restart", p, "--steps", "10", "--quiet"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "frame 20 (generation 200) has"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/population[200] says"));
    /* an attribute that still parses but was changed: the header digest */
    const char *q = fresh("rule.h5");
    CU_ASSERT_EQUAL(test_py("f=h5py.File('%s','a'); f.attrs['rule']='B3/S26'", q), 0);
    CU_ASSERT_EQUAL(RUN("life", "--restart", q, "--steps", "10", "--quiet"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "header_digest"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "rule B3/S26"));
    /* frames rewritten without the checksum the file promises */
    const char *r = fresh("nosum.h5");
    CU_ASSERT_EQUAL(test_py("f=h5py.File('%s','a'); d=f['frames'][()]; del f['frames']; "
                       "f.create_dataset('frames', data=d, maxshape=(None,)+d.shape[1:], "
                       "chunks=(1,)+d.shape[1:])",
                       r),
                    0);
    CU_ASSERT_EQUAL(RUN("life", "--restart", r, "--steps", "10", "--quiet"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "carries no checksum"));
}

static void test_legs_recorded(void) {
    const char *p = fresh("legs.h5");
    CU_ASSERT_EQUAL(RUN("life", "--restart", p, "--steps", "30", "--threads", "1", "--quiet"), 0);
    CU_ASSERT_EQUAL(RUN("life", "--restart", p, "--steps", "5", "--backend", "serial",
                        "--snapshot-buffers", "2", "--quiet"),
                    0);
    CU_ASSERT_EQUAL(
        test_py("f=h5py.File('%s','r'); r=[dict(f['runs'][k].attrs) for k in sorted(f['runs'])]\n"
           "want=[(0,200,'omp'),(200,230,'omp'),(230,235,'serial')]\n"
           "ok=len(r)==3 and [(x['start_generation'],x['end_generation'],x['backend']) for x in r]==want\n"
           "ok=ok and all(x['status']=='complete' and x['exit_code']==0 and x['corun_version'] and "
           "x['host'] and x['started'] and x['ended'] and 'slurm_job_id' in x and x['mpi_ranks']==1 "
           "for x in r)\n"
           "ok=ok and r[1]['threads']==1 and '--threads 1' in r[1]['command_line'] and "
           "'snapshot-buffers = 2' in r[2]['config'] and '--restart' not in r[0]['command_line']\n"
           "sys.exit(0 if ok else print(r) or 1)",
           p),
        0);
    /* a job id is recorded per leg */
    setenv("SLURM_JOB_ID", "4242", 1);
    CU_ASSERT_EQUAL(RUN("life", "--restart", p, "--steps", "1", "--quiet"), 0);
    unsetenv("SLURM_JOB_ID");
    CU_ASSERT_EQUAL(test_py("f=h5py.File('%s','r'); sys.exit(f['runs/000003'].attrs['slurm_job_id']!='4242' "
                       "or f['runs/000000'].attrs['slurm_job_id']!='')",
                       p),
                    0);
}

static void test_contradicting_options_refused(void) {
    const char *p = fresh("contra.h5");
    static const char *const cases[][3] = {
        {"--compress", "gzip", "--compress gzip contradicts the file's compression none"},
        {"--snapshot-format", "bytes", "--snapshot-format bytes contradicts the file's frame_format bits"},
        {"--swmr", NULL, "--swmr contradicts the restart"},
        {"--init", "random:0.2:9", "--init contradicts the restart"},
        {"--at", "3,4", "--at contradicts the restart"},
        {"--rule", "B36/S23", "--rule B36/S23 contradicts the file's B3/S23"},
        {"--size", "128x128", "--size 128x128 contradicts the file's 256x256"},
        {"--boundary", "dead", "--boundary dead contradicts the file's torus"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int rc = cases[i][1] ? RUN("life", "--restart", p, "--steps", "5", cases[i][0], cases[i][1])
                             : RUN("life", "--restart", p, "--steps", "5", cases[i][0]);
        if (rc != 2 || !strstr(err, cases[i][2])) fprintf(stderr, "\n%s: rc %d %s\n", cases[i][0], rc, err);
        CU_ASSERT_EQUAL(rc, 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i][2]));
    }
    /* nothing was recorded or changed by the refused legs */
    CU_ASSERT_EQUAL(test_py("f=h5py.File('%s','r'); sys.exit(len(f['runs'])!=1 or "
                       "f.attrs['status']!='complete' or len(f['generation'])!=21)",
                       p),
                    0);
    /* the same values as the file's are no contradiction */
    CU_ASSERT_EQUAL(RUN("life", "--restart", p, "--steps", "5", "--compress", "none",
                        "--snapshot-format", "bits", "--quiet"),
                    0);
}

/* A signal while the restart reads a big last frame stops it with exit 3
 * and leaves the file as it was. The frame is 8192x8192 cells as bytes
 * (64 pieces of 1 MiB to read and pack: a read of a few hundred ms); the
 * signal is sent at a few moments until one lands during the read. */
static void test_signal_during_restart_read(void) {
    const char *p = test_tmp_path("bigread.h5");
    unlink(p);
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--size", "8192x8192", "--steps", "1",
                              "--snapshot-format", "bytes", "--out", p,
                              "--quiet"),
                          0);
    int stopped = 0;
    /* (a loaded machine starts and reads slower: a spread of moments) */
    static const long delays_ms[] = {60, 30, 120, 15, 200, 90, 300, 450, 650, 900, 1300};
    for (size_t i = 0; i < sizeof delays_ms / sizeof *delays_ms && !stopped; i++) {
        pid_t pid = test_spawn_corun((const char *const[]){"corun", "life", "--restart", p,
                                                           "--steps", "1", "--quiet", NULL});
        test_sleep_ms(delays_ms[i]);
        kill(pid, SIGTERM);
        int st = 0;
        waitpid(pid, &st, 0);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 3) {
            size_t n = 0;
            char *e = test_slurp(test_tmp_path("bg_err.txt"), &n);
            CU_ASSERT_PTR_NOT_NULL(e && strstr(e, "stopped by a signal while reading frame 1"));
            free(e);
            stopped = 1;
        }
        /* whatever the moment (too early: killed before the handlers; too
         * late: the leg ran), the file stays complete and readable */
        CU_ASSERT_EQUAL(test_py("f=h5py.File('%s','r'); "
                           "sys.exit(f.attrs['status']!='complete' or len(f['generation'])<2)",
                           p),
                        0);
    }
    CU_ASSERT(stopped);
}

static const test_case_t cases[] = {
    {"a damaged frame is named and refused (restart, h5check.py)", test_damaged_frame_named},
    {"a replaced frame, a changed attribute, dropped checksums are refused",
     test_frame_replaced_refused},
    {"every leg has its /runs record", test_legs_recorded},
    {"restart options that contradict the file are refused", test_contradicting_options_refused},
    {"a signal during the restart read: exit 3, file as it was", test_signal_during_restart_read},
    {NULL, NULL},
};
CORUN_TEST_SUITE(snapshots_trust, cases)
