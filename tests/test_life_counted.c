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

static void check_case(int64_t w, int64_t h, corun_life_boundary_t b, corun_life_skip_t skip,
                       int force_tblock, int threads) {
    static const int serial_chunks[] = {40, 0}, omp_chunks[] = {3, 1, 17, 19, 0};
    corun_life_cells_t init;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&init, w, h, NULL), 0);
    corun_life_cells_fill_random(&init, 0.4, (uint64_t)(w * 31 + h));
    corun_life_params_t p = {.rule = CORUN_LIFE_RULE_CONWAY, .boundary = b, .threads = threads,
                             .skip_stable = skip, .device = -1};
    corun_life_omp_tuning_t tu = {0};
    tu.words_per_thread = 1;
    if (force_tblock) {
        tu.tblock_bytes = 1;
        tu.band_rows = 8;
        tu.levels = 3;
    }
    p.omp_tuning = &tu;
    counted_run_t a = {0}, o = {0};
    run_counted(&corun_life_backend_serial, &init, &p, serial_chunks, &a);
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

static void test_dense(void) {
    const int64_t sizes[][2] = {{1, 1}, {7, 3}, {64, 64}, {65, 33}, {200, 90}, {577, 41}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (int t = 1; t <= 2; t++) {
            check_case(sizes[i][0], sizes[i][1], CORUN_LIFE_TORUS, CORUN_LIFE_SKIP_OFF, 0, t);
            check_case(sizes[i][0], sizes[i][1], CORUN_LIFE_DEAD, CORUN_LIFE_SKIP_OFF, 0, t);
        }
}

static void test_tblock(void) {
    const int64_t sizes[][2] = {{64, 64}, {130, 57}, {577, 41}, {9, 5}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (int t = 1; t <= 2; t++) {
            check_case(sizes[i][0], sizes[i][1], CORUN_LIFE_TORUS, CORUN_LIFE_SKIP_OFF, 1, t);
            check_case(sizes[i][0], sizes[i][1], CORUN_LIFE_DEAD, CORUN_LIFE_SKIP_OFF, 1, t);
        }
}

static void test_tiles(void) {
    const int64_t sizes[][2] = {{64, 64}, {300, 140}, {577, 41}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (int t = 1; t <= 2; t++) {
            check_case(sizes[i][0], sizes[i][1], CORUN_LIFE_TORUS, CORUN_LIFE_SKIP_ON, 0, t);
            check_case(sizes[i][0], sizes[i][1], CORUN_LIFE_DEAD, CORUN_LIFE_SKIP_ON, 0, t);
        }
}

static const test_case_t cases[] = {
    {"dense: populations and packed grid equal serial", test_dense},
    {"temporal blocking: populations per generation", test_tblock},
    {"change tracking: populations per generation", test_tiles},
    {NULL, NULL},
};
CORUN_TEST_SUITE(life_counted, cases)
