/* fib_cuda.cu — the cuda Fibonacci backend: the linear algorithm
 * (a, b = b, a + b on deferred-carry 60-bit limbs, kernels/fib_limb.h), one
 * thread block per task, and its host glue; one source for nvcc and for the
 * host C++ compiler against corun's emulator (kernels/cuda_emu.h).
 *
 * Kernel: the threads of a block own limbs i = tid, tid + 256, ... (a warp
 * touches 32 neighbouring limbs: coalesced). Step t computes every limb of
 * c from limbs i and i-1 of a and b with the shared limb functions, then a
 * barrier, then the three buffers rotate; the four carry-free steps of each
 * cycle are one pass and one barrier (corun_fib_lin_pure4_limb: no
 * neighbour). n steps, then the block writes a
 * = F(n) (not yet normalised) out. Only the limbs F(t+1) can occupy are
 * touched at step t (corun_fib_lin_limbs), so the work grows with the
 * number as in the CPU backends. The carry cycle is counted from step 0, so
 * the digits equal the CPU backends' bit for bit before normalisation.
 *
 * Memory: a, b, c live in shared memory when the batch's largest number
 * fits FIB_SHARED_LIMBS (3 x 12 KiB = 36 KiB: static shared memory, under
 * the 48 KiB every architecture allows without opting in), otherwise in
 * global memory (3 x limbs per task). F(1,000,000) needs 11,600 limbs,
 * 278 KiB for three buffers: more than the static limit, so it runs from
 * global memory (L2-resident on a large GPU) -- unless the device lets a
 * block opt in to more shared memory (227 KiB on Hopper): then a second
 * kernel keeps two buffers in dynamic shared memory and updates them in
 * place, x += y and the roles swap, plus two byte arrays for the carried
 * steps (18 bytes per limb: F(10^6) takes 204 KiB). In place, a carried
 * step needs the high part of the limb below before that limb is
 * overwritten: each thread first stores its limbs' high parts (a byte:
 * they are below 16), a barrier, then writes the new limbs. The byte
 * arrays alternate between carried steps, so no second barrier is needed.
 * Limb for limb the values are those of the three-buffer kernel.
 *
 * A batch runs in waves of 2 blocks per SM, largest n first; each wave's
 * results are normalised and imported into GMP on the host (the same
 * corun_fib_lin_normalise) and handed to the done callback before the next
 * wave starts, so results stream out as waves complete.
 *
 * Errors: every CUDA call goes through CU(), which names the call, the
 * device and the runtime's message (plus the emulator's detail).
 */
#include "cuda_emu.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "corun/core.h" /* and err.h: plain C headers without C++ guards */
}
#include "corun/fib.h" /* has its own guards (and gmp.h must not be extern "C") */
#include "fib_limb.h"

#define FIB_CUDA_THREADS 256
#define FIB_SHARED_LIMBS 1536 /* per buffer; 3 buffers = 36 KiB */

template <int SHARED>
__global__ void __launch_bounds__(FIB_CUDA_THREADS)
fib_linear_kernel(const uint64_t *__restrict__ ns, const uint64_t *__restrict__ offs,
                  const uint64_t *__restrict__ lens, uint64_t *__restrict__ gbuf,
                  uint64_t *__restrict__ out) {
    __shared__ uint64_t sh[SHARED ? 3 * FIB_SHARED_LIMBS : 1];
    const unsigned tid = threadIdx.x, nth = blockDim.x;
    const uint64_t n = ns[blockIdx.x], L = lens[blockIdx.x];
    uint64_t *buf = SHARED ? sh : gbuf + 3 * offs[blockIdx.x];
    for (uint64_t i = tid; i < 3 * L; i += nth) buf[i] = 0;
    __syncthreads();
    uint64_t *a = buf, *b = buf + L, *c = buf + 2 * L;
    if (tid == 0) b[0] = 1; /* a = F(0), b = F(1) */
    __syncthreads();
    for (uint64_t t = 0; t < n;) {
        if (t % CORUN_FIB_CYCLE == 0 && t + 4 <= n) {
            /* Four carry-free steps per limb, no neighbour: one barrier. */
            uint64_t len = corun_fib_lin_limbs(t + 4);
            if (len > L) len = L;
            for (uint64_t i = tid; i < len; i += nth) corun_fib_lin_pure4_limb(a[i], &b[i], &c[i]);
            __syncthreads();
            uint64_t *r = a; /* four rotations of three buffers = one */
            a = b;
            b = c;
            c = r;
            t += 4;
            continue;
        }
        uint64_t len = corun_fib_lin_limbs(t + 1);
        if (len > L) len = L;
        if (corun_fib_lin_carries(t)) {
            for (uint64_t i = tid; i < len; i += nth)
                c[i] = corun_fib_lin_carried(a[i] + b[i], i ? a[i - 1] + b[i - 1] : 0);
        } else {
            for (uint64_t i = tid; i < len; i += nth) c[i] = a[i] + b[i];
        }
        __syncthreads(); /* c complete before anyone reads it as b */
        uint64_t *r = a;
        a = b;
        b = c;
        c = r;
        t++;
    }
    uint64_t *o = out + offs[blockIdx.x];
    for (uint64_t i = tid; i < L; i += nth) o[i] = a[i];
}

/* Two buffers in place in dynamic shared memory: x (older), y (newer), and
 * two carry byte arrays, laid out for lm limbs (the launch's largest). */
__global__ void __launch_bounds__(FIB_CUDA_THREADS)
fib_linear_kernel_dyn(const uint64_t *__restrict__ ns, const uint64_t *__restrict__ offs,
                      const uint64_t *__restrict__ lens, uint64_t lm, uint64_t *__restrict__ out) {
    CORUN_DYNAMIC_SHARED(uint64_t, fib_dyn);
    const unsigned tid = threadIdx.x, nth = blockDim.x;
    const uint64_t n = ns[blockIdx.x], L = lens[blockIdx.x];
    uint64_t *x = fib_dyn, *y = fib_dyn + lm;
    unsigned char *const hi = (unsigned char *)(fib_dyn + 2 * lm); /* two arrays of lm */
    for (uint64_t i = tid; i < L; i += nth) x[i] = y[i] = 0;
    __syncthreads();
    if (tid == 0) y[0] = 1; /* x = F(0), y = F(1) */
    int h = 0;
    /* Between barriers a thread touches only its own limbs of x and y; the
     * carried steps' bytes are the one thing shared. */
    for (uint64_t t = 0; t < n;) {
        if (t % CORUN_FIB_CYCLE == 0 && t + 4 <= n) {
            uint64_t len = corun_fib_lin_limbs(t + 4);
            if (len > L) len = L;
            for (uint64_t i = tid; i < len; i += nth) { /* four steps: the roles end as they began */
                uint64_t a = x[i], b = y[i];
                a += b;
                b += a;
                a += b;
                b += a;
                x[i] = a;
                y[i] = b;
            }
            t += 4;
            continue;
        }
        uint64_t len = corun_fib_lin_limbs(t + 1);
        if (len > L) len = L;
        if (corun_fib_lin_carries(t)) {
            unsigned char *c = hi + (h ? lm : 0); /* not hi[h]: an array would go to local memory */
            h ^= 1;
            for (uint64_t i = tid; i < len; i += nth)
                c[i] = (unsigned char)corun_fib_lin_high(x[i] + y[i]);
            __syncthreads(); /* every high part stored before any limb changes */
            for (uint64_t i = tid; i < len; i += nth)
                x[i] = ((x[i] + y[i]) & CORUN_FIB_DIGIT_MASK) + (i ? c[i - 1] : 0);
        } else {
            for (uint64_t i = tid; i < len; i += nth) x[i] += y[i];
        }
        uint64_t *r = x; /* x now holds the newer number */
        x = y;
        y = r;
        t++;
    }
    uint64_t *o = out + offs[blockIdx.x];
    for (uint64_t i = tid; i < L; i += nth) o[i] = x[i]; /* own limbs: final */
}

/* ================================================================ host */

struct fib_cuda_state {
    int device;
    int wave; /* blocks per launch */
    size_t optin; /* the most shared memory a block may opt in to */
};

static int cuda_fail(corun_err_t *err, int device, const char *call, cudaError_t e) {
    const char *d = corun_emu_detail();
    return corun_err_set(err, CORUN_EIO, "cuda fib backend: %s on device %d failed: %s (%s)%s%s",
                         call, device, cudaGetErrorString(e), cudaGetErrorName(e),
                         CORUN_CUDA_EMULATED && d[0] ? "; " : "",
                         CORUN_CUDA_EMULATED ? d : "");
}

#define CU(call)                                                                   \
    do {                                                                           \
        cudaError_t e_ = (call);                                                   \
        if (e_ != cudaSuccess) {                                                   \
            rc = cuda_fail(err, dev, #call, e_);                                   \
            goto fail;                                                             \
        }                                                                          \
    } while (0)

static int fib_cuda_init(void **state, const corun_fib_params_t *p, corun_err_t *err) {
    *state = NULL;
    if (p->algo != CORUN_FIB_LINEAR)
        return corun_err_set(err, CORUN_EINVAL,
                             "algo: '%s' does not run on the cuda backend (it runs the linear "
                             "algorithm: --algo linear)",
                             corun_fib_algo_name(p->algo));
    int rc = 0, dev = p->device < 0 ? 0 : p->device, count = 0;
    cudaDeviceProp prop;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0) {
        cudaGetLastError();
        return corun_err_set(err, CORUN_ENOTSUP, "cuda fib backend: no CUDA device (%s)",
                             e != cudaSuccess ? cudaGetErrorString(e) : "none visible");
    }
    if (dev >= count)
        return corun_err_set(err, CORUN_EINVAL,
                             "device: %d, but only %d CUDA device(s) are visible", dev, count);
    fib_cuda_state *s = (fib_cuda_state *)calloc(1, sizeof *s);
    if (!s) return corun_err_set(err, CORUN_ENOMEM, "cuda fib backend: out of memory");
    s->device = dev;
    CU(cudaSetDevice(dev));
    CU(cudaGetDeviceProperties(&prop, dev));
    s->wave = 2 * (prop.multiProcessorCount > 0 ? prop.multiProcessorCount : 1);
    s->optin = prop.sharedMemPerBlockOptin;
    *state = s;
    return 0;
fail:
    free(s);
    return rc;
}

/* One wave: tasks order[0..k). */
static int run_wave(fib_cuda_state *s, const uint64_t *n, const size_t *order, size_t k,
                    corun_fib_done_cb done, void *user, corun_err_t *err) {
    int rc = 0, dev = s->device;
    uint64_t *h_n = (uint64_t *)malloc(k * sizeof *h_n), *h_off = (uint64_t *)malloc(k * 8),
             *h_len = (uint64_t *)malloc(k * 8), *h_out = NULL;
    uint64_t *d_n = NULL, *d_off = NULL, *d_len = NULL, *d_buf = NULL, *d_out = NULL;
    uint64_t total = 0, maxlen = 0;
    double t0 = corun_now(), secs;
    int shared, dynamic;
    size_t dyn_bytes;
    if (!h_n || !h_off || !h_len) {
        rc = corun_err_set(err, CORUN_ENOMEM, "cuda fib backend: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < k; i++) {
        h_n[i] = n[order[i]];
        h_len[i] = corun_fib_lin_limbs(h_n[i]);
        h_off[i] = total;
        total += h_len[i];
        if (h_len[i] > maxlen) maxlen = h_len[i];
    }
    /* Static shared memory if the numbers fit it, else dynamic shared memory
     * if the device allows enough, else global memory. CORUN_FIB_CUDA_GLOBAL=1
     * forces global and CORUN_FIB_CUDA_DYNAMIC=1 dynamic memory (where it
     * fits), so the tests cover those paths with numbers small enough for
     * the emulator. */
    dyn_bytes = (size_t)maxlen * 18 + 16;
    dynamic = !getenv("CORUN_FIB_CUDA_GLOBAL") && dyn_bytes <= s->optin &&
              (maxlen > FIB_SHARED_LIMBS || getenv("CORUN_FIB_CUDA_DYNAMIC"));
    shared = !dynamic && maxlen <= FIB_SHARED_LIMBS && !getenv("CORUN_FIB_CUDA_GLOBAL");
    h_out = (uint64_t *)malloc(total * sizeof *h_out);
    if (!h_out) {
        rc = corun_err_set(err, CORUN_ENOMEM, "cuda fib backend: out of memory for %llu limbs",
                           (unsigned long long)total);
        goto fail;
    }
    CU(cudaSetDevice(dev));
    CU(cudaMalloc(&d_n, k * 8));
    CU(cudaMalloc(&d_off, k * 8));
    CU(cudaMalloc(&d_len, k * 8));
    CU(cudaMalloc(&d_out, total * 8));
    if (!shared && !dynamic) CU(cudaMalloc(&d_buf, 3 * total * 8));
    CU(cudaMemcpy(d_n, h_n, k * 8, cudaMemcpyHostToDevice));
    CU(cudaMemcpy(d_off, h_off, k * 8, cudaMemcpyHostToDevice));
    CU(cudaMemcpy(d_len, h_len, k * 8, cudaMemcpyHostToDevice));
    if (dynamic) {
        CU(cudaFuncSetAttribute(fib_linear_kernel_dyn, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                (int)dyn_bytes));
        CORUN_LAUNCH(fib_linear_kernel_dyn, dim3((unsigned)k), dim3(FIB_CUDA_THREADS), dyn_bytes, 0,
                     d_n, d_off, d_len, maxlen, d_out);
    } else if (shared)
        CORUN_LAUNCH(fib_linear_kernel<1>, dim3((unsigned)k), dim3(FIB_CUDA_THREADS), 0, 0, d_n,
                     d_off, d_len, d_buf, d_out);
    else
        CORUN_LAUNCH(fib_linear_kernel<0>, dim3((unsigned)k), dim3(FIB_CUDA_THREADS), 0, 0, d_n,
                     d_off, d_len, d_buf, d_out);
    CU(cudaGetLastError());
    CU(cudaDeviceSynchronize());
    CU(cudaMemcpy(h_out, d_out, total * 8, cudaMemcpyDeviceToHost));
    secs = corun_now() - t0;
    for (size_t i = 0; i < k && !rc; i++) {
        uint64_t *d = h_out + h_off[i];
        if (corun_fib_lin_normalise(d, h_len[i]) != 0) {
            rc = corun_err_set(err, CORUN_EINTERNAL, "cuda fib backend: F(%llu): carry out of "
                               "the top limb", (unsigned long long)h_n[i]);
            break;
        }
        corun_fib_result_t *r = (corun_fib_result_t *)malloc(sizeof *r);
        if (!r) {
            rc = corun_err_set(err, CORUN_ENOMEM, "cuda fib backend: out of memory");
            break;
        }
        r->task = order[i];
        r->n = h_n[i];
        r->seconds = secs;
        r->threads = 1;
        mpz_init(r->value);
        mpz_import(r->value, h_len[i], -1, sizeof(uint64_t), 0, 64 - CORUN_FIB_DIGIT_BITS, d);
        if ((rc = done(user, r)) != 0)
            corun_err_set(err, rc, "cuda fib backend: stopped by the result handler");
    }
fail:
    cudaFree(d_n);
    cudaFree(d_off);
    cudaFree(d_len);
    cudaFree(d_buf);
    cudaFree(d_out);
    free(h_n);
    free(h_off);
    free(h_len);
    free(h_out);
    return rc;
}

static int fib_cuda_run(void *state, const uint64_t *n, size_t ntasks, corun_fib_done_cb done,
                        void *user, corun_err_t *err) {
    fib_cuda_state *s = (fib_cuda_state *)state;
    if (ntasks == 0) return 0;
    size_t *order = (size_t *)malloc(ntasks * sizeof *order);
    if (!order) return corun_err_set(err, CORUN_ENOMEM, "cuda fib backend: out of memory");
    corun_fib_schedule(n, ntasks, order);
    int rc = 0;
    for (size_t i = 0; i < ntasks && !rc; i += (size_t)s->wave) {
        size_t k = ntasks - i < (size_t)s->wave ? ntasks - i : (size_t)s->wave;
        rc = run_wave(s, n, order + i, k, done, user, err);
    }
    free(order);
    return rc;
}

static void fib_cuda_fini(void *state) { free(state); }
static int fib_cuda_threads(void *state) {
    (void)state;
    return 1; /* host threads; the device runs FIB_CUDA_THREADS per task */
}

extern "C" const corun_fib_backend_t corun_fib_backend_cuda = {
    "cuda", fib_cuda_init, fib_cuda_run, fib_cuda_fini, fib_cuda_threads,
};
