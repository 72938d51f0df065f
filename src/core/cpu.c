/* cpu.c — the CPU's instruction-set features, detected once for the whole
 * program: every run-time SIMD dispatch (CSV scanning, Fibonacci limb
 * arithmetic, the packed grid's kernels) asks here, so "AVX-512" means the
 * same thing everywhere and a report names what was really used. */
#include "corun/core.h"

static unsigned detect(void) {
    unsigned f = 0;
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("popcnt")) f |= CORUN_CPU_POPCNT;
    if (__builtin_cpu_supports("bmi")) f |= CORUN_CPU_BMI;
    if (__builtin_cpu_supports("bmi2")) f |= CORUN_CPU_BMI2;
    if (__builtin_cpu_supports("avx2")) f |= CORUN_CPU_AVX2;
    if (__builtin_cpu_supports("avx512f")) f |= CORUN_CPU_AVX512F;
    if (__builtin_cpu_supports("avx512bw")) f |= CORUN_CPU_AVX512BW;
    if (__builtin_cpu_supports("avx512vl")) f |= CORUN_CPU_AVX512VL;
    if (__builtin_cpu_supports("avx512dq")) f |= CORUN_CPU_AVX512DQ;
    if (__builtin_cpu_supports("avx512vpopcntdq")) f |= CORUN_CPU_AVX512_VPOPCNTDQ;
    if (__builtin_cpu_supports("avx512vbmi2")) f |= CORUN_CPU_AVX512_VBMI2;
    if (__builtin_cpu_supports("avx512vbmi")) f |= CORUN_CPU_AVX512_VBMI;
    if (__builtin_cpu_supports("avx512bitalg")) f |= CORUN_CPU_AVX512_BITALG;
#endif
    return f | CORUN_CPU_DETECTED;
}

unsigned corun_cpu_features(void) {
    /* Detection is idempotent, so racing first callers only repeat it. */
    static _Atomic unsigned cached;
    unsigned f = cached;
    if (!f) cached = f = detect();
    return f & ~CORUN_CPU_DETECTED;
}
