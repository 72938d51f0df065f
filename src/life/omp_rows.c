/* omp_rows.c — the omp backend's row kernels, compiled once per SIMD target
 * from the same source (omp_rows.h), and the run-time choice between them.
 *
 * Why one body and target pragmas instead of intrinsics: the cell logic is
 * kernels/life_word.h, shared with CUDA; gcc vectorises the word loops for
 * whatever target the copy is compiled for (AVX-512 gives 8 words = 512
 * cells per instruction and folds the adders into vpternlog). The build
 * itself stays baseline x86-64, so the program runs on any CPU; the AVX
 * copies are only called after __builtin_cpu_supports says the CPU (and the
 * OS, which must save the wider registers) can run them.
 */
#include <stdlib.h>
#include <string.h>

#include "life/omp_int.h"
#include "life_word.h"


/* Portable: whatever the build's baseline target is (SSE2 on x86-64). */
#define OMP_NAME(x) omp_portable_##x
#include "life/omp_rows.h"
#undef OMP_NAME

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CORUN_OMP_X86 1

#pragma GCC push_options
#pragma GCC target("avx2,bmi2,popcnt")
#define OMP_NAME(x) omp_avx2_##x
#define OMP_VW 4
#include "life/omp_rows.h"
#include "life/omp_conway_vec.h"
#undef OMP_VW
#undef OMP_NAME
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512vbmi2,avx512vpopcntdq,avx2,bmi2,popcnt,prefer-vector-width=512")
#define OMP_NAME(x) omp_avx512_##x
#include "life/omp_rows.h"
#include "life/omp_conway_avx512.h"
#undef OMP_NAME
#pragma GCC pop_options
#endif

static const omp_kernels_t k_portable = {"portable", omp_portable_block_conway,
                                         omp_portable_block_generic, omp_portable_count, NULL,
                                         NULL, NULL};
#ifdef CORUN_OMP_X86
static const omp_kernels_t k_avx2 = {"avx2", omp_avx2_conway_vec, omp_avx2_block_generic,
                                     omp_avx2_count, NULL, NULL, NULL};
static const omp_kernels_t k_avx512 = {"avx512", omp_avx512_conway_fast,
                                       omp_avx512_block_generic, omp_avx512_count_fast,
                                       omp_avx512_conway_stream, omp_avx512_conway_perm,
                                       omp_avx512_conway_perm_stream};
/* The same AVX-512 target with gcc's vectorisation of the shared C for B3/S23
 * too: only on request (CORUN_OMP_SIMD=avx512-autovec), to measure what the
 * intrinsics kernel buys. */
static const omp_kernels_t k_avx512_autovec = {"avx512-autovec", omp_avx512_block_conway,
                                               omp_avx512_block_generic, omp_avx512_count, NULL,
                                               NULL, NULL};
#endif

const omp_kernels_t *corun_life_omp_kernels(const char *want) {
#ifdef CORUN_OMP_X86
    __builtin_cpu_init();
    int has512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                 __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                 __builtin_cpu_supports("avx512vbmi2") && /* the copy is built with these */
                 __builtin_cpu_supports("avx512vpopcntdq");
    int has2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") &&
               __builtin_cpu_supports("popcnt");
    if (want && !strcmp(want, "portable")) return &k_portable;
    if (want && !strcmp(want, "avx2") && has2) return &k_avx2;
    if (want && !strcmp(want, "avx512-autovec") && has512) return &k_avx512_autovec;
    if (has512) return &k_avx512;
    if (has2) return &k_avx2;
#else
    (void)want;
#endif
    return &k_portable;
}

const char *corun_life_omp_simd(void) {
    return corun_life_omp_kernels(getenv("CORUN_OMP_SIMD"))->simd;
}
