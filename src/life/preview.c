/* preview.c — the live-cell density of B x B blocks of a packed grid, as
 * 0..255 values: the snapshot file's /previews and `corun render`'s
 * block-reduced pictures are both made here, so a file with previews and one
 * without render the same pixels (docs/FORMAT.md).
 *
 * A block's value is (255 * live + area / 2) / area, where area is the
 * number of grid cells of the block (blocks at the right and bottom edges
 * are clipped to the grid): 0 all dead, 255 all alive, rounded to nearest.
 * Counting works on whole words: a block's cells of one row are a bit range,
 * counted with popcounts of masked words, so a row costs O(words + blocks)
 * whatever the block size. */
#include <stdlib.h>
#include <string.h>

#include "corun/life.h"

int64_t corun_life_preview_block(int64_t width, int64_t height, int64_t max_side) {
    if (max_side < 1) max_side = 1;
    int64_t bw = (width + max_side - 1) / max_side, bh = (height + max_side - 1) / max_side;
    int64_t b = bw > bh ? bw : bh;
    return b < 1 ? 1 : b;
}

/* Live cells of row bits [x0, x1). */
static uint64_t range_pop(const uint64_t *row, int64_t x0, int64_t x1) {
    int64_t w0 = x0 >> 6, w1 = (x1 - 1) >> 6;
    uint64_t lo = ~(uint64_t)0 << (x0 & 63);
    uint64_t hi = ~(uint64_t)0 >> (63 - ((x1 - 1) & 63));
    if (w0 == w1) return (uint64_t)__builtin_popcountll(row[w0] & lo & hi);
    uint64_t n = (uint64_t)__builtin_popcountll(row[w0] & lo);
    for (int64_t w = w0 + 1; w < w1; w++) n += (uint64_t)__builtin_popcountll(row[w]);
    return n + (uint64_t)__builtin_popcountll(row[w1] & hi);
}

void corun_life_preview_count(const uint64_t *rows, int64_t stride, int64_t width, int64_t y0,
                              int64_t n, int64_t block, int64_t by0, uint64_t *counts) {
    const int64_t pw = (width + block - 1) / block;
    for (int64_t i = 0; i < n; i++) {
        const uint64_t *row = rows + i * stride;
        uint64_t *c = counts + ((y0 + i) / block - by0) * pw;
        if (block == 1) { /* full resolution: one cell per value */
            for (int64_t x = 0; x < width; x++) c[x] += (row[x >> 6] >> (x & 63)) & 1u;
            continue;
        }
        for (int64_t bx = 0; bx < pw; bx++) {
            int64_t x0 = bx * block, x1 = x0 + block < width ? x0 + block : width;
            c[bx] += range_pop(row, x0, x1);
        }
    }
}

void corun_life_preview_values(const uint64_t *counts, int64_t width, int64_t height,
                               int64_t block, int64_t by, uint8_t *out) {
    const int64_t pw = (width + block - 1) / block;
    const int64_t y0 = by * block;
    const uint64_t bh = (uint64_t)(y0 + block < height ? block : height - y0);
    for (int64_t bx = 0; bx < pw; bx++) {
        int64_t x0 = bx * block;
        uint64_t area = bh * (uint64_t)(x0 + block < width ? block : width - x0);
        out[bx] = (uint8_t)((255 * counts[bx] + area / 2) / area);
    }
}

int corun_life_preview_grid(const corun_life_grid_t *g, int64_t block, uint8_t *out,
                            corun_err_t *err) {
    const int64_t pw = (g->width + block - 1) / block, ph = (g->height + block - 1) / block;
    uint64_t *counts = calloc((size_t)pw, sizeof *counts);
    if (!counts) return corun_err_set(err, CORUN_ENOMEM, "preview: out of memory");
    for (int64_t by = 0; by < ph; by++) {
        int64_t y0 = by * block, n = y0 + block < g->height ? block : g->height - y0;
        memset(counts, 0, (size_t)pw * sizeof *counts);
        corun_life_preview_count(corun_life_grid_row(g, y0), g->stride, g->width, y0, n, block,
                                 by, counts);
        corun_life_preview_values(counts, g->width, g->height, block, by, out + by * pw);
    }
    free(counts);
    return 0;
}
