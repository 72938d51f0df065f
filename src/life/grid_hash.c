/* grid_hash.c — FNV-1a 64 of a packed grid's cells (one byte 0/1 per cell,
 * row-major) on all threads, through the affine maps of corun_life_fnv_map_t
 * (life.h explains why a run of 0/1 bytes hashes as h -> a*h +- b).
 *
 * One cell c appended to state h gives (h ^ c) * P = (h + c*s) * P, where
 * s = +1 if bit 0 of h is clear, else -1, and bit 0 flips with every live
 * cell. Over a word of 64 cells, starting from a clear bit 0, cell i's sign
 * is given by r(i-1), where r(i) is the parity of cells 0..i (the word's
 * prefix XOR), and c(i)*s(i) = r(i) - r(i-1). So the word adds
 *     b = sum_i (r(i) - r(i-1)) * P^(64-i) = sum_i r(i) * V(i),
 *     V(i) = P^(64-i) - P^(63-i)   (V(63) = P),
 * a sum of fixed weights over the set bits of r: eight lookups in tables of
 * byte-sized subsets, with no serial chain inside the word. A run of words
 * then is B -> B * P^64 +- b (minus when the run so far has odd parity),
 * one multiply per 64 cells; four runs are stepped in lockstep to hide its
 * latency and their maps composed in order afterwards, as are the threads'
 * ranges of words. The last word of a row contributes only its
 * `width % 64` valid cells, so padding bits and padding words are never
 * read as cells. */
#include <stdint.h>

#include "corun/core.h"
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define GRID_X86 1
#endif
#include "grid_int.h"

#define FNV_P UINT64_C(0x100000001b3)

/* SV[k][v]: the sum of V(8k + j) over the set bits j of v; NV[k][v] the
 * same for nibbles (V(4k + j)), for the AVX-512 kernel's 16-entry lookups.
 * P_INV: the inverse of FNV_P mod 2^64. */
static uint64_t SV[8][256], P_INV;
static uint64_t NV[16][16] __attribute__((aligned(64)));

static uint64_t fnv_pow(uint64_t n) {
    uint64_t r = 1, x = FNV_P;
    for (; n; n >>= 1, x *= x)
        if (n & 1) r *= x;
    return r;
}

/* The inverse of FNV_P mod 2^64 (Newton's iteration doubles the correct
 * low bits each round; an odd x is its own inverse mod 8). */
static uint64_t fnv_p_inverse(void) {
    uint64_t y = FNV_P;
    for (int i = 0; i < 5; i++) y *= 2 - FNV_P * y;
    return y;
}

__attribute__((constructor)) static void tables_init(void) {
    P_INV = fnv_p_inverse();
    uint64_t v[64];
    for (int i = 0; i < 64; i++) v[i] = fnv_pow(64 - (uint64_t)i) - fnv_pow(63 - (uint64_t)i);
    v[63] = FNV_P;
    for (int k = 0; k < 8; k++)
        for (unsigned x = 0; x < 256; x++) {
            uint64_t sum = 0;
            for (int j = 0; j < 8; j++)
                if (x >> j & 1u) sum += v[8 * k + j];
            SV[k][x] = sum;
        }
    for (int k = 0; k < 16; k++)
        for (unsigned x = 0; x < 16; x++) {
            uint64_t sum = 0;
            for (int j = 0; j < 4; j++)
                if (x >> j & 1u) sum += v[4 * k + j];
            NV[k][x] = sum;
        }
}

corun_life_fnv_map_t corun_life_fnv_compose(corun_life_fnv_map_t first, corun_life_fnv_map_t then) {
    corun_life_fnv_map_t m;
    m.a = then.a * first.a;
    m.b = then.a * first.b + (first.parity ? (uint64_t)0 - then.b : then.b);
    m.parity = (first.parity ^ then.parity) & 1u;
    return m;
}

uint64_t corun_life_fnv_apply(corun_life_fnv_map_t m, uint64_t h) {
    return m.a * h + ((h & 1) ? (uint64_t)0 - m.b : m.b);
}

#define P2 (FNV_P * FNV_P)
#define P8 (P2 * P2 * P2 * P2)
#define P64 (P8 * P8 * P8 * P8 * P8 * P8 * P8 * P8) /* FNV_P^64 mod 2^64 */

/* Bit i of the result: the parity of bits 0..i of w. */
static inline uint64_t prefix_xor(uint64_t w) {
    w ^= w << 1;
    w ^= w << 2;
    w ^= w << 4;
    w ^= w << 8;
    w ^= w << 16;
    w ^= w << 32;
    return w;
}

/* b of one word for a run with even parity so far, from its prefix XOR. */
static inline uint64_t word_b(uint64_t r) {
    return SV[0][r & 0xff] + SV[1][r >> 8 & 0xff] + SV[2][r >> 16 & 0xff] +
           SV[3][r >> 24 & 0xff] + SV[4][r >> 32 & 0xff] + SV[5][r >> 40 & 0xff] +
           SV[6][r >> 48 & 0xff] + SV[7][r >> 56];
}

/* One word appended to a run (B: the run's b; m: all ones when the run's
 * parity is odd, which negates the word's b). */
#define STEP_WORD(B, m, w)                                                                     \
    do {                                                                                       \
        uint64_t r_ = prefix_xor(w), b_ = word_b(r_);                                          \
        (B) = (B) * P64 + ((b_ ^ (m)) - (m));                                                  \
        (m) ^= (uint64_t)0 - (r_ >> 63);                                                       \
    } while (0)

/* The maps of four runs of n full words each, p, p + n, p + 2n, p + 3n. */
static void map_words4(const uint64_t *p, int64_t n, corun_life_fnv_map_t out[4]) {
    uint64_t b0 = 0, b1 = 0, b2 = 0, b3 = 0, m0 = 0, m1 = 0, m2 = 0, m3 = 0;
    const uint64_t *p1 = p + n, *p2 = p + 2 * n, *p3 = p + 3 * n;
    for (int64_t i = 0; i < n; i++) {
        STEP_WORD(b0, m0, p[i]);
        STEP_WORD(b1, m1, p1[i]);
        STEP_WORD(b2, m2, p2[i]);
        STEP_WORD(b3, m3, p3[i]);
    }
    const uint64_t a = fnv_pow(64 * (uint64_t)n);
    out[0] = (corun_life_fnv_map_t){a, b0, (unsigned)(m0 & 1)};
    out[1] = (corun_life_fnv_map_t){a, b1, (unsigned)(m1 & 1)};
    out[2] = (corun_life_fnv_map_t){a, b2, (unsigned)(m2 & 1)};
    out[3] = (corun_life_fnv_map_t){a, b3, (unsigned)(m3 & 1)};
}

/* The map of the first `cells` cells of w (1 <= cells <= 64). With the
 * other bits cleared, the word's b counts every cell 64 - cells powers of
 * P too high (the cleared cells add nothing), which P's inverse undoes. */
static corun_life_fnv_map_t map_bits(uint64_t w, unsigned cells) {
    if (cells < 64) w &= (UINT64_C(1) << cells) - 1;
    uint64_t r = prefix_xor(w), b = word_b(r);
    if (cells < 64) {
        uint64_t x = P_INV, k = 64 - cells, f = 1;
        for (; k; k >>= 1, x *= x)
            if (k & 1) f *= x;
        b *= f;
    }
    return (corun_life_fnv_map_t){fnv_pow(cells), b, (unsigned)(r >> 63)};
}

#ifdef GRID_X86
#define P512 (P64 * P64 * P64 * P64 * P64 * P64 * P64 * P64)

/* The map of one run of n full words (n a multiple of 8), eight words a
 * vector: lane l holds word 8i + l. A word's b is the sum of sixteen
 * nibble lookups (vpermt2q: two table registers of 8 entries, the index's
 * low 4 bits; the shifted-out bits above are ignored). Its sign is the
 * parity of the run before it: the words' parities (bit 63 of the prefix
 * XOR) as a mask, prefix-XORed across the lanes. Lane l accumulates
 * acc = acc * P^512 + b, so at the end lane l's sum still lacks the
 * P^(64 * (7 - l)) of its place in a block of eight. */
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"))) static corun_life_fnv_map_t
map_words_avx512(const uint64_t *p, int64_t n) {
    const __m512i p512 = _mm512_set1_epi64((long long)P512);
    __m512i acc = _mm512_setzero_si512();
    unsigned q = 0; /* the run's parity so far */
    for (int64_t i = 0; i < n; i += 8) {
        __m512i r = _mm512_loadu_si512((const void *)(p + i));
        r = _mm512_xor_si512(r, _mm512_slli_epi64(r, 1));
        r = _mm512_xor_si512(r, _mm512_slli_epi64(r, 2));
        r = _mm512_xor_si512(r, _mm512_slli_epi64(r, 4));
        r = _mm512_xor_si512(r, _mm512_slli_epi64(r, 8));
        r = _mm512_xor_si512(r, _mm512_slli_epi64(r, 16));
        r = _mm512_xor_si512(r, _mm512_slli_epi64(r, 32));
        __m512i b = _mm512_permutex2var_epi64(_mm512_load_si512((const void *)NV[0]), r,
                                              _mm512_load_si512((const void *)(NV[0] + 8)));
        for (int k = 1; k < 16; k++) {
            __m512i idx = _mm512_srli_epi64(r, 4 * k);
            b = _mm512_add_epi64(
                b, _mm512_permutex2var_epi64(_mm512_load_si512((const void *)NV[k]), idx,
                                             _mm512_load_si512((const void *)(NV[k] + 8))));
        }
        unsigned par = (unsigned)_mm512_movepi64_mask(r); /* each word's parity */
        unsigned x = par ^ (par << 1);
        x ^= x << 2;
        x ^= x << 4;
        unsigned neg = ((x << 1) ^ (0u - q)) & 0xffu; /* odd parity before the word */
        q ^= (x >> 7) & 1u;
        b = _mm512_mask_sub_epi64(b, (__mmask8)neg, _mm512_setzero_si512(), b);
        acc = _mm512_add_epi64(_mm512_mullo_epi64(acc, p512), b);
    }
    const __m512i place = _mm512_set_epi64(1, (long long)P64, (long long)(P64 * P64),
                                           (long long)(P64 * P64 * P64),
                                           (long long)(P64 * P64 * P64 * P64),
                                           (long long)(P64 * P64 * P64 * P64 * P64),
                                           (long long)(P64 * P64 * P64 * P64 * P64 * P64),
                                           (long long)(P64 * P64 * P64 * P64 * P64 * P64 * P64));
    /* Summed as unsigned words: the arithmetic is mod 2^64 on purpose, and
     * _mm512_reduce_add_epi64 adds signed values (an overflow UBSan flags). */
    uint64_t lane[8], B = 0;
    _mm512_storeu_si512((void *)lane, _mm512_mullo_epi64(acc, place));
    for (int l = 0; l < 8; l++) B += lane[l];
    return (corun_life_fnv_map_t){fnv_pow(64 * (uint64_t)n), B, q};
}
#endif

int grid_hash_level(void) {
#ifdef GRID_X86
    if (corun_cpu_has(CORUN_CPU_AVX512)) return GRID_AVX512;
#endif
    return GRID_PORTABLE;
}

/* Words [j0, j1) of one row: full words eight a vector (AVX-512) or in
 * four lockstep runs, then the leftover full words one by one, then the
 * row's last word if partial. */
static corun_life_fnv_map_t map_row_piece(const corun_life_grid_t *g, const uint64_t *row,
                                          int64_t j0, int64_t j1, int level) {
    const unsigned lastbits = grid_last_bits(g->width);
    int64_t full_end = (j1 == g->wpr && lastbits < 64) ? j1 - 1 : j1;
    corun_life_fnv_map_t m = CORUN_LIFE_FNV_MAP_IDENTITY, run[4];
    int64_t j = j0;
#ifdef GRID_X86
    if (level >= GRID_AVX512 && full_end - j >= 8) {
        int64_t n8 = (full_end - j) / 8 * 8;
        m = map_words_avx512(row + j, n8);
        j += n8;
    }
#else
    (void)level;
#endif
    int64_t n = (full_end - j) / 4;
    if (n > 0) {
        map_words4(row + j, n, run);
        for (int r = 0; r < 4; r++) m = corun_life_fnv_compose(m, run[r]);
        j += 4 * n;
    }
    for (; j < full_end; j++) m = corun_life_fnv_compose(m, map_bits(row[j], 64));
    if (full_end < j1) m = corun_life_fnv_compose(m, map_bits(row[full_end], lastbits));
    return m;
}

static corun_life_fnv_map_t map_range(const corun_life_grid_t *g, int64_t lo, int64_t hi,
                                       int level) {
    corun_life_fnv_map_t m = CORUN_LIFE_FNV_MAP_IDENTITY;
    while (lo < hi) {
        int64_t y = lo / g->wpr, j0 = lo % g->wpr, j1 = j0 + (hi - lo);
        if (j1 > g->wpr) j1 = g->wpr;
        m = corun_life_fnv_compose(m, map_row_piece(g, corun_life_grid_row(g, y), j0, j1, level));
        lo += j1 - j0;
    }
    return m;
}

corun_life_fnv_map_t grid_hash_map_parts(const corun_life_grid_t *g, int parts, int threads,
                                         int level) {
    corun_life_fnv_map_t m = CORUN_LIFE_FNV_MAP_IDENTITY;
    /* Parts finish at about the same time; `ordered` then composes their
     * maps in part order without a shared array. */
#pragma omp parallel for ordered schedule(static, 1) num_threads(threads) if (threads > 1)
    for (int p = 0; p < parts; p++) {
        int64_t lo, hi;
        grid_part(g, p, parts, &lo, &hi);
        corun_life_fnv_map_t mine = map_range(g, lo, hi, level);
#pragma omp ordered
        m = corun_life_fnv_compose(m, mine);
    }
    return m;
}

corun_life_fnv_map_t corun_life_grid_hash_map(const corun_life_grid_t *g, int threads) {
    int parts = grid_parts(g, threads, 1024);
    return grid_hash_map_parts(g, parts, parts, grid_hash_level());
}

uint64_t corun_life_grid_hash(const corun_life_grid_t *g, int threads) {
    return corun_life_fnv_apply(corun_life_grid_hash_map(g, threads), CORUN_FNV1A64_INIT);
}
