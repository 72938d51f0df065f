/* grid_int.h — internals shared by the packed grid's files (grid.c: memory
 * and byte-grid conversion; grid_fill.c, grid_hash.c, grid_population.c:
 * the kernels) and their tests. Not part of the public API.
 *
 * Work split: the kernels see a grid as its height * wpr "logical" words in
 * row-major order (the padding words wpr..stride-1 are no one's work) and
 * cut them into `parts` contiguous ranges, one per thread, so any shape
 * (a single long row, a tall column of one-word rows) splits evenly and
 * each thread's range is contiguous memory, which it first-touches itself
 * when filling. The public functions pick parts from their thread count and
 * the best SIMD level (one thread per part); the tests call the *_parts
 * variants to drive every level and every split on small grids. */
#ifndef CORUN_LIFE_GRID_INT_H
#define CORUN_LIFE_GRID_INT_H

#include <stdint.h>

#include "corun/life.h"

/* SIMD levels of the kernels; a kernel without a level uses the next lower. */
enum grid_level { GRID_PORTABLE = 0, GRID_AVX2 = 1, GRID_AVX512 = 2 };

/* Logical words [*lo, *hi) of part p of parts. */
static inline void grid_part(const corun_life_grid_t *g, int p, int parts, int64_t *lo,
                             int64_t *hi) {
    const int64_t total = g->height * g->wpr;
    *lo = (int64_t)((__int128)total * p / parts);
    *hi = (int64_t)((__int128)total * (p + 1) / parts);
}

/* How many parts (= threads) to use: `threads` (0: corun_default_threads()),
 * but at least min_words logical words each, so small grids do not pay for
 * starting a team. */
int grid_parts(const corun_life_grid_t *g, int threads, int64_t min_words);

/* Valid cells in the last word of a row (1..64) and their bits. */
static inline unsigned grid_last_bits(int64_t width) { return (unsigned)((width - 1) % 64) + 1; }
static inline uint64_t grid_last_mask(int64_t width) {
    unsigned n = grid_last_bits(width);
    return n == 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1;
}

/* A portable popcount: __builtin_popcountll calls libgcc's table-based
 * __popcountdi2 in a build without -mpopcnt, so it appears only in
 * functions built for POPCNT. */
static inline uint64_t grid_popcount_swar(uint64_t x) {
    x -= (x >> 1) & UINT64_C(0x5555555555555555);
    x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
    x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
    return (x * UINT64_C(0x0101010101010101)) >> 56;
}

/* The highest level this CPU runs for each kernel. */
int grid_fill_level(void);
int grid_population_level(void);
int grid_hash_level(void);

/* The kernels with the split made explicit: `parts` ranges, run on
 * `threads` threads (1: all on the calling thread, in order), at `level`. */
void grid_fill_parts(corun_life_grid_t *g, double density, uint64_t seed, int64_t row0,
                     int parts, int threads, int level);
corun_life_fnv_map_t grid_hash_map_parts(const corun_life_grid_t *g, int parts, int threads,
                                         int level);
int64_t grid_population_parts(const corun_life_grid_t *g, int parts, int threads, int level);

#endif
