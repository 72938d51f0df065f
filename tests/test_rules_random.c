/* test_rules_random.c — every backend against the serial oracle for random
 * rules: a seeded sample of 240 outer-totalistic B/S rules (B0 rules
 * included) and 60 isotropic ones (Hensel notation), on small odd tori and
 * dead grids, through the omp modes (dense, temporal blocking, change
 * tracking, skip_stable=auto) and SIMD kernel sets, and the cuda backend
 * where this build has it (the emulator in EMULATE builds). Final grids and
 * the population after every generation must be equal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "corun/life.h"
#include "life/omp_int.h"
#include "life/omp_iso.h"
#include "life/omp_rule_jit.h"
#include "life/omp_tuning.h"
#include "testlib.h"

#define GENS 12

static const corun_life_omp_tuning_t tunings[] = {
    {.words_per_thread = 1, .simd = "portable"},
    {.words_per_thread = 1, .tblock_bytes = 1, .band_rows = 8, .levels = 3, .simd = "avx2"},
    {.words_per_thread = 1, .tile_rows = 4, .tile_words = 1},
    {.words_per_thread = 1, .tiles_enter = 0.9, .tiles_leave = 0.95, .simd = "avx512"},
};
static const corun_life_skip_t skips[] = {CORUN_LIFE_SKIP_OFF, CORUN_LIFE_SKIP_OFF,
                                          CORUN_LIFE_SKIP_ON, CORUN_LIFE_SKIP_AUTO};
static const int64_t sizes[][2] = {{13, 7}, {67, 5}, {65, 9}, {3, 11}, {129, 7}, {1, 1}, {5, 3}};
#define NSIZES ((int)(sizeof sizes / sizeof *sizes))

/* The cuda backend if this build can open it here (else NULL, said once). */
static const corun_life_backend_t *cuda_or_null(void) {
    static int probed;
    static const corun_life_backend_t *be;
    if (probed) return be;
    probed = 1;
    be = corun_life_backend_find("cuda", NULL);
    if (be) {
        corun_life_cells_t c;
        corun_life_cells_init(&c, 8, 8, NULL);
        corun_life_params_t p = {.rule = CORUN_LIFE_RULE_CONWAY, .device = -1};
        if (test_life_step(be, &c, &p, 1, NULL, NULL)) be = NULL;
        corun_life_cells_close(&c);
    }
    if (!be) fprintf(stderr, "\n  (no cuda backend in this build or machine: omp only)\n");
    return be;
}

/* One case: rule r, case number i picks size, boundary, mode and threads. */
static int check_rule(const corun_life_rule_t *r, int i, uint64_t seed) {
    const int64_t w = sizes[i % NSIZES][0], h = sizes[i % NSIZES][1];
    const int m = i / NSIZES % 4;
    corun_life_params_t p = {.rule = *r,
                             .boundary = i % 2 ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS,
                             .threads = 1 + i / 3 % 2,
                             .skip_stable = skips[m],
                             .device = -1,
                             .omp_tuning = &tunings[m]};
    corun_life_cells_t init, want, got;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&init, w, h, NULL), 0);
    corun_life_cells_fill_random(&init, 0.4, seed);
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&want, w, h, NULL), 0);
    memcpy(want.cells, init.cells, (size_t)(w * h));
    int64_t wp[GENS], gp[GENS];
    CU_ASSERT_EQUAL_FATAL(test_life_step(&corun_life_backend_serial, &want, &p, GENS, wp, NULL), 0);
    const corun_life_backend_t *bes[] = {&corun_life_backend_omp, cuda_or_null()};
    int bad = 0;
    for (int b = 0; b < 2; b++) {
        if (!bes[b]) continue;
        CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&got, w, h, NULL), 0);
        memcpy(got.cells, init.cells, (size_t)(w * h));
        corun_err_t err = {0};
        int rc = test_life_step(bes[b], &got, &p, GENS, gp, &err);
        CU_ASSERT_EQUAL(rc, 0);
        int same = !rc && !memcmp(got.cells, want.cells, (size_t)(w * h)) &&
                   !memcmp(gp, wp, sizeof wp);
        if (!same) {
            char name[CORUN_LIFE_RULE_TEXT_MAX];
            corun_life_rule_format(*r, name, sizeof name);
            fprintf(stderr, "\n  %s differs from serial: rule %s, %lldx%lld %s, mode %d: %s\n",
                    bes[b]->name, name, (long long)w, (long long)h,
                    p.boundary == CORUN_LIFE_DEAD ? "dead" : "torus", m, rc ? err.msg : "");
            bad++;
        }
        corun_life_cells_close(&got);
    }
    corun_life_cells_close(&init);
    corun_life_cells_close(&want);
    return bad;
}

/* n random B/S rules from number i0 on, through every mode and kernel set. */
static void random_bs(int i0, int n) {
    int bad = 0, b0 = 0;
    for (int i = i0; i < i0 + n; i++) {
        uint64_t v = corun_rng_u64(2024, (uint64_t)i);
        corun_life_rule_t r = {.born = (uint16_t)(v & 0x1ff), .survive = (uint16_t)(v >> 9 & 0x1ff)};
        if (i % 8 == 0) r.born |= 1; /* B0 rules in every size, both boundaries */
        b0 += r.born & 1;
        bad += check_rule(&r, i, v);
    }
    CU_ASSERT(b0 >= n / 8);
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_random_bs(void) { random_bs(0, 240); }

/* The AVX-512 kernels apply a rule they could not compile (omp_rule_jit.c:
 * executable memory refused, CORUN_OMP_JIT=0) through the tables' switches:
 * the same 60 of the rules, with compiling switched off. */
static void test_random_bs_switch(void) {
    omp_rule_jit_enable(0);
    random_bs(0, 60);
    omp_rule_jit_enable(1);
}

static void test_random_isotropic(void) {
    int bad = 0, iso = 0;
    for (int i = 0; i < 60; i++) {
        char text[128];
        test_random_hensel(77 + (uint64_t)i, 1, 1, text, sizeof text); /* no B0 */
        corun_life_rule_t r;
        corun_err_t err = {0};
        int rc = corun_life_rule_parse(text, &r, &err);
        if (rc) fprintf(stderr, "\n  %s: %s\n", text, err.msg);
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        iso += r.iso;
        bad += check_rule(&r, i, corun_rng_u64(9, (uint64_t)i));
    }
    CU_ASSERT(iso >= 55);
    CU_ASSERT_EQUAL(bad, 0);
}

/* The table-lookup kernel (omp_iso_lut.c, picked for the avx512 kernel set
 * on CPUs with VBMI and BITALG) walks vectors of 8 words down the rows and
 * makes the row ends' wrapped cells itself: widths around multiples of 64
 * and 512 (a last word full or not, a last vector of 1..8 words), heights
 * not a multiple of its six-row unrolling, every mode (change tracking's
 * narrow column ranges and delta counts included), both boundaries, 1 and
 * 2 threads. */
static void test_isotropic_lut(void) {
    static const int64_t lsizes[][2] = {{700, 37}, {1024, 20}, {577, 67}, {64, 9},
                                        {130, 131}, {1, 9},    {65, 2},   {1536, 7}};
    static const corun_life_omp_tuning_t lt[] = {
        {.words_per_thread = 1, .tblock_off = 1, .simd = "avx512"},
        {.words_per_thread = 1, .tblock_bytes = 1, .band_rows = 8, .levels = 3, .simd = "avx512"},
        {.words_per_thread = 1, .tile_rows = 5, .tile_words = 3, .simd = "avx512"},
        {.words_per_thread = 1, .tiles_enter = 0.9, .tiles_leave = 0.95, .simd = "avx512"},
    };
    static const corun_life_skip_t lskip[] = {CORUN_LIFE_SKIP_OFF, CORUN_LIFE_SKIP_OFF,
                                              CORUN_LIFE_SKIP_ON, CORUN_LIFE_SKIP_AUTO};
#ifdef OMP_HAVE_X86_COPIES
    if (corun_cpu_has(CORUN_CPU_AVX512 | CORUN_CPU_AVX512_VBMI2 | CORUN_CPU_AVX512_VPOPCNTDQ |
                      CORUN_CPU_AVX512_VBMI | CORUN_CPU_AVX512_BITALG)) {
        CU_ASSERT_TRUE(omp_iso_kernel("avx512") == omp_iso_lut_avx512);
    } else {
        fprintf(stderr, "\n  (no AVX-512 VBMI + BITALG here: the fallback kernel runs)\n");
    }
#endif
    int bad = 0, n = 0;
    for (int i = 0; i < 24; i++) {
        char text[128];
        test_random_hensel(500 + (uint64_t)i, 1, 1, text, sizeof text);
        corun_life_rule_t r;
        CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse(text, &r, NULL), 0);
        for (int k = 0; k < 8; k++, n++) {
            const int64_t w = lsizes[k][0], h = lsizes[k][1];
            const int m = (i + k) % 4;
            corun_life_params_t p = {.rule = r,
                                     .boundary = (i + k) % 2 ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS,
                                     .threads = 1 + (i / 2 + k) % 2,
                                     .skip_stable = lskip[m],
                                     .device = -1,
                                     .omp_tuning = &lt[m]};
            corun_life_cells_t want, got;
            CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&want, w, h, NULL), 0);
            corun_life_cells_fill_random(&want, 0.2 + 0.05 * (k % 4), corun_rng_u64(31, (uint64_t)n));
            CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&got, w, h, NULL), 0);
            memcpy(got.cells, want.cells, (size_t)(w * h));
            int64_t wp[GENS], gp[GENS];
            CU_ASSERT_EQUAL_FATAL(test_life_step(&corun_life_backend_serial, &want, &p, GENS, wp, NULL), 0);
            int rc = test_life_step(&corun_life_backend_omp, &got, &p, GENS, gp, NULL);
            CU_ASSERT_EQUAL(rc, 0);
            if (rc || memcmp(got.cells, want.cells, (size_t)(w * h)) || memcmp(gp, wp, sizeof wp)) {
                fprintf(stderr, "\n  omp differs from serial: rule %s, %lldx%lld %s, mode %d, %d threads\n",
                        text, (long long)w, (long long)h,
                        p.boundary == CORUN_LIFE_DEAD ? "dead" : "torus", m, p.threads);
                bad++;
            }
            corun_life_cells_close(&want);
            corun_life_cells_close(&got);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* mode= names the rule's path, so a user sees whether the fast one ran: a
 * B/S rule says -totalistic-jit where the AVX-512 kernels run it compiled
 * (omp_rule_jit.c), -totalistic where they cannot or another kernel set
 * runs it. */
static void mode_names(const char *totalistic) {
    const struct {
        const char *rule, *omp, *cuda;
    } want[] = {{"B3/S23", "-conway", "-b3s23"},
                {"B36/S23", totalistic, "-rule"},
                {"B2aceikn3/S23", totalistic, "-rule"}, /* complete counts: B/S */
                {"B2-a/S12", "-isotropic", "-isotropic"}};
    const corun_life_backend_t *bes[] = {&corun_life_backend_omp, cuda_or_null()};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        for (int b = 0; b < 2; b++) {
            if (!bes[b]) continue;
            corun_life_params_t p = {.device = -1, .threads = 1};
            CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse(want[i].rule, &p.rule, NULL), 0);
            corun_life_grid_t g;
            CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&g, 100, 50, NULL), 0);
            void *st = NULL;
            CU_ASSERT_EQUAL_FATAL(bes[b]->open(&st, &g, &p, NULL), 0);
            corun_life_info_t info;
            bes[b]->info(st, &info);
            const char *suffix = b ? want[i].cuda : want[i].omp;
            const size_t ml = strlen(info.mode), sl = strlen(suffix);
            CU_ASSERT_TRUE(ml > sl && !strcmp(info.mode + ml - sl, suffix));
            if (ml <= sl || strcmp(info.mode + ml - sl, suffix))
                fprintf(stderr, "\n  %s %s: mode=%s, want ...%s\n", bes[b]->name, want[i].rule,
                        info.mode, suffix);
            CU_ASSERT_EQUAL(bes[b]->close(st, NULL), 0);
            corun_life_grid_close(&g);
        }
    }
}

static void test_mode_names(void) {
    const int avx512 = !strcmp(corun_life_omp_kernels(NULL)->simd, "avx512");
    const int jit = avx512 && omp_rule_jit(corun_life_rule_tables(0x48, 0x0c)) != NULL;
    if (avx512 && !jit) fprintf(stderr, "\n  (AVX-512 without compiled rules here)\n");
    mode_names(jit ? "-totalistic-jit" : "-totalistic");
    omp_rule_jit_enable(0);
    mode_names("-totalistic");
    omp_rule_jit_enable(1);
}

static const test_case_t cases[] = {
    {"mode= names the rule path (conway, totalistic, jit, isotropic)", test_mode_names},
    {"240 random B/S rules (B0 included): omp and cuda equal serial", test_random_bs},
    {"60 random B/S rules, AVX-512 switch path (no compiled rule): equal serial",
     test_random_bs_switch},
    {"60 random isotropic rules: omp and cuda equal serial", test_random_isotropic},
    {"isotropic rules, table-lookup kernel: wide odd sizes, every mode, equal serial",
     test_isotropic_lut},
    {NULL, NULL},
};
CORUN_TEST_SUITE(rules_random, cases)
