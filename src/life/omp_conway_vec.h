/* omp_conway_vec.h — the row kernel for every outer-totalistic rule in GCC
 * vector extensions: included after omp_rows.h by omp_kernels_avx2.c with
 * OMP_VW = 4 words per vector (AVX2) and by omp_kernels_portable.c with
 * OMP_VW = 2 (SSE2 on x86-64, NEON on aarch64); defines cv_step, which
 * those files' omp_step_avx2 and omp_step_portable call, and cv_iso_step,
 * the same walk for isotropic rules (omp_iso.h: their omp_iso_avx2 and
 * omp_iso_portable).
 *
 * Why: gcc vectorises omp_rows.h's word loops, but that kernel keeps a ring
 * of row sums in memory and evaluates the rule from four sum planes; on
 * AVX2 it ran B3/S23 at ~20-28 G/s at 2048x2048, this at 38-51; with 2-word
 * vectors this is 1.08-1.34x gcc's vectorisation of the shared body for
 * B3/S23 and 1.7-2.0x for the other rules.
 * This is the AVX-512
 * kernel's scheme (omp_conway_avx512.h) in portable vector C: walk down a
 * strip one vector wide, keeping the horizontal sums of the rows above, at
 * and below in registers, and apply the rule: B3/S23 folded into a few
 * logic ops (cv_next), any other rule through tables (cv_rule_rows):
 *   hsum:  h0 = W^C^E,  h1 = maj(W,C,E)
 *   block sum = s0 + 2(x + k) + 4y, with s0 = u0^m0^d0, k = maj(u0,m0,d0),
 *               x = u1^m1^d1, y = maj(u1,m1,d1)
 *   odd block sum (s0): alive next iff sum == 3 iff (x^k) & ~y
 *   even: alive next iff alive and sum == 4 iff alive & ~(x^k) & (k^y)
 * (sum == 4 with s0 = 0 needs x + k + 2y = 2: x == k and k != y.)
 *
 * Any word range j0..j1-1 of a row. The west and east neighbour words are
 * unaligned loads at p-1 and p+1; in a row's first word the west one is a
 * shuffle of the vector and the wrapped cell (torus) or zero, in its last
 * word the east one takes the wrapped cell from a lane mask.
 * The last word's padding bits, and lanes past j1, are never stored.
 * The omp_vs_serial, omp_rules and rules_random tests compare this path
 * (CORUN_OMP_SIMD=portable|avx2) with the serial oracle.
 */
typedef uint64_t cv_vec __attribute__((vector_size(OMP_VW * 8)));
#define CV cv_vec
#define CV_G 3 /* rows of a strip the walk takes at a time: the ring's period */

static inline CV cv_load(const uint64_t *p) {
    CV v;
    memcpy(&v, p, sizeof v);
    return v;
}

#if OMP_VW == 4
#define CV_LANES {0, 1, 2, 3}
#define CV_WEST {4, 0, 1, 2} /* (a, b) -> b[0], a[0], a[1], a[2] */
#elif OMP_VW == 2
#define CV_LANES {0, 1}
#define CV_WEST {2, 0} /* (a, b) -> b[0], a[0] */
#else
#error "omp_conway_vec.h: written for 2- and 4-word vectors"
#endif

/* Horizontal sums of the VW words at r + j (whole-row index j). edge: this
 * vector holds word 0 or word wpr-1, whose outside neighbours come from
 * the other end of the row (torus) or are dead. */
static inline __attribute__((always_inline)) void
cv_hsum(const omp_geom_t *g, const uint64_t *r, int64_t j, const int edge, CV *c,
                  CV *h0, CV *h1, CV *wo, CV *eo) {
    /* Past the row's last word come its zero padding words (rows are at
     * least 8 words longer): the east load of the last vector reads those. */
    CV cc = cv_load(r + j), ev = cv_load(r + j + 1), wv;
    CV wi = {0}, ei = {0};
    if (edge && g->torus) {
        /* West of cell 0 is cell W-1; east of cell W-1 is cell 0. */
        wi[0] = corun_life_row_west_in(r, g->wpr, g->lastbits, 1) << 63;
        const CV lanes = CV_LANES;
        ei = (CV)(lanes == (uint64_t)(g->wpr - 1 - j)) & corun_life_row_east_in(r, g->lastbits, 1);
    }
    if (edge && j == 0) {
        const CV west = CV_WEST;
        wv = __builtin_shuffle(cc, wi, west);
    } else {
        wv = cv_load(r + j - 1);
    }
    CV w = (cc << 1) | (wv >> 63), e = (cc >> 1) | (ev << 63) | ei;
    CV t = w ^ cc;
    *h0 = t ^ e;
    *h1 = (w & cc) | (t & e);
    *c = cc;
    *wo = w; /* the neighbour planes themselves: the isotropic rules' (cv_iso_rows) */
    *eo = e;
}

static inline __attribute__((always_inline)) CV cv_next(CV alive, CV u0, CV u1, CV m0,
                                                                 CV m1, CV d0, CV d1) {
    CV t0 = u0 ^ m0, t1 = u1 ^ m1;
    CV s0 = t0 ^ d0, k = (u0 & m0) | (t0 & d0);
    CV x = t1 ^ d1, y = (u1 & m1) | (t1 & d1);
    CV xk = x ^ k;
    CV odd = xk & ~y, even = alive & ~xk & (k ^ y);
    return (s0 & odd) | (~s0 & even);
}

/* Any other rule: four tables over (x, k, y) derived from those of
 * corun_life_rule_tables (life_word.h; cv_rule below). A table is a
 * function of a = x + k (0..2) and y: w = a + 2y. With p = x^k (a == 1),
 * q = x&k (a == 2) and o = x|k (a != 0), each function of a is one of
 * those, a complement or a constant (cv_of_a), and the table is
 * L ^ (y & (L ^ H)) with L its values for y = 0 (w = 0..2) and H for y = 1
 * (w = 2..4), L ^ H again a function of a. t is a compile-time constant (a
 * switch case): the ifs fold away and leave 0-3 logic ops per table. */
static inline __attribute__((always_inline)) CV cv_of_a(const unsigned b, CV p, CV q, CV o) {
    switch (b & 7u) { /* bit a: the value for a */
    case 0: return (CV){0};
    case 1: return ~o;
    case 2: return p;
    case 3: return ~q;
    case 4: return q;
    case 5: return ~p;
    case 6: return o;
    default: return ~(CV){0};
    }
}

static inline __attribute__((always_inline)) CV cv_table_c(const unsigned t, CV p, CV q, CV o,
                                                           CV y) {
    const unsigned l = t & 7u, h = (t >> 2) & 7u;
    if (l == h) return cv_of_a(l, p, q, o);
    if (l == 0) return y & cv_of_a(h, p, q, o);
    if (h == 0) return cv_of_a(l, p, q, o) & ~y;
    if (l == 7) return cv_of_a(h, p, q, o) | ~y;
    if (h == 7) return cv_of_a(l, p, q, o) | y;
    return cv_of_a(l, p, q, o) ^ (y & cv_of_a(l ^ h, p, q, o));
}

/* The inputs of the tables for one row: s0, alive and (p, q, o, y). */
typedef struct cv_planes {
    CV s0, alive, p, q, o, y;
} cv_planes_t;

static inline __attribute__((always_inline)) void cv_planes(CV alive, CV u0, CV u1, CV m0, CV m1,
                                                            CV d0, CV d1, cv_planes_t *pl) {
    CV t0 = u0 ^ m0, t1 = u1 ^ m1;
    CV k = (u0 & m0) | (t0 & d0), x = t1 ^ d1;
    pl->s0 = t0 ^ d0;
    pl->alive = alive;
    pl->y = (u1 & m1) | (t1 & d1);
    pl->p = x ^ k;
    pl->q = x & k;
    pl->o = x | k;
}

/* One table for CV_G rows at once, combined into acc by op (a
 * compile-time constant, so that a table of zeros or ones folds away with
 * it): the switch (an indirect jump) is paid once per CV_G rows of the strip
 * rather than per row. */
enum { CV_SET_AND_ALIVE, CV_XOR, CV_XOR_AND_ALIVE };
static inline __attribute__((always_inline)) void cv_table_rows(unsigned t, const int op,
                                                                const cv_planes_t *pl, CV *acc) {
    switch (t & 31u) {
#define CV_TC(i)                                                                                \
    case i:                                                                                     \
        for (int r = 0; r < CV_G; r++) {                                                        \
            CV v = cv_table_c(i, pl[r].p, pl[r].q, pl[r].o, pl[r].y);                           \
            if (op == CV_XOR) acc[r] ^= v;                                                      \
            else if (op == CV_XOR_AND_ALIVE) acc[r] ^= pl[r].alive & v;                         \
            else acc[r] = pl[r].alive & v;                                                      \
        }                                                                                       \
        return;
#define CV_TC4(i) CV_TC(i) CV_TC(i + 1) CV_TC(i + 2) CV_TC(i + 3)
        CV_TC4(0) CV_TC4(4) CV_TC4(8) CV_TC4(12) CV_TC4(16) CV_TC4(20) CV_TC4(24) CV_TC4(28)
#undef CV_TC4
#undef CV_TC
    default: __builtin_unreachable();
    }
}

/* The rule's tables recombined (cv_rule): since
 *   next = s0 ? (alive ? os : ob) : (alive ? es : eb)
 *        = eb ^ alive&(es^eb) ^ s0&((ob^eb) ^ alive&(os^ob^es^eb))
 * and the XOR of two tables is a table, four tables t[0..3] = eb, es^eb,
 * ob^eb, os^ob^es^eb give the next state in 6 logic ops where three
 * multiplexers take 9, and fewer where one of them is constant. */
typedef struct cv_rule {
    unsigned t[4];
} cv_rule_t;

static inline cv_rule_t cv_rule_of(unsigned born, unsigned survive) {
    const corun_life_rule_tables_t rt = corun_life_rule_tables(born, survive);
    cv_rule_t r = {{rt.even_b, rt.even_s ^ rt.even_b, rt.odd_b ^ rt.even_b,
                    rt.odd_s ^ rt.odd_b ^ rt.even_s ^ rt.even_b}};
    return r;
}

/* The next state of CV_G rows from their planes. */
static inline __attribute__((always_inline)) void cv_rule_rows(const cv_rule_t *rt,
                                                               const cv_planes_t *pl, CV *nx) {
    cv_table_rows(rt->t[3], CV_SET_AND_ALIVE, pl, nx);
    cv_table_rows(rt->t[2], CV_XOR, pl, nx);
    for (int r = 0; r < CV_G; r++) nx[r] &= pl[r].s0;
    cv_table_rows(rt->t[1], CV_XOR_AND_ALIVE, pl, nx);
    cv_table_rows(rt->t[0], CV_XOR, pl, nx);
}

/* Isotropic rules (omp_iso.h, omp_iso_prog_t): cv_rule_rows gives the
 * counts complete in the rule (every letter or none), and each count with
 * some of its letters (a group) ORs in the cells of that block sum and
 * state whose neighbourhood matches one of its terms (or none, negate).
 * nbh holds each row's nine neighbour planes (table index order: the rows
 * above, at and below, west, centre, east), which cv_hsum gave the walk;
 * a term is the AND of up to four of them, or their NOR (dead
 * neighbours). The program is read at run time, so the planes live in an
 * L1 array; the terms' loops take the CV_G rows together. */
static inline __attribute__((always_inline)) void cv_iso_rows(const omp_iso_prog_t *pr,
                                                              CV nbh[CV_G][9],
                                                              const cv_planes_t *pl, CV *nx) {
    for (int gi = 0; gi < pr->ngroups; gi++) {
        const omp_iso_group_t *gr = &pr->group[gi];
        const omp_iso_term_t *t = &pr->term[gr->t0], *const tend = t + gr->nt;
        CV acc[CV_G] = {0}, eq[CV_G];
        /* every term of a group has the same arity and kind */
        switch (t->n * 2 + t->neg) {
#define CV_TERMS(K, EXPR)                                                                         \
    case K:                                                                                        \
        for (; t < tend; t++) {                                                                    \
            const uint8_t *b = t->bit;                                                             \
            for (int r = 0; r < CV_G; r++) {                                                       \
                const CV *P = nbh[r];                                                              \
                acc[r] |= EXPR;                                                                    \
            }                                                                                      \
        }                                                                                          \
        break;
            CV_TERMS(2, P[b[0]])
            CV_TERMS(3, ~P[b[0]])
            CV_TERMS(4, P[b[0]] & P[b[1]])
            CV_TERMS(5, ~(P[b[0]] | P[b[1]]))
            CV_TERMS(6, P[b[0]] & P[b[1]] & P[b[2]])
            CV_TERMS(7, ~(P[b[0]] | P[b[1]] | P[b[2]]))
            CV_TERMS(8, P[b[0]] & P[b[1]] & P[b[2]] & P[b[3]])
            CV_TERMS(9, ~(P[b[0]] | P[b[1]] | P[b[2]] | P[b[3]]))
#undef CV_TERMS
        default: __builtin_unreachable();
        }
        /* block sum == gr->sum: sum = s0 + 2w, w = a + 2y with a = x + k,
         * and a == 0, 1, 2 is ~o, p, q (cv_planes) */
        for (int r = 0; r < CV_G; r++) {
            const cv_planes_t *l = &pl[r];
            switch (gr->sum >> 1) {
            case 0: eq[r] = ~(l->o | l->y); break;
            case 1: eq[r] = l->p & ~l->y; break;
            case 2: eq[r] = (l->q & ~l->y) | (l->y & ~l->o); break;
            case 3: eq[r] = l->p & l->y; break;
            default: eq[r] = l->q & l->y; break;
            }
            eq[r] &= gr->sum & 1 ? l->s0 : ~l->s0;
            eq[r] &= gr->alive ? l->alive : ~l->alive;
            nx[r] |= eq[r] & (gr->negate ? ~acc[r] : acc[r]);
        }
    }
}

/* Counting (omp_pop_t) without a vector popcount: each counted row adds
 * its vector's per-byte bit counts (SWAR, 0..8 a byte) to a byte
 * accumulator, which is folded into 64-bit lane sums every 31 rows, before
 * a byte could overflow. */
static inline __attribute__((always_inline)) CV cv_bytecount(CV v) {
    v = v - ((v >> 1) & 0x5555555555555555ull);
    v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
    return (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
}

static inline __attribute__((always_inline)) CV cv_bytes_fold(CV b) {
    b = (b & 0x00ff00ff00ff00ffull) + ((b >> 8) & 0x00ff00ff00ff00ffull);
    b = (b & 0x0000ffff0000ffffull) + ((b >> 16) & 0x0000ffff0000ffffull);
    return (b & 0xffffffffull) + (b >> 32);
}

/* The live cells of the word at p, read from memory: where the target has
 * a popcnt instruction (the AVX2 copy), a full vector just stored is
 * counted by the scalar side (a load and a popcnt per word), which the
 * vector-bound kernel leaves idle, instead of the vector SWAR count above
 * (AVX2 at 2048x2048: +14-20 % for the population series instead of
 * +42-46 %). Not where the rows written miss the caches (pop->uncached:
 * dense stepping of a grid larger than them): there the loads wait for the
 * lines, and the vector count, hidden behind memory, is free (16384x16384
 * dense: +65 % counted back against +0-2 %). */
#if defined(__x86_64__) && defined(__POPCNT__)
#define CV_SCALAR_COUNT 1
static inline __attribute__((always_inline)) uint64_t cv_popcnt_mem(const uint64_t *p) {
    uint64_t c;
    __asm__("popcnt %1, %0" : "=r"(c) : "m"(*p));
    return c;
}
#else
#define CV_SCALAR_COUNT 0
static inline __attribute__((always_inline)) uint64_t cv_popcnt_mem(const uint64_t *p) {
    (void)p;
    return 0;
}
#endif

/* Rows y0..y1-1 of the vector at words j..j+VW-1, of which lanes < n are
 * stored (n < VW only at the end of a range; full: n == VW). */
static inline __attribute__((always_inline)) void
cv_strip(const omp_geom_t *g, omp_src_t src, uint64_t *dst, int64_t dst_origin,
                   int64_t y0, int64_t y1, int64_t j, int n, const int edge, const int full,
                   uint64_t *diff, omp_pop_t *pop, const cv_rule_t *rt,
                   const omp_iso_prog_t *iso) {
    const int64_t cya = pop ? pop->y0 : 0, cyb = pop ? pop->y1 : 0;
    const int delta = diff && pop && pop->delta;
    CV bacc = {0}, lacc = {0}, bold = {0}, lold = {0}, stored = ~(CV){0};
    int brows = 0;
    uint64_t sacc = 0; /* full vectors' counts (cv_popcnt_mem) */
    const int scalar = CV_SCALAR_COUNT && full && pop && !pop->uncached;
    if (!full) {
        const CV lanes = CV_LANES;
        stored = (CV)(lanes < (uint64_t)n);
    }
    /* The row's last word loses its padding bits (lanes past n are not
     * stored). */
    CV keep = ~(CV){0};
    if (edge) {
        const CV lanes = CV_LANES;
        keep = (CV)(lanes == (uint64_t)(g->wpr - 1 - j)) & ~g->lastmask;
        keep = ~keep;
    }
    CV dacc = {0};
    uint64_t part[OMP_VW] = {0}; /* diff of a partial vector */
    CV ac, a0, a1, aw, ae, bc, b0, b1, bw, be, cc, c0, c1, cw, ce;
    const uint64_t *rd = rows_src_row(g, src, y0); /* the row below y: y + 1 */
    uint64_t *out = dst + (y0 - dst_origin) * g->stride + j;
    cv_hsum(g, rows_src_row(g, src, y0 - 1), j, edge, &ac, &a0, &a1, &aw, &ae);
    cv_hsum(g, rd, j, edge, &bc, &b0, &b1, &bw, &be);
    /* The walk goes CV_G = 3 rows at a time, the ring's period (as
     * OMP_WALK3 in omp_int.h): CV_LOAD reads row y + R + 1 and computes row
     * y + R's next state (B3/S23) or its planes (the tables, all CV_G rows
     * at once), CV_STORE writes and counts it. B3/S23 stores each row
     * right after computing it: the group's order cost it 1-10 %. */
    cv_planes_t pl[CV_G] = {0};
    CV nx[CV_G] = {0};
    CV nbh[CV_G][9]; /* isotropic rules: each row's neighbour planes, table index order */
    if (iso) memset(nbh, 0, sizeof nbh);
#define CV_LOAD(U, M, D, R)                                                                        \
    do {                                                                                           \
        rd = rows_src_next(g, src, y + (R) + 1, rd);                                               \
        cv_hsum(g, rd, j, edge, &D##c, &D##0, &D##1, &D##w, &D##e);                                \
        if (rt) {                                                                                  \
            cv_planes(M##c, U##0, U##1, M##0, M##1, D##0, D##1, &pl[R]);                           \
            if (iso) {                                                                             \
                const CV nb_[9] = {U##w, U##c, U##e, M##w, M##c, M##e, D##w, D##c, D##e};          \
                memcpy(nbh[R], nb_, sizeof nb_);                                                   \
            }                                                                                      \
        } else                                                                                     \
            nx[R] = cv_next(M##c, U##0, U##1, M##0, M##1, D##0, D##1);                             \
    } while (0)
#define CV_STORE(R)                                                                                \
    do {                                                                                           \
        if (edge) nx[R] &= keep;                                                                   \
        const int counted = y + (R) >= cya && y + (R) < cyb;                                       \
        if (delta && counted) bold += cv_bytecount(cv_load(out) & stored);                         \
        if (full) {                                                                                \
            if (diff) dacc |= nx[R] ^ cv_load(out);                                                \
            memcpy(out, &nx[R], sizeof nx[R]);                                                     \
        } else { /* through an array: no vector lives in memory on the full path */                \
            uint64_t v[OMP_VW];                                                                    \
            memcpy(v, &nx[R], sizeof v);                                                           \
            for (int i = 0; i < n; i++) {                                                          \
                if (diff) part[i] |= v[i] ^ out[i];                                                \
                out[i] = v[i];                                                                     \
            }                                                                                      \
        }                                                                                          \
        if (scalar && counted) {                                                                   \
            for (int i = 0; i < OMP_VW; i++) sacc += cv_popcnt_mem(out + i);                        \
        } else if (counted) {                                                                      \
            bacc += cv_bytecount(nx[R] & stored);                                                  \
            if (++brows == 31) {                                                                   \
                lacc += cv_bytes_fold(bacc);                                                       \
                lold += cv_bytes_fold(bold);                                                       \
                bacc = bold = (CV){0};                                                             \
                brows = 0;                                                                         \
            }                                                                                      \
        }                                                                                          \
        omp_prefetch_step(src.pf);                                                                 \
        out += g->stride;                                                                          \
    } while (0)
    for (int64_t y = y0; y < y1; y += CV_G) {
        const int64_t nr = y1 - y; /* rows left: the last group may be short */
        if (!rt) { /* B3/S23: each row stored as soon as it is computed */
            CV_LOAD(a, b, c, 0);
            CV_STORE(0);
            if (nr > 1) {
                CV_LOAD(b, c, a, 1);
                CV_STORE(1);
            }
            if (nr > 2) {
                CV_LOAD(c, a, b, 2);
                CV_STORE(2);
            }
        } else {
            CV_LOAD(a, b, c, 0);
            if (nr > 1) CV_LOAD(b, c, a, 1);
            if (nr > 2) CV_LOAD(c, a, b, 2);
            cv_rule_rows(rt, pl, nx);
            if (iso) cv_iso_rows(iso, nbh, pl, nx);
            CV_STORE(0);
            if (nr > 1) CV_STORE(1);
            if (nr > 2) CV_STORE(2);
        }
    }
#undef CV_LOAD
#undef CV_STORE
    if (pop) {
        lacc += cv_bytes_fold(bacc);
        lold += cv_bytes_fold(bold);
        pop->n += (int64_t)sacc;
        for (int i = 0; i < OMP_VW; i++) pop->n += (int64_t)lacc[i] - (int64_t)lold[i];
    }
    if (diff) {
        uint64_t v[OMP_VW];
        memcpy(v, &dacc, sizeof v);
        for (int i = 0; i < n; i++) diff[i] |= v[i] | part[i];
    }
}

/* Words j0..j1-1 of rows y0..y1-1, one strip per vector; rt: NULL for
 * B3/S23 (folded), else the rule's tables. */
static inline __attribute__((always_inline)) void
cv_walk(const omp_geom_t *g, omp_src_t src, uint64_t *dst, int64_t dst_origin, int64_t y0,
        int64_t y1, int64_t j0, int64_t j1, uint64_t *diff, omp_pop_t *pop,
        const cv_rule_t *rt, const omp_iso_prog_t *iso) {
    for (int64_t j = j0; j < j1; j += OMP_VW) {
        int n = j1 - j < OMP_VW ? (int)(j1 - j) : OMP_VW;
        uint64_t *df = diff ? diff + (j - j0) : NULL;
        /* A vector whose full width runs past the row's last word reads the
         * row's zero padding words (rows are at least 8 words longer). */
        const int edge = j == 0 || j + OMP_VW >= g->wpr;
        if (n < OMP_VW) /* the end of a range: rare, one version */
            cv_strip(g, src, dst, dst_origin, y0, y1, j, n, 1, 0, df, pop, rt, iso);
        else if (edge)
            cv_strip(g, src, dst, dst_origin, y0, y1, j, n, 1, 1, df, pop, rt, iso);
        else if (df)
            cv_strip(g, src, dst, dst_origin, y0, y1, j, n, 0, 1, df, pop, rt, iso);
        else
            cv_strip(g, src, dst, dst_origin, y0, y1, j, n, 0, 1, NULL, pop, rt, iso);
    }
}

/* omp_block_fn for any rule: B3/S23 with the rule folded, the others
 * through their tables. */
static inline __attribute__((always_inline)) void cv_step(OMP_BLOCK_PARAMS) {
    (void)scratch;
    if (corun_life_rule_is_conway(born, survive)) {
        cv_walk(g, src, dst, dst_origin, y0, y1, j0, j1, diff, pop, NULL, NULL);
    } else {
        const cv_rule_t rt = cv_rule_of(born, survive);
        cv_walk(g, src, dst, dst_origin, y0, y1, j0, j1, diff, pop, &rt, NULL);
    }
}

/* omp_block_fn for an isotropic rule (omp_geom_t.iso): the complete counts
 * through their tables, the others by cv_iso_rows. */
static inline __attribute__((always_inline)) void cv_iso_step(OMP_BLOCK_PARAMS) {
    (void)scratch;
    (void)born;
    (void)survive;
    const cv_rule_t rt = cv_rule_of(g->iso->born, g->iso->survive);
    cv_walk(g, src, dst, dst_origin, y0, y1, j0, j1, diff, pop, &rt, g->iso);
}

#undef CV
#undef CV_G
#undef CV_LANES
#undef CV_WEST
#undef CV_SCALAR_COUNT
