/* cuda_emu.c — corun's CUDA emulator: the runtime behind kernels/cuda_emu.h
 * when the .cu sources are built by the host compiler (CORUN_CUDA=EMULATE).
 *
 * Launch. Blocks run one after another on the calling thread. Each thread of
 * a block is a coroutine: the aio layer's context switch (aio_ctx_make /
 * aio_ctx_resume/suspend) on its guarded stacks (aio_stacks_*), so a thread that
 * overflows its stack faults on the guard page instead of corrupting its
 * neighbour. The scheduler of a block:
 *
 *   repeat
 *     for each warp: run its runnable lanes until each finishes or waits
 *       (a warp op or __syncthreads); complete every warp op whose mask's
 *       lanes are all waiting at it (same op, same mask) and run again, until
 *       nothing in the warp can move;
 *     all threads finished                  -> block done
 *     some lane waits at a warp op          -> error: a lane of its mask exited
 *                                              or waits at __syncthreads
 *     all unfinished threads at the barrier -> error if any thread finished
 *       (divergent __syncthreads), else release them all
 *
 * so a barrier not every thread reaches is reported (cudaErrorLaunchFailure,
 * with corun_emu_detail() naming the kernel, block, thread and barrier), never
 * a hang. Warps run in order and to their next block barrier, so the
 * interleaving differs from a GPU's only where the program has a race anyway.
 *
 * Errors follow CUDA's model: a bad launch configuration is returned by
 * cudaGetLastError; a failure while the kernel runs is sticky — every later
 * call returns it until cudaDeviceReset — as on a GPU, where such a failure
 * ruins the context.
 *
 * Memory. Device allocations are heap blocks of exactly the requested size
 * (AddressSanitizer puts redzones around them) and are recorded, so copies
 * check that the device side of a transfer lies inside one allocation and
 * cudaFree refuses pointers it never returned.
 *
 * Threads: every entry point takes one lock; launches run on the caller's
 * thread while holding it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aio/aio_int.h"
#include "cuda_emu.h"

#if AIO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

/* Kernels are shallow, but an instrumented (ASan, -O0) frame chain through
 * std::apply is not: 64 KiB of address space, touched pages only. */
#define EMU_STACK (64u * 1024u)
#define EMU_MAX_THREADS 1024u

enum { T_RUN, T_SYNC, T_WARP, T_DONE };

typedef struct emu_thread {
    corun_emu_idx_t idx;
    unsigned linear;
    aio_ctx_t ctx;
    aio_stack_t stack;
    int have_stack;
    int state;
    /* what it waits for */
    int op, pred;
    unsigned mask;
    int arg, width;
    uint64_t value, result;
#if AIO_ASAN
    void *asan_fake;
    char *asan_low; /* lowest live frame when it finished; NULL: whole stack dirty */
#endif
} emu_thread_t;

typedef struct emu_alloc {
    char *p;
    size_t n;
} emu_alloc_t;

struct CUstream_st {
    unsigned flags;
};
struct CUevent_st {
    unsigned flags;
    int recorded;
    double t;
};

static struct {
    pthread_mutex_t mu;
    int stacks_ready;
    aio_stacks_t stacks;
    emu_thread_t threads[EMU_MAX_THREADS];
    aio_ctx_t main_ctx;
    emu_thread_t *running;
    void (*thunk)(void *);
    void *ctx;
    const char *kernel;
    cudaError_t last, sticky;
    char detail[512];
    emu_alloc_t *dev, *host;
    size_t ndev, capdev, nhost, caphost;
    size_t dev_bytes;
    int device; /* cudaSetDevice's choice (always 0) */
    struct {
        const void *fn;
        size_t max_dynamic; /* cudaFuncAttributeMaxDynamicSharedMemorySize */
    } attrs[64];
    size_t nattrs;
    void *dynamic; /* the running launch's dynamic shared memory */
#if AIO_ASAN
    const void *asan_main_bottom;
    size_t asan_main_size;
    void *asan_main_fake;
#endif
} E = {.mu = PTHREAD_MUTEX_INITIALIZER};

const corun_emu_idx_t *corun_emu_cur;

/* Emulated "device memory": what a test grid needs, reported by
 * cudaGetDeviceProperties/cudaMemGetInfo; allocations are not capped by it. */
#define EMU_TOTAL_MEM ((size_t)16 << 30)
/* Shared memory per block: without opting in, and the most with (sm_90). */
#define EMU_SHARED_DEFAULT ((size_t)48 << 10)
#define EMU_SHARED_OPTIN ((size_t)227 << 10)

static void set_detail(const char *fmt, ...) CORUN_PRINTF(1, 2);
static void set_detail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(E.detail, sizeof E.detail, fmt, ap);
    va_end(ap);
}

const char *corun_emu_detail(void) { return E.detail; }

/* A call's result: a sticky failure wins; other errors become "last". */
static cudaError_t ret(cudaError_t e) {
    if (E.sticky) return E.sticky;
    if (e) E.last = e;
    return e;
}

static cudaError_t fail(cudaError_t e, const char *fmt, ...) CORUN_PRINTF(2, 3);
static cudaError_t fail(cudaError_t e, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(E.detail, sizeof E.detail, fmt, ap);
    va_end(ap);
    return ret(e);
}

#define LOCK() pthread_mutex_lock(&E.mu)
#define UNLOCK() pthread_mutex_unlock(&E.mu)

/* ------------------------------------------------------------ devices */

/* CUDA_VISIBLE_DEVICES as the real runtime reads it: a list of indices; the
 * emulator's one device (0) is visible if the list is unset or starts at 0. */
static int visible_devices(void) {
    const char *v = getenv("CUDA_VISIBLE_DEVICES");
    if (!v) return 1;
    while (*v == ' ') v++;
    return v[0] == '0' && (v[1] == '\0' || v[1] == ',' || v[1] == ' ');
}

cudaError_t cudaGetDeviceCount(int *count) {
    if (!count) return cudaErrorInvalidValue;
    *count = visible_devices();
    if (!*count) {
        set_detail("CUDA_VISIBLE_DEVICES='%s' hides the emulated device 0",
                   getenv("CUDA_VISIBLE_DEVICES"));
        return cudaErrorNoDevice;
    }
    return cudaSuccess;
}

static cudaError_t check_device(int d) {
    if (!visible_devices()) return fail(cudaErrorNoDevice, "CUDA_VISIBLE_DEVICES hides device 0");
    if (d != 0) return fail(cudaErrorInvalidDevice, "the emulator has one device, 0 (asked for %d)", d);
    return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp *p, int device) {
    if (!p) return cudaErrorInvalidValue;
    cudaError_t e = check_device(device);
    if (e) return e;
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "corun CUDA emulator (%s)",
             AIO_USE_UCONTEXT ? "ucontext threads" : "asm-switched threads");
    p->totalGlobalMem = EMU_TOTAL_MEM;
    p->sharedMemPerBlock = EMU_SHARED_DEFAULT;
    p->sharedMemPerBlockOptin = EMU_SHARED_OPTIN;
    p->warpSize = 32;
    p->maxThreadsPerBlock = (int)EMU_MAX_THREADS;
    p->maxThreadsDim[0] = p->maxThreadsDim[1] = 1024;
    p->maxThreadsDim[2] = 64;
    p->maxGridSize[0] = 0x7fffffff;
    p->maxGridSize[1] = p->maxGridSize[2] = 65535;
    p->major = 9; /* the emulated feature set: what sm_90 code may use */
    p->minor = 0;
    p->multiProcessorCount = 1;
    return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
    LOCK();
    cudaError_t e = check_device(device);
    if (!e) E.device = device;
    UNLOCK();
    return e;
}

cudaError_t cudaGetDevice(int *device) {
    if (!device) return cudaErrorInvalidValue;
    *device = E.device;
    return ret(cudaSuccess);
}

cudaError_t cudaDriverGetVersion(int *v) {
    if (v) *v = 0; /* no driver: the emulator stands in for one */
    return cudaSuccess;
}

cudaError_t cudaRuntimeGetVersion(int *v) {
    if (v) *v = 0;
    return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total_bytes) {
    LOCK();
    if (free_bytes) *free_bytes = E.dev_bytes < EMU_TOTAL_MEM ? EMU_TOTAL_MEM - E.dev_bytes : 0;
    if (total_bytes) *total_bytes = EMU_TOTAL_MEM;
    cudaError_t e = ret(cudaSuccess);
    UNLOCK();
    return e;
}

cudaError_t cudaDeviceSynchronize(void) { return ret(cudaSuccess); }

cudaError_t cudaDeviceReset(void) {
    LOCK();
    /* As on a GPU: the context goes, with its allocations and its error. */
    for (size_t i = 0; i < E.ndev; i++) free(E.dev[i].p);
    E.ndev = 0;
    E.dev_bytes = 0;
    E.sticky = E.last = cudaSuccess;
    E.detail[0] = '\0';
    E.nattrs = 0; /* kernel attributes belong to the context too */
    UNLOCK();
    return cudaSuccess;
}

static const struct {
    cudaError_t e;
    const char *name, *msg;
} errors[] = {
    {cudaSuccess, "cudaSuccess", "no error"},
    {cudaErrorInvalidValue, "cudaErrorInvalidValue", "invalid argument"},
    {cudaErrorMemoryAllocation, "cudaErrorMemoryAllocation", "out of memory"},
    {cudaErrorInvalidConfiguration, "cudaErrorInvalidConfiguration",
     "invalid configuration argument"},
    {cudaErrorNoDevice, "cudaErrorNoDevice", "no CUDA-capable device is detected"},
    {cudaErrorInvalidDevice, "cudaErrorInvalidDevice", "invalid device ordinal"},
    {cudaErrorInvalidResourceHandle, "cudaErrorInvalidResourceHandle",
     "invalid resource handle"},
    {cudaErrorNotReady, "cudaErrorNotReady", "device not ready"},
    {cudaErrorIllegalAddress, "cudaErrorIllegalAddress",
     "an illegal memory access was encountered"},
    {cudaErrorLaunchFailure, "cudaErrorLaunchFailure", "unspecified launch failure"},
};

const char *cudaGetErrorString(cudaError_t e) {
    for (size_t i = 0; i < sizeof errors / sizeof *errors; i++)
        if (errors[i].e == e) return errors[i].msg;
    return "unrecognized error code";
}

const char *cudaGetErrorName(cudaError_t e) {
    for (size_t i = 0; i < sizeof errors / sizeof *errors; i++)
        if (errors[i].e == e) return errors[i].name;
    return "cudaErrorUnknown";
}

cudaError_t cudaGetLastError(void) {
    LOCK();
    cudaError_t e = E.sticky ? E.sticky : E.last;
    E.last = cudaSuccess;
    UNLOCK();
    return e;
}

cudaError_t cudaPeekAtLastError(void) {
    LOCK();
    cudaError_t e = E.sticky ? E.sticky : E.last;
    UNLOCK();
    return e;
}

/* ------------------------------------------------------------ memory */

static int push_alloc(emu_alloc_t **v, size_t *n, size_t *cap, char *p, size_t bytes) {
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 16;
        emu_alloc_t *nv = realloc(*v, nc * sizeof *nv);
        if (!nv) return -1;
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = (emu_alloc_t){p, bytes};
    return 0;
}

static long find_alloc(const emu_alloc_t *v, size_t n, const void *p) {
    for (size_t i = 0; i < n; i++)
        if (v[i].p == p) return (long)i;
    return -1;
}

/* 1 if [p, p+n) lies inside one device allocation. */
static int in_device(const void *p, size_t n) {
    const char *c = p;
    for (size_t i = 0; i < E.ndev; i++)
        if (c >= E.dev[i].p && c <= E.dev[i].p + E.dev[i].n && n <= (size_t)(E.dev[i].p + E.dev[i].n - c))
            return 1;
    return 0;
}

cudaError_t cudaMalloc(void **p, size_t n) {
    if (!p) return cudaErrorInvalidValue;
    LOCK();
    cudaError_t e = ret(cudaSuccess);
    *p = NULL;
    if (!e) {
        /* Exactly n bytes (ASan's redzone starts at byte n), aligned as
         * cudaMalloc's are. */
        void *m = NULL;
        if (posix_memalign(&m, 256, n ? n : 1) != 0 ||
            push_alloc(&E.dev, &E.ndev, &E.capdev, m, n) != 0) {
            free(m);
            e = fail(cudaErrorMemoryAllocation, "cudaMalloc: %zu bytes: out of host memory", n);
        } else {
            E.dev_bytes += n;
            *p = m;
        }
    }
    UNLOCK();
    return e;
}

cudaError_t cudaFree(void *p) {
    if (!p) return ret(cudaSuccess);
    LOCK();
    long i = find_alloc(E.dev, E.ndev, p);
    cudaError_t e;
    if (i < 0) {
        e = fail(cudaErrorInvalidValue, "cudaFree: %p is not a device allocation", p);
    } else {
        /* Freed even after a sticky failure, so nothing leaks. */
        E.dev_bytes -= E.dev[i].n;
        free(E.dev[i].p);
        E.dev[i] = E.dev[--E.ndev];
        e = ret(cudaSuccess);
    }
    UNLOCK();
    return e;
}

cudaError_t cudaMallocHost(void **p, size_t n) {
    if (!p) return cudaErrorInvalidValue;
    LOCK();
    cudaError_t e = ret(cudaSuccess);
    *p = NULL;
    if (!e) {
        void *m = malloc(n ? n : 1);
        if (!m || push_alloc(&E.host, &E.nhost, &E.caphost, m, n) != 0) {
            free(m);
            e = fail(cudaErrorMemoryAllocation, "cudaMallocHost: %zu bytes: out of memory", n);
        } else {
            *p = m;
        }
    }
    UNLOCK();
    return e;
}

cudaError_t cudaFreeHost(void *p) {
    if (!p) return ret(cudaSuccess);
    LOCK();
    long i = find_alloc(E.host, E.nhost, p);
    cudaError_t e;
    if (i < 0) {
        e = fail(cudaErrorInvalidValue, "cudaFreeHost: %p was not allocated by cudaMallocHost", p);
    } else {
        free(E.host[i].p);
        E.host[i] = E.host[--E.nhost];
        e = ret(cudaSuccess);
    }
    UNLOCK();
    return e;
}

static cudaError_t copy_locked(void *dst, const void *src, size_t n, cudaMemcpyKind kind,
                               const char *call) {
    cudaError_t e = ret(cudaSuccess);
    if (e || n == 0) return e;
    int dd = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
    int sd = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
    if ((unsigned)kind > cudaMemcpyDefault || !dst || !src)
        return fail(cudaErrorInvalidValue, "%s: bad arguments (kind %d)", call, (int)kind);
    if (kind != cudaMemcpyDefault && kind != cudaMemcpyHostToHost) {
        if (dd && !in_device(dst, n))
            return fail(cudaErrorInvalidValue,
                        "%s: destination %p + %zu bytes is not inside one device allocation",
                        call, dst, n);
        if (sd && !in_device(src, n))
            return fail(cudaErrorInvalidValue,
                        "%s: source %p + %zu bytes is not inside one device allocation", call,
                        src, n);
    }
    memmove(dst, src, n);
    return cudaSuccess;
}

cudaError_t cudaMemcpy(void *dst, const void *src, size_t n, cudaMemcpyKind kind) {
    LOCK();
    cudaError_t e = copy_locked(dst, src, n, kind, "cudaMemcpy");
    UNLOCK();
    return e;
}

cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t n, cudaMemcpyKind kind,
                            cudaStream_t s) {
    (void)s;
    LOCK();
    cudaError_t e = copy_locked(dst, src, n, kind, "cudaMemcpyAsync");
    UNLOCK();
    return e;
}

cudaError_t cudaMemcpy2D(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width,
                         size_t height, cudaMemcpyKind kind) {
    if (width > dpitch || width > spitch) return ret(cudaErrorInvalidValue);
    LOCK();
    cudaError_t e = cudaSuccess;
    for (size_t r = 0; r < height && !e; r++)
        e = copy_locked((char *)dst + r * dpitch, (const char *)src + r * spitch, width, kind,
                        "cudaMemcpy2D");
    UNLOCK();
    return e;
}

cudaError_t cudaMemset(void *p, int value, size_t n) {
    LOCK();
    cudaError_t e = ret(cudaSuccess);
    if (!e && n && !in_device(p, n))
        e = fail(cudaErrorInvalidValue, "cudaMemset: %p + %zu bytes is not inside one device allocation",
                 p, n);
    else if (!e && n)
        memset(p, value, n);
    UNLOCK();
    return e;
}

cudaError_t cudaMemsetAsync(void *p, int value, size_t n, cudaStream_t s) {
    (void)s;
    return cudaMemset(p, value, n);
}

/* ------------------------------------------------------------ streams, events */

cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned flags) {
    if (!s) return cudaErrorInvalidValue;
    *s = calloc(1, sizeof **s);
    if (!*s) return fail(cudaErrorMemoryAllocation, "cudaStreamCreate: out of memory");
    (*s)->flags = flags;
    return ret(cudaSuccess);
}
cudaError_t cudaStreamCreate(cudaStream_t *s) { return cudaStreamCreateWithFlags(s, 0); }
cudaError_t cudaStreamDestroy(cudaStream_t s) {
    if (!s) return ret(cudaErrorInvalidResourceHandle);
    free(s);
    return ret(cudaSuccess);
}
/* Every operation finished when it was issued: streams are always idle. */
cudaError_t cudaStreamSynchronize(cudaStream_t s) { (void)s; return ret(cudaSuccess); }
cudaError_t cudaStreamQuery(cudaStream_t s) { (void)s; return ret(cudaSuccess); }
cudaError_t cudaStreamWaitEvent(cudaStream_t s, cudaEvent_t e, unsigned flags) {
    (void)s;
    (void)flags;
    return ret(e ? cudaSuccess : cudaErrorInvalidResourceHandle);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

cudaError_t cudaEventCreateWithFlags(cudaEvent_t *e, unsigned flags) {
    if (!e) return cudaErrorInvalidValue;
    *e = calloc(1, sizeof **e);
    if (!*e) return fail(cudaErrorMemoryAllocation, "cudaEventCreate: out of memory");
    (*e)->flags = flags;
    return ret(cudaSuccess);
}
cudaError_t cudaEventCreate(cudaEvent_t *e) { return cudaEventCreateWithFlags(e, 0); }
cudaError_t cudaEventDestroy(cudaEvent_t e) {
    if (!e) return ret(cudaErrorInvalidResourceHandle);
    free(e);
    return ret(cudaSuccess);
}
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s) {
    (void)s;
    if (!e) return ret(cudaErrorInvalidResourceHandle);
    e->recorded = 1;
    e->t = now_ms();
    return ret(cudaSuccess);
}
/* A recorded event is complete (its stream's work already ran); one never
 * recorded counts as complete too, as in CUDA. */
cudaError_t cudaEventQuery(cudaEvent_t e) {
    return ret(e ? cudaSuccess : cudaErrorInvalidResourceHandle);
}
cudaError_t cudaEventSynchronize(cudaEvent_t e) { return cudaEventQuery(e); }
cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t a, cudaEvent_t b) {
    if (!ms || !a || !b) return ret(cudaErrorInvalidValue);
    if ((a->flags | b->flags) & cudaEventDisableTiming || !a->recorded || !b->recorded)
        return ret(cudaErrorInvalidResourceHandle);
    *ms = (float)(b->t - a->t);
    return ret(cudaSuccess);
}

/* ------------------------------------------------------------ launches */

static void resume(emu_thread_t *t) {
    E.running = t;
    corun_emu_cur = &t->idx;
#if AIO_ASAN
    __sanitizer_start_switch_fiber(&E.asan_main_fake, t->stack.lo, t->stack.size);
#endif
    aio_ctx_resume(&E.main_ctx, &t->ctx);
#if AIO_ASAN
    __sanitizer_finish_switch_fiber(E.asan_main_fake, NULL, NULL);
#endif
    E.running = NULL;
    corun_emu_cur = NULL;
}

/* Thread -> scheduler: to wait (state already set) or, finished, for good. */
static void switch_out(emu_thread_t *t, int dying) {
#if AIO_ASAN
    /* A finished thread's stack is reused by the next block; its frames never
     * ran their epilogues, so their redzones are cleaned from here up. */
    if (dying) t->asan_low = (char *)__builtin_frame_address(0) - 512;
    __sanitizer_start_switch_fiber(dying ? NULL : &t->asan_fake, E.asan_main_bottom,
                                   E.asan_main_size);
#else
    (void)dying;
#endif
    aio_ctx_suspend(&t->ctx, &E.main_ctx);
#if AIO_ASAN
    __sanitizer_finish_switch_fiber(t->asan_fake, &E.asan_main_bottom, &E.asan_main_size);
#endif
}

static _Noreturn void thread_entry(void *p) {
    emu_thread_t *t = p;
#if AIO_ASAN
    __sanitizer_finish_switch_fiber(NULL, &E.asan_main_bottom, &E.asan_main_size);
#endif
    E.thunk(E.ctx);
    t->state = T_DONE;
    switch_out(t, 1);
    for (;;) {
    } /* never resumed */
}

static void clean_stack(emu_thread_t *t) {
#if AIO_ASAN
    char *top = t->stack.lo + t->stack.size;
    char *low = t->asan_low && t->asan_low >= t->stack.lo && t->asan_low < top ? t->asan_low
                                                                              : t->stack.lo;
    __asan_unpoison_memory_region(low, (size_t)(top - low));
    t->asan_low = NULL; /* until it finishes again: dirty all the way down */
#else
    (void)t;
#endif
}

static const char *sync_name(int op) {
    static const char *const n[] = {"__syncthreads", "__syncthreads_count", "__syncthreads_and",
                                    "__syncthreads_or"};
    return op >= 0 && op < 4 ? n[op] : "__syncthreads";
}

static const char *warp_name(int op) {
    static const char *const n[] = {"__syncwarp",       "__shfl_sync",     "__shfl_up_sync",
                                    "__shfl_down_sync", "__shfl_xor_sync", "__ballot_sync"};
    return op >= 0 && op < 6 ? n[op] : "warp op";
}

static const char *state_name(int s) {
    return s == T_DONE ? "exited" : s == T_SYNC ? "waits at __syncthreads" : "waits at another warp op";
}

#define TFMT "(%u,%u,%u)"
#define TARG(d) (d).x, (d).y, (d).z

/* Completes the warp ops of warp w (lanes t[0..n-1]) that can complete.
 * Returns the number of lanes released, or -1 after recording an error for a
 * wait that can never complete (call only when no lane of w is runnable). */
static int resolve_warp(emu_thread_t *t, unsigned n) {
    int released = 0;
    unsigned exist = n >= 32 ? 0xffffffffu : (1u << n) - 1u;
    for (unsigned l = 0; l < n; l++) {
        if (t[l].state != T_WARP) continue;
        unsigned m = t[l].mask;
        int op = t[l].op;
        const char *what = NULL;
        unsigned bad = 0;
        if (!(m & (1u << l))) {
            what = "its own lane is not in the mask";
            bad = l;
        } else if (m & ~exist) {
            what = "the mask names lanes the block does not have";
            bad = (unsigned)__builtin_ctz(m & ~exist);
        } else {
            for (unsigned k = 0; k < n && !what; k++) {
                if (!(m & (1u << k))) continue;
                if (t[k].state != T_WARP || t[k].mask != m || t[k].op != op) {
                    what = t[k].state == T_WARP ? "a lane of the mask waits at another warp op"
                                                : state_name(t[k].state);
                    bad = k;
                }
            }
        }
        if (what) {
            set_detail("kernel %s: block " TFMT " thread " TFMT ": %s(mask 0x%08x) can never "
                       "complete: lane %u (thread " TFMT ") %s",
                       E.kernel, TARG(t[l].idx.bid), TARG(t[l].idx.tid), warp_name(op), m, bad,
                       TARG(t[bad].idx.tid), what);
            return -1;
        }
        /* Every lane of m waits here: compute all their results. */
        uint64_t ballot = 0;
        for (unsigned k = 0; k < n; k++)
            if ((m & (1u << k)) && t[k].value) ballot |= 1u << k;
        for (unsigned k = 0; k < n; k++) {
            if (!(m & (1u << k))) continue;
            emu_thread_t *x = &t[k];
            int w = x->width > 0 && x->width <= 32 ? x->width : 32;
            unsigned base = k & ~(unsigned)(w - 1);
            long src = k;
            switch (op) {
            case CORUN_EMU_SHFL: src = (long)base + (x->arg & (w - 1)); break;
            case CORUN_EMU_SHFL_UP: src = (long)k - x->arg; if (src < (long)base) src = k; break;
            case CORUN_EMU_SHFL_DOWN:
                src = (long)k + x->arg;
                if (src >= (long)(base + (unsigned)w)) src = k;
                break;
            case CORUN_EMU_SHFL_XOR:
                src = (long)(k ^ (unsigned)x->arg);
                if (src >= (long)(base + (unsigned)w)) src = k;
                break;
            default: break;
            }
            /* Reading from a lane outside the mask is undefined in CUDA; the
             * emulator gives the lane its own value. */
            if (src < 0 || src >= (long)n || !(m & (1u << src))) src = k;
            x->result = op == CORUN_EMU_BALLOT ? ballot : op == CORUN_EMU_WARP_SYNC ? 0 : t[src].value;
        }
        for (unsigned k = 0; k < n; k++)
            if (m & (1u << k)) {
                t[k].state = T_RUN;
                released++;
            }
    }
    return released;
}

/* Runs one block to completion; 0, or -1 with E.detail set. */
static int run_block(unsigned nthreads) {
    emu_thread_t *T = E.threads;
    for (unsigned i = 0; i < nthreads; i++) {
        clean_stack(&T[i]);
        T[i].state = T_RUN;
        aio_ctx_make(&T[i].ctx, T[i].stack.lo, T[i].stack.size, thread_entry, &T[i]);
    }
    unsigned nwarps = (nthreads + 31) / 32;
    for (;;) {
        for (unsigned w = 0; w < nwarps; w++) {
            emu_thread_t *lanes = T + 32 * w;
            unsigned n = nthreads - 32 * w < 32 ? nthreads - 32 * w : 32;
            for (;;) {
                for (unsigned l = 0; l < n; l++)
                    if (lanes[l].state == T_RUN) resume(&lanes[l]);
                int r = resolve_warp(lanes, n);
                if (r < 0) return -1;
                if (r == 0) break;
            }
        }
        unsigned done = 0, sync = 0, first_done = 0, first_sync = 0;
        for (unsigned i = 0; i < nthreads; i++) {
            if (T[i].state == T_DONE && !done++) first_done = i;
            if (T[i].state == T_SYNC && !sync++) first_sync = i;
        }
        if (done == nthreads) return 0;
        if (done) {
            set_detail("kernel %s: block " TFMT ": %s reached by %u of %u threads: thread " TFMT
                       " exited without reaching it (a barrier inside a branch not every "
                       "thread takes)",
                       E.kernel, TARG(T[first_sync].idx.bid), sync_name(T[first_sync].op),
                       sync, nthreads, TARG(T[first_done].idx.tid));
            return -1;
        }
        /* All wait at a block barrier (warp waits were resolved or failed).
         * Differently named barriers (__syncthreads vs _or) are one barrier
         * on a GPU too; the result follows the first thread's kind. */
        int op = T[first_sync].op, cnt = 0;
        for (unsigned i = 0; i < nthreads; i++) cnt += T[i].pred != 0;
        int res = op == CORUN_EMU_SYNC_COUNT ? cnt
                  : op == CORUN_EMU_SYNC_AND ? cnt == (int)nthreads
                  : op == CORUN_EMU_SYNC_OR  ? cnt != 0
                                             : 0;
        for (unsigned i = 0; i < nthreads; i++) {
            T[i].result = (uint64_t)res;
            T[i].state = T_RUN;
        }
    }
}

int corun_emu_syncthreads(int op, int pred) {
    emu_thread_t *t = E.running;
    if (!t) return 0; /* host code: nothing to wait for */
    t->state = T_SYNC;
    t->op = op;
    t->pred = pred;
    switch_out(t, 0);
    return (int)t->result;
}

uint64_t corun_emu_warp(int op, unsigned mask, uint64_t value, int arg, int width) {
    emu_thread_t *t = E.running;
    if (!t) return value;
    t->state = T_WARP;
    t->op = op;
    t->mask = mask;
    t->value = value;
    t->arg = arg;
    t->width = width;
    switch_out(t, 0);
    return t->result;
}

static int prepare_stacks(unsigned nthreads) {
    if (!E.stacks_ready) {
        aio_stacks_init(&E.stacks, EMU_STACK);
        E.stacks_ready = 1;
    }
    for (unsigned i = 0; i < nthreads; i++) {
        if (E.threads[i].have_stack) continue;
        corun_err_t err;
        err.msg[0] = '\0';
        if (aio_stacks_alloc(&E.stacks, &E.threads[i].stack, &err) != 0) {
            set_detail("emulated launch: no stack for thread %u: %s", i, err.msg);
            return -1;
        }
        E.threads[i].have_stack = 1;
#if AIO_ASAN
        E.threads[i].asan_low = NULL;
#endif
    }
    return 0;
}

/* The dynamic shared memory fn may use (with the lock held). */
static size_t dynamic_limit(const void *fn) {
    for (size_t i = 0; i < E.nattrs; i++)
        if (E.attrs[i].fn == fn) return E.attrs[i].max_dynamic;
    return EMU_SHARED_DEFAULT;
}

cudaError_t corun_emu_func_set_attribute(const void *fn, cudaFuncAttribute attr, int value) {
    LOCK();
    cudaError_t e = ret(cudaSuccess);
    if (e) goto out;
    if (!fn || attr != cudaFuncAttributeMaxDynamicSharedMemorySize) {
        e = fail(cudaErrorInvalidValue, "cudaFuncSetAttribute: %s",
                 fn ? "only cudaFuncAttributeMaxDynamicSharedMemorySize is emulated"
                    : "no kernel");
        goto out;
    }
    if (value < 0 || (size_t)value > EMU_SHARED_OPTIN) {
        e = fail(cudaErrorInvalidValue,
                 "cudaFuncSetAttribute: %d bytes of dynamic shared memory, the most is %zu",
                 value, EMU_SHARED_OPTIN);
        goto out;
    }
    size_t i = 0;
    while (i < E.nattrs && E.attrs[i].fn != fn) i++;
    if (i == sizeof E.attrs / sizeof E.attrs[0]) {
        e = fail(cudaErrorMemoryAllocation, "cudaFuncSetAttribute: more than %zu kernels", i);
        goto out;
    }
    if (i == E.nattrs) E.nattrs++;
    E.attrs[i].fn = fn;
    E.attrs[i].max_dynamic = (size_t)value;
out:
    UNLOCK();
    return e;
}

void *corun_emu_dynamic_shared(void) { return E.dynamic; }

cudaError_t corun_emu_launch(const char *name, const void *fn, corun_emu_dim3_t grid,
                             corun_emu_dim3_t block, size_t shmem, cudaStream_t stream,
                             void (*thunk)(void *), void *ctx) {
    (void)stream;
    LOCK();
    cudaError_t e = ret(cudaSuccess);
    if (e) goto out;
    uint64_t nthreads = (uint64_t)block.x * block.y * block.z;
    if (!nthreads || nthreads > EMU_MAX_THREADS || block.z > 64 || !grid.x || !grid.y ||
        !grid.z || grid.y > 65535 || grid.z > 65535) {
        e = fail(cudaErrorInvalidConfiguration,
                 "kernel %s: grid (%u,%u,%u) x block (%u,%u,%u) is not a valid launch", name,
                 grid.x, grid.y, grid.z, block.x, block.y, block.z);
        goto out;
    }
    if (shmem > dynamic_limit(fn)) {
        e = fail(cudaErrorInvalidValue,
                 "kernel %s: %zu bytes of dynamic shared memory, more than the %zu allowed "
                 "(above 48 KiB: cudaFuncSetAttribute(kernel, "
                 "cudaFuncAttributeMaxDynamicSharedMemorySize, bytes) first)",
                 name, shmem, dynamic_limit(fn));
        goto out;
    }
    if (shmem && (E.dynamic = malloc(shmem)) == NULL) {
        e = ret(cudaErrorMemoryAllocation);
        goto out;
    }
    if (E.running) {
        e = fail(cudaErrorLaunchFailure, "kernel %s: launched from a kernel (not emulated)", name);
        goto out;
    }
    if (prepare_stacks((unsigned)nthreads) != 0) {
        e = ret(cudaErrorMemoryAllocation);
        goto out;
    }
    E.thunk = thunk;
    E.ctx = ctx;
    E.kernel = name;
    for (unsigned i = 0; i < nthreads; i++) {
        emu_thread_t *t = &E.threads[i];
        t->linear = i;
        t->idx.tid = (corun_emu_dim3_t){i % block.x, i / block.x % block.y, i / block.x / block.y};
        t->idx.bdim = block;
        t->idx.gdim = grid;
    }
    for (unsigned bz = 0; bz < grid.z; bz++)
        for (unsigned by = 0; by < grid.y; by++)
            for (unsigned bx = 0; bx < grid.x; bx++) {
                for (unsigned i = 0; i < nthreads; i++)
                    E.threads[i].idx.bid = (corun_emu_dim3_t){bx, by, bz};
                if (shmem) memset(E.dynamic, 0xA5, shmem); /* not zero on a GPU either */
                if (run_block((unsigned)nthreads) != 0) {
                    /* Threads still parked are abandoned: their stacks are
                     * remade (and, under ASan, cleaned whole) next time. */
#if AIO_ASAN
                    for (unsigned i = 0; i < nthreads; i++) E.threads[i].asan_low = NULL;
#endif
                    E.sticky = cudaErrorLaunchFailure;
                    e = cudaErrorLaunchFailure;
                    goto out;
                }
            }
out:
    free(E.dynamic);
    E.dynamic = NULL;
    E.thunk = NULL;
    E.ctx = NULL;
    UNLOCK();
    return e;
}
