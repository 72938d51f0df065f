/* test_conformance.c — every backend of the table (corun_life_backends())
 * against the serial oracle, through the backend seam alone: open on a
 * packed grid, step with and without populations, get_rows/put_rows with a
 * stride larger than a row, close handing the result back. Many sizes (odd
 * widths, one-word and multi-word rows, flat and tall grids), rules (B0
 * rules included: padding bits must stay dead), both boundaries, seeds.
 * Backend-specific modes (omp's temporal blocking, tiles, lane order; the
 * cuda emulator) have their own suites; this one checks the contract. A
 * backend that cannot open here (cuda without a device) is skipped with a
 * note. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/life.h"
#include "testlib.h"

static const int64_t sizes[][2] = {{1, 1},   {2, 3},   {5, 4},    {63, 7},  {64, 9},
                                   {65, 10}, {127, 5}, {130, 33}, {200, 3}, {3, 90},
                                   {257, 41}, {1000, 6}};
static const char *const rules[] = {"B3/S23", "B36/S23", "B3678/S34678", "B2/S", "B1357/S1357",
                                    "B0/S8", "B2-a/S12", "B2i34c/S2-i3"};

/* A random byte grid. */
static void random_cells(corun_life_cells_t *g, int64_t w, int64_t h, double d, uint64_t seed) {
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(g, w, h, NULL), 0);
    corun_life_cells_fill_random(g, d, seed);
}

/* Opens be on a packed copy of cells; NULL if the backend cannot open here. */
static void *open_on(const corun_life_backend_t *be, const corun_life_cells_t *cells,
                     const corun_life_params_t *p, corun_life_grid_t *grid) {
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(grid, cells->width, cells->height, NULL), 0);
    corun_life_cells_pack(cells, grid);
    void *st = NULL;
    corun_err_t err = {0};
    if (be->open(&st, grid, p, &err)) {
        static int told;
        if (!told++) fprintf(stderr, "\n  conformance: %s skipped: %s\n", be->name, err.msg);
        corun_life_grid_close(grid);
        return NULL;
    }
    return st;
}

/* Steps a backend and the oracle side by side in uneven chunks, comparing
 * populations of every generation and the rows after each chunk; closes
 * and compares the grid handed back. */
static void compare(const corun_life_backend_t *be, int64_t w, int64_t h, const char *rule,
                    corun_life_boundary_t b, uint64_t seed, int threads) {
    corun_life_params_t p = {.boundary = b, .threads = threads,
                             .skip_stable = CORUN_LIFE_SKIP_AUTO, .device = -1};
    CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse(rule, &p.rule, NULL), 0);
    corun_life_cells_t init;
    random_cells(&init, w, h, 0.35, seed);
    corun_life_grid_t ga, gb, ra, rb;
    void *oracle = open_on(&corun_life_backend_serial, &init, &p, &ga);
    void *st = open_on(be, &init, &p, &gb);
    if (!st) {
        corun_life_backend_serial.close(oracle, NULL);
        corun_life_grid_close(&ga);
        corun_life_cells_close(&init);
        return;
    }
    /* Rows read back with a stride larger than a row, and a word of junk
     * between rows that get_rows must leave alone. */
    const int64_t stride = corun_life_words_per_row(w) + 3;
    uint64_t *wa = calloc((size_t)(stride * h), 8), *wb = calloc((size_t)(stride * h), 8);
    int64_t pa[16], pb[16];
    const int64_t chunks[] = {1, 2, 16, 3, 8, 1, 5};
    int bad = 0;
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0] && !bad; c++) {
        int64_t n = chunks[c];
        int counted = c % 2 == 0;
        CU_ASSERT_EQUAL_FATAL(corun_life_backend_serial.step(oracle, n, counted ? pa : NULL, NULL),
                              0);
        CU_ASSERT_EQUAL_FATAL(be->step(st, n, counted ? pb : NULL, NULL), 0);
        if (counted) bad |= memcmp(pa, pb, (size_t)n * 8) != 0;
        for (int64_t i = 0; i < stride * h; i++) wa[i] = wb[i] = 0x5a5a5a5a5a5a5a5aull;
        CU_ASSERT_EQUAL_FATAL(corun_life_backend_serial.get_rows(oracle, 0, h, wa, stride, NULL),
                              0);
        CU_ASSERT_EQUAL_FATAL(be->get_rows(st, 0, h, wb, stride, NULL), 0);
        bad |= memcmp(wa, wb, (size_t)(stride * h) * 8) != 0;
    }
    /* put_rows: both get the same new middle rows, then step on. */
    if (!bad && h >= 3) {
        corun_life_cells_t mid;
        random_cells(&mid, w, h / 3, 0.5, seed + 99);
        corun_life_grid_t pm;
        CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&pm, w, h / 3, NULL), 0);
        corun_life_cells_pack(&mid, &pm);
        CU_ASSERT_EQUAL(corun_life_backend_serial.put_rows(oracle, h / 3, h / 3, pm.words,
                                                           pm.stride, NULL),
                        0);
        CU_ASSERT_EQUAL(be->put_rows(st, h / 3, h / 3, pm.words, pm.stride, NULL), 0);
        CU_ASSERT_EQUAL(corun_life_backend_serial.step(oracle, 4, pa, NULL), 0);
        CU_ASSERT_EQUAL(be->step(st, 4, pb, NULL), 0);
        bad |= memcmp(pa, pb, 4 * 8) != 0;
        corun_life_grid_close(&pm);
        corun_life_cells_close(&mid);
    }
    /* close hands the current generation back into the grid given to open. */
    CU_ASSERT_EQUAL(corun_life_backend_serial.close(oracle, NULL), 0);
    CU_ASSERT_EQUAL(be->close(st, NULL), 0);
    ra = ga;
    rb = gb;
    for (int64_t y = 0; y < h; y++)
        bad |= memcmp(corun_life_grid_row(&ra, y), corun_life_grid_row(&rb, y),
                      (size_t)ra.wpr * 8) != 0;
    CU_ASSERT_EQUAL(corun_life_grid_hash(&ra, 1), corun_life_grid_hash(&rb, 2));
    if (bad)
        fprintf(stderr, "\n  %s differs from serial: %lldx%lld %s %s seed %llu threads %d\n",
                be->name, (long long)w, (long long)h, rule, corun_life_boundary_name(b),
                (unsigned long long)seed, threads);
    CU_ASSERT_FALSE(bad);
    free(wa);
    free(wb);
    corun_life_grid_close(&ga);
    corun_life_grid_close(&gb);
    corun_life_cells_close(&init);
}

static void test_every_backend_matches_serial(void) {
    const corun_life_backend_t *const *list;
    int n = corun_life_backends(&list);
    for (int i = 1; i < n; i++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++)
                for (int b = 0; b < 2; b++)
                    compare(list[i], sizes[s][0], sizes[s][1], rules[r],
                            b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS, 1000 * s + 10 * r + b,
                            1 + (int)((s + r) % 2));
}

/* step() counts only rows count_y0..count_y1-1 when asked. */
static void test_counted_rows(void) {
    const corun_life_backend_t *const *list;
    int n = corun_life_backends(&list);
    corun_life_cells_t init;
    random_cells(&init, 70, 40, 0.4, 5);
    for (int i = 0; i < n; i++) {
        corun_life_params_t all = {.rule = CORUN_LIFE_RULE_CONWAY, .threads = 2, .device = -1};
        corun_life_params_t part = all;
        part.count_y0 = 7;
        part.count_y1 = 31;
        corun_life_grid_t g1, g2;
        void *a = open_on(list[i], &init, &all, &g1);
        if (!a) continue;
        void *b = open_on(list[i], &init, &part, &g2);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        int64_t pa[6], pb[6];
        CU_ASSERT_EQUAL(list[i]->step(a, 6, pa, NULL), 0);
        CU_ASSERT_EQUAL(list[i]->step(b, 6, pb, NULL), 0);
        CU_ASSERT_EQUAL(list[i]->close(a, NULL), 0);
        CU_ASSERT_EQUAL(list[i]->close(b, NULL), 0);
        corun_life_grid_t rows = corun_life_grid_rows(&g2, 7, 24);
        CU_ASSERT_EQUAL(pa[5], corun_life_grid_population(&g1, 1));
        CU_ASSERT_EQUAL(pb[5], corun_life_grid_population(&rows, 1));
        CU_ASSERT_TRUE(pb[5] < pa[5]);
        corun_life_grid_close(&g1);
        corun_life_grid_close(&g2);
    }
    corun_life_cells_close(&init);
}

/* info() is honest: a mode name without spaces and at least one thread. */
static void test_info(void) {
    const corun_life_backend_t *const *list;
    int n = corun_life_backends(&list);
    corun_life_cells_t init;
    random_cells(&init, 300, 300, 0.4, 9);
    for (int i = 0; i < n; i++) {
        corun_life_params_t p = {.rule = CORUN_LIFE_RULE_CONWAY, .threads = 2, .device = -1};
        corun_life_grid_t g;
        void *st = open_on(list[i], &init, &p, &g);
        if (!st) continue;
        corun_life_info_t info;
        memset(&info, 0, sizeof info);
        list[i]->info(st, &info);
        CU_ASSERT(info.mode[0] && !strchr(info.mode, ' '));
        CU_ASSERT(info.simd[0]);
        CU_ASSERT(info.threads >= 1 && info.threads <= 2);
        CU_ASSERT_EQUAL(list[i]->close(st, NULL), 0);
        corun_life_grid_close(&g);
    }
    corun_life_cells_close(&init);
}

static const test_case_t cases[] = {
    {"every backend agrees with serial through the seam", test_every_backend_matches_serial},
    {"step counts the rows asked for", test_counted_rows},
    {"info names mode, SIMD path and threads", test_info},
    {NULL, NULL},
};

CORUN_TEST_SUITE(conformance, cases)
