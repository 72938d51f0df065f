/* test_frame_direct.c — frames written as whole chunks (src/h5io/
 * frame_direct.c) store exactly what HDF5's own filter pipeline stores:
 * the Fletcher32 checksum against HDF5's for many lengths and contents
 * (all zero, all one bits, sums that are multiples of 65535), and files
 * written both ways, read back by HDF5 (which verifies every checksum),
 * chunk for chunk equal, from whole frames and from a source copied in
 * pieces. */
#include <CUnit/CUnit.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corun/core.h"
#include "corun/h5io.h"
#include "h5io/h5_int.h"
#include "testlib.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void temp_path(char *p, size_t n, const char *name) {
    snprintf(p, n, "%s", test_tmp_path(name));
}

/* HDF5's checksum of `words` words: a one-chunk dataset written through
 * the Fletcher32 filter, its stored chunk read back raw. */
static uint32_t hdf5_fletcher(const uint64_t *data, size_t words) {
    char path[512];
    temp_path(path, sizeof path, "f32.h5");
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[1] = {words};
    hid_t sp = H5Screate_simple(1, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, dims);
    H5Pset_fletcher32(dcpl);
    hid_t d = H5Dcreate2(file, "d", H5T_STD_U64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    CU_ASSERT_FATAL(d >= 0);
    CU_ASSERT(H5Dwrite(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    hsize_t off[1] = {0}, bytes = 0;
    CU_ASSERT(H5Dget_chunk_storage_size(d, off, &bytes) >= 0);
    CU_ASSERT_EQUAL(bytes, words * 8 + 4);
    uint8_t *raw = malloc(bytes);
    uint32_t mask = 1, sum = 0;
    CU_ASSERT(H5Dread_chunk(d, H5P_DEFAULT, off, &mask, raw) >= 0);
    CU_ASSERT_EQUAL(mask, 0); /* the filter ran */
    CU_ASSERT(memcmp(raw, data, words * 8) == 0);
    for (int i = 0; i < 4; i++) sum |= (uint32_t)raw[words * 8 + i] << (8 * i);
    free(raw);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
    H5Fclose(file);
    unlink(path);
    return sum;
}

static void test_fletcher_matches_hdf5(void) {
    /* lengths around the 64-word blocks and HDF5's 360-word rounds */
    static const size_t lens[] = {1, 2, 15, 16, 17, 90, 91, 180, 181, 1000, 4096, 131072};
    uint64_t *buf = malloc(131072 * 8);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
        const size_t n = lens[li];
        for (int kind = 0; kind < 5; kind++) {
            for (size_t i = 0; i < n; i++)
                buf[i] = kind == 0 ? next_rand()
                         : kind == 1 ? 0
                         : kind == 2 ? ~0ull                   /* every word 0xffff */
                         : kind == 3 ? (i == n - 1 ? 1ull << 63 : 0) /* one bit, at the end */
                                     : 0xff00ff00ff00ff00ull;  /* sum1 = 65280 * 4n */
            const uint32_t want = hdf5_fletcher(buf, n), got = h5io_fletcher32(buf, n * 8);
            if (want != got) fprintf(stderr, "\n  %zu words, kind %d: HDF5 %08x, corun %08x", n, kind, want, got);
            CU_ASSERT_EQUAL(got, want);
            /* the same bytes summed in pieces (any even lengths), by every
             * variant this CPU can run */
            static const unsigned isas[] = {0, CORUN_CPU_AVX2, CORUN_CPU_AVX512};
            for (size_t ii = 0; ii < sizeof isas / sizeof *isas; ii++) {
                if (!corun_cpu_has(isas[ii])) continue;
                for (size_t cut = 2; cut < n * 8; cut = cut * 3 + 2) {
                    h5io_f32_t st = {0, 0, 0};
                    for (size_t at = 0; at < n * 8; at += cut)
                        h5io_fletcher32_add_isa(&st, (const uint8_t *)buf + at,
                                                n * 8 - at < cut ? n * 8 - at : cut, isas[ii]);
                    CU_ASSERT_EQUAL(h5io_fletcher32_end(&st), want);
                }
                h5io_f32_t whole = {0, 0, 0};
                h5io_fletcher32_add_isa(&whole, buf, n * 8, isas[ii]);
                CU_ASSERT_EQUAL(h5io_fletcher32_end(&whole), want);
            }
        }
    }
    free(buf);
}

/* A frame source that copies rows from a grid-sized buffer, counting calls. */
typedef struct piece_src {
    const uint64_t *words;
    int64_t wpr;
    int calls;
    int64_t rows, most; /* rows copied in all, and in the largest call */
} piece_src_t;

static int piece_copy(void *ctx, int64_t y0, int64_t n, uint64_t *dst, int64_t stride) {
    piece_src_t *s = ctx;
    for (int64_t y = 0; y < n; y++)
        memcpy(dst + y * stride, s->words + (y0 + y) * s->wpr, (size_t)s->wpr * 8);
    s->calls++;
    s->rows += n;
    if (n > s->most) s->most = n;
    return 0;
}

static corun_h5_file_t *create(const char *path, int64_t w, int64_t h) {
    corun_h5_meta_t m;
    memset(&m, 0, sizeof m);
    m.width = w;
    m.height = h;
    CU_ASSERT_EQUAL(corun_life_rule_parse("B3/S23", &m.rule, NULL), 0);
    m.format = CORUN_H5_BITS;
    m.codec = CORUN_H5_RAW;
    m.snapshot_every = 1;
    snprintf(m.backend, sizeof m.backend, "omp");
    m.threads = 1;
    m.config_text = m.command_line = "test";
    corun_h5_file_t *f = NULL;
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(corun_h5_create(path, &m, 1, NULL, &f, &err), 0);
    if (err.code) fprintf(stderr, "\n  %s", err.msg);
    return f;
}

static void finish(corun_h5_file_t *f, int64_t gen) {
    corun_h5_stats_t st;
    memset(&st, 0, sizeof st);
    st.final_generation = gen;
    st.status = "complete";
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(corun_h5_finish(f, &st, &err), 0);
}

/* Every stored chunk of path's /frames, with its size and filter mask. */
static uint8_t *read_chunks(const char *path, const char *name, int64_t nframes, int64_t nchunks,
                            size_t cbytes) {
    uint8_t *all = calloc((size_t)(nframes * nchunks), cbytes);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), d = H5Dopen2(file, name, H5P_DEFAULT);
    CU_ASSERT_FATAL(d >= 0);
    hid_t dcpl = H5Dget_create_plist(d);
    hsize_t cd[3];
    CU_ASSERT_EQUAL(H5Pget_chunk(dcpl, 3, cd), 3);
    H5Pclose(dcpl);
    for (int64_t k = 0; k < nframes; k++)
        for (int64_t c = 0; c < nchunks; c++) {
            hsize_t off[3] = {(hsize_t)k, (hsize_t)c * cd[1], 0}, bytes = 0;
            uint32_t mask = 1;
            CU_ASSERT(H5Dget_chunk_storage_size(d, off, &bytes) >= 0);
            CU_ASSERT_EQUAL(bytes, cbytes);
            if (bytes == cbytes)
                CU_ASSERT(H5Dread_chunk(d, H5P_DEFAULT, off, &mask, all + (k * nchunks + c) * cbytes) >= 0);
            CU_ASSERT_EQUAL(mask, 0);
        }
    H5Dclose(d);
    H5Fclose(file);
    return all;
}

static void test_direct_equals_pipeline(void) {
    /* 16384 wide: 2 KiB rows, 512 rows a chunk; 1100 rows: 3 chunks, the
     * last one partial. */
    const int64_t w = 16384 - 5, h = 1100, wpr = corun_life_words_per_row(w), frames = 3;
    uint64_t *grid = malloc((size_t)(h * wpr) * 8);
    CU_ASSERT_PTR_NOT_NULL_FATAL(grid);
    char pa[512], pb[512];
    temp_path(pa, sizeof pa, "direct.h5");
    temp_path(pb, sizeof pb, "pipeline.h5");
    corun_h5_file_t *fa = create(pa, w, h), *fb = create(pb, w, h);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fa);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fb);
    CU_ASSERT_TRUE(corun_h5_takes_rows(fa));
    CU_ASSERT_EQUAL(fa->direct, 2); /* Fletcher32 only: the direct path */
    CU_ASSERT_EQUAL(fa->prev_direct, 2); /* and the previews */
    fb->direct = fb->prev_direct = 0;    /* the same file through H5Dwrite */
    const int64_t rpc = fa->rows_per_chunk, nchunks = (h + rpc - 1) / rpc;
    const int64_t fa_ph = fa->ph, fa_pw = fa->pw;
    CU_ASSERT_EQUAL(nchunks, 3);
    corun_err_t err = {0};
    for (int64_t k = 0; k < frames; k++) {
        for (int64_t i = 0; i < h * wpr; i++)
            grid[i] = k == 1 ? ~0ull : next_rand(); /* frame 1 all alive */
        for (int64_t y = 0; y < h; y++) grid[y * wpr + wpr - 1] &= (1ull << (w & 63)) - 1;
        piece_src_t ps = {grid, wpr, 0, 0, 0};
        corun_h5_rows_t src = {k == 2 ? grid : NULL, piece_copy, &ps};
        CU_ASSERT_EQUAL(corun_h5_append_rows(fa, k, &src, &err), 0);
        /* every row copied once, in pieces of at most 32 KiB (in L1 while
         * they are counted and summed) that never straddle a chunk */
        CU_ASSERT_EQUAL(ps.rows, k == 2 ? 0 : h);
        CU_ASSERT_TRUE(ps.most * wpr * 8 <= 32768);
        CU_ASSERT_TRUE(k == 2 || ps.calls >= nchunks);
        CU_ASSERT_EQUAL(rpc % (k == 2 ? 1 : ps.most), 0);
        CU_ASSERT_EQUAL(corun_h5_append_frame(fb, k, grid, &err), 0);
        int64_t pop = 0; /* h5check.py compares it with the frame */
        for (int64_t i = 0; i < h * wpr; i++) pop += __builtin_popcountll(grid[i]);
        CU_ASSERT_EQUAL(corun_h5_write_pops(fa, k, &pop, 1, &err), 0);
        CU_ASSERT_EQUAL(corun_h5_write_pops(fb, k, &pop, 1, &err), 0);
        CU_ASSERT_EQUAL(corun_h5_flush(fa, &err), 0);
        CU_ASSERT_EQUAL(corun_h5_flush(fb, &err), 0);
    }
    finish(fa, frames - 1);
    finish(fb, frames - 1);
    /* Chunk for chunk the same bytes, checksums included; the last chunk's
     * rows past the grid are not compared (HDF5 leaves them undefined). */
    const size_t cbytes = (size_t)(rpc * wpr) * 8 + 4;
    uint8_t *ca = read_chunks(pa, "frames", frames, nchunks, cbytes),
            *cb = read_chunks(pb, "frames", frames, nchunks, cbytes);
    for (int64_t k = 0; k < frames; k++)
        for (int64_t c = 0; c < nchunks; c++) {
            const uint8_t *a = ca + (k * nchunks + c) * cbytes, *b = cb + (k * nchunks + c) * cbytes;
            if (c < nchunks - 1) CU_ASSERT(memcmp(a, b, cbytes) == 0);
            const int64_t rows = c < nchunks - 1 ? rpc : h - c * rpc;
            CU_ASSERT(memcmp(a, b, (size_t)(rows * wpr) * 8) == 0);
        }
    free(ca);
    free(cb);
    /* the previews' one chunk a frame, checksum included */
    const size_t pbytes = (size_t)(fa_ph * fa_pw) + 4;
    ca = read_chunks(pa, "previews", frames, 1, pbytes);
    cb = read_chunks(pb, "previews", frames, 1, pbytes);
    CU_ASSERT(memcmp(ca, cb, (size_t)frames * pbytes) == 0);
    free(ca);
    free(cb);
    /* And HDF5 reads the direct file back (verifying every checksum), the
     * previews included, as h5py does. */
    char out[4096];
    CU_ASSERT_EQUAL(test_h5check(pa, NULL, out, sizeof out), 0);
    if (!strstr(out, "status complete")) fprintf(stderr, "\n%s", out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "status complete"));
    unlink(pa);
    unlink(pb);
    free(grid);
}

static const test_case_t cases[] = {
    {"Fletcher32 equals HDF5's filter (lengths, zeros, all ones, one bit)", test_fletcher_matches_hdf5},
    {"direct chunks equal the H5Dwrite pipeline's, from pieces and frames", test_direct_equals_pipeline},
    {NULL, NULL}};
CORUN_TEST_SUITE(frame_direct, cases)
