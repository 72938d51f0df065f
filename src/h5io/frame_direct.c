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

#include "corun/core.h"
#include "corun/life.h"
#include "h5_int.h"

/* Words per block: the block's sums fit 32 bits (64 * 64 * 65535 < 2^32). */
#define F32_BLOCK 64

/* HDF5's Fletcher32 of len bytes (len even): over big-endian 16-bit words,
 * sum1 = sum of the words and sum2 = sum of sum1's running values, both
 * mod 65535 in ones' complement (a non-zero sum that is a multiple of
 * 65535 is 65535; only all-zero data gives 0), returned as sum2 << 16 |
 * sum1. A block of 64 words adds 64 * sum1 + sum (64 - j) * w_j to sum2. */
static inline __attribute__((always_inline)) uint32_t fletcher_body(const uint8_t *p, size_t len) {
    size_t n = len / 2;
    uint64_t s1 = 0, s2 = 0;
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
    for (; n; n--, p += 2) {
        const uint32_t w = (uint32_t)p[0] << 8 | p[1];
        s1 += w;
        s2 += s1;
        any |= w;
    }
    s1 %= 65535;
    s2 %= 65535;
    if (any) {
        if (!s1) s1 = 65535;
        if (!s2) s2 = 65535;
    }
    return (uint32_t)(s2 << 16 | s1);
}

static uint32_t fletcher_portable(const uint8_t *p, size_t len) { return fletcher_body(p, len); }

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) static uint32_t fletcher_avx2(const uint8_t *p, size_t len) {
    return fletcher_body(p, len);
}
__attribute__((target("avx512f,avx512bw,avx512vl,prefer-vector-width=512"))) static uint32_t
fletcher_avx512(const uint8_t *p, size_t len) {
    return fletcher_body(p, len);
}
#endif

uint32_t h5io_fletcher32(const void *data, size_t len) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (corun_cpu_has(CORUN_CPU_AVX512)) return fletcher_avx512(data, len);
    if (corun_cpu_has(CORUN_CPU_AVX2)) return fletcher_avx2(data, len);
#endif
    return fletcher_portable(data, len);
}

void h5io_direct_setup(corun_h5_file_t *f) {
    f->direct = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (f->nranks > 1 || f->meta.format != CORUN_H5_BITS || f->frames < 0) return;
    hid_t dcpl = H5Dget_create_plist(f->frames);
    if (dcpl < 0) return;
    const int nf = H5Pget_nfilters(dcpl);
    unsigned flags = 0;
    size_t ncd = 0;
    char name[32];
    unsigned cfg = 0;
    const H5Z_filter_t id =
        nf == 1 ? H5Pget_filter2(dcpl, 0, &flags, &ncd, NULL, sizeof name, name, &cfg) : -1;
    H5Pclose(dcpl);
    H5Eclear2(H5E_DEFAULT);
    if (nf == 0) f->direct = 1;
    else if (nf == 1 && id == H5Z_FILTER_FLETCHER32) f->direct = 2;
    if (!f->direct) return;
    f->chunk_buf = malloc((size_t)(f->rows_per_chunk * f->x) * 8 + 8);
    if (!f->chunk_buf) f->direct = 0; /* the H5Dwrite path needs no buffer of its own */
#endif
}

int h5io_direct_frame(corun_h5_file_t *f, int64_t k, const corun_h5_rows_t *src) {
    const int64_t wpr = f->x, rpc = f->rows_per_chunk;
    uint64_t *buf = f->chunk_buf;
    for (int64_t y0 = 0; y0 < f->rows; y0 += rpc) {
        const int64_t n = f->rows - y0 < rpc ? f->rows - y0 : rpc;
        if (src->words) memcpy(buf, src->words + y0 * wpr, (size_t)(n * wpr) * 8);
        else if (src->copy(src->ctx, y0, n, buf, wpr)) return -1;
        /* The last chunk's rows past the grid: stored, never read. */
        if (n < rpc) memset(buf + n * wpr, 0, (size_t)((rpc - n) * wpr) * 8);
        if (f->prevs >= 0)
            corun_life_preview_count(buf, wpr, f->meta.width, f->row0 + y0, n, f->pblock, 0,
                                     f->pcounts);
        size_t bytes = (size_t)(rpc * wpr) * 8;
        if (f->direct == 2) {
            const uint32_t sum = h5io_fletcher32(buf, bytes);
            uint8_t *tail = (uint8_t *)buf + bytes; /* stored little-endian, as HDF5 does */
            for (int i = 0; i < 4; i++) tail[i] = (uint8_t)(sum >> (8 * i));
            bytes += 4;
        }
        const hsize_t off[3] = {(hsize_t)k, (hsize_t)(f->row0 + y0), 0};
        if (H5Dwrite_chunk(f->frames, H5P_DEFAULT, 0, off, bytes, buf) < 0) return -1;
    }
    return 0;
}
