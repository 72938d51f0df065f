/* omp_iso.h — the omp backend's kernels for isotropic non-totalistic rules
 * (Hensel notation; corun_life_rule_t.iso). Not part of the public API.
 *
 * The kernels have the omp_block_fn signature of every other row kernel, so
 * dense stepping, temporal blocking and change tracking run them unchanged;
 * the rule comes in through omp_geom_t.iso (born/survive are ignored).
 *
 * Three kernels:
 *
 * - The table lookup (omp_iso_lut.c), the avx512 kernel set's on CPUs with
 *   AVX-512 VBMI and BITALG: each cell's 9-bit neighbourhood looks up the
 *   rule's 512-entry table, a 64-byte vector, 64 cells per vpermb and
 *   vpshufbitqmb. Its cost does not depend on the rule: measured at about
 *   0.3x B3/S23's rate, whatever letters the rule names (docs/PERFORMANCE.md,
 *   "Isotropic rules").
 *
 * - The letter interpreter in the strip walk (omp_conway_vec.h,
 *   cv_iso_rows; omp_iso_avx2 and omp_iso_portable), the avx2 and portable
 *   sets'. Bit-sliced like the B/S kernels: a vector of 4 (AVX2) or 2 words
 *   walks down a strip with the rows' horizontal sums and neighbour planes
 *   in registers. The counts that are complete in the rule (every letter,
 *   or none) go through the B/S rule tables (born and survive below); each
 *   count with some of its letters (a group) adds the cells whose block sum
 *   (cell included) is that count and whose neighbourhood matches one of
 *   the letters' neighbourhoods (terms). Because the count is known, a
 *   neighbourhood with k live cells matches when its k live neighbours are
 *   alive (k <= 4) or its 8-k dead ones are dead (k >= 5): at most 4
 *   planes per term. The cheaper side (the letters present, or those
 *   absent, then negated) is listed. So the cost grows with the letters a
 *   rule names: B2-a/S12 lists the 8 neighbourhoods of 2a (2 planes each),
 *   B3/S23-a the 4 of 3a, and runs at about 0.3x B3/S23; a rule with half
 *   of every count's letters lists over a hundred (0.02-0.1x).
 *
 * - The same interpreter chunked over rows (omp_iso_rows.h, compiled by
 *   omp_iso.c for avx512-autovec, and for the avx512 set on CPUs without
 *   VBMI and BITALG): per chunk of 128 words of a row, the nine planes and
 *   the block sum planes in L1 arrays, gcc vectorising each pass over them,
 *   the complete counts through corun_life_word_next().
  */
#ifndef CORUN_LIFE_OMP_ISO_H
#define CORUN_LIFE_OMP_ISO_H

#include <stdint.h>

#include "corun/life.h"
#include "life/omp_int.h"

/* One neighbourhood to match: n planes (neighbour bit positions 0..8 of the
 * table index, never 4), all alive (neg 0) or all dead (neg 1). */
typedef struct omp_iso_term {
    uint8_t n, neg, bit[4];
} omp_iso_term_t;

/* One count with part of its letters: cells in state `alive` whose block
 * sum (cell included) is `sum` take the next state 1 where one of terms
 * t0..t0+nt-1 matches (negate 0) or where none does (negate 1). */
typedef struct omp_iso_group {
    uint8_t sum, alive, negate;
    int t0, nt;
} omp_iso_group_t;

typedef struct omp_iso_prog {
    uint8_t table[3][64];   /* the rule's tables for omp_iso_lut_avx512 (omp_iso_lut_build) */
    unsigned born, survive; /* the complete counts (corun_life_word_next masks) */
    int ngroups;
    omp_iso_group_t group[18];
    omp_iso_term_t term[18 * 35];
} omp_iso_prog_t;

/* Fills *p for isotropic rule r. */
void omp_iso_prog_build(const corun_life_rule_t *r, omp_iso_prog_t *p);

/* The rule's 512-entry table as 64 bytes, in the three bit orders the
 * table-lookup kernel uses (omp_iso_lut.c). */
void omp_iso_lut_build(const corun_life_rule_t *r, uint8_t tables[3][64]);

#ifdef OMP_HAVE_X86_COPIES
/* The table-lookup kernel (omp_iso_lut.c): AVX-512 with VBMI and BITALG. */
void omp_iso_lut_avx512(OMP_BLOCK_PARAMS);
#endif

/* The strip walk's isotropic kernels (omp_conway_vec.h, cv_iso_step):
 * omp_kernels_avx2.c and omp_kernels_portable.c. */
void omp_iso_portable(OMP_BLOCK_PARAMS);
#ifdef OMP_HAVE_X86_COPIES
void omp_iso_avx2(OMP_BLOCK_PARAMS);
#endif

/* The isotropic kernel for a kernel set's SIMD target ("avx512",
 * "avx512-autovec", "avx2", "portable"): the table lookup for "avx512" on a
 * CPU with VBMI and BITALG, the strip walk's for "avx2" and "portable", the
 * chunked interpreter otherwise. */
omp_block_fn omp_iso_kernel(const char *simd);

#endif
