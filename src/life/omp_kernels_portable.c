/* omp_kernels_portable.c — the omp backend's row kernels for the build's
 * baseline target (SSE2 on x86-64, whatever the CPU is elsewhere): the
 * vector-extension strip kernel of omp_conway_vec.h with 2-word vectors for
 * every rule (B/S and isotropic) and omp_rows.h's population count. Runs on
 * every CPU. */
#include <stdlib.h>
#include <string.h>

#include "life/omp_int.h"
#include "life/omp_iso.h"
#include "life_word.h"

#include "life/omp_rows.h"
#define OMP_VW 2
#include "life/omp_conway_vec.h"

void omp_step_portable(OMP_BLOCK_PARAMS) {
    cv_step(g, src, dst, dst_origin, y0, y1, j0, j1, scratch, diff, born, survive, pop);
}

void omp_iso_portable(OMP_BLOCK_PARAMS) {
    cv_iso_step(g, src, dst, dst_origin, y0, y1, j0, j1, scratch, diff, born, survive, pop);
}

int64_t omp_count_portable(OMP_COUNT_PARAMS) { return rows_count(g, base, origin, y0, y1); }
