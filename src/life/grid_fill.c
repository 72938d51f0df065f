/* grid_fill.c — the counter-based random fill of a packed grid, written as
 * words directly (no byte grid in between), on all threads.
 *
 * Definition (grid.c, corun_life_cells_fill_random_rows): cell (x, y) is
 * alive iff corun_rng_u64(seed, (row0 + y) * width + x) >> 11 < limit. The
 * RNG (src/core/rng.c) is mix64(k ^ (index * G + C)) with k = mix64(seed +
 * G), so k is computed once and index * G + C grows by G from cell to cell:
 * a cell costs two 64-bit multiplies and a few shifts and XORs. With limit in
 * (0, 2^53), v >> 11 < limit is v < limit << 11, one unsigned compare.
 *
 * Kernels: AVX-512 (F, DQ for vpmullq, and the rest of the Skylake set) does
 * 8 cells a vector, 8 vectors a word; AVX2 4 cells a vector, its 64-bit
 * multiply built from three 32-bit ones; the portable kernel a cell at a
 * time. All compute whole words and mask the last word of a row, so the
 * padding bits stay 0. Each thread writes its own contiguous range of
 * words, padding words included, which is also the first touch of fresh
 * grid memory, so pages land near the thread that later steps them. */
#include <stdint.h>
#include <string.h>

#include "corun/core.h"
#include "grid_int.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define GRID_X86 1
#endif

#define RNG_G UINT64_C(0x9e3779b97f4a7c15)
#define RNG_C UINT64_C(0x632be59bd9b4e019)
#define MIX_M1 UINT64_C(0xbf58476d1ce4e5b9)
#define MIX_M2 UINT64_C(0x94d049bb133111eb)

/* The same finaliser as rng.c (which the tests hold this file to). */
static inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * MIX_M1;
    z = (z ^ (z >> 27)) * MIX_M2;
    return z ^ (z >> 31);
}

int grid_fill_level(void) {
    if (corun_cpu_has(CORUN_CPU_AVX512)) return GRID_AVX512;
    if (corun_cpu_has(CORUN_CPU_AVX2)) return GRID_AVX2;
    return GRID_PORTABLE;
}

/* A word's 64 cells from global index idx: bit i alive iff
 * mix64(k ^ ((idx + i) * G + C)) < thr. */
typedef uint64_t (*word_fn)(uint64_t k, uint64_t thr, uint64_t idx);

static uint64_t word_portable(uint64_t k, uint64_t thr, uint64_t idx) {
    uint64_t t = idx * RNG_G + RNG_C, w = 0;
    for (int i = 0; i < 64; i++, t += RNG_G) w |= (uint64_t)(mix64(k ^ t) < thr) << i;
    return w;
}

#ifdef GRID_X86
/* fold: thr has its low 33 bits clear (density a multiple of 2^-31, such as
 * the usual 0.5). The finaliser's last step z ^ (z >> 31) leaves the top 31
 * bits of z as they are, and with such a threshold only those decide
 * z < thr: the step can be skipped, exactly. */
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"))) static inline uint64_t
word_avx512_body(uint64_t k, uint64_t thr, uint64_t idx, const int fold) {
    const __m512i vk = _mm512_set1_epi64((long long)k), vthr = _mm512_set1_epi64((long long)thr);
    const __m512i m1 = _mm512_set1_epi64((long long)MIX_M1), m2 = _mm512_set1_epi64((long long)MIX_M2);
    const __m512i step = _mm512_set1_epi64((long long)(8 * RNG_G));
    const __m512i lane = _mm512_set_epi64((long long)(7 * RNG_G), (long long)(6 * RNG_G),
                                          (long long)(5 * RNG_G), (long long)(4 * RNG_G),
                                          (long long)(3 * RNG_G), (long long)(2 * RNG_G),
                                          (long long)RNG_G, 0);
    __m512i t = _mm512_add_epi64(_mm512_set1_epi64((long long)(idx * RNG_G + RNG_C)), lane);
    uint64_t w = 0;
    /* Eight independent vectors per word: enough to cover vpmullq latency. */
    for (int i = 0; i < 8; i++, t = _mm512_add_epi64(t, step)) {
        __m512i z = _mm512_xor_si512(vk, t);
        z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 30)), m1);
        z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 27)), m2);
        if (!fold) z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 31));
        w |= (uint64_t)_mm512_cmplt_epu64_mask(z, vthr) << (8 * i);
    }
    return w;
}

__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"))) static uint64_t
word_avx512(uint64_t k, uint64_t thr, uint64_t idx) {
    return word_avx512_body(k, thr, idx, 0);
}

__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"))) static uint64_t
word_avx512_fold(uint64_t k, uint64_t thr, uint64_t idx) {
    return word_avx512_body(k, thr, idx, 1);
}

/* Low 64 bits of a * b for b = (bhi << 32 | blo), from 32x32 -> 64 products. */
__attribute__((target("avx2"))) static inline __m256i mul64_avx2(__m256i a, __m256i blo,
                                                                 __m256i bhi) {
    __m256i lo = _mm256_mul_epu32(a, blo);
    __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(a, 32), blo),
                                     _mm256_mul_epu32(a, bhi));
    return _mm256_add_epi64(lo, _mm256_slli_epi64(cross, 32));
}

__attribute__((target("avx2"))) static uint64_t word_avx2(uint64_t k, uint64_t thr, uint64_t idx) {
    const __m256i vk = _mm256_set1_epi64x((long long)k);
    /* AVX2 compares signed only: flip the sign bits of both sides. */
    const __m256i sign = _mm256_set1_epi64x((long long)(UINT64_C(1) << 63));
    const __m256i vthr = _mm256_xor_si256(_mm256_set1_epi64x((long long)thr), sign);
    const __m256i m1lo = _mm256_set1_epi64x((long long)(MIX_M1 & 0xffffffffu)),
                  m1hi = _mm256_set1_epi64x((long long)(MIX_M1 >> 32));
    const __m256i m2lo = _mm256_set1_epi64x((long long)(MIX_M2 & 0xffffffffu)),
                  m2hi = _mm256_set1_epi64x((long long)(MIX_M2 >> 32));
    const __m256i step = _mm256_set1_epi64x((long long)(4 * RNG_G));
    __m256i t = _mm256_add_epi64(
        _mm256_set1_epi64x((long long)(idx * RNG_G + RNG_C)),
        _mm256_set_epi64x((long long)(3 * RNG_G), (long long)(2 * RNG_G), (long long)RNG_G, 0));
    uint64_t w = 0;
    for (int i = 0; i < 16; i++, t = _mm256_add_epi64(t, step)) {
        __m256i z = _mm256_xor_si256(vk, t);
        z = mul64_avx2(_mm256_xor_si256(z, _mm256_srli_epi64(z, 30)), m1lo, m1hi);
        z = mul64_avx2(_mm256_xor_si256(z, _mm256_srli_epi64(z, 27)), m2lo, m2hi);
        z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 31));
        __m256i lt = _mm256_cmpgt_epi64(vthr, _mm256_xor_si256(z, sign));
        w |= (uint64_t)(unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(lt)) << (4 * i);
    }
    return w;
}
#endif

static word_fn pick(int level, uint64_t thr) {
#ifdef GRID_X86
    if (level >= GRID_AVX512)
        return thr & ((UINT64_C(1) << 33) - 1) ? word_avx512 : word_avx512_fold;
    if (level >= GRID_AVX2) return word_avx2;
#endif
    (void)level;
    (void)thr;
    return word_portable;
}

/* Logical words [lo, hi) of g. mode: 0 all dead, 1 all alive, 2 random. */
static void fill_range(corun_life_grid_t *g, int64_t lo, int64_t hi, int64_t row0, int mode,
                       uint64_t k, uint64_t thr, word_fn word) {
    const uint64_t last = grid_last_mask(g->width);
    while (lo < hi) {
        int64_t y = lo / g->wpr, j0 = lo % g->wpr, j1 = j0 + (hi - lo);
        if (j1 > g->wpr) j1 = g->wpr;
        uint64_t *row = corun_life_grid_row(g, y);
        uint64_t idx = (uint64_t)(row0 + y) * (uint64_t)g->width + 64 * (uint64_t)j0;
        for (int64_t j = j0; j < j1; j++, idx += 64)
            row[j] = mode == 2 ? word(k, thr, idx) : mode ? ~UINT64_C(0) : 0;
        if (j1 == g->wpr) {
            /* This part owns the row's end: mask it, zero the padding words. */
            row[j1 - 1] &= last;
            memset(row + g->wpr, 0, (size_t)(g->stride - g->wpr) * sizeof *row);
        }
        lo += j1 - j0;
    }
}

void grid_fill_parts(corun_life_grid_t *g, double density, uint64_t seed, int64_t row0,
                     int parts, int threads, int level) {
    /* The definition's limit: density scaled to 2^53, exact for 0 and 1. */
    uint64_t limit = density >= 1.0 ? (UINT64_C(1) << 53)
                     : density <= 0.0 ? 0
                                      : (uint64_t)(density * 9007199254740992.0);
    int mode = limit == 0 ? 0 : limit == (UINT64_C(1) << 53) ? 1 : 2;
    const uint64_t k = mix64(seed + RNG_G), thr = limit << 11;
    const word_fn word = pick(level, thr);
#pragma omp parallel for schedule(static, 1) num_threads(threads) if (threads > 1)
    for (int p = 0; p < parts; p++) {
        int64_t lo, hi;
        grid_part(g, p, parts, &lo, &hi);
        fill_range(g, lo, hi, row0, mode, k, thr, word);
    }
}

void corun_life_grid_fill_random(corun_life_grid_t *g, double density, uint64_t seed,
                                 int64_t row0, int threads) {
    /* A word costs ~10-20 ns, so a few hundred words repay a thread. */
    int parts = grid_parts(g, threads, 256);
    grid_fill_parts(g, density, seed, row0, parts, parts, grid_fill_level());
}
