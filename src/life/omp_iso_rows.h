/* omp_iso_rows.h — the body of the chunked isotropic row kernel
 * (omp_iso.h), included by omp_iso.c after the AVX-512 target's pragma,
 * with OMP_ISO_NAME naming the kernel it defines. */

/* Words computed together: every step is a loop over ISO_CHUNK words that
 * gcc vectorises, and the planes (9 inputs, 4 sum planes, the result and an
 * accumulator: 15 * 128 words, 15 KiB) stay in L1. */
#ifndef ISO_CHUNK
#define ISO_CHUNK 128
#endif

#ifndef OMP_ISO_WORD_DEFINED
#define OMP_ISO_WORD_DEFINED
/* The nine planes of word i (west, centre, east of the rows above, at and
 * below) into P, the complete counts' result into R and the block sum
 * planes into S. */
#define OMP_ISO_WORD(i, uw, uc, ue, mw, mc, me, dw, dc, de)                                     \
    do {                                                                                       \
        uint64_t u0_, u1_, m0_, m1_, d0_, d1_;                                                 \
        P[0][i] = (uw), P[1][i] = (uc), P[2][i] = (ue);                                        \
        P[3][i] = (mw), P[4][i] = (mc), P[5][i] = (me);                                        \
        P[6][i] = (dw), P[7][i] = (dc), P[8][i] = (de);                                        \
        corun_life_word_hsum(P[0][i], P[1][i], P[2][i], &u0_, &u1_);                           \
        corun_life_word_hsum(P[3][i], P[4][i], P[5][i], &m0_, &m1_);                           \
        corun_life_word_hsum(P[6][i], P[7][i], P[8][i], &d0_, &d1_);                           \
        R[i] = corun_life_word_next(P[4][i], u0_, u1_, m0_, m1_, d0_, d1_, rborn, rsurvive);   \
        uint64_t t0_ = u0_ ^ m0_, k_ = (u0_ & m0_) | (t0_ & d0_);                              \
        uint64_t t1_ = u1_ ^ m1_, x_ = t1_ ^ d1_, y_ = (u1_ & m1_) | (t1_ & d1_);              \
        S[0][i] = t0_ ^ d0_;                                                                   \
        S[1][i] = x_ ^ k_;                                                                     \
        S[2][i] = y_ ^ (x_ & k_);                                                              \
        S[3][i] = y_ & x_ & k_;                                                                \
    } while (0)
#endif

void OMP_ISO_NAME(OMP_BLOCK_PARAMS) {
    (void)scratch;
    (void)born;
    (void)survive;
    const omp_iso_prog_t *pr = g->iso;
    const unsigned rborn = pr->born, rsurvive = pr->survive;
    const int64_t n = g->wpr, st = g->stride;
    const int64_t cy0 = pop ? pop->y0 : 0, cy1 = pop ? pop->y1 : 0;
    const int delta = diff && pop && pop->delta;
    int64_t cnt = 0;
    uint64_t P[9][ISO_CHUNK], S[4][ISO_CHUNK], R[ISO_CHUNK], A[ISO_CHUNK];
    for (int64_t y = y0; y < y1; y++) {
        omp_prefetch_step(src.pf);
        const uint64_t *restrict ru = rows_src_row(g, src, y - 1);
        const uint64_t *restrict rm = rows_src_row(g, src, y);
        const uint64_t *restrict rd = rows_src_row(g, src, y + 1);
        uint64_t *restrict out = dst + (y - dst_origin) * st;
        if (delta && y >= cy0 && y < cy1) cnt -= rows_popcount(out + j0, j1 - j0);
        for (int64_t jc = j0; jc < j1; jc += ISO_CHUNK) {
            const int m = (int)(j1 - jc < ISO_CHUNK ? j1 - jc : ISO_CHUNK);
            /* Words with both neighbour words in the row straight from the
             * rows; the row's first and last word with their wrapped (or
             * dead) neighbour cells after. */
            const int64_t a = jc > 1 ? jc : 1, b = jc + m < n - 1 ? jc + m : n - 1;
            {
                const uint64_t *restrict u = ru + jc, *restrict c = rm + jc, *restrict d = rd + jc;
                const int ia = (int)(a - jc), ib = (int)(b - jc);
#pragma GCC ivdep
                for (int i = ia; i < ib; i++)
                    OMP_ISO_WORD(i, corun_life_word_west(u[i], u[i - 1]), u[i],
                                 corun_life_word_east(u[i], u[i + 1]),
                                 corun_life_word_west(c[i], c[i - 1]), c[i],
                                 corun_life_word_east(c[i], c[i + 1]),
                                 corun_life_word_west(d[i], d[i - 1]), d[i],
                                 corun_life_word_east(d[i], d[i + 1]));
            }
            for (int e = 0; e < 2; e++) {
                const int64_t j = e ? n - 1 : 0;
                if (j < jc || j >= jc + m || (j >= a && j < b) || (e && n == 1)) continue;
                uint64_t uw, ue, mw, me, dw, de;
                rows_edge_we(g, ru, j, &uw, &ue);
                rows_edge_we(g, rm, j, &mw, &me);
                rows_edge_we(g, rd, j, &dw, &de);
                OMP_ISO_WORD((int)(j - jc), uw, ru[j], ue, mw, rm[j], me, dw, rd[j], de);
            }
            /* The counts with some of their letters. */
            for (int gi = 0; gi < pr->ngroups; gi++) {
                const omp_iso_group_t *gr = &pr->group[gi];
                /* A = OR of the terms (each an AND, or a NOR for dead
                 * neighbours, of its planes; all terms of a group have the
                 * same arity and kind): four terms per pass over A while
                 * four are left, then one per pass; the first pass stores
                 * instead of OR-ing. */
                const int ar = pr->term[gr->t0].n, neg = pr->term[gr->t0].neg;
                const int tend = gr->t0 + gr->nt;
                for (int t = gr->t0; t < tend;) {
                    const int four = tend - t >= 4;
                    const uint64_t *restrict q[4][4];
                    for (int k = 0; k < (four ? 4 : 1); k++)
                        for (int l = 0; l < 4; l++)
                            q[k][l] = P[pr->term[t + k].bit[l < ar ? l : 0]];
                    const uint64_t keep = t == gr->t0 ? 0 : ~0ull;
#define ISO_AND1(k) (q[k][0][i])
#define ISO_AND2(k) (q[k][0][i] & q[k][1][i])
#define ISO_AND3(k) (q[k][0][i] & q[k][1][i] & q[k][2][i])
#define ISO_AND4(k) (q[k][0][i] & q[k][1][i] & q[k][2][i] & q[k][3][i])
#define ISO_OR1(k) (~q[k][0][i])
#define ISO_OR2(k) (~(q[k][0][i] | q[k][1][i]))
#define ISO_OR3(k) (~(q[k][0][i] | q[k][1][i] | q[k][2][i]))
#define ISO_OR4(k) (~(q[k][0][i] | q[k][1][i] | q[k][2][i] | q[k][3][i]))
#define ISO_PASS(T)                                                                             \
    do {                                                                                       \
        if (four) {                                                                            \
            _Pragma("GCC ivdep") for (int i = 0; i < m; i++) A[i] =                            \
                (A[i] & keep) | T(0) | T(1) | T(2) | T(3);                                     \
        } else {                                                                               \
            _Pragma("GCC ivdep") for (int i = 0; i < m; i++) A[i] = (A[i] & keep) | T(0);      \
        }                                                                                      \
    } while (0)
                    switch (ar * 2 + neg) {
                    case 2: ISO_PASS(ISO_AND1); break;
                    case 3: ISO_PASS(ISO_OR1); break;
                    case 4: ISO_PASS(ISO_AND2); break;
                    case 5: ISO_PASS(ISO_OR2); break;
                    case 6: ISO_PASS(ISO_AND3); break;
                    case 7: ISO_PASS(ISO_OR3); break;
                    case 8: ISO_PASS(ISO_AND4); break;
                    default: ISO_PASS(ISO_OR4); break;
                    }
#undef ISO_PASS
#undef ISO_AND1
#undef ISO_AND2
#undef ISO_AND3
#undef ISO_AND4
#undef ISO_OR1
#undef ISO_OR2
#undef ISO_OR3
#undef ISO_OR4
                    t += four ? 4 : 1;
                }
                const uint64_t inv = gr->negate ? ~0ull : 0;
                const uint64_t st_inv = gr->alive ? 0 : ~0ull;
                uint64_t e[4];
                for (int k = 0; k < 4; k++) e[k] = gr->sum >> k & 1 ? 0 : ~0ull;
#pragma GCC ivdep
                for (int i = 0; i < m; i++) {
                    uint64_t eq = (S[0][i] ^ e[0]) & (S[1][i] ^ e[1]) & (S[2][i] ^ e[2]) &
                                  (S[3][i] ^ e[3]);
                    R[i] |= eq & (P[4][i] ^ st_inv) & (A[i] ^ inv);
                }
            }
            if (jc + m == n) R[m - 1] &= g->lastmask;
            if (diff) {
                uint64_t *restrict df = diff + (jc - j0);
                for (int i = 0; i < m; i++) df[i] |= R[i] ^ out[jc + i];
            }
            memcpy(out + jc, R, (size_t)m * 8);
        }
        if (y >= cy0 && y < cy1) cnt += rows_popcount(out + j0, j1 - j0);
    }
    if (pop) pop->n += cnt;
}
