/* threads.c — thread-count defaults and CPU feature detection: the one place
 * outside the backends that talks to OpenMP. */
#include <omp.h>

#include "corun/core.h"

int corun_default_threads(void) { return omp_get_max_threads(); }

const char *corun_cpu_simd(void) {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) return "avx512";
    if (__builtin_cpu_supports("avx2")) return "avx2";
    return "sse2";
#elif defined(__aarch64__)
    return "neon";
#else
    return "generic";
#endif
}
