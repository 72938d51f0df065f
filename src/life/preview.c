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
 * whatever the block size; blocks of 8 to 64 cells, which power-of-two
 * grids have, take one lane popcount per block and row (count_lanes). Counting is separate from
 * the values so that pieces of a frame (the slabs of MPI ranks, rows read a
 * chunk at a time) add their counts before the values are made. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "corun/life.h"
#include "grid_int.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

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

/* Blocks 8, 16, 32 or 64 cells wide (grids of 8192, 16384, 32768 and
 * 65536 columns) on a little-endian machine: a block's cells in a row are
 * one byte, halfword, word or double word of the row, so each adds the
 * popcount of one lane, with no running count: loops gcc vectorises with
 * the lane-wide popcounts of AVX-512 (vpopcntb/w/d/q), and the common
 * power-of-two grids cost a fraction of the general loop above (which
 * takes a masked popcount and a dependent subtraction per block and row). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PREVIEW_LANES 1
typedef uint16_t u16_alias __attribute__((may_alias));
typedef uint32_t u32_alias __attribute__((may_alias));
static inline __attribute__((always_inline)) void count_lanes(const uint64_t *words, int64_t stride,
                                                              int64_t width, int64_t y0, int64_t n,
                                                              int64_t block, int64_t by0,
                                                              uint64_t *counts) {
    const int64_t pw = (width + block - 1) / block;
    for (int64_t y = 0; y < n; y++) {
        const uint64_t *row = words + y * stride;
        uint64_t *restrict c = counts + ((y0 + y) / block - by0) * pw;
        if (block == 8) {
            const uint8_t *s = (const uint8_t *)row;
            for (int64_t bx = 0; bx < pw; bx++) c[bx] += (uint64_t)__builtin_popcount(s[bx]);
        } else if (block == 16) {
            const u16_alias *s = (const u16_alias *)row;
            for (int64_t bx = 0; bx < pw; bx++) c[bx] += (uint64_t)__builtin_popcount(s[bx]);
        } else if (block == 32) {
            const u32_alias *s = (const u32_alias *)row;
            for (int64_t bx = 0; bx < pw; bx++) c[bx] += (uint64_t)__builtin_popcount(s[bx]);
        } else {
            for (int64_t bx = 0; bx < pw; bx++) c[bx] += (uint64_t)__builtin_popcountll(row[bx]);
        }
    }
}
#endif

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

#if defined(PREVIEW_X86) && defined(PREVIEW_LANES)
#define PREVIEW_AVX512 "avx512f,avx512bw,avx512vl,avx512bitalg,avx512vpopcntdq,popcnt"
/* The lanes' popcounts of a block row's rows summed in the lanes
 * themselves, a column of 64 bytes at a time down the rows, and widened
 * into the 64-bit counts once per block row: count_lanes widens and adds
 * every lane of every row (about 3 ms for a 32 MiB frame with 16-cell
 * blocks, against 0.5 ms). A lane of B bits counts at most B * B cells:
 * 64 fits 8-bit lanes, 256 16-bit, 1024 32-bit. */
__attribute__((target(PREVIEW_AVX512))) static inline __m512i
lane_popcnt(__m512i v, int64_t block) {
    return block == 8    ? _mm512_popcnt_epi8(v)
           : block == 16 ? _mm512_popcnt_epi16(v)
           : block == 32 ? _mm512_popcnt_epi32(v)
                         : _mm512_popcnt_epi64(v);
}
__attribute__((target(PREVIEW_AVX512))) static inline __m512i lane_add(__m512i a, __m512i b,
                                                                        int64_t block) {
    return block == 8    ? _mm512_add_epi8(a, b)
           : block == 16 ? _mm512_add_epi16(a, b)
           : block == 32 ? _mm512_add_epi32(a, b)
                         : _mm512_add_epi64(a, b);
}
/* Adds the lanes of acc (lanes of `block` bits, k of them valid) to c[0..k):
 * eight lanes at a time widened to 64 bits where all eight are valid. */
__attribute__((target(PREVIEW_AVX512))) static inline void lanes_widen_add(__m512i acc, int64_t block,
                                                                            int64_t k, uint64_t *c) {
    union {
        __m512i v;
        uint8_t b[64];
        uint16_t h[32];
        uint32_t w[16];
        uint64_t q[8];
        __m128i x[4];
    } u;
    u.v = acc;
    int64_t i = 0;
    for (; i + 8 <= k; i += 8) {
        __m512i wide = block == 8    ? _mm512_cvtepu8_epi64(_mm_loadl_epi64((const __m128i *)(u.b + i)))
                       : block == 16 ? _mm512_cvtepu16_epi64(u.x[i / 8])
                       : block == 32 ? _mm512_cvtepu32_epi64(_mm256_loadu_si256((const __m256i *)(u.w + i)))
                                     : u.v;
        _mm512_storeu_si512(c + i, _mm512_add_epi64(_mm512_loadu_si512(c + i), wide));
    }
    for (; i < k; i++)
        c[i] += block == 8 ? u.b[i] : block == 16 ? u.h[i] : block == 32 ? u.w[i] : u.q[i];
}
__attribute__((target(PREVIEW_AVX512))) static void
cols_avx512(const uint64_t *words, int64_t stride, int64_t width, int64_t y0, int64_t n,
            int64_t block, int64_t by0, uint64_t *counts) {
    const int64_t pw = (width + block - 1) / block, bytes = pw * block / 8, per = 512 / block;
    for (int64_t ya = 0; ya < n;) {
        const int64_t by = (y0 + ya) / block;
        int64_t yb = (by + 1) * block - y0; /* the end of this block row */
        if (yb > n) yb = n;
        uint64_t *c = counts + (by - by0) * pw;
        for (int64_t x = 0, bx = 0; x < bytes; x += 64, bx += per) {
            /* (a row's words end at the width: no byte past them is read) */
            const __mmask64 m = bytes - x >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << (bytes - x)) - 1;
            __m512i acc = _mm512_setzero_si512();
            for (int64_t y = ya; y < yb; y++)
                acc = lane_add(acc,
                               lane_popcnt(_mm512_maskz_loadu_epi8(
                                               m, (const char *)(words + y * stride) + x),
                                           block),
                               block);
            lanes_widen_add(acc, block, pw - bx < per ? pw - bx : per, c + bx);
        }
        ya = yb;
    }
}
__attribute__((target("popcnt"))) static void lanes_popcnt(const uint64_t *words, int64_t stride,
                                                           int64_t width, int64_t y0, int64_t n,
                                                           int64_t block, int64_t by0,
                                                           uint64_t *counts) {
    count_lanes(words, stride, width, y0, n, block, by0, counts);
}
#endif

void corun_life_preview_count(const uint64_t *rows, int64_t stride, int64_t width, int64_t y0,
                              int64_t n, int64_t block, int64_t by0, uint64_t *counts) {
#ifdef PREVIEW_LANES
    if (block == 8 || block == 16 || block == 32 || block == 64) {
#ifdef PREVIEW_X86
        if (corun_cpu_has(CORUN_CPU_AVX512 | CORUN_CPU_AVX512_BITALG |
                          CORUN_CPU_AVX512_VPOPCNTDQ | CORUN_CPU_POPCNT))
            cols_avx512(rows, stride, width, y0, n, block, by0, counts);
        else if (corun_cpu_has(CORUN_CPU_POPCNT))
            lanes_popcnt(rows, stride, width, y0, n, block, by0, counts);
        else
#endif
            count_lanes(rows, stride, width, y0, n, block, by0, counts);
        return;
    }
#endif
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
    /* Divided in double precision, which is exact here and several times
     * faster than 64-bit integer division (a million blocks a frame): the
     * dividend (< 256 * area <= 2^52) and the area are exact doubles, and
     * a quotient that is not an integer lies at least 1/area (>= 2^-44)
     * from the next one, far more than the division's rounding error
     * (255 * 2^-53), so truncation gives the integer quotient. Bigger
     * blocks (only with a tiny picture of a huge grid) divide integers. */
    int64_t bx = 0;
    const uint64_t full = bh * (uint64_t)block; /* the area of the blocks inside the width */
    if (!(full & (full - 1))) {
        /* A power of two (every block of a power-of-two grid, and the last
         * row's where it is full): a shift, which vectorises, instead of
         * the division. */
        const int sh = __builtin_ctzll(full);
        for (const int64_t nf = width / block; bx < nf; bx++)
            out[bx] = (uint8_t)((255 * counts[bx] + full / 2) >> sh);
    }
    for (; bx < pw; bx++) {
        int64_t x0 = bx * block;
        uint64_t area = bh * (uint64_t)(x0 + block < width ? block : width - x0);
        uint64_t num = 255 * counts[bx] + area / 2;
        out[bx] = (uint8_t)(area <= (UINT64_C(1) << 44) ? (uint64_t)((double)num / (double)area)
                                                        : num / area);
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
