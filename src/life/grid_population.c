/* grid_population.c — live cells of a packed grid: a hardware popcount
 * (AVX-512 VPOPCNTDQ, 8 words an instruction, or POPCNT, a word an
 * instruction; picked at run time) over each thread's range of words. A
 * portable bit-twiddling count serves other CPUs; the compiler's plain
 * __builtin_popcountll would call libgcc's table-based __popcountdi2 in a
 * build without -mpopcnt, so it appears only in functions built for POPCNT.
 *
 * Padding bits are 0 by the grid's contract; the count still masks the last
 * word of each row, so a violated contract cannot change a summary. */
#include <stdint.h>

#include "corun/core.h"
#include "grid_int.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define GRID_X86 1
#endif

/* Levels of this kernel: GRID_AVX512 is VPOPCNTDQ, GRID_AVX2 the POPCNT
 * instruction, GRID_PORTABLE the bit-twiddling count. */
int grid_population_level(void) {
    if (corun_cpu_has(CORUN_CPU_AVX512F | CORUN_CPU_AVX512_VPOPCNTDQ)) return GRID_AVX512;
    if (corun_cpu_has(CORUN_CPU_POPCNT)) return GRID_AVX2;
    return GRID_PORTABLE;
}

static int64_t count_portable(const uint64_t *p, int64_t n) {
    uint64_t c = 0;
    for (int64_t i = 0; i < n; i++) c += grid_popcount_swar(p[i]);
    return (int64_t)c;
}

#ifdef GRID_X86
__attribute__((target("popcnt"))) static int64_t count_popcnt(const uint64_t *p, int64_t n) {
    /* Four sums: independent adds keep all popcount units busy. */
    uint64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        c0 += (uint64_t)__builtin_popcountll(p[i]);
        c1 += (uint64_t)__builtin_popcountll(p[i + 1]);
        c2 += (uint64_t)__builtin_popcountll(p[i + 2]);
        c3 += (uint64_t)__builtin_popcountll(p[i + 3]);
    }
    for (; i < n; i++) c0 += (uint64_t)__builtin_popcountll(p[i]);
    return (int64_t)(c0 + c1 + c2 + c3);
}

__attribute__((target("avx512f,avx512vpopcntdq"))) static int64_t
count_avx512(const uint64_t *p, int64_t n) {
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm512_add_epi64(a0, _mm512_popcnt_epi64(_mm512_loadu_si512(p + i)));
        a1 = _mm512_add_epi64(a1, _mm512_popcnt_epi64(_mm512_loadu_si512(p + i + 8)));
        a2 = _mm512_add_epi64(a2, _mm512_popcnt_epi64(_mm512_loadu_si512(p + i + 16)));
        a3 = _mm512_add_epi64(a3, _mm512_popcnt_epi64(_mm512_loadu_si512(p + i + 24)));
    }
    for (; i + 8 <= n; i += 8)
        a0 = _mm512_add_epi64(a0, _mm512_popcnt_epi64(_mm512_loadu_si512(p + i)));
    if (i < n) {
        __mmask8 m = (__mmask8)((1u << (n - i)) - 1);
        a1 = _mm512_add_epi64(a1, _mm512_popcnt_epi64(_mm512_maskz_loadu_epi64(m, p + i)));
    }
    a0 = _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3));
    return (int64_t)_mm512_reduce_add_epi64(a0);
}
#endif

static int64_t count_words(const uint64_t *p, int64_t n, int level) {
#ifdef GRID_X86
    if (level >= GRID_AVX512) return count_avx512(p, n);
    if (level >= GRID_AVX2) return count_popcnt(p, n);
#endif
    (void)level;
    return count_portable(p, n);
}

/* Live cells in logical words [lo, hi). */
static int64_t count_range(const corun_life_grid_t *g, int64_t lo, int64_t hi, int level) {
    const uint64_t pad = ~grid_last_mask(g->width);
    int64_t n = 0;
    while (lo < hi) {
        int64_t y = lo / g->wpr, j0 = lo % g->wpr, j1 = j0 + (hi - lo);
        if (j1 > g->wpr) j1 = g->wpr;
        const uint64_t *row = corun_life_grid_row(g, y);
        n += count_words(row + j0, j1 - j0, level);
        if (j1 == g->wpr && (row[j1 - 1] & pad))
            n -= count_portable(&(uint64_t){row[j1 - 1] & pad}, 1);
        lo += j1 - j0;
    }
    return n;
}

int64_t grid_population_parts(const corun_life_grid_t *g, int parts, int threads, int level) {
    int64_t n = 0;
#pragma omp parallel for schedule(static, 1) num_threads(threads) reduction(+ : n) if (threads > 1)
    for (int p = 0; p < parts; p++) {
        int64_t lo, hi;
        grid_part(g, p, parts, &lo, &hi);
        n += count_range(g, lo, hi, level);
    }
    return n;
}

int64_t corun_life_grid_population(const corun_life_grid_t *g, int threads) {
    /* Counting runs at memory speed: a thread needs a good share to pay for
     * waking it. */
    int parts = grid_parts(g, threads, 1 << 14);
    return grid_population_parts(g, parts, parts, grid_population_level());
}
