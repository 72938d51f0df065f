/* omp_iso_rows.h — the body of the isotropic row kernel (omp_iso.h),
 * included by omp_iso.c once per SIMD target after that target's pragma,
 * with OMP_ISO_NAME naming the kernel it defines. No include guard: each
 * inclusion is a separate copy. */

/* Words computed together: every step is a loop over ISO_CHUNK words that
 * gcc vectorises, and the planes (9 inputs, 4 sum planes, the result and an
 * accumulator: 15 * 64 words, 7.5 KiB) stay in L1. */
#ifndef ISO_CHUNK
#define ISO_CHUNK 64
#endif

void OMP_ISO_NAME(OMP_BLOCK_PARAMS) {
    (void)scratch;
    (void)born;
    (void)survive;
    const omp_iso_prog_t *pr = g->iso;
    const int64_t n = g->wpr, st = g->stride;
    const int64_t cy0 = pop ? pop->y0 : 0, cy1 = pop ? pop->y1 : 0;
    const int delta = diff && pop && pop->delta;
    int64_t cnt = 0;
    uint64_t P[9][ISO_CHUNK], S[4][ISO_CHUNK], R[ISO_CHUNK], A[ISO_CHUNK];
    uint64_t X[3][ISO_CHUNK + 2];
    for (int64_t y = y0; y < y1; y++) {
        omp_prefetch_step(src.pf);
        const uint64_t *rows[3] = {rows_src_row(g, src, y - 1), rows_src_row(g, src, y),
                                   rows_src_row(g, src, y + 1)};
        uint64_t *restrict out = dst + (y - dst_origin) * st;
        if (delta && y >= cy0 && y < cy1) cnt -= rows_popcount(out + j0, j1 - j0);
        for (int64_t jc = j0; jc < j1; jc += ISO_CHUNK) {
            const int m = (int)(j1 - jc < ISO_CHUNK ? j1 - jc : ISO_CHUNK);
            /* Each row's words jc-1 .. jc+m: the word west of the row's
             * first carries the wrapped cell in its top bit; east of the
             * last word is added after the shift (it enters at lastbits-1). */
            for (int r = 0; r < 3; r++) {
                const uint64_t *rr = rows[r];
                X[r][0] = jc > 0 ? rr[jc - 1]
                                 : corun_life_row_west_in(rr, n, g->lastbits, g->torus) << 63;
                memcpy(&X[r][1], rr + jc, (size_t)m * 8);
                X[r][m + 1] = jc + m < n ? rr[jc + m] : 0;
            }
#pragma GCC ivdep
            for (int i = 0; i < m; i++) {
                for (int r = 0; r < 3; r++) {
                    P[3 * r][i] = corun_life_word_west(X[r][i + 1], X[r][i]);
                    P[3 * r + 1][i] = X[r][i + 1];
                    P[3 * r + 2][i] = corun_life_word_east(X[r][i + 1], X[r][i + 2]);
                }
            }
            if (jc + m == n)
                for (int r = 0; r < 3; r++)
                    P[3 * r + 2][m - 1] |= corun_life_row_east_in(rows[r], g->lastbits, g->torus);
            /* The complete counts, and the block sum planes for the rest. */
#pragma GCC ivdep
            for (int i = 0; i < m; i++) {
                uint64_t u0, u1, m0, m1, d0, d1;
                corun_life_word_hsum(P[0][i], P[1][i], P[2][i], &u0, &u1);
                corun_life_word_hsum(P[3][i], P[4][i], P[5][i], &m0, &m1);
                corun_life_word_hsum(P[6][i], P[7][i], P[8][i], &d0, &d1);
                R[i] = corun_life_word_next(P[4][i], u0, u1, m0, m1, d0, d1, pr->born,
                                            pr->survive);
                uint64_t t0 = u0 ^ m0, k = (u0 & m0) | (t0 & d0);
                uint64_t t1 = u1 ^ m1, x = t1 ^ d1, yy = (u1 & m1) | (t1 & d1);
                S[0][i] = t0 ^ d0;
                S[1][i] = x ^ k;
                S[2][i] = yy ^ (x & k);
                S[3][i] = yy & x & k;
            }
            /* The counts with some of their letters. */
            for (int gi = 0; gi < pr->ngroups; gi++) {
                const omp_iso_group_t *gr = &pr->group[gi];
                /* A = OR of the terms (each an AND, or a NOR for dead
                 * neighbours, of its planes); one loop per term, by arity,
                 * the first one storing instead of OR-ing. */
                for (int t = gr->t0; t < gr->t0 + gr->nt; t++) {
                    const omp_iso_term_t *tm = &pr->term[t];
                    const uint64_t *restrict a = P[tm->bit[0]];
                    const uint64_t *restrict b = P[tm->bit[tm->n > 1 ? 1 : 0]];
                    const uint64_t *restrict c = P[tm->bit[tm->n > 2 ? 2 : 0]];
                    const uint64_t *restrict d = P[tm->bit[tm->n > 3 ? 3 : 0]];
                    const uint64_t keep = t == gr->t0 ? 0 : ~0ull, flip = tm->neg ? ~0ull : 0;
                    switch (tm->n) {
                    case 1:
#pragma GCC ivdep
                        for (int i = 0; i < m; i++) A[i] = (A[i] & keep) | (a[i] ^ flip);
                        break;
                    case 2:
                        if (tm->neg) {
#pragma GCC ivdep
                            for (int i = 0; i < m; i++) A[i] = (A[i] & keep) | ~(a[i] | b[i]);
                        } else {
#pragma GCC ivdep
                            for (int i = 0; i < m; i++) A[i] = (A[i] & keep) | (a[i] & b[i]);
                        }
                        break;
                    case 3:
                        if (tm->neg) {
#pragma GCC ivdep
                            for (int i = 0; i < m; i++)
                                A[i] = (A[i] & keep) | ~(a[i] | b[i] | c[i]);
                        } else {
#pragma GCC ivdep
                            for (int i = 0; i < m; i++)
                                A[i] = (A[i] & keep) | (a[i] & b[i] & c[i]);
                        }
                        break;
                    default:
                        if (tm->neg) {
#pragma GCC ivdep
                            for (int i = 0; i < m; i++)
                                A[i] = (A[i] & keep) | ~(a[i] | b[i] | c[i] | d[i]);
                        } else {
#pragma GCC ivdep
                            for (int i = 0; i < m; i++)
                                A[i] = (A[i] & keep) | (a[i] & b[i] & c[i] & d[i]);
                        }
                        break;
                    }
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
