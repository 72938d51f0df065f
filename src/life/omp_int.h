/* omp_int.h — internals shared by the files of the omp Life backend
 * (step_omp.c: the driver; omp_rows.c: the row kernels per SIMD target) and
 * its tests. Not part of the public API.
 *
 * Bit layout: a row of width W is wpr = ceil(W/64) uint64 words; bit i of
 * word j is cell x = 64*j + i. Bits at x >= W ("padding") are always zero:
 * every kernel masks the last word of each row it writes, so rules that give
 * birth with 0 neighbours (B0) cannot switch them on. Rows sit `stride` words
 * apart (stride >= wpr, a multiple of 8 so rows start on a cache line).
 *
 * Lane-strided order: on a torus whose width is a multiple of 512 (wpr =
 * 8q), dense and blocked B3/S23 stepping keep each row's words permuted
 * so that word l*q + i sits at position 8i + l: the row is cut into 8
 * runs of q words and the 8-word vector i holds word i of each run. A
 * vector's west and east neighbour words are then the same lanes of
 * vectors i-1 and i+1, where in word order they are one lane over (a
 * valignq each, 2 of 14 vector instructions per 512 cells; dense stepping
 * ran 1.095x faster at 2048x2048 and 1.17x on 16384-wide rows, 1 thread).
 * Only the row's ends rotate lanes. Rows stay
 * rows, so row ranges, bands and population counts are unchanged; the
 * backend converts at its edges (init, read, write), one row at a time.
 */
#ifndef CORUN_LIFE_OMP_INT_H
#define CORUN_LIFE_OMP_INT_H

#include <stdint.h>

#include "corun/life.h"

typedef struct omp_geom {
    int64_t w, h;         /* cells */
    int64_t wpr;          /* words per row */
    int64_t stride;       /* words from one row to the next in every buffer */
    int torus;            /* 1: wrap like the serial oracle; 0: dead outside */
    unsigned lastbits;    /* valid cells in the last word of a row, 1..64 */
    uint64_t lastmask;    /* those cells' bits */
    const uint64_t *zero; /* wpr zero words: the rows outside a dead grid */
} omp_geom_t;

/* A range of memory to pull into the L2 cache a line at a time while a
 * kernel computes: temporal blocking names the next band's source rows, so
 * they arrive while this band is computed instead of stalling the band's
 * first level (a separate prefetch loop first took ~20 % of the time at
 * 16384x16384: a core has only so many misses in flight). */
typedef struct omp_prefetch {
    const char *cur, *end;
} omp_prefetch_t;

/* Kernels call this once per row they compute: one line each. */
static inline void omp_prefetch_step(omp_prefetch_t *pf) {
    if (pf && pf->cur < pf->end) {
        __builtin_prefetch(pf->cur, 0, 2);
        pf->cur += 64;
    }
}

/* The strip kernels' walk down rows y .. y1-1: three slots of row sums,
 * named by the prefixes A, B and C (A0, A1, Ac: the two sum planes and the
 * cells), take turns as the rows above, at and below. ROW(U, M, D)
 * computes row y from U, M and D after filling D with row y+1's sums. The
 * walk is unrolled three times so that the rotation is a change of names,
 * not register copies. */
#define OMP_WALK3(y, y1, ROW, A, B, C)                                                          \
    if ((y) < (y1))                                                                             \
        for (;;) {                                                                              \
            ROW(A, B, C);                                                                       \
            if (++(y) >= (y1)) break;                                                           \
            ROW(B, C, A);                                                                       \
            if (++(y) >= (y1)) break;                                                           \
            ROW(C, A, B);                                                                       \
            if (++(y) >= (y1)) break;                                                           \
        }

/* Where a kernel reads generation t from: row y is at base + (y - origin) *
 * stride. With wrap, y is first reduced modulo the height (torus, the full
 * grid); a dead grid answers rows outside 0..h-1 with the zero row. pf, if
 * not NULL, is stepped once per row computed. */
typedef struct omp_src {
    const uint64_t *base;
    int64_t origin;
    int wrap;
    omp_prefetch_t *pf;
} omp_src_t;

/* Computes generation t+1 for rows y0..y1-1 and words j0..j1-1 of them into
 * dst (row y at dst + (y - dst_origin) * stride). scratch: at least
 * omp_scratch_words(g) words, private to the calling thread. If diff is not
 * NULL, diff[j - j0] |= new ^ old for every word written (old = what dst held),
 * which is how change tracking learns whether a tile changed. */
typedef void (*omp_block_fn)(const omp_geom_t *g, omp_src_t src, uint64_t *dst,
                             int64_t dst_origin, int64_t y0, int64_t y1, int64_t j0, int64_t j1,
                             uint64_t *scratch, uint64_t *diff, unsigned born, unsigned survive);

/* One SIMD target's kernels: B3/S23 folded at compile time, and any rule. */
/* Live cells in rows y0..y1-1 of a buffer (row y at base + (y - origin) * stride). */
typedef int64_t (*omp_count_fn)(const omp_geom_t *g, const uint64_t *base, int64_t origin,
                                int64_t y0, int64_t y1);

typedef struct omp_kernels {
    const char *simd; /* "avx512", "avx2", "portable" */
    omp_block_fn conway, generic;
    omp_count_fn count;
    /* B3/S23 writing full vectors with non-temporal stores, which go to
     * memory without first reading the line into the cache; for the last
     * level of a temporal-blocking pass, whose rows are not read again
     * before the next pass. Takes no diff. NULL if the target has none. */
    omp_block_fn conway_stream;
    /* B3/S23 on torus rows in the lane-strided order (below), whole rows of
     * whole vectors; and the same with non-temporal stores. NULL if none. */
    omp_block_fn conway_perm, conway_perm_stream;
} omp_kernels_t;

#define OMP_PLANE(st) ((st) + 40)
static inline int64_t omp_scratch_words(const omp_geom_t *g) {
    return 6 * OMP_PLANE(g->stride) + 8;
}

/* The fastest kernels this CPU runs, or those named (NULL/"" = fastest; a
 * name the CPU cannot run falls back to the fastest it can). */
const omp_kernels_t *corun_life_omp_kernels(const char *want);

/* Tuning knobs, for tests and benchmarks. init() copies them, so set them
 * before init(); not thread-safe. Zero fields mean "the built-in default".
 * The environment variable CORUN_OMP_SIMD=avx512|avx2|portable overrides
 * `simd` (benchmarks use it to measure the portable path). */
typedef struct corun_life_omp_tuning {
    const char *simd;        /* force a kernel set */
    int64_t tblock_bytes;    /* temporal blocking when one generation needs more bytes */
    int tblock_off;          /* 1: never block in time */
    int perm_off;            /* 1: rows in word order even where lane-strided applies */
    int levels;              /* generations per pass when blocking */
    int band_rows;           /* rows per band when blocking */
    int tile_words;          /* change tracking: tile width in words */
    int tile_rows;           /* change tracking: tile height in rows */
    int64_t words_per_thread; /* fewer threads if a thread would get fewer words */
    double tiles_enter, tiles_leave; /* skip_stable=auto: fractions of tiles needed
                                      * below which tiles are entered / above
                                      * which they are left */
} corun_life_omp_tuning_t;

void corun_life_omp_set_tuning(const corun_life_omp_tuning_t *t);

#endif
