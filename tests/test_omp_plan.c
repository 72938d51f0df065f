/* test_omp_plan.c — the omp backend's planning function (omp_plan.c): which
 * mode, kernels, lane order, blocking, tiles and thread count it picks for
 * small, in-cache and big grids, skip_stable on/off/auto and the tuning's
 * overrides, on made-up machines. */
#include <string.h>

#include "corun/life.h"
#include "life/omp_int.h"
#include "testlib.h"

static const omp_machine_t avx512_box = {1, 1, 2 << 20, 8}; /* 2 MiB L2, 8 threads */
static const omp_machine_t avx2_box = {1, 0, 1 << 20, 4};
static const omp_machine_t plain_box = {0, 0, 0, 2};        /* L2 size unknown */

static omp_plan_t plan(int64_t w, int64_t h, int threads, corun_life_skip_t skip,
                       const omp_machine_t *m, const corun_life_omp_tuning_t *tu) {
    corun_life_params_t p = {.rule = CORUN_LIFE_RULE_CONWAY, .boundary = CORUN_LIFE_TORUS,
                             .threads = threads, .skip_stable = skip, .omp_tuning = tu};
    omp_plan_t out;
    omp_plan(w, h, &p, m, &out);
    return out;
}

/* Small grids step on fewer threads than asked: 2048 words a thread. */
static void test_threads(void) {
    CU_ASSERT_EQUAL(plan(64, 64, 4, CORUN_LIFE_SKIP_OFF, &avx512_box, NULL).threads, 1);
    CU_ASSERT_EQUAL(plan(256, 256, 4, CORUN_LIFE_SKIP_OFF, &avx512_box, NULL).threads, 1);
    CU_ASSERT_EQUAL(plan(1024, 512, 4, CORUN_LIFE_SKIP_OFF, &avx512_box, NULL).threads, 4);
    CU_ASSERT_EQUAL(plan(1024, 1024, 0, CORUN_LIFE_SKIP_OFF, &avx512_box, NULL).threads, 8);
    CU_ASSERT_EQUAL(plan(1024, 1024, 0, CORUN_LIFE_SKIP_OFF, &plain_box, NULL).threads, 2);
    corun_life_omp_tuning_t tu = {.words_per_thread = 1};
    CU_ASSERT_EQUAL(plan(64, 64, 4, CORUN_LIFE_SKIP_OFF, &avx512_box, &tu).threads, 4);
    CU_ASSERT_EQUAL(plan(1, 1, 2, CORUN_LIFE_SKIP_OFF, &avx512_box, &tu).threads, 1);
}

/* In-cache grids step dense, grids whose two generations outgrow the
 * threads' L2 caches block in time; the band fits 256 KiB and is cut so
 * every thread gets one. */
static void test_dense_or_tblock(void) {
    omp_plan_t a = plan(1024, 1024, 2, CORUN_LIFE_SKIP_OFF, &avx2_box, NULL);
    CU_ASSERT_EQUAL(a.mode, OMP_MODE_DENSE);
    CU_ASSERT_FALSE(a.tiles || a.adaptive || a.stream);
    omp_plan_t b = plan(16384, 16384, 2, CORUN_LIFE_SKIP_OFF, &avx2_box, NULL);
    CU_ASSERT_EQUAL(b.mode, OMP_MODE_TBLOCK);
    CU_ASSERT_EQUAL(b.levels, 8);
    CU_ASSERT_EQUAL(b.levels_max, 12);
    CU_ASSERT_EQUAL(b.band_rows, (256 << 10) / (corun_life_grid_stride(16384) * 8));
    CU_ASSERT_STRING_EQUAL(b.name, "tblock-avx2");
    omp_plan_t c = plan(4096, 64, 4, CORUN_LIFE_SKIP_OFF, &avx2_box,
                        &(corun_life_omp_tuning_t){.tblock_bytes = 1});
    CU_ASSERT_EQUAL(c.mode, OMP_MODE_TBLOCK);
    CU_ASSERT_EQUAL(c.band_rows, 32); /* 64 rows / 4 threads = 16, raised to 4 levels */
    corun_life_omp_tuning_t tu = {.tblock_bytes = 1, .levels = 3, .band_rows = 10};
    omp_plan_t d = plan(100, 100, 1, CORUN_LIFE_SKIP_OFF, &avx2_box, &tu);
    CU_ASSERT_EQUAL(d.levels, 3);
    CU_ASSERT_EQUAL(d.levels_max, 4);
    CU_ASSERT_EQUAL(d.band_rows, 12);
    tu.tblock_off = 1;
    CU_ASSERT_EQUAL(plan(16384, 16384, 2, CORUN_LIFE_SKIP_OFF, &avx2_box, &tu).mode,
                    OMP_MODE_DENSE);
}

/* skip_stable: on = tiles; off = none; auto = tiles from 512x512 up, as
 * bulk stepping (dense in cache, blocked beyond) with probes. */
static void test_skip_stable(void) {
    omp_plan_t on = plan(300, 200, 1, CORUN_LIFE_SKIP_ON, &avx512_box, NULL);
    CU_ASSERT_EQUAL(on.mode, OMP_MODE_TILES);
    CU_ASSERT_TRUE(on.tiles);
    CU_ASSERT_FALSE(on.adaptive);
    CU_ASSERT_EQUAL(on.tile_words, 2);
    CU_ASSERT_EQUAL(on.tile_rows, 32);
    CU_ASSERT_STRING_EQUAL(plan(511, 4096, 1, CORUN_LIFE_SKIP_AUTO, &avx2_box, NULL).name,
                           "dense-avx2");
    omp_plan_t small = plan(2048, 2048, 1, CORUN_LIFE_SKIP_AUTO,
                            &(omp_machine_t){1, 0, 64 << 20, 1}, NULL);
    CU_ASSERT_TRUE(small.adaptive && small.tiles);
    CU_ASSERT_EQUAL(small.mode, OMP_MODE_DENSE);
    CU_ASSERT_EQUAL(small.bulk, OMP_MODE_DENSE);
    CU_ASSERT_STRING_EQUAL(small.name, "dense+tiles-avx2");
    CU_ASSERT_DOUBLE_EQUAL(small.tiles_enter, 0.10, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(small.tiles_leave, 0.20, 1e-12);
    omp_plan_t big = plan(16384, 16384, 2, CORUN_LIFE_SKIP_AUTO, &avx2_box, NULL);
    CU_ASSERT_EQUAL(big.mode, OMP_MODE_TBLOCK);
    CU_ASSERT_EQUAL(big.bulk, OMP_MODE_TBLOCK);
    CU_ASSERT_STRING_EQUAL(big.name, "tblock+tiles-avx2");
    corun_life_omp_tuning_t tu = {.tiles_enter = 0.5, .tiles_leave = 0.6, .tile_words = 1,
                                  .tile_rows = 8, .tblock_off = 1};
    omp_plan_t t = plan(16384, 16384, 2, CORUN_LIFE_SKIP_AUTO, &avx2_box, &tu);
    CU_ASSERT_EQUAL(t.mode, OMP_MODE_TILES); /* no bulk stepping to switch to */
    CU_ASSERT_FALSE(t.adaptive);
    CU_ASSERT_EQUAL(t.tile_words, 1);
    CU_ASSERT_EQUAL(t.tile_rows, 8);
    CU_ASSERT_DOUBLE_EQUAL(t.tiles_enter, 0.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(t.tiles_leave, 0.6, 1e-12);
}

/* Kernel sets: the fastest the machine runs, or the one asked for if it
 * can; lane-strided rows for B3/S23 on a torus of whole 512-cell vectors
 * where the set has the kernel, not with tiles; streaming stores only when
 * blocking. */
static void test_kernels_and_order(void) {
    CU_ASSERT_STRING_EQUAL(plan(64, 64, 1, CORUN_LIFE_SKIP_OFF, &plain_box, NULL).k->simd,
                           "portable");
    corun_life_omp_tuning_t port = {.simd = "portable"};
    CU_ASSERT_STRING_EQUAL(plan(64, 64, 1, CORUN_LIFE_SKIP_OFF, &avx512_box, &port).k->simd,
                           "portable");
#ifdef OMP_HAVE_X86_COPIES
    CU_ASSERT_STRING_EQUAL(plan(64, 64, 1, CORUN_LIFE_SKIP_OFF, &avx2_box, NULL).k->simd, "avx2");
    corun_life_omp_tuning_t want512 = {.simd = "avx512-autovec"};
    CU_ASSERT_STRING_EQUAL(plan(64, 64, 1, CORUN_LIFE_SKIP_OFF, &avx2_box, &want512).k->simd,
                           "avx2"); /* the CPU cannot: the fastest it can */
    omp_plan_t s = plan(16384, 16384, 2, CORUN_LIFE_SKIP_OFF, &avx512_box, NULL);
    CU_ASSERT_TRUE(s.strided && s.stream && s.conway);
    CU_ASSERT_STRING_EQUAL(s.name, "tblock-avx512-strided");
    CU_ASSERT_TRUE(plan(2048, 2048, 2, CORUN_LIFE_SKIP_AUTO, &avx512_box, NULL).strided);
    CU_ASSERT_FALSE(plan(1024, 8, 1, CORUN_LIFE_SKIP_ON, &avx512_box, NULL).strided);
    CU_ASSERT_FALSE(plan(1088, 8, 1, CORUN_LIFE_SKIP_OFF, &avx512_box, NULL).strided);
    CU_ASSERT_TRUE(plan(1024, 8, 1, CORUN_LIFE_SKIP_OFF, &avx512_box, NULL).strided);
    CU_ASSERT_FALSE(plan(1024, 8, 1, CORUN_LIFE_SKIP_OFF, &avx512_box, NULL).stream);
    corun_life_omp_tuning_t off = {.perm_off = 1};
    CU_ASSERT_FALSE(plan(1024, 8, 1, CORUN_LIFE_SKIP_OFF, &avx512_box, &off).strided);
    corun_life_params_t p = {.rule = {1u << 3 | 1u << 6, 3u << 2},
                             .boundary = CORUN_LIFE_TORUS,
                             .threads = 2};
    omp_plan_t r;
    omp_plan(16384, 16384, &p, &avx512_box, &r); /* B36/S23: the same kernel families */
    CU_ASSERT_FALSE(r.conway);
    CU_ASSERT_TRUE(r.strided && r.stream);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.name, "-avx512-strided"));
    p.rule = CORUN_LIFE_RULE_CONWAY;
    p.boundary = CORUN_LIFE_DEAD;
    omp_plan(16384, 16384, &p, &avx512_box, &r);
    CU_ASSERT_FALSE(r.strided);
    CU_ASSERT_TRUE(r.stream);
#endif
}

/* Pure: the same arguments give the same plan, whatever ran before. */
static void test_pure(void) {
    corun_life_omp_tuning_t tu = {.tblock_bytes = 1, .levels = 5};
    omp_plan_t a = plan(3000, 700, 2, CORUN_LIFE_SKIP_AUTO, &avx512_box, &tu);
    (void)plan(64, 64, 1, CORUN_LIFE_SKIP_ON, &plain_box, NULL);
    omp_plan_t b = plan(3000, 700, 2, CORUN_LIFE_SKIP_AUTO, &avx512_box, &tu);
    CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof a), 0);
    omp_plan_t c = plan(3000, 700, 2, CORUN_LIFE_SKIP_AUTO, &avx512_box, NULL);
    CU_ASSERT_EQUAL(c.levels, 0); /* in cache: dense bulk, no blocking */
    CU_ASSERT_EQUAL(a.levels, 5);
}

static const test_case_t cases[] = {
    {"threads: fewer on small grids, the default team", test_threads},
    {"dense in cache, temporal blocking beyond", test_dense_or_tblock},
    {"skip_stable on, off, auto", test_skip_stable},
    {"kernel sets, lane-strided rows, streaming stores", test_kernels_and_order},
    {"the plan depends on its arguments only", test_pure},
    {NULL, NULL},
};
CORUN_TEST_SUITE(omp_plan, cases)
