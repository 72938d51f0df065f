/* preview.c — the live-cell density of B x B blocks of a packed grid, as
 * 0..255 values: the snapshot file's /previews and `corun render`'s
 * block-reduced pictures are both made here, so a file with previews and one
 * without render the same pixels (docs/FORMAT.md).
 *
 * A block's value is (255 * live + area / 2) / area, where area is the
 * number of grid cells of the block (blocks at the right and bottom edges
 * are clipped to the grid): 0 all dead, 255 all alive, rounded to nearest.
 * Counting works on whole words, a row at a time: about one popcount per
 * word plus one per block (the POPCNT instruction where the CPU has it),
 * whatever the block size, so a 65536 x 65536 frame (512 MiB) is one pass
 * at memory speed on the snapshot I/O thread. Counting is separate from
 * the values so that pieces of a frame (the slabs of MPI ranks, rows read a
 * chunk at a time) add their counts before the values are made. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "corun/life.h"
#include "grid_int.h"

int64_t corun_life_preview_block(int64_t width, int64_t height, int64_t max_side) {
    if (max_side < 1) max_side = 1;
    int64_t bw = (width + max_side - 1) / max_side, bh = (height + max_side - 1) / max_side;
    int64_t b = bw > bh ? bw : bh;
    return b < 1 ? 1 : b;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define PREVIEW_X86 1
#endif

/* hw: the POPCNT instruction (inlined into a function built for it). */
#define POPC(x) (hw ? (uint64_t)__builtin_popcountll(x) : grid_popcount_swar(x))

/* Rows y0.. of the grid into their block counts. Along a row, the count
 * of cells before x is kept running: whole words are added as the blocks'
 * ends pass them, and a block's end inside a word adds that word's bits
 * below it, so a block is the difference of two such counts: about one
 * popcount per word plus one per block, without branches on the block
 * size. */
static inline __attribute__((always_inline)) void count_rows(const uint64_t *words, int64_t stride,
                                                             int64_t width, int64_t y0, int64_t n,
                                                             int64_t block, int64_t by0,
                                                             uint64_t *counts, const int hw) {
    const int64_t pw = (width + block - 1) / block;
    for (int64_t y = 0; y < n; y++) {
        const uint64_t *row = words + y * stride;
        uint64_t *c = counts + ((y0 + y) / block - by0) * pw;
        if (block == 64) { /* blocks are words (grids 65536 wide) */
            for (int64_t bx = 0; bx < pw; bx++) c[bx] += POPC(row[bx]);
            continue;
        }
        uint64_t whole = 0, before = 0; /* cells in words [0, wi); before the block */
        int64_t wi = 0;
        for (int64_t bx = 0, e = block; bx < pw; bx++, e += block) {
            if (e > width) e = width;
            const int64_t we = e >> 6;
            while (wi < we) whole += POPC(row[wi++]);
            const unsigned r = (unsigned)(e & 63);
            /* (a row's words end at the width: no word past it is read) */
            const uint64_t upto = whole + (r ? POPC(row[we] & ((UINT64_C(1) << r) - 1)) : 0);
            c[bx] += upto - before;
            before = upto;
        }
    }
}

static void count_portable(const uint64_t *words, int64_t stride, int64_t width, int64_t y0,
                           int64_t n, int64_t block, int64_t by0, uint64_t *counts) {
    count_rows(words, stride, width, y0, n, block, by0, counts, 0);
}

#ifdef PREVIEW_X86
__attribute__((target("popcnt"))) static void count_popcnt(const uint64_t *words, int64_t stride,
                                                           int64_t width, int64_t y0, int64_t n,
                                                           int64_t block, int64_t by0,
                                                           uint64_t *counts) {
    count_rows(words, stride, width, y0, n, block, by0, counts, 1);
}
#endif

void corun_life_preview_count(const uint64_t *rows, int64_t stride, int64_t width, int64_t y0,
                              int64_t n, int64_t block, int64_t by0, uint64_t *counts) {
#ifdef PREVIEW_X86
    if (corun_cpu_has(CORUN_CPU_POPCNT)) {
        count_popcnt(rows, stride, width, y0, n, block, by0, counts);
        return;
    }
#endif
    count_portable(rows, stride, width, y0, n, block, by0, counts);
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
