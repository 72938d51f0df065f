/* omp_kernels_avx2.c — the omp backend's row kernels compiled for AVX2: the
 * vector-extension strip kernel of omp_conway_vec.h for every rule (B/S and
 * isotropic) and omp_rows.h's population count. The build stays baseline
 * x86-64; these run only after omp_machine_probe() found the CPU (and the
 * OS) can. */
#include <stdlib.h>
#include <string.h>

#include "life/omp_int.h"
#include "life/omp_iso.h"
#include "life_word.h"

#ifdef OMP_HAVE_X86_COPIES
#pragma GCC push_options
#pragma GCC target("avx2,bmi2,popcnt")
#define OMP_VW 4
#include "life/omp_rows.h"
#include "life/omp_conway_vec.h"

void omp_step_avx2(OMP_BLOCK_PARAMS) {
    cv_step(g, src, dst, dst_origin, y0, y1, j0, j1, scratch, diff, born, survive, pop);
}

void omp_iso_avx2(OMP_BLOCK_PARAMS) {
    cv_iso_step(g, src, dst, dst_origin, y0, y1, j0, j1, scratch, diff, born, survive, pop);
}

int64_t omp_count_avx2(OMP_COUNT_PARAMS) { return rows_count(g, base, origin, y0, y1); }

#undef OMP_VW
#pragma GCC pop_options
#endif
