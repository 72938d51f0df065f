/* omp_backend.h — the omp Life backend's functions over the packed grid
 * (corun_life_grid_t, life.h), for the backend seam. Internal: the public
 * table corun_life_backend_omp (step_omp.c) wraps them for the byte-grid
 * interface.
 *
 * Memory: omp_open() steps in the caller's grid memory (g->words becomes
 * the first of the two generation buffers when g->stride is
 * corun_life_grid_stride(g->width) and the words are 64-byte aligned, else
 * both buffers are the backend's and g is copied), so g must stay open and
 * untouched until omp_close(), which leaves the current generation in g
 * (word order, padding 0) and frees the rest; g->words may then point to
 * the other buffer (the old one is freed: both come from the grid's
 * allocator).
 *
 * Threads: OpenMP teams inside omp_open, omp_step and the row copies; call
 * them from one thread at a time.
 *
 * Failure: 0 or a negative CORUN_E* with a message in err. Once omp_open()
 * succeeded, omp_step() fails only on a negative count.
 */
#ifndef CORUN_LIFE_OMP_BACKEND_H
#define CORUN_LIFE_OMP_BACKEND_H

#include <stdint.h>

#include "corun/life.h"

/* ---- open / close */

/* Opens a stepper on generation g (rule, boundary, threads, skip_stable,
 * count rows and tuning from p). */
int omp_open(void **state, corun_life_grid_t *g, const corun_life_params_t *p, corun_err_t *err);
/* Leaves the current generation in g and frees the state (NULL: nothing). */
int omp_close(void *state, corun_err_t *err);

/* ---- stepping */

/* Advances n generations; pops NULL or n entries receiving the population
 * after each, counted over rows p->count_y0..count_y1-1 (both 0: all rows). */
int omp_step(void *state, int64_t n, int64_t *pops, corun_err_t *err);

/* ---- rows of the current generation */

/* Rows y0..y0+n-1 copied out (get) or replaced (put): row k at
 * words + k*stride (stride >= wpr), wpr words each in word order. After a
 * put the next step computes from the new rows (change tracking recomputes
 * the tiles around them for two generations). */
int omp_get_rows(void *state, int64_t y0, int64_t n, uint64_t *words, int64_t stride,
                 corun_err_t *err);
int omp_put_rows(void *state, int64_t y0, int64_t n, const uint64_t *words, int64_t stride,
                 corun_err_t *err);

/* ---- state */

/* Mode (e.g. "tblock-avx512-strided"), SIMD path and threads really used. */
void omp_info(void *state, corun_life_info_t *out);

#endif
