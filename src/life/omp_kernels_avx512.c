/* omp_kernels_avx512.c — the omp backend's row kernels compiled for
 * AVX-512: the intrinsics kernels of omp_conway_avx512.h for every rule
 * (word order, streaming, lane-strided) and its population count, and gcc's
 * vectorisation of the shared body of omp_rows.h ("avx512-autovec", only on
 * request: it measures what the intrinsics buy). Run only after
 * omp_machine_probe() found the CPU (and the OS) can. */
#include <stdlib.h>
#include <string.h>

#include "life/omp_int.h"
#include "life/omp_rule_jit.h"
#include "life_word.h"

#ifdef OMP_HAVE_X86_COPIES
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512vbmi2,avx512vpopcntdq,avx2,bmi2,popcnt,prefer-vector-width=512")
#include "life/omp_rows.h"
#include "life/omp_conway_avx512.h"

void omp_step_autovec_avx512(OMP_BLOCK_PARAMS) {
    rows_step(g, src, dst, dst_origin, y0, y1, j0, j1, scratch, diff, born, survive, pop);
}

int64_t omp_count_autovec_avx512(OMP_COUNT_PARAMS) { return rows_count(g, base, origin, y0, y1); }

#pragma GCC pop_options
#endif
