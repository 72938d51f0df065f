/* cuda_selftest.cu — kernels exercising the CUDA features corun relies on,
 * run by the tests on the emulator and on a GPU (see cuda_selftest.h). They
 * are compiled into the library so that nvcc checks them with the rest
 * (warnings, register spills) and a user can run them on a device. */
#include "cuda_emu.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_selftest.h"

#define ST_THREADS 128

/* out[b] = sum of in[] over block b (shuffle tree, then shared memory);
 * live[b] = how many of its values are odd (__syncthreads_count). */
__global__ void __launch_bounds__(ST_THREADS)
st_reduce(const unsigned *in, int n, unsigned long long *out, int *odd) {
    __shared__ unsigned long long warp_sum[ST_THREADS / 32];
    const int i = (int)(blockIdx.x * blockDim.x + threadIdx.x);
    const unsigned v = i < n ? in[i] : 0;
    unsigned long long s = v;
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    if (threadIdx.x % 32 == 0) warp_sum[threadIdx.x / 32] = s;
    const int c = __syncthreads_count(v & 1u);
    if (threadIdx.x == 0) {
        unsigned long long t = 0;
        for (int w = 0; w < ST_THREADS / 32; w++) t += warp_sum[w];
        out[blockIdx.x] = t;
        odd[blockIdx.x] = c;
    }
}

/* Per lane: its value from lane+1 (shfl_down), lane-3 (shfl_up), lane 7
 * (shfl), the warp's ballot of odd values; one atomicAdd per thread. */
__global__ void __launch_bounds__(ST_THREADS)
st_warp(const unsigned *in, int n, unsigned *down, unsigned *up, unsigned *bcast,
        unsigned *ballot, unsigned *total) {
    const int i = (int)(blockIdx.x * blockDim.x + threadIdx.x);
    const unsigned v = i < n ? in[i] : 0;
    const unsigned d = __shfl_down_sync(0xffffffffu, v, 1);
    const unsigned u = __shfl_up_sync(0xffffffffu, v, 3);
    const unsigned b = __shfl_sync(0xffffffffu, v, 7);
    const unsigned bl = __ballot_sync(0xffffffffu, (int)(v & 1u));
    if (i < n) {
        down[i] = d;
        up[i] = u;
        bcast[i] = b;
        ballot[i] = bl;
        atomicAdd(total, v);
    }
}

/* Block b reverses in[b*n .. b*n+n-1] through n words of dynamic shared
 * memory (more than the 48 KiB default when n > 12288). */
__global__ void __launch_bounds__(ST_THREADS) st_dynamic(const unsigned *in, unsigned *out, int n) {
    CORUN_DYNAMIC_SHARED(unsigned, st_dyn);
    const unsigned *src = in + (size_t)blockIdx.x * (size_t)n;
    for (int i = (int)threadIdx.x; i < n; i += (int)blockDim.x) st_dyn[i] = src[i];
    __syncthreads();
    unsigned *dst = out + (size_t)blockIdx.x * (size_t)n;
    for (int i = (int)threadIdx.x; i < n; i += (int)blockDim.x) dst[i] = st_dyn[n - 1 - i];
}

__global__ void st_divergent_sync(int *x) {
    if (threadIdx.x < 16) __syncthreads(); /* half the block never arrives */
    x[threadIdx.x] = 1;
}

__global__ void st_divergent_shfl(int *x) {
    if (threadIdx.x == 5) return; /* lane 5 exits; the rest wait for it */
    x[threadIdx.x] = __shfl_sync(0xffffffffu, (int)threadIdx.x, 0);
}

__global__ void st_oob(int *x, int n) {
    x[n] = 42; /* one past the end, on purpose */
}

static int st_fail(corun_err_t *err, const char *call, cudaError_t e) {
    const char *d = corun_emu_detail();
    return corun_err_set(err, CORUN_EIO, "cuda selftest: %s: %s (%s)%s%s", call,
                         cudaGetErrorString(e), cudaGetErrorName(e),
                         CORUN_CUDA_EMULATED && d[0] ? "; " : "", CORUN_CUDA_EMULATED ? d : "");
}

#define ST(call)                                                                   \
    do {                                                                           \
        cudaError_t e_ = (call);                                                   \
        if (e_ != cudaSuccess) {                                                   \
            rc = st_fail(err, #call, e_);                                          \
            goto out;                                                              \
        }                                                                          \
    } while (0)

extern "C" int corun_cuda_selftest_features(int n, corun_err_t *err) {
    int rc = 0;
    const int nb = (n + ST_THREADS - 1) / ST_THREADS;
    unsigned *h = (unsigned *)malloc((size_t)n * sizeof *h * 5);
    unsigned long long *hs = (unsigned long long *)calloc((size_t)nb, sizeof *hs);
    int *ho = (int *)calloc((size_t)nb, sizeof *ho);
    unsigned *d_in = NULL, *d_out = NULL, *d_total = NULL, htotal = 0;
    unsigned long long *d_sum = NULL;
    int *d_odd = NULL;
    if (!h || !hs || !ho) {
        rc = corun_err_set(err, CORUN_ENOMEM, "cuda selftest: out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++) h[i] = (unsigned)(i * 2654435761u) >> 7;
    ST(cudaMalloc(&d_in, (size_t)n * sizeof *d_in));
    ST(cudaMalloc(&d_out, (size_t)n * 4 * sizeof *d_out));
    ST(cudaMalloc(&d_total, sizeof *d_total));
    ST(cudaMalloc(&d_sum, (size_t)nb * sizeof *d_sum));
    ST(cudaMalloc(&d_odd, (size_t)nb * sizeof *d_odd));
    ST(cudaMemcpy(d_in, h, (size_t)n * sizeof *h, cudaMemcpyHostToDevice));
    ST(cudaMemset(d_total, 0, sizeof *d_total));
    CORUN_LAUNCH(st_reduce, dim3((unsigned)nb), dim3(ST_THREADS), 0, 0, d_in, n, d_sum, d_odd);
    ST(cudaGetLastError());
    CORUN_LAUNCH(st_warp, dim3((unsigned)nb), dim3(ST_THREADS), 0, 0, d_in, n, d_out, d_out + n,
                 d_out + 2 * n, d_out + 3 * n, d_total);
    ST(cudaGetLastError());
    ST(cudaDeviceSynchronize());
    ST(cudaMemcpy(hs, d_sum, (size_t)nb * sizeof *hs, cudaMemcpyDeviceToHost));
    ST(cudaMemcpy(ho, d_odd, (size_t)nb * sizeof *ho, cudaMemcpyDeviceToHost));
    ST(cudaMemcpy(h + n, d_out, (size_t)n * 4 * sizeof *h, cudaMemcpyDeviceToHost));
    ST(cudaMemcpy(&htotal, d_total, sizeof htotal, cudaMemcpyDeviceToHost));
    {
        unsigned total = 0;
        for (int b = 0; b < nb && !rc; b++) {
            unsigned long long s = 0;
            int odd = 0;
            for (int i = b * ST_THREADS; i < n && i < (b + 1) * ST_THREADS; i++) {
                s += h[i];
                odd += (int)(h[i] & 1u);
            }
            if (s != hs[b] || odd != ho[b])
                rc = corun_err_set(err, CORUN_EINTERNAL,
                                   "cuda selftest: block %d: sum %llu odd %d, expected %llu %d", b,
                                   hs[b], ho[b], s, odd);
        }
        for (int i = 0; i < n && !rc; i++) {
            const int lane = i % 32, w0 = i - lane;
            const unsigned v = h[i];
            const unsigned dn = lane < 31 && i + 1 < n ? h[i + 1] : (lane < 31 ? 0 : v);
            const unsigned upv = lane >= 3 ? h[i - 3] : v;
            const unsigned bc = w0 + 7 < n ? h[w0 + 7] : 0;
            unsigned bl = 0;
            for (int k = 0; k < 32 && w0 + k < n; k++) bl |= (h[w0 + k] & 1u) << k;
            total += v;
            if (h[n + i] != dn || h[2 * n + i] != upv || h[3 * n + i] != bc || h[4 * n + i] != bl)
                rc = corun_err_set(err, CORUN_EINTERNAL,
                                   "cuda selftest: lane %d: down %u up %u shfl %u ballot %08x, "
                                   "expected %u %u %u %08x",
                                   i, h[n + i], h[2 * n + i], h[3 * n + i], h[4 * n + i], dn, upv,
                                   bc, bl);
        }
        if (!rc && total != htotal)
            rc = corun_err_set(err, CORUN_EINTERNAL, "cuda selftest: atomicAdd total %u, expected %u",
                               htotal, total);
    }
out:
    cudaFree(d_in);
    cudaFree(d_out);
    cudaFree(d_total);
    cudaFree(d_sum);
    cudaFree(d_odd);
    free(h);
    free(hs);
    free(ho);
    return rc;
}

extern "C" int corun_cuda_selftest_divergence(int which, corun_err_t *err) {
    if (!CORUN_CUDA_EMULATED)
        return corun_err_set(err, CORUN_ENOTSUP, "cuda selftest: divergence checks are emulator-only");
    int rc = 0, *d = NULL;
    ST(cudaMalloc(&d, 64 * sizeof *d));
    if (which == 0)
        CORUN_LAUNCH(st_divergent_sync, dim3(2), dim3(64), 0, 0, d);
    else
        CORUN_LAUNCH(st_divergent_shfl, dim3(1), dim3(32), 0, 0, d);
    ST(cudaGetLastError());
    ST(cudaDeviceSynchronize());
    rc = corun_err_set(err, CORUN_EINTERNAL, "cuda selftest: the divergent kernel ran without error");
out:
    cudaFree(d);
    cudaDeviceReset(); /* the failure is sticky until the context is reset */
    return rc;
}

extern "C" int corun_cuda_selftest_oob(int n, corun_err_t *err) {
    int rc = 0, *d = NULL;
    ST(cudaMalloc(&d, (size_t)n * sizeof *d));
    CORUN_LAUNCH(st_oob, dim3(1), dim3(1), 0, 0, d, n);
    ST(cudaGetLastError());
    ST(cudaDeviceSynchronize());
out:
    cudaFree(d);
    return rc;
}

extern "C" int corun_cuda_selftest_dynamic_shared(int n, corun_err_t *err) {
    int rc = 0, dev = 0;
    const int nb = 3;
    const size_t bytes = (size_t)n * sizeof(unsigned);
    unsigned *h = (unsigned *)malloc(bytes * nb * 2), *d_in = NULL, *d_out = NULL;
    cudaDeviceProp prop;
    if (!h) return corun_err_set(err, CORUN_ENOMEM, "cuda selftest: out of memory");
    ST(cudaGetDevice(&dev));
    ST(cudaGetDeviceProperties(&prop, dev));
    if (bytes > prop.sharedMemPerBlockOptin) {
        rc = corun_err_set(err, CORUN_ENOTSUP,
                           "cuda selftest: %zu bytes of shared memory per block, the device "
                           "allows %zu", bytes, (size_t)prop.sharedMemPerBlockOptin);
        goto out;
    }
    for (int i = 0; i < n * nb; i++) h[i] = (unsigned)i * 2654435761u;
    ST(cudaMalloc(&d_in, bytes * nb));
    ST(cudaMalloc(&d_out, bytes * nb));
    ST(cudaMemcpy(d_in, h, bytes * nb, cudaMemcpyHostToDevice));
    if (bytes > prop.sharedMemPerBlock) {
        /* Without opting in, the launch must fail (and not stick). */
        CORUN_LAUNCH(st_dynamic, dim3(nb), dim3(ST_THREADS), bytes, 0, d_in, d_out, n);
        if (cudaGetLastError() == cudaSuccess) {
            rc = corun_err_set(err, CORUN_EINTERNAL,
                               "cuda selftest: %zu bytes of dynamic shared memory launched "
                               "without cudaFuncSetAttribute", bytes);
            goto out;
        }
        ST(cudaFuncSetAttribute(st_dynamic, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)bytes));
    }
    CORUN_LAUNCH(st_dynamic, dim3(nb), dim3(ST_THREADS), bytes, 0, d_in, d_out, n);
    ST(cudaGetLastError());
    ST(cudaDeviceSynchronize());
    ST(cudaMemcpy(h + (size_t)n * nb, d_out, bytes * nb, cudaMemcpyDeviceToHost));
    for (int b = 0; b < nb && !rc; b++)
        for (int i = 0; i < n && !rc; i++)
            if (h[(size_t)n * nb + (size_t)b * n + i] != h[(size_t)b * n + (n - 1 - i)])
                rc = corun_err_set(err, CORUN_EINTERNAL,
                                   "cuda selftest: dynamic shared memory, block %d word %d: %u, "
                                   "expected %u", b, i, h[(size_t)n * nb + (size_t)b * n + i],
                                   h[(size_t)b * n + (n - 1 - i)]);
out:
    cudaFree(d_in);
    cudaFree(d_out);
    free(h);
    return rc;
}
