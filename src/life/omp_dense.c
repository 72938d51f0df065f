/* omp_dense.c — the omp backend's dense mode: every generation, every row.
 * Threads take contiguous row ranges and meet at one barrier per
 * generation; the kernels count populations as they write. */
#include <omp.h>

#include "life/omp_state.h"

void omp_step_dense(omp_state_t *s, int64_t n, int64_t *pops) {
    s->tl.rowpop_ok = 0; /* change tracking recounts after other writes */
    const omp_geom_t *g = &s->g;
#pragma omp parallel num_threads(s->nt)
    {
        int tid = omp_get_thread_num(), nth = omp_get_num_threads();
        int64_t y0 = g->h * tid / nth, y1 = g->h * (tid + 1) / nth;
        uint64_t *scr = s->scratch + tid * s->scratch_words;
        for (int64_t i = 0; i < n; i++) {
            int c = s->cur ^ (int)(i & 1);
            omp_src_t src = {s->buf[c], 0, g->torus, NULL};
            omp_pop_t pop = {s->cy0, s->cy1, 0, 0, !s->plan.cached};
            if (y0 < y1)
                s->fn(g, src, s->buf[c ^ 1], 0, y0, y1, 0, g->wpr, scr, NULL, s->born,
                      s->survive, pops ? &pop : NULL);
            if (pops) OMP_PARTIAL(s, i, tid) = pop.n;
            /* Everyone must finish t+1 before anyone reads it for t+2. */
#pragma omp barrier
            if (pops && tid == 0) omp_sum_partials(s, i, nth, pops);
        }
    }
    s->cur ^= (int)(n & 1);
}
