/* test_cuda.c — the cuda backend must equal the serial oracle bit for bit
 * (hash and population): every listed size incl. 1 and 2 wide/high, both
 * boundaries, several rules, uneven step chunks, per-generation populations
 * (all rows and a band), row access with a host stride, close() into the
 * caller's grid, snapshots taken while stepping, info, and the CLI. Suite `cuda`
 * runs them on the emulator (CORUN_CUDA=EMULATE builds; skipped otherwise);
 * test_cuda_gpu.c runs the same functions on a real device. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "corun/cuda.h"
#include "corun/life.h"
#include "life/step_cuda.h"
#include "test_cuda.h"
#include "testlib.h"

void cuda_require(int want) {
    corun_err_t err = {0};
    const char *why = NULL;
    char buf[CORUN_ERR_MSG_MAX + 64];
    corun_cuda_device_t d;
    if ((int)corun_cuda_build() != want) {
        snprintf(buf, sizeof buf, "the cuda backend is %s", corun_cuda_build_desc());
        why = buf;
    } else if (want == CORUN_CUDA_BUILD_DEVICE && corun_cuda_devices(&d, 1, &err) == 0) {
        snprintf(buf, sizeof buf, "%s", err.msg);
        why = buf;
    }
    if (why) {
        /* CUnit has no "skipped"; CTest maps this exit code to Skipped
         * (SKIP_RETURN_CODE in tests/CMakeLists.txt). */
        printf("\nSKIPPED: %s\n", why);
        fflush(stdout);
        exit(77);
    }
}

#if CORUN_CUDA_BACKEND
typedef struct cfg {
    int64_t w, h;
    corun_life_boundary_t b;
    const char *rule;
    uint64_t seed;
    double density;
} cfg_t;

static void make(const cfg_t *c, corun_life_grid_t *g, corun_life_params_t *p) {
    memset(p, 0, sizeof *p);
    CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse(c->rule, &p->rule, NULL), 0);
    p->boundary = c->b;
    p->device = -1;
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(g, c->w, c->h, NULL), 0);
    corun_life_grid_fill_random(g, c->density, c->seed, 0, 1);
}

/* A grid of its own with src's cells (open() takes over a grid's memory). */
static void copy_grid(const corun_life_grid_t *src, corun_life_grid_t *dst) {
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(dst, src->width, src->height, NULL), 0);
    memcpy(dst->words, src->words, (size_t)(src->height * src->stride) * sizeof(uint64_t));
}

/* Runs be from init through chunks (0-ended); the final generation into
 * out (left by close()). */
static int run(const corun_life_backend_t *be, const corun_life_grid_t *init,
               const corun_life_params_t *p, const int *chunks, corun_life_grid_t *out) {
    corun_err_t err = {0};
    void *st = NULL;
    copy_grid(init, out);
    int rc = be->open(&st, out, p, &err);
    for (int i = 0; !rc && chunks[i]; i++) rc = be->step(st, chunks[i], NULL, &err);
    if (st) {
        int crc = be->close(st, rc ? NULL : &err);
        if (!rc) rc = crc;
    }
    if (rc) fprintf(stderr, "\n%s: %s\n", be->name, err.msg);
    return rc;
}

static int compare(const cfg_t *c, const int *chunks) {
    corun_life_grid_t init, a = {0}, b = {0};
    corun_life_params_t p;
    make(c, &init, &p);
    int rc = run(&corun_life_backend_serial, &init, &p, chunks, &a);
    if (!rc) rc = run(&corun_life_backend_cuda, &init, &p, chunks, &b);
    CU_ASSERT_EQUAL(rc, 0);
    int same = !rc && corun_life_grid_hash(&a, 1) == corun_life_grid_hash(&b, 1) &&
               corun_life_grid_population(&a, 1) == corun_life_grid_population(&b, 1);
    if (!same)
        fprintf(stderr, "\nMISMATCH %lldx%lld %s %s seed=%llu pop serial=%lld cuda=%lld\n",
                (long long)c->w, (long long)c->h, corun_life_boundary_name(c->b), c->rule,
                (unsigned long long)c->seed,
                (long long)(a.words ? corun_life_grid_population(&a, 1) : -1),
                (long long)(b.words ? corun_life_grid_population(&b, 1) : -1));
    CU_ASSERT_TRUE(same);
    corun_life_grid_close(&init);
    corun_life_grid_close(&a);
    corun_life_grid_close(&b);
    return same;
}

static const char *const rules[] = {"B3/S23", "B36/S23", "B3678/S34678", "B2/S", "B0/S8",
                                    "B1/S1"};
#define NRULES ((int)(sizeof rules / sizeof *rules))

/* Odd sizes, 1 and 2 wide/high (the torus counts a neighbour twice there),
 * one word, a word and a bit, several warps' worth of words. */
static const int64_t sizes[][2] = {{1, 1},   {1, 7},    {7, 1},     {2, 2},   {2, 3},
                                   {3, 2},   {63, 65},  {64, 64},   {65, 130}, {200, 3},
                                   {3, 200}, {127, 17}, {128, 5},   {129, 1}};
#define NSIZES ((int)(sizeof sizes / sizeof *sizes))

void cuda_eq_sizes_rules(void) {
    static const int chunks[] = {60, 0};
    int failures = 0;
    for (int si = 0; si < NSIZES; si++)
        for (int b = 0; b < 2; b++)
            for (int ri = 0; ri < NRULES; ri++) {
                cfg_t c = {sizes[si][0], sizes[si][1], b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS,
                           rules[ri], (uint64_t)(si * 131 + ri * 7 + b), 0.4};
                if (!compare(&c, chunks) && ++failures > 5) return;
            }
}

void cuda_eq_random_sizes(void) {
    static const int chunks[] = {40, 0};
    int failures = 0;
    for (int i = 0; i < 16; i++) {
        uint64_t r = corun_rng_u64(2025, (uint64_t)i);
        cfg_t c = {1 + (int64_t)(r % 300), 1 + (int64_t)((r >> 16) % 150),
                   (r >> 32) & 1 ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS, rules[(r >> 33) % NRULES],
                   r >> 40, 0.2 + 0.1 * (double)((r >> 50) % 5)};
        if (!compare(&c, chunks) && ++failures > 3) return;
    }
}

/* More than one warp of words per row (lanes 0 and 31 load their
 * neighbours), more than one block of strips, partial last strip. */
void cuda_eq_wide_tall(void) {
    static const int chunks[] = {12, 0};
    cfg_t c[] = {{64 * 33 + 5, 9, CORUN_LIFE_TORUS, "B3/S23", 1, 0.35},
                 {64 * 33 + 5, 9, CORUN_LIFE_DEAD, "B36/S23", 2, 0.35},
                 {70, 16 * 8 * 2 + 3, CORUN_LIFE_TORUS, "B3/S23", 3, 0.35},
                 {70, 16 * 8 * 2 + 3, CORUN_LIFE_DEAD, "B0/S8", 4, 0.35}};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) compare(&c[i], chunks);
}

void cuda_eq_chunks(void) {
    static const int one[] = {50, 0}, uneven[] = {1, 7, 31, 2, 9, 0};
    cfg_t c = {101, 37, CORUN_LIFE_TORUS, "B3/S23", 7, 0.45};
    compare(&c, one);
    compare(&c, uneven);
    c.b = CORUN_LIFE_DEAD;
    c.rule = "B36/S23";
    compare(&c, uneven);
}

/* Counted steps, generation by generation: every row, and a band of rows
 * (an MPI slab counts its own rows only). */
void cuda_eq_counted(void) {
    const int n = 40;
    cfg_t cs[] = {{130, 45, CORUN_LIFE_TORUS, "B3/S23", 11, 0.4},
                  {67, 200, CORUN_LIFE_DEAD, "B3678/S34678", 12, 0.5},
                  {1, 1, CORUN_LIFE_TORUS, "B0/S8", 13, 0.5}};
    for (size_t k = 0; k < sizeof cs / sizeof *cs; k++)
        for (int band = 0; band < 2; band++) {
            corun_life_grid_t init, ga, gb;
            corun_life_params_t p;
            make(&cs[k], &init, &p);
            if (band) {
                p.count_y0 = cs[k].h / 3;
                p.count_y1 = cs[k].h - cs[k].h / 4;
            }
            copy_grid(&init, &ga);
            copy_grid(&init, &gb);
            int64_t pa[40], pb[40];
            corun_err_t err = {0};
            void *sa = NULL, *sb = NULL;
            CU_ASSERT_EQUAL(corun_life_backend_serial.open(&sa, &ga, &p, &err), 0);
            int rc = corun_life_backend_cuda.open(&sb, &gb, &p, &err);
            CU_ASSERT_EQUAL(rc, 0);
            if (!rc) {
                CU_ASSERT_EQUAL(corun_life_backend_serial.step(sa, n, pa, &err), 0);
                /* two calls: the counters are reset between chunks */
                CU_ASSERT_EQUAL(corun_life_backend_cuda.step(sb, 15, pb, &err), 0);
                CU_ASSERT_EQUAL(corun_life_backend_cuda.step(sb, n - 15, pb + 15, &err), 0);
                CU_ASSERT_EQUAL(memcmp(pa, pb, sizeof pa), 0);
            } else {
                fprintf(stderr, "\n%s\n", err.msg);
            }
            CU_ASSERT_EQUAL(corun_life_backend_serial.close(sa, &err), 0);
            CU_ASSERT_EQUAL(corun_life_backend_cuda.close(sb, &err), 0);
            /* the counted band of the final generation is the last count */
            corun_life_grid_t part = corun_life_grid_rows(
                &gb, p.count_y0, (p.count_y1 ? p.count_y1 : cs[k].h) - p.count_y0);
            CU_ASSERT_EQUAL(corun_life_grid_population(&part, 1), pb[n - 1]);
            CU_ASSERT_EQUAL(corun_life_grid_hash(&ga, 1), corun_life_grid_hash(&gb, 1));
            corun_life_grid_close(&init);
            corun_life_grid_close(&ga);
            corun_life_grid_close(&gb);
        }
    /* counted rows outside the grid are refused at open() */
    corun_life_grid_t g;
    corun_life_params_t p;
    cfg_t c = {10, 10, CORUN_LIFE_TORUS, "B3/S23", 1, 0.5};
    make(&c, &g, &p);
    p.count_y1 = 11;
    corun_err_t err = {0};
    void *st = NULL;
    CU_ASSERT_EQUAL(corun_life_backend_cuda.open(&st, &g, &p, &err), CORUN_EINVAL);
    CU_ASSERT_PTR_NULL(st);
    corun_life_grid_close(&g);
}

/* get_rows/put_rows with a host stride that is neither wpr nor the grid's:
 * bands of rows read, changed, written back into both backends; the grids,
 * the rows read and the rows around each copied band keep agreeing with the
 * oracle. */
void cuda_eq_rows(void) {
    cfg_t c = {150, 33, CORUN_LIFE_TORUS, "B3/S23", 21, 0.3};
    corun_life_grid_t init, ga, gb;
    corun_life_params_t p;
    make(&c, &init, &p);
    copy_grid(&init, &ga);
    copy_grid(&init, &gb);
    const int64_t wpr = init.wpr, stride = wpr + 3;
    uint64_t *ra = calloc((size_t)(c.h * stride), 8), *rb = calloc((size_t)(c.h * stride), 8);
    CU_ASSERT_FATAL(ra && rb);
    corun_err_t err = {0};
    void *sa = NULL, *sb = NULL;
    CU_ASSERT_FATAL(corun_life_backend_serial.open(&sa, &ga, &p, &err) == 0);
    CU_ASSERT_FATAL(corun_life_backend_cuda.open(&sb, &gb, &p, &err) == 0);
    for (int round = 0; round < 8; round++) {
        CU_ASSERT(corun_life_backend_serial.step(sa, 3, NULL, &err) == 0);
        CU_ASSERT(corun_life_backend_cuda.step(sb, 3, NULL, &err) == 0);
        int64_t y0 = (round * 11) % c.h, n = 1 + round % 5;
        if (y0 + n > c.h) n = c.h - y0;
        for (int64_t i = 0; i < c.h * stride; i++) rb[i] = 0xa5a5a5a5a5a5a5a5ull;
        CU_ASSERT(corun_life_backend_serial.get_rows(sa, 0, c.h, ra, stride, &err) == 0);
        CU_ASSERT(corun_life_backend_cuda.get_rows(sb, 0, c.h, rb, stride, &err) == 0);
        int same = 1, gaps = 1;
        for (int64_t y = 0; y < c.h; y++) {
            same &= !memcmp(ra + y * stride, rb + y * stride, (size_t)wpr * 8);
            /* the words between rows are not the backend's to write */
            for (int64_t j = wpr; j < stride; j++)
                gaps &= rb[y * stride + j] == 0xa5a5a5a5a5a5a5a5ull;
        }
        CU_ASSERT_TRUE(same);
        CU_ASSERT_TRUE(gaps);
        for (int64_t y = 0; y < n; y++)
            for (int64_t j = 0; j < wpr; j++) {
                uint64_t *w = &ra[y * stride + j];
                *w ^= 0x9e3779b97f4a7c15ull * (uint64_t)(y + j + round + 1);
                if (j == wpr - 1 && c.w % 64) *w &= (1ull << (c.w % 64)) - 1;
            }
        CU_ASSERT(corun_life_backend_serial.put_rows(sa, y0, n, ra, stride, &err) == 0);
        CU_ASSERT(corun_life_backend_cuda.put_rows(sb, y0, n, ra, stride, &err) == 0);
    }
    CU_ASSERT(corun_life_backend_cuda.get_rows(sb, c.h - 1, 2, rb, stride, &err) ==
              CORUN_EINVAL);
    CU_ASSERT(corun_life_backend_cuda.put_rows(sb, -1, 1, rb, stride, &err) == CORUN_EINVAL);
    CU_ASSERT(corun_life_backend_serial.close(sa, &err) == 0);
    CU_ASSERT(corun_life_backend_cuda.close(sb, &err) == 0);
    CU_ASSERT_EQUAL(corun_life_grid_hash(&ga, 1), corun_life_grid_hash(&gb, 1));
    /* close() leaves the grid's stride padding words zero */
    int clean = 1;
    for (int64_t y = 0; y < c.h; y++)
        for (int64_t j = wpr; j < gb.stride; j++) clean &= gb.words[y * gb.stride + j] == 0;
    CU_ASSERT_TRUE(clean);
    free(ra);
    free(rb);
    corun_life_grid_close(&init);
    corun_life_grid_close(&ga);
    corun_life_grid_close(&gb);
}

/* A snapshot taken at generation 10 still holds generation 10 after 20 more
 * generations were stepped, and survives the backend's close(); the table's
 * snap ops are the same functions. */
void cuda_eq_snapshot(void) {
    cfg_t c = {200, 70, CORUN_LIFE_TORUS, "B3/S23", 31, 0.4};
    static const int ten[] = {10, 0}, thirty[] = {30, 0};
    corun_life_grid_t init, a10 = {0}, a30 = {0}, fin;
    corun_life_params_t p;
    make(&c, &init, &p);
    CU_ASSERT_EQUAL_FATAL(run(&corun_life_backend_serial, &init, &p, ten, &a10), 0);
    CU_ASSERT_EQUAL_FATAL(run(&corun_life_backend_serial, &init, &p, thirty, &a30), 0);
    const corun_life_snap_ops_t *ops = corun_life_backend_cuda.snap;
    CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
    corun_err_t err = {0};
    void *st = NULL, *via_ops = NULL;
    corun_life_cuda_snap_t *snap = NULL;
    copy_grid(&init, &fin);
    CU_ASSERT_EQUAL_FATAL(corun_life_backend_cuda.open(&st, &fin, &p, &err), 0);
    CU_ASSERT_EQUAL(corun_life_backend_cuda.step(st, 10, NULL, &err), 0);
    CU_ASSERT_EQUAL(corun_life_cuda_snap_begin(st, &snap, &err), 0);
    CU_ASSERT_EQUAL(ops->begin(st, &via_ops, &err), 0);
    CU_ASSERT_EQUAL(corun_life_backend_cuda.step(st, 20, NULL, &err), 0);
    CU_ASSERT_EQUAL(corun_life_backend_cuda.close(st, &err), 0);
    CU_ASSERT_EQUAL(corun_life_grid_hash(&fin, 1), corun_life_grid_hash(&a30, 1));
    if (snap) {
        CU_ASSERT_EQUAL(corun_life_cuda_snap_wait(snap, &err), 0);
        CU_ASSERT_EQUAL(corun_life_cuda_snap_poll(snap, &err), 1);
        CU_ASSERT_EQUAL(corun_life_cuda_snap_generation(snap), 10);
        corun_life_grid_t s = corun_life_cuda_snap_grid(snap);
        CU_ASSERT_EQUAL(s.stride, s.wpr);
        CU_ASSERT_EQUAL(corun_life_grid_hash(&s, 1), corun_life_grid_hash(&a10, 1));
        corun_life_cuda_snap_release(snap);
    }
    if (via_ops) {
        int ready = 0;
        for (int i = 0; i < 1000000 && !ready; i++) ready = ops->poll(via_ops, &err);
        CU_ASSERT_EQUAL(ready, 1);
        /* height rows of wpr words, no gaps */
        const uint64_t *w = ops->words(via_ops);
        int same = 1;
        for (int64_t y = 0; y < c.h; y++)
            same &= !memcmp(w + y * a10.wpr, corun_life_grid_row(&a10, y),
                            (size_t)a10.wpr * 8);
        CU_ASSERT_TRUE(same);
        ops->release(via_ops);
    }
    corun_life_grid_close(&init);
    corun_life_grid_close(&a10);
    corun_life_grid_close(&a30);
    corun_life_grid_close(&fin);
}

/* Several generations per launch: every k (CORUN_CUDA_GENS; 1 is the
 * one-generation kernel) on odd sizes: narrower than a word, not a
 * multiple of 64, wider than one tile (30 words), shorter than the 2k halo
 * rows, taller than one tile (64 - 2k rows); both boundaries; B3/S23 (its
 * own kernel), B36/S23 and a B0 rule (which wakes dead cells past a dead
 * edge and the padding bits unless they are kept dead). Each run steps
 * 2k+1 and then k+2 generations, so launches of k and the one-generation
 * remainder alternate; mode= names k. */
void cuda_eq_multigen(void) {
    static const int64_t msizes[][2] = {{1, 1},  {5, 3},   {63, 2},      {37, 17},
                                        {64, 9}, {65, 70}, {130, 5},     {200, 131},
                                        {1, 40}, {3, 100}, {64 * 31 + 7, 11}};
    static const char *const mrules[] = {"B3/S23", "B36/S23", "B0/S8"};
    const char *old = getenv("CORUN_CUDA_GENS");
    int failures = 0;
    for (int k = 1; k <= 8 && failures <= 5; k++) {
        char v[8];
        snprintf(v, sizeof v, "%d", k);
        setenv("CORUN_CUDA_GENS", v, 1);
        const int chunks[] = {2 * k + 1, k + 2, 0};
        for (int si = 0; si < (int)(sizeof msizes / sizeof *msizes); si++)
            for (int b = 0; b < 2; b++)
                for (int ri = 0; ri < 3; ri++) {
                    cfg_t c = {msizes[si][0], msizes[si][1], b ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS,
                               mrules[ri], (uint64_t)(k * 1009 + si * 131 + ri * 7 + b), 0.4};
                    if (!compare(&c, chunks)) {
                        fprintf(stderr, "  (CORUN_CUDA_GENS=%d)\n", k);
                        if (++failures > 5) break;
                    }
                }
        /* mode= says how many generations a launch advances */
        cfg_t c = {70, 9, CORUN_LIFE_DEAD, "B3/S23", 5, 0.4};
        corun_life_grid_t g;
        corun_life_params_t p;
        make(&c, &g, &p);
        corun_err_t err = {0};
        void *st = NULL;
        corun_life_info_t info;
        CU_ASSERT_EQUAL_FATAL(corun_life_backend_cuda.open(&st, &g, &p, &err), 0);
        corun_life_backend_cuda.info(st, &info);
        char want[32];
        snprintf(want, sizeof want, k > 1 ? "dense-k%d-b3s23" : "dense-b3s23", k);
        CU_ASSERT_PTR_NOT_NULL(strstr(info.mode, want));
        CU_ASSERT_EQUAL(corun_life_backend_cuda.close(st, &err), 0);
        corun_life_grid_close(&g);
    }
    /* Anything but 1..8 is refused at open(). */
    static const char *const bad[] = {"0", "9", "4x", "-1"};
    for (int i = 0; i < 4; i++) {
        setenv("CORUN_CUDA_GENS", bad[i], 1);
        cfg_t c = {10, 10, CORUN_LIFE_TORUS, "B3/S23", 1, 0.5};
        corun_life_grid_t g;
        corun_life_params_t p;
        make(&c, &g, &p);
        corun_err_t err = {0};
        void *st = NULL;
        CU_ASSERT_EQUAL(corun_life_backend_cuda.open(&st, &g, &p, &err), CORUN_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "CORUN_CUDA_GENS"));
        CU_ASSERT_PTR_NULL(st);
        corun_life_grid_close(&g);
    }
    if (old) setenv("CORUN_CUDA_GENS", old, 1);
    else unsetenv("CORUN_CUDA_GENS");
}

/* What the summary and the file metadata say about the run. */
void cuda_eq_info(void) {
    cfg_t c = {70, 9, CORUN_LIFE_DEAD, "B36/S23", 5, 0.4};
    corun_life_grid_t g;
    corun_life_params_t p;
    make(&c, &g, &p);
    corun_err_t err = {0};
    void *st = NULL;
    corun_life_info_t info;
    CU_ASSERT_EQUAL_FATAL(corun_life_backend_cuda.open(&st, &g, &p, &err), 0);
    corun_life_backend_cuda.info(st, &info);
    CU_ASSERT_PTR_NOT_NULL(strstr(info.mode, "dense-k4-rule")); /* 4 generations per launch */
    CU_ASSERT_PTR_NULL(strchr(info.mode, ' '));
    CU_ASSERT_STRING_EQUAL(info.simd,
                           corun_cuda_build() == CORUN_CUDA_BUILD_EMULATED ? "-" : "gpu");
    CU_ASSERT_EQUAL(info.threads, 1);
    CU_ASSERT_EQUAL(corun_life_backend_cuda.close(st, &err), 0);
    CU_ASSERT_EQUAL(corun_life_backend_cuda.close(NULL, &err), 0);
    corun_life_grid_close(&g);
}

static const char *field(const char *line, const char *key, char *buf, size_t n) {
    const char *p = strstr(line, key);
    buf[0] = '\0';
    if (!p) return buf;
    p += strlen(key);
    size_t i = 0;
    while (p[i] && p[i] != ' ' && p[i] != '\n' && i + 1 < n) {
        buf[i] = p[i];
        i++;
    }
    buf[i] = '\0';
    return buf;
}

/* The program: same hash as serial; --device out of range is refused. */
void cuda_eq_cli(void) {
    static char out[4096], err[4096];
    char h1[64], h2[64];
    const char *a[] = {"corun", "life", "--backend", "serial", "--size", "77x41", "--steps", "33",
                       "--boundary", "dead", "--rule", "B36/S23", "--quiet", NULL};
    CU_ASSERT_EQUAL(test_run_corun(a, out, sizeof out, err, sizeof err), 0);
    field(out, "hash=", h1, sizeof h1);
    a[3] = "cuda";
    CU_ASSERT_EQUAL(test_run_corun(a, out, sizeof out, err, sizeof err), 0);
    field(out, "hash=", h2, sizeof h2);
    CU_ASSERT_TRUE(h1[0] && !strcmp(h1, h2));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "backend=cuda"));
    const char *d[] = {"corun", "life", "--backend", "cuda", "--device", "9", "--size", "8x8",
                       "--quiet", NULL};
    CU_ASSERT_EQUAL(test_run_corun(d, out, sizeof out, err, sizeof err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--device 9"));
}

#else
/* Without the backend cuda_require() skips before any of these runs. */
void cuda_eq_sizes_rules(void) {}
void cuda_eq_random_sizes(void) {}
void cuda_eq_wide_tall(void) {}
void cuda_eq_chunks(void) {}
void cuda_eq_counted(void) {}
void cuda_eq_rows(void) {}
void cuda_eq_snapshot(void) {}
void cuda_eq_info(void) {}
void cuda_eq_multigen(void) {}
void cuda_eq_cli(void) {}
#endif

static void test_require_emulated(void) { cuda_require(CORUN_CUDA_BUILD_EMULATED); }

/* auto never picks the emulator; a hidden device is reported, not a crash. */
static void test_auto_and_hidden(void) {
    static char out[4096], err[4096];
    const char *a[] = {"corun", "life", "--size", "8x8", "--steps", "1", "--quiet", NULL};
    CU_ASSERT_EQUAL(test_run_corun(a, out, sizeof out, err, sizeof err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "backend=omp"));
    setenv("CUDA_VISIBLE_DEVICES", "", 1);
    const char *b[] = {"corun", "life", "--backend", "cuda", "--size", "8x8", "--quiet", NULL};
    CU_ASSERT_EQUAL(test_run_corun(b, out, sizeof out, err, sizeof err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no CUDA device"));
    unsetenv("CUDA_VISIBLE_DEVICES");
}

static const test_case_t cases[] = {
    {"require_emulated", test_require_emulated},
    {"sizes_rules", cuda_eq_sizes_rules},
    {"random_sizes", cuda_eq_random_sizes},
    {"wide_tall", cuda_eq_wide_tall},
    {"chunks", cuda_eq_chunks},
    {"counted", cuda_eq_counted},
    {"rows", cuda_eq_rows},
    {"snapshot", cuda_eq_snapshot},
    {"multigen", cuda_eq_multigen},
    {"info", cuda_eq_info},
    {"cli", cuda_eq_cli},
    {"auto_and_hidden", test_auto_and_hidden},
    {NULL, NULL},
};
CORUN_TEST_SUITE(cuda, cases)
