/* csv_cuda.cu — the CSV kernels of the cuda backend and their launch glue
 * (the contract is in src/csv/csv_cuda.h; the backend's host logic is
 * src/csv/csv_cuda.c). One source for nvcc and for the host C++ compiler
 * against corun's emulator (kernels/cuda_emu.h).
 *
 * Record index of a piece of the input (csv_cuda_index), all on the device:
 *   1. csv_quote_parity_kernel: one thread per 64-byte chunk, the parity of
 *      its '"' bytes (corun_csv_count_quotes).
 *   2. an exclusive prefix XOR of those parities (csv_dev_scan<XOR>): a
 *      block-level scan in shared memory, a one-thread scan of the block
 *      totals, a pass adding each block's offset. Because the piece starts at
 *      a record start and every '"' of a valid file opens, closes or is half
 *      of a "", the result is "inside quotes" at each chunk's first byte.
 *   3. csv_row_starts_kernel<0>: per chunk, the number of unquoted LFs
 *      (corun_csv_class), i.e. of record starts; an exclusive prefix sum
 *      gives each chunk its place, and csv_row_starts_kernel<1> writes the
 *      starts there in order (stream compaction).
 *   4. csv_parse_kernel: one thread per record runs corun_csv_parse_row,
 *      the one definition of the format (kernels/csv_scan.h), writing the
 *      wanted fields, the field count and any error.
 * The key dictionary is built on the host from the extracted key fields
 * (src/csv/csv_cuda.c): a device hash table would need variable-length key
 * compares and a merge order; the host loop is one hash per record.
 *
 * Stable partition by key id (csv_cuda_partition), a counting sort: the
 * records are cut into groups of consecutive records; csv_key_hist_kernel
 * counts keys per group into hist[key][group], an exclusive prefix sum over
 * that key-major array gives each (key, group) its first output slot, and
 * csv_key_scatter_kernel walks each group in order, so records of one key
 * keep input order (stable) without atomics.
 *
 * The per-thread chunk walks read 64 contiguous bytes per thread, which is
 * not coalesced; simple first, measured later on a device.
 *
 * Errors: every CUDA call goes through CU(), which names the call and the
 * runtime's message (plus the emulator's detail); device memory is freed on
 * every path.
 */
#include "cuda_emu.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv/csv_cuda.h"

#define CSV_CUDA_THREADS 256
#define CSV_CUDA_CHUNK 64      /* bytes per thread in the byte kernels */
#define CSV_CUDA_GROUP 256     /* records per thread in the partition, at least */
#define CSV_CUDA_HIST_MAX (1u << 24) /* hist[] entries at most (64 MiB) */

template <int XOR>
static __device__ __forceinline__ uint32_t csv_op(uint32_t a, uint32_t b) {
    return XOR ? a ^ b : a + b;
}

/* ---------------------------------------------------------------- scans */

/* Exclusive scan of each block's 256 values in place; block totals to tot. */
template <int XOR>
__global__ void __launch_bounds__(CSV_CUDA_THREADS)
csv_scan_blocks_kernel(uint32_t *__restrict__ v, uint32_t n, uint32_t *__restrict__ tot) {
    __shared__ uint32_t sh[CSV_CUDA_THREADS];
    const unsigned t = threadIdx.x;
    const uint32_t i = blockIdx.x * CSV_CUDA_THREADS + t;
    const uint32_t x = i < n ? v[i] : 0;
    sh[t] = x;
    __syncthreads();
    for (unsigned d = 1; d < CSV_CUDA_THREADS; d <<= 1) { /* Hillis-Steele */
        uint32_t y = t >= d ? sh[t - d] : 0;
        __syncthreads();
        sh[t] = csv_op<XOR>(sh[t], y);
        __syncthreads();
    }
    if (i < n) v[i] = XOR ? sh[t] ^ x : sh[t] - x; /* inclusive -> exclusive */
    if (t == CSV_CUDA_THREADS - 1) tot[blockIdx.x] = sh[t];
}

/* The block totals (at most a few thousand: 1024 for a 16 MiB piece) in one
 * thread; tot[nb] receives the grand total. */
template <int XOR>
__global__ void csv_scan_totals_kernel(uint32_t *__restrict__ tot, uint32_t nb) {
    if (threadIdx.x != 0 || blockIdx.x != 0) return;
    uint32_t acc = 0;
    for (uint32_t b = 0; b < nb; b++) {
        uint32_t x = tot[b];
        tot[b] = acc;
        acc = csv_op<XOR>(acc, x);
    }
    tot[nb] = acc;
}

template <int XOR>
__global__ void __launch_bounds__(CSV_CUDA_THREADS)
csv_scan_add_kernel(uint32_t *__restrict__ v, uint32_t n, const uint32_t *__restrict__ tot) {
    const uint32_t i = blockIdx.x * CSV_CUDA_THREADS + threadIdx.x;
    if (i < n) v[i] = csv_op<XOR>(v[i], tot[blockIdx.x]);
}

/* ---------------------------------------------------------------- records */

__global__ void __launch_bounds__(CSV_CUDA_THREADS)
csv_quote_parity_kernel(const unsigned char *__restrict__ b, uint64_t len, uint32_t nchunks,
                        uint32_t *__restrict__ par) {
    const uint32_t c = blockIdx.x * CSV_CUDA_THREADS + threadIdx.x;
    if (c >= nchunks) return;
    const uint64_t from = (uint64_t)c * CSV_CUDA_CHUNK;
    const uint64_t to = from + CSV_CUDA_CHUNK < len ? from + CSV_CUDA_CHUNK : len;
    par[c] = (uint32_t)(corun_csv_count_quotes(b, from, to) & 1);
}

/* WRITE = 0: cnt[c] = record starts in chunk c. WRITE = 1: cnt[c] is the
 * chunk's exclusive offset; writes its starts to starts[1 + offset ...]
 * (starts[0] = 0, the piece's first record). A start is one past an
 * unquoted LF, and only starts below start_lim count. */
template <int WRITE>
__global__ void __launch_bounds__(CSV_CUDA_THREADS)
csv_row_starts_kernel(const unsigned char *__restrict__ b, uint64_t start_lim, uint32_t nchunks,
                      const uint32_t *__restrict__ inq0, uint32_t *__restrict__ cnt,
                      uint32_t *__restrict__ starts) {
    const uint32_t c = blockIdx.x * CSV_CUDA_THREADS + threadIdx.x;
    if (c >= nchunks) return;
    if (WRITE && c == 0) starts[0] = 0;
    const uint64_t from = (uint64_t)c * CSV_CUDA_CHUNK;
    const uint64_t to = from + CSV_CUDA_CHUNK < start_lim ? from + CSV_CUDA_CHUNK : start_lim;
    int inq = (int)(inq0[c] & 1);
    uint32_t k = 0, o = WRITE ? cnt[c] : 0;
    for (uint64_t p = from; p < to; p++) {
        int cl = corun_csv_class(b[p]);
        if (cl == CORUN_CSV_QUOTE) {
            inq ^= 1;
        } else if (cl == CORUN_CSV_LF && !inq && p + 1 < start_lim) {
            if (WRITE) starts[1 + o + k] = (uint32_t)(p + 1);
            k++;
        }
    }
    if (!WRITE) cnt[c] = k;
}

__global__ void __launch_bounds__(CSV_CUDA_THREADS)
csv_parse_kernel(const unsigned char *__restrict__ b, uint64_t len,
                 const uint32_t *__restrict__ starts, uint32_t nrec,
                 const uint32_t *__restrict__ want, int nwant,
                 corun_csv_field_t *__restrict__ fields, csv_cuda_rec_t *__restrict__ recs) {
    const uint32_t i = blockIdx.x * CSV_CUDA_THREADS + threadIdx.x;
    if (i >= nrec) return;
    uint64_t end = 0, eo = 0;
    uint32_t nf = 0;
    int rc = corun_csv_parse_row(b, starts[i], len, want, nwant, fields + (size_t)i * nwant, &end,
                                 &nf, &eo);
    csv_cuda_rec_t r;
    r.end = (uint32_t)end;
    r.nf = nf;
    r.rc = rc;
    r.eoff = (uint32_t)eo;
    recs[i] = r;
}

/* ---------------------------------------------------------------- partition */

__global__ void __launch_bounds__(CSV_CUDA_THREADS)
csv_key_hist_kernel(const uint32_t *__restrict__ keys, uint32_t m, uint32_t per, uint32_t ngroups,
                    uint32_t *__restrict__ hist) {
    const uint32_t g = blockIdx.x * CSV_CUDA_THREADS + threadIdx.x;
    if (g >= ngroups) return;
    const uint32_t from = g * per, to = m - from > per ? from + per : m;
    for (uint32_t i = from; i < to; i++) hist[(size_t)keys[i] * ngroups + g]++;
}

__global__ void __launch_bounds__(CSV_CUDA_THREADS)
csv_key_scatter_kernel(const uint32_t *__restrict__ keys, uint32_t m, uint32_t per,
                       uint32_t ngroups, uint32_t *__restrict__ hist,
                       uint32_t *__restrict__ perm) {
    const uint32_t g = blockIdx.x * CSV_CUDA_THREADS + threadIdx.x;
    if (g >= ngroups) return;
    const uint32_t from = g * per, to = m - from > per ? from + per : m;
    for (uint32_t i = from; i < to; i++) perm[hist[(size_t)keys[i] * ngroups + g]++] = i;
}

/* ================================================================ host */

static int cuda_fail(corun_err_t *err, const char *call, cudaError_t e) {
    const char *d = corun_emu_detail();
    return corun_err_set(err, CORUN_EIO, "cuda csv backend: %s failed: %s (%s)%s%s", call,
                         cudaGetErrorString(e), cudaGetErrorName(e),
                         CORUN_CUDA_EMULATED && d[0] ? "; " : "", CORUN_CUDA_EMULATED ? d : "");
}

#define CU(call)                                                                   \
    do {                                                                           \
        cudaError_t e_ = (call);                                                   \
        if (e_ != cudaSuccess) {                                                   \
            rc = cuda_fail(err, #call, e_);                                        \
            goto fail;                                                             \
        }                                                                          \
    } while (0)

static unsigned csv_blocks(uint64_t n) {
    return (unsigned)((n + CSV_CUDA_THREADS - 1) / CSV_CUDA_THREADS);
}

/* Exclusive scan of v[0..n) in place (n >= 1); tot has csv_blocks(n) + 1
 * entries and ends with the grand total in tot[csv_blocks(n)]. */
template <int XOR>
static int csv_dev_scan(uint32_t *v, uint32_t n, uint32_t *tot, corun_err_t *err) {
    int rc = 0;
    const unsigned nb = csv_blocks(n);
    CORUN_LAUNCH(csv_scan_blocks_kernel<XOR>, dim3(nb), dim3(CSV_CUDA_THREADS), 0, 0, v, n, tot);
    CU(cudaGetLastError());
    CORUN_LAUNCH(csv_scan_totals_kernel<XOR>, dim3(1), dim3(1), 0, 0, tot, nb);
    CU(cudaGetLastError());
    CORUN_LAUNCH(csv_scan_add_kernel<XOR>, dim3(nb), dim3(CSV_CUDA_THREADS), 0, 0, v, n, tot);
    CU(cudaGetLastError());
fail:
    return rc;
}

/* A device must be visible: the emulator counts as one. */
static int csv_require_device(corun_err_t *err) {
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0) {
        cudaGetLastError();
        return corun_err_set(err, CORUN_ENOTSUP, "cuda csv backend: no CUDA device (%s)",
                             e != cudaSuccess ? cudaGetErrorString(e) : "none visible");
    }
    return 0;
}

extern "C" void csv_cuda_window_free(csv_cuda_window_t *w) {
    free(w->starts);
    free(w->recs);
    free(w->fields);
    w->starts = NULL;
    w->recs = NULL;
    w->fields = NULL;
    w->nrec = 0;
}

extern "C" int csv_cuda_index(csv_cuda_window_t *w, corun_err_t *err) {
    unsigned char *d_b = NULL;
    uint32_t *d_par = NULL, *d_cnt = NULL, *d_tot = NULL, *d_starts = NULL, *d_want = NULL;
    corun_csv_field_t *d_fields = NULL;
    csv_cuda_rec_t *d_recs = NULL;
    uint32_t nchunks = 0, nrec = 0, nstarts = 0;
    unsigned nb = 0;
    int rc = 0;
    w->nrec = 0;
    w->too_many = 0;
    w->starts = NULL;
    w->recs = NULL;
    w->fields = NULL;
    if (w->len == 0 || w->start_lim == 0 || w->start_lim > w->len || w->len >= (1u << 31) ||
        w->nwant < 1 || w->nwant > CORUN_CSV_WANT_MAX)
        return corun_err_set(err, CORUN_EINTERNAL,
                             "cuda csv backend: bad piece (internal error)");
    if ((rc = csv_require_device(err))) return rc;
    nchunks = (uint32_t)((w->start_lim + CSV_CUDA_CHUNK - 1) / CSV_CUDA_CHUNK);
    nb = csv_blocks(nchunks);
    CU(cudaMalloc(&d_b, w->len));
    CU(cudaMalloc(&d_par, (size_t)nchunks * sizeof *d_par));
    CU(cudaMalloc(&d_cnt, (size_t)nchunks * sizeof *d_cnt));
    CU(cudaMalloc(&d_tot, ((size_t)nb + 1) * sizeof *d_tot));
    CU(cudaMemcpy(d_b, w->b, w->len, cudaMemcpyHostToDevice));
    /* 1-2: inside-quotes at every chunk start */
    CORUN_LAUNCH(csv_quote_parity_kernel, dim3(nb), dim3(CSV_CUDA_THREADS), 0, 0, d_b,
                 w->start_lim, nchunks, d_par);
    CU(cudaGetLastError());
    if ((rc = csv_dev_scan<1>(d_par, nchunks, d_tot, err))) goto fail;
    /* 3: record starts, counted, scanned, written in order */
    CORUN_LAUNCH(csv_row_starts_kernel<0>, dim3(nb), dim3(CSV_CUDA_THREADS), 0, 0, d_b,
                 w->start_lim, nchunks, d_par, d_cnt, d_starts);
    CU(cudaGetLastError());
    if ((rc = csv_dev_scan<0>(d_cnt, nchunks, d_tot, err))) goto fail;
    CU(cudaMemcpy(&nstarts, d_tot + nb, sizeof nstarts, cudaMemcpyDeviceToHost));
    nrec = nstarts + 1;
    if ((size_t)nrec * (size_t)w->nwant > w->max_fields) {
        w->too_many = 1; /* the caller parses this piece on the CPU */
        goto fail;
    }
    CU(cudaMalloc(&d_starts, (size_t)nrec * sizeof *d_starts));
    CORUN_LAUNCH(csv_row_starts_kernel<1>, dim3(nb), dim3(CSV_CUDA_THREADS), 0, 0, d_b,
                 w->start_lim, nchunks, d_par, d_cnt, d_starts);
    CU(cudaGetLastError());
    /* 4: one thread per record */
    CU(cudaMalloc(&d_want, (size_t)w->nwant * sizeof *d_want));
    CU(cudaMalloc(&d_fields, (size_t)nrec * (size_t)w->nwant * sizeof *d_fields));
    CU(cudaMalloc(&d_recs, (size_t)nrec * sizeof *d_recs));
    CU(cudaMemcpy(d_want, w->want, (size_t)w->nwant * sizeof *d_want, cudaMemcpyHostToDevice));
    CORUN_LAUNCH(csv_parse_kernel, dim3(csv_blocks(nrec)), dim3(CSV_CUDA_THREADS), 0, 0, d_b,
                 w->len, d_starts, nrec, d_want, w->nwant, d_fields, d_recs);
    CU(cudaGetLastError());
    CU(cudaDeviceSynchronize());
    w->starts = (uint32_t *)malloc((size_t)nrec * sizeof *w->starts);
    w->recs = (csv_cuda_rec_t *)malloc((size_t)nrec * sizeof *w->recs);
    w->fields = (corun_csv_field_t *)malloc((size_t)nrec * (size_t)w->nwant * sizeof *w->fields);
    if (!w->starts || !w->recs || !w->fields) {
        rc = corun_err_set(err, CORUN_ENOMEM, "cuda csv backend: out of memory for %u records",
                           nrec);
        goto fail;
    }
    CU(cudaMemcpy(w->starts, d_starts, (size_t)nrec * sizeof *w->starts, cudaMemcpyDeviceToHost));
    CU(cudaMemcpy(w->recs, d_recs, (size_t)nrec * sizeof *w->recs, cudaMemcpyDeviceToHost));
    CU(cudaMemcpy(w->fields, d_fields, (size_t)nrec * (size_t)w->nwant * sizeof *w->fields,
                  cudaMemcpyDeviceToHost));
    w->nrec = nrec;
fail:
    if (rc) csv_cuda_window_free(w);
    cudaFree(d_b);
    cudaFree(d_par);
    cudaFree(d_cnt);
    cudaFree(d_tot);
    cudaFree(d_starts);
    cudaFree(d_want);
    cudaFree(d_fields);
    cudaFree(d_recs);
    return rc;
}

extern "C" int csv_cuda_partition(const uint32_t *keys, size_t m, uint32_t nkeys, uint32_t *perm,
                                  corun_err_t *err) {
    uint32_t *d_keys = NULL, *d_hist = NULL, *d_tot = NULL, *d_perm = NULL;
    uint32_t ngroups = 0, per = 0, nh = 0;
    int rc = 0;
    if (m == 0) return 0;
    if (m >= (1u << 31) || nkeys == 0)
        return corun_err_set(err, CORUN_EINTERNAL,
                             "cuda csv backend: bad partition (internal error)");
    if ((rc = csv_require_device(err))) return rc;
    /* As many groups as the histogram budget allows, but at least
     * CSV_CUDA_GROUP records each: fewer groups, less histogram to scan. */
    ngroups = (uint32_t)((m + CSV_CUDA_GROUP - 1) / CSV_CUDA_GROUP);
    if (ngroups > CSV_CUDA_HIST_MAX / nkeys) ngroups = CSV_CUDA_HIST_MAX / nkeys;
    if (ngroups == 0) ngroups = 1;
    per = (uint32_t)((m + ngroups - 1) / ngroups);
    ngroups = (uint32_t)((m + per - 1) / per);
    if ((uint64_t)nkeys * ngroups >= (1u << 31))
        return corun_err_set(err, CORUN_ERANGE, "cuda csv backend: %u keys are too many to "
                             "partition on the device", nkeys);
    nh = nkeys * ngroups;
    CU(cudaMalloc(&d_keys, m * sizeof *d_keys));
    CU(cudaMalloc(&d_perm, m * sizeof *d_perm));
    CU(cudaMalloc(&d_hist, (size_t)nh * sizeof *d_hist));
    CU(cudaMalloc(&d_tot, ((size_t)csv_blocks(nh) + 1) * sizeof *d_tot));
    CU(cudaMemcpy(d_keys, keys, m * sizeof *d_keys, cudaMemcpyHostToDevice));
    CU(cudaMemset(d_hist, 0, (size_t)nh * sizeof *d_hist));
    CORUN_LAUNCH(csv_key_hist_kernel, dim3(csv_blocks(ngroups)), dim3(CSV_CUDA_THREADS), 0, 0,
                 d_keys, (uint32_t)m, per, ngroups, d_hist);
    CU(cudaGetLastError());
    if ((rc = csv_dev_scan<0>(d_hist, nh, d_tot, err))) goto fail;
    CORUN_LAUNCH(csv_key_scatter_kernel, dim3(csv_blocks(ngroups)), dim3(CSV_CUDA_THREADS), 0, 0,
                 d_keys, (uint32_t)m, per, ngroups, d_hist, d_perm);
    CU(cudaGetLastError());
    CU(cudaDeviceSynchronize());
    CU(cudaMemcpy(perm, d_perm, m * sizeof *perm, cudaMemcpyDeviceToHost));
fail:
    cudaFree(d_keys);
    cudaFree(d_hist);
    cudaFree(d_tot);
    cudaFree(d_perm);
    return rc;
}
