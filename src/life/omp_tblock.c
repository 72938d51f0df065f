/* omp_tblock.c — the omp backend's temporal blocking, for grids too big for
 * the caches: the grid is cut into bands of rows and each band is advanced
 * `levels` generations per pass, through two small band buffers that stay
 * in the core's L2. A band needs `levels` extra rows above and below (the
 * light cone), which are recomputed by both neighbouring bands: some
 * redundant work for a `levels`-fold cut in memory traffic. */
#include <omp.h>
#include <stdlib.h>

#include "life/omp_state.h"

int omp_tblock_alloc(omp_state_t *s) {
    const omp_plan_t *pl = &s->plan;
    s->tb.levels = pl->levels;
    s->tb.levels_max = pl->levels_max;
    s->tb.band = pl->band_rows;
    s->tb.band_words = (s->tb.band + 2 * s->tb.levels_max) * s->g.stride;
    size_t bytes = (size_t)(2 * s->nt * s->tb.band_words) * 8;
    s->tb.bandbuf = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (!s->tb.bandbuf) return CORUN_ENOMEM;
    memset(s->tb.bandbuf, 0, bytes);
    return 0;
}

void omp_tblock_free(omp_state_t *s) {
    free(s->tb.bandbuf);
    s->tb.bandbuf = NULL;
}

/* Pulls rows y0..y1-1 of the grid (wrapped on a torus) into the cache,
 * writing if `write`, in address order. */
static void prefetch_rows(const omp_geom_t *g, const uint64_t *grid, int64_t y0, int64_t y1,
                          int write) {
    for (int64_t y = y0; y < y1; y++) {
        int64_t yy = y;
        if (yy < 0 || yy >= g->h) {
            if (!g->torus) continue;
            yy = (yy % g->h + g->h) % g->h;
        }
        const char *row = (const char *)(grid + yy * g->stride);
        for (int64_t off = 0; off < g->wpr * 8; off += 64) {
            if (write) __builtin_prefetch(row + off, 1, 2);
            else __builtin_prefetch(row + off, 0, 2);
        }
    }
}

/* One band of a pass: generations t+1..t+L of rows b*band.. from `in`
 * (generation t) to `out`; `next` is the band this thread does after it
 * (-1: none), whose source rows are prefetched while this one computes. */
static void tblock_band(omp_state_t *s, int64_t b, int64_t next, int warm, int L,
                        const uint64_t *in, uint64_t *out, int64_t *pops, int tid) {
    const omp_geom_t *g = &s->g;
    uint64_t *scr = s->scratch + tid * s->scratch_words;
    uint64_t *bb[2] = {s->tb.bandbuf + (2 * tid) * s->tb.band_words,
                       s->tb.bandbuf + (2 * tid + 1) * s->tb.band_words};
    int64_t y0 = b * s->tb.band, y1 = y0 + s->tb.band < g->h ? y0 + s->tb.band : g->h;
    /* Level k holds generation t+k for rows y0-(L-k) .. y1+(L-k)-1; band
     * buffers index rows from y0-L. Unwrapped row numbers: only level 0 (the
     * grid) wraps on a torus. */
    int64_t origin = y0 - L;
    /* The kernels walk rows in narrow column strips, a pattern the hardware
     * prefetcher does not follow across rows, so without help the first
     * level waits on memory. A thread's first band pulls its source rows in
     * up front; while it computes, the next band's follow, a line per row
     * computed (omp_prefetch_t; the halo rows a torus wraps around are left
     * out: a few rows at the grid's ends). */
    if (warm) prefetch_rows(g, in, y0 - L, y1 + L, 0);
    omp_prefetch_t pf = {NULL, NULL};
    if (next >= 0) {
        int64_t n0 = next * s->tb.band - L, n1 = (next + 1) * s->tb.band + L;
        n0 = n0 < 0 ? 0 : n0;
        n1 = n1 > g->h ? g->h : n1;
        pf.cur = (const char *)(in + n0 * g->stride);
        pf.end = (const char *)(in + n1 * g->stride);
    }
    /* The last level streams its rows to memory where the kernels can
     * (nothing reads them before the next pass); otherwise a store to a
     * line not in the cache first reads it, so pull those in too. */
    if (s->fn_last == s->fn) prefetch_rows(g, out, y0, y1, 1);
    omp_src_t src = {in, 0, g->torus, &pf};
    for (int k = 1; k <= L; k++) {
        int64_t lo = y0 - (L - k), hi = y1 + (L - k);
        if (!g->torus) { /* rows outside a dead grid stay dead: not computed */
            lo = lo < 0 ? 0 : lo;
            hi = hi > g->h ? g->h : hi;
        }
        uint64_t *dst = k == L ? out : bb[k & 1];
        int64_t dorg = k == L ? 0 : origin;
        /* Counted: the band's own rows of generation t+k (not the halo
         * rows its neighbours compute too). */
        omp_pop_t pop = {y0 > s->cy0 ? y0 : s->cy0, y1 < s->cy1 ? y1 : s->cy1, 0, 0, 0};
        (k == L ? s->fn_last : s->fn)(g, src, dst, dorg, lo, hi, 0, g->wpr, scr, NULL, s->born,
                                      s->survive, pops ? &pop : NULL);
        if (pops) {
#pragma omp atomic
            pops[k - 1] += pop.n;
        }
        src = (omp_src_t){dst, dorg, 0, &pf};
    }
}

void omp_step_tblock(omp_state_t *s, int64_t n, int64_t *pops) {
    s->tl.rowpop_ok = 0; /* change tracking recounts after other writes */
    const omp_geom_t *g = &s->g;
    const int64_t nb = (g->h + s->tb.band - 1) / s->tb.band;
    if (pops) memset(pops, 0, (size_t)n * sizeof *pops);
    while (n > 0) {
        /* Passes of `levels` generations, but a call of, say, 20 generations
         * (snapshots every 20) is better done as 10 + 10 than 8 + 8 + 4:
         * each pass costs a sweep over memory, so drop a pass when the rest
         * fit in passes of at most levels_max. */
        int64_t passes = (n + s->tb.levels - 1) / s->tb.levels;
        if (passes > 1 && n <= (int64_t)s->tb.levels_max * (passes - 1)) passes--;
        const int L = (int)((n + passes - 1) / passes);
        const uint64_t *in = s->buf[s->cur];
        uint64_t *out = s->buf[s->cur ^ 1];
        int64_t claimed = 0;
        /* Bands are handed out one at a time, as with dynamic scheduling (a
         * VM's cores are not always equally fast), but a thread claims its
         * next band before it computes the current one, so it knows what to
         * prefetch. */
#pragma omp parallel num_threads(s->nt)
        {
            int tid = omp_get_thread_num();
            int64_t b, next;
#pragma omp atomic capture
            b = claimed++;
            for (int warm = 1; b < nb; warm = 0, b = next) {
#pragma omp atomic capture
                next = claimed++;
                tblock_band(s, b, next < nb ? next : -1, warm, L, in, out, pops, tid);
            }
        }
        s->cur ^= 1;
        n -= L;
        if (pops) pops += L;
    }
}
