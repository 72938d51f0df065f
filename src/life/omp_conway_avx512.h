/* omp_conway_avx512.h — the row kernels in AVX-512 intrinsics, for every
 * outer-totalistic rule (B3/S23 with the rule folded at compile time, any
 * other through its tables), included by omp_kernels_avx512.c under its
 * AVX-512 target pragma (after omp_rows.h, whose functions it uses for the
 * rows' end words). Defines omp_step_avx512, omp_stream_avx512,
 * omp_perm_avx512, omp_perm_stream_avx512 and omp_count_avx512.
 *
 * Why a hand-written copy: gcc 12 vectorises the shared C of
 * kernels/life_word.h into ~35 vector instructions per 512 cells; written
 * with vpternlogq (any boolean function of three inputs in one instruction)
 * and vpshldq/vpshrdq (the cross-word shifts) the same formulas take 12, and
 * keeping the three rows' horizontal sums in registers while walking down a
 * strip of columns drops the ring buffer's loads and stores. The formulas
 * are those of corun_life_word_hsum/_next with the rule folded for B3/S23:
 *   hsum:  h0 = W^C^E,  h1 = maj(W,C,E)
 *   block sum = s0 + 2(x + k) + 4y, with s0 = u0^m0^d0, k = maj(u0,m0,d0),
 *               x = u1^m1^d1, y = maj(u1,m1,d1)
 *   next:  odd sum (s0): born or survives iff sum == 3 iff (x^k) & ~y
 *          even sum: survives iff alive and sum == 4 iff alive & (x&k&~y | ~x&~k&y)
 * Other rules: cw_next_rule. The omp_vs_serial and omp_rules tests compare
 * this path with the serial oracle.
 *
 * Any word range of a row: the first and last word of a row get their
 * wrapped neighbour cell (torus) OR-ed in, or nothing (dead edge), and the
 * last word's padding bits are masked so they stay dead. Needs AVX-512 F +
 * VBMI2 (vpshldq).
 */
#include <immintrin.h>

#define CW_XOR3 0x96 /* a ^ b ^ c */
#define CW_MAJ 0xE8  /* at least two of a, b, c */
#define CW_ODD 0x14  /* (a ^ b) & ~c, with a = x, b = k, c = y */
#define CW_EVEN 0x42 /* a & b & ~c | ~a & ~b & c */
#define CW_MUX 0xCA  /* a ? b : c */
#define CW_OR_XOR 0xF6 /* a | (b ^ c) */
#define CW_MAJ_FROM_SUM 0xD4 /* (a, b, s = x^a^b) -> maj(x, a, b): a == b ? a : ~s */

/* Horizontal sums of the 8 words in cc, given the vectors wn and en whose
 * lane L holds the word west and east of lane L of cc. wi/ei are OR-ed into
 * the shifted words: they carry the wrapped cell of a torus into the row's
 * first and last word (zero otherwise). */
static inline __attribute__((always_inline)) void cw_hsum_nb(__m512i wn, __m512i cc, __m512i en,
                                                             __m512i wi, __m512i ei, __m512i *h0,
                                                             __m512i *h1) {
    __m512i w = _mm512_shldi_epi64(cc, wn, 1);
    __m512i e = _mm512_shrdi_epi64(cc, en, 1);
    w = _mm512_or_si512(w, wi);
    e = _mm512_or_si512(e, ei);
    /* maj(w,c,e) from (c, e, w^c^e): if c == e it is c, else it is w = ~(w^c^e).
     * Written this way w dies after the first instruction and e after the
     * second, so the destructive vpternlogq needs no register copies. */
    __m512i s = _mm512_ternarylogic_epi64(w, cc, e, CW_XOR3);
    *h1 = _mm512_ternarylogic_epi64(e, cc, s, CW_MAJ_FROM_SUM);
    *h0 = s;
}

/* The same for a row in word order, whose vectors hold 8 consecutive words:
 * the west and east neighbour words of cc are lane 7 of prev and lane 0 of
 * next, so both neighbour vectors come from lane rotations (valignq) of
 * vectors already in registers. (Unaligned loads at p-1 and p+1 instead,
 * each split across two cache lines, measured no faster.) These two
 * valignq are 2 of the 14 vector instructions per 512 cells, which is what
 * the lane-strided order (omp_int.h) saves. */
static inline __attribute__((always_inline)) void cw_hsum(__m512i prev, __m512i cc, __m512i next,
                                                          __m512i wi, __m512i ei, __m512i *h0,
                                                          __m512i *h1) {
    cw_hsum_nb(_mm512_alignr_epi64(cc, prev, 7), cc, _mm512_alignr_epi64(next, cc, 1), wi, ei, h0,
               h1);
}

static inline __attribute__((always_inline)) __m512i cw_next(__m512i alive, __m512i u0,
                                                             __m512i u1, __m512i m0, __m512i m1,
                                                             __m512i d0, __m512i d1) {
    __m512i s0 = _mm512_ternarylogic_epi64(u0, m0, d0, CW_XOR3);
    __m512i k = _mm512_ternarylogic_epi64(u0, m0, d0, CW_MAJ);
    __m512i x = _mm512_ternarylogic_epi64(u1, m1, d1, CW_XOR3);
    __m512i y = _mm512_ternarylogic_epi64(u1, m1, d1, CW_MAJ);
    __m512i odd = _mm512_ternarylogic_epi64(x, k, y, CW_ODD);
    __m512i even = _mm512_and_si512(alive, _mm512_ternarylogic_epi64(x, k, y, CW_EVEN));
    return _mm512_ternarylogic_epi64(s0, odd, even, CW_MUX);
}


/* Any other outer-totalistic rule (B0 included): the same adders, then the
 * rule's four tables (corun_life_rule_tables, kernels/life_word.h), each
 * one vpternlogq over (x, k, y) whose immediate is the table, and three
 * multiplexers:
 *   next = s0 ? (alive ? odd_s : odd_b) : (alive ? even_s : even_b)
 * An immediate is part of the instruction, so the tables and multiplexers
 * are a rule function: the rule compiled at run time (omp_rule_jit.c), or
 * where that is not possible omp_rule_switch (omp_rule_switch_x86_64.S),
 * which jumps to each table's case. Either is called once per vector, from
 * inline assembly, in registers of their own convention (zmm24-31; rax the
 * switch's case addresses, which the compiled rule ignores).
 * docs/PERFORMANCE.md, "Rules", compares the designs measured. */
typedef struct cw_rule {
    const void *fn;        /* the rule function */
    const void *cases[4];  /* omp_rule_switch's: odd_b, odd_s, even_b, even_s */
} cw_rule_t;

void omp_rule_switch(void);
extern const void *const omp_rule_switch_cases[4][32];

/* The call pushes its return address below the stack pointer, where this
 * (leaf) function may keep data in the red zone, so the stack pointer
 * steps over the red zone first. */
static inline __attribute__((always_inline)) __m512i cw_rule_call(const void *fn,
                                                                  const void *const *cases,
                                                                  __m512i alive, __m512i x,
                                                                  __m512i k, __m512i y,
                                                                  __m512i s0) {
    register __m512i ra __asm__("zmm26") = alive;
    register __m512i rx __asm__("zmm27") = x;
    register __m512i rk __asm__("zmm28") = k;
    register __m512i ry __asm__("zmm29") = y;
    register __m512i rs __asm__("zmm30") = s0;
    register __m512i rn __asm__("zmm31");
    __asm__("lea -128(%%rsp), %%rsp\n\tcall *%[fn]\n\tlea 128(%%rsp), %%rsp"
            : "=v"(rn), "+v"(rx)
            : [fn] "r"(fn), "a"(cases), "v"(ra), "v"(rk), "v"(ry), "v"(rs)
            : "xmm24", "xmm25");
    return rn;
}

/* The next state: B3/S23 folded (rule 0, a compile-time constant) or the
 * rule function fn (with cases, its cw_rule_t's). */
static inline __attribute__((always_inline)) __m512i
cw_next_rule(const int rule, const void *fn, const void *const *cases, __m512i alive,
             __m512i u0, __m512i u1, __m512i m0, __m512i m1, __m512i d0, __m512i d1) {
    if (!rule) return cw_next(alive, u0, u1, m0, m1, d0, d1);
    __m512i s0 = _mm512_ternarylogic_epi64(u0, m0, d0, CW_XOR3);
    __m512i k = _mm512_ternarylogic_epi64(u0, m0, d0, CW_MAJ);
    __m512i x = _mm512_ternarylogic_epi64(u1, m1, d1, CW_XOR3);
    __m512i y = _mm512_ternarylogic_epi64(u1, m1, d1, CW_MAJ);
    return cw_rule_call(fn, cases, alive, x, k, y, s0);
}

/* Horizontal sums of row r (words j.. of a strip of nv vectors). has_w: the
 * strip starts at word 0 (vector 0, lane 0); has_e: word wpr-1 is in the
 * last vector, at lane bit el. Those words' outside neighbours are zero; on
 * a torus the wrapped cell is OR-ed in instead (a scalar extract, a
 * broadcast and an OR per end).
 * ring: the strip is the whole row of a torus whose width is 64 * 8 * nv
 * cells (512, 1024, 1536 or 2048): the words west of word 0 and east of the
 * last word are then lanes of the strip's own vectors, and there is no patch
 * (about 10 % of the ops of a 2048-wide row). */
static inline __attribute__((always_inline)) void
cw_hsum_row(const omp_geom_t *g, const uint64_t *r, int64_t j, const int nv, const int has_w,
            const int has_e, const int ring, const int perm, const __mmask8 *mk, __mmask8 el,
            __m512i *c, __m512i *h0, __m512i *h1) {
    const __m512i zero = _mm512_setzero_si512();
    /* cc[1..nv]: the strip; cc[0] and cc[nv+1]: the vectors just outside it. */
    __m512i cc[6];
    if (perm) {
        /* A torus row in the lane-strided order (omp_int.h), all vectors
         * full: lane L of the vector before the strip's first holds the
         * word west of that vector's lane L, and the vector after the
         * last the words east, so no lane moves, except across the row's
         * ends: west of vector 0 is the last vector with its lanes
         * rotated up one (lane L gets lane L-1, lane 0 lane 7: the row's
         * last word, the torus wrap), east of the last is vector 0
         * rotated down. */
        for (int v = 0; v < nv; v++) cc[v + 1] = _mm512_load_si512(r + j + 8 * v);
        __m512i wv = ring ? cc[nv] : _mm512_load_si512(r + (has_w ? g->wpr : j) - 8);
        __m512i ev = ring ? cc[1] : _mm512_load_si512(r + (has_e ? 0 : j + 8 * nv));
        cc[0] = has_w ? _mm512_alignr_epi64(wv, wv, 7) : wv;
        cc[nv + 1] = has_e ? _mm512_alignr_epi64(ev, ev, 1) : ev;
        for (int v = 0; v < nv; v++) {
            cw_hsum_nb(cc[v], cc[v + 1], cc[v + 2], zero, zero, &h0[v], &h1[v]);
            c[v] = cc[v + 1];
        }
        (void)mk, (void)el;
        return;
    }
    if (ring) {
        for (int v = 0; v < nv; v++) cc[v + 1] = _mm512_loadu_si512(r + 8 * v);
        cc[0] = cc[nv];
        cc[nv + 1] = cc[1];
        for (int v = 0; v < nv; v++) {
            cw_hsum(cc[v], cc[v + 1], cc[v + 2], zero, zero, &h0[v], &h1[v]);
            c[v] = cc[v + 1];
        }
        (void)g, (void)j, (void)has_w, (void)has_e, (void)mk, (void)el;
        return;
    }
    __m512i wi = zero, ei = zero;
    if ((has_w || has_e) && g->torus) {
        /* West of cell 0 is cell W-1; east of cell W-1 is cell 0. */
        uint64_t last = corun_life_row_west_in(r, g->wpr, g->lastbits, 1);
        uint64_t first = corun_life_row_east_in(r, g->lastbits, 1);
        if (has_w) wi = _mm512_maskz_set1_epi64(1, (long long)last);
        if (has_e) ei = _mm512_maskz_set1_epi64(el, (long long)first);
    }
    /* The neighbour words are single-lane masked loads: nothing outside the
     * row's stride is touched (word j-1 may be the first of a buffer). A
     * strip that does not end the row may still end inside a vector (change
     * tracking's column ranges): its vectors are loaded whole, so the word
     * after it is in a lane, and the lanes past it compute values the
     * masked stores drop. They stay inside the row's stride, which has at
     * least 8 words of zero padding after the row. */
    cc[0] = has_w ? zero : _mm512_maskz_loadu_epi64(0x80, r + j - 8);
    for (int v = 0; v < nv; v++)
        cc[v + 1] = has_e ? _mm512_maskz_loadu_epi64(mk[v], r + j + 8 * v)
                          : _mm512_loadu_si512(r + j + 8 * v);
    cc[nv + 1] = has_e ? zero : _mm512_maskz_loadu_epi64(0x01, r + j + 8 * nv);
    for (int v = 0; v < nv; v++) {
        cw_hsum(cc[v], cc[v + 1], cc[v + 2], has_w && v == 0 ? wi : zero,
                has_e && v == nv - 1 ? ei : zero, &h0[v], &h1[v]);
        c[v] = cc[v + 1];
    }
}

/* Rows ahead of the one being loaded whose strip lines a non-ring strip
 * prefetches. A strip of a wide row reads a few lines per row at a stride
 * of a whole row, a pattern the L1 prefetchers hardly follow, so each row's
 * loads waited on L2: 16384x256 (8 strips per row, in L2) ran at 0.82x the
 * rate of 2048x2048 (rows read whole, in address order). With the lines
 * requested two rows early: 1.07-1.10x on 16384x256, 1 thread, and 1.06x
 * (median of 5 interleaved pairs) on 16384x16384 blocked, 2 threads. One
 * or three rows ahead measured the same; prefetching the output rows for
 * writing, or the narrow strips' lines, gained nothing. */
#define CW_PREFETCH_ROWS 2

/* Rows y0..y1-1, words j .. j+8*nv-1 (the last vector masked by lm): walk
 * down the rows with the sums of the rows above and at y in registers. All
 * of nv, has_w, has_e and with_diff are compile-time constants at each call,
 * so the loops unroll and the arrays live in registers. */
static inline __attribute__((always_inline)) void
cw_strip(const omp_geom_t *g, omp_src_t src, uint64_t *dst, int64_t dst_origin, int64_t y0,
         int64_t y1, int64_t j, const int nv, const int has_w, const int has_e, const int ring,
         const int perm, const int with_diff, const int stream, __mmask8 lm, uint64_t *diff,
         omp_pop_t *pop, const int rule, const cw_rule_t *rt) {
    const void *fn = rule ? rt->fn : NULL, *const *cases = rule ? rt->cases : NULL;
    /* Rows cya..cyb-1 are counted (omp_pop_t): a masked vpopcntq and an add
     * per vector stored, into one accumulator. */
    const int64_t cya = pop ? pop->y0 : 0, cyb = pop ? pop->y1 : 0;
    const int delta = with_diff && pop && pop->delta;
    __m512i pacc = _mm512_setzero_si512(), pold = pacc; /* new and (delta) old cells */
    __m512i dacc[4];
    __mmask8 mk[4];
    for (int v = 0; v < nv; v++) {
        mk[v] = v == nv - 1 ? lm : 0xFF;
        dacc[v] = _mm512_setzero_si512();
    }
    /* Lane of word wpr-1 in the last vector, and the output mask keeping its
     * padding bits dead. */
    __mmask8 el = 0;
    __m512i keep = _mm512_set1_epi64(-1);
    if (has_e && !ring && !perm) { /* ring and lane-strided rows have no padding bits */
        el = (__mmask8)(1u << (g->wpr - 1 - (j + 8 * (nv - 1))));
        keep = _mm512_mask_set1_epi64(keep, el, (long long)g->lastmask);
    }
    /* Three row slots, a b c, rotate roles (above, at, below): OMP_WALK3 in
     * omp_int.h. */
    __m512i a0[4], a1[4], ac[4], b0[4], b1[4], bc[4], c0[4], c1[4], cc[4];
    const uint64_t *rd = rows_src_row(g, src, y0); /* the row below y: y + 1 */
    uint64_t *out = dst + (y0 - dst_origin) * g->stride + j;
    cw_hsum_row(g, rows_src_row(g, src, y0 - 1), j, nv, has_w, has_e, ring, perm, mk, el, ac,
                a0, a1);
    cw_hsum_row(g, rd, j, nv, has_w, has_e, ring, perm, mk, el, bc, b0, b1);
#define CW_ROW(U, M, D)                                                                            \
    do {                                                                                           \
        rd = rows_src_next(g, src, y + 1, rd);                                               \
        if (!ring) /* the strip's lines and its neighbour words' (a prefetch never faults) */     \
            for (int v = -1; v <= nv; v++)                                                         \
                _mm_prefetch((const char *)((uintptr_t)(rd + j) +                                  \
                                            (uintptr_t)(CW_PREFETCH_ROWS * g->stride * 8 + 64 * v)), \
                             _MM_HINT_T0);                                                         \
        cw_hsum_row(g, rd, j, nv, has_w, has_e, ring, perm, mk, el, D##c, D##0, D##1);             \
        for (int v = 0; v < nv; v++) {                                                             \
            __m512i nx = cw_next_rule(rule, fn, cases, M##c[v], U##0[v], U##1[v], M##0[v], M##1[v],        \
                                      D##0[v], D##1[v]);                                           \
            if (has_e && !ring && !perm && v == nv - 1) nx = _mm512_and_si512(nx, keep);           \
            if (with_diff) {                                                                       \
                __m512i old = _mm512_maskz_loadu_epi64(mk[v], out + 8 * v);                        \
                dacc[v] = _mm512_ternarylogic_epi64(dacc[v], nx, old, CW_OR_XOR);                  \
                if (delta && y >= cya && y < cyb)                                                  \
                    pold = _mm512_add_epi64(pold, _mm512_popcnt_epi64(old));                       \
            }                                                                                      \
            if (stream && mk[v] == 0xFF) /* rows start on a cache line: aligned */                 \
                _mm512_stream_si512((void *)(out + 8 * v), nx);                                    \
            else                                                                                   \
                _mm512_mask_storeu_epi64(out + 8 * v, mk[v], nx);                                  \
            if (y >= cya && y < cyb)                                                               \
                pacc = _mm512_add_epi64(pacc, _mm512_maskz_popcnt_epi64(mk[v], nx));               \
        }                                                                                          \
        omp_prefetch_step(src.pf);                                                                 \
        out += g->stride;                                                                          \
    } while (0)
    int64_t y = y0;
    OMP_WALK3(y, y1, CW_ROW, a, b, c);
#undef CW_ROW
    if (pop) pop->n += _mm512_reduce_add_epi64(pacc) - _mm512_reduce_add_epi64(pold);
    if (with_diff)
        for (int v = 0; v < nv; v++) {
            __m512i d = _mm512_maskz_loadu_epi64(mk[v], diff + 8 * v);
            _mm512_mask_storeu_epi64(diff + 8 * v, mk[v], _mm512_or_si512(d, dacc[v]));
        }
}

/* One instantiation per (has_w, has_e, ring, lane-strided, with_diff or
 * stream) and rule (0: B3/S23 folded, 1: a rule function), each switching
 * on nv. */
#define CW_VARIANT_RT(name, HW, HE, RG, PM, WD, ST, RULE)                                                \
    static void name(const omp_geom_t *g, omp_src_t src, uint64_t *dst, int64_t dst_origin,    \
                     int64_t y0, int64_t y1, int64_t j, int nv, __mmask8 lm, uint64_t *diff,   \
                     omp_pop_t *pop, const cw_rule_t *rt) {                                    \
        (void)rt;                                                                               \
        switch (nv) {                                                                           \
        case 4: cw_strip(g, src, dst, dst_origin, y0, y1, j, 4, HW, HE, RG, PM, WD, ST, lm, diff, pop, RULE, rt); break; \
        case 3: cw_strip(g, src, dst, dst_origin, y0, y1, j, 3, HW, HE, RG, PM, WD, ST, lm, diff, pop, RULE, rt); break; \
        case 2: cw_strip(g, src, dst, dst_origin, y0, y1, j, 2, HW, HE, RG, PM, WD, ST, lm, diff, pop, RULE, rt); break; \
        default: cw_strip(g, src, dst, dst_origin, y0, y1, j, 1, HW, HE, RG, PM, WD, ST, lm, diff, pop, RULE, rt); break; \
        }                                                                                       \
    }
#define CWV(name, HW, HE, RG, PM, WD, ST)                                                     \
    CW_VARIANT_RT(name, HW, HE, RG, PM, WD, ST, 0)                                              \
    CW_VARIANT_RT(name##_r, HW, HE, RG, PM, WD, ST, 1)
CWV(cw_mid, 0, 0, 0, 0, 0, 0)
CWV(cw_w, 1, 0, 0, 0, 0, 0)
CWV(cw_e, 0, 1, 0, 0, 0, 0)
CWV(cw_we, 1, 1, 0, 0, 0, 0)
CWV(cw_ring, 1, 1, 1, 0, 0, 0)
CWV(cw_mid_d, 0, 0, 0, 0, 1, 0)
CWV(cw_w_d, 1, 0, 0, 0, 1, 0)
CWV(cw_e_d, 0, 1, 0, 0, 1, 0)
CWV(cw_we_d, 1, 1, 0, 0, 1, 0)
CWV(cw_ring_d, 1, 1, 1, 0, 1, 0)
CWV(cw_mid_s, 0, 0, 0, 0, 0, 1)
CWV(cw_w_s, 1, 0, 0, 0, 0, 1)
CWV(cw_e_s, 0, 1, 0, 0, 0, 1)
CWV(cw_we_s, 1, 1, 0, 0, 0, 1)
CWV(cw_ring_s, 1, 1, 1, 0, 0, 1)
/* Lane-strided rows: a row of at most 4 vectors is always a ring, so a
 * strip never has both ends without it. */
CWV(cwp_mid, 0, 0, 0, 1, 0, 0)
CWV(cwp_w, 1, 0, 0, 1, 0, 0)
CWV(cwp_e, 0, 1, 0, 1, 0, 0)
CWV(cwp_ring, 1, 1, 1, 1, 0, 0)
CWV(cwp_mid_s, 0, 0, 0, 1, 0, 1)
CWV(cwp_w_s, 1, 0, 0, 1, 0, 1)
CWV(cwp_e_s, 0, 1, 0, 1, 0, 1)
CWV(cwp_ring_s, 1, 1, 1, 1, 0, 1)
#undef CWV
#undef CW_VARIANT_RT

/* Narrow strips, for change tracking, whose runs of tiles are mostly a
 * tile or two wide (2-4 words) and scattered over the grid, so their rows
 * come from L2, not L1: the cost is cache lines, not instructions. A run of
 * k <= CW_NARROW words is one vector whose lane L holds word j-1+L, so the
 * west and east neighbour words come in the same masked load: one or two
 * lines per row, where a strip vector with its separate neighbour loads
 * touches three or four. Lanes 1..k are computed; lane 0 and k+1 are the
 * neighbours. At the row's start (has_w) the words are loaded from word 0
 * and moved up a lane, and the results moved back down to be stored; at its
 * end (has_e) the lane past the row stays zero. Always with diff. */
#define CW_NARROW 6
static inline __attribute__((always_inline)) void
cwn_row(const omp_geom_t *g, const uint64_t *r, int64_t j, __mmask8 ld, const int has_w,
        const int has_e, __mmask8 el, __m512i *c, __m512i *h0, __m512i *h1) {
    const __m512i zero = _mm512_setzero_si512();
    __m512i v = has_w ? _mm512_alignr_epi64(_mm512_maskz_loadu_epi64(ld, r), zero, 7)
                      : _mm512_maskz_loadu_epi64(ld, r + j - 1);
    __m512i wi = zero, ei = zero;
    if ((has_w || has_e) && g->torus) {
        uint64_t last = corun_life_row_west_in(r, g->wpr, g->lastbits, 1);
        uint64_t first = corun_life_row_east_in(r, g->lastbits, 1);
        if (has_w) wi = _mm512_maskz_set1_epi64(0x02, (long long)last);
        if (has_e) ei = _mm512_maskz_set1_epi64(el, (long long)first);
    }
    cw_hsum(zero, v, zero, wi, ei, h0, h1);
    *c = v;
}

static inline __attribute__((always_inline)) void
cwn_strip(const omp_geom_t *g, omp_src_t src, uint64_t *dst, int64_t dst_origin, int64_t y0,
          int64_t y1, int64_t j, int k, const int has_w, const int has_e, uint64_t *diff,
          omp_pop_t *pop, const int rule, const cw_rule_t *rt) {
    const void *fn = rule ? rt->fn : NULL, *const *cases = rule ? rt->cases : NULL;
    const __m512i zero = _mm512_setzero_si512();
    const int64_t cya = pop ? pop->y0 : 0, cyb = pop ? pop->y1 : 0;
    const int delta = pop && pop->delta;
    __m512i pacc = zero, pold = zero;
    /* Load mask (in memory order, from word j-1, or word 0 at the row's
     * start), store mask (lanes 1..k, or 0..k-1 at the row's start). */
    const __mmask8 words = (__mmask8)((1u << k) - 1);
    const __mmask8 ld = (__mmask8)(has_w ? (words << 1 | 1u) >> has_e : (words << 2 | 3u) >> has_e);
    const __mmask8 st = has_w ? words : (__mmask8)(words << 1);
    __mmask8 el = 0;
    __m512i keep = _mm512_set1_epi64(-1);
    if (has_e) {
        el = (__mmask8)(1u << k);
        keep = _mm512_mask_set1_epi64(keep, el, (long long)g->lastmask);
    }
    __m512i dacc = zero;
    __m512i a0, a1, ac, b0, b1, bc, c0, c1, cc;
    const uint64_t *rd = rows_src_row(g, src, y0);
    uint64_t *out = dst + (y0 - dst_origin) * g->stride + j - 1 + has_w;
    cwn_row(g, rows_src_row(g, src, y0 - 1), j, ld, has_w, has_e, el, &ac, &a0, &a1);
    cwn_row(g, rd, j, ld, has_w, has_e, el, &bc, &b0, &b1);
#define CWN_ROW(U, M, D)                                                                          \
    do {                                                                                          \
        rd = rows_src_next(g, src, y + 1, rd);                                              \
        cwn_row(g, rd, j, ld, has_w, has_e, el, &D##c, &D##0, &D##1);                             \
        __m512i nx = cw_next_rule(rule, fn, cases, M##c, U##0, U##1, M##0, M##1, D##0, D##1);           \
        if (has_e) nx = _mm512_and_si512(nx, keep);                                               \
        if (has_w) nx = _mm512_alignr_epi64(zero, nx, 1);                                         \
        __m512i old = _mm512_maskz_loadu_epi64(st, out);                                          \
        dacc = _mm512_ternarylogic_epi64(dacc, nx, old, CW_OR_XOR);                               \
        _mm512_mask_storeu_epi64(out, st, nx);                                                    \
        if (y >= cya && y < cyb) {                                                                \
            pacc = _mm512_add_epi64(pacc, _mm512_maskz_popcnt_epi64(st, nx));                     \
            if (delta) pold = _mm512_add_epi64(pold, _mm512_popcnt_epi64(old));                   \
        }                                                                                         \
        out += g->stride;                                                                         \
    } while (0)
    int64_t y = y0;
    OMP_WALK3(y, y1, CWN_ROW, a, b, c);
#undef CWN_ROW
    if (pop) pop->n += _mm512_reduce_add_epi64(pacc) - _mm512_reduce_add_epi64(pold);
    uint64_t *d = diff - 1 + has_w;
    _mm512_mask_storeu_epi64(d, st, _mm512_or_si512(_mm512_maskz_loadu_epi64(st, d), dacc));
}

#define CWN_VARIANT_RT(name, HW, HE, RULE)                                                        \
    static void name(const omp_geom_t *g, omp_src_t src, uint64_t *dst, int64_t dst_origin,    \
                     int64_t y0, int64_t y1, int64_t j, int k, uint64_t *diff, omp_pop_t *pop,  \
                     const cw_rule_t *rt) {                                                     \
        (void)rt;                                                                               \
        cwn_strip(g, src, dst, dst_origin, y0, y1, j, k, HW, HE, diff, pop, RULE, rt);                \
    }
#define CWN_VARIANT(name, HW, HE)                                                               \
    CWN_VARIANT_RT(name, HW, HE, 0)                                                             \
    CWN_VARIANT_RT(name##_r, HW, HE, 1)
CWN_VARIANT(cwn_mid, 0, 0)
CWN_VARIANT(cwn_w, 1, 0)
CWN_VARIANT(cwn_e, 0, 1)
CWN_VARIANT(cwn_we, 1, 1)
#undef CWN_VARIANT
#undef CWN_VARIANT_RT

typedef void (*cw_fn)(const omp_geom_t *, omp_src_t, uint64_t *, int64_t, int64_t, int64_t,
                      int64_t, int, __mmask8, uint64_t *, omp_pop_t *, const cw_rule_t *);

/* A variant set, for B3/S23 and for a rule function: the four strip
 * variants by the row ends a strip has (none, west, east, both) and the
 * ring variant. */
typedef struct cw_set {
    cw_fn ends[2][4], ring[2];
} cw_set_t;
#define CW_SET(mid, w, e, we, ring)                                                             \
    {{{mid, w, e, we}, {mid##_r, w##_r, e##_r, we##_r}}, {ring, ring##_r}}

/* 0 for B3/S23 (folded); else 1, with r the rule function: compiled at run
 * time where omp_rule_jit gives one, else omp_rule_switch and its cases. */
static inline int cw_rule(unsigned born, unsigned survive, cw_rule_t *r) {
    if (corun_life_rule_is_conway(born, survive)) return 0;
    corun_life_rule_tables_t t = corun_life_rule_tables(born, survive);
    r->fn = omp_rule_jit(t);
    if (!r->fn) {
        r->fn = (const void *)omp_rule_switch;
        r->cases[0] = omp_rule_switch_cases[0][t.odd_b & 31u];
        r->cases[1] = omp_rule_switch_cases[1][t.odd_s & 31u];
        r->cases[2] = omp_rule_switch_cases[2][t.even_b & 31u];
        r->cases[3] = omp_rule_switch_cases[3][t.even_s & 31u];
    }
    return 1;
}

/* Row blocks with one variant set and rule path. */
static inline __attribute__((always_inline)) void
cw_blocks(const omp_geom_t *g, omp_src_t src, uint64_t *dst, int64_t dst_origin, int64_t y0,
          int64_t y1, int64_t j0, int64_t j1, uint64_t *diff, const cw_set_t *set, int rule,
          const cw_rule_t *rt, omp_pop_t *pop) {
    const cw_fn *variants = set->ends[rule];
    /* The whole row of a torus whose rows are 1-4 full vectors of full words. */
    if (g->torus && j0 == 0 && j1 == g->wpr && g->lastbits == 64 && g->wpr % 8 == 0 &&
        g->wpr <= 32) {
        set->ring[rule](g, src, dst, dst_origin, y0, y1, 0, (int)(g->wpr / 8), 0xFF, diff, pop,
                        rt);
        return;
    }
    /* Strips of up to 4 vectors (32 words): 4 x 5 sums plus accumulators fit
     * the 32 zmm registers. */
    for (int64_t j = j0; j < j1; j += 32) {
        int64_t cnt = j1 - j < 32 ? j1 - j : 32;
        int nv = (int)((cnt + 7) / 8);
        int64_t tail = cnt - 8 * (nv - 1);
        __mmask8 lm = (__mmask8)(tail == 8 ? 0xFF : (1u << tail) - 1);
        int ends = (j == 0) | (j + cnt == g->wpr) << 1;
        variants[ends](g, src, dst, dst_origin, y0, y1, j, nv, lm, diff ? diff + (j - j0) : NULL,
                       pop, rt);
    }
}

/* omp_block_fn for any rule, in word order. */
void omp_step_avx512(const omp_geom_t *g, omp_src_t src, uint64_t *dst, int64_t dst_origin,
                     int64_t y0, int64_t y1, int64_t j0, int64_t j1, uint64_t *scratch,
                     uint64_t *diff, unsigned born, unsigned survive, omp_pop_t *pop) {
    (void)scratch;
    static const cw_set_t plain = CW_SET(cw_mid, cw_w, cw_e, cw_we, cw_ring);
    static const cw_set_t with_diff = CW_SET(cw_mid_d, cw_w_d, cw_e_d, cw_we_d, cw_ring_d);
    typedef void (*cwn_fn)(const omp_geom_t *, omp_src_t, uint64_t *, int64_t, int64_t, int64_t,
                           int64_t, int, uint64_t *, omp_pop_t *, const cw_rule_t *);
    static const cwn_fn narrow[2][4] = {{cwn_mid, cwn_w, cwn_e, cwn_we},
                                        {cwn_mid_r, cwn_w_r, cwn_e_r, cwn_we_r}};
    cw_rule_t rt;
    const int rule = cw_rule(born, survive, &rt);
    if (diff && j1 - j0 <= CW_NARROW) {
        int ends = (j0 == 0) | (j1 == g->wpr) << 1;
        narrow[rule][ends](g, src, dst, dst_origin, y0, y1, j0, (int)(j1 - j0), diff, pop, &rt);
    } else if (diff)
        cw_blocks(g, src, dst, dst_origin, y0, y1, j0, j1, diff, &with_diff, rule, &rt, pop);
    else
        cw_blocks(g, src, dst, dst_origin, y0, y1, j0, j1, NULL, &plain, rule, &rt, pop);
}

/* The same with non-temporal stores (omp_kernels_t.stream). The fence
 * orders them before whatever tells another thread the rows are ready:
 * streaming stores are weakly ordered. */
void omp_stream_avx512(const omp_geom_t *g, omp_src_t src, uint64_t *dst, int64_t dst_origin,
                       int64_t y0, int64_t y1, int64_t j0, int64_t j1, uint64_t *scratch,
                       uint64_t *diff, unsigned born, unsigned survive, omp_pop_t *pop) {
    (void)scratch;
    (void)diff;
    static const cw_set_t streaming = CW_SET(cw_mid_s, cw_w_s, cw_e_s, cw_we_s, cw_ring_s);
    cw_rule_t rt;
    const int rule = cw_rule(born, survive, &rt);
    cw_blocks(g, src, dst, dst_origin, y0, y1, j0, j1, NULL, &streaming, rule, &rt, pop);
    _mm_sfence();
}

/* omp_block_fn on torus rows in the lane-strided order (omp_kernels_t.perm):
 * whole rows (j0 = 0, j1 = wpr), of whole vectors (wpr % 8 == 0), no diff. */
void omp_perm_avx512(const omp_geom_t *g, omp_src_t src, uint64_t *dst, int64_t dst_origin,
                     int64_t y0, int64_t y1, int64_t j0, int64_t j1, uint64_t *scratch,
                     uint64_t *diff, unsigned born, unsigned survive, omp_pop_t *pop) {
    (void)scratch, (void)diff;
    static const cw_set_t plain = CW_SET(cwp_mid, cwp_w, cwp_e, cwp_ring, cwp_ring);
    cw_rule_t rt;
    const int rule = cw_rule(born, survive, &rt);
    cw_blocks(g, src, dst, dst_origin, y0, y1, j0, j1, NULL, &plain, rule, &rt, pop);
}

void omp_perm_stream_avx512(const omp_geom_t *g, omp_src_t src, uint64_t *dst,
                            int64_t dst_origin, int64_t y0, int64_t y1, int64_t j0, int64_t j1,
                            uint64_t *scratch, uint64_t *diff, unsigned born, unsigned survive,
                            omp_pop_t *pop) {
    (void)scratch, (void)diff;
    static const cw_set_t streaming =
        CW_SET(cwp_mid_s, cwp_w_s, cwp_e_s, cwp_ring_s, cwp_ring_s);
    cw_rule_t rt;
    const int rule = cw_rule(born, survive, &rt);
    cw_blocks(g, src, dst, dst_origin, y0, y1, j0, j1, NULL, &streaming, rule, &rt, pop);
    _mm_sfence();
}

/* omp_count_fn with vpopcntq: population counts run every generation when
 * snapshots record the population series, so the scalar loop (one word per
 * cycle) cost ~30 % of a 1-thread run; this is 8 words per instruction. */
int64_t omp_count_avx512(const omp_geom_t *g, const uint64_t *base, int64_t origin,
                                     int64_t y0, int64_t y1) {
    __m512i acc = _mm512_setzero_si512();
    const int64_t full = g->wpr & ~(int64_t)7;
    const __mmask8 tail = (__mmask8)((1u << (g->wpr - full)) - 1);
    for (int64_t y = y0; y < y1; y++) {
        const uint64_t *r = base + (y - origin) * g->stride;
        for (int64_t j = 0; j < full; j += 8)
            acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_loadu_si512(r + j)));
        if (tail)
            acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_maskz_loadu_epi64(tail, r + full)));
    }
    return (int64_t)_mm512_reduce_add_epi64(acc);
}
