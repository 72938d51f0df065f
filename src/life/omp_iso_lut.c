/* omp_iso_lut.c — the isotropic-rule kernel for CPUs with AVX-512 VBMI and
 * BITALG (omp_iso.h): a lookup of each cell's 3x3 neighbourhood in the
 * rule's 512-entry table, whatever letters the rule names.
 *
 * The table is 512 bits, one zmm of 64 bytes: byte b, bit s holds the next
 * state of one neighbourhood. A cell's neighbourhood is three 3-bit codes,
 * one per row (the cell's west neighbour, the cell and its east neighbour
 * in that row). For 64 cells at a time, one byte each:
 *   idx  = code A | code B << 3       (vpternlogq: bits 0-2 from one,
 *                                      3-5 from the other)
 *   byte = table[idx]                 (vpermb; bits 6-7 of idx ignored)
 *   next = bit (code C) of byte       (vpshufbitqmb: a 64-bit mask)
 * where A, B, C are the rows above, at and below in an order that changes
 * from row to row (IL_ROW), with a table for each order (omp_iso_lut_build).
 *
 * A row's codes come from its words with vpmultishiftqb, which copies to
 * each byte the 8 bits of its qword starting at any bit offset: the byte
 * for cell c gets the bits from c-1 on, whose low three are the code. One
 * instruction makes the codes of 8 cells in each of 8 words (the 8 lanes of
 * a vector); 8 of them ("slots"), each with the offsets of the next 8
 * cells, make the codes of the vector's 512 cells. Byte j of qword q of
 * slot s is then cell 8s + j of word q, so the 8 result masks of a vector
 * are a byte transpose of its 8 result words (one vpermb after a trip
 * through memory). The offsets wrap inside a qword: slot 0 reads cell -1
 * (the previous word's top cell) at bit 63 and slot 7 cell 64 (the next
 * word's bit 0) at bit 0, so those slots read the words with that one bit
 * swapped in; vectors inside the row load their codes' sources from memory
 * instead, shifted so that nothing wraps (IL_CODES).
 *
 * A vector of 8 words walks down the rows, like the B/S kernels' strips,
 * each row's codes made once and kept in registers while they are the row
 * below, at and above of the next three output rows. Per 512 cells and
 * row: 8 vpmultishiftqb, 8 vpermb, 8 vpshufbitqmb, 13-16 vpternlogq and
 * the transpose, about three times B3/S23's instructions; on AMD Zen 4
 * (512-bit operations in two halves) that is what it costs, measured in
 * docs/PERFORMANCE.md ("Isotropic rules").
 */
#include <stdlib.h>
#include <string.h>

#include "life/omp_iso.h"
#include "life/rule_int.h"
#include "life_word.h"

#ifdef OMP_HAVE_X86_COPIES
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512vbmi,avx512vbmi2,avx512bitalg,avx512vpopcntdq,avx2,bmi2,popcnt,prefer-vector-width=512")
#include <immintrin.h>

#include "life/omp_rows.h"

#define IL_MUX 0xCA     /* a ? b : c */
#define IL_OR_XOR 0xF6  /* a | (b ^ c) */
#define IL_HIGH_LOW 0xD8 /* c ? b : a: bits c from b, the others from a */
#define IL_LOW_HIGH 0xE4 /* c ? a : b: bits c from a, the others from b */
#define IL_LOW_OR 0xEA   /* (a & b) | c */

/* What the row ends bring in (il_row): wt/et 1 on a torus, 0 on a dead
 * grid; the east cell goes to bit lastbits of the last word (ec, when
 * lastbits < 64) or to bit 0 of the word after it (en, when 64). */
typedef struct il_edge {
    uint64_t wt, et, ec, en;
    unsigned wshift, eshift;
} il_edge_t;

/* The vector's words of row r (lanes lm of words j..j+7) as the three
 * sources of the code bytes: c itself for slots 1-6, v0 (bit 63 the cell
 * west of each word) for slot 0, v7 (bit 0 the cell east of each word) for
 * slot 7. HW: the vector has the row's word 0; HE: it has the last word, in
 * lane el (both compile-time, so the inner vectors have no edge code). At
 * the row's ends the wrapped cells (torus) or nothing (dead) come in: west
 * of word 0, and east of the last word's last cell, which is bit lastbits
 * of that word (inside it when lastbits < 64, else the next word's bit 0). */
static inline __attribute__((always_inline)) void
il_row(const il_edge_t *ed, const uint64_t *r, int64_t j, int64_t n, __mmask8 lm, __mmask8 el,
       const int hw, const int he, __m512i *v0, __m512i *c, __m512i *v7) {
    const __m512i top = _mm512_set1_epi64((long long)(1ull << 63)), low = _mm512_set1_epi64(1);
    __m512i cc = _mm512_maskz_loadu_epi64(lm, r + j);
    __m512i p, nx;
    if (hw) {
        p = _mm512_maskz_loadu_epi64(lm & 0xFE, r - 1);
        const uint64_t win = (r[n - 1] >> ed->wshift) & ed->wt;
        p = _mm512_mask_set1_epi64(p, 1, (long long)(win << 63));
    } else {
        p = _mm512_maskz_loadu_epi64(lm, r + j - 1);
    }
    if (he) {
        nx = _mm512_maskz_loadu_epi64(lm & (__mmask8)(el - 1), r + j + 1);
        const uint64_t e0 = r[0] & ed->et;
        const uint64_t ec = (e0 << ed->eshift) & ed->ec;
        cc = _mm512_mask_or_epi64(cc, el, cc, _mm512_set1_epi64((long long)ec));
        nx = _mm512_mask_set1_epi64(nx, el, (long long)(e0 & ed->en));
    } else {
        nx = _mm512_maskz_loadu_epi64(lm, r + j + 1);
    }
    *v0 = _mm512_ternarylogic_epi64(top, p, cc, IL_MUX);
    *v7 = _mm512_ternarylogic_epi64(low, nx, cc, IL_MUX);
    *c = cc;
}

/* Offsets of slot s's bytes: byte j of every qword starts at cell 8s+j-1
 * (mod 64) for the code in bits 0-2 ("low"), 3 bits earlier for the code
 * in bits 3-5 ("high"). */
static inline __m512i il_offsets(int s, int high) {
    const __m512i j = _mm512_set1_epi64(0x0706050403020100ll);
    return _mm512_add_epi8(j, _mm512_set1_epi8((char)(8 * s - 1 - 3 * high)));
}

/* One output row, given the codes of the row above (U) and the row at (M),
 * per slot, and the row below's words (v0, c, v7); the row below's codes
 * replace U's. Every third row's codes are made high, the others' low (with
 * 8j, where their byte starts in its qword, in bits 3-5, as vpshufbitqmb
 * wants its bit's position), so that of any three consecutive rows one has
 * its code high and two low: the index takes bits 0-2 from a low row and
 * 3-5 from the high one, the bit comes from the other low row, each of the
 * three cases (PH: which row is high, M, U or the one below) with its own
 * table. So each row's codes are made once, with one instruction. */
#define IL_ROW(U, M, PH, MK)                                                                       \
    do {                                                                                           \
        _Pragma("GCC unroll 8") for (int s = 0; s < 8; s++) {                                      \
            __m512i d = IL_CODES(s, (PH) == 2);                                                    \
            __m512i ix, bit;                                                                       \
            if ((PH) != 2) d = _mm512_ternarylogic_epi64(d, k07, pos8, IL_LOW_OR);                 \
            if ((PH) == 0) {                                                                       \
                ix = _mm512_ternarylogic_epi64(U[s], M[s], k07, IL_LOW_HIGH);                      \
                bit = d;                                                                           \
            } else if ((PH) == 1) {                                                                \
                ix = _mm512_ternarylogic_epi64(U[s], M[s], k07, IL_HIGH_LOW);                      \
                bit = d;                                                                           \
            } else {                                                                               \
                ix = _mm512_ternarylogic_epi64(U[s], d, k07, IL_LOW_HIGH);                         \
                bit = M[s];                                                                        \
            }                                                                                      \
            __m512i t = _mm512_permutexvar_epi8(ix, tab##PH);                                      \
            MK[s] = _cvtmask64_u64(_mm512_bitshuffle_epi64_mask(t, bit));                          \
            U[s] = d;                                                                              \
        }                                                                                          \
    } while (0)

/* The raw codes of slot s of row rd, low or high. From the vectors il_row
 * made, or, in a
 * vector with at least one word before it and one after it in the row
 * (MEM), straight from memory: the 64 bytes from byte s-1 of the vector's
 * words hold in each qword the word's cells from 8s-8 on, so every slot's
 * codes sit at the same offsets (those of slot 1) and the neighbour words'
 * cells come with the load. */
#define IL_CODES(s, high)                                                                          \
    (mem ? _mm512_multishift_epi64_epi8(                                                           \
               (high) ? mem_high : mem_low,                                                        \
               _mm512_loadu_si512((const uint8_t *)(rd + j) + (s) - 1))                            \
         : _mm512_multishift_epi64_epi8(il_offsets(s, high), (s) == 0 ? v0 : (s) == 7 ? v7 : c))

/* Rows ahead whose lines the walk prefetches (as the B/S kernels' strips:
 * a walk down a narrow column is a stride the L1 prefetchers hardly
 * follow). */
#define IL_PREFETCH_ROWS 2

/* Rows y0..y1-1 of words j..j+7 (lanes lm; el as for il_row). */
static inline __attribute__((always_inline)) void
il_strip(const omp_geom_t *g, omp_src_t src, uint64_t *dst, int64_t dst_origin, int64_t y0,
         int64_t y1, int64_t j, __mmask8 lm, __mmask8 el, uint64_t *diff, omp_pop_t *pop,
         const uint8_t *tables, const il_edge_t *ed, const int hw, const int he,
         const int mem, const int with_diff) {
    const int64_t cya = pop ? pop->y0 : 0, cyb = pop ? pop->y1 : 0;
    const int delta = with_diff && pop && pop->delta;
    const __m512i k07 = _mm512_set1_epi8(7);
    /* byte j of each qword: 8j, where byte j's bits start in its qword */
    const __m512i pos8 = _mm512_set1_epi64(0x3830282018100800ll);
    /* result byte 8q+s is byte 8s+q of the masks */
    const __m512i tr = _mm512_set_epi8(63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14,
                                       6, 61, 53, 45, 37, 29, 21, 13, 5, 60, 52, 44, 36, 28, 20,
                                       12, 4, 59, 51, 43, 35, 27, 19, 11, 3, 58, 50, 42, 34, 26,
                                       18, 10, 2, 57, 49, 41, 33, 25, 17, 9, 1, 56, 48, 40, 32,
                                       24, 16, 8, 0);
    const __m512i mem_low = il_offsets(1, 0), mem_high = il_offsets(1, 1);
    const __m512i tab0 = _mm512_loadu_si512(tables), tab1 = _mm512_loadu_si512(tables + 64),
                  tab2 = _mm512_loadu_si512(tables + 128);
    __m512i keep = _mm512_set1_epi64(-1);
    if (he) keep = _mm512_mask_set1_epi64(keep, el, (long long)g->lastmask);
    __m512i pacc = _mm512_setzero_si512(), pold = pacc, dacc = pacc;
    __m512i x[8], z[8], v0, c, v7;
    uint64_t mk[2][8] __attribute__((aligned(64)));
    /* rows y0-1 (low) and y0 (high) */
    const uint64_t *rd = rows_src_row(g, src, y0 - 1);
    if (!mem) il_row(ed, rd, j, g->wpr, lm, el, hw, he, &v0, &c, &v7);
#pragma GCC unroll 8
    for (int s = 0; s < 8; s++)
        x[s] = _mm512_ternarylogic_epi64(IL_CODES(s, 0), k07, pos8, IL_LOW_OR);
    rd = rows_src_row(g, src, y0);
    if (!mem) il_row(ed, rd, j, g->wpr, lm, el, hw, he, &v0, &c, &v7);
#pragma GCC unroll 8
    for (int s = 0; s < 8; s++) z[s] = IL_CODES(s, 1);
    uint64_t *out = dst + (y0 - dst_origin) * g->stride + j;
    /* Row y's masks go to mk[y & 1] and are written out while the next
     * row is computed: the 8 mask stores then reach the cache before the
     * vector load that transposes them (read right after they are stored,
     * the load waits for them: about 20 % slower). */
#define IL_FLUSH(yy, B)                                                                            \
    {                                                                                              \
        __m512i nx = _mm512_permutexvar_epi8(tr, _mm512_load_si512(mk[B]));                        \
        if (he) nx = _mm512_and_si512(nx, keep);                                                   \
        if (with_diff) {                                                                           \
            __m512i old = _mm512_maskz_loadu_epi64(lm, out);                                       \
            dacc = _mm512_ternarylogic_epi64(dacc, nx, old, IL_OR_XOR);                            \
            if (delta && (yy) >= cya && (yy) < cyb)                                                \
                pold = _mm512_add_epi64(pold, _mm512_popcnt_epi64(old));                           \
        }                                                                                          \
        _mm512_mask_storeu_epi64(out, lm, nx);                                                     \
        if ((yy) >= cya && (yy) < cyb)                                                             \
            pacc = _mm512_add_epi64(pacc, _mm512_maskz_popcnt_epi64(lm, nx));                      \
        out += g->stride;                                                                          \
    }
#define IL_OUT(U, M, PH, B)                                                                        \
    {                                                                                              \
        rd = rows_src_next(g, src, y + 1, rd);                                                     \
        for (int v_ = -1; v_ <= 1; v_++) /* the vector's line and its neighbours' */               \
            _mm_prefetch((const char *)((uintptr_t)(rd + j) +                                      \
                                        (uintptr_t)(IL_PREFETCH_ROWS * g->stride * 8 + 64 * v_)),  \
                         _MM_HINT_T0);                                                             \
        if (!mem) il_row(ed, rd, j, g->wpr, lm, el, hw, he, &v0, &c, &v7);                         \
        IL_ROW(U, M, PH, mk[B]);                                                                   \
        if (y > y0) IL_FLUSH(y - 1, (B) ^ 1)                                                       \
        omp_prefetch_step(src.pf);                                                                 \
        if (++y >= y1) break; /* out of the walk's loop */                                         \
    }
    /* The row below's codes replace the row above's, so the names swap
     * every row and the cases cycle every three: six rows unrolled. */
    int64_t y = y0;
    for (;;) {
        IL_OUT(x, z, 0, 0)
        IL_OUT(z, x, 1, 1)
        IL_OUT(x, z, 2, 0)
        IL_OUT(z, x, 0, 1)
        IL_OUT(x, z, 1, 0)
        IL_OUT(z, x, 2, 1)
    }
    if (y > y0) IL_FLUSH(y - 1, (y - 1 - y0) & 1)
#undef IL_OUT
#undef IL_FLUSH
    if (pop) pop->n += _mm512_reduce_add_epi64(pacc) - _mm512_reduce_add_epi64(pold);
    if (with_diff) {
        __m512i d = _mm512_maskz_loadu_epi64(lm, diff);
        _mm512_mask_storeu_epi64(diff, lm, _mm512_or_si512(d, dacc));
    }
}

/* One instantiation per (has word 0, has the last word, from memory, with
 * diff). */
#define IL_VARIANT(name, HW, HE, MEM, WD)                                                          \
    static void name(const omp_geom_t *g, omp_src_t src, uint64_t *dst, int64_t dst_origin,        \
                     int64_t y0, int64_t y1, int64_t j, __mmask8 lm, __mmask8 el, uint64_t *diff,  \
                     omp_pop_t *pop, const uint8_t *tables, const il_edge_t *ed) {                 \
        il_strip(g, src, dst, dst_origin, y0, y1, j, lm, el, diff, pop, tables, ed, HW, HE, MEM,   \
                 WD);                                                                             \
    }
IL_VARIANT(il_inner, 0, 0, 0, 0)
IL_VARIANT(il_west, 1, 0, 0, 0)
IL_VARIANT(il_east, 0, 1, 0, 0)
IL_VARIANT(il_both, 1, 1, 0, 0)
IL_VARIANT(il_mem, 0, 0, 1, 0)
IL_VARIANT(il_inner_diff, 0, 0, 0, 1)
IL_VARIANT(il_west_diff, 1, 0, 0, 1)
IL_VARIANT(il_east_diff, 0, 1, 0, 1)
IL_VARIANT(il_both_diff, 1, 1, 0, 1)
IL_VARIANT(il_mem_diff, 0, 0, 1, 1)
#undef IL_VARIANT

typedef void (*il_strip_fn)(const omp_geom_t *, omp_src_t, uint64_t *, int64_t, int64_t, int64_t,
                            int64_t, __mmask8, __mmask8, uint64_t *, omp_pop_t *, const uint8_t *,
                            const il_edge_t *);

void omp_iso_lut_avx512(OMP_BLOCK_PARAMS) {
    (void)scratch;
    (void)born;
    (void)survive;
    static const il_strip_fn fns[2][5] = {
        {il_inner, il_west, il_east, il_both, il_mem},
        {il_inner_diff, il_west_diff, il_east_diff, il_both_diff, il_mem_diff}};
    const uint8_t *tables = g->iso->table[0];
    const int64_t n = g->wpr;
    const uint64_t t = g->torus ? 1 : 0;
    const il_edge_t ed = {t, t, g->lastbits < 64 ? ~0ull : 0, g->lastbits < 64 ? 0 : ~0ull,
                          g->lastbits - 1, g->lastbits & 63};
    for (int64_t j = j0; j < j1; j += 8) {
        const int64_t m = j1 - j < 8 ? j1 - j : 8;
        const __mmask8 lm = (__mmask8)((1u << m) - 1);
        const __mmask8 el = j + m == n ? (__mmask8)(1u << (m - 1)) : 0;
        const int k = j >= 1 && j + 8 <= n - 1 ? 4 : (j == 0) | (el ? 2 : 0);
        fns[diff != NULL][k](g, src, dst, dst_origin, y0, y1, j, lm, el,
                                                   diff ? diff + (j - j0) : NULL, pop, tables, &ed);
    }
}

#pragma GCC pop_options
#endif

void omp_iso_lut_build(const corun_life_rule_t *r, uint8_t tables[3][64]) {
    memset(tables, 0, 3 * 64);
    /* index k = above | at << 3 | below << 6 (rule_int.h); table PH's byte
     * is (low row | high row << 3), its bit the other low row (IL_ROW) */
    for (unsigned k = 0; k < 512; k++) {
        if (!corun_life_rule_next(r, k)) continue;
        const unsigned u = k & 7, m = k >> 3 & 7, d = k >> 6;
        tables[0][u | m << 3] |= (uint8_t)(1u << d);
        tables[1][m | u << 3] |= (uint8_t)(1u << d);
        tables[2][u | d << 3] |= (uint8_t)(1u << m);
    }
}
