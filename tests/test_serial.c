/* test_serial.c — the serial oracle against hand-derived facts: the seed's
 * wrap-around on tiny tori (a neighbour counted more than once), dead
 * boundaries, still lifes and oscillators, and chunked stepping. */
#include <string.h>

#include "corun/core.h"
#include "corun/life.h"
#include "testlib.h"

/* Steps g in place by n generations on the serial backend. */
static void step(corun_life_cells_t *g, const char *rule, corun_life_boundary_t b, int64_t n) {
    corun_life_params_t p = {.rule = CORUN_LIFE_RULE_CONWAY, .boundary = b, .threads = 1,
                             .skip_stable = CORUN_LIFE_SKIP_OFF, .device = -1};
    CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse(rule, &p.rule, NULL), 0);
    CU_ASSERT_EQUAL(test_life_step(&corun_life_backend_serial, g, &p, n, NULL, NULL), 0);
}

static void test_1x1_torus_counts_itself_eight_times(void) {
    /* On a 1x1 torus all eight neighbours are the cell itself (seed semantics). */
    corun_life_cells_t g;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&g, 1, 1, NULL), 0);
    g.cells[0] = 1;
    step(&g, "B3/S8", CORUN_LIFE_TORUS, 5); /* 8 neighbours: survives under S8 */
    CU_ASSERT_EQUAL(g.cells[0], 1);
    step(&g, "B3/S23", CORUN_LIFE_TORUS, 1); /* 8 neighbours: dies of overcrowding */
    CU_ASSERT_EQUAL(g.cells[0], 0);
    g.cells[0] = 1;
    step(&g, "B3/S0", CORUN_LIFE_DEAD, 1); /* dead edges: 0 neighbours */
    CU_ASSERT_EQUAL(g.cells[0], 1);
    corun_life_cells_close(&g);
}

static void test_2x1_torus(void) {
    /* Width 2, height 1: for cell 0, E and W are both cell 1; N, S are itself;
     * NE, SE, NW, SW are cell 1. So a lone live cell sees 2 (itself N,S) and its
     * dead partner sees 6 (E, W, NE, SE, NW, SW). */
    corun_life_cells_t g;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&g, 2, 1, NULL), 0);
    g.cells[0] = 1;
    step(&g, "B6/S2", CORUN_LIFE_TORUS, 1);
    CU_ASSERT_EQUAL(g.cells[0], 1);
    CU_ASSERT_EQUAL(g.cells[1], 1);
    corun_life_cells_close(&g);
}

static void set_cells(corun_life_cells_t *g, const int (*xy)[2], int n) {
    memset(g->cells, 0, (size_t)(g->width * g->height));
    for (int i = 0; i < n; i++) *corun_life_cell(g, xy[i][0], xy[i][1]) = 1;
}

static void test_blinker_and_block_dead_edges(void) {
    /* A blinker touching the dead edge loses nothing: (0,1),(1,1),(2,1) in 3x3. */
    corun_life_cells_t g;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&g, 3, 3, NULL), 0);
    const int blinker[3][2] = {{0, 1}, {1, 1}, {2, 1}};
    set_cells(&g, blinker, 3);
    uint64_t h0 = corun_life_cells_hash(&g);
    step(&g, "B3/S23", CORUN_LIFE_DEAD, 1);
    CU_ASSERT_EQUAL(*corun_life_cell(&g, 1, 0), 1);
    CU_ASSERT_EQUAL(*corun_life_cell(&g, 1, 2), 1);
    CU_ASSERT_EQUAL(corun_life_cells_population(&g), 3);
    step(&g, "B3/S23", CORUN_LIFE_DEAD, 1);
    CU_ASSERT_EQUAL(corun_life_cells_hash(&g), h0);
    /* On a 3x3 torus the same row of three sees every cell: all die or fill. */
    set_cells(&g, blinker, 3);
    step(&g, "B3/S23", CORUN_LIFE_TORUS, 1);
    CU_ASSERT_EQUAL(corun_life_cells_population(&g), 9); /* every cell has exactly 3 (or 2+self) */
    corun_life_cells_close(&g);
}

static void test_chunked_equals_whole(void) {
    corun_life_cells_t a, b;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&a, 37, 23, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&b, 37, 23, NULL), 0);
    corun_life_cells_fill_random(&a, 0.35, 99);
    corun_life_cells_fill_random(&b, 0.35, 99);
    CU_ASSERT_EQUAL(corun_life_cells_hash(&a), corun_life_cells_hash(&b));
    step(&a, "B3/S23", CORUN_LIFE_TORUS, 30);
    for (int i = 0; i < 3; i++) step(&b, "B3/S23", CORUN_LIFE_TORUS, 10);
    CU_ASSERT_EQUAL(corun_life_cells_hash(&a), corun_life_cells_hash(&b));
    corun_life_cells_close(&a);
    corun_life_cells_close(&b);
}

static void test_random_fill_is_counter_based(void) {
    corun_life_cells_t g;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&g, 300, 200, NULL), 0);
    corun_life_cells_fill_random(&g, 0.5, 1);
    int64_t pop = corun_life_cells_population(&g);
    CU_ASSERT(pop > 29000 && pop < 31000); /* 60000 cells at density 0.5 */
    /* cell i depends only on (seed, i) */
    for (int64_t i = 0; i < 60000; i += 997)
        CU_ASSERT_EQUAL(g.cells[i], (corun_rng_u64(1, (uint64_t)i) >> 11) < (UINT64_C(1) << 52));
    corun_life_cells_fill_random(&g, 0.0, 1);
    CU_ASSERT_EQUAL(corun_life_cells_population(&g), 0);
    corun_life_cells_fill_random(&g, 1.0, 1);
    CU_ASSERT_EQUAL(corun_life_cells_population(&g), 60000);
    corun_life_cells_close(&g);
}

static void test_hash_is_documented_fnv1a(void) {
    /* FNV-1a 64 of the empty string and of "a": published test vectors. */
    CU_ASSERT_EQUAL(corun_fnv1a64(CORUN_FNV1A64_INIT, "", 0), UINT64_C(0xcbf29ce484222325));
    CU_ASSERT_EQUAL(corun_fnv1a64(CORUN_FNV1A64_INIT, "a", 1), UINT64_C(0xaf63dc4c8601ec8c));
}

static const test_case_t cases[] = {
    {"1x1 torus counts the cell itself 8 times", test_1x1_torus_counts_itself_eight_times},
    {"2x1 torus neighbour multiplicity", test_2x1_torus},
    {"blinker on dead edges, 3x3 torus fill", test_blinker_and_block_dead_edges},
    {"chunked stepping equals one run", test_chunked_equals_whole},
    {"random fill is counter-based", test_random_fill_is_counter_based},
    {"hash is FNV-1a 64", test_hash_is_documented_fnv1a},
    {NULL, NULL},
};
CORUN_TEST_SUITE(serial, cases)
