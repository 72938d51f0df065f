/* step_omp.c — the omp backend's driver: bit-packed cells (64 per word),
 * bit-sliced neighbour counting (kernels/life_word.h), OpenMP over rows.
 *
 * omp_open() asks omp_plan() (omp_plan.c) how to step, allocates what the
 * plan's modes need and steps in the caller's packed grid; omp_step() hands
 * generations to the mode's file (omp_dense.c, omp_tblock.c, omp_tiles.c);
 * the row functions and omp_close() convert at the edges. The public table
 * corun_life_backend_omp, on byte grids, is a thin layer over these (end of
 * file).
 *
 * Dense and blocked B3/S23 on a torus of whole 512-cell vectors keep the
 * rows' words in the lane-strided order (omp_int.h, omp_set_perm), which the
 * AVX-512 kernel steps with fewer lane moves; change tracking keeps word
 * order, so skip_stable=auto converts at its switches. The caller's grid is
 * in that order between omp_open() and omp_close().
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/life.h"
#include "life/omp_backend.h"
#include "life/omp_iso.h"
#include "life/omp_rule_jit.h"
#include "life/omp_state.h"

static void *alloc64(size_t words) {
    size_t bytes = (words * sizeof(uint64_t) + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p) memset(p, 0, bytes ? bytes : 64);
    return p;
}

/* Puts buf[cur]'s rows in the lane-strided order (on) or in word order, a
 * row at a time through each thread's scratch, and picks the kernels for
 * it. The back buffer is left alone: bulk stepping overwrites all of it,
 * and change tracking recomputes every tile for the two generations after
 * a switch (dense_left), so it never trusts the old contents. */
void omp_set_perm(omp_state_t *s, int on) {
    const omp_geom_t *g = &s->g;
    if (s->perm != on) {
#pragma omp parallel num_threads(s->nt)
        {
            uint64_t *tmp = s->scratch + omp_get_thread_num() * s->scratch_words;
#pragma omp for schedule(static)
            for (int64_t y = 0; y < g->h; y++) {
                uint64_t *row = s->buf[s->cur] + y * g->stride;
                memcpy(tmp, row, (size_t)g->wpr * 8);
                omp_row_copy(g, 1, on, tmp, row);
            }
        }
    }
    s->perm = on;
    s->fn = on ? s->fnp : s->fnw;
    s->fn_last = on ? s->fnp_last : s->fnw_last;
}

/* Frees everything but the caller's grid memory (buffers change places
 * when a frame is lent: omp_snap.c). */
static void state_free(omp_state_t *s) {
    const int64_t gw = s->g.h * s->g.stride;
    omp_lend_wait(s); /* (close has waited already; open never lends) */
    uint64_t *bufs[3] = {s->buf[0], s->buf[1], s->spare};
    for (int i = 0; i < 3; i++)
        if (bufs[i] && bufs[i] != s->gridmem) corun_life_words_free(bufs[i], gw);
    free(s->zero);
    free(s->scratch);
    free(s->partial);
    free((void *)s->g.iso);
    omp_tblock_free(s);
    omp_tiles_free(s);
    free(s);
}

/* ------------------------------------------------------------ the seam */

int omp_open(void **state, corun_life_grid_t *gr, const corun_life_params_t *p,
             corun_err_t *err) {
    *state = NULL;
    if (!gr || gr->width < 1 || gr->height < 1 || !gr->words ||
        gr->wpr != corun_life_words_per_row(gr->width) || gr->stride < gr->wpr)
        return corun_err_set(err, CORUN_EINVAL, "omp backend: empty or malformed initial grid");
    int64_t cy0 = 0, cy1 = gr->height;
    if (p->count_y0 || p->count_y1) {
        int rc = corun_life_rows_check("omp backend (count rows)", gr->height, p->count_y0,
                                       p->count_y1 - p->count_y0, err);
        if (rc) return rc;
        cy0 = p->count_y0;
        cy1 = p->count_y1;
    }
    omp_state_t *s = calloc(1, sizeof *s);
    if (!s) return corun_err_set(err, CORUN_ENOMEM, "omp backend: out of memory");
    omp_machine_t m;
    omp_machine_probe(&m);
    omp_plan(gr->width, gr->height, p, &m, &s->plan);
    const omp_plan_t *pl = &s->plan;
    omp_geom_t *g = &s->g;
    g->w = gr->width;
    g->h = gr->height;
    g->wpr = gr->wpr;
    g->stride = corun_life_grid_stride(g->w);
    g->torus = p->boundary == CORUN_LIFE_TORUS;
    g->lastbits = (unsigned)(g->w - 64 * (g->wpr - 1));
    g->lastmask = g->lastbits == 64 ? ~0ull : (1ull << g->lastbits) - 1;
    s->born = p->rule.born & 0x1ffu;
    s->survive = p->rule.survive & 0x1ffu;
    s->nt = pl->threads;
    s->cy0 = cy0;
    s->cy1 = cy1;
    s->grid = gr;
    s->k = pl->k;
    s->fnw = s->k->step;
    s->fnw_last = pl->stream ? s->k->stream : s->fnw;
    s->fnp = s->k->perm;
    s->fnp_last = pl->stream && s->k->perm_stream ? s->k->perm_stream : s->fnp;
    s->fn = s->fnw;
    s->fn_last = s->fnw_last;

    /* Step in the grid's own memory where its rows sit where ours would. */
    const int64_t gw = g->h * g->stride;
    s->in_place = gr->stride == g->stride && ((uintptr_t)gr->words & 63) == 0;
    s->buf[0] = s->in_place ? gr->words : corun_life_words_alloc(gw);
    s->gridmem = s->in_place ? gr->words : NULL;
    s->buf[1] = corun_life_words_alloc(gw);
    s->zero = alloc64((size_t)g->stride);
    g->zero = s->zero;
    s->scratch_words = (omp_scratch_words(g) + 3 * g->stride + 7) & ~(int64_t)7;
    s->scratch = alloc64((size_t)(s->scratch_words * s->nt));
    s->partial = alloc64((size_t)(2 * s->nt * 8));
    if (!s->buf[0] || !s->buf[1] || !s->zero || !s->scratch || !s->partial) goto nomem;
    if (p->rule.iso) { /* isotropic rules: their own kernel, in every mode */
        omp_iso_prog_t *ip = malloc(sizeof *ip);
        if (!ip) goto nomem;
        omp_iso_prog_build(&p->rule, ip);
        g->iso = ip;
        s->fn = s->fn_last = s->fnw = s->fnw_last = omp_iso_kernel(s->k->simd);
    }
    if (pl->tiles && omp_tiles_alloc(s)) goto nomem;
    if (pl->mode == OMP_MODE_TBLOCK && omp_tblock_alloc(s)) goto nomem;
    s->mode = pl->mode;
    s->ad = (omp_adaptive_t){pl->adaptive, pl->bulk, 0, pl->tiles_enter, pl->tiles_leave};

    if (!s->in_place) {
#pragma omp parallel for num_threads(s->nt) schedule(static)
        for (int64_t y = 0; y < g->h; y++)
            memcpy(s->buf[0] + y * g->stride, gr->words + y * gr->stride, (size_t)g->wpr * 8);
    }
    s->perm_ok = pl->strided;
    omp_set_perm(s, s->perm_ok); /* in place, in the grid's memory */
    *state = s;
    return 0;
nomem:
    state_free(s);
    return corun_err_set(err, CORUN_ENOMEM,
                         "omp backend: out of memory for a %lldx%lld grid (try fewer threads "
                         "or a smaller grid)",
                         (long long)gr->width, (long long)gr->height);
}

int omp_step(void *state, int64_t n, int64_t *pops, corun_err_t *err) {
    omp_state_t *s = state;
    if (n < 0) return corun_err_set(err, CORUN_EINVAL, "omp backend: negative generation count");
    if (n == 0) return 0;
    if (s->lend_swap) {
        /* A lent frame: one generation reads it, then it moves aside. */
        s->lend_swap = 0;
        omp_step(s, 1, pops, err);
        omp_lend_swap(s);
        if (--n == 0) return 0;
        if (pops) pops++;
    }
    if (s->ad.on) {
        omp_step_adaptive(s, n, pops);
        return 0;
    }
    switch (s->mode) {
    case OMP_MODE_TILES: omp_step_tiles(s, n, pops); break;
    case OMP_MODE_TBLOCK: omp_step_tblock(s, n, pops); break;
    default: omp_step_dense(s, n, pops); break;
    }
    return 0;
}

static int rows_args(const omp_state_t *s, int64_t y0, int64_t n, int64_t stride,
                     corun_err_t *err) {
    int rc = corun_life_rows_check("omp backend", s->g.h, y0, n, err);
    if (!rc && stride < s->g.wpr)
        rc = corun_err_set(err, CORUN_EINVAL,
                           "omp backend: row stride %lld is less than the %lld words of a row",
                           (long long)stride, (long long)s->g.wpr);
    return rc;
}

/* Row copies use the threads when there is enough to copy (a whole grid). */
#define ROWS_PARALLEL_WORDS (1 << 16)

int omp_get_rows(void *state, int64_t y0, int64_t n, uint64_t *words, int64_t stride,
                 corun_err_t *err) {
    omp_state_t *s = state;
    int rc = rows_args(s, y0, n, stride, err);
    if (rc) return rc;
    const omp_geom_t *g = &s->g;
#pragma omp parallel for num_threads(s->nt) schedule(static) \
    if (n * g->wpr >= ROWS_PARALLEL_WORDS)
    for (int64_t y = 0; y < n; y++)
        omp_row_copy(g, s->perm, 0, s->buf[s->cur] + (y0 + y) * g->stride, words + y * stride);
    return 0;
}

int omp_put_rows(void *state, int64_t y0, int64_t n, const uint64_t *words, int64_t stride,
                 corun_err_t *err) {
    omp_state_t *s = state;
    int rc = rows_args(s, y0, n, stride, err);
    if (rc || n == 0) return rc;
    omp_lend_wait(s); /* never write into a frame the writer still reads */
    const omp_geom_t *g = &s->g;
#pragma omp parallel for num_threads(s->nt) schedule(static) \
    if (n * g->wpr >= ROWS_PARALLEL_WORDS)
    for (int64_t y = 0; y < n; y++)
        omp_row_copy(g, s->perm, 1, words + y * stride, s->buf[s->cur] + (y0 + y) * g->stride);
    omp_tiles_force_rows(s, y0, n);
    return 0;
}

int omp_close(void *state, corun_err_t *err) {
    (void)err;
    omp_state_t *s = state;
    if (!s) return 0;
    corun_life_grid_t *gr = s->grid;
    const omp_geom_t *g = &s->g;
    omp_lend_wait(s); /* the writer may still read the final frame */
    omp_set_perm(s, 0);
    uint64_t *fin = s->buf[s->cur];
    if (s->in_place && fin != s->gridmem && gr->owned) {
        /* the grid takes the buffer holding the current generation; its
         * own memory is one of ours now, freed below */
        gr->words = fin;
        s->gridmem = fin;
    } else if (fin != s->gridmem) { /* a view's memory stays where it is */
#pragma omp parallel for num_threads(s->nt) schedule(static)
        for (int64_t y = 0; y < g->h; y++)
            memcpy(gr->words + y * gr->stride, fin + y * g->stride, (size_t)g->wpr * 8);
    }
    state_free(s);
    return 0;
}

void omp_info(void *state, corun_life_info_t *out) {
    const omp_state_t *s = state;
    memset(out, 0, sizeof *out);
    /* the rule's path: B3/S23's folded kernels, any B/S rule (-jit: the AVX-512
     * kernels with the rule compiled at run time, omp_rule_jit.c), or isotropic */
    const int jit = !s->g.iso && !s->plan.conway && !strcmp(s->k->simd, "avx512") &&
                    omp_rule_jit(corun_life_rule_tables(s->born, s->survive));
    snprintf(out->mode, sizeof out->mode, "%.32s-%s", s->plan.name, /* names are <= 27 */
             s->g.iso ? "isotropic" : s->plan.conway ? "conway" : jit ? "totalistic-jit" : "totalistic");
    /* avx512-autovec is the AVX-512 path too (its kernels, not its target, differ) */
    snprintf(out->simd, sizeof out->simd, "%s",
             !strncmp(s->k->simd, "avx512", 6) ? "avx512" : s->k->simd);
    out->threads = s->nt;
}

/* ------------------------------------------------------------ the table */

const corun_life_backend_t corun_life_backend_omp = {
    .name = "omp",
    .open = omp_open,
    .step = omp_step,
    .get_rows = omp_get_rows,
    .put_rows = omp_put_rows,
    .close = omp_close,
    .info = omp_info,
    .snap = &omp_snap_ops,
    .bytes_per_cell = 0.125, /* the second generation; tile maps and scratch are small */
};
