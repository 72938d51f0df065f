/* test_omp_rules.c — random outer-totalistic rules (B0 rules included) in
 * every kernel family the omp backend has, on every SIMD level this CPU
 * runs, and in the cuda backend where it opens (the emulator build), bit
 * for bit against the serial oracle: a seeded sample of 240 of the 2^18
 * B/S rules, each on an odd-sized torus or dead grid (some 512 cells wide,
 * where dense and blocked stepping keep lane-strided rows), in dense
 * stepping, forced temporal blocking (with its streaming last level),
 * change tracking with narrow tiles, and skip_stable=auto's switching.
 * The portable and AVX2 kernels evaluate four tables derived from a rule's
 * (corun_life_rule_tables: eb, es^eb, ob^eb, os^ob^es^eb, cv_rule_of in
 * omp_conway_vec.h) with a separate code path per table value, so the
 * sample is checked to reach every value of each.
 * Other suites cover sizes and modes in depth for a few listed rules
 * (omp_vs_serial) and the backend contract (conformance). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "corun/life.h"
#include "life/omp_tuning.h"
#include "life_word.h"
#include "testlib.h"

#define NRULES 240
#define STEPS 23 /* odd: a B0 rule's complement phase is checked too */

typedef struct mode_case {
    const char *name;
    corun_life_skip_t skip;
    corun_life_omp_tuning_t tu; /* simd filled in per level */
} mode_case_t;

/* Steps a packed copy of init with be; returns 1 and the grid's hash and
 * population, or 0 if be cannot open here (cuda without a device). */
static int run(const corun_life_backend_t *be, const corun_life_cells_t *init,
               const corun_life_params_t *p, uint64_t *hash, int64_t *pop, char *mode,
               size_t modecap) {
    corun_err_t err = {0};
    test_life_t t;
    if (test_life_open(&t, be, init, p, &err)) {
        CU_ASSERT_STRING_NOT_EQUAL(be->name, "omp");
        return 0;
    }
    /* two chunks: the modes must carry state across calls */
    int rc = be->step(t.st, 10, NULL, &err);
    if (!rc) rc = be->step(t.st, STEPS - 10, NULL, &err);
    CU_ASSERT_EQUAL(rc, 0);
    corun_life_cells_t out = {0};
    if (!rc) rc = corun_life_cells_init(&out, init->width, init->height, &err);
    if (!rc) rc = test_life_read(&t, &out, &err);
    CU_ASSERT_EQUAL(rc, 0);
    *hash = corun_life_cells_hash(&out);
    *pop = corun_life_cells_population(&out);
    snprintf(mode, modecap, "%s", test_life_mode(&t));
    corun_life_cells_close(&out);
    test_life_close(&t);
    return !rc;
}

static void test_random_rules(void) {
    static const char *simd[] = {"portable", "avx2", "avx512"};
    static const mode_case_t modes[] = {
        {"dense", CORUN_LIFE_SKIP_OFF, {.tblock_off = 1, .words_per_thread = 1}},
        {"tblock", CORUN_LIFE_SKIP_OFF,
         {.tblock_bytes = 1, .levels = 3, .band_rows = 12, .words_per_thread = 1}},
        {"tiles", CORUN_LIFE_SKIP_ON, {.tile_words = 1, .tile_rows = 4, .words_per_thread = 1}},
        {"auto", CORUN_LIFE_SKIP_AUTO,
         {.tblock_bytes = 1, .levels = 2, .band_rows = 8, .words_per_thread = 1}},
    };
    /* Odd sizes; 512 wide: lane-strided rows on a torus. */
    static const int64_t sizes[][2] = {{67, 45}, {129, 19}, {512, 9}, {1, 13}, {200, 7}};
    const corun_life_backend_t *cuda = corun_life_backend_find("cuda", NULL);
    int failures = 0, b0 = 0, cuda_runs = 0;
    uint32_t seen[4] = {0}; /* table values the sample reached, per table */
    for (int r = 0; r < NRULES && failures < 5; r++) {
        uint64_t bits = corun_rng_u64(2718, (uint64_t)r);
        corun_life_params_t p = {0};
        p.rule.born = (unsigned)(bits & 0x1ffu);
        p.rule.survive = (unsigned)((bits >> 9) & 0x1ffu);
        if (r % 8 == 0) p.rule.born |= 1u; /* at least a few B0 rules, B0 with S8 too */
        b0 += (int)(p.rule.born & 1u);
        const corun_life_rule_tables_t rt = corun_life_rule_tables(p.rule.born, p.rule.survive);
        seen[0] |= 1u << rt.even_b;
        seen[1] |= 1u << (rt.even_s ^ rt.even_b);
        seen[2] |= 1u << (rt.odd_b ^ rt.even_b);
        seen[3] |= 1u << (rt.odd_s ^ rt.odd_b ^ rt.even_s ^ rt.even_b);
        p.boundary = r & 1 ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS;
        const int64_t *sz = sizes[(r >> 1) % 5];
        corun_life_cells_t init;
        CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&init, sz[0], sz[1], NULL), 0);
        corun_life_cells_fill_random(&init, 0.2 + 0.05 * (r % 10), 900 + (uint64_t)r);
        char rule[32], mode[64];
        corun_life_rule_format(p.rule, rule, sizeof rule);
        uint64_t want_hash, hash;
        int64_t want_pop, pop;
        p.threads = 1;
        if (!run(&corun_life_backend_serial, &init, &p, &want_hash, &want_pop, mode,
                 sizeof mode)) {
            CU_FAIL("serial did not open");
            corun_life_cells_close(&init);
            return;
        }
        for (size_t s = 0; s < sizeof simd / sizeof *simd; s++)
            for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
                corun_life_omp_tuning_t tu = modes[m].tu;
                tu.simd = simd[s];
                p.omp_tuning = &tu;
                p.skip_stable = modes[m].skip;
                p.threads = 1 + (int)((r + (int)m) & 1);
                if (!run(&corun_life_backend_omp, &init, &p, &hash, &pop, mode, sizeof mode))
                    continue;
                if (hash != want_hash || pop != want_pop) {
                    fprintf(stderr,
                            "\nMISMATCH %s %lldx%lld %s simd=%s case=%s mode=%s threads=%d "
                            "pop serial=%lld omp=%lld\n",
                            rule, (long long)sz[0], (long long)sz[1],
                            corun_life_boundary_name(p.boundary), simd[s], modes[m].name, mode,
                            p.threads, (long long)want_pop, (long long)pop);
                    failures++;
                }
                CU_ASSERT_TRUE(hash == want_hash && pop == want_pop);
            }
        if (cuda) {
            p.omp_tuning = NULL;
            p.device = -1;
            for (int skip = 0; skip < 2; skip++) {
                p.skip_stable = skip ? CORUN_LIFE_SKIP_ON : CORUN_LIFE_SKIP_OFF;
                if (!run(cuda, &init, &p, &hash, &pop, mode, sizeof mode)) break;
                cuda_runs++;
                if (hash != want_hash || pop != want_pop) {
                    fprintf(stderr, "\nMISMATCH %s cuda skip=%d mode=%s\n", rule, skip, mode);
                    failures++;
                }
                CU_ASSERT_TRUE(hash == want_hash && pop == want_pop);
            }
        }
        corun_life_cells_close(&init);
    }
    CU_ASSERT_TRUE(b0 >= NRULES / 8);
    for (int t = 0; t < 4; t++) CU_ASSERT_EQUAL(seen[t], 0xffffffffu);
    if (cuda && !cuda_runs) fprintf(stderr, "\n  omp_rules: cuda did not open here: skipped\n");
}

/* The lane-strided and streaming kernels serve every rule, not only
 * B3/S23: the plan picks them for a B0 rule and Highlife alike. */
static void test_rules_take_fast_paths(void) {
    static const char *rules[] = {"B36/S23", "B0123478/S34678", "B1357/S1357"};
    corun_life_omp_tuning_t tu = {.simd = "avx512", .tblock_off = 1, .words_per_thread = 1};
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        corun_life_params_t p = {0};
        CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse(rules[i], &p.rule, NULL), 0);
        p.boundary = CORUN_LIFE_TORUS;
        p.threads = 1;
        p.skip_stable = CORUN_LIFE_SKIP_OFF;
        p.omp_tuning = &tu;
        corun_life_cells_t init;
        CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&init, 1024, 8, NULL), 0);
        corun_life_cells_fill_random(&init, 0.5, 5);
        uint64_t hash;
        int64_t pop;
        char mode[64];
        CU_ASSERT_TRUE(run(&corun_life_backend_omp, &init, &p, &hash, &pop, mode, sizeof mode));
        const int has = !strcmp(corun_life_omp_simd(), "avx512");
        CU_ASSERT_EQUAL(strstr(mode, "dense-avx512-strided") != NULL, has);
        corun_life_cells_close(&init);
    }
}

static const test_case_t cases[] = {
    {"240 random B/S rules x modes x SIMD levels (and cuda) against serial", test_random_rules},
    {"every rule takes the lane-strided kernels", test_rules_take_fast_paths},
    {NULL, NULL},
};
CORUN_TEST_SUITE(omp_rules, cases)
