/* test_omp_vs_serial.c — the omp backend must equal the serial oracle bit
 * for bit (hash and population) on every size, boundary, rule, thread count
 * and mode (dense, temporal blocking, change tracking), and when stepped in
 * uneven chunks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "corun/life.h"
#include "life/omp_int.h"
#include "testlib.h"

/* The tuning compare() and mode_of() pass to the omp backend
 * (params.omp_tuning). Every test runs with this base unless it sets its own
 * on top: one word per thread is enough to use both threads even on a 1x1
 * grid. */
static corun_life_omp_tuning_t cur_tuning = {.words_per_thread = 1};

static void set_base_tuning(const corun_life_omp_tuning_t *tu) {
    corun_life_omp_tuning_t base = {0};
    if (tu) base = *tu;
    base.words_per_thread = 1;
    cur_tuning = base;
}

typedef struct run_cfg {
    int64_t w, h;
    corun_life_boundary_t b;
    const char *rule;
    int threads;
    corun_life_skip_t skip;
    uint64_t seed;
    double density;
} run_cfg_t;

/* Steps a copy of `init` with backend `be`, in the chunks listed (0-ended),
 * and returns the final grid in out (caller closes). */
static int run_backend(const corun_life_backend_t *be, const corun_life_cells_t *init,
                       const corun_life_params_t *p, const int *chunks, corun_life_cells_t *out,
                       const char **mode) {
    corun_err_t err = {0};
    test_life_t t;
    int rc = test_life_open(&t, be, init, p, &err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc) {
        fprintf(stderr, "open: %s\n", err.msg);
        return rc;
    }
    for (int i = 0; chunks[i] && !rc; i++) rc = be->step(t.st, chunks[i], NULL, &err);
    CU_ASSERT_EQUAL(rc, 0);
    if (!rc) rc = corun_life_cells_init(out, init->width, init->height, &err);
    if (!rc) rc = test_life_read(&t, out, &err);
    CU_ASSERT_EQUAL(rc, 0);
    static char desc[64];
    snprintf(desc, sizeof desc, "%s", test_life_mode(&t));
    if (mode) *mode = desc;
    test_life_close(&t);
    return rc;
}

static int compare(const run_cfg_t *c, const int *serial_chunks, const int *omp_chunks) {
    corun_life_cells_t init, a = {0}, b = {0};
    corun_life_params_t p = {0};
    CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse(c->rule, &p.rule, NULL), 0);
    p.boundary = c->b;
    p.threads = c->threads;
    p.skip_stable = c->skip;
    p.omp_tuning = &cur_tuning;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&init, c->w, c->h, NULL), 0);
    corun_life_cells_fill_random(&init, c->density, c->seed);
    const char *mode = "";
    /* The oracle is slow and does not depend on threads or skip mode: reuse
     * its last answer when only those changed. */
    static run_cfg_t last;
    static const int *last_chunks;
    static uint64_t last_hash;
    static int64_t last_pop;
    static int have_last;
    run_cfg_t key = *c;
    int rc = 0;
    int hit = have_last && last_chunks == serial_chunks && last.w == c->w && last.h == c->h &&
              last.b == c->b && !strcmp(last.rule, c->rule) && last.seed == c->seed &&
              last.density == c->density;
    if (!hit) {
        have_last = 0;
        rc = run_backend(&corun_life_backend_serial, &init, &p, serial_chunks, &a, NULL);
        if (!rc) {
            last = key;
            last_chunks = serial_chunks;
            last_hash = corun_life_cells_hash(&a);
            last_pop = corun_life_cells_population(&a);
            have_last = 1;
        }
    }
    if (!rc) rc = run_backend(&corun_life_backend_omp, &init, &p, omp_chunks, &b, &mode);
    int same = !rc && last_hash == corun_life_cells_hash(&b) &&
               last_pop == corun_life_cells_population(&b);
    if (!same)
        fprintf(stderr,
                "\nMISMATCH %lldx%lld %s %s threads=%d skip=%d seed=%llu mode=%s "
                "pop serial=%lld omp=%lld\n",
                (long long)c->w, (long long)c->h, corun_life_boundary_name(c->b), c->rule,
                c->threads, (int)c->skip, (unsigned long long)c->seed, mode,
                (long long)last_pop,
                (long long)corun_life_cells_population(&b));
    CU_ASSERT_TRUE(same);
    corun_life_cells_close(&init);
    corun_life_cells_close(&a);
    corun_life_cells_close(&b);
    return same;
}

static const char *const rules[] = {"B3/S23", "B36/S23", "B3678/S34678", "B2/S", "B0/S8",
                                    "B1/S1"};
#define NRULES ((int)(sizeof rules / sizeof *rules))

static const int64_t sizes[][2] = {{1, 1},   {1, 7},    {7, 1},    {2, 2},    {2, 3},
                                   {3, 2},   {63, 65},  {64, 64},  {65, 130}, {200, 3},
                                   {3, 200}, {127, 129}, {128, 5}, {129, 1}};
#define NSIZES ((int)(sizeof sizes / sizeof *sizes))

/* Every listed size x both boundaries x every rule, each with threads 1 and
 * 2, skip on for one and off for the other (alternating by rule, so every
 * size meets all four pairs), 100 generations. */
static void test_sizes_rules(void) {
    set_base_tuning(NULL);
    static const int chunks[] = {100, 0};
    int failures = 0;
    for (int si = 0; si < NSIZES; si++)
        for (int b = 0; b < 2; b++)
            for (int ri = 0; ri < NRULES; ri++)
                for (int k = 0; k < 2; k++) {
                        /* (threads, skip): (1,off),(2,on) or (1,on),(2,off) by rule. */
                        int t = 1 + k, sk = (k + ri) & 1;
                        run_cfg_t c = {sizes[si][0], sizes[si][1],
                                       b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS,
                                       rules[ri], t,
                                       sk ? CORUN_LIFE_SKIP_ON : CORUN_LIFE_SKIP_OFF,
                                       (uint64_t)(si * 131 + ri * 7 + b), 0.4};
                        if (!compare(&c, chunks, chunks) && ++failures > 5) return;
                    }
}

/* Random sizes, rules and modes; deterministic seeds. */
static void test_random_sizes(void) {
    set_base_tuning(NULL);
    static const int chunks[] = {120, 0};
    int failures = 0;
    for (int i = 0; i < 40; i++) {
        uint64_t r = corun_rng_u64(2024, (uint64_t)i);
        run_cfg_t c = {1 + (int64_t)(r % 300), 1 + (int64_t)((r >> 16) % 150),
                       (r >> 32) & 1 ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS,
                       rules[(r >> 33) % NRULES], 1 + (int)((r >> 40) & 1),
                       (r >> 41) & 1 ? CORUN_LIFE_SKIP_ON : CORUN_LIFE_SKIP_OFF, r,
                       0.2 + 0.6 * (double)((r >> 44) & 15) / 15.0};
        if (!compare(&c, chunks, chunks) && ++failures > 5) return;
    }
}

/* step(3), step(1), ... must equal one big step, in every mode. */
static void test_uneven_chunks(void) {
    set_base_tuning(NULL);
    static const int one[] = {137, 0};
    static const int uneven[] = {3, 1, 1, 2, 17, 1, 50, 5, 1, 56, 0};
    for (int sk = 0; sk < 2; sk++)
        for (int b = 0; b < 2; b++)
            for (int t = 1; t <= 2; t++) {
                run_cfg_t c = {97, 83, b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS, "B3/S23", t,
                               sk ? CORUN_LIFE_SKIP_ON : CORUN_LIFE_SKIP_OFF, 99, 0.5};
                compare(&c, one, uneven);
                c.rule = "B0/S8";
                compare(&c, one, uneven);
            }
}

/* Change tracking on a soup that settles: most tiles get skipped, and the
 * result must still match (many generations, small tiles, 512x512 = auto). */
static void test_tiles_settled_soup(void) {
    static const int chunks[] = {700, 0};
    static const int uneven[] = {1, 1, 1, 300, 2, 395, 0};
    corun_life_omp_tuning_t tu = {0};
    tu.tile_rows = 8;
    set_base_tuning(&tu);
    for (int b = 0; b < 2; b++) {
        run_cfg_t c = {130, 140, b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS, "B3/S23", 2,
                       CORUN_LIFE_SKIP_ON, 5, 0.5};
        compare(&c, chunks, uneven);
        c.rule = "B36/S23";
        c.threads = 1;
        compare(&c, chunks, chunks);
    }
    set_base_tuning(NULL);
    run_cfg_t c = {512, 512, CORUN_LIFE_TORUS, "B3/S23", 2, CORUN_LIFE_SKIP_AUTO, 6, 0.5};
    static const int short_run[] = {150, 0};
    compare(&c, short_run, short_run);
}

/* Change tracking recomputes a tile only if it or a neighbour's facing edge
 * changed (omp_tiles.c, change maps): small tiles on sparse soups, whose
 * gliders and debris cross tile edges and corners in every direction, on
 * both boundaries; bitmap rows of more than one word (over 64 tiles across),
 * a last tile narrower than the others, a last word of 1 or 5 cells, tiles
 * one row high. */
static void test_tiles_edges(void) {
    static const int chunks[] = {260, 0};
    static const int uneven[] = {1, 2, 3, 120, 1, 133, 0};
    static const int64_t shapes[][4] = {/* w, h, tile words, tile rows */
                                        {4485, 23, 1, 4}, {4417, 30, 2, 3}, {300, 96, 1, 1},
                                        {129, 77, 1, 8},  {64, 64, 1, 5},   {70, 9, 2, 2}};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        corun_life_omp_tuning_t tu = {0};
        tu.tile_words = (int)shapes[i][2];
        tu.tile_rows = (int)shapes[i][3];
        set_base_tuning(&tu);
        for (int b = 0; b < 2; b++) {
            run_cfg_t c = {shapes[i][0], shapes[i][1], b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS,
                           b ? "B36/S23" : "B3/S23", 1 + (int)(i & 1), CORUN_LIFE_SKIP_ON,
                           40 + (uint64_t)i, 0.3};
            compare(&c, chunks, i & 1 ? uneven : chunks);
        }
    }
    set_base_tuning(NULL);
}

/* The omp backend's mode for a w x h B3/S23 torus (a static buffer). */
static const char *mode_of(int64_t w, int64_t h, int threads, corun_life_skip_t skip) {
    static char desc[64];
    corun_life_cells_t g;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&g, w, h, NULL), 0);
    corun_life_params_t p = {.rule = CORUN_LIFE_RULE_CONWAY, .boundary = CORUN_LIFE_TORUS,
                             .threads = threads, .skip_stable = skip, .device = -1,
                             .omp_tuning = &cur_tuning};
    test_life_t t;
    CU_ASSERT_EQUAL_FATAL(test_life_open(&t, &corun_life_backend_omp, &g, &p, NULL), 0);
    snprintf(desc, sizeof desc, "%s", test_life_mode(&t));
    test_life_close(&t);
    corun_life_cells_close(&g);
    return desc;
}

/* The omp backend's mode for a w x h grid contains `want`. */
static void assert_mode(int64_t w, int64_t h, int threads, corun_life_skip_t skip,
                        const char *want) {
    CU_ASSERT_PTR_NOT_NULL(strstr(mode_of(w, h, threads, skip), want));
}

/* skip_stable=auto on a grid of at least 512 x 512: the backend steps
 * dense (in-cache grids; blocked when forced, on the torus here), probes
 * with change tracking every 256 generations and switches between the two
 * as the soup settles; uneven chunks put probes at odd places (a probe cut
 * after 1 or 2 generations finishes in the next call). */
static void test_adaptive_switch(void) {
    /* 2600 generations see the soup settle (switches both ways); Debug and
     * sanitizer builds, ~50x slower, run the first 600 (two probes, one cut
     * after a single generation) of the first two grids (torus blocked,
     * dead dense). */
    const int full = !strcmp(CORUN_BUILD_TYPE, "Release") && !CORUN_SANITIZERS[0];
    static const int long_chunks[] = {2600, 0}, short_chunks[] = {600, 0};
    static const int long_uneven[] = {256, 1, 2, 250, 6, 1, 300, 1, 1, 700, 3, 255, 2, 1, 821, 0};
    static const int short_uneven[] = {256, 1, 2, 250, 6, 85, 0};
    const int *chunks = full ? long_chunks : short_chunks;
    const int *uneven = full ? long_uneven : short_uneven;
    /* A 520x512 soup still needs 40 % of its tiles at generation 2600, above
     * the default thresholds: these make it switch within the run. The torus
     * blocked, the dead grid dense; widths of whole vectors step their bulk
     * in the lane-strided order and convert at each switch (AVX-512). */
    static const struct {
        int64_t w, h;
        corun_life_boundary_t b;
        const char *rule;
        int blocked;
    } cfg[] = {{520, 512, CORUN_LIFE_TORUS, "B3/S23", 1},
               {520, 512, CORUN_LIFE_DEAD, "B36/S23", 0},
               {512, 520, CORUN_LIFE_TORUS, "B3/S23", 0},
               {1024, 512, CORUN_LIFE_TORUS, "B3/S23", 1}};
    for (size_t i = 0; i < (full ? sizeof cfg / sizeof *cfg : 2); i++) {
        corun_life_omp_tuning_t tu = {0};
        tu.tiles_enter = 0.5;
        tu.tiles_leave = 0.55;
        tu.tblock_bytes = cfg[i].blocked;
        set_base_tuning(&tu);
        run_cfg_t c = {cfg[i].w, cfg[i].h, cfg[i].b, cfg[i].rule, 2, CORUN_LIFE_SKIP_AUTO,
                       11 + (uint64_t)i, 0.5};
        compare(&c, chunks, i & 1 ? chunks : uneven);
        compare(&c, chunks, i & 1 ? uneven : chunks);
    }
    set_base_tuning(NULL);
    assert_mode(520, 512, 2, CORUN_LIFE_SKIP_AUTO, "dense+tiles");
    if (corun_life_omp_kernels(NULL)->perm)
        assert_mode(512, 520, 2, CORUN_LIFE_SKIP_AUTO, "dense+tiles-avx512-strided");
    corun_life_omp_tuning_t tu = {0};
    tu.tblock_bytes = 1;
    set_base_tuning(&tu);
    assert_mode(520, 512, 2, CORUN_LIFE_SKIP_AUTO, "tblock+tiles");
    set_base_tuning(NULL);
}

/* Temporal blocking, forced on small grids with small bands so that bands,
 * levels, torus wrap of the halo and the dead edge are all exercised. */
static void test_temporal_blocking(void) {
    static const int chunks[] = {100, 0};
    static const int uneven[] = {7, 1, 30, 62, 0};
    static const int bands[][2] = {{4, 1}, {5, 3}, {8, 4}, {13, 8}, {64, 8}};
    for (size_t i = 0; i < sizeof bands / sizeof *bands; i++) {
        corun_life_omp_tuning_t tu = {0};
        tu.tblock_bytes = 1;
        tu.band_rows = bands[i][0];
        tu.levels = bands[i][1];
        set_base_tuning(&tu);
        for (int b = 0; b < 2; b++)
            for (int t = 1; t <= 2; t++) {
                run_cfg_t c = {150, 61, b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS,
                               rules[(i + (size_t)b) % NRULES], t, CORUN_LIFE_SKIP_OFF,
                               (uint64_t)(i * 10 + (size_t)b), 0.45};
                compare(&c, chunks, uneven);
                c.w = 64;
                c.h = 3; /* band and halo taller than the grid */
                compare(&c, chunks, chunks);
            }
    }
    /* B3/S23 on rows of whole 512-cell vectors: the last level's streaming
     * stores (full vectors; a partial one is stored as usual), on strips
     * (1100, 4160 = 65 words) and on 2048-wide torus rows (the ring kernel),
     * with the next band prefetched (several bands per thread). */
    static const int wide[] = {1100, 2048, 4160};
    for (size_t i = 0; i < sizeof wide / sizeof *wide; i++) {
        corun_life_omp_tuning_t tu = {0};
        tu.tblock_bytes = 1;
        tu.band_rows = 6;
        tu.levels = 4;
        set_base_tuning(&tu);
        for (int b = 0; b < 2; b++) {
            run_cfg_t c = {wide[i], 37, b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS, "B3/S23", 2,
                           CORUN_LIFE_SKIP_OFF, 70 + (uint64_t)(2 * i) + (uint64_t)b, 0.5};
            compare(&c, chunks, uneven);
        }
    }
    /* Make sure the knob really selected temporal blocking. */
    assert_mode(70, 40, 1, CORUN_LIFE_SKIP_OFF, "tblock");
    set_base_tuning(NULL);
}

/* Every SIMD path this CPU runs gives the same bits. */
static void test_simd_paths(void) {
    static const char *paths[] = {"portable", "avx2", "avx512", "avx512-autovec"};
    static const int chunks[] = {100, 0};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        corun_life_omp_tuning_t tu = {0};
        tu.simd = paths[i];
        set_base_tuning(&tu);
        for (int ri = 0; ri < NRULES; ri++) {
            run_cfg_t c = {300, 70, ri & 1 ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS, rules[ri], 2,
                           ri & 2 ? CORUN_LIFE_SKIP_ON : CORUN_LIFE_SKIP_OFF,
                           (uint64_t)ri + 40, 0.5};
            compare(&c, chunks, chunks);
        }
    }
    set_base_tuning(NULL);
    const char *s = corun_life_omp_simd();
    CU_ASSERT_TRUE(!strcmp(s, "avx512") || !strcmp(s, "avx2") || !strcmp(s, "portable"));
}

/* Wide rows: the AVX-512 kernel walks strips of 1 to 4 vectors (8 to 32
 * words) with masked tails, and a row of more than 32 words takes several
 * strips; both ends of the row wrap (a torus row of 1-4 full vectors as one
 * ring). These widths cover each strip shape,
 * both boundaries, dense and tiles (whose word ranges start mid-row). */
static void test_wide_rows(void) {
    /* 512 .. 2048: whole-row "ring" strips of full words (cw_ring); 1 .. 5
     * words: the AVX2 kernel's first and last vectors (4 words) alone,
     * together and overlapping. */
    static const int64_t widths[] = {512, 577, 1000, 1024, 1472, 1536, 2048, 2111, 4097,
                                     1,   63,  64,   65,   200,  256,  257,  320};
    static const char *paths[] = {"", "avx2"}; /* the fastest: avx512 here */
    static const int chunks[] = {60, 0};
    for (size_t p = 0; p < sizeof paths / sizeof *paths; p++) {
        corun_life_omp_tuning_t tu = {0};
        tu.simd = paths[p];
        set_base_tuning(&tu);
        for (size_t i = 0; i < sizeof widths / sizeof *widths; i++)
            for (int v = 0; v < 4; v++) {
                run_cfg_t c = {widths[i], 37 + (int64_t)i, v & 1 ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS,
                               "B3/S23", 1 + (v >> 1),
                               v & 2 ? CORUN_LIFE_SKIP_ON : CORUN_LIFE_SKIP_OFF,
                               (uint64_t)(100 + i), 0.45};
                compare(&c, chunks, chunks);
            }
    }
    set_base_tuning(NULL);
}

/* Lane-strided rows (omp_int.h): B3/S23 on a torus whose width is a
 * multiple of 512, dense and blocked, with its streaming last level. Rows
 * of 1 to 9 vectors: whole-row rings of 1 to 4, strips of 4+1 and 4+4+1
 * (both row ends rotate lanes); heights down to 1, where a row is its own
 * neighbour above and below; 1 and 2 threads; uneven chunks. test_mpi_life
 * checks the conversions of read_rows and write_rows. */
static void test_lane_strided(void) {
    static const int64_t widths[] = {512, 1024, 1536, 2048, 2560, 4608};
    static const int64_t heights[] = {1, 2, 5, 37};
    static const int chunks[] = {40, 0};
    static const int uneven[] = {3, 1, 17, 19, 0};
    for (int blocked = 0; blocked < 2; blocked++) {
        corun_life_omp_tuning_t tu = {0};
        if (blocked) {
            tu.tblock_bytes = 1;
            tu.band_rows = 6;
            tu.levels = 3;
        }
        set_base_tuning(&tu);
        for (size_t i = 0; i < sizeof widths / sizeof *widths; i++)
            for (size_t k = 0; k < sizeof heights / sizeof *heights; k++) {
                run_cfg_t c = {widths[i], heights[k], CORUN_LIFE_TORUS, "B3/S23",
                               1 + (int)((i + k) & 1), CORUN_LIFE_SKIP_OFF,
                               200 + 10 * (uint64_t)i + (uint64_t)k, 0.5};
                compare(&c, chunks, blocked ? uneven : chunks);
            }
    }
    /* Taken where the CPU has the kernel (AVX-512); only for whole vectors
     * on a torus, not with change tracking; perm_off turns it off. */
    set_base_tuning(NULL);
    const int has = corun_life_omp_kernels(NULL)->perm != NULL;
    CU_ASSERT_EQUAL(strstr(mode_of(1024, 8, 1, CORUN_LIFE_SKIP_OFF), "-strided") != NULL, has);
    CU_ASSERT_PTR_NULL(strstr(mode_of(1088, 8, 1, CORUN_LIFE_SKIP_OFF), "-strided"));
    CU_ASSERT_PTR_NULL(strstr(mode_of(1024, 8, 1, CORUN_LIFE_SKIP_ON), "-strided"));
    corun_life_omp_tuning_t off = {0};
    off.perm_off = 1;
    set_base_tuning(&off);
    CU_ASSERT_PTR_NULL(strstr(mode_of(1024, 8, 1, CORUN_LIFE_SKIP_OFF), "-strided"));
    set_base_tuning(NULL);
}

/* Padding bits stay dead under B0 (every dead cell with 0 neighbours is
 * born): a width just over a word boundary, read back after odd and even
 * generation counts. */
static void test_b0_padding(void) {
    set_base_tuning(NULL);
    for (int n = 1; n <= 4; n++) {
        int chunks[] = {n, 0};
        for (int b = 0; b < 2; b++) {
            run_cfg_t c = {65, 9, b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS, "B0/S8", 1,
                           CORUN_LIFE_SKIP_OFF, 3, 0.0};
            compare(&c, chunks, chunks);
            c.skip = CORUN_LIFE_SKIP_ON;
            compare(&c, chunks, chunks);
        }
    }
}

static const test_case_t cases[] = {
    {"listed sizes x boundaries x rules x threads x skip", test_sizes_rules},
    {"auto: blocked stepping and change tracking by turns", test_adaptive_switch},
    {"random sizes", test_random_sizes},
    {"uneven step chunks equal one step", test_uneven_chunks},
    {"change tracking on a settling soup", test_tiles_settled_soup},
    {"change tracking: tile edges and corners", test_tiles_edges},
    {"temporal blocking (forced)", test_temporal_blocking},
    {"every SIMD path gives the same bits", test_simd_paths},
    {"wide rows: every AVX-512 and AVX2 strip shape", test_wide_rows},
    {"B0 rules keep padding dead", test_b0_padding},
    {"lane-strided rows: dense and blocked", test_lane_strided},
    {NULL, NULL},
};
CORUN_TEST_SUITE(omp_vs_serial, cases)
