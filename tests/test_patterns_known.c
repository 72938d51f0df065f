/* test_patterns_known.c — published pattern facts as oracles for the
 * steppers: oscillator periods, the glider's displacement, and the
 * stabilisation of the methuselahs R-pentomino (generation 1103, population
 * 116) and acorn (generation 5206, population 633). Labelled slow in CMake.
 *
 * "Stabilises at generation G" is checked through the population sequence
 * P(g): the debris of both is still lifes and period-2 oscillators plus
 * escaping gliders, so P(g) == P(g+2) for every g >= G, and P(G-1) differs
 * from P(G+1) — the pattern is not yet stable one generation earlier. On
 * Golly's infinite plane (bgolly -i 1, to generations 1400 and 5600) this
 * criterion gives exactly 1103 and 5206.
 *
 * The tori were chosen with Golly (bgolly on the same :T<w>,<h> torus, which
 * steps exactly like corun's): among the sizes tried (multiples of 32 for
 * the R-pentomino, of 128 for the acorn), the smallest area on which the
 * criterion above still holds up to G + 1000, i.e. nothing the pattern
 * emits wraps around into its debris or into another glider before then;
 * the tests check up to G + 100. A non-square torus spreads a diagonal
 * glider's path, so it misses the debris for longer than on a square torus
 * of the same area (for the R-pentomino the first square one that passed was 576x576).
 *
 * Backend: the long runs use omp when it is built and agrees with serial on
 * a quick check; otherwise serial, on which the acorn (1M cells for 5300
 * generations) would take minutes, so that case is then reported and left
 * out rather than making the suite crawl.
 */
#include <stdio.h>
#include <string.h>

#include "corun/life.h"
#include "testlib.h"

/* Loads tests/data/<file> and places it at (x, y) of a fresh w x h grid. */
static void load_into(const char *file, int64_t w, int64_t h, int64_t x, int64_t y,
                      corun_life_cells_t *g) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", test_data_dir(), file);
    corun_life_pattern_t p;
    corun_err_t err = {0};
    int rc = corun_life_pattern_load(path, &p, &err);
    if (rc) fprintf(stderr, "\n  %s\n", err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    corun_life_grid_t packed;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(g, w, h, &err), 0);
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&packed, w, h, &err), 0);
    CU_ASSERT_EQUAL_FATAL(corun_life_pattern_place(&packed, &p.cells, x, y, 0, h, &err), 0);
    corun_life_cells_unpack(&packed, g);
    corun_life_grid_close(&packed);
    corun_life_pattern_close(&p);
}

/* A running backend and a scratch grid to read generations into. */
typedef struct run {
    const corun_life_backend_t *be;
    void *st;
    corun_life_grid_t grid, scratch; /* the grid the backend opened on; rows read back */
    corun_life_cells_t now;
    int64_t gen;
} run_t;

static void run_start(run_t *r, const corun_life_backend_t *be, const corun_life_cells_t *g,
                      corun_life_boundary_t b) {
    corun_life_params_t p = {.rule = CORUN_LIFE_RULE_CONWAY, .boundary = b, .threads = 0,
                             .skip_stable = CORUN_LIFE_SKIP_AUTO, .device = -1};
    corun_err_t err = {0};
    r->be = be;
    r->gen = 0;
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&r->grid, g->width, g->height, &err), 0);
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&r->scratch, g->width, g->height, &err), 0);
    corun_life_cells_pack(g, &r->grid);
    CU_ASSERT_EQUAL_FATAL(be->open(&r->st, &r->grid, &p, &err), 0);
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&r->now, g->width, g->height, &err), 0);
}

/* Advances to generation `gen` and reads it into r->now. */
static void run_to(run_t *r, int64_t gen) {
    corun_err_t err = {0};
    if (gen > r->gen) CU_ASSERT_EQUAL_FATAL(r->be->step(r->st, gen - r->gen, NULL, &err), 0);
    r->gen = gen;
    CU_ASSERT_EQUAL_FATAL(r->be->get_rows(r->st, 0, r->now.height, r->scratch.words,
                                          r->scratch.stride, &err),
                          0);
    corun_life_cells_unpack(&r->scratch, &r->now);
}

static void run_end(run_t *r) {
    CU_ASSERT_EQUAL(r->be->close(r->st, NULL), 0);
    corun_life_grid_close(&r->grid);
    corun_life_grid_close(&r->scratch);
    corun_life_cells_close(&r->now);
}

/* The omp backend if it is built and agrees with serial on a quick check
 * (random 50x37 torus, 60 generations), else serial. */
static const corun_life_backend_t *fast_backend(void) {
    static const corun_life_backend_t *chosen;
    if (chosen) return chosen;
    chosen = &corun_life_backend_serial;
    const corun_life_backend_t *omp = &corun_life_backend_omp;
    if (!omp->open || !omp->step || !omp->get_rows || !omp->close) {
        fprintf(stderr, "\n  patterns_known: omp backend not built yet, using serial\n");
        return chosen;
    }
    corun_life_cells_t g;
    if (corun_life_cells_init(&g, 50, 37, NULL)) return chosen;
    corun_life_cells_fill_random(&g, 0.4, 11);
    run_t a, b;
    run_start(&a, &corun_life_backend_serial, &g, CORUN_LIFE_TORUS);
    run_start(&b, omp, &g, CORUN_LIFE_TORUS);
    run_to(&a, 60);
    run_to(&b, 60);
    if (!memcmp(a.now.cells, b.now.cells, 50 * 37)) chosen = omp;
    else fprintf(stderr, "\n  patterns_known: omp disagrees with serial, using serial\n");
    run_end(&a);
    run_end(&b);
    corun_life_cells_close(&g);
    return chosen;
}

/* ------------------------------------------------------- small patterns */

static void test_blinker_period2(void) {
    corun_life_cells_t g;
    load_into("blinker.cells", 7, 6, 1, 0, &g);
    run_t r;
    run_start(&r, &corun_life_backend_serial, &g, CORUN_LIFE_TORUS);
    run_to(&r, 1);
    CU_ASSERT_NOT_EQUAL(memcmp(r.now.cells, g.cells, 42), 0); /* not still */
    CU_ASSERT_EQUAL(corun_life_cells_population(&r.now), 3);
    for (int64_t gen = 2; gen <= 20; gen += 2) {
        run_to(&r, gen);
        CU_ASSERT_EQUAL(memcmp(r.now.cells, g.cells, 42), 0);
    }
    run_end(&r);
    corun_life_cells_close(&g);
}

static void test_block_still(void) {
    const char *t = "x = 2, y = 2\n2o$2o!";
    corun_life_pattern_t p;
    CU_ASSERT_EQUAL_FATAL(corun_life_rle_parse(t, strlen(t), "block", &p, NULL), 0);
    for (int b = 0; b < 2; b++) {
        corun_life_cells_t g;
        CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&g, 6, 5, NULL), 0);
        for (int64_t y = 0; y < 2; y++)
            memcpy(corun_life_cell(&g, 2, 1 + y), p.cells.cells + 2 * y, 2);
        run_t r;
        run_start(&r, &corun_life_backend_serial, &g, b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS);
        for (int64_t gen = 1; gen <= 10; gen++) {
            run_to(&r, gen);
            CU_ASSERT_EQUAL(memcmp(r.now.cells, g.cells, 30), 0);
        }
        run_end(&r);
        corun_life_cells_close(&g);
    }
    corun_life_pattern_close(&p);
}

/* After 4 generations the glider is itself again, moved by (+1, +1); on a
 * torus it crosses both edges and keeps going (checked for 48 periods, more
 * than a full lap in each direction of the 8x6 torus). */
static void test_glider_torus(void) {
    const int64_t W = 8, H = 6;
    corun_life_cells_t g, want;
    load_into("glider.rle", W, H, 0, 0, &g);
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&want, W, H, NULL), 0);
    run_t r;
    run_start(&r, &corun_life_backend_serial, &g, CORUN_LIFE_TORUS);
    for (int64_t k = 1; k <= 48; k++) {
        run_to(&r, 4 * k);
        /* Expected: the start shifted by (k, k), wrapped. */
        for (int64_t y = 0; y < H; y++)
            for (int64_t x = 0; x < W; x++)
                *corun_life_cell(&want, (x + k) % W, (y + k) % H) = *corun_life_cell(&g, x, y);
        CU_ASSERT_EQUAL(memcmp(r.now.cells, want.cells, (size_t)(W * H)), 0);
        CU_ASSERT_EQUAL(corun_life_cells_population(&r.now), 5);
    }
    /* In between, the glider is not a shifted copy of itself. */
    run_to(&r, r.gen + 2);
    CU_ASSERT_NOT_EQUAL(memcmp(r.now.cells, want.cells, (size_t)(W * H)), 0);
    run_end(&r);
    corun_life_cells_close(&want);
    corun_life_cells_close(&g);
}

/* -------------------------------------------------------- methuselahs */

/* Steps `file` on a w x h torus and checks: P(G) == pop, P(G-1) != P(G+1),
 * and P(g) == P(g+2) for g in [G, G+100]. */
static void check_methuselah(const char *file, int64_t w, int64_t h, int64_t G, int64_t pop,
                             const corun_life_backend_t *be) {
    corun_life_cells_t g;
    load_into(file, w, h, w / 2, h / 2, &g);
    run_t r;
    run_start(&r, be, &g, CORUN_LIFE_TORUS);
    enum { AFTER = 100 };
    int64_t P[AFTER + 4];
    for (int64_t k = 0; k < AFTER + 4; k++) {
        run_to(&r, G - 1 + k);
        P[k] = corun_life_cells_population(&r.now);
    }
    /* P[k] is the population at generation G - 1 + k. */
    CU_ASSERT_EQUAL(P[1], pop);
    CU_ASSERT_NOT_EQUAL(P[0], P[2]);
    int stable = 1;
    for (int k = 1; k + 2 < AFTER + 4; k++) stable &= P[k] == P[k + 2];
    CU_ASSERT_TRUE(stable);
    if (P[1] != pop || P[0] == P[2] || !stable)
        fprintf(stderr, "\n  %s on %lldx%lld (%s): P(G-1..G+2) = %lld %lld %lld %lld\n", file,
                (long long)w, (long long)h, be->name, (long long)P[0], (long long)P[1],
                (long long)P[2], (long long)P[3]);
    run_end(&r);
    corun_life_cells_close(&g);
}

static void test_rpentomino(void) {
    check_methuselah("rpentomino.rle", 352, 256, 1103, 116, fast_backend());
}

static void test_acorn(void) {
    const corun_life_backend_t *be = fast_backend();
    if (be == &corun_life_backend_serial) {
        fprintf(stderr, "\n  acorn: SKIPPED (needs the omp backend; serial would take minutes)\n");
        return;
    }
    check_methuselah("acorn.rle", 1664, 640, 5206, 633, be);
}

static const test_case_t cases[] = {
    {"blinker has period 2", test_blinker_period2},
    {"block is still (torus and dead edges)", test_block_still},
    {"glider moves (1,1) every 4 generations on a torus", test_glider_torus},
    {"R-pentomino stabilises at 1103 with 116 cells", test_rpentomino},
    {"acorn stabilises at 5206 with 633 cells", test_acorn},
    {NULL, NULL},
};
CORUN_TEST_SUITE(patterns_known, cases)
