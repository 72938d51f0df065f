/* omp_int.h — internals shared by the files of the omp Life backend and its
 * tests: the row geometry, the kernel interface and the kernel sets per SIMD
 * target (omp_kernels_*.c, chosen in omp_kernels.c), and the planning
 * function (omp_plan.c). Not part of the public API. The stepping state and
 * the modes are in omp_state.h.
 *
 * Bit layout: a row of width W is wpr = ceil(W/64) uint64 words; bit i of
 * word j is cell x = 64*j + i. Bits at x >= W ("padding") are always zero:
 * every kernel masks the last word of each row it writes, so rules that give
 * birth with 0 neighbours (B0) cannot switch them on. Rows sit `stride` words
 * apart (stride >= wpr, a multiple of 8 so rows start on a cache line).
 *
 * Lane-strided order: on a torus whose width is a multiple of 512 (wpr =
 * 8q), dense and blocked AVX-512 stepping keep each row's words permuted
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
#include "life/omp_tuning.h"

typedef struct omp_geom {
    int64_t w, h;         /* cells */
    int64_t wpr;          /* words per row */
    int64_t stride;       /* words from one row to the next in every buffer */
    int torus;            /* 1: wrap like the serial oracle; 0: dead outside */
    unsigned lastbits;    /* valid cells in the last word of a row, 1..64 */
    uint64_t lastmask;    /* those cells' bits */
    const uint64_t *zero; /* wpr zero words: the rows outside a dead grid */
    const struct omp_iso_prog *iso; /* isotropic rules: the kernels' rule (omp_iso.h) */
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

/* The population a kernel counts as it writes: the live cells of the rows
 * it writes that lie in y0..y1-1 (the caller's counted rows: an MPI slab's
 * own rows, or a temporal-blocking band's own rows, so halo rows computed
 * twice count once) are added to n. Counting inside the kernel costs an
 * add and a popcount per vector written; a separate pass over the rows
 * afterwards cost 15-80 % of the stepping. NULL: nothing is counted.
 * delta (kernels called with diff only): add new - old live cells instead,
 * old being what dst held; change tracking keeps each tile row's count up
 * to date from the tiles it recomputes. */
typedef struct omp_pop {
    int64_t y0, y1, n;
    int delta;
    int uncached; /* the rows written are not in the caches (omp_conway_vec.h) */
} omp_pop_t;

/* Computes generation t+1 for rows y0..y1-1 and words j0..j1-1 of them into
 * dst (row y at dst + (y - dst_origin) * stride). scratch: at least
 * omp_scratch_words(g) words, private to the calling thread. If diff is not
 * NULL, diff[j - j0] |= new ^ old for every word written (old = what dst held),
 * which is how change tracking learns whether a tile changed. pop: see
 * omp_pop_t. */
typedef void (*omp_block_fn)(const omp_geom_t *g, omp_src_t src, uint64_t *dst,
                             int64_t dst_origin, int64_t y0, int64_t y1, int64_t j0, int64_t j1,
                             uint64_t *scratch, uint64_t *diff, unsigned born, unsigned survive,
                             omp_pop_t *pop);

/* Live cells in rows y0..y1-1 of a buffer (row y at base + (y - origin) * stride). */
typedef int64_t (*omp_count_fn)(const omp_geom_t *g, const uint64_t *base, int64_t origin,
                                int64_t y0, int64_t y1);

/* One SIMD target's kernels, each for any outer-totalistic rule (the
 * born/survive masks they are called with; B3/S23 folded at compile time
 * where a kernel has that). */
typedef struct omp_kernels {
    const char *simd; /* "avx512", "avx2", "portable" */
    omp_block_fn step;
    omp_count_fn count;
    /* step writing full vectors with non-temporal stores, which go to
     * memory without first reading the line into the cache; for the last
     * level of a temporal-blocking pass, whose rows are not read again
     * before the next pass. Takes no diff. NULL if the target has none. */
    omp_block_fn stream;
    /* step on torus rows in the lane-strided order (below), whole rows of
     * whole vectors; and the same with non-temporal stores. NULL if none. */
    omp_block_fn perm, perm_stream;
} omp_kernels_t;

#define OMP_PLANE(st) ((st) + 40)
static inline int64_t omp_scratch_words(const omp_geom_t *g) {
    return 6 * OMP_PLANE(g->stride) + 8;
}

/* ------------------------------------------------------------ kernel sets */

/* gcc on x86-64 builds the AVX2 and AVX-512 copies (target pragmas); other
 * compilers and machines have the portable copy only. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define OMP_HAVE_X86_COPIES 1
#endif

/* Each kernel, by name: omp_kernels_portable.c, omp_kernels_avx2.c and
 * omp_kernels_avx512.c compile the shared body (omp_rows.h) for their target
 * and define these; the kernel sets below list them. */
#define OMP_BLOCK_PARAMS                                                                        \
    const omp_geom_t *g, omp_src_t src, uint64_t *dst, int64_t dst_origin, int64_t y0,          \
        int64_t y1, int64_t j0, int64_t j1, uint64_t *scratch, uint64_t *diff, unsigned born,   \
        unsigned survive, omp_pop_t *pop
#define OMP_COUNT_PARAMS                                                                        \
    const omp_geom_t *g, const uint64_t *base, int64_t origin, int64_t y0, int64_t y1

void omp_step_portable(OMP_BLOCK_PARAMS); /* omp_conway_vec.h, 2-word vectors */
int64_t omp_count_portable(OMP_COUNT_PARAMS);
#ifdef OMP_HAVE_X86_COPIES
void omp_step_avx2(OMP_BLOCK_PARAMS); /* omp_conway_vec.h, 4-word vectors */
int64_t omp_count_avx2(OMP_COUNT_PARAMS);
void omp_step_avx512(OMP_BLOCK_PARAMS); /* omp_conway_avx512.h, and the next four */
void omp_stream_avx512(OMP_BLOCK_PARAMS);
void omp_perm_avx512(OMP_BLOCK_PARAMS);
void omp_perm_stream_avx512(OMP_BLOCK_PARAMS);
int64_t omp_count_avx512(OMP_COUNT_PARAMS);
void omp_step_autovec_avx512(OMP_BLOCK_PARAMS); /* gcc's vectorisation of omp_rows.h */
int64_t omp_count_autovec_avx512(OMP_COUNT_PARAMS);
#endif

/* ------------------------------------------------------------- planning */

/* What the planning function needs to know about the machine (filled by
 * omp_machine_probe(); tests make up their own). */
typedef struct omp_machine {
    int avx2;          /* CPU and OS run the AVX2 copy (avx2, bmi2, popcnt) */
    int avx512;        /* ... and the AVX-512 copy (the features it is built with) */
    int64_t l2_bytes;  /* one core's L2 cache; <= 0: unknown (1 MiB assumed) */
    int max_threads;   /* OpenMP's default team size: params->threads 0 */
} omp_machine_t;

void omp_machine_probe(omp_machine_t *m);

/* The kernel set named by want (NULL or "": the fastest) that machine m
 * runs; a set m cannot run falls back to the fastest it can. */
const omp_kernels_t *omp_kernels_pick(const char *want, const omp_machine_t *m);

/* The same on this CPU (tests use it to ask what the fastest set offers). */
const omp_kernels_t *corun_life_omp_kernels(const char *want);

typedef enum omp_mode { OMP_MODE_DENSE, OMP_MODE_TBLOCK, OMP_MODE_TILES } omp_mode_t;

/* Every choice omp_open() acts on. */
typedef struct omp_plan {
    omp_mode_t mode;          /* the mode stepping starts in */
    int adaptive;             /* skip_stable=auto: switches between `bulk` and tiles */
    omp_mode_t bulk;          /* adaptive: OMP_MODE_DENSE or OMP_MODE_TBLOCK */
    int tiles;                /* change tracking is used (tile maps needed) */
    int threads;              /* threads stepping uses */
    const omp_kernels_t *k;   /* the SIMD target's kernels */
    int conway;               /* the rule is B3/S23 (kernels fold it where they can) */
    int strided;              /* dense and blocked stepping keep lane-strided rows */
    int stream;               /* blocking's last level uses non-temporal stores */
    int cached;               /* both generations fit about the last-level cache */
    /* temporal blocking (mode or bulk OMP_MODE_TBLOCK) */
    int levels, levels_max;   /* generations per pass: usual, largest */
    int64_t band_rows;
    /* change tracking (tiles) */
    int64_t tile_words, tile_rows;
    double tiles_enter, tiles_leave;
    char name[48];            /* e.g. "tblock+tiles-avx512-strided" (omp_info's mode) */
} omp_plan_t;

/* The plan for stepping a width x height grid with params p on machine m.
 * Pure: depends on its arguments only (p->omp_tuning NULL: the defaults). */
void omp_plan(int64_t width, int64_t height, const corun_life_params_t *p,
              const omp_machine_t *m, omp_plan_t *out);

#endif
