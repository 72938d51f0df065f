/* grid_preview.c — the live-cell density of B x B blocks of packed rows:
 * the small uint8 preview a snapshot file keeps next to each frame
 * (docs/FORMAT.md, /previews). Works on the packed words directly: a
 * block's cells of one row are a bit range, counted with popcount a word
 * at a time, so a row costs about one popcount per word plus two per
 * block, and a 65536 x 65536 frame (512 MiB) is one pass at memory speed.
 * Counting is separate from scaling so that pieces of a frame (the chunks
 * of a slab, the slabs of MPI ranks) add their counts before the values
 * are made. */
#include <string.h>

#include "corun/life.h"

int64_t corun_life_preview_block(int64_t width, int64_t height) {
    const int64_t side = width > height ? width : height;
    /* ceil(side / B) <= CORUN_LIFE_PREVIEW_MAX  <=>  B >= ceil(side / MAX) */
    int64_t b = (side + CORUN_LIFE_PREVIEW_MAX - 1) / CORUN_LIFE_PREVIEW_MAX;
    return b < 1 ? 1 : b;
}

/* Live cells among bits a .. b-1 (a < b) of a packed row. */
static inline uint64_t range_count(const uint64_t *row, int64_t a, int64_t b) {
    const int64_t wa = a >> 6, wb = (b - 1) >> 6;
    const unsigned sa = (unsigned)(a & 63), eb = (unsigned)((b - 1) & 63) + 1;
    const uint64_t hi = eb == 64 ? ~0ull : ((1ull << eb) - 1);
    if (wa == wb) return (uint64_t)__builtin_popcountll((row[wa] >> sa) & (hi >> sa));
    uint64_t n = (uint64_t)__builtin_popcountll(row[wa] >> sa);
    for (int64_t w = wa + 1; w < wb; w++) n += (uint64_t)__builtin_popcountll(row[w]);
    return n + (uint64_t)__builtin_popcountll(row[wb] & hi);
}

void corun_life_preview_count(const uint64_t *words, int64_t stride, int64_t width, int64_t y0,
                              int64_t n, int64_t block, uint64_t *counts) {
    const int64_t pw = (width + block - 1) / block;
    for (int64_t y = 0; y < n; y++) {
        const uint64_t *row = words + y * stride;
        uint64_t *c = counts + ((y0 + y) / block) * pw;
        if (block == 64) { /* blocks are words (65536-wide grids): no masks */
            for (int64_t bx = 0; bx < pw; bx++) c[bx] += (uint64_t)__builtin_popcountll(row[bx]);
            continue;
        }
        for (int64_t bx = 0, x = 0; bx < pw; bx++, x += block) {
            const int64_t e = x + block < width ? x + block : width;
            c[bx] += range_count(row, x, e);
        }
    }
}

void corun_life_preview_scale(const uint64_t *counts, int64_t width, int64_t height,
                              int64_t block, uint8_t *out) {
    const int64_t pw = (width + block - 1) / block, ph = (height + block - 1) / block;
    for (int64_t by = 0; by < ph; by++) {
        const int64_t bh = (by + 1) * block <= height ? block : height - by * block;
        for (int64_t bx = 0; bx < pw; bx++) {
            const int64_t bw = (bx + 1) * block <= width ? block : width - bx * block;
            const uint64_t area = (uint64_t)bh * (uint64_t)bw, live = counts[by * pw + bx];
            out[by * pw + bx] = (uint8_t)((255 * live + area / 2) / area);
        }
    }
}
