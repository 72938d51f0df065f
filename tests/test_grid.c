/* test_grid.c — the packed grid's kernels against the byte grid's
 * definitions: random fill cell by cell, FNV-1a over bytes, population; on
 * many shapes (every width 1..130, tall and flat grids, widths with full and
 * partial last words), every SIMD level this CPU runs and several splits
 * into threads. Also the hash maps' composition, padding that must never
 * count, pack/unpack and the word allocator. */
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "corun/life.h"
#include "life/grid_int.h"
#include "testlib.h"

static const double densities[] = {0.0, 1.0, 0.3, 0.5, 0.9};
static const uint64_t seeds[] = {1, UINT64_C(0xdeadbeefcafe)};

/* Shapes beyond the 1..130 widths: tall, flat, several full words a row
 * (so the hash's four lockstep runs and their leftovers all occur). */
static const int64_t shapes[][2] = {{3, 1000}, {1000, 3}, {257, 263}, {64, 64}, {128, 3},
                                    {192, 5},  {320, 4},  {4096, 3}, {3000, 7}, {577, 2}};
#define NSHAPES (int)(sizeof shapes / sizeof shapes[0])

/* Size i of the test list: widths 1..130 at height 5, then the shapes. */
#define NSIZES (130 + NSHAPES)
static void size_at(int i, int64_t *w, int64_t *h) {
    if (i < 130) {
        *w = i + 1;
        *h = 5;
    } else {
        *w = shapes[i - 130][0];
        *h = shapes[i - 130][1];
    }
}

static int grids_equal_cells(const corun_life_grid_t *g, const corun_life_cells_t *c) {
    for (int64_t y = 0; y < c->height; y++) {
        const uint64_t *row = corun_life_grid_row(g, y);
        for (int64_t x = 0; x < c->width; x++)
            if (corun_life_grid_get(g, x, y) != c->cells[y * c->width + x]) return 0;
        if (row[g->wpr - 1] & ~grid_last_mask(g->width)) return 0; /* padding bits */
        for (int64_t j = g->wpr; j < g->stride; j++)
            if (row[j]) return 0; /* padding words */
    }
    return 1;
}

static void test_words_alloc(void) {
    const size_t sizes[] = {0, 1, 7, 100, 4096, (1u << 17) - 1, 1u << 17, (1u << 20) + 3};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        uint64_t *p = corun_life_words_alloc(n);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        CU_ASSERT_EQUAL((uintptr_t)p % 64, 0);
        size_t nonzero = 0;
        for (size_t j = 0; j < n; j++) nonzero += p[j] != 0;
        CU_ASSERT_EQUAL(nonzero, 0);
        for (size_t j = 0; j < n; j++) p[j] = ~(uint64_t)j; /* all of it is writable */
        corun_life_words_free(p, n);
    }
    corun_life_words_free(NULL, 10);
    /* A fresh block after a dirtied one of the same size is zero again. */
    uint64_t *p = corun_life_words_alloc(1000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    memset(p, 0xff, 8000);
    corun_life_words_free(p, 1000);
    p = corun_life_words_alloc(1000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    size_t nonzero = 0;
    for (size_t j = 0; j < 1000; j++) nonzero += p[j] != 0;
    CU_ASSERT_EQUAL(nonzero, 0);
    corun_life_words_free(p, 1000);
}

static void test_grid_init_zero(void) {
    corun_life_grid_t g;
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&g, 70000, 40, NULL), 0); /* mapped, not heap */
    CU_ASSERT_EQUAL(g.wpr, 1094);
    CU_ASSERT_EQUAL(g.stride, corun_life_grid_stride(70000));
    CU_ASSERT_EQUAL((uintptr_t)g.words % 64, 0);
    CU_ASSERT_EQUAL(corun_life_grid_population(&g, 2), 0);
    corun_life_grid_close(&g);
    CU_ASSERT_PTR_NULL(g.words);
    corun_err_t err = {0};
    CU_ASSERT_NOT_EQUAL(corun_life_grid_init(&g, 0, 5, &err), 0);
}

/* Packed fill == the per-cell definition, for every size, seed, density,
 * row0, split and level. */
static void test_fill_matches_cells(void) {
    const int top = grid_fill_level();
    int bad = 0, runs = 0;
    for (int si = 0; si < NSIZES; si++) {
        int64_t w, h;
        size_at(si, &w, &h);
        corun_life_cells_t ref;
        corun_life_grid_t g;
        CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&ref, w, h, NULL), 0);
        CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&g, w, h, NULL), 0);
        for (size_t di = 0; di < sizeof densities / sizeof densities[0]; di++)
            for (size_t ki = 0; ki < 2; ki++)
                for (int64_t row0 = 0; row0 <= 17; row0 += 17) {
                    corun_life_cells_fill_random_rows(&ref, densities[di], seeds[ki], row0);
                    for (int level = 0; level <= top; level++)
                        for (int parts = 1; parts <= 3; parts++) {
                            /* Start from all ones: the fill must write every
                             * cell and clear every padding bit and word. */
                            memset(g.words, 0xff, (size_t)(g.stride * g.height) * 8);
                            /* Real threads on some sizes only: a team per
                             * call is slow on a busy machine. */
                            int threads = si % 8 == 0 ? parts : 1;
                            grid_fill_parts(&g, densities[di], seeds[ki], row0, parts, threads,
                                            level);
                            runs++;
                            if (!grids_equal_cells(&g, &ref)) {
                                if (bad++ < 5)
                                    fprintf(stderr, "fill %lldx%lld d=%g seed %zu row0 %lld level %d parts %d differs\n",
                                            (long long)w, (long long)h, densities[di], ki,
                                            (long long)row0, level, parts);
                            }
                        }
                    /* The public call, threads 1..3 (0: the default). */
                    for (int t = 0; t <= 3; t++) {
                        memset(g.words, 0xff, (size_t)(g.stride * g.height) * 8);
                        corun_life_grid_fill_random(&g, densities[di], seeds[ki], row0, t);
                        bad += !grids_equal_cells(&g, &ref);
                    }
                }
        corun_life_grid_close(&g);
        corun_life_cells_close(&ref);
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(runs > 10000);
}

/* Filling a slab of rows with row0 = its first row gives the whole grid's
 * rows: how MPI ranks fill their slabs. */
static void test_fill_slab_rows(void) {
    corun_life_grid_t g, s;
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&g, 333, 50, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&s, 333, 50, NULL), 0);
    corun_life_grid_fill_random(&g, 0.4, 99, 0, 2);
    const int64_t cuts[] = {0, 1, 17, 18, 49, 50};
    for (int i = 0; i + 1 < 6; i++) {
        corun_life_grid_t v = corun_life_grid_rows(&s, cuts[i], cuts[i + 1] - cuts[i]);
        corun_life_grid_fill_random(&v, 0.4, 99, cuts[i], i % 3 + 1);
    }
    CU_ASSERT_EQUAL(memcmp(g.words, s.words, (size_t)(g.stride * g.height) * 8), 0);
    corun_life_grid_close(&s);
    corun_life_grid_close(&g);
}

/* Packed hash == bytewise FNV-1a, population == byte count, for every size
 * and split; also with padding bits and words set on purpose. */
static void test_hash_and_population(void) {
    const int ptop = grid_population_level(), htop = grid_hash_level();
    int bad_hash = 0, bad_pop = 0, bad_pad = 0;
    for (int si = 0; si < NSIZES; si++) {
        int64_t w, h;
        size_at(si, &w, &h);
        corun_life_cells_t c;
        corun_life_grid_t g, dirty;
        CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&c, w, h, NULL), 0);
        CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&g, w, h, NULL), 0);
        CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&dirty, w, h, NULL), 0);
        for (size_t di = 0; di < sizeof densities / sizeof densities[0]; di++) {
            corun_life_cells_fill_random_rows(&c, densities[di], 7 + (uint64_t)si, 0);
            corun_life_cells_pack(&c, &g);
            const uint64_t want = corun_life_cells_hash(&c);
            const int64_t pop = corun_life_cells_population(&c);
            /* A copy with every padding bit and padding word set. */
            memcpy(dirty.words, g.words, (size_t)(g.stride * g.height) * 8);
            for (int64_t y = 0; y < h; y++) {
                uint64_t *row = corun_life_grid_row(&dirty, y);
                row[dirty.wpr - 1] |= ~grid_last_mask(w);
                for (int64_t j = dirty.wpr; j < dirty.stride; j++) row[j] = ~(uint64_t)j;
            }
            for (int parts = 1; parts <= 5; parts++) {
                int threads = si % 8 == 0 ? parts : 1;
                for (int level = 0; level <= htop; level++) {
                    corun_life_fnv_map_t m = grid_hash_map_parts(&g, parts, threads, level);
                    bad_hash += corun_life_fnv_apply(m, CORUN_FNV1A64_INIT) != want;
                    m = grid_hash_map_parts(&dirty, parts, threads, level);
                    bad_pad += corun_life_fnv_apply(m, CORUN_FNV1A64_INIT) != want;
                }
                for (int level = 0; level <= ptop; level++) {
                    bad_pop += grid_population_parts(&g, parts, threads, level) != pop;
                    bad_pad += grid_population_parts(&dirty, parts, threads, level) != pop;
                }
            }
            for (int t = 0; t <= 3; t++) {
                bad_hash += corun_life_grid_hash(&g, t) != want;
                bad_pad += corun_life_grid_hash(&dirty, t) != want;
                bad_pop += corun_life_grid_population(&g, t) != pop;
                bad_pad += corun_life_grid_population(&dirty, t) != pop;
            }
            if ((bad_hash || bad_pop || bad_pad) && si < NSIZES)
                fprintf(stderr, "hash/population %lldx%lld d=%g: %d %d %d\n", (long long)w,
                        (long long)h, densities[di], bad_hash, bad_pop, bad_pad);
            if (bad_hash || bad_pop || bad_pad) si = NSIZES; /* one report is enough */
        }
        corun_life_grid_close(&dirty);
        corun_life_grid_close(&g);
        corun_life_cells_close(&c);
    }
    CU_ASSERT_EQUAL(bad_hash, 0);
    CU_ASSERT_EQUAL(bad_pop, 0);
    CU_ASSERT_EQUAL(bad_pad, 0);
}

/* The maps of consecutive row ranges composed in order are the whole
 * grid's map; composition is associative; the identity changes nothing. */
static void test_map_composition(void) {
    corun_life_grid_t g;
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&g, 257, 263, NULL), 0);
    corun_life_grid_fill_random(&g, 0.45, 5, 0, 2);
    const corun_life_fnv_map_t whole = corun_life_grid_hash_map(&g, 1);
    const int64_t cuts[] = {0, 1, 2, 50, 131, 262, 263};
    corun_life_fnv_map_t m = CORUN_LIFE_FNV_MAP_IDENTITY, piece[6];
    for (int i = 0; i < 6; i++) {
        corun_life_grid_t v = corun_life_grid_rows(&g, cuts[i], cuts[i + 1] - cuts[i]);
        piece[i] = corun_life_grid_hash_map(&v, i % 3 + 1);
        m = corun_life_fnv_compose(m, piece[i]);
    }
    CU_ASSERT_EQUAL(m.a, whole.a);
    CU_ASSERT_EQUAL(m.b, whole.b);
    CU_ASSERT_EQUAL(m.parity, whole.parity);
    CU_ASSERT_EQUAL(m.parity, (unsigned)(corun_life_grid_population(&g, 1) & 1));
    /* Associativity: ((0 1) 2) vs (0 (1 2)), applied to any start. */
    corun_life_fnv_map_t l = corun_life_fnv_compose(corun_life_fnv_compose(piece[0], piece[1]), piece[2]);
    corun_life_fnv_map_t r = corun_life_fnv_compose(piece[0], corun_life_fnv_compose(piece[1], piece[2]));
    CU_ASSERT(l.a == r.a && l.b == r.b && l.parity == r.parity);
    corun_life_fnv_map_t id = corun_life_fnv_compose(CORUN_LIFE_FNV_MAP_IDENTITY, whole);
    CU_ASSERT(id.a == whole.a && id.b == whole.b && id.parity == whole.parity);
    /* Applying the pieces one after another is applying the whole. */
    uint64_t h = CORUN_FNV1A64_INIT;
    for (int i = 0; i < 6; i++) h = corun_life_fnv_apply(piece[i], h);
    CU_ASSERT_EQUAL(h, corun_life_grid_hash(&g, 2));
    /* a is the FNV prime to the number of cells. */
    uint64_t a = 1;
    for (int64_t i = 0; i < 257 * 263; i++) a *= UINT64_C(0x100000001b3);
    CU_ASSERT_EQUAL(whole.a, a);
    corun_life_grid_close(&g);
}

/* A grid large enough that the public calls split it into several threads'
 * parts on their own. */
static void test_threads_split_large(void) {
    corun_life_cells_t c;
    corun_life_grid_t g, f;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&c, 2050, 700, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&g, 2050, 700, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&f, 2050, 700, NULL), 0);
    corun_life_cells_fill_random_rows(&c, 0.3, 123, 1000);
    corun_life_cells_pack(&c, &g);
    const uint64_t want = corun_life_cells_hash(&c);
    const int64_t pop = corun_life_cells_population(&c);
    for (int t = 1; t <= 3; t++) {
        CU_ASSERT_EQUAL(corun_life_grid_hash(&g, t), want);
        CU_ASSERT_EQUAL(corun_life_grid_population(&g, t), pop);
        corun_life_grid_fill_random(&f, 0.3, 123, 1000, t);
        CU_ASSERT_EQUAL(memcmp(f.words, g.words, (size_t)(g.stride * g.height) * 8), 0);
    }
    corun_life_grid_close(&f);
    corun_life_grid_close(&g);
    corun_life_cells_close(&c);
}

static void test_pack_unpack_round_trip(void) {
    for (int si = 0; si < NSIZES; si += 3) {
        int64_t w, h;
        size_at(si, &w, &h);
        corun_life_cells_t c, back;
        corun_life_grid_t g;
        CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&c, w, h, NULL), 0);
        CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&back, w, h, NULL), 0);
        CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&g, w, h, NULL), 0);
        corun_life_cells_fill_random_rows(&c, 0.5, 3, 0);
        /* pack writes every row's wpr words and nothing between rows (g may
         * be a caller's buffer whose gaps are not pack's to clear) */
        memset(g.words, 0xff, (size_t)(g.stride * g.height) * 8);
        corun_life_cells_pack(&c, &g);
        int gaps_kept = 1;
        for (int64_t y = 0; y < h; y++)
            for (int64_t j = g.wpr; j < g.stride; j++) {
                gaps_kept &= corun_life_grid_row(&g, y)[j] == ~(uint64_t)0;
                corun_life_grid_row(&g, y)[j] = 0;
            }
        CU_ASSERT(gaps_kept);
        CU_ASSERT(grids_equal_cells(&g, &c));
        corun_life_cells_unpack(&g, &back);
        CU_ASSERT_EQUAL(memcmp(c.cells, back.cells, (size_t)(w * h)), 0);
        corun_life_grid_close(&g);
        corun_life_cells_close(&back);
        corun_life_cells_close(&c);
    }
}

static void test_cpu_features(void) {
    unsigned f = corun_cpu_features();
    CU_ASSERT_EQUAL(f, corun_cpu_features()); /* stable */
    CU_ASSERT_EQUAL(f & CORUN_CPU_DETECTED, 0);
    CU_ASSERT(corun_cpu_has(0));
    /* Levels the kernels pick need what they claim. */
    if (grid_fill_level() == GRID_AVX512) CU_ASSERT(corun_cpu_has(CORUN_CPU_AVX512));
    if (grid_population_level() == GRID_AVX512)
        CU_ASSERT(corun_cpu_has(CORUN_CPU_AVX512_VPOPCNTDQ));
}

static const test_case_t cases[] = {{"words_alloc", test_words_alloc},
                                    {"grid_init_zero", test_grid_init_zero},
                                    {"cpu_features", test_cpu_features},
                                    {"fill_matches_cells", test_fill_matches_cells},
                                    {"fill_slab_rows", test_fill_slab_rows},
                                    {"hash_and_population", test_hash_and_population},
                                    {"map_composition", test_map_composition},
                                    {"threads_split_large", test_threads_split_large},
                                    {"pack_unpack_round_trip", test_pack_unpack_round_trip},
                                    {NULL, NULL}};
CORUN_TEST_SUITE(grid, cases)
