/* omp_kernels.c — the omp backend's kernel sets, one per SIMD target, and
 * the choice between them (omp_kernels_pick), with what the machine offers
 * (omp_machine_probe: CPU features, L2 size, OpenMP's thread count).
 *
 * Why one body and target pragmas instead of intrinsics: the cell logic is
 * kernels/life_word.h, shared with CUDA; gcc vectorises the word loops for
 * whatever target the copy is compiled for (AVX-512 gives 8 words = 512
 * cells per instruction and folds the adders into vpternlog). The build
 * itself stays baseline x86-64, so the program runs on any CPU; the AVX
 * copies are only called after corun_cpu_features() says the CPU (and the
 * OS, which must save the wider registers) can run them.
 */
#include <omp.h>
#include <string.h>
#include <unistd.h>

#include "corun/core.h"
#include "life/omp_int.h"

static const omp_kernels_t k_portable = {"portable", omp_step_portable, omp_count_portable,
                                         NULL, NULL, NULL};
#ifdef OMP_HAVE_X86_COPIES
static const omp_kernels_t k_avx2 = {"avx2", omp_step_avx2, omp_count_avx2, NULL, NULL, NULL};
static const omp_kernels_t k_avx512 = {"avx512",          omp_step_avx512,
                                       omp_count_avx512,  omp_stream_avx512,
                                       omp_perm_avx512,   omp_perm_stream_avx512};
static const omp_kernels_t k_avx512_autovec = {"avx512-autovec", omp_step_autovec_avx512,
                                               omp_count_autovec_avx512, NULL, NULL, NULL};
#endif

void omp_machine_probe(omp_machine_t *m) {
    memset(m, 0, sizeof *m);
#ifdef OMP_HAVE_X86_COPIES
    /* the copies are built with exactly these extensions */
    m->avx512 = corun_cpu_has(CORUN_CPU_AVX512 | CORUN_CPU_AVX512_VBMI2 |
                              CORUN_CPU_AVX512_VPOPCNTDQ);
    m->avx2 = corun_cpu_has(CORUN_CPU_AVX2 | CORUN_CPU_BMI2 | CORUN_CPU_POPCNT);
#endif
    long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    m->l2_bytes = l2 > 0 ? (int64_t)l2 : 0;
    m->max_threads = omp_get_max_threads();
}

const omp_kernels_t *omp_kernels_pick(const char *want, const omp_machine_t *m) {
#ifdef OMP_HAVE_X86_COPIES
    if (want && !strcmp(want, "portable")) return &k_portable;
    if (want && !strcmp(want, "avx2") && m->avx2) return &k_avx2;
    if (want && !strcmp(want, "avx512-autovec") && m->avx512) return &k_avx512_autovec;
    if (m->avx512) return &k_avx512;
    if (m->avx2) return &k_avx2;
#else
    (void)want;
    (void)m;
#endif
    return &k_portable;
}

const omp_kernels_t *corun_life_omp_kernels(const char *want) {
    omp_machine_t m;
    omp_machine_probe(&m);
    return omp_kernels_pick(want, &m);
}

/* What the backend picks on this CPU when nothing is forced (the CLI's
 * CORUN_OMP_SIMD override is applied by the CLI, through the tuning). */
const char *corun_life_omp_simd(void) { return corun_life_omp_kernels(NULL)->simd; }
