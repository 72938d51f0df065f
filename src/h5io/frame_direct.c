/* frame_direct.c — bit-packed frames written as whole chunks, around
 * HDF5's gather and filter pipeline (H5Dwrite_chunk).
 *
 * Why: a frame through H5Dwrite is gathered into HDF5's chunk buffer (a
 * copy), checksummed by HDF5's scalar Fletcher32 (a second pass, two
 * bytes at a time) and written; with the preview count and the copy out of
 * the stepper's buffer, the I/O thread went over a 32 MiB frame four
 * times. Here each chunk (about 1 MiB, so it stays in L2) is filled from
 * the frame's source once, counted for the preview and checksummed while
 * it is in cache, and handed to HDF5 as the finished chunk: one pass over
 * the frame in memory, one write.
 *
 * Only where that is exactly what HDF5 would have stored: one process (the
 * direct chunk write is not available to parallel HDF5), bit-packed
 * frames without compression, little-endian words, and a filter pipeline
 * of Fletcher32 alone or nothing. Anything else takes the H5Dwrite path.
 * The checksum is HDF5's own definition, computed in blocks so that gcc
 * vectorises it; tests/test_snapshots.c compares both paths' chunks byte
 * for byte (H5Dread_chunk) on random, all-dead and all-alive frames. */
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "corun/core.h"
#include "corun/life.h"
#include "h5_int.h"

/* Words per block: the block's sums fit 32 bits (64 * 64 * 65535 < 2^32). */
#define F32_BLOCK 64

/* HDF5's Fletcher32 of len bytes (len even): over big-endian 16-bit words,
 * sum1 = sum of the words and sum2 = sum of sum1's running values, both
 * mod 65535 in ones' complement (a non-zero sum that is a multiple of
 * 65535 is 65535; only all-zero data gives 0), returned as sum2 << 16 |
 * sum1. A block of 64 words adds 64 * sum1 + sum (64 - j) * w_j to sum2.
 * The sums are carried in st, so that a chunk can be summed in pieces
 * while each piece is in the cache (h5io_direct_frame). */
static inline __attribute__((always_inline)) void fletcher_body(h5io_f32_t *st, const uint8_t *p,
                                                               size_t len) {
    size_t n = len / 2;
    uint64_t s1 = st->s1, s2 = st->s2;
    uint32_t any = 0;
    for (; n >= F32_BLOCK; n -= F32_BLOCK, p += 2 * F32_BLOCK) {
        uint32_t a = 0, b = 0;
        for (uint32_t j = 0; j < F32_BLOCK; j++) {
            const uint32_t w = (uint32_t)p[2 * j] << 8 | p[2 * j + 1];
            a += w;
            b += (F32_BLOCK - j) * w;
        }
        s2 = (s2 + F32_BLOCK * s1 + b) % 65535;
        s1 = (s1 + a) % 65535;
        any |= a;
    }
    for (; n; n--, p += 2) { /* fewer than 64 words: s2 stays below 2^40 */
        const uint32_t w = (uint32_t)p[0] << 8 | p[1];
        s1 += w;
        s2 += s1;
        any |= w;
    }
    st->s1 = s1 % 65535;
    st->s2 = s2 % 65535;
    st->any |= any;
}

static void fletcher_portable(h5io_f32_t *st, const uint8_t *p, size_t len) {
    fletcher_body(st, p, len);
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) static void fletcher_avx2(h5io_f32_t *st, const uint8_t *p,
                                                          size_t len) {
    fletcher_body(st, p, len);
}
/* AVX-512: 64 bytes (32 words) a step, into per-lane sums. With A the
 * words' sums per lane and P the running sums of A after each step, a run
 * of V steps adds sum(A) to sum1 and 32 * V * sum1 + 32 * sum(P) -
 * sum(l * A_l) to sum2 (l: the word's place in the 32, (n - j) spelt out
 * per step and lane). Lanes are 32 bits: after 256 steps P's lanes are at
 * most 65535 * 256 * 257 / 2 < 2^32, so a run is at most 256 steps. */
__attribute__((target("avx512f,avx512bw,avx512vl,prefer-vector-width=512"))) static void
fletcher_avx512(h5io_f32_t *st, const uint8_t *p, size_t len) {
    /* bytes 0 1 2 3 of each dword to 1 0 3 2: the two big-endian words of
     * the dword as its low and high halves */
    const __m512i swap = _mm512_set4_epi32(0x0e0f0c0d, 0x0a0b0809, 0x06070405, 0x02030001);
    const __m512i low = _mm512_set1_epi32(0xffff);
    /* the word's place in its 32: 2k for the low halves, 2k + 1 for the high */
    const __m512i wlo = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i whi = _mm512_add_epi32(wlo, _mm512_set1_epi32(1));
    uint64_t s1 = st->s1, s2 = st->s2;
    size_t steps = len / 64;
    uint32_t any = 0;
    while (steps) {
        const size_t v = steps < 256 ? steps : 256;
        __m512i alo = _mm512_setzero_si512(), ahi = alo, plo = alo, phi = alo;
        for (size_t i = 0; i < v; i++, p += 64) {
            const __m512i d = _mm512_shuffle_epi8(_mm512_loadu_si512(p), swap);
            alo = _mm512_add_epi32(alo, _mm512_and_si512(d, low));
            ahi = _mm512_add_epi32(ahi, _mm512_srli_epi32(d, 16));
            plo = _mm512_add_epi32(plo, alo);
            phi = _mm512_add_epi32(phi, ahi);
        }
        /* the lane sums, widened to 64 bits */
        const __m512i a = _mm512_add_epi64(
            _mm512_add_epi64(_mm512_cvtepu32_epi64(_mm512_castsi512_si256(alo)),
                             _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(alo, 1))),
            _mm512_add_epi64(_mm512_cvtepu32_epi64(_mm512_castsi512_si256(ahi)),
                             _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(ahi, 1))));
        const __m512i pp = _mm512_add_epi64(
            _mm512_add_epi64(_mm512_cvtepu32_epi64(_mm512_castsi512_si256(plo)),
                             _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(plo, 1))),
            _mm512_add_epi64(_mm512_cvtepu32_epi64(_mm512_castsi512_si256(phi)),
                             _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(phi, 1))));
        /* l * A_l: each product below 31 * 65535 * 256 < 2^32 */
        const __m512i la = _mm512_add_epi32(_mm512_mullo_epi32(alo, wlo), _mm512_mullo_epi32(ahi, whi));
        const __m512i law = _mm512_add_epi64(_mm512_cvtepu32_epi64(_mm512_castsi512_si256(la)),
                                             _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(la, 1)));
        const uint64_t sa = (uint64_t)_mm512_reduce_add_epi64(a);
        const uint64_t sb = 32 * (uint64_t)_mm512_reduce_add_epi64(pp) -
                            (uint64_t)_mm512_reduce_add_epi64(law);
        s2 = (s2 + (32 * v % 65535) * s1 + sb % 65535) % 65535;
        s1 = (s1 + sa) % 65535;
        any |= sa != 0;
        steps -= v;
    }
    st->s1 = s1;
    st->s2 = s2;
    st->any |= any;
    fletcher_body(st, p, len % 64);
}
#endif

void h5io_fletcher32_add_isa(h5io_f32_t *st, const void *data, size_t len, unsigned features) {
#if defined(__x86_64__) && defined(__GNUC__)
    if ((features & CORUN_CPU_AVX512) == CORUN_CPU_AVX512) {
        fletcher_avx512(st, data, len);
        return;
    }
    if (features & CORUN_CPU_AVX2) {
        fletcher_avx2(st, data, len);
        return;
    }
#else
    (void)features;
#endif
    fletcher_portable(st, data, len);
}

void h5io_fletcher32_add(h5io_f32_t *st, const void *data, size_t len) {
    h5io_fletcher32_add_isa(st, data, len, corun_cpu_features());
}

uint32_t h5io_fletcher32_end(const h5io_f32_t *st) {
    uint64_t s1 = st->s1, s2 = st->s2;
    if (st->any) {
        if (!s1) s1 = 65535;
        if (!s2) s2 = 65535;
    }
    return (uint32_t)(s2 << 16 | s1);
}

uint32_t h5io_fletcher32(const void *data, size_t len) {
    h5io_f32_t st = {0, 0, 0};
    h5io_fletcher32_add(&st, data, len);
    return h5io_fletcher32_end(&st);
}

/* How a dataset's chunks can be written whole: 1 no filters, 2 Fletcher32
 * alone, 0 not at all (anything else in its filter pipeline). */
static int direct_kind(hid_t d) {
    hid_t dcpl = H5Dget_create_plist(d);
    if (dcpl < 0) return 0;
    const int nf = H5Pget_nfilters(dcpl);
    unsigned flags = 0;
    size_t ncd = 0;
    char name[32];
    unsigned cfg = 0;
    const H5Z_filter_t id =
        nf == 1 ? H5Pget_filter2(dcpl, 0, &flags, &ncd, NULL, sizeof name, name, &cfg) : -1;
    H5Pclose(dcpl);
    H5Eclear2(H5E_DEFAULT);
    return nf == 0 ? 1 : nf == 1 && id == H5Z_FILTER_FLETCHER32 ? 2 : 0;
}

void h5io_direct_setup(corun_h5_file_t *f) {
    f->direct = f->prev_direct = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (f->nranks > 1) return;
    /* The previews' one chunk a frame, from pvals (which has room for the
     * checksum after the values). */
    if (f->prevs >= 0 && f->pvals) f->prev_direct = direct_kind(f->prevs);
    if (f->meta.format != CORUN_H5_BITS || f->frames < 0) return;
    f->direct = direct_kind(f->frames);
    if (!f->direct) return;
    f->chunk_buf = malloc((size_t)(f->rows_per_chunk * f->x) * 8 + 8);
    if (!f->chunk_buf) f->direct = 0; /* the H5Dwrite path needs no buffer of its own */
#endif
}

int h5io_direct_preview(corun_h5_file_t *f, int64_t k) {
    size_t bytes = (size_t)(f->ph * f->pw);
    if (f->prev_direct == 2) {
        const uint32_t c = h5io_fletcher32(f->pvals, bytes);
        for (int i = 0; i < 4; i++) f->pvals[bytes + (size_t)i] = (uint8_t)(c >> (8 * i));
        bytes += 4;
    }
    const hsize_t off[3] = {(hsize_t)k, 0, 0};
    return H5Dwrite_chunk(f->prevs, H5P_DEFAULT, 0, off, bytes, f->pvals) < 0 ? -1 : 0;
}

/* Rows per piece: a chunk is filled, counted and summed a piece at a time
 * so that the piece is still in L1 (about 32 KiB) when the preview count
 * and the checksum read it; the chunk as a whole (1 MiB) would have left
 * L2 by then. */
static int64_t piece_rows(int64_t wpr) {
    const int64_t r = ((int64_t)32 << 10) / (wpr * 8);
    return r < 1 ? 1 : r;
}

int h5io_direct_frame(corun_h5_file_t *f, int64_t k, const corun_h5_rows_t *src) {
    const int64_t wpr = f->x, rpc = f->rows_per_chunk, pr = piece_rows(wpr);
    uint64_t *buf = f->chunk_buf;
    for (int64_t y0 = 0; y0 < f->rows; y0 += rpc) {
        const int64_t n = f->rows - y0 < rpc ? f->rows - y0 : rpc;
        h5io_f32_t sum = {0, 0, 0};
        for (int64_t p0 = 0; p0 < rpc; p0 += pr) {
            const int64_t pn = rpc - p0 < pr ? rpc - p0 : pr; /* rows of the chunk */
            const int64_t m = n - p0 < 0 ? 0 : n - p0 < pn ? n - p0 : pn; /* of the grid */
            uint64_t *piece = buf + p0 * wpr;
            if (m > 0 && src->words) memcpy(piece, src->words + (y0 + p0) * wpr, (size_t)(m * wpr) * 8);
            else if (m > 0 && src->copy(src->ctx, y0 + p0, m, piece, wpr)) return -1;
            /* The last chunk's rows past the grid: stored, never read. */
            if (m < pn) memset(piece + m * wpr, 0, (size_t)((pn - m) * wpr) * 8);
            if (m > 0 && f->prevs >= 0)
                corun_life_preview_count(piece, wpr, f->meta.width, f->row0 + y0 + p0, m,
                                         f->pblock, 0, f->pcounts);
            if (f->direct == 2) h5io_fletcher32_add(&sum, piece, (size_t)(pn * wpr) * 8);
        }
        size_t bytes = (size_t)(rpc * wpr) * 8;
        if (f->direct == 2) {
            const uint32_t c = h5io_fletcher32_end(&sum);
            uint8_t *tail = (uint8_t *)buf + bytes; /* stored little-endian, as HDF5 does */
            for (int i = 0; i < 4; i++) tail[i] = (uint8_t)(c >> (8 * i));
            bytes += 4;
        }
        const hsize_t off[3] = {(hsize_t)k, (hsize_t)(f->row0 + y0), 0};
        if (H5Dwrite_chunk(f->frames, H5P_DEFAULT, 0, off, bytes, buf) < 0) return -1;
    }
    return 0;
}
