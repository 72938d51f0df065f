/* cuda_emu.h — the header every .cu file includes instead of cuda_runtime.h:
 * real CUDA under nvcc, corun's CUDA emulator under a host C++ compiler
 * (CORUN_CUDA=EMULATE), so the same kernels and host glue run on any CPU.
 *
 * Only .cu files (and the emulator's own cuda_emu.c) include it; the shared
 * logic headers under kernels/ (life_word.h, ...) stay free of CUDA headers.
 *
 * What the emulation provides (the subset corun's kernels and glue use):
 *   - __global__ __device__ __host__ __shared__ __forceinline__ __restrict__
 *     __launch_bounds__; dim3/uint3; threadIdx blockIdx blockDim gridDim
 *     warpSize;
 *   - __syncthreads (+ _count/_and/_or), __syncwarp, __shfl{,_up,_down,_xor}_sync,
 *     __ballot_sync, __any_sync, __all_sync, __popc/__popcll/__clz/__clzll/__ffs;
 *   - atomicAdd/Sub/Or/And/Xor/Min/Max/Exch/CAS;
 *   - the runtime API calls listed below (memory, async copies, streams,
 *     events, pinned memory, devices, errors);
 *   - CORUN_LAUNCH(kernel, grid, block, shmem, stream, args...): kernel<<<...>>>
 *     under nvcc, an emulated launch otherwise.
 *
 * How a launch is emulated (cuda_emu.c): blocks run one after another on the
 * calling thread; the threads of a block are coroutines (the aio layer's
 * context switch, on guarded stacks). A thread runs until it reaches a barrier
 * or a warp operation; a warp operation completes when every lane named in
 * its mask has reached it, a block barrier when every thread of the block has.
 * A barrier some thread can never reach (it exited, or waits elsewhere) fails
 * the launch with cudaErrorLaunchFailure and a message naming the block,
 * thread and barrier (corun_emu_detail()), instead of hanging.
 *
 * Memory: device memory is plain heap memory of exactly the requested size,
 * so AddressSanitizer catches out-of-bounds accesses in kernels. `__shared__`
 * variables are function-level statics: blocks run one at a time, so one copy
 * per kernel is one copy per running block. Dynamic shared memory (the
 * launch's shmem bytes) is declared with CORUN_DYNAMIC_SHARED(type, name),
 * extern __shared__ under nvcc; the emulator gives each block one buffer,
 * filled with 0xA5 bytes first (CUDA does not clear it either), and refuses
 * more than 48 KiB unless cudaFuncSetAttribute(kernel,
 * cudaFuncAttributeMaxDynamicSharedMemorySize, bytes) allowed it, and more
 * than sharedMemPerBlockOptin (227 KiB, as on sm_90) at all. Streams and events exist, but every operation completes
 * before the call returns (a stream is trivially in order; an event is
 * complete once recorded).
 *
 * Not thread-safe beyond what corun needs: launches and API calls from several
 * host threads are serialised by one lock.
 */
#ifndef CORUN_CUDA_EMU_H
#define CORUN_CUDA_EMU_H

#if defined(__CUDACC__)
/* ------------------------------------------------------------ real CUDA */
#include <cuda_runtime.h>

#define CORUN_CUDA_EMULATED 0
#define CORUN_LAUNCH(kernel, grid, block, shmem, stream, ...) \
    kernel<<<(grid), (block), (shmem), (stream)>>>(__VA_ARGS__)
#define CORUN_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
/* Under nvcc there is no emulator detail to add to an error message. */
static inline const char *corun_emu_detail(void) { return ""; }

#else
/* ------------------------------------------------------------ emulation */
#include <stddef.h>
#include <stdint.h>

#define CORUN_CUDA_EMULATED 1

#ifdef __cplusplus
extern "C" {
#endif

/* ---- types (field names and values as in CUDA's driver_types.h) ---- */
typedef enum cudaError {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInvalidConfiguration = 9,
    cudaErrorNoDevice = 100,
    cudaErrorInvalidDevice = 101,
    cudaErrorInvalidResourceHandle = 400,
    cudaErrorNotReady = 600,
    cudaErrorIllegalAddress = 700,
    cudaErrorLaunchFailure = 719
} cudaError_t;

typedef enum cudaMemcpyKind {
    cudaMemcpyHostToHost = 0,
    cudaMemcpyHostToDevice = 1,
    cudaMemcpyDeviceToHost = 2,
    cudaMemcpyDeviceToDevice = 3,
    cudaMemcpyDefault = 4
} cudaMemcpyKind;

typedef struct CUstream_st *cudaStream_t;
typedef struct CUevent_st *cudaEvent_t;

#define cudaStreamDefault 0x00
#define cudaStreamNonBlocking 0x01
#define cudaEventDefault 0x00
#define cudaEventDisableTiming 0x02
#define cudaHostAllocDefault 0x00

typedef enum cudaFuncAttribute {
    cudaFuncAttributeMaxDynamicSharedMemorySize = 8
} cudaFuncAttribute;

typedef struct cudaDeviceProp {
    char name[256];
    size_t totalGlobalMem;
    size_t sharedMemPerBlock;
    size_t sharedMemPerBlockOptin;
    int warpSize;
    int maxThreadsPerBlock;
    int maxThreadsDim[3];
    int maxGridSize[3];
    int major, minor;
    int multiProcessorCount;
    int memoryBusWidth;
    int l2CacheSize;
} cudaDeviceProp;

typedef struct corun_emu_dim3 {
    unsigned x, y, z;
} corun_emu_dim3_t;

/* The running emulated thread's indices (read through threadIdx & co). */
typedef struct corun_emu_idx {
    corun_emu_dim3_t tid, bid, bdim, gdim;
} corun_emu_idx_t;
extern const corun_emu_idx_t *corun_emu_cur;

/* ---- runtime API subset ---- */
cudaError_t cudaGetDeviceCount(int *count);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp *prop, int device);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDevice(int *device);
cudaError_t cudaDeviceSynchronize(void);
cudaError_t cudaDeviceReset(void);
cudaError_t cudaDriverGetVersion(int *v);
cudaError_t cudaRuntimeGetVersion(int *v);
cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total_bytes);
const char *cudaGetErrorString(cudaError_t e);
const char *cudaGetErrorName(cudaError_t e);
cudaError_t cudaGetLastError(void);
cudaError_t cudaPeekAtLastError(void);

cudaError_t cudaMalloc(void **p, size_t n);
cudaError_t cudaFree(void *p);
cudaError_t cudaMallocHost(void **p, size_t n);
cudaError_t cudaFreeHost(void *p);
cudaError_t cudaMemcpy(void *dst, const void *src, size_t n, cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t n, cudaMemcpyKind kind,
                            cudaStream_t s);
cudaError_t cudaMemcpy2D(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width,
                         size_t height, cudaMemcpyKind kind);
cudaError_t cudaMemset(void *p, int value, size_t n);
cudaError_t cudaMemsetAsync(void *p, int value, size_t n, cudaStream_t s);

cudaError_t cudaStreamCreate(cudaStream_t *s);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned flags);
cudaError_t cudaStreamDestroy(cudaStream_t s);
cudaError_t cudaStreamSynchronize(cudaStream_t s);
cudaError_t cudaStreamQuery(cudaStream_t s);
cudaError_t cudaStreamWaitEvent(cudaStream_t s, cudaEvent_t e, unsigned flags);

cudaError_t cudaEventCreate(cudaEvent_t *e);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t *e, unsigned flags);
cudaError_t cudaEventDestroy(cudaEvent_t e);
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s);
cudaError_t cudaEventQuery(cudaEvent_t e);
cudaError_t cudaEventSynchronize(cudaEvent_t e);
cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t start, cudaEvent_t end);

/* ---- emulator internals used by the macros below ---- */

/* More about the last failure than cudaGetErrorString says (which barrier,
 * block and thread; which pointer): "" if nothing to add. */
const char *corun_emu_detail(void);
/* Runs thunk(ctx) once per thread of a grid x block launch of the kernel fn
 * (its identity, for cudaFuncSetAttribute's limits); returns the launch's
 * error (also kept for cudaGetLastError). */
cudaError_t corun_emu_launch(const char *name, const void *fn, corun_emu_dim3_t grid,
                             corun_emu_dim3_t block, size_t shmem, cudaStream_t stream,
                             void (*thunk)(void *), void *ctx);
/* cudaFuncSetAttribute for the kernel fn. */
cudaError_t corun_emu_func_set_attribute(const void *fn, cudaFuncAttribute attr, int value);
/* The running block's dynamic shared memory (CORUN_DYNAMIC_SHARED). */
void *corun_emu_dynamic_shared(void);

enum {
    CORUN_EMU_SYNC = 0, /* __syncthreads and friends: result by op below */
    CORUN_EMU_SYNC_COUNT,
    CORUN_EMU_SYNC_AND,
    CORUN_EMU_SYNC_OR
};
int corun_emu_syncthreads(int op, int pred);

enum {
    CORUN_EMU_WARP_SYNC = 0, /* __syncwarp */
    CORUN_EMU_SHFL,
    CORUN_EMU_SHFL_UP,
    CORUN_EMU_SHFL_DOWN,
    CORUN_EMU_SHFL_XOR,
    CORUN_EMU_BALLOT
};
/* A warp-wide operation of the calling thread: value is the lane's input
 * (the predicate for a ballot), arg the lane / delta / xor mask. */
uint64_t corun_emu_warp(int op, unsigned mask, uint64_t value, int arg, int width);

#ifdef __cplusplus
} /* extern "C" */
#endif

#ifdef __cplusplus
/* ---- C++ side: what kernels and glue see ---- */
#include <string.h>

#include <tuple>
#include <type_traits>
#include <utility>

#define __global__
#define __device__
#define __host__
#define __shared__ static
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __restrict__ __restrict
#define __launch_bounds__(...)
#define warpSize 32

struct dim3 {
    unsigned x, y, z;
    dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
typedef corun_emu_dim3_t uint3;

#define threadIdx (corun_emu_cur->tid)
#define blockIdx (corun_emu_cur->bid)
#define blockDim (corun_emu_cur->bdim)
#define gridDim (corun_emu_cur->gdim)

template <class T>
static inline cudaError_t cudaMalloc(T **p, size_t n) {
    return cudaMalloc((void **)p, n);
}
template <class T>
static inline cudaError_t cudaMallocHost(T **p, size_t n) {
    return cudaMallocHost((void **)p, n);
}
template <class T>
static inline cudaError_t cudaFuncSetAttribute(T *fn, cudaFuncAttribute attr, int value) {
    return corun_emu_func_set_attribute(reinterpret_cast<const void *>(fn), attr, value);
}
#define CORUN_DYNAMIC_SHARED(type, name) type *const name = (type *)corun_emu_dynamic_shared()

static inline void __syncthreads(void) { corun_emu_syncthreads(CORUN_EMU_SYNC, 0); }
static inline int __syncthreads_count(int p) { return corun_emu_syncthreads(CORUN_EMU_SYNC_COUNT, p); }
static inline int __syncthreads_and(int p) { return corun_emu_syncthreads(CORUN_EMU_SYNC_AND, p); }
static inline int __syncthreads_or(int p) { return corun_emu_syncthreads(CORUN_EMU_SYNC_OR, p); }
static inline void __syncwarp(unsigned mask = 0xffffffffu) {
    corun_emu_warp(CORUN_EMU_WARP_SYNC, mask, 0, 0, 32);
}

/* Shuffles move the value's bytes (any type up to 8 bytes, as in CUDA). */
template <class T>
static inline T corun_emu_shfl_(int op, unsigned mask, T v, int arg, int width) {
    static_assert(sizeof(T) <= 8 && std::is_trivially_copyable<T>::value, "shuffle type");
    uint64_t bits = 0;
    memcpy(&bits, &v, sizeof v);
    bits = corun_emu_warp(op, mask, bits, arg, width);
    T r;
    memcpy(&r, &bits, sizeof r);
    return r;
}
template <class T>
static inline T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
    return corun_emu_shfl_(CORUN_EMU_SHFL, mask, v, src, width);
}
template <class T>
static inline T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    return corun_emu_shfl_(CORUN_EMU_SHFL_UP, mask, v, (int)delta, width);
}
template <class T>
static inline T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    return corun_emu_shfl_(CORUN_EMU_SHFL_DOWN, mask, v, (int)delta, width);
}
template <class T>
static inline T __shfl_xor_sync(unsigned mask, T v, int lanemask, int width = 32) {
    return corun_emu_shfl_(CORUN_EMU_SHFL_XOR, mask, v, lanemask, width);
}
static inline unsigned __ballot_sync(unsigned mask, int pred) {
    return (unsigned)corun_emu_warp(CORUN_EMU_BALLOT, mask, pred != 0, 0, 32);
}
static inline int __any_sync(unsigned mask, int pred) { return __ballot_sync(mask, pred) != 0; }
static inline int __all_sync(unsigned mask, int pred) {
    return (__ballot_sync(mask, pred) & mask) == (__ballot_sync(mask, 1) & mask);
}

static inline int __popc(unsigned x) { return __builtin_popcount(x); }
static inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
static inline int __clz(int x) { return x ? __builtin_clz((unsigned)x) : 32; }
static inline int __clzll(long long x) { return x ? __builtin_clzll((unsigned long long)x) : 64; }
static inline int __ffs(int x) { return __builtin_ffs(x); }

/* Atomics: the emulator runs one thread at a time, so a plain
 * read-modify-write is atomic. They return the old value, as in CUDA. */
template <class T, class U>
static inline T atomicAdd(T *p, U v) { T o = *p; *p = (T)(o + (T)v); return o; }
template <class T, class U>
static inline T atomicSub(T *p, U v) { T o = *p; *p = (T)(o - (T)v); return o; }
template <class T, class U>
static inline T atomicOr(T *p, U v) { T o = *p; *p = (T)(o | (T)v); return o; }
template <class T, class U>
static inline T atomicAnd(T *p, U v) { T o = *p; *p = (T)(o & (T)v); return o; }
template <class T, class U>
static inline T atomicXor(T *p, U v) { T o = *p; *p = (T)(o ^ (T)v); return o; }
template <class T, class U>
static inline T atomicMin(T *p, U v) { T o = *p; if ((T)v < o) *p = (T)v; return o; }
template <class T, class U>
static inline T atomicMax(T *p, U v) { T o = *p; if ((T)v > o) *p = (T)v; return o; }
template <class T, class U>
static inline T atomicExch(T *p, U v) { T o = *p; *p = (T)v; return o; }
template <class T, class U, class V>
static inline T atomicCAS(T *p, U cmp, V v) { T o = *p; if (o == (T)cmp) *p = (T)v; return o; }

/* The emulated launch: the arguments are converted to the kernel's parameter
 * types once (as a real launch copies them), then every thread calls the
 * kernel with that copy. */
template <class... P>
struct corun_emu_call {
    void (*kernel)(P...);
    std::tuple<typename std::decay<P>::type...> args;
    static void run(void *self) {
        corun_emu_call *c = static_cast<corun_emu_call *>(self);
        std::apply(c->kernel, c->args);
    }
};
static inline corun_emu_dim3_t corun_emu_dim_(dim3 d) { return corun_emu_dim3_t{d.x, d.y, d.z}; }
template <class... P, class... A>
static inline cudaError_t corun_emu_launch_(const char *name, dim3 grid, dim3 block,
                                            size_t shmem, cudaStream_t stream,
                                            void (*kernel)(P...), A &&...a) {
    corun_emu_call<P...> c{kernel, std::tuple<typename std::decay<P>::type...>(
                                       std::forward<A>(a)...)};
    return corun_emu_launch(name, reinterpret_cast<const void *>(kernel), corun_emu_dim_(grid),
                            corun_emu_dim_(block), shmem, stream, &corun_emu_call<P...>::run, &c);
}
#define CORUN_LAUNCH(kernel, grid, block, shmem, stream, ...) \
    ((void)corun_emu_launch_(#kernel, (grid), (block), (shmem), (stream), kernel, __VA_ARGS__))
#endif /* __cplusplus */

#endif /* __CUDACC__ */
#endif
