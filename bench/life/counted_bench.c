/* counted_bench.c — what counting every generation's population costs the
 * omp backend, per stepping mode, SIMD level and thread count: the same
 * soup stepped with step(n, NULL) and step(n, pops), interleaved, best of
 * REPEAT each. Snapshot runs ask for populations (the /population series),
 * so this is the price of the series over plain stepping.
 *
 * usage: corun_counted_bench [SIZE [STEPS [REPEAT [SIMD]]]]   (default 16384 100 5, every
 *        kernel set; SIMD: only avx512, avx2 or portable)
 * Prints one line per case: mode as the backend reports it, seconds
 * uncounted and counted, and their ratio. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omp_run.h"

int main(int argc, char **argv) {
    int64_t size = argc > 1 ? atoll(argv[1]) : 16384, steps = argc > 2 ? atoll(argv[2]) : 100;
    int repeat = argc > 3 ? atoi(argv[3]) : 5;
    const char *only = argc > 4 ? argv[4] : NULL;
    const corun_life_backend_t *be = corun_life_backend_find("omp", NULL);
    static const char *simd[] = {"avx512", "avx2", "portable"};
    const bcase_t cases[] = {
        {"dense", CORUN_LIFE_SKIP_OFF, {.tblock_off = 1}},
        {"dense-wordorder", CORUN_LIFE_SKIP_OFF, {.tblock_off = 1, .perm_off = 1}},
        {"tblock", CORUN_LIFE_SKIP_OFF, {.tblock_bytes = 1}},
        {"tblock-wordorder", CORUN_LIFE_SKIP_OFF, {.tblock_bytes = 1, .perm_off = 1}},
        {"tiles", CORUN_LIFE_SKIP_ON, {0}},
        {"auto", CORUN_LIFE_SKIP_AUTO, {0}},
    };
    printf("# size=%lldx%lld steps=%lld best of %d\n", (long long)size, (long long)size,
           (long long)steps, repeat);
    for (int threads = 1; threads <= 2; threads++)
        for (size_t s = 0; s < sizeof simd / sizeof *simd; s++)
            for (size_t c = 0; c < sizeof cases / sizeof *cases && (!only || !strcmp(only, simd[s]));
                 c++) {
                corun_life_omp_tuning_t tu = cases[c].tu;
                tu.simd = simd[s];
                corun_life_params_t p = {.rule = CORUN_LIFE_RULE_CONWAY,
                                         .boundary = CORUN_LIFE_TORUS,
                                         .threads = threads,
                                         .skip_stable = cases[c].skip,
                                         .omp_tuning = &tu};
                double best[2] = {1e30, 1e30};
                char mode[48] = "";
                for (int r = 0; r < repeat; r++)
                    for (int counted = 0; counted < 2; counted++) {
                        double t = bench_omp_run("counted_bench", be, &p, size, steps, counted, mode, sizeof mode);
                        if (t < best[counted]) best[counted] = t;
                    }
                printf("threads=%d simd=%-8s case=%-16s mode=%-28s plain=%.4f counted=%.4f "
                       "ratio=%.3f\n",
                       threads, simd[s], cases[c].name, mode, best[0], best[1],
                       best[1] / best[0]);
                fflush(stdout);
            }
    return 0;
}
