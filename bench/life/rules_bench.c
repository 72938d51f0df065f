/* rules_bench.c — how fast the omp backend steps other outer-totalistic
 * rules than B3/S23, per stepping mode, SIMD level and thread count: each
 * rule's rate next to B3/S23's, measured interleaved (every repeat steps
 * every rule once, in turn) and best of REPEAT, so a busy machine moves
 * both sides of a ratio alike.
 *
 * usage: corun_rules_bench [SIZE [STEPS [REPEAT [SIMD [THREADS [CASE [RULES]]]]]]]
 *        (default 2048 200 5, every kernel set, 1 and 2 threads, every case;
 *        SIMD: avx512, avx2, portable or avx512-autovec; THREADS: 1 or 2; CASE: dense,
 *        tblock, tiles, auto; "-" for any of them: all; RULES: the rules to
 *        time after B3/S23, comma-separated, Hensel notation included,
 *        instead of the built-in list)
 * Prints one line per case and rule: the mode as the backend reports it,
 * the rate in cell updates per second and the ratio to B3/S23's rate.
 * Change tracking's rate depends on how much of the soup changes, which
 * differs between rules; its ratios compare kernels only while every tile
 * is still active (the soup's first few hundred generations). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omp_run.h"

static int pick(const char *only, const char *name) {
    return !only || !strcmp(only, "-") || !strcmp(only, name);
}

int main(int argc, char **argv) {
    int64_t size = argc > 1 ? atoll(argv[1]) : 2048, steps = argc > 2 ? atoll(argv[2]) : 200;
    int repeat = argc > 3 ? atoi(argv[3]) : 5;
    const char *only_simd = argc > 4 ? argv[4] : NULL;
    const char *only_threads = argc > 5 ? argv[5] : NULL;
    const char *only_case = argc > 6 ? argv[6] : NULL;
    const corun_life_backend_t *be = corun_life_backend_find("omp", NULL);
    /* SIMD may also name a set "-" leaves out: avx512-autovec */
    const char *simd[] = {"avx512", "avx2", "portable"};
    if (only_simd && strcmp(only_simd, "-") && strcmp(only_simd, "avx512") &&
        strcmp(only_simd, "avx2") && strcmp(only_simd, "portable"))
        simd[0] = only_simd;
    /* B3/S23 first: the others' ratios are to it. One of each family the
     * performance page names: Highlife, Day & Night, Seeds, Replicator,
     * Diamoeba, and a B0 rule (its complement steps without B0). */
    static const char *builtin[] = {"B3/S23",          "B36/S23",   "B3678/S34678",
                                    "B2/S",            "B1357/S1357", "B35678/S5678",
                                    "B0123478/S34678"};
    enum { NR_MAX = 16 };
    const char *rules[NR_MAX];
    int NR = 0;
    char *list = argc > 7 ? strdup(argv[7]) : NULL;
    if (list) {
        rules[NR++] = "B3/S23";
        for (char *t = strtok(list, ","); t && NR < NR_MAX; t = strtok(NULL, ",")) rules[NR++] = t;
    } else {
        for (size_t r = 0; r < sizeof builtin / sizeof *builtin; r++) rules[NR++] = builtin[r];
    }
    const bcase_t cases[] = {
        {"dense", CORUN_LIFE_SKIP_OFF, {.tblock_off = 1}},
        {"tblock", CORUN_LIFE_SKIP_OFF, {.tblock_bytes = 1}},
        {"tiles", CORUN_LIFE_SKIP_ON, {0}},
        {"auto", CORUN_LIFE_SKIP_AUTO, {0}},
    };
    corun_life_rule_t rule[NR_MAX];
    for (int r = 0; r < NR; r++)
        if (corun_life_rule_parse(rules[r], &rule[r], NULL)) {
            fprintf(stderr, "rules_bench: bad rule %s\n", rules[r]);
            return 2;
        }
    printf("# size=%lldx%lld steps=%lld best of %d, rules interleaved\n", (long long)size,
           (long long)size, (long long)steps, repeat);
    for (int threads = 1; threads <= 2; threads++) {
        char tname[4];
        snprintf(tname, sizeof tname, "%d", threads);
        if (!pick(only_threads, tname)) continue;
        for (size_t s = 0; s < sizeof simd / sizeof *simd; s++) {
            if (!pick(only_simd, simd[s])) continue;
            for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
                if (!pick(only_case, cases[c].name)) continue;
                corun_life_omp_tuning_t tu = cases[c].tu;
                tu.simd = simd[s];
                double best[NR_MAX];
                char mode[NR_MAX][48];
                for (int r = 0; r < NR; r++) best[r] = 1e30;
                for (int i = 0; i < repeat; i++)
                    for (int r = 0; r < NR; r++) {
                        corun_life_params_t p = {.rule = rule[r],
                                                 .boundary = CORUN_LIFE_TORUS,
                                                 .threads = threads,
                                                 .skip_stable = cases[c].skip,
                                                 .omp_tuning = &tu};
                        double t = bench_omp_run("rules_bench", be, &p, size, steps, 0, mode[r], sizeof mode[r]);
                        if (t < best[r]) best[r] = t;
                    }
                const double cells = (double)size * (double)size * (double)steps;
                for (int r = 0; r < NR; r++)
                    printf("threads=%d simd=%-8s case=%-6s rule=%-16s mode=%-28s "
                           "rate=%7.2fG ratio=%.2f\n",
                           threads, simd[s], cases[c].name, rules[r], mode[r],
                           cells / best[r] / 1e9, best[0] / best[r]);
                fflush(stdout);
            }
        }
    }
    free(list);
    return 0;
}
