/* omp_rows.h — the body of the omp backend's row kernels, included once by
 * each of omp_kernels_portable.c, omp_kernels_avx2.c and omp_kernels_avx512.c
 * after its target pragma. Everything here is static and inlined into the
 * kernels those files define by name (omp_count_avx2, omp_step_autovec_avx512,
 * ...) and into the strip kernels they include after it (omp_conway_vec.h,
 * omp_conway_avx512.h: the row and edge helpers), so each file gets its own
 * copy for its target. The same C code is compiled for AVX-512,
 * AVX2 and baseline x86-64/any CPU; gcc vectorises the word loops, so every
 * copy gives the same bits.
 *
 * Algorithm (per block of rows y0..y1-1, words j0..j1-1): walk down the rows
 * keeping the horizontal sums (corun_life_word_hsum) of three consecutive
 * source rows in a ring, so each source row's sum is computed once; the sum
 * of the row below is computed in the same loop that combines the three into
 * the next generation (corun_life_word_next). The first and last word of a
 * row take their west/east neighbour bit from the other end of the row on a
 * torus (the cell at x = W-1, which is bit lastbits-1 of the last word) or 0
 * on a dead grid; they are done outside the vector loop.
 */

/* Row y of the source, or the zero row outside a dead grid. */
static inline const uint64_t *rows_src_row(const omp_geom_t *g, omp_src_t s, int64_t y) {
    if (s.wrap) { /* y is at most a few heights off: no division per row */
        while (y < 0) y += g->h;
        while (y >= g->h) y -= g->h;
    } else if (!g->torus && (y < 0 || y >= g->h)) {
        return g->zero;
    }
    return s.base + (y - s.origin) * g->stride;
}

/* Row y of the source, given row y-1's (prev): inside the grid two rows in a
 * row are adjacent in every source, so the walk down a strip pays an add
 * instead of src_row's wrap and multiply (a fair share of a 4-word strip's
 * instructions). */
static inline const uint64_t *rows_src_next(const omp_geom_t *g, omp_src_t s, int64_t y,
                                                 const uint64_t *prev) {
    if (y > 0 && y < g->h) return prev + g->stride;
    return rows_src_row(g, s, y);
}

/* West and east neighbour words of word j of row r, with the row's ends. */
static inline void rows_edge_we(const omp_geom_t *g, const uint64_t *r, int64_t j,
                                     uint64_t *west, uint64_t *east) {
    int64_t n = g->wpr;
    uint64_t win, ein;
    if (j > 0) win = r[j - 1] >> 63;
    else win = corun_life_row_west_in(r, n, g->lastbits, g->torus);
    if (j < n - 1) ein = r[j + 1] << 63;
    else ein = corun_life_row_east_in(r, g->lastbits, g->torus);
    *west = (r[j] << 1) | win;
    *east = (r[j] >> 1) | ein;
}

/* Horizontal sums of words j0..j1-1 of row r. */
static inline __attribute__((always_inline)) void rows_hrow(const omp_geom_t *g,
                                                                 const uint64_t *restrict r,
                                                                 uint64_t *restrict h0,
                                                                 uint64_t *restrict h1,
                                                                 int64_t j0, int64_t j1) {
    int64_t n = g->wpr, a = j0 > 1 ? j0 : 1, b = j1 < n - 1 ? j1 : n - 1;
#pragma GCC ivdep
    for (int64_t j = a; j < b; j++)
        corun_life_word_hsum(corun_life_word_west(r[j], r[j - 1]), r[j],
                             corun_life_word_east(r[j], r[j + 1]), &h0[j], &h1[j]);
    if (j0 == 0 || j1 == n) {
        for (int e = 0; e < 2; e++) {
            int64_t j = e ? n - 1 : 0;
            if (j < j0 || j >= j1 || (e && n == 1)) continue;
            uint64_t w, x;
            rows_edge_we(g, r, j, &w, &x);
            corun_life_word_hsum(w, r[j], x, &h0[j], &h1[j]);
        }
    }
}

/* Live cells in words p[0..n-1]. With a popcount instruction the builtin
 * (gcc vectorises it to vpopcntq where AVX-512 has it); without one (the
 * baseline x86-64 copy: the builtin would be a libgcc call per word) SWAR:
 * per-byte bit counts summed over up to 31 words, which cannot overflow a
 * byte (31 * 8 < 256), then folded into the total once. */
static inline __attribute__((always_inline)) int64_t rows_popcount(const uint64_t *p, int64_t n) {
    int64_t c = 0;
#if defined(__POPCNT__) || defined(__AVX512VPOPCNTDQ__) || defined(__aarch64__)
    for (int64_t j = 0; j < n; j++) c += __builtin_popcountll(p[j]);
#else
    for (int64_t j0 = 0; j0 < n; j0 += 31) {
        const int64_t j1 = n - j0 < 31 ? n : j0 + 31;
        uint64_t bytes = 0;
        for (int64_t j = j0; j < j1; j++) {
            uint64_t v = p[j];
            v = v - ((v >> 1) & 0x5555555555555555ull);
            v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
            bytes += (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
        }
        bytes = (bytes & 0x00ff00ff00ff00ffull) + ((bytes >> 8) & 0x00ff00ff00ff00ffull);
        bytes = (bytes & 0x0000ffff0000ffffull) + ((bytes >> 16) & 0x0000ffff0000ffffull);
        c += (int64_t)((bytes & 0xffffffffull) + (bytes >> 32));
    }
#endif
    return c;
}

/* pop (omp_pop_t): each counted row is counted right after it is written,
 * while it is in L1. */
static inline __attribute__((always_inline)) void
rows_block(const omp_geom_t *g, omp_src_t src, uint64_t *dst, int64_t dst_origin, int64_t y0,
                int64_t y1, int64_t j0, int64_t j1, uint64_t *scratch, uint64_t *diff,
                unsigned born, unsigned survive, omp_pop_t *pop) {
    const int64_t n = g->wpr, st = g->stride;
    /* Ring of three rows of sums, planes h0 and h1. Planes are OMP_PLANE(st)
     * words apart, not st: with a power-of-two stride, a store to one plane
     * and a load from another at the same offset modulo 4 KiB look alike to
     * the CPU's store forwarding and stall the loop (4K aliasing). */
    uint64_t *h[3][2];
    for (int k = 0; k < 3; k++) {
        h[k][0] = scratch + (2 * k) * OMP_PLANE(st);
        h[k][1] = scratch + (2 * k + 1) * OMP_PLANE(st);
    }
    rows_hrow(g, rows_src_row(g, src, y0 - 1), h[0][0], h[0][1], j0, j1);
    rows_hrow(g, rows_src_row(g, src, y0), h[1][0], h[1][1], j0, j1);
    const int64_t a = j0 > 1 ? j0 : 1, b = j1 < n - 1 ? j1 : n - 1;
    const int64_t cy0 = pop ? pop->y0 : 0, cy1 = pop ? pop->y1 : 0;
    const int delta = diff && pop && pop->delta;
    int64_t cnt = 0;
    int up = 0, mid = 1, dn = 2;
    for (int64_t y = y0; y < y1; y++) {
        omp_prefetch_step(src.pf);
        const uint64_t *restrict rm = rows_src_row(g, src, y);
        const uint64_t *restrict rd = rows_src_row(g, src, y + 1);
        uint64_t *restrict out = dst + (y - dst_origin) * st;
        if (delta && y >= cy0 && y < cy1) cnt -= rows_popcount(out + j0, j1 - j0);
        const uint64_t *restrict u0 = h[up][0], *restrict u1 = h[up][1];
        const uint64_t *restrict m0 = h[mid][0], *restrict m1 = h[mid][1];
        uint64_t *restrict d0 = h[dn][0], *restrict d1 = h[dn][1];
        if (diff) {
            uint64_t *restrict df = diff - j0;
            /* The rows, the ring and the output never overlap; without this
             * gcc wants more run-time alias checks than it allows. */
#pragma GCC ivdep
            for (int64_t j = a; j < b; j++) {
                uint64_t s0, s1;
                corun_life_word_hsum(corun_life_word_west(rd[j], rd[j - 1]), rd[j],
                                     corun_life_word_east(rd[j], rd[j + 1]), &s0, &s1);
                d0[j] = s0;
                d1[j] = s1;
                uint64_t v = corun_life_word_next(rm[j], u0[j], u1[j], m0[j], m1[j], s0, s1,
                                                  born, survive);
                df[j] |= v ^ out[j];
                out[j] = v;
            }
        } else {
#pragma GCC ivdep
            for (int64_t j = a; j < b; j++) {
                uint64_t s0, s1;
                corun_life_word_hsum(corun_life_word_west(rd[j], rd[j - 1]), rd[j],
                                     corun_life_word_east(rd[j], rd[j + 1]), &s0, &s1);
                d0[j] = s0;
                d1[j] = s1;
                out[j] = corun_life_word_next(rm[j], u0[j], u1[j], m0[j], m1[j], s0, s1, born,
                                              survive);
            }
        }
        /* The row's end words, if the block reaches them. */
        for (int e = 0; e < 2; e++) {
            int64_t j = e ? n - 1 : 0;
            if (j < j0 || j >= j1 || (e && n == 1)) continue;
            if (j >= a && j < b) continue; /* done by the loop */
            uint64_t w, x, s0, s1;
            rows_edge_we(g, rd, j, &w, &x);
            corun_life_word_hsum(w, rd[j], x, &s0, &s1);
            d0[j] = s0;
            d1[j] = s1;
            uint64_t v =
                corun_life_word_next(rm[j], u0[j], u1[j], m0[j], m1[j], s0, s1, born, survive);
            if (j == n - 1) v &= g->lastmask;
            if (diff) diff[j - j0] |= v ^ out[j];
            out[j] = v;
        }
        if (y >= cy0 && y < cy1) cnt += rows_popcount(out + j0, j1 - j0);
        int t = up;
        up = mid;
        mid = dn;
        dn = t;
    }
    if (pop) pop->n += cnt;
}

/* B3/S23 (born/survive ignored). Used by the AVX-512 copy's
 * avx512-autovec set only; the portable and AVX2 sets step every rule with
 * omp_conway_vec.h. */
static inline __attribute__((always_inline, unused)) void rows_conway(OMP_BLOCK_PARAMS) {
    (void)born;
    (void)survive;
    /* Constant masks: the compiler folds the rule (B3: 1<<3, S23: 3<<2). */
    if (diff)
        rows_block(g, src, dst, dst_origin, y0, y1, j0, j1, scratch, diff, 1u << 3, 3u << 2, pop);
    else
        rows_block(g, src, dst, dst_origin, y0, y1, j0, j1, scratch, NULL, 1u << 3, 3u << 2, pop);
}

/* Any rule. */
static inline __attribute__((always_inline)) void rows_generic(OMP_BLOCK_PARAMS) {
    if (diff)
        rows_block(g, src, dst, dst_origin, y0, y1, j0, j1, scratch, diff, born, survive, pop);
    else
        rows_block(g, src, dst, dst_origin, y0, y1, j0, j1, scratch, NULL, born, survive, pop);
}

/* Any rule: B3/S23 folded, the others through their masks. */
static inline __attribute__((always_inline, unused)) void rows_step(OMP_BLOCK_PARAMS) {
    if (corun_life_rule_is_conway(born, survive))
        rows_conway(g, src, dst, dst_origin, y0, y1, j0, j1, scratch, diff, born, survive, pop);
    else
        rows_generic(g, src, dst, dst_origin, y0, y1, j0, j1, scratch, diff, born, survive, pop);
}

/* Population of rows y0..y1-1 (padding bits are zero, so whole words count). */
static inline __attribute__((always_inline, unused)) int64_t rows_count(OMP_COUNT_PARAMS) {
    int64_t n = 0;
    for (int64_t y = y0; y < y1; y++) n += rows_popcount(base + (y - origin) * g->stride, g->wpr);
    return n;
}
