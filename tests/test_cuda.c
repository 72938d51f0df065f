/* test_cuda.c — the cuda backend must equal the serial oracle bit for bit
 * (hash and population): every listed size incl. 1 and 2 wide/high, both
 * boundaries, several rules, uneven step chunks, per-generation populations,
 * the packed read, snapshots taken while stepping, and the CLI. Suite `cuda`
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

static void make(const cfg_t *c, corun_life_cells_t *g, corun_life_params_t *p) {
    memset(p, 0, sizeof *p);
    CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse(c->rule, &p->rule, NULL), 0);
    p->boundary = c->b;
    p->device = -1;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(g, c->w, c->h, NULL), 0);
    corun_life_cells_fill_random(g, c->density, c->seed);
}

/* Runs be from init through chunks (0-ended); the final grid into out. */
static int run(const corun_life_backend_t *be, const corun_life_cells_t *init,
               const corun_life_params_t *p, const int *chunks, corun_life_cells_t *out) {
    corun_err_t err = {0};
    void *st = NULL;
    int rc = be->init(&st, init, p, &err);
    for (int i = 0; !rc && chunks[i]; i++) rc = be->step(st, chunks[i], &err);
    if (!rc) rc = corun_life_cells_init(out, init->width, init->height, &err);
    if (!rc) rc = be->read(st, out, &err);
    if (rc) fprintf(stderr, "\n%s: %s\n", be->name, err.msg);
    be->fini(st);
    return rc;
}

static int compare(const cfg_t *c, const int *chunks) {
    corun_life_cells_t init, a = {0}, b = {0};
    corun_life_params_t p;
    make(c, &init, &p);
    int rc = run(&corun_life_backend_serial, &init, &p, chunks, &a);
    if (!rc) rc = run(&corun_life_backend_cuda, &init, &p, chunks, &b);
    CU_ASSERT_EQUAL(rc, 0);
    int same = !rc && corun_life_cells_hash(&a) == corun_life_cells_hash(&b) &&
               corun_life_cells_population(&a) == corun_life_cells_population(&b);
    if (!same)
        fprintf(stderr, "\nMISMATCH %lldx%lld %s %s seed=%llu pop serial=%lld cuda=%lld\n",
                (long long)c->w, (long long)c->h, corun_life_boundary_name(c->b), c->rule,
                (unsigned long long)c->seed, (long long)(a.cells ? corun_life_cells_population(&a) : -1),
                (long long)(b.cells ? corun_life_cells_population(&b) : -1));
    CU_ASSERT_TRUE(same);
    corun_life_cells_close(&init);
    corun_life_cells_close(&a);
    corun_life_cells_close(&b);
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

/* step_counted's populations, generation by generation. */
void cuda_eq_counted(void) {
    const int n = 40;
    cfg_t cs[] = {{130, 45, CORUN_LIFE_TORUS, "B3/S23", 11, 0.4},
                  {67, 200, CORUN_LIFE_DEAD, "B3678/S34678", 12, 0.5},
                  {1, 1, CORUN_LIFE_TORUS, "B0/S8", 13, 0.5}};
    for (size_t k = 0; k < sizeof cs / sizeof *cs; k++) {
        corun_life_cells_t init;
        corun_life_params_t p;
        make(&cs[k], &init, &p);
        int64_t pa[40], pb[40];
        corun_err_t err = {0};
        void *sa = NULL, *sb = NULL;
        CU_ASSERT_EQUAL(corun_life_backend_serial.init(&sa, &init, &p, &err), 0);
        int rc = corun_life_backend_cuda.init(&sb, &init, &p, &err);
        CU_ASSERT_EQUAL(rc, 0);
        if (!rc) {
            CU_ASSERT_EQUAL(corun_life_backend_serial.step_counted(sa, n, pa, &err), 0);
            /* two calls: the counters are reset between chunks */
            CU_ASSERT_EQUAL(corun_life_backend_cuda.step_counted(sb, 15, pb, &err), 0);
            CU_ASSERT_EQUAL(corun_life_backend_cuda.step_counted(sb, n - 15, pb + 15, &err), 0);
            CU_ASSERT_EQUAL(memcmp(pa, pb, sizeof pa), 0);
        } else {
            fprintf(stderr, "\n%s\n", err.msg);
        }
        corun_life_backend_serial.fini(sa);
        corun_life_backend_cuda.fini(sb);
        corun_life_cells_close(&init);
    }
}

/* read_packed gives the snapshot layout: the serial grid packed. */
void cuda_eq_packed(void) {
    cfg_t c = {150, 33, CORUN_LIFE_TORUS, "B2/S", 21, 0.3};
    static const int chunks[] = {9, 0};
    corun_life_cells_t init, a = {0};
    corun_life_params_t p;
    make(&c, &init, &p);
    CU_ASSERT_EQUAL_FATAL(run(&corun_life_backend_serial, &init, &p, chunks, &a), 0);
    size_t words = (size_t)(corun_life_words_per_row(c.w) * c.h);
    uint64_t *wa = calloc(words, 8), *wb = calloc(words, 8);
    corun_life_pack(&a, wa);
    corun_err_t err = {0};
    void *st = NULL;
    CU_ASSERT_EQUAL(corun_life_backend_cuda.init(&st, &init, &p, &err), 0);
    CU_ASSERT_EQUAL(corun_life_backend_cuda.step(st, 9, &err), 0);
    CU_ASSERT_EQUAL(corun_life_backend_cuda.read_packed(st, wb, &err), 0);
    CU_ASSERT_EQUAL(memcmp(wa, wb, words * 8), 0);
    corun_life_backend_cuda.fini(st);
    free(wa);
    free(wb);
    corun_life_cells_close(&init);
    corun_life_cells_close(&a);
}

/* A snapshot taken at generation 10 still holds generation 10 after 20 more
 * generations were stepped, and survives the backend's fini(). */
void cuda_eq_snapshot(void) {
    cfg_t c = {200, 70, CORUN_LIFE_TORUS, "B3/S23", 31, 0.4};
    static const int ten[] = {10, 0}, thirty[] = {30, 0};
    corun_life_cells_t init, a10 = {0}, a30 = {0}, s = {0}, fin = {0};
    corun_life_params_t p;
    make(&c, &init, &p);
    CU_ASSERT_EQUAL_FATAL(run(&corun_life_backend_serial, &init, &p, ten, &a10), 0);
    CU_ASSERT_EQUAL_FATAL(run(&corun_life_backend_serial, &init, &p, thirty, &a30), 0);
    corun_err_t err = {0};
    void *st = NULL;
    corun_life_cuda_snap_t *snap = NULL;
    CU_ASSERT_EQUAL_FATAL(corun_life_backend_cuda.init(&st, &init, &p, &err), 0);
    CU_ASSERT_EQUAL(corun_life_backend_cuda.step(st, 10, &err), 0);
    CU_ASSERT_EQUAL(corun_life_cuda_snap_begin(st, &snap, &err), 0);
    CU_ASSERT_EQUAL(corun_life_backend_cuda.step(st, 20, &err), 0);
    CU_ASSERT_EQUAL(corun_life_cells_init(&fin, c.w, c.h, NULL), 0);
    CU_ASSERT_EQUAL(corun_life_backend_cuda.read(st, &fin, &err), 0);
    corun_life_backend_cuda.fini(st);
    CU_ASSERT_EQUAL(corun_life_cells_hash(&fin), corun_life_cells_hash(&a30));
    if (snap) {
        CU_ASSERT_EQUAL(corun_life_cuda_snap_wait(snap, &err), 0);
        CU_ASSERT_EQUAL(corun_life_cuda_snap_poll(snap, &err), 1);
        CU_ASSERT_EQUAL(corun_life_cuda_snap_generation(snap), 10);
        CU_ASSERT_EQUAL(corun_life_cells_init(&s, c.w, c.h, NULL), 0);
        CU_ASSERT_EQUAL(corun_life_cuda_snap_unpack(snap, &s, &err), 0);
        CU_ASSERT_EQUAL(corun_life_cells_hash(&s), corun_life_cells_hash(&a10));
        corun_life_cuda_snap_release(snap);
    }
    corun_life_cells_close(&init);
    corun_life_cells_close(&a10);
    corun_life_cells_close(&a30);
    corun_life_cells_close(&s);
    corun_life_cells_close(&fin);
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
void cuda_eq_packed(void) {}
void cuda_eq_snapshot(void) {}
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
    {"packed", cuda_eq_packed},
    {"snapshot", cuda_eq_snapshot},
    {"cli", cuda_eq_cli},
    {"auto_and_hidden", test_auto_and_hidden},
    {NULL, NULL},
};
CORUN_TEST_SUITE(cuda, cases)
