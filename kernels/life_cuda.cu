/* life_cuda.cu — the cuda Life backend: the stepping kernels and their host
 * glue (the backend table of corun/life.h, snapshots, device discovery), one
 * source for nvcc and for the host C++ compiler against corun's emulator
 * (kernels/cuda_emu.h).
 *
 * Layout on the device: the omp backend's bit packing (src/life/omp_int.h):
 * a row is wpr = ceil(W/64) words, bit i of word j is cell 64*j + i, padding
 * bits above the width are always zero; rows are wpr words apart (the host
 * grid's rows are `stride` words apart: every copy is a 2D copy with the two
 * pitches). Two generations stay on the device for the whole run; the host
 * sees the cells in open() and close() (the caller's packed grid, no host
 * copy of its own), get_rows()/put_rows() and snapshots (step_cuda.h).
 *
 * Kernel: one thread per word column of a strip of LIFE_ROWS rows; a warp is
 * 32 neighbouring words of one row, so loads and stores are coalesced (256
 * bytes per warp). Walking down its strip a thread keeps the horizontal sums
 * (corun_life_word_hsum) of the rows above, at and below in registers, so each
 * source row is loaded once per strip (plus two halo rows: 18 loads per 16
 * rows). The west and east neighbour words come from the neighbouring lanes
 * by warp shuffles instead of two more loads; only lanes 0 and 31 load theirs.
 * The row ends wrap (torus) or read zero (dead) exactly as the omp backend's
 * edge_we(). The cell logic is kernels/life_word.h, the same functions every
 * CPU backend calls. B3/S23 has its own kernel so the compiler folds the rule.
 *
 * No change tracking: skipping still tiles saves DRAM traffic only where a
 * whole tile and its neighbours are settled, and costs a flag read, divergent
 * warps and uncoalesced strips everywhere else; a dense generation already
 * runs at the memory-bandwidth bound (docs/CUDA.md), so skip_stable is
 * accepted and ignored.
 *
 * Errors: every CUDA call goes through CU(), which names the call, the
 * device and the runtime's message (plus the emulator's detail). Kernel
 * faults surface at the stream synchronisation that ends step().
 */
#include "cuda_emu.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "corun/cuda.h"
#include "corun/life.h"
#include "life/step_cuda.h"
}
#include "life_word.h"

#define LIFE_ROWS 16   /* rows per warp strip */
#define LIFE_WARPS 8   /* warps per block: 256 threads */
/* __launch_bounds__(256, 2): at least two blocks per SM. Without the second
 * argument ptxas capped the generic counted kernel at 64 registers on sm_75
 * and spilled (the rule's 17 hoisted mask words live in registers);
 * scripts/check-cuda-kernels.sh fails the build on any spill. */
#define LIFE_FULL 0xffffffffu

typedef struct life_geom {
    int64_t h, wpr;     /* rows; words per row */
    uint64_t lastmask;  /* valid cells of a row's last word */
    unsigned lastbits;  /* their count, 1..64 */
    int torus;
    int64_t cy0, cy1;   /* counted kernels count rows cy0..cy1-1 */
} life_geom_t;

/* Row y of the source (y may be -1 or h); NULL outside a dead grid. */
static __device__ __forceinline__ const uint64_t *src_row(const uint64_t *g, const life_geom_t &G,
                                                         int64_t y) {
    if (y < 0) {
        if (!G.torus) return NULL;
        y += G.h;
    } else if (y >= G.h) {
        if (!G.torus) return NULL;
        y -= G.h;
    }
    return g + y * G.wpr;
}

/* Word j of row r (its centre word into *c) and the row's horizontal sums
 * there. Every lane of the warp must call it (the shuffles); lanes past the
 * row's end get zeros. */
static __device__ __forceinline__ void row_hsum(const uint64_t *r, const life_geom_t &G, int64_t j,
                                               unsigned lane, uint64_t *c, uint64_t *h0,
                                               uint64_t *h1) {
    const int64_t n = G.wpr;
    const int in = r != NULL && j < n;
    uint64_t w = in ? r[j] : 0;
    uint64_t wv = __shfl_up_sync(LIFE_FULL, w, 1);
    uint64_t ev = __shfl_down_sync(LIFE_FULL, w, 1);
    *c = w;
    if (!in) {
        *h0 = *h1 = 0;
        return;
    }
    /* The warp's first and last lanes have no neighbour lane on that side. */
    if (lane == 0 && j > 0) wv = r[j - 1];
    if (lane == 31 && j + 1 < n) ev = r[j + 1];
    uint64_t west, east;
    if (j == 0) /* the cell at x = W-1 (bit lastbits-1 of the last word), or dead */
        west = corun_life_word_west(w, corun_life_row_west_in(r, n, G.lastbits, G.torus) << 63);
    else
        west = corun_life_word_west(w, wv);
    if (j == n - 1) /* cell 0 enters at bit lastbits-1, the row's last cell */
        east = corun_life_word_east(w, 0) | corun_life_row_east_in(r, G.lastbits, G.torus);
    else
        east = corun_life_word_east(w, ev);
    corun_life_word_hsum(west, w, east, h0, h1);
}

/* Steps the thread's word column of its warp's strip; returns the live cells
 * it wrote if `count` (a constant after inlining: zero costs nothing). */
static __device__ __forceinline__ unsigned long long
step_strip(const uint64_t *__restrict__ src, uint64_t *__restrict__ dst, const life_geom_t &G,
           unsigned born, unsigned survive, int count) {
    const unsigned lane = threadIdx.x;
    const int64_t j = (int64_t)blockIdx.x * 32 + lane;
    const int64_t y0 = ((int64_t)blockIdx.y * blockDim.y + threadIdx.y) * LIFE_ROWS;
    unsigned long long pop = 0;
    if (y0 >= G.h) return 0; /* the whole warp: y0 does not depend on the lane */
    const int64_t y1 = y0 + LIFE_ROWS < G.h ? y0 + LIFE_ROWS : G.h;
    const int out = j < G.wpr;
    uint64_t c, u0, u1, m0, m1, d0, d1, mid;
    row_hsum(src_row(src, G, y0 - 1), G, j, lane, &c, &u0, &u1);
    row_hsum(src + y0 * G.wpr, G, j, lane, &mid, &m0, &m1);
    for (int64_t y = y0; y < y1; y++) {
        row_hsum(src_row(src, G, y + 1), G, j, lane, &c, &d0, &d1);
        if (out) {
            uint64_t v = corun_life_word_next(mid, u0, u1, m0, m1, d0, d1, born, survive);
            if (j == G.wpr - 1) v &= G.lastmask; /* B0 rules must not wake the padding */
            dst[y * G.wpr + j] = v;
            if (count && y >= G.cy0 && y < G.cy1) pop += (unsigned long long)__popcll(v);
        }
        u0 = m0;
        u1 = m1;
        m0 = d0;
        m1 = d1;
        mid = c;
    }
    return pop;
}

/* Adds the block's live cells to *pop: a shuffle tree per warp, the warps'
 * sums through shared memory, one atomic per block. Every thread of the
 * block must call it (the barrier). */
static __device__ __forceinline__ void block_count(unsigned long long mine,
                                                   unsigned long long *pop) {
    __shared__ unsigned long long part[LIFE_WARPS];
    const unsigned lane = threadIdx.x;
    for (int o = 16; o > 0; o >>= 1) mine += __shfl_down_sync(LIFE_FULL, mine, o);
    if (lane == 0) part[threadIdx.y] = mine;
    __syncthreads();
    if (threadIdx.y == 0) {
        unsigned long long v = lane < LIFE_WARPS ? part[lane] : 0;
        for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(LIFE_FULL, v, o);
        if (lane == 0 && v) atomicAdd(pop, v);
    }
}

__global__ void __launch_bounds__(32 * LIFE_WARPS, 2)
life_step_conway(const uint64_t *__restrict__ src, uint64_t *__restrict__ dst, life_geom_t G) {
    step_strip(src, dst, G, 1u << 3, 3u << 2, 0); /* B3/S23 as constants: folded */
}

__global__ void __launch_bounds__(32 * LIFE_WARPS, 2)
life_step_generic(const uint64_t *__restrict__ src, uint64_t *__restrict__ dst, life_geom_t G,
                  unsigned born, unsigned survive) {
    step_strip(src, dst, G, born, survive, 0);
}

/* The same, also adding the new generation's population to *pop. */
__global__ void __launch_bounds__(32 * LIFE_WARPS, 2)
life_step_conway_counted(const uint64_t *__restrict__ src, uint64_t *__restrict__ dst,
                         life_geom_t G, unsigned long long *pop) {
    block_count(step_strip(src, dst, G, 1u << 3, 3u << 2, 1), pop);
}

__global__ void __launch_bounds__(32 * LIFE_WARPS, 2)
life_step_generic_counted(const uint64_t *__restrict__ src, uint64_t *__restrict__ dst,
                          life_geom_t G, unsigned born, unsigned survive,
                          unsigned long long *pop) {
    block_count(step_strip(src, dst, G, born, survive, 1), pop);
}

/* ================================================================ host */

struct cuda_state {
    life_geom_t G;
    int64_t width;
    size_t words;          /* h * wpr */
    unsigned born, survive;
    int conway;
    int device;
    corun_life_grid_t *grid; /* the caller's, given to open(): close() downloads into it */
    uint64_t *d_grid[2];   /* device: generation t is d_grid[cur] */
    int cur;
    int64_t generation;    /* generations stepped since open() */
    cudaStream_t compute;  /* every kernel, in order */
    cudaStream_t copy;     /* snapshot copies (step_cuda.h), beside the kernels */
    unsigned long long *d_pop, *h_pop; /* counted steps: LIFE_POP_CHUNK counters */
    dim3 grid_dim, block_dim;
    char mode[48];
};

static int cuda_fail(corun_err_t *err, int code, int device, const char *call, cudaError_t e) {
    const char *d = corun_emu_detail();
    return corun_err_set(err, code, "cuda backend: %s on device %d failed: %s (%s)%s%s", call,
                         device, cudaGetErrorString(e), cudaGetErrorName(e),
                         CORUN_CUDA_EMULATED && d[0] ? "; " : "", CORUN_CUDA_EMULATED ? d : "");
}

/* Checks a CUDA call; on failure records it (naming call and device) and
 * jumps to the function's cleanup label `fail` with rc set. */
#define CU(call)                                                                   \
    do {                                                                           \
        cudaError_t e_ = (call);                                                   \
        if (e_ != cudaSuccess) {                                                   \
            rc = cuda_fail(err, CORUN_EIO, dev, #call, e_);                        \
            goto fail;                                                             \
        }                                                                          \
    } while (0)

/* A 2D copy between a host grid (rows `stride` words apart) and the device
 * layout (rows wpr words apart), in order on `stream`. The emulator completes
 * every copy when issued and has no asynchronous 2D form; on a device the
 * synchronous cudaMemcpy2D would run on the legacy stream, which does not
 * wait for the non-blocking compute stream. Callers synchronise the stream
 * before they touch the host side. */
static cudaError_t copy_rows(void *dst, size_t dpitch, const void *src, size_t spitch,
                             size_t row_bytes, size_t rows, cudaMemcpyKind kind,
                             cudaStream_t stream) {
    if (rows == 0) return cudaSuccess;
#if CORUN_CUDA_EMULATED
    (void)stream;
    return cudaMemcpy2D(dst, dpitch, src, spitch, row_bytes, rows, kind);
#else
    return cudaMemcpy2DAsync(dst, dpitch, src, spitch, row_bytes, rows, kind, stream);
#endif
}

/* Why no device is usable, in words a user can act on. */
static int no_device(corun_err_t *err, cudaError_t e) {
    int drv = 0;
    cudaDriverGetVersion(&drv);
    const char *vis = getenv("CUDA_VISIBLE_DEVICES");
    char why[320];
    if (CORUN_CUDA_EMULATED)
        snprintf(why, sizeof why, "%s", corun_emu_detail());
    else if (drv == 0)
        snprintf(why, sizeof why, "no NVIDIA driver is loaded (libcuda.so not found)");
    else if (vis)
        snprintf(why, sizeof why, "CUDA_VISIBLE_DEVICES='%s' (driver %d.%d)", vis, drv / 1000,
                 drv % 1000 / 10);
    else
        snprintf(why, sizeof why, "the driver (%d.%d) reports no GPU", drv / 1000,
                 drv % 1000 / 10);
    return corun_err_set(err, CORUN_ENOTSUP, "no CUDA device: cudaGetDeviceCount: %s (%s): %s",
                         cudaGetErrorString(e), cudaGetErrorName(e), why);
}

extern "C" corun_cuda_build_t corun_cuda_build(void) {
    return CORUN_CUDA_EMULATED ? CORUN_CUDA_BUILD_EMULATED : CORUN_CUDA_BUILD_DEVICE;
}

extern "C" const char *corun_cuda_build_desc(void) {
#if CORUN_CUDA_EMULATED
    return "emulated (CORUN_CUDA=EMULATE: the .cu sources run on the CPU)";
#else
    return "device (nvcc, architectures " CORUN_CUDA_ARCHS ")";
#endif
}

extern "C" int corun_cuda_devices(corun_cuda_device_t *out, int max, corun_err_t *err) {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0) {
        cudaGetLastError(); /* not sticky: clear it for later calls */
        no_device(err, e != cudaSuccess ? e : cudaErrorNoDevice);
        return 0;
    }
    for (int i = 0; i < n && i < max; i++) {
        cudaDeviceProp p;
        corun_cuda_device_t *d = &out[i];
        memset(d, 0, sizeof *d);
        d->index = i;
        d->emulated = CORUN_CUDA_EMULATED;
        if (cudaGetDeviceProperties(&p, i) != cudaSuccess) {
            snprintf(d->name, sizeof d->name, "(properties unavailable)");
            continue;
        }
        snprintf(d->name, sizeof d->name, "%s", p.name);
        d->major = p.major;
        d->minor = p.minor;
        d->sms = p.multiProcessorCount;
        d->global_mem = p.totalGlobalMem;
        d->bus_width = p.memoryBusWidth;
    }
    return n;
}

/* Frees everything; waits for work still queued first (snapshot copies in
 * flight read their own staging buffers, but the copy stream goes away). */
static void cuda_free(cuda_state *s) {
    if (!s) return;
    if (s->copy) cudaStreamSynchronize(s->copy);
    if (s->compute) cudaStreamSynchronize(s->compute);
    cudaFree(s->d_grid[0]);
    cudaFree(s->d_grid[1]);
    cudaFree(s->d_pop);
    cudaFreeHost(s->h_pop);
    if (s->copy) cudaStreamDestroy(s->copy);
    if (s->compute) cudaStreamDestroy(s->compute);
    free(s);
}

static int cuda_open(void **state, corun_life_grid_t *g, const corun_life_params_t *p,
                     corun_err_t *err) {
    *state = NULL;
    int rc = 0, dev = p->device < 0 ? 0 : p->device, n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0) {
        cudaGetLastError();
        return no_device(err, e != cudaSuccess ? e : cudaErrorNoDevice);
    }
    if (dev >= n)
        return corun_err_set(err, CORUN_EINVAL,
                             "cuda backend: --device %d: only %d CUDA device%s visible (0..%d)",
                             dev, n, n == 1 ? " is" : "s are", n - 1);
    const int64_t cy0 = p->count_y0, cy1 = p->count_y1 ? p->count_y1 : g->height;
    if (cy0 < 0 || cy0 > cy1 || cy1 > g->height)
        return corun_err_set(err, CORUN_EINVAL,
                             "cuda backend: counted rows %lld..%lld outside the grid's %lld rows",
                             (long long)cy0, (long long)cy1 - 1, (long long)g->height);
    const int64_t strips = (g->height + LIFE_ROWS - 1) / LIFE_ROWS;
    if ((g->wpr + 31) / 32 > 0x7fffffff || (strips + LIFE_WARPS - 1) / LIFE_WARPS > 65535)
        return corun_err_set(err, CORUN_EINVAL,
                             "cuda backend: %lldx%lld does not fit one launch (at most %d rows)",
                             (long long)g->width, (long long)g->height,
                             65535 * LIFE_ROWS * LIFE_WARPS);
    cuda_state *s = (cuda_state *)calloc(1, sizeof *s);
    if (!s) return corun_err_set(err, CORUN_ENOMEM, "cuda backend: out of memory");
    s->device = dev;
    s->grid = g;
    s->width = g->width;
    s->G.h = g->height;
    s->G.wpr = g->wpr;
    s->G.lastbits = (unsigned)(g->width - 64 * (g->wpr - 1));
    s->G.lastmask = s->G.lastbits == 64 ? ~(uint64_t)0 : (((uint64_t)1 << s->G.lastbits) - 1);
    s->G.torus = p->boundary == CORUN_LIFE_TORUS;
    s->G.cy0 = cy0;
    s->G.cy1 = cy1;
    s->words = (size_t)s->G.h * (size_t)s->G.wpr;
    s->born = p->rule.born & 0x1ffu;
    s->survive = p->rule.survive & 0x1ffu;
    s->conway = s->born == (1u << 3) && s->survive == (3u << 2);
    s->block_dim = dim3(32, LIFE_WARPS, 1);
    s->grid_dim = dim3((unsigned)((s->G.wpr + 31) / 32),
                       (unsigned)((strips + LIFE_WARPS - 1) / LIFE_WARPS), 1);
    const size_t bytes = s->words * sizeof(uint64_t), row = (size_t)s->G.wpr * sizeof(uint64_t);
    cudaDeviceProp prop;
    size_t free_b = 0, total_b = 0;
    CU(cudaSetDevice(dev));
    CU(cudaGetDeviceProperties(&prop, dev));
    CU(cudaMemGetInfo(&free_b, &total_b));
    if (2 * bytes > free_b) {
        rc = corun_err_set(err, CORUN_ENOMEM,
                           "cuda backend: %lldx%lld needs %.2f GiB on device %d (%s), %.2f GiB "
                           "free",
                           (long long)g->width, (long long)g->height,
                           2.0 * (double)bytes / (1 << 30), dev, prop.name,
                           (double)free_b / (1 << 30));
        goto fail;
    }
    CU(cudaStreamCreateWithFlags(&s->compute, cudaStreamNonBlocking));
    CU(cudaStreamCreateWithFlags(&s->copy, cudaStreamNonBlocking));
    CU(cudaMalloc(&s->d_grid[0], bytes));
    CU(cudaMalloc(&s->d_grid[1], bytes));
    /* Straight from the caller's grid, row by row past its stride padding:
     * no host copy of the grid. */
    CU(copy_rows(s->d_grid[0], row, g->words, (size_t)g->stride * sizeof(uint64_t), row,
                 (size_t)g->height, cudaMemcpyHostToDevice, s->compute));
    /* The back buffer too: its padding must start zeroed like the front's. */
    CU(cudaMemsetAsync(s->d_grid[1], 0, bytes, s->compute));
    CU(cudaStreamSynchronize(s->compute));
    /* No spaces (the summary line is key=value); the device is in --device. */
    snprintf(s->mode, sizeof s->mode, "%sbitpack-%s", CORUN_CUDA_EMULATED ? "emulated-" : "",
             s->conway ? "b3s23" : "rule");
    *state = s;
    return 0;
fail:
    cuda_free(s);
    return rc;
}

/* Launches n generations on the compute stream; with d_pop, generation i
 * adds its population to d_pop[i] (zeroed by the caller). */
static int launch(cuda_state *s, int64_t n, unsigned long long *d_pop, corun_err_t *err) {
    int rc = 0, dev = s->device;
    for (int64_t i = 0; i < n; i++) {
        const uint64_t *src = s->d_grid[s->cur];
        uint64_t *dst = s->d_grid[s->cur ^ 1];
        if (d_pop && s->conway)
            CORUN_LAUNCH(life_step_conway_counted, s->grid_dim, s->block_dim, 0, s->compute, src,
                         dst, s->G, d_pop + i);
        else if (d_pop)
            CORUN_LAUNCH(life_step_generic_counted, s->grid_dim, s->block_dim, 0, s->compute, src,
                         dst, s->G, s->born, s->survive, d_pop + i);
        else if (s->conway)
            CORUN_LAUNCH(life_step_conway, s->grid_dim, s->block_dim, 0, s->compute, src, dst,
                         s->G);
        else
            CORUN_LAUNCH(life_step_generic, s->grid_dim, s->block_dim, 0, s->compute, src, dst,
                         s->G, s->born, s->survive);
        CU(cudaGetLastError()); /* launch errors now; faults at the synchronisation */
        s->cur ^= 1;
        s->generation++;
    }
    return 0;
fail:
    return rc;
}

/* Populations come back in chunks of LIFE_POP_CHUNK generations: one small
 * copy per chunk instead of a synchronisation per generation. */
#define LIFE_POP_CHUNK 1024

static int cuda_step(void *state, int64_t generations, int64_t *pops, corun_err_t *err) {
    cuda_state *s = (cuda_state *)state;
    int rc = 0, dev = s->device;
    if (!pops) {
        if ((rc = launch(s, generations, NULL, err))) return rc;
        /* Returning with the generations done keeps step() timings honest
         * and reports a kernel fault from the step() that caused it. */
        CU(cudaStreamSynchronize(s->compute));
        return 0;
    }
    if (!s->d_pop) {
        CU(cudaMalloc(&s->d_pop, LIFE_POP_CHUNK * sizeof *s->d_pop));
        CU(cudaMallocHost(&s->h_pop, LIFE_POP_CHUNK * sizeof *s->h_pop));
    }
    for (int64_t done = 0; done < generations;) {
        int64_t n = generations - done < LIFE_POP_CHUNK ? generations - done : LIFE_POP_CHUNK;
        CU(cudaMemsetAsync(s->d_pop, 0, (size_t)n * sizeof *s->d_pop, s->compute));
        if ((rc = launch(s, n, s->d_pop, err))) return rc;
        CU(cudaMemcpyAsync(s->h_pop, s->d_pop, (size_t)n * sizeof *s->d_pop,
                           cudaMemcpyDeviceToHost, s->compute));
        CU(cudaStreamSynchronize(s->compute));
        for (int64_t i = 0; i < n; i++) pops[done + i] = (int64_t)s->h_pop[i];
        done += n;
    }
    return 0;
fail:
    return rc;
}

/* Row access (snapshots without snap ops, MPI halos, --print): in order
 * with the kernels on the compute stream, finished before returning. */
static int cuda_get_rows(void *state, int64_t y0, int64_t n, uint64_t *words, int64_t stride,
                         corun_err_t *err) {
    cuda_state *s = (cuda_state *)state;
    int rc = corun_life_rows_check("cuda backend", s->G.h, y0, n, err), dev = s->device;
    const size_t row = (size_t)s->G.wpr * sizeof(uint64_t);
    if (rc || n == 0) return rc;
    CU(copy_rows(words, (size_t)stride * sizeof(uint64_t), s->d_grid[s->cur] + y0 * s->G.wpr,
                 row, row, (size_t)n, cudaMemcpyDeviceToHost, s->compute));
    CU(cudaStreamSynchronize(s->compute));
    return 0;
fail:
    return rc;
}

static int cuda_put_rows(void *state, int64_t y0, int64_t n, const uint64_t *words,
                         int64_t stride, corun_err_t *err) {
    cuda_state *s = (cuda_state *)state;
    int rc = corun_life_rows_check("cuda backend", s->G.h, y0, n, err), dev = s->device;
    const size_t row = (size_t)s->G.wpr * sizeof(uint64_t);
    if (rc || n == 0) return rc;
    CU(copy_rows(s->d_grid[s->cur] + y0 * s->G.wpr, row, words,
                 (size_t)stride * sizeof(uint64_t), row, (size_t)n, cudaMemcpyHostToDevice,
                 s->compute));
    CU(cudaStreamSynchronize(s->compute)); /* the caller may reuse words at once */
    return 0;
fail:
    return rc;
}

static int cuda_close(void *state, corun_err_t *err) {
    cuda_state *s = (cuda_state *)state;
    if (!s) return 0;
    int rc = cuda_get_rows(s, 0, s->G.h, s->grid->words, s->grid->stride, err);
    cuda_free(s);
    return rc;
}

static void cuda_info(void *state, corun_life_info_t *out) {
    cuda_state *s = (cuda_state *)state;
    memset(out, 0, sizeof *out);
    snprintf(out->mode, sizeof out->mode, "%s", s ? s->mode : "bitpack");
    /* The kernels are the GPU's own code path; the emulator runs them as
     * plain scalar C++. One host thread drives either. */
    snprintf(out->simd, sizeof out->simd, "%s", CORUN_CUDA_EMULATED ? "-" : "gpu");
    out->threads = 1;
}

/* ------------------------------------------------------------ snapshots */

/* Why a device staging buffer: the host copy crosses PCIe (~25 GB/s), ~100x
 * slower than a generation in HBM, so copying straight from d_grid[cur]
 * would stall the kernels that overwrite it two generations later. The D2D
 * copy runs in order on the compute stream (about one generation's time);
 * the slow D2H copy then runs on the copy stream beside the next kernels. */
struct corun_life_cuda_snap {
    int device;
    int64_t generation, width, height, wpr;
    size_t bytes;
    uint64_t *d_stage, *h_words;
    cudaEvent_t staged, done;
};

extern "C" int corun_life_cuda_snap_begin(void *state, corun_life_cuda_snap_t **out,
                                          corun_err_t *err) {
    cuda_state *s = (cuda_state *)state;
    int rc = 0, dev = s->device;
    *out = NULL;
    corun_life_cuda_snap_t *n = (corun_life_cuda_snap_t *)calloc(1, sizeof *n);
    if (!n) return corun_err_set(err, CORUN_ENOMEM, "cuda backend: snapshot: out of memory");
    n->device = dev;
    n->generation = s->generation;
    n->width = s->width;
    n->height = s->G.h;
    n->wpr = s->G.wpr;
    n->bytes = s->words * sizeof(uint64_t);
    CU(cudaMalloc(&n->d_stage, n->bytes));
    CU(cudaMallocHost(&n->h_words, n->bytes));
    CU(cudaEventCreateWithFlags(&n->staged, cudaEventDisableTiming));
    CU(cudaEventCreateWithFlags(&n->done, cudaEventDisableTiming));
    CU(cudaMemcpyAsync(n->d_stage, s->d_grid[s->cur], n->bytes, cudaMemcpyDeviceToDevice,
                       s->compute));
    CU(cudaEventRecord(n->staged, s->compute));
    CU(cudaStreamWaitEvent(s->copy, n->staged, 0));
    CU(cudaMemcpyAsync(n->h_words, n->d_stage, n->bytes, cudaMemcpyDeviceToHost, s->copy));
    CU(cudaEventRecord(n->done, s->copy));
    *out = n;
    return 0;
fail:
    corun_life_cuda_snap_release(n);
    return rc;
}

extern "C" int corun_life_cuda_snap_poll(corun_life_cuda_snap_t *n, corun_err_t *err) {
    int rc = 0, dev = n->device;
    cudaError_t e = cudaEventQuery(n->done);
    if (e == cudaErrorNotReady) return 0;
    CU(e);
    return 1;
fail:
    return rc;
}

extern "C" int corun_life_cuda_snap_wait(corun_life_cuda_snap_t *n, corun_err_t *err) {
    int rc = 0, dev = n->device;
    CU(cudaEventSynchronize(n->done));
    return 0;
fail:
    return rc;
}

extern "C" int64_t corun_life_cuda_snap_generation(const corun_life_cuda_snap_t *n) {
    return n->generation;
}

extern "C" const uint64_t *corun_life_cuda_snap_words(const corun_life_cuda_snap_t *n) {
    return n->h_words;
}

extern "C" corun_life_grid_t corun_life_cuda_snap_grid(const corun_life_cuda_snap_t *n) {
    corun_life_grid_t g = {};  /* a view: owned 0 */
    g.width = n->width;
    g.height = n->height;
    g.wpr = n->wpr;
    g.stride = n->wpr;
    g.words = n->h_words;
    return g;
}

extern "C" void corun_life_cuda_snap_release(corun_life_cuda_snap_t *n) {
    if (!n) return;
    if (n->done) cudaEventSynchronize(n->done); /* never free under a running copy */
    cudaFree(n->d_stage);
    cudaFreeHost(n->h_words);
    if (n->staged) cudaEventDestroy(n->staged);
    if (n->done) cudaEventDestroy(n->done);
    free(n);
}

/* The backend's asynchronous snapshot ops (used by the snapshot pipeline in
 * src/h5io/snapshot.c: the aio loop polls, the I/O worker writes from the
 * pinned buffer and releases). */
static int cuda_snap_begin(void *state, void **snap, corun_err_t *err) {
    corun_life_cuda_snap_t *s = NULL;
    int rc = corun_life_cuda_snap_begin(state, &s, err);
    *snap = s;
    return rc;
}
static int cuda_snap_poll(void *snap, corun_err_t *err) {
    return corun_life_cuda_snap_poll((corun_life_cuda_snap_t *)snap, err);
}
static const uint64_t *cuda_snap_words(void *snap) {
    return corun_life_cuda_snap_words((const corun_life_cuda_snap_t *)snap);
}
static void cuda_snap_release(void *snap) {
    corun_life_cuda_snap_release((corun_life_cuda_snap_t *)snap);
}

static const corun_life_snap_ops_t cuda_snap_ops = {
    cuda_snap_begin, cuda_snap_poll, cuda_snap_words, cuda_snap_release,
};

/* Host memory on top of the caller's grid: none that grows with the grid
 * (snapshot frames in flight are the snapshot pipeline's, bounded by its
 * pool). Positional: nvcc's C++ dialect may predate designated
 * initialisers. */
extern "C" const corun_life_backend_t corun_life_backend_cuda = {
    "cuda",        cuda_open,  cuda_step, cuda_get_rows, cuda_put_rows,
    cuda_close,    cuda_info,  &cuda_snap_ops, 0.0,
};
