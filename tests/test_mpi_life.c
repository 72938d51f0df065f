/* test_mpi_life.c — `mpirun -np P corun life` against the single-process
 * serial oracle: P = 1..4, odd sizes, height == P, height 2 with two ranks
 * (the seed's double counting), both boundaries, several seeds and rules,
 * the serial, omp (also with change tracking) and cuda backends (the last
 * where the build has it: the emulator build), halo depths with and without
 * overlap, --write-rle gathered on rank 0, --out/--restart (parallel HDF5)
 * against the single-process file, SIGUSR1 to one rank only; more ranks
 * than rows is a usage error; a rank failing alone ends the job without a
 * hang.
 *
 * Also, without MPI: the backend hooks the slab layer relies on (get_rows,
 * put_rows with a host stride, counted rows from the params) against the
 * serial backend.
 *
 * The MPI cases are skipped (77) in builds without MPI or without a
 * launcher (CORUN_MPIEXEC, set by CTest). Every launch runs under
 * `timeout`, so a hang fails the test instead of stalling the suite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "corun/cuda.h"
#include "corun/life.h"
#include "corun/mpi.h"
#include "testlib.h"

/* ------------------------------------------------------ backend hooks */

/* Steps a random grid on be and on the serial oracle side by side, counting
 * only rows r0..r1-1 (as a slab counts its own rows), and every 5
 * generations writes the same changed rows into both, through a host
 * stride other than the grid's (as halos arrive): the grids, the counts and
 * get_rows must keep agreeing. */
static void check_hooks(const corun_life_backend_t *be, int64_t w, int64_t h,
                        corun_life_boundary_t b, corun_life_skip_t skip, double density) {
    corun_err_t err = {0};
    corun_life_grid_t ga, gb;
    CU_ASSERT_FATAL(corun_life_grid_init(&ga, w, h, &err) == 0);
    CU_ASSERT_FATAL(corun_life_grid_init(&gb, w, h, &err) == 0);
    corun_life_grid_fill_random(&ga, density, 99, 0, 1);
    corun_life_grid_fill_random(&gb, density, 99, 0, 1);
    const int64_t r0 = h / 3, r1 = h - h / 4, wpr = corun_life_words_per_row(w), stride = wpr + 1;
    corun_life_params_t p = {.rule = CORUN_LIFE_RULE_CONWAY, .boundary = b, .threads = 2,
                             .skip_stable = skip, .device = -1, .count_y0 = r0, .count_y1 = r1};
    void *ser = NULL, *st = NULL;
    CU_ASSERT_FATAL(corun_life_backend_serial.open(&ser, &ga, &p, &err) == 0);
    CU_ASSERT_FATAL(be->open(&st, &gb, &p, &err) == 0);
    uint64_t *rows = calloc((size_t)(h * stride), sizeof *rows);
    uint64_t *got = calloc((size_t)(h * stride), sizeof *got);
    CU_ASSERT_FATAL(rows && got);
    for (int round = 0; round < 12; round++) {
        int64_t pa[5], pb[5];
        CU_ASSERT(corun_life_backend_serial.step(ser, 5, pa, &err) == 0);
        CU_ASSERT(be->step(st, 5, pb, &err) == 0);
        CU_ASSERT(memcmp(pa, pb, sizeof pa) == 0);
        /* Change a band of rows in both (a settled region woken up from
         * outside, as a halo does): later generations must still agree,
         * change tracking included. */
        int64_t y0 = (round * 7) % h, n = 1 + round % 4;
        if (y0 + n > h) n = h - y0;
        CU_ASSERT(corun_life_backend_serial.get_rows(ser, y0, n, rows, stride, &err) == 0);
        for (int64_t y = 0; y < n; y++)
            for (int64_t j = 0; j < wpr; j++) {
                uint64_t *v = &rows[y * stride + j];
                *v ^= 0x9e3779b97f4a7c15ull * (uint64_t)(y * wpr + j + 1 + round);
                if (j == wpr - 1 && w % 64) *v &= (1ull << (w % 64)) - 1;
            }
        CU_ASSERT(be->put_rows(st, y0, n, rows, stride, &err) == 0);
        CU_ASSERT(corun_life_backend_serial.put_rows(ser, y0, n, rows, stride, &err) == 0);
        /* get_rows agrees with the oracle over the whole grid */
        CU_ASSERT(be->get_rows(st, 0, h, got, stride, &err) == 0);
        CU_ASSERT(corun_life_backend_serial.get_rows(ser, 0, h, rows, stride, &err) == 0);
        int same = 1;
        for (int64_t y = 0; y < h; y++)
            same &= !memcmp(got + y * stride, rows + y * stride, (size_t)wpr * 8);
        CU_ASSERT(same);
    }
    CU_ASSERT(be->get_rows(st, h - 1, 2, rows, stride, &err) == CORUN_EINVAL);
    CU_ASSERT(be->close(st, &err) == 0);
    CU_ASSERT(corun_life_backend_serial.close(ser, &err) == 0);
    CU_ASSERT_EQUAL(corun_life_grid_hash(&gb, 1), corun_life_grid_hash(&ga, 1));
    free(rows);
    free(got);
    corun_life_grid_close(&ga);
    corun_life_grid_close(&gb);
}

static void test_hooks_serial(void) {
    check_hooks(&corun_life_backend_serial, 37, 23, CORUN_LIFE_TORUS, CORUN_LIFE_SKIP_OFF, 0.4);
    check_hooks(&corun_life_backend_serial, 70, 9, CORUN_LIFE_DEAD, CORUN_LIFE_SKIP_OFF, 0.4);
}

static void test_hooks_omp(void) {
    /* dense, temporal blocking (>= 256 rows with 2 threads) and tiles */
    check_hooks(&corun_life_backend_omp, 37, 23, CORUN_LIFE_TORUS, CORUN_LIFE_SKIP_OFF, 0.4);
    check_hooks(&corun_life_backend_omp, 130, 300, CORUN_LIFE_DEAD, CORUN_LIFE_SKIP_OFF, 0.4);
    /* rows in the lane-strided order (AVX-512 CPUs): a ring row, strips */
    check_hooks(&corun_life_backend_omp, 1024, 23, CORUN_LIFE_TORUS, CORUN_LIFE_SKIP_OFF, 0.4);
    check_hooks(&corun_life_backend_omp, 2560, 40, CORUN_LIFE_TORUS, CORUN_LIFE_SKIP_OFF, 0.4);
    check_hooks(&corun_life_backend_omp, 200, 150, CORUN_LIFE_TORUS, CORUN_LIFE_SKIP_ON, 0.4);
    check_hooks(&corun_life_backend_omp, 200, 150, CORUN_LIFE_DEAD, CORUN_LIFE_SKIP_ON, 0.4);
    /* Nearly empty: the tiles settle and are skipped until the rows
     * written into them wake them up. */
    check_hooks(&corun_life_backend_omp, 200, 150, CORUN_LIFE_TORUS, CORUN_LIFE_SKIP_ON, 0.0);
    check_hooks(&corun_life_backend_omp, 300, 200, CORUN_LIFE_DEAD, CORUN_LIFE_SKIP_ON, 0.01);
}

/* A lone cell written into a settled (empty) region dies at once, so the
 * generation after it equals the one before: change tracking must still
 * recompute its tile a second time, or the cell would stay. */
static void test_hooks_lone_cell(void) {
    corun_err_t err = {0};
    corun_life_grid_t g;
    CU_ASSERT_FATAL(corun_life_grid_init(&g, 256, 128, &err) == 0);
    corun_life_params_t p = {.rule = CORUN_LIFE_RULE_CONWAY, .boundary = CORUN_LIFE_TORUS,
                             .threads = 1, .skip_stable = CORUN_LIFE_SKIP_ON, .device = -1};
    void *st = NULL;
    CU_ASSERT_FATAL(corun_life_backend_omp.open(&st, &g, &p, &err) == 0);
    CU_ASSERT(corun_life_backend_omp.step(st, 6, NULL, &err) == 0);
    uint64_t row[4] = {0, 1ull << 17, 0, 0};
    CU_ASSERT(corun_life_backend_omp.put_rows(st, 70, 1, row, 4, &err) == 0);
    for (int i = 0; i < 4; i++) {
        int64_t pop = -1;
        CU_ASSERT(corun_life_backend_omp.step(st, 1, &pop, &err) == 0);
        CU_ASSERT_EQUAL(pop, 0);
    }
    CU_ASSERT(corun_life_backend_omp.close(st, &err) == 0);
    CU_ASSERT_EQUAL(corun_life_grid_population(&g, 1), 0);
    corun_life_grid_close(&g);
}

static void test_hooks_cuda(void) {
#if CORUN_CUDA_BACKEND
    if (corun_cuda_build() == CORUN_CUDA_BUILD_EMULATED) {
        check_hooks(&corun_life_backend_cuda, 100, 37, CORUN_LIFE_TORUS, CORUN_LIFE_SKIP_OFF, 0.4);
        check_hooks(&corun_life_backend_cuda, 65, 20, CORUN_LIFE_DEAD, CORUN_LIFE_SKIP_OFF, 0.4);
    }
#endif
}

/* ------------------------------------------------------------ launches */

/* Runs `[env] timeout 60 mpiexec -np P corun life ARGS` (np 0: corun
 * alone) with stdout and stderr into out; returns the exit status (124:
 * timed out). Busy-polling ranks on an oversubscribed machine crawl, so
 * idle ranks yield. */
static int run(const char *env, int np, const char *args, char *out, size_t cap) {
    char cmd[2048];
    if (np)
        snprintf(cmd, sizeof cmd,
                 "%s OMPI_MCA_mpi_yield_when_idle=1 timeout 60 %s -np %d --oversubscribe "
                 "--bind-to none %s life --quiet %s 2>&1",
                 env ? env : "", test_mpiexec(), np, test_corun_bin(), args);
    else
        snprintf(cmd, sizeof cmd, "%s timeout 60 %s life --quiet %s 2>&1", env ? env : "",
                 test_corun_bin(), args);
    fflush(stdout);
    FILE *p = popen(cmd, "r");
    CU_ASSERT_FATAL(p != NULL);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* "population=N hash=H" from a summary line ("" if absent). */
static void result_of(const char *out, char *res, size_t cap) {
    const char *a = strstr(out, "population="), *b = a ? strstr(a, " seconds=") : NULL;
    res[0] = '\0';
    if (a && b && (size_t)(b - a) < cap) {
        memcpy(res, a, (size_t)(b - a));
        res[b - a] = '\0';
    }
}

/* The serial oracle's result, then `mpirun -np P` for each P of nps (0
 * ends), each expected to match it and to say ranks=P. */
static void same_as_serial(const char *args, const char *backend, const char *extra,
                           const int *nps) {
    static char out[65536];
    char oracle[128], got[128], cmd[1024], ranks[32];
    snprintf(cmd, sizeof cmd, "--backend serial %s", args);
    CU_ASSERT_EQUAL_FATAL(run(NULL, 0, cmd, out, sizeof out), 0);
    result_of(out, oracle, sizeof oracle);
    CU_ASSERT_FATAL(oracle[0] != '\0');
    for (int i = 0; nps[i]; i++) {
        snprintf(cmd, sizeof cmd, "--backend %s --threads 1 %s %s", backend, args,
                 extra ? extra : "");
        int rc = run(NULL, nps[i], cmd, out, sizeof out);
        result_of(out, got, sizeof got);
        snprintf(ranks, sizeof ranks, " ranks=%d ", nps[i]);
        if (rc != 0 || strcmp(got, oracle) || !strstr(out, ranks))
            printf("\n  np %d: %s\n  want %s\n  got (exit %d): %s\n", nps[i], cmd, oracle, rc,
                   out);
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_STRING_EQUAL(got, oracle);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, ranks));
    }
}

static const int P1234[] = {1, 2, 3, 4, 0};

static void test_odd_sizes_torus(void) {
    same_as_serial("--size 37x23 --steps 50 --init random:0.4:7", "omp", NULL, P1234);
}

static void test_odd_sizes_dead(void) {
    same_as_serial("--size 37x23 --steps 50 --init random:0.4:7 --boundary dead", "serial",
                   NULL, P1234);
}

static void test_rules_and_seeds(void) {
    const int p34[] = {3, 4, 0}, p23[] = {2, 3, 0};
    same_as_serial("--size 64x5 --steps 40 --init random:0.5:11 --rule B36/S23", "omp", NULL,
                   p34);
    same_as_serial("--size 64x5 --steps 40 --init random:0.5:12 --rule B36/S23 --boundary dead",
                   "omp", NULL, p34);
    /* Day & Night: B0-free, symmetric, keeps a soup alive */
    same_as_serial("--size 101x7 --steps 60 --init random:0.5:5 --rule B3678/S34678", "serial",
                   NULL, p23);
    same_as_serial("--size 101x7 --steps 60 --init random:0.3:6 --rule B2/S --boundary dead",
                   "omp", NULL, p23);
}

static void test_height_equals_ranks(void) {
    const int p3[] = {3, 0}, p4[] = {4, 0};
    same_as_serial("--size 10x3 --steps 20 --init random:0.5:3", "omp", NULL, p3);
    same_as_serial("--size 10x3 --steps 20 --init random:0.5:3 --boundary dead", "serial", NULL,
                   p3);
    same_as_serial("--size 9x4 --steps 20 --init random:0.5:4", "serial", NULL, p4);
}

static void test_height_two(void) {
    /* Each rank's two halos are the other rank's only row: counted twice,
     * as the seed does. */
    const int p2[] = {2, 0}, p1[] = {1, 0};
    same_as_serial("--size 12x2 --steps 15 --init random:0.5:8", "omp", NULL, p2);
    same_as_serial("--size 12x2 --steps 15 --init random:0.5:8", "serial", NULL, p1);
    same_as_serial("--size 12x2 --steps 15 --init random:0.5:8 --boundary dead", "serial", NULL,
                   p2);
    same_as_serial("--size 5x1 --steps 9 --init random:0.6:2", "omp", NULL, p1);
}

static void test_halo_depths(void) {
    const int p3[] = {3, 0}, p2[] = {2, 0};
    same_as_serial("--size 90x61 --steps 47 --init random:0.4:21", "omp", "--halo 1", p3);
    same_as_serial("--size 90x61 --steps 47 --init random:0.4:21", "omp", "--halo 20", p3);
    same_as_serial("--size 90x61 --steps 47 --init random:0.4:21 --boundary dead", "omp",
                   "--halo 9", p2);
    /* edge rows first, exchanged while the rest steps */
    const int p1234[] = {1, 2, 3, 4, 0};
    same_as_serial("--size 90x61 --steps 47 --init random:0.4:21", "omp",
                   "--halo-overlap on --halo 5", p1234);
    same_as_serial("--size 90x61 --steps 47 --init random:0.4:21 --boundary dead", "serial",
                   "--halo-overlap on", p3);
    static char out[65536];
    CU_ASSERT_EQUAL(run(NULL, 3, "--size 90x61 --steps 4 --halo-overlap on --halo 5", out,
                        sizeof out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "halo_overlap=on"));
    /* slabs under 2 halos: no room for edge grids, plain exchange */
    CU_ASSERT_EQUAL(run(NULL, 3, "--size 90x61 --steps 4 --halo-overlap on --halo 15", out,
                        sizeof out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "halo_overlap=off"));
}

static void test_change_tracking(void) {
    /* omp tiles (skip-stable) with halo rows written into them; long enough
     * for the soup to settle, so tiles really are skipped. */
    const int p23[] = {2, 3, 0};
    same_as_serial("--size 200x150 --steps 300 --init random:0.35:4", "omp",
                   "--skip-stable on --halo 4 --halo-overlap on", p23);
    same_as_serial("--size 200x150 --steps 300 --init random:0.35:4 --boundary dead", "omp",
                   "--skip-stable on", p23);
}

static void test_pattern_and_rle(void) {
    static char out[65536];
    char rle1[512], rle3[512], cmd[1024];
    snprintf(rle1, sizeof rle1, "%s", test_tmp_path("mpi_life_1.rle"));
    snprintf(rle3, sizeof rle3, "%s", test_tmp_path("mpi_life_3.rle"));
    const char *glider = test_write_tmp("mpi_glider.rle", "x = 3, y = 3, rule = B3/S23\n"
                                                          "bo$2bo$3o!\n");
    snprintf(cmd, sizeof cmd, "--backend serial --size 20x11 --init %s --at 4,6 --steps 33 "
             "--write-rle %s", glider, rle1);
    CU_ASSERT_EQUAL(run(NULL, 0, cmd, out, sizeof out), 0);
    snprintf(cmd, sizeof cmd, "--backend omp --size 20x11 --init %s --at 4,6 --steps 33 "
             "--write-rle %s", glider, rle3);
    CU_ASSERT_EQUAL(run(NULL, 3, cmd, out, sizeof out), 0);
    size_t n1 = 0, n3 = 0;
    char *a = test_slurp(rle1, &n1), *b = test_slurp(rle3, &n3);
    CU_ASSERT_FATAL(a && b);
    CU_ASSERT(n1 == n3 && memcmp(a, b, n1) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "population=5 "));
    free(a);
    free(b);
    const int p4[] = {4, 0};
    snprintf(cmd, sizeof cmd, "--size 20x11 --init %s --at 15,8 --steps 40", glider);
    same_as_serial(cmd, "omp", NULL, p4);
}

/* --write-png gathers the grid on rank 0: the picture one process draws. */
static void test_write_png(void) {
    static char out[65536];
    char png1[512], png3[512], cmd[1024];
    static char err[4096];
    test_run_corun((const char *const[]){"corun", "info", NULL}, out, sizeof out, err, sizeof err);
    if (strstr(out, "images: none")) return; /* a build without PNG output */
    snprintf(png1, sizeof png1, "%s", test_tmp_path("mpi_life_1.png"));
    snprintf(png3, sizeof png3, "%s", test_tmp_path("mpi_life_3.png"));
    unlink(png1), unlink(png3);
    snprintf(cmd, sizeof cmd, "--size 1500x31 --steps 9 --write-png %s", png1);
    CU_ASSERT_EQUAL(run(NULL, 0, cmd, out, sizeof out), 0);
    snprintf(cmd, sizeof cmd, "--size 1500x31 --steps 9 --write-png %s", png3);
    CU_ASSERT_EQUAL(run(NULL, 3, cmd, out, sizeof out), 0);
    size_t n1 = 0, n3 = 0;
    char *a = test_slurp(png1, &n1), *b = test_slurp(png3, &n3);
    CU_ASSERT_FATAL(a && b);
    CU_ASSERT(n1 == n3 && memcmp(a, b, n1) == 0);
    free(a);
    free(b);
}

/* --out under P ranks: the frames and populations a single process writes
 * (h5py compares them); a restart under another P continues it. */
static void test_snapshots(void) {
    static char out[65536];
    char cmd[2048], one[512], three[512], two[512];
    snprintf(one, sizeof one, "%s", test_tmp_path("mpi_life_1.h5"));
    snprintf(three, sizeof three, "%s", test_tmp_path("mpi_life_3.h5"));
    snprintf(two, sizeof two, "%s", test_tmp_path("mpi_life_2.h5"));
    const char *run_args = "--size 100x37 --steps 60 --snapshot-every 7 --force "
                           "--init random:0.4:9 --backend omp";
    snprintf(cmd, sizeof cmd, "%s --out %s", run_args, one);
    CU_ASSERT_EQUAL_FATAL(run(NULL, 0, cmd, out, sizeof out), 0);
    snprintf(cmd, sizeof cmd, "%s --out %s --threads 1", run_args, three);
    CU_ASSERT_EQUAL(run(NULL, 3, cmd, out, sizeof out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, " ranks=3 "));
    snprintf(cmd, sizeof cmd, "--size 100x37 --steps 28 --snapshot-every 7 --force "
             "--init random:0.4:9 --backend serial --out %s", two);
    CU_ASSERT_EQUAL(run(NULL, 2, cmd, out, sizeof out), 0);
    snprintf(cmd, sizeof cmd, "--restart %s --steps 32 --backend omp --threads 1", two);
    CU_ASSERT_EQUAL(run(NULL, 4, cmd, out, sizeof out), 0);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import h5py, numpy as n, sys\n"
             "a, b, c = (h5py.File(p, 'r') for p in sys.argv[1:])\n"
             "ok = all(n.array_equal(a[k][:], b[k][:]) for k in ('frames', 'generation', "
             "'population'))\n"
             "ok = ok and n.array_equal(a['population'][:], c['population'][:])\n"
             "ok = ok and n.array_equal(a['frames'][-1], c['frames'][-1])\n"
             "print('same' if ok else 'DIFFERENT')\" %s %s %s 2>&1",
             one, three, two);
    FILE *p = popen(cmd, "r");
    CU_ASSERT_FATAL(p != NULL);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    pclose(p);
    if (!strstr(out, "same")) printf("\n  h5py: %s\n", out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "same"));
}

/* SIGUSR1 to one rank only: every rank stops at the same generation, the
 * final frame is written once (the file's last generation is the summary's),
 * the job exits 3. */
static void test_signal_one_rank(void) {
    static char out[65536];
    char cmd[2048], h5[512];
    snprintf(h5, sizeof h5, "%s", test_tmp_path("mpi_life_sig.h5"));
    snprintf(cmd, sizeof cmd,
             "OMPI_MCA_mpi_yield_when_idle=1 timeout 60 %s -np 2 --oversubscribe --bind-to none "
             "%s life --quiet --size 512x300 --steps 100000000 --threads 1 --out %s --force "
             "--snapshot-every 1000 2>&1 & mp=$!; sleep 2; "
             "kill -USR1 $(pgrep -P $mp | tail -n 1); wait $mp; echo \"exit=$?\"; "
             "/usr/bin/python3 -c \"import h5py, sys; f = h5py.File(sys.argv[1], 'r'); "
             "print('last=%%d frames=%%d' %% (f['generation'][-1], len(f['generation'])))\" %s",
             test_mpiexec(), test_corun_bin(), h5, h5);
    fflush(stdout);
    FILE *p = popen(cmd, "r");
    CU_ASSERT_FATAL(p != NULL);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    pclose(p);
    const char *line = strstr(out, "backend="), *gen = line ? strstr(line, " generation=") : NULL;
    const char *last = strstr(out, "last=");
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "exit=3"));
    CU_ASSERT_PTR_NOT_NULL(line && strstr(line, "status=interrupted"));
    CU_ASSERT_PTR_NULL(line ? strstr(line + 1, "backend=") : NULL); /* one summary */
    CU_ASSERT_FATAL(gen && last);
    long long g = atoll(gen + 12), l = atoll(last + 5);
    CU_ASSERT(g > 0);
    CU_ASSERT_EQUAL(g, l);
    if (!strstr(out, "exit=3") || g != l) printf("\n  %s\n", out);
}

static void test_cuda_backend(void) {
#if CORUN_CUDA_BACKEND
    if (corun_cuda_build() != CORUN_CUDA_BUILD_EMULATED) return; /* real GPUs: one per rank */
    const int p23[] = {2, 3, 0};
    same_as_serial("--size 70x23 --steps 30 --init random:0.4:3 --rule B36/S23", "cuda", NULL,
                   p23);
    same_as_serial("--size 70x23 --steps 30 --init random:0.4:3 --boundary dead", "cuda",
                   "--halo 3", p23);
    /* the cuda default halo (32), deeper than 8 */
    same_as_serial("--size 70x99 --steps 70 --init random:0.4:3", "cuda", NULL, p23);
#endif
}

static void test_errors(void) {
    static char out[65536];
    /* more ranks than rows: a usage error, said once */
    CU_ASSERT_EQUAL(run(NULL, 3, "--size 8x2 --steps 3", out, sizeof out), 2);
    const char *said = strstr(out, "3 MPI ranks for a grid of 2 rows");
    CU_ASSERT_PTR_NOT_NULL_FATAL(said);
    CU_ASSERT_PTR_NULL(strstr(said + 1, "3 MPI ranks"));
    /* a halo deeper than the smallest slab */
    CU_ASSERT_EQUAL(run(NULL, 2, "--size 8x9 --steps 3 --halo 5", out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--halo 5"));
    /* --print needs one rank */
    CU_ASSERT_EQUAL(run(NULL, 2, "--size 8x9 --steps 3 --print", out, sizeof out), 2);
    /* one rank fails while stepping: the job ends, every rank non-zero */
    int rc = run("CORUN_TEST_LIFE_FAIL_RANK=1", 3, "--size 64x64 --steps 1000", out, sizeof out);
    CU_ASSERT(rc != 0 && rc != 124);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "rank 1: failure injected"));
    CU_ASSERT_PTR_NULL(strstr(out, "population="));
}

static const test_case_t cases[] = {
    {"hooks_serial", test_hooks_serial},
    {"hooks_omp", test_hooks_omp},
    {"hooks_lone_cell", test_hooks_lone_cell},
    {"hooks_cuda", test_hooks_cuda},
    {"odd_sizes_torus", test_odd_sizes_torus},
    {"odd_sizes_dead", test_odd_sizes_dead},
    {"rules_and_seeds", test_rules_and_seeds},
    {"height_equals_ranks", test_height_equals_ranks},
    {"height_two", test_height_two},
    {"halo_depths", test_halo_depths},
    {"change_tracking", test_change_tracking},
    {"pattern_and_rle", test_pattern_and_rle},
    {"write_png", test_write_png},
    {"snapshots", test_snapshots},
    {"signal_one_rank", test_signal_one_rank},
    {"cuda_backend", test_cuda_backend},
    {"errors", test_errors},
    {NULL, NULL},
};

CORUN_TEST_SUITE(mpi_life, cases)
