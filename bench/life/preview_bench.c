/* preview_bench.c — what a frame's preview (/previews, docs/FORMAT.md)
 * costs the snapshot I/O worker: corun_life_preview_count + _values over a
 * random packed frame on one thread (the worker's), next to
 * corun_life_grid_population on one thread (a hardware popcount pass over
 * the same words: the memory-speed floor), best of
 * REPEAT, interleaved. Not part of corun.
 *
 * usage: corun_preview_bench [WIDTH HEIGHT [REPEAT]]   (default 65536 65536 3)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "corun/life.h"

int main(int argc, char **argv) {
    int64_t w = argc > 2 ? atoll(argv[1]) : 65536, h = argc > 2 ? atoll(argv[2]) : 65536;
    int rep = argc > 3 ? atoi(argv[3]) : 3;
    corun_life_grid_t g;
    corun_err_t err;
    if (corun_life_grid_init(&g, w, h, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    corun_life_grid_fill_random(&g, 0.3, 1, 0, 0);
    const int64_t b = corun_life_preview_block(w, h, CORUN_LIFE_PREVIEW_MAX_SIDE), pw = (w + b - 1) / b, ph = (h + b - 1) / b;
    uint64_t *counts = malloc((size_t)(pw * ph) * 8);
    uint8_t *vals = malloc((size_t)(pw * ph));
    double best_p = 1e30, best_c = 1e30;
    volatile uint64_t sink = 0;
    for (int r = 0; r < rep; r++) {
        double t0 = corun_now();
        sink += (uint64_t)corun_life_grid_population(&g, 1);
        double t1 = corun_now();
        memset(counts, 0, (size_t)(pw * ph) * 8);
        corun_life_preview_count(g.words, g.stride, w, 0, h, b, 0, counts);
        for (int64_t by = 0; by < ph; by++)
            corun_life_preview_values(counts + by * pw, w, h, b, by, vals + by * pw);
        double t2 = corun_now();
        if (t1 - t0 < best_c) best_c = t1 - t0;
        if (t2 - t1 < best_p) best_p = t2 - t1;
    }
    printf("size=%lldx%lld block=%lld preview=%lldx%lld frame_mib=%.0f preview_s=%.4f "
           "popcount_s=%.4f preview_gib_per_s=%.2f\n",
           (long long)w, (long long)h, (long long)b, (long long)pw, (long long)ph,
           (double)g.stride * (double)h * 8 / 1048576, best_p, best_c,
           (double)g.stride * (double)h * 8 / best_p / 1073741824.0);
    free(counts);
    free(vals);
    corun_life_grid_close(&g);
    return (int)(sink & 0);
}
