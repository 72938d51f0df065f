/* test_cuda_tiles.c — the cuda backend's change tracking (skip_stable on
 * and auto: the tiles kernel, kernels/life_cuda.cu) against the serial
 * oracle, bit for bit after every chunk of generations and population by
 * population: soups that settle (so most tiles are skipped), gliders
 * crossing tile edges, tile corners and the torus wrap next to blinkers and
 * blocks that straddle tile edges, odd sizes (a last tile one word wide, a
 * last tile row one row high, one tile in all), both boundaries, B/S rules
 * besides B3/S23, populations of every row and of a band, rows written from
 * outside mid-run (the force marks, also across the torus wrap), and auto's
 * switching between the dense and the tiles kernel. The stats say the
 * tiles kernel really ran and really skipped.
 *
 * Suite `cuda_tiles` runs them on the emulator (CORUN_CUDA=EMULATE builds;
 * skipped otherwise); test_cuda_gpu.c runs the same functions on a device.
 * Tiles are 512 x 16 cells, so grids here are a few tiles wide but few rows
 * high: the emulator steps about 5e7 cells a second. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "corun/cuda.h"
#include "corun/life.h"
#include "life/step_cuda.h"
#include "test_cuda.h"
#include "testlib.h"

#if CORUN_CUDA_BACKEND
/* The serial oracle and the cuda backend side by side from one start. */
typedef struct pair {
    void *sa, *sb;
    corun_life_grid_t ga, gb;
    int64_t w, h, stride;
    uint64_t *ra, *rb; /* get_rows buffers */
    int bad;           /* mismatches seen (reported once each) */
    const char *what;
} pair_t;

static void grid_copy(const corun_life_grid_t *src, corun_life_grid_t *dst) {
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(dst, src->width, src->height, NULL), 0);
    memcpy(dst->words, src->words, (size_t)(src->height * src->stride) * sizeof(uint64_t));
}

static void pair_open(pair_t *p, const corun_life_grid_t *init, const corun_life_params_t *par,
                     const char *what) {
    corun_err_t err = {0};
    memset(p, 0, sizeof *p);
    p->w = init->width;
    p->h = init->height;
    p->stride = init->wpr + 1; /* a host stride of neither wpr nor the grid's */
    p->what = what;
    grid_copy(init, &p->ga);
    grid_copy(init, &p->gb);
    p->ra = calloc((size_t)(p->h * p->stride), 8);
    p->rb = calloc((size_t)(p->h * p->stride), 8);
    CU_ASSERT_FATAL(p->ra && p->rb);
    CU_ASSERT_EQUAL_FATAL(corun_life_backend_serial.open(&p->sa, &p->ga, par, &err), 0);
    int rc = corun_life_backend_cuda.open(&p->sb, &p->gb, par, &err);
    if (rc) fprintf(stderr, "\n%s: %s\n", what, err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
}

/* Both grids now equal, row by row. */
static int pair_same(pair_t *p, int64_t gen) {
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(corun_life_backend_serial.get_rows(p->sa, 0, p->h, p->ra, p->stride, &err), 0);
    CU_ASSERT_EQUAL(corun_life_backend_cuda.get_rows(p->sb, 0, p->h, p->rb, p->stride, &err), 0);
    for (int64_t y = 0; y < p->h; y++)
        if (memcmp(p->ra + y * p->stride, p->rb + y * p->stride, (size_t)p->ga.wpr * 8)) {
            if (!p->bad++)
                fprintf(stderr, "\n%s: %lldx%lld: row %lld differs at generation %lld\n", p->what,
                        (long long)p->w, (long long)p->h, (long long)y, (long long)gen);
            return 0;
        }
    return 1;
}

/* n generations on both; counted: populations of each generation compared. */
static void pair_step(pair_t *p, int64_t n, int counted, int64_t gen) {
    corun_err_t err = {0};
    int64_t *pa = counted ? calloc((size_t)n, 8) : NULL, *pb = counted ? calloc((size_t)n, 8) : NULL;
    CU_ASSERT_FATAL(!counted || (pa && pb));
    CU_ASSERT_EQUAL(corun_life_backend_serial.step(p->sa, n, pa, &err), 0);
    int rc = corun_life_backend_cuda.step(p->sb, n, pb, &err);
    if (rc) fprintf(stderr, "\n%s: %s\n", p->what, err.msg);
    CU_ASSERT_EQUAL(rc, 0);
    if (counted)
        for (int64_t i = 0; i < n; i++)
            if (pa[i] != pb[i]) {
                if (!p->bad++)
                    fprintf(stderr, "\n%s: population at generation %lld: serial %lld cuda %lld\n",
                            p->what, (long long)(gen + i + 1), (long long)pa[i], (long long)pb[i]);
                CU_FAIL("population differs");
                break;
            }
    free(pa);
    free(pb);
}

static void pair_put(pair_t *p, int64_t y0, int64_t n, const uint64_t *words, int64_t stride) {
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(corun_life_backend_serial.put_rows(p->sa, y0, n, words, stride, &err), 0);
    CU_ASSERT_EQUAL(corun_life_backend_cuda.put_rows(p->sb, y0, n, words, stride, &err), 0);
}

static corun_life_cuda_stats_t pair_stats(pair_t *p) {
    corun_life_cuda_stats_t st;
    corun_life_cuda_stats(p->sb, &st);
    return st;
}

static void pair_close(pair_t *p) {
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(corun_life_backend_serial.close(p->sa, &err), 0);
    CU_ASSERT_EQUAL(corun_life_backend_cuda.close(p->sb, &err), 0);
    CU_ASSERT_EQUAL(corun_life_grid_hash(&p->ga, 1), corun_life_grid_hash(&p->gb, 1));
    CU_ASSERT_EQUAL(p->bad, 0);
    corun_life_grid_close(&p->ga);
    corun_life_grid_close(&p->gb);
    free(p->ra);
    free(p->rb);
}

/* Debug and sanitizer builds run the emulator and the oracle several times
 * slower: there each case runs a subset of its configurations (every
 * configuration still in Release builds, and on a device). */
static int quick(void) {
    return corun_cuda_build() == CORUN_CUDA_BUILD_EMULATED &&
           (strcmp(CORUN_BUILD_TYPE, "Release") || CORUN_SANITIZERS[0]);
}

static void params(corun_life_params_t *p, const char *rule, corun_life_boundary_t b,
                   corun_life_skip_t skip) {
    memset(p, 0, sizeof *p);
    CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse(rule, &p->rule, NULL), 0);
    p->boundary = b;
    p->skip_stable = skip;
    p->device = -1;
}

/* Steps through chunks (0-ended), comparing grids after each, and counting
 * populations in every other chunk. */
static void pair_run(pair_t *p, const int *chunks, int64_t *gen) {
    for (int i = 0; chunks[i]; i++) {
        pair_step(p, chunks[i], i & 1, *gen);
        *gen += chunks[i];
        pair_same(p, *gen);
    }
}

static void set_cell(corun_life_grid_t *g, int64_t x, int64_t y) {
    x = (x % g->width + g->width) % g->width;
    y = (y % g->height + g->height) % g->height;
    corun_life_grid_row(g, y)[x >> 6] |= 1ull << (x & 63);
}

/* A glider at (x, y) heading dx, dy (each +1 or -1). */
static void glider(corun_life_grid_t *g, int64_t x, int64_t y, int dx, int dy) {
    static const int c[5][2] = {{1, 0}, {2, 1}, {0, 2}, {1, 2}, {2, 2}}; /* heading +x, +y */
    for (int i = 0; i < 5; i++)
        set_cell(g, x + (dx > 0 ? c[i][0] : 2 - c[i][0]), y + (dy > 0 ? c[i][1] : 2 - c[i][1]));
}

/* A random soup of the given density in words x0..x1-1 of rows y0..y1-1
 * of g, the rest empty: a soup that settles within a few hundred
 * generations, leaving most tiles quiet. */
static void soup(corun_life_grid_t *g, double density, uint64_t seed, int64_t x0, int64_t x1,
                 int64_t y0, int64_t y1) {
    corun_life_grid_fill_random(g, density, seed, 0, 1);
    for (int64_t y = 0; y < g->height; y++)
        for (int64_t j = 0; j < g->wpr; j++)
            if (y < y0 || y >= y1 || j < x0 || j >= x1) corun_life_grid_row(g, y)[j] = 0;
}

/* pair_open() on a w x h grid holding soup() in box {x0, x1, y0, y1} (words,
 * rows; NULL: the whole grid). */
static void pair_soup(pair_t *p, const corun_life_params_t *par, int64_t w, int64_t h,
                      double density, uint64_t seed, const int64_t *box, const char *what) {
    corun_life_grid_t init;
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&init, w, h, NULL), 0);
    if (box) soup(&init, density, seed, box[0], box[1], box[2], box[3]);
    else corun_life_grid_fill_random(&init, density, seed, 0, 1);
    pair_open(p, &init, par, what);
    corun_life_grid_close(&init);
}

/* Soups that settle, compared after every chunk (uneven ones put the two
 * forced first generations into separate calls): a soup on the whole grid
 * (every tile busy for long), and soups in a patch of a wider grid that
 * settle to a few busy tiles, where the last chunk must have skipped most
 * tiles (a skip that recomputes everything is exact too, but fails there).
 * Several tiles across, a last tile narrower than the others and a last
 * tile row shorter; B3/S23 and B36/S23 (the generic kernel), both
 * boundaries. */
void cuda_tiles_settling(void) {
    static const int even[] = {100, 100, 100, 100, 0}, even_short[] = {100, 100, 0};
    static const int uneven[] = {1, 1, 3, 150, 2, 95, 48, 100, 0};
    static const int uneven_short[] = {1, 1, 3, 150, 45, 0};
    static const struct {
        int64_t w, h, box[4];         /* grid; the soup's words and rows */
        double settled;               /* most tiles the last chunk may recompute */
        const int *even, *uneven;
    } cfg[] = {{1030, 35, {0, 17, 0, 35}, 1.0, even_short, uneven_short},
               {1100, 50, {2, 6, 18, 34}, 0.4, even, uneven}};
    for (size_t ci = 0; ci < sizeof cfg / sizeof *cfg; ci++)
        for (int b = 0; b < 2; b++)
            for (int r = 0; r < 2; r++) {
                if (quick() && r != b) continue;
                corun_life_params_t par;
                params(&par, r ? "B36/S23" : "B3/S23", b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS,
                       CORUN_LIFE_SKIP_ON);
                pair_t p;
                int64_t gen = 0;
                pair_soup(&p, &par, cfg[ci].w, cfg[ci].h, 0.4, 7 + ci * 4 + (size_t)b * 2 + (size_t)r,
                          cfg[ci].box, "settling");
                const int *chunks = (b ^ r) ? cfg[ci].uneven : cfg[ci].even;
                corun_life_cuda_stats_t before = {0};
                for (int i = 0; chunks[i]; i++) {
                    before = pair_stats(&p);
                    pair_step(&p, chunks[i], i & 1, gen);
                    gen += chunks[i];
                    pair_same(&p, gen);
                }
                corun_life_cuda_stats_t st = pair_stats(&p);
                CU_ASSERT_EQUAL(st.tiles_gens, gen); /* all on the tiles kernel */
                CU_ASSERT_EQUAL(st.dense_gens, 0);
                CU_ASSERT_EQUAL(st.tiles, ((cfg[ci].w + 511) / 512) * ((cfg[ci].h + 15) / 16));
                const int64_t last = st.tiles_computed - before.tiles_computed;
                const int64_t all = st.tiles * (st.tiles_gens - before.tiles_gens);
                CU_ASSERT(last > 0);
                if ((double)last > cfg[ci].settled * (double)all)
                    fprintf(stderr, "\nsettling %lldx%lld: the last chunk recomputed %lld of %lld tiles\n",
                            (long long)cfg[ci].w, (long long)cfg[ci].h, (long long)last,
                            (long long)all);
                CU_ASSERT((double)last <= cfg[ci].settled * (double)all);
                pair_close(&p);
            }
}

/* One glider at a time on an otherwise quiet grid, heading across a tile
 * corner, the east row end, both wraps at (0, 0), the last row and a tile
 * column edge (into the dead edge on the dead boundary): the tiles it
 * enters must be woken by the edge and corner flags of the one it leaves,
 * and the torus's by the last tile's east column (a partial word) and the
 * first tile's west column. A blinker and a block straddle tile edges
 * (period 2 and still: skipped). Compared after every few generations. */
void cuda_tiles_gliders(void) {
    static const int chunks[] = {1, 2, 5, 9, 17, 31, 55, 0};
    /* 1030: tiles of 8, 8 and 1 words (6 cells); 40 rows: tile rows of
     * 16, 16 and 8. 520 x 17: a last tile row of one row. */
    static const int64_t sizes[][2] = {{1030, 40}, {520, 17}};
    for (size_t si = 0; si < (quick() ? 1 : sizeof sizes / sizeof *sizes); si++)
        for (int b = 0; b < 2; b++)
            for (int g = 0; g < 4; g++) {
                const int64_t W = sizes[si][0], H = sizes[si][1];
                corun_life_grid_t init;
                corun_life_params_t par;
                params(&par, "B3/S23", b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS, CORUN_LIFE_SKIP_ON);
                CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&init, W, H, NULL), 0);
                if (g == 0) glider(&init, 508, 12, 1, 1);      /* over the corner at (512, 16) */
                if (g == 1) glider(&init, W - 5, H / 2, 1, -1); /* east over the row end */
                if (g == 2) glider(&init, 2, 3, -1, -1);        /* over both wraps at (0, 0) */
                if (g == 3) glider(&init, 514, H - 4, -1, 1);   /* over the last row, then x = 512 */
                if (W > 1024) {
                    /* a blinker over the tile edge at x = 1024, a block on
                     * the corner of four tiles */
                    for (int i = 0; i < 3; i++) set_cell(&init, 1023 + i, 24);
                    for (int i = 0; i < 4; i++) set_cell(&init, 1023 + (i & 1), 31 + (i >> 1));
                }
                pair_t p;
                int64_t gen = 0;
                pair_open(&p, &init, &par, "gliders");
                pair_run(&p, chunks, &gen);
                corun_life_cuda_stats_t st = pair_stats(&p);
                CU_ASSERT(st.tiles_computed < st.tiles * gen * 3 / 4);
                pair_close(&p);
                corun_life_grid_close(&init);
            }
}

/* Odd sizes (down to one cell, one tile, a last word of 1 cell, 2 tile
 * rows of 16 and 1), sparse and dense soups, Life-like rules through the
 * generic kernel: B0 rules flip the background every generation (period
 * 2: skipped as such), B1/S1 and B2/S explode. */
void cuda_tiles_sizes_rules(void) {
    static const char *const rules[] = {"B3/S23", "B36/S23", "B3678/S34678", "B2/S", "B0/S8",
                                        "B1/S1"};
    static const int64_t sizes[][2] = {{1, 1}, {2, 3},  {63, 65},  {513, 17},
                                       {577, 9}, {1025, 20}, {64, 16}, {129, 33}};
    static const int chunks[] = {1, 1, 1, 30, 2, 25, 0};
    int failures = 0;
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
        for (int b = 0; b < 2; b++)
            for (size_t ri = 0; ri < sizeof rules / sizeof *rules; ri++) {
                if (quick() && (ri + si + (size_t)b) % 2) continue; /* half, every rule */
                corun_life_params_t par;
                params(&par, rules[ri], b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS, CORUN_LIFE_SKIP_ON);
                pair_t p;
                int64_t gen = 0;
                pair_soup(&p, &par, sizes[si][0], sizes[si][1], ri & 1 ? 0.15 : 0.4,
                          si * 31 + ri * 3 + (size_t)b, NULL, rules[ri]);
                pair_run(&p, chunks, &gen);
                failures += p.bad != 0;
                pair_close(&p);
                if (failures > 3) return;
            }
}

/* Populations per generation from the tiles kernel (changes added to each
 * buffer's count): every row and a band of rows whose edges cut tiles,
 * in calls of uneven length; and after a run without populations (the
 * counts are taken again). */
void cuda_tiles_counted(void) {
    for (int band = 0; band < 2; band++)
        for (int b = 0; b < 2; b++) {
            if (quick() && band != b) continue;
            corun_life_params_t par;
            params(&par, b ? "B36/S23" : "B3/S23", b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS,
                   CORUN_LIFE_SKIP_ON);
            if (band) {
                par.count_y0 = 9;
                par.count_y1 = 50;
            }
            pair_t p;
            int64_t gen = 0;
            pair_soup(&p, &par, 1060, 61, 0.35, 100 + (uint64_t)(band * 2 + b), NULL,
                      band ? "counted band" : "counted");
            static const int64_t steps[] = {1, 2, 57, 140, 3, 97};
            for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
                pair_step(&p, steps[i], i != 3, gen); /* chunk 3 uncounted */
                gen += steps[i];
            }
            pair_same(&p, gen);
            pair_close(&p);
        }
}

/* Rows written from outside mid-run, into tiles that are quiet (the soup
 * is in the first tile column, the writes in the third): gliders, a
 * blinker and a lone cell must act from the next generation on. The
 * written tile rows and their neighbours are forced for two generations:
 * writes at tile row edges need the neighbour row (across the wrap for rows
 * 0 and h-1 on a torus), and a lone cell, which dies, leaves t+1 equal to
 * t-1, so only the force makes the second generation remove it. Then the
 * whole grid read and written back unchanged; populations counted around
 * the writes. */
void cuda_tiles_put_rows(void) {
    for (int b = 0; b < (quick() ? 1 : 2); b++) {
        const int64_t W = 2100, H = 66;
        static const int64_t box[] = {1, 8, 8, 50};
        corun_life_grid_t patch;
        corun_life_params_t par;
        params(&par, "B3/S23", b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS, CORUN_LIFE_SKIP_ON);
        CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&patch, W, H, NULL), 0);
        pair_t p;
        int64_t gen = 0;
        pair_soup(&p, &par, W, H, 0.35, 77 + (uint64_t)b, box, "put_rows");
        pair_step(&p, 100, 0, gen);
        gen += 100;
        CU_ASSERT_TRUE(pair_same(&p, gen));
        const corun_life_cuda_stats_t before = pair_stats(&p);
        /* {first row, rows, x}: a glider heading north whose front row is
         * the band's first (rows 0 and 32: the first row of a tile row; 20:
         * inside one), a blinker's row in row h-1 (the last), a lone cell
         * in row 47 (a tile row's last) in a tile of its own */
        static const int64_t where[][3] = {
            {0, 4, 1100}, {47, 1, 1800}, {64, 2, 1190}, {32, 3, 1280}, {20, 5, 1370}};
        for (size_t k = 0; k < sizeof where / sizeof *where; k++) {
            const int64_t y0 = where[k][0], n = where[k][1], x = where[k][2];
            /* the current rows, with a pattern in a quiet column */
            CU_ASSERT_EQUAL(corun_life_backend_serial.get_rows(p.sa, 0, H, patch.words,
                                                               patch.stride, NULL), 0);
            corun_life_grid_t rows = corun_life_grid_rows(&patch, y0, n);
            for (int64_t y = 0; y < n; y++) corun_life_grid_row(&rows, y)[x >> 6] = 0;
            if (n >= 3) glider(&rows, x, 0, k & 1 ? 1 : -1, -1);
            else if (n == 2) for (int i = 0; i < 3; i++) set_cell(&rows, x + i, 1);
            else set_cell(&rows, x, 0);
            pair_put(&p, y0, n, rows.words, rows.stride);
            /* 1 or 2 generations, inside the force (a lone cell left alone
             * by the second would come back every other generation) */
            pair_step(&p, 1 + (int64_t)(k & 1), 1, gen);
            gen += 1 + (int64_t)(k & 1);
            CU_ASSERT_TRUE(pair_same(&p, gen));
            pair_step(&p, 30, k & 1, gen);
            gen += 30;
            CU_ASSERT_TRUE(pair_same(&p, gen));
        }
        /* the whole grid round trip, then counted steps */
        CU_ASSERT_EQUAL(corun_life_backend_cuda.get_rows(p.sb, 0, H, patch.words, patch.stride,
                                                        NULL), 0);
        pair_put(&p, 0, H, patch.words, patch.stride);
        pair_step(&p, 30, 1, gen);
        gen += 30;
        CU_ASSERT_TRUE(pair_same(&p, gen));
        const corun_life_cuda_stats_t after = pair_stats(&p);
        CU_ASSERT_EQUAL(after.tiles_gens - before.tiles_gens, gen - 100);
        CU_ASSERT_EQUAL(after.dense_gens, 0);
        pair_close(&p);
        corun_life_grid_close(&patch);
    }
}

/* skip_stable=auto with thresholds that make a small soup switch within
 * the run: dense first, probes every 32 generations that go back to dense
 * while the soup is busy, tiles once it settles; uneven calls put probes
 * at odd places (cut after their first, forced generation). Then a fresh
 * soup written over the whole grid makes it busy again: auto leaves tiles.
 * Populations counted in every other call; the grids compared after each. */
void cuda_tiles_auto(void) {
    static const int chunks[] = {64, 1, 2, 61, 100, 33, 3, 200, 150, 250, 0};
    static const uint64_t seeds[] = {6, 9}; /* soups that switch several times */
    for (int b = 0; b < (quick() ? 1 : 2); b++) {
        const int64_t W = 1100, H = 66;
        static const int64_t box[] = {1, 8, 8, 50};
        corun_life_grid_t fresh;
        corun_life_params_t par;
        params(&par, "B3/S23", b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS, CORUN_LIFE_SKIP_AUTO);
        CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&fresh, W, H, NULL), 0);
        pair_t p;
        int64_t gen = 0;
        pair_soup(&p, &par, W, H, 0.35, seeds[b], box, "auto");
        corun_life_info_t info;
        corun_life_backend_cuda.info(p.sb, &info);
        CU_ASSERT_PTR_NOT_NULL(strstr(info.mode, "dense-")); /* too small for auto's default */
        corun_life_cuda_tuning_t tu = {.auto_min_cells = 1, .probe_every = 32, .check_every = 16,
                                       .enter = 0.45, .leave = 0.5};
        corun_life_cuda_tune(p.sb, &tu);
        corun_life_backend_cuda.info(p.sb, &info);
        CU_ASSERT_PTR_NOT_NULL(strstr(info.mode, "dense+tiles-"));
        pair_run(&p, chunks, &gen);
        corun_life_cuda_stats_t st = pair_stats(&p);
        if (st.switches < 3 || !st.tiles_now)
            fprintf(stderr, "\nauto: dense %lld, tiles %lld generations, %lld switches, now %s\n",
                    (long long)st.dense_gens, (long long)st.tiles_gens, (long long)st.switches,
                    st.tiles_now ? "tiles" : "dense");
        CU_ASSERT_EQUAL(st.dense_gens + st.tiles_gens, gen);
        CU_ASSERT(st.dense_gens >= 32);
        CU_ASSERT(st.tiles_gens > 0);
        /* entered, left at least once, then entered to stay */
        CU_ASSERT(st.switches >= 3);
        CU_ASSERT_TRUE(st.tiles_now);
        /* busy again */
        soup(&fresh, 0.4, 99, 0, fresh.wpr, 0, H);
        pair_put(&p, 0, H, fresh.words, fresh.stride);
        pair_step(&p, 40, 1, gen);
        gen += 40;
        CU_ASSERT_TRUE(pair_same(&p, gen));
        corun_life_cuda_stats_t busy = pair_stats(&p);
        CU_ASSERT_FALSE(busy.tiles_now);
        CU_ASSERT_EQUAL(busy.switches, st.switches + 1);
        pair_close(&p);
        corun_life_grid_close(&fresh);
    }
}

/* auto after dense stepping of k generations per launch: there the other
 * buffer holds generation t-k, not t-1, so the flags the probe writes
 * compare t+1 with t-k. A pulsar (period 3) with k = 2 is the same at t-2
 * and t+1 but not at t-1: tiles that trusted those flags would skip it.
 * Also a soup with every k. The grids compared after each call. */
void cuda_tiles_after_multigen(void) {
    static const char *const pulsar[] = {"..###...###..", "", "#....#.#....#", "#....#.#....#",
                                         "#....#.#....#", "..###...###..", "",
                                         "..###...###..", "#....#.#....#", "#....#.#....#",
                                         "#....#.#....#", "", "..###...###.."};
    static const int chunks[] = {4, 2, 1, 9, 4, 3, 21, 0};
    const char *old = getenv("CORUN_CUDA_GENS");
    for (int k = 2; k <= 8; k++) {
        char v[8];
        snprintf(v, sizeof v, "%d", k);
        setenv("CORUN_CUDA_GENS", v, 1);
        for (int b = 0; b < 2; b++) {
            corun_life_params_t par;
            params(&par, "B3/S23", b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS, CORUN_LIFE_SKIP_AUTO);
            corun_life_grid_t init;
            CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&init, 600, 40, NULL), 0);
            if (k > 2) soup(&init, 0.35, (uint64_t)k, 0, 4, 16, 36); /* clears the rest */
            for (int y = 0; y < 13; y++)
                for (int x = 0; pulsar[y][x]; x++)
                    if (pulsar[y][x] == '#') set_cell(&init, 505 + x, 2 + y);
            pair_t p;
            int64_t gen = 0;
            pair_open(&p, &init, &par, "after multigen");
            corun_life_cuda_tuning_t tu = {.auto_min_cells = 1, .probe_every = 4, .check_every = 4,
                                           .enter = 0.9, .leave = 0.95};
            corun_life_cuda_tune(p.sb, &tu);
            pair_run(&p, chunks, &gen);
            corun_life_cuda_stats_t st = pair_stats(&p);
            CU_ASSERT(st.dense_gens > 0 && st.tiles_gens > 0);
            pair_close(&p);
            corun_life_grid_close(&init);
        }
    }
    if (old) setenv("CORUN_CUDA_GENS", old, 1);
    else unsetenv("CORUN_CUDA_GENS");
}

/* The summary's mode names what runs: dense (off, or auto on a grid below
 * its threshold), tiles (on), dense+tiles (auto from 8192 x 8192 cells);
 * and the CLI with --skip-stable on gives the oracle's hash. */
void cuda_tiles_modes(void) {
    static const struct {
        int64_t w, h;
        corun_life_skip_t skip;
        const char *mode;
    } cases[] = {{70, 9, CORUN_LIFE_SKIP_OFF, "dense-k4-b3s23"},
                 {70, 9, CORUN_LIFE_SKIP_ON, "tiles-b3s23"},
                 {70, 9, CORUN_LIFE_SKIP_AUTO, "dense-k4-b3s23"},
                 {8192, 8192, CORUN_LIFE_SKIP_AUTO, "dense+tiles-k4-b3s23"},
                 {8192, 8191, CORUN_LIFE_SKIP_AUTO, "dense-k4-b3s23"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        corun_life_grid_t g;
        corun_life_params_t par;
        params(&par, "B3/S23", CORUN_LIFE_TORUS, cases[i].skip);
        CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&g, cases[i].w, cases[i].h, NULL), 0);
        corun_err_t err = {0};
        void *st = NULL;
        corun_life_info_t info;
        CU_ASSERT_EQUAL_FATAL(corun_life_backend_cuda.open(&st, &g, &par, &err), 0);
        corun_life_backend_cuda.info(st, &info);
        const char *m = info.mode;
        if (!strncmp(m, "emulated-", 9)) m += 9;
        if (strcmp(m, cases[i].mode))
            fprintf(stderr, "\n%lldx%lld: mode %s, want %s\n", (long long)cases[i].w,
                    (long long)cases[i].h, info.mode, cases[i].mode);
        CU_ASSERT_STRING_EQUAL(m, cases[i].mode);
        CU_ASSERT_EQUAL(corun_life_backend_cuda.close(st, &err), 0);
        corun_life_grid_close(&g);
    }
    static char out[4096], err[4096];
    const char *a[] = {"corun", "life", "--backend", "serial", "--size", "1041x37", "--steps",
                       "60", "--boundary", "torus", "--rule", "B36/S23", "--quiet", NULL};
    CU_ASSERT_EQUAL(test_run_corun(a, out, sizeof out, err, sizeof err), 0);
    const char *h1 = strstr(out, "hash=");
    char want[64] = "";
    if (h1) snprintf(want, sizeof want, "%.*s", (int)strcspn(h1, " \n"), h1);
    const char *c[] = {"corun", "life", "--backend", "cuda", "--skip-stable", "on", "--size",
                       "1041x37", "--steps", "60", "--boundary", "torus", "--rule", "B36/S23",
                       "--quiet", NULL};
    CU_ASSERT_EQUAL(test_run_corun(c, out, sizeof out, err, sizeof err), 0);
    CU_ASSERT_TRUE(want[0] && strstr(out, want) != NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "tiles-rule"));
}

#else
/* Without the backend cuda_require() skips before any of these runs. */
void cuda_tiles_settling(void) {}
void cuda_tiles_gliders(void) {}
void cuda_tiles_sizes_rules(void) {}
void cuda_tiles_counted(void) {}
void cuda_tiles_put_rows(void) {}
void cuda_tiles_auto(void) {}
void cuda_tiles_modes(void) {}
void cuda_tiles_after_multigen(void) {}
#endif

static void test_require_emulated(void) { cuda_require(CORUN_CUDA_BUILD_EMULATED); }

static const test_case_t cases[] = {
    {"require_emulated", test_require_emulated},
    {"settling", cuda_tiles_settling},
    {"gliders", cuda_tiles_gliders},
    {"sizes_rules", cuda_tiles_sizes_rules},
    {"counted", cuda_tiles_counted},
    {"put_rows", cuda_tiles_put_rows},
    {"auto", cuda_tiles_auto},
    {"after_multigen", cuda_tiles_after_multigen},
    {"modes", cuda_tiles_modes},
    {NULL, NULL},
};
CORUN_TEST_SUITE(cuda_tiles, cases)
