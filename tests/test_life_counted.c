/* test_life_counted.c — step() with populations (the population of every
 * generation, which snapshots record) and get_rows (the snapshot layout) agree across
 * backends and modes: omp dense, temporal blocking and change tracking against
 * the serial oracle, and against pack/unpack of the byte grid. */
#include <stdlib.h>
#include <string.h>

#include "corun/life.h"
#include "life/omp_tuning.h"
#include "testlib.h"

typedef struct counted_run {
    int64_t pops[64];
    uint64_t *packed;
    corun_life_cells_t final;
} counted_run_t;

/* Steps `init` in the chunks (0-ended) counting populations; keeps the
 * populations, the packed final generation and its byte grid. */
static void run_counted(const corun_life_backend_t *be, const corun_life_cells_t *init,
                        const corun_life_params_t *p, const int *chunks, counted_run_t *r) {
    test_life_t t;
    corun_err_t err = {0};
    CU_ASSERT_EQUAL_FATAL(test_life_open(&t, be, init, p, &err), 0);
    int64_t done = 0;
    for (int i = 0; chunks[i]; i++) {
        CU_ASSERT_EQUAL(be->step(t.st, chunks[i], r->pops + done, &err), 0);
        done += chunks[i];
    }
    int64_t wpr = corun_life_words_per_row(init->width);
    r->packed = calloc((size_t)(wpr * init->height), 8);
    CU_ASSERT_EQUAL(be->get_rows(t.st, 0, init->height, r->packed, wpr, &err), 0);
    CU_ASSERT_EQUAL(corun_life_cells_init(&r->final, init->width, init->height, NULL), 0);
    CU_ASSERT_EQUAL(test_life_read(&t, &r->final, &err), 0);
    test_life_close(&t);
}

/* Every kernel set counts as it writes: each case runs on each. */
static const char *const simds[] = {"portable", "avx2", "avx512"};
static const char *simd = "avx512";
static corun_life_rule_t rule;

/* The oracle's run depends on the grid, boundary and rule only: it is
 * reused while the cases differ in kernel set, threads and mode. */
static counted_run_t oracle;
static int64_t ow, oh;
static corun_life_boundary_t ob;
static corun_life_rule_t orule;

static void oracle_drop(void) {
    if (oracle.packed) {
        free(oracle.packed);
        corun_life_cells_close(&oracle.final);
    }
    memset(&oracle, 0, sizeof oracle);
}

static void check_case(int64_t w, int64_t h, corun_life_boundary_t b, corun_life_skip_t skip,
                       int force_tblock, int threads) {
    static const int serial_chunks[] = {40, 0}, omp_chunks[] = {3, 1, 17, 19, 0};
    corun_life_cells_t init;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&init, w, h, NULL), 0);
    corun_life_cells_fill_random(&init, 0.4, (uint64_t)(w * 31 + h));
    corun_life_params_t p = {.rule = rule, .boundary = b, .threads = threads,
                             .skip_stable = skip, .device = -1};
    corun_life_omp_tuning_t tu = {0};
    tu.simd = simd;
    tu.words_per_thread = 1;
    if (force_tblock == 1) {
        tu.tblock_bytes = 1;
        tu.band_rows = 8;
        tu.levels = 3;
    } else if (force_tblock == 2) { /* dense, planned as if the grid missed the caches */
        tu.tblock_bytes = 1;
        tu.tblock_off = 1;
    }
    p.omp_tuning = &tu;
    counted_run_t a = {0}, o = {0};
    if (!oracle.packed || ow != w || oh != h || ob != b || orule.born != rule.born ||
        orule.survive != rule.survive) {
        oracle_drop();
        run_counted(&corun_life_backend_serial, &init, &p, serial_chunks, &oracle);
        ow = w, oh = h, ob = b, orule = rule;
    }
    a = oracle;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&a.final, w, h, NULL), 0);
    memcpy(a.final.cells, oracle.final.cells, (size_t)(w * h));
    a.packed = malloc((size_t)(corun_life_words_per_row(w) * h) * 8);
    memcpy(a.packed, oracle.packed, (size_t)(corun_life_words_per_row(w) * h) * 8);
    run_counted(&corun_life_backend_omp, &init, &p, omp_chunks, &o);
    for (int i = 0; i < 40; i++) CU_ASSERT_EQUAL(a.pops[i], o.pops[i]);
    int64_t wpr = corun_life_words_per_row(w);
    CU_ASSERT_EQUAL(memcmp(a.packed, o.packed, (size_t)(wpr * h) * 8), 0);
    CU_ASSERT_EQUAL(corun_life_cells_population(&a.final), a.pops[39]);
    /* pack/unpack round trip of the final grid gives the packed words */
    uint64_t *pk = calloc((size_t)(wpr * h), 8);
    corun_life_grid_t pg = {w, h, wpr, wpr, pk, 0};
    corun_life_cells_pack(&a.final, &pg);
    CU_ASSERT_EQUAL(memcmp(pk, a.packed, (size_t)(wpr * h) * 8), 0);
    corun_life_cells_t back;
    CU_ASSERT_EQUAL(corun_life_cells_init(&back, w, h, NULL), 0);
    corun_life_cells_unpack(&pg, &back);
    CU_ASSERT_EQUAL(corun_life_cells_hash(&back), corun_life_cells_hash(&a.final));
    corun_life_cells_close(&back);
    free(pk);
    free(a.packed);
    free(o.packed);
    corun_life_cells_close(&a.final);
    corun_life_cells_close(&o.final);
    corun_life_cells_close(&init);
}

/* Each size on both boundaries, 1 and 2 threads, every kernel set, for
 * B3/S23 (its folded kernels: word order, lane-strided where the width is
 * a multiple of 512, streaming stores in blocking's last level) and for
 * another rule (the generic kernels). */
static void check_sizes(const int64_t (*sizes)[2], size_t n, corun_life_skip_t skip, int tblock) {
    const corun_life_rule_t rules[] = {CORUN_LIFE_RULE_CONWAY,
                                       {.born = (1u << 3) | (1u << 6), .survive = (1u << 2) | (1u << 3)}};
    const corun_life_boundary_t bounds[] = {CORUN_LIFE_TORUS, CORUN_LIFE_DEAD};
    for (size_t r = 0; r < 2; r++)
        for (size_t i = 0; i < n; i++)
            for (int bi = 0; bi < 2; bi++)
                for (size_t si = 0; si < sizeof simds / sizeof *simds; si++)
                    for (int t = 1; t <= 2; t++) {
                        rule = rules[r];
                        simd = simds[si];
                        check_case(sizes[i][0], sizes[i][1], bounds[bi], skip, tblock, t);
                    }
    oracle_drop();
}

static void test_dense(void) {
    const int64_t sizes[][2] = {{1, 1}, {7, 3}, {64, 64}, {65, 33}, {200, 90}, {577, 41},
                                {512, 23}, {1024, 9}};
    check_sizes(sizes, sizeof sizes / sizeof *sizes, CORUN_LIFE_SKIP_OFF, 0);
}

/* Dense stepping planned as for grids far beyond the caches (the AVX2 set
 * then counts full vectors in registers, omp_pop_t.uncached). */
static void test_dense_uncached(void) {
    const int64_t sizes[][2] = {{65, 33}, {577, 41}, {1024, 9}, {2048, 12}};
    check_sizes(sizes, sizeof sizes / sizeof *sizes, CORUN_LIFE_SKIP_OFF, 2);
}

static void test_tblock(void) {
    const int64_t sizes[][2] = {{64, 64}, {130, 57}, {577, 41}, {9, 5}, {512, 37}, {2560, 11}};
    check_sizes(sizes, sizeof sizes / sizeof *sizes, CORUN_LIFE_SKIP_OFF, 1);
}

static void test_tiles(void) {
    const int64_t sizes[][2] = {{64, 64}, {300, 140}, {577, 41}};
    check_sizes(sizes, sizeof sizes / sizeof *sizes, CORUN_LIFE_SKIP_ON, 0);
}

/* A soup that settles, stepped long enough for skip_stable=auto to probe,
 * enter tiles and count from the recomputed tiles alone, with rows written
 * from outside in between: its populations equal dense stepping's (which
 * the cases above hold to the oracle), for every kernel set. */
static void test_settling(void) {
    enum { W = 640, H = 520, N = 1200 };
    corun_life_cells_t init;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&init, W, H, NULL), 0);
    corun_life_cells_fill_random(&init, 0.3, 5);
    static int64_t want[N], got[N];
    for (size_t si = 0; si < sizeof simds / sizeof *simds; si++)
        for (int skip = 0; skip < 2; skip++) {
            corun_life_omp_tuning_t tu = {.simd = simds[si]};
            corun_life_params_t p = {.rule = CORUN_LIFE_RULE_CONWAY,
                                     .boundary = si == 1 ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS,
                                     .threads = 2,
                                     .omp_tuning = &tu,
                                     .device = -1};
            test_life_t d, t;
            corun_err_t err = {0};
            p.skip_stable = CORUN_LIFE_SKIP_OFF;
            CU_ASSERT_EQUAL_FATAL(test_life_open(&d, &corun_life_backend_omp, &init, &p, &err), 0);
            CU_ASSERT_EQUAL(d.be->step(d.st, N, want, &err), 0);
            test_life_close(&d);
            p.skip_stable = skip ? CORUN_LIFE_SKIP_ON : CORUN_LIFE_SKIP_AUTO;
            CU_ASSERT_EQUAL_FATAL(test_life_open(&t, &corun_life_backend_omp, &init, &p, &err), 0);
            int64_t done = 0, k = 1;
            while (done < N) {
                int64_t n = N - done < k ? N - done : k;
                CU_ASSERT_EQUAL(t.be->step(t.st, n, got + done, &err), 0);
                done += n;
                k = k * 3 % 97 + 1;
                if (done == 700) { /* rows written from outside: a round trip of the grid */
                    corun_life_grid_t tmp;
                    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&tmp, W, H, &err), 0);
                    CU_ASSERT_EQUAL(t.be->get_rows(t.st, 0, H, tmp.words, tmp.stride, &err), 0);
                    CU_ASSERT_EQUAL(t.be->put_rows(t.st, 0, H, tmp.words, tmp.stride, &err), 0);
                    corun_life_grid_close(&tmp);
                }
                if (done == 900) CU_ASSERT_EQUAL(t.be->step(t.st, 0, NULL, &err), 0);
            }
            int bad = 0;
            for (int i = 0; i < N; i++) bad += want[i] != got[i];
            if (bad) fprintf(stderr, "\nsettling %s skip=%d: %d populations differ\n", simds[si], skip, bad);
            CU_ASSERT_EQUAL(bad, 0);
            test_life_close(&t);
        }
    corun_life_cells_close(&init);
}

static const test_case_t cases[] = {
    {"dense: populations and packed grid equal serial", test_dense},
    {"dense, planned as out of the caches: populations equal serial", test_dense_uncached},
    {"temporal blocking: populations per generation", test_tblock},
    {"change tracking: populations per generation", test_tiles},
    {"settling soup, auto and tiles: counted from the recomputed tiles", test_settling},
    {NULL, NULL},
};
CORUN_TEST_SUITE(life_counted, cases)
