/* test_omp_seam.c — the omp backend's packed-grid functions
 * (src/life/omp_backend.h) against the serial oracle: open on a packed grid,
 * step with populations, get and put rows, close; bit-identical on many
 * sizes (odd widths included), every mode (dense, lane-strided, temporal
 * blocking, tiles, skip_stable=auto's switching), 1 and 2 threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "corun/life.h"
#include "life/omp_backend.h"
#include "life/omp_tuning.h"
#include "testlib.h"

typedef struct mode_cfg {
    const char *name;
    corun_life_skip_t skip;
    corun_life_omp_tuning_t tu;
} mode_cfg_t;

static const mode_cfg_t modes[] = {
    {"dense", CORUN_LIFE_SKIP_OFF, {.words_per_thread = 1}},
    {"tblock", CORUN_LIFE_SKIP_OFF,
     {.words_per_thread = 1, .tblock_bytes = 1, .band_rows = 8, .levels = 3}},
    {"tiles", CORUN_LIFE_SKIP_ON, {.words_per_thread = 1, .tile_rows = 8, .tile_words = 1}},
    {"auto", CORUN_LIFE_SKIP_AUTO,
     {.words_per_thread = 1, .tiles_enter = 0.9, .tiles_leave = 0.95}},
};
#define NMODES ((int)(sizeof modes / sizeof *modes))

/* The serial oracle after `gens` generations from init, with populations of
 * rows y0..y1-1 after each (pops, gens entries); final grid into out. */
static void serial_run(const corun_life_cells_t *init, const corun_life_params_t *p,
                       int64_t gens, int64_t y0, int64_t y1, int64_t *pops,
                       corun_life_cells_t *out) {
    corun_life_params_t q = *p;
    q.count_y0 = y0;
    q.count_y1 = y1;
    test_life_t t;
    CU_ASSERT_EQUAL_FATAL(test_life_open(&t, &corun_life_backend_serial, init, &q, NULL), 0);
    CU_ASSERT_EQUAL(t.be->step(t.st, gens, pops, NULL), 0);
    CU_ASSERT_EQUAL(corun_life_cells_init(out, init->width, init->height, NULL), 0);
    CU_ASSERT_EQUAL(test_life_read(&t, out, NULL), 0);
    test_life_close(&t);
}

/* Words wpr..stride-1 of every row and the padding bits of its last word
 * are all 0. */
static int padding_clear(const corun_life_grid_t *g) {
    const unsigned last = (unsigned)(g->width - 64 * (g->wpr - 1));
    const uint64_t mask = last == 64 ? ~0ull : (1ull << last) - 1;
    for (int64_t y = 0; y < g->height; y++) {
        const uint64_t *r = corun_life_grid_row(g, y);
        if (r[g->wpr - 1] & ~mask) return 0;
        for (int64_t j = g->wpr; j < g->stride; j++)
            if (r[j]) return 0;
    }
    return 1;
}

/* Open / step in chunks with populations / close, against the oracle. */
static void check_run(int64_t w, int64_t h, corun_life_boundary_t b, const char *rule,
                      const mode_cfg_t *m, int threads, uint64_t seed) {
    static const int64_t chunks[] = {3, 1, 17, 19};
    const int64_t gens = 40;
    corun_life_params_t p = {.boundary = b, .threads = threads, .skip_stable = m->skip,
                             .device = -1, .omp_tuning = &m->tu};
    CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse(rule, &p.rule, NULL), 0);
    if (h >= 4) {
        p.count_y0 = h / 4;
        p.count_y1 = h - h / 3;
    }
    corun_life_cells_t init, want;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&init, w, h, NULL), 0);
    corun_life_cells_fill_random(&init, 0.45, seed);
    int64_t spops[40], opops[40];
    serial_run(&init, &p, gens, p.count_y0, h >= 4 ? p.count_y1 : h, spops, &want);

    corun_life_grid_t g, wg;
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&g, w, h, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&wg, w, h, NULL), 0);
    corun_life_cells_pack(&init, &g);
    corun_life_cells_pack(&want, &wg);
    void *st = NULL;
    corun_err_t err = {0};
    CU_ASSERT_EQUAL_FATAL(omp_open(&st, &g, &p, &err), 0);
    corun_life_info_t info;
    omp_info(st, &info);
    int64_t done = 0;
    for (int i = 0; done < gens; i++) {
        int64_t n = chunks[i % 4] < gens - done ? chunks[i % 4] : gens - done;
        CU_ASSERT_EQUAL(omp_step(st, n, opops + done, &err), 0);
        done += n;
    }
    CU_ASSERT_EQUAL(omp_close(st, &err), 0);
    int same = memcmp(g.words, wg.words, (size_t)(h * g.stride) * 8) == 0;
    for (int i = 0; i < gens; i++) same &= spops[i] == opops[i];
    if (!same)
        fprintf(stderr, "\nMISMATCH %lldx%lld %s %s %s threads=%d mode=%s\n", (long long)w,
                (long long)h, corun_life_boundary_name(b), rule, m->name, threads, info.mode);
    CU_ASSERT_TRUE(same);
    CU_ASSERT_TRUE(padding_clear(&g));
    corun_life_grid_close(&g);
    corun_life_grid_close(&wg);
    corun_life_cells_close(&init);
    corun_life_cells_close(&want);
}

static void test_open_step_close(void) {
    static const int64_t sizes[][2] = {{1, 1},   {7, 3},    {63, 65},  {65, 30},  {200, 3},
                                       {129, 17}, {577, 41}, {1024, 8}, {1536, 37}};
    static const char *rules[] = {"B3/S23", "B36/S23", "B0/S8"};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (int m = 0; m < NMODES; m++)
            for (int t = 1; t <= 2; t++) {
                const char *rule = rules[(i + (size_t)m + (size_t)t) % 3];
                check_run(sizes[i][0], sizes[i][1], CORUN_LIFE_TORUS, "B3/S23", &modes[m], t,
                          i * 7 + (uint64_t)m);
                check_run(sizes[i][0], sizes[i][1], CORUN_LIFE_DEAD, rule, &modes[m], t,
                          i * 7 + (uint64_t)m + 100);
            }
    /* skip_stable=auto switches only from 512x512 up; lane-strided bulk */
    for (int t = 1; t <= 2; t++) {
        check_run(1024, 512, CORUN_LIFE_TORUS, "B3/S23", &modes[3], t, 9);
        check_run(520, 512, CORUN_LIFE_DEAD, "B3/S23", &modes[3], t, 10);
    }
}

/* get_rows / put_rows with strides larger than a row, in every mode: rows
 * read mid-run equal the oracle's, rows replaced mid-run (from another
 * soup) are stepped from, and close hands back the oracle's grid. */
static void check_rows(int64_t w, int64_t h, const mode_cfg_t *m, int threads) {
    const corun_life_backend_t *se = &corun_life_backend_serial;
    corun_life_params_t p = {.rule = CORUN_LIFE_RULE_CONWAY, .boundary = CORUN_LIFE_TORUS,
                             .threads = threads, .skip_stable = m->skip, .device = -1,
                             .omp_tuning = &m->tu};
    const int64_t wpr = corun_life_words_per_row(w), y0 = h / 3, n = h / 3 + 1;
    corun_life_cells_t init, other;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&init, w, h, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&other, w, h, NULL), 0);
    corun_life_cells_fill_random(&init, 0.4, (uint64_t)w);
    corun_life_cells_fill_random(&other, 0.3, (uint64_t)h + 1);
    uint64_t *patch = calloc((size_t)(h * wpr), 8);
    corun_life_grid_t patch_grid = {w, h, wpr, wpr, patch, 0};
    corun_life_cells_pack(&other, &patch_grid);
    void *st = NULL;
    test_life_t ts;
    CU_ASSERT_EQUAL_FATAL(test_life_open(&ts, se, &init, &p, NULL), 0);
    void *ss = ts.st;
    corun_life_grid_t g;
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&g, w, h, NULL), 0);
    corun_life_cells_pack(&init, &g);
    CU_ASSERT_EQUAL_FATAL(omp_open(&st, &g, &p, NULL), 0);
    const int64_t gs = wpr + 3, ps = wpr + 5;
    uint64_t *got = calloc((size_t)(n * gs), 8), *want = calloc((size_t)(n * wpr), 8);
    uint64_t *put = calloc((size_t)(n * ps), 8);
    for (int64_t k = 0; k < n; k++) memcpy(put + k * ps, patch + (y0 + k) * wpr, (size_t)wpr * 8);
    for (int round = 0; round < 3; round++) {
        CU_ASSERT_EQUAL(se->step(ss, 7 + round, NULL, NULL), 0);
        CU_ASSERT_EQUAL(omp_step(st, 7 + round, NULL, NULL), 0);
        CU_ASSERT_EQUAL(se->get_rows(ss, y0, n, want, wpr, NULL), 0);
        memset(got, 0xa5, (size_t)(n * gs) * 8);
        CU_ASSERT_EQUAL(omp_get_rows(st, y0, n, got, gs, NULL), 0);
        int same = 1;
        for (int64_t k = 0; k < n; k++) {
            same &= !memcmp(got + k * gs, want + k * wpr, (size_t)wpr * 8);
            same &= got[k * gs + wpr] == 0xa5a5a5a5a5a5a5a5ull; /* gap left alone */
        }
        CU_ASSERT_TRUE(same);
        if (round == 1) {
            CU_ASSERT_EQUAL(se->put_rows(ss, y0, n, patch + y0 * wpr, wpr, NULL), 0);
            CU_ASSERT_EQUAL(omp_put_rows(st, y0, n, put, ps, NULL), 0);
        }
    }
    CU_ASSERT_EQUAL(omp_get_rows(st, h - 1, 2, got, gs, NULL), CORUN_EINVAL);
    CU_ASSERT_EQUAL(omp_get_rows(st, 0, 1, got, wpr - 1, NULL), CORUN_EINVAL);
    CU_ASSERT_EQUAL(se->step(ss, 30, NULL, NULL), 0);
    CU_ASSERT_EQUAL(omp_step(st, 30, NULL, NULL), 0);
    CU_ASSERT_EQUAL(omp_close(st, NULL), 0);
    corun_life_cells_t a, b;
    CU_ASSERT_EQUAL(corun_life_cells_init(&a, w, h, NULL), 0);
    CU_ASSERT_EQUAL(corun_life_cells_init(&b, w, h, NULL), 0);
    CU_ASSERT_EQUAL(test_life_read(&ts, &a, NULL), 0);
    corun_life_cells_unpack(&g, &b);
    CU_ASSERT_EQUAL(corun_life_cells_hash(&a), corun_life_cells_hash(&b));
    CU_ASSERT_TRUE(padding_clear(&g));
    test_life_close(&ts);
    corun_life_grid_close(&g);
    corun_life_cells_close(&a);
    corun_life_cells_close(&b);
    corun_life_cells_close(&init);
    corun_life_cells_close(&other);
    free(patch);
    free(got);
    free(want);
    free(put);
}

static void test_rows(void) {
    /* 4608 and 12800 columns: lane-strided rows of 9 and 25 vectors per
     * lane, the writer's 8x8 transposes and the columns after them */
    static const int64_t sizes[][2] = {{65, 40}, {577, 41}, {1024, 24}, {130, 97}, {4608, 20}, {12800, 18}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (int m = 0; m < NMODES; m++)
            for (int t = 1; t <= 2; t++) check_rows(sizes[i][0], sizes[i][1], &modes[m], t);
}

/* A grid whose stride is not the backend's: both buffers are the
 * backend's, and close copies the result back into the caller's memory. */
static void test_other_stride(void) {
    const int64_t w = 1024, h = 33, wpr = corun_life_words_per_row(w);
    for (int m = 0; m < NMODES; m++) {
        corun_life_params_t p = {.rule = CORUN_LIFE_RULE_CONWAY, .boundary = CORUN_LIFE_TORUS,
                                 .threads = 2, .skip_stable = modes[m].skip, .device = -1,
                                 .omp_tuning = &modes[m].tu};
        corun_life_cells_t init, want;
        CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&init, w, h, NULL), 0);
        corun_life_cells_fill_random(&init, 0.5, 77);
        int64_t pops[25];
        serial_run(&init, &p, 25, 0, h, pops, &want);
        corun_life_grid_t g = {w, h, wpr, wpr + 3, NULL, 0};
        g.words = calloc((size_t)(h * g.stride), 8);
        for (int64_t y = 0; y < h; y++)
            for (int64_t x = 0; x < w; x++)
                if (*corun_life_cell(&init, x, y)) corun_life_grid_set(&g, x, y, 1);
        uint64_t *mem = g.words;
        void *st = NULL;
        CU_ASSERT_EQUAL_FATAL(omp_open(&st, &g, &p, NULL), 0);
        int64_t opops[25];
        CU_ASSERT_EQUAL(omp_step(st, 25, opops, NULL), 0);
        CU_ASSERT_EQUAL(omp_close(st, NULL), 0);
        CU_ASSERT_PTR_EQUAL(g.words, mem);
        int same = 1;
        for (int64_t y = 0; y < h; y++)
            for (int64_t x = 0; x < w; x++)
                same &= corun_life_grid_get(&g, x, y) == *corun_life_cell(&want, x, y);
        CU_ASSERT_TRUE(same);
        CU_ASSERT_EQUAL(memcmp(pops, opops, sizeof pops), 0);
        CU_ASSERT_TRUE(padding_clear(&g));
        free(g.words);
        corun_life_cells_close(&init);
        corun_life_cells_close(&want);
    }
}

/* The snapshot writer's part: after a while, copies the lent frame out in
 * two pieces (as the direct chunk writer does), compares it and gives it
 * back. */
typedef struct lend_writer {
    const corun_life_snap_ops_t *ops;
    void *held;
    uint64_t *frame;
    const uint64_t *want;
    int64_t h, wpr;
    int same;
    atomic_int done; /* set before the release */
} lend_writer_t;

static void *lend_writer_main(void *arg) {
    lend_writer_t *w = arg;
    test_sleep_ms(20);
    const int64_t half = w->h / 2;
    w->same = w->ops->poll(w->held, NULL) == 1 &&
              w->ops->copy(w->held, 0, half, w->frame, w->wpr) == 0 &&
              w->ops->copy(w->held, half, w->h - half, w->frame + half * w->wpr, w->wpr) == 0 &&
              !memcmp(w->frame, w->want, (size_t)(w->h * w->wpr) * 8);
    atomic_store(&w->done, 1);
    w->ops->release(w->held);
    return NULL;
}

/* Frames lent to the snapshot writer (omp_snap.c): each lent frame, copied
 * out only after the next chunk was stepped (the stepper has moved it aside
 * by then), equals the serial oracle's generation; a lend asked for while
 * the last one is out waits until the writer (another thread) gives it
 * back; any lend in tiles mode answers 1 (copy with get_rows); the run
 * with lends ends bit-identical to the oracle. */
static void check_lend(int64_t w, int64_t h, const mode_cfg_t *m, int threads) {
    enum { GENS = 30 };
    static const int64_t chunks[] = {2, 1, 5, 3};
    corun_life_params_t p = {.rule = CORUN_LIFE_RULE_CONWAY, .boundary = CORUN_LIFE_TORUS,
                             .threads = threads, .skip_stable = m->skip, .device = -1,
                             .omp_tuning = &m->tu};
    corun_life_cells_t init, c;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&init, w, h, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&c, w, h, NULL), 0);
    corun_life_cells_fill_random(&init, 0.45, (uint64_t)(w * 31 + h));
    /* the oracle's every generation, packed */
    const int64_t wpr = corun_life_words_per_row(w);
    uint64_t *ref = calloc((size_t)((GENS + 1) * h * wpr), 8);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
    test_life_t t;
    CU_ASSERT_EQUAL_FATAL(test_life_open(&t, &corun_life_backend_serial, &init, &p, NULL), 0);
    corun_life_grid_t pg;
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&pg, w, h, NULL), 0);
    for (int gen = 0; gen <= GENS; gen++) {
        if (gen) CU_ASSERT_EQUAL(t.be->step(t.st, 1, NULL, NULL), 0);
        CU_ASSERT_EQUAL(test_life_read(&t, &c, NULL), 0);
        corun_life_cells_pack(&c, &pg);
        for (int64_t y = 0; y < h; y++)
            memcpy(ref + (gen * h + y) * wpr, corun_life_grid_row(&pg, y), (size_t)wpr * 8);
    }
    test_life_close(&t);

    const corun_life_snap_ops_t *ops = corun_life_backend_omp.snap;
    CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
    corun_life_grid_t g;
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&g, w, h, NULL), 0);
    corun_life_cells_pack(&init, &g);
    uint64_t *frame = malloc((size_t)(h * wpr) * 8);
    CU_ASSERT_PTR_NOT_NULL_FATAL(frame);
    void *st = NULL, *held = NULL, *extra = NULL;
    int64_t held_gen = -1, done = 0;
    int lends = 0, same = 1;
    CU_ASSERT_EQUAL_FATAL(omp_open(&st, &g, &p, NULL), 0);
    corun_life_info_t info;
    omp_info(st, &info);
    const int tiles = !strncmp(info.mode, "tiles", 5);
    for (int i = 0; done < GENS; i++) {
        lend_writer_t wr = {ops, held, frame, ref + held_gen * h * wpr, h, wpr, 0, 0};
        pthread_t th;
        const int writer = held != NULL && pthread_create(&th, NULL, lend_writer_main, &wr) == 0;
        CU_ASSERT_EQUAL(writer, held != NULL);
        int rc = ops->begin(st, &extra, NULL);
        if (writer) { /* one frame out at a time: begin waited for it */
            CU_ASSERT_EQUAL(rc, 0);
            CU_ASSERT_EQUAL(atomic_load(&wr.done), 1);
            pthread_join(th, NULL);
            same &= wr.same;
            held = NULL;
        }
        if (rc == 0) {
            CU_ASSERT_FALSE(tiles);
            CU_ASSERT_PTR_NOT_NULL_FATAL(extra);
            held = extra, held_gen = done, lends++;
        }
        int64_t n = chunks[i % 4] < GENS - done ? chunks[i % 4] : GENS - done;
        CU_ASSERT_EQUAL(omp_step(st, n, NULL, NULL), 0);
        done += n;
        if (held && i % 2) { /* every other frame stays out for a second chunk */
            CU_ASSERT_EQUAL(ops->poll(held, NULL), 1);
            const int64_t half = h / 2; /* in two pieces, as the direct chunk writer does */
            CU_ASSERT_EQUAL(ops->copy(held, 0, half, frame, wpr), 0);
            CU_ASSERT_EQUAL(ops->copy(held, half, h - half, frame + half * wpr, wpr), 0);
            same &= !memcmp(frame, ref + held_gen * h * wpr, (size_t)(h * wpr) * 8);
            ops->release(held);
            held = NULL;
        }
    }
    if (held) {
        CU_ASSERT_EQUAL(ops->copy(held, 0, h, frame, wpr), 0);
        same &= !memcmp(frame, ref + held_gen * h * wpr, (size_t)(h * wpr) * 8);
        ops->release(held);
    }
    CU_ASSERT_EQUAL(omp_close(st, NULL), 0);
    for (int64_t y = 0; y < h; y++)
        same &= !memcmp(corun_life_grid_row(&g, y), ref + (GENS * h + y) * wpr, (size_t)wpr * 8);
    if (!same)
        fprintf(stderr, "\nLEND MISMATCH %lldx%lld %s threads=%d mode=%s\n", (long long)w,
                (long long)h, m->name, threads, info.mode);
    CU_ASSERT_TRUE(same);
    CU_ASSERT(tiles || lends >= 3);
    free(frame);
    free(ref);
    corun_life_grid_close(&g);
    corun_life_grid_close(&pg);
    corun_life_cells_close(&init);
    corun_life_cells_close(&c);
}

static void test_lend(void) {
    /* 4608 and 12800 columns: lane-strided rows of 9 and 25 vectors per
     * lane, the writer's 8x8 transposes and the columns after them */
    static const int64_t sizes[][2] = {{65, 40}, {577, 41}, {1024, 24}, {130, 97}, {4608, 20}, {12800, 18}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (int m = 0; m < NMODES; m++)
            for (int t = 1; t <= 2; t++) check_lend(sizes[i][0], sizes[i][1], &modes[m], t);
}

/* omp_info: the threads really used (a 256x256 grid asked for 4 uses 1),
 * the SIMD path, the mode; bad arguments. */
static void test_info_and_args(void) {
    corun_life_grid_t g;
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&g, 256, 256, NULL), 0);
    corun_life_params_t p = {.rule = CORUN_LIFE_RULE_CONWAY, .boundary = CORUN_LIFE_TORUS,
                             .threads = 4, .skip_stable = CORUN_LIFE_SKIP_OFF};
    void *st = NULL;
    CU_ASSERT_EQUAL_FATAL(omp_open(&st, &g, &p, NULL), 0);
    corun_life_info_t info;
    omp_info(st, &info);
    CU_ASSERT_EQUAL(info.threads, 1);
    CU_ASSERT_TRUE(!strcmp(info.simd, "avx512") || !strcmp(info.simd, "avx2") ||
                   !strcmp(info.simd, "portable"));
    CU_ASSERT_PTR_NOT_NULL(strstr(info.mode, "dense-"));
    CU_ASSERT_PTR_NOT_NULL(strstr(info.mode, info.simd));
    CU_ASSERT_EQUAL(omp_step(st, -1, NULL, NULL), CORUN_EINVAL);
    CU_ASSERT_EQUAL(omp_put_rows(st, 255, 2, g.words, g.stride, NULL), CORUN_EINVAL);
    CU_ASSERT_EQUAL(omp_close(st, NULL), 0);
    CU_ASSERT_EQUAL(omp_close(NULL, NULL), 0);
    p.count_y0 = 10;
    p.count_y1 = 300;
    CU_ASSERT_EQUAL(omp_open(&st, &g, &p, NULL), CORUN_EINVAL);
    CU_ASSERT_PTR_NULL(st);
    corun_life_grid_close(&g);
}

static const test_case_t cases[] = {
    {"open, step with populations, close: equals serial", test_open_step_close},
    {"get and put rows with a wider stride", test_rows},
    {"a grid of another stride is copied", test_other_stride},
    {"info and argument checks", test_info_and_args},
    {"frames lent to the snapshot writer", test_lend},
    {NULL, NULL},
};
CORUN_TEST_SUITE(omp_seam, cases)
