/* life_word.h — the Game of Life cell logic on 64 cells at once: one
 * uint64_t holds 64 horizontally adjacent cells, bit i = cell x0 + i.
 *
 * Used by every bit-packed backend (the OpenMP stepper today, CUDA later), so
 * it is plain C11, `static inline CORUN_HD`, with no allocation, I/O or errno.
 *
 * The neighbour count is bit-sliced: instead of counting per cell, we add
 * whole words with boolean full adders, producing the count as four "bit
 * planes" s0..s3 (bit i of s_k is bit k of cell i's count). Two steps:
 *
 *   1. corun_life_word_hsum: per row, the horizontal sum west+centre+east of
 *      each cell (0..3) as two planes. A row's sum is shared by the three
 *      output rows that need it, so callers compute it once per row.
 *   2. corun_life_word_next: adds the sums of the rows above, at and below a
 *      cell. That counts the 3x3 block INCLUDING the cell itself (0..9), so
 *      "born with k neighbours" is "dead with block sum k" and "survives with
 *      k neighbours" is "alive with block sum k+1"; the rule is applied to
 *      that. Counting the centre avoids a separate sum without it.
 *
 * The rule is a run-time value (9-bit born/survive masks, bit k = k
 * neighbours). A caller that passes compile-time constants (e.g. B3/S23:
 * born 0x8, survive 0xc) lets the compiler fold the rule into a handful of
 * logic operations; one definition serves both.
 */
#ifndef CORUN_LIFE_WORD_H
#define CORUN_LIFE_WORD_H

#include <stdint.h>

#include "corun_hd.h"

/* Cells shifted so that bit i holds the WEST neighbour of cell i (cell i-1):
 * `prev` is the word to the west; its top bit enters at bit 0. */
static inline CORUN_HD uint64_t corun_life_word_west(uint64_t w, uint64_t prev) {
    return (w << 1) | (prev >> 63);
}

/* Bit i holds the EAST neighbour of cell i: `next`'s bit 0 enters at bit 63. */
static inline CORUN_HD uint64_t corun_life_word_east(uint64_t w, uint64_t next) {
    return (w >> 1) | (next << 63);
}

/* The torus row-end wrap, for a row r of n words whose last word holds
 * lastbits cells (1..64): west of cell 0 is cell W-1, east of cell W-1 is
 * cell 0; under the dead boundary both are 0. row_west_in gives cell W-1 as
 * 0/1 (bit 0); row_east_in gives cell 0 already at bit lastbits-1 of the
 * last word, where a cell's east neighbour enters after the >> 1. */
static inline CORUN_HD uint64_t corun_life_row_west_in(const uint64_t *r, int64_t n,
                                                       unsigned lastbits, int torus) {
    return torus ? (r[n - 1] >> (lastbits - 1)) & 1u : 0;
}

static inline CORUN_HD uint64_t corun_life_row_east_in(const uint64_t *r, unsigned lastbits,
                                                       int torus) {
    return torus ? (r[0] & 1u) << (lastbits - 1) : 0;
}

/* Horizontal sum (0..3) of west, centre and east as planes h0 (1s) and h1 (2s). */
static inline CORUN_HD void corun_life_word_hsum(uint64_t west, uint64_t c, uint64_t east,
                                                 uint64_t *h0, uint64_t *h1) {
    uint64_t t = west ^ c;
    *h0 = t ^ east;
    *h1 = (west & c) | (t & east);
}

/* Next state of 64 cells. alive: the cells now; (u0,u1), (m0,m1), (d0,d1):
 * the horizontal sums of the row above, the cells' own row and the row below.
 * born/survive: the rule's masks (bit k: k neighbours; bits above 8 ignored). */
static inline CORUN_HD uint64_t corun_life_word_next(uint64_t alive, uint64_t u0, uint64_t u1,
                                                     uint64_t m0, uint64_t m1, uint64_t d0,
                                                     uint64_t d1, unsigned born,
                                                     unsigned survive) {
    /* Block sum s = u + m + d, each 0..3, so s is 0..9 in planes s0..s3. */
    uint64_t t0 = u0 ^ m0;
    uint64_t s0 = t0 ^ d0;
    uint64_t k = (u0 & m0) | (t0 & d0); /* carry of the 1s into the 2s */
    uint64_t t1 = u1 ^ m1;
    uint64_t x = t1 ^ d1;               /* 2s column, before the carry */
    uint64_t y = (u1 & m1) | (t1 & d1); /* carry of the 2s into the 4s */
    uint64_t s1 = x ^ k;
    uint64_t z = x & k;
    uint64_t s2 = y ^ z;
    uint64_t s3 = y & z;
    /* Sum v in 0..9. Because s <= 9, s1 or s2 set implies s3 clear, so the
     * values 2..7 are decided by s0..s2 alone; only 0, 1, 8, 9 look at s3.
     * That keeps the common rules (which use counts 2..6) short. */
    uint64_t n0 = ~s0, n1 = ~s1, n2 = ~s2, n3 = ~s3;
    uint64_t lo = n1 & n2; /* s in {0,1,8,9} */
    /* Dead cells with block sum v are born if born has bit v; live cells with
     * block sum v (v-1 neighbours) survive if survive has bit v-1. The masks
     * are all-zero or all-one words, so this is branch-free for run-time
     * rules and folds away for constant ones. (Written out, not as a loop
     * over an array: gcc vectorises the callers' word loops only if nothing
     * here lives in memory.) */
    uint64_t dead = ~alive;
#define CORUN_LIFE_BIT_(m, k) (0 - (uint64_t)(((m) >> (k)) & 1u))
    uint64_t r = (n0 & lo & n3 & ((CORUN_LIFE_BIT_(born, 0) & dead))) |
                 (s0 & lo & n3 & ((CORUN_LIFE_BIT_(born, 1) & dead) | (CORUN_LIFE_BIT_(survive, 0) & alive))) |
                 (n0 & s1 & n2 & ((CORUN_LIFE_BIT_(born, 2) & dead) | (CORUN_LIFE_BIT_(survive, 1) & alive))) |
                 (s0 & s1 & n2 & ((CORUN_LIFE_BIT_(born, 3) & dead) | (CORUN_LIFE_BIT_(survive, 2) & alive))) |
                 (n0 & n1 & s2 & ((CORUN_LIFE_BIT_(born, 4) & dead) | (CORUN_LIFE_BIT_(survive, 3) & alive))) |
                 (s0 & n1 & s2 & ((CORUN_LIFE_BIT_(born, 5) & dead) | (CORUN_LIFE_BIT_(survive, 4) & alive))) |
                 (n0 & s1 & s2 & ((CORUN_LIFE_BIT_(born, 6) & dead) | (CORUN_LIFE_BIT_(survive, 5) & alive))) |
                 (s0 & s1 & s2 & ((CORUN_LIFE_BIT_(born, 7) & dead) | (CORUN_LIFE_BIT_(survive, 6) & alive))) |
                 (n0 & s3 & ((CORUN_LIFE_BIT_(born, 8) & dead) | (CORUN_LIFE_BIT_(survive, 7) & alive))) |
                 (s0 & s3 & ((CORUN_LIFE_BIT_(survive, 8) & alive)));
#undef CORUN_LIFE_BIT_
    return r;
}

/* The rule as four small truth tables, for kernels that evaluate it with
 * three-input logic operations (AVX-512's vpternlogq) and take the tables'
 * bits as instruction immediates. With the planes of
 * corun_life_word_next, s0 = u0^m0^d0, k = maj(u0,m0,d0), x = u1^m1^d1 and
 * y = maj(u1,m1,d1), the block sum is v = s0 + 2w with w = x + k + 2y
 * (0..4), and the next state is
 *   s0 ? (alive ? odd_s(w) : odd_b(w)) : (alive ? even_s(w) : even_b(w))
 * Bit w of each table: odd_b: born with 2w+1 neighbours; odd_s: survives
 * with 2w; even_b: born with 2w; even_s: survives with 2w-1. Bits for sums
 * that cannot occur (a dead cell with v = 9, a live one with v = 0) are 0.
 * Every outer-totalistic rule, B0 included, is four such 5-bit tables. */
typedef struct corun_life_rule_tables {
    unsigned odd_b, odd_s, even_b, even_s;
} corun_life_rule_tables_t;

static inline CORUN_HD corun_life_rule_tables_t corun_life_rule_tables(unsigned born,
                                                                       unsigned survive) {
    corun_life_rule_tables_t t = {0, 0, 0, 0};
    for (unsigned w = 0; w <= 4; w++) {
        if (w <= 3) t.odd_b |= ((born >> (2 * w + 1)) & 1u) << w;
        t.odd_s |= ((survive >> (2 * w)) & 1u) << w;
        t.even_b |= ((born >> (2 * w)) & 1u) << w;
        if (w >= 1) t.even_s |= ((survive >> (2 * w - 1)) & 1u) << w;
    }
    return t;
}

/* The vpternlogq immediate of a table over inputs (x, k, y): bit
 * 4x + 2k + y of the immediate is the table's bit w = x + k + 2y. */
#define CORUN_LIFE_TERNLOG_IMM(t)                                                               \
    ((((t) >> 0) & 1u) | (((t) >> 2) & 1u) << 1 | (((t) >> 1) & 1u) << 2 |                    \
     (((t) >> 3) & 1u) << 3 | (((t) >> 1) & 1u) << 4 | (((t) >> 3) & 1u) << 5 |               \
     (((t) >> 2) & 1u) << 6 | (((t) >> 4) & 1u) << 7)

/* B3/S23, whose kernels fold the rule at compile time. */
static inline CORUN_HD int corun_life_rule_is_conway(unsigned born, unsigned survive) {
    return (born & 0x1ffu) == (1u << 3) && (survive & 0x1ffu) == (3u << 2);
}

#endif
