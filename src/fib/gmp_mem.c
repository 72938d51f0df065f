/* gmp_mem.c — GMP's memory functions for the fib workload: blocks of 2 MiB
 * and more are mapped on their own and marked for transparent huge pages.
 *
 * Why: GMP multiplies numbers of tens of Mbit with an FFT whose buffers span
 * tens of MB, walked in a scattered order; with 4 KiB pages much of that
 * misses the TLB. Debian's kernels give huge pages only to memory marked with
 * madvise(MADV_HUGEPAGE) (transparent_hugepage=madvise), which glibc's malloc
 * does not do by default. Measured on the 2-core Xeon VM of docs/FIB.md
 * (glibc's own switch GLIBC_TUNABLES=glibc.malloc.hugetlb=1 for the same
 * effect, 4 interleaved pairs): F(10^8) by doubling on 2 threads 0.51-0.62 s
 * against 0.64-0.69 s; its decimal conversion 3.56-3.96 s against 3.85-4.17 s.
 *
 * corun_fib_mem_init() installs the functions once; the fib entry points call
 * it. GMP may have allocated blocks with its default functions before, which
 * are freed or grown through these afterwards: a block mapped here is known by
 * a small registry (a few live FFT buffers and results at a time), anything
 * else belongs to malloc.
 *
 * Freed mapped blocks are kept in a small cache and handed out again: every
 * FFT multiplication allocates and frees its scratch, and a fresh mapping
 * costs a page fault and a 2 MiB clear per huge page on first touch (4 % of
 * an F(10^8) run in perf before the cache).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fib/fib_int.h"

#define BIG ((size_t)2 << 20) /* mapped from this size on, in multiples of it */

typedef struct mapped {
    void *p;
    size_t len;
} mapped_t;

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static mapped_t *reg; /* live mapped blocks (handed to GMP) */
static size_t nreg, regcap;

/* The cache of freed mapped blocks (under reg_mu): at most CACHE_N blocks
 * and CACHE_BYTES in all, so what a run keeps mapped but unused is bounded. */
#define CACHE_N 8
#define CACHE_BYTES ((size_t)256 << 20)
static mapped_t cache[CACHE_N];
static size_t ncache, cache_bytes;

static void die(const char *what, size_t n) {
    /* GMP's own allocator aborts too: its functions cannot report failure. */
    fprintf(stderr, "corun: GMP %s of %zu bytes failed: out of memory\n", what, n);
    abort();
}

static size_t round_big(size_t n) { return (n + BIG - 1) / BIG * BIG; }

/* The registry entry of p (with the lock held), or -1. */
static long reg_find(const void *p) {
    for (size_t i = 0; i < nreg; i++)
        if (reg[i].p == p) return (long)i;
    return -1;
}

static void reg_add(void *p, size_t len, size_t n) {
    pthread_mutex_lock(&reg_mu);
    if (nreg == regcap) {
        size_t c = regcap ? regcap * 2 : 64;
        mapped_t *r = realloc(reg, c * sizeof *r);
        if (!r) {
            pthread_mutex_unlock(&reg_mu);
            die("allocation", n);
        }
        reg = r;
        regcap = c;
    }
    reg[nreg++] = (mapped_t){p, len};
    pthread_mutex_unlock(&reg_mu);
}

/* A cached block of at least len bytes and at most twice that (a much
 * larger one would be wasted), the smallest such; NULL if none. */
static void *cache_take(size_t len, size_t *got) {
    void *p = NULL;
    pthread_mutex_lock(&reg_mu);
    size_t best = CACHE_N;
    for (size_t i = 0; i < ncache; i++)
        if (cache[i].len >= len && cache[i].len <= 2 * len &&
            (best == CACHE_N || cache[i].len < cache[best].len))
            best = i;
    if (best < CACHE_N) {
        p = cache[best].p;
        *got = cache[best].len;
        cache_bytes -= cache[best].len;
        cache[best] = cache[--ncache];
    }
    pthread_mutex_unlock(&reg_mu);
    return p;
}

/* Keeps a freed block for reuse if the cache has room, else unmaps it. */
static void cache_put(void *p, size_t len) {
    pthread_mutex_lock(&reg_mu);
    int keep = ncache < CACHE_N && cache_bytes + len <= CACHE_BYTES;
    if (keep) {
        cache[ncache++] = (mapped_t){p, len};
        cache_bytes += len;
    }
    pthread_mutex_unlock(&reg_mu);
    if (!keep) munmap(p, len);
}

static void *map_big(size_t n) {
    size_t len = round_big(n), got;
    void *p = cache_take(len, &got);
    if (p) {
        reg_add(p, got, n);
        return p;
    }
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) die("allocation", n);
#ifdef MADV_HUGEPAGE
    madvise(p, len, MADV_HUGEPAGE); /* advice only: without it, 4 KiB pages */
#endif
    reg_add(p, len, n);
    return p;
}

/* Removes p from the registry; its mapping length, or 0 if not mapped here.
 * Blocks smaller than BIG are never looked up: they cannot be ours. */
static size_t unregister(void *p, size_t size) {
    if (size < BIG) return 0;
    pthread_mutex_lock(&reg_mu);
    long i = reg_find(p);
    size_t len = 0;
    if (i >= 0) {
        len = reg[i].len;
        reg[i] = reg[--nreg];
    }
    pthread_mutex_unlock(&reg_mu);
    return len;
}

static void *gm_alloc(size_t n) {
    if (n >= BIG) return map_big(n);
    void *p = malloc(n ? n : 1);
    if (!p) die("allocation", n);
    return p;
}

static void gm_free(void *p, size_t size) {
    if (!p) return;
    size_t len = unregister(p, size);
    if (len) cache_put(p, len);
    else free(p);
}

static void *gm_realloc(void *p, size_t old, size_t n) {
    size_t len = unregister(p, old);
    if (!len && n < BIG) {
        void *q = realloc(p, n ? n : 1);
        if (!q) die("reallocation", n);
        return q;
    }
    if (len && n >= BIG) { /* a mapped block stays mapped: grow or shrink in place or move */
        size_t nl = round_big(n);
        void *q = nl == len ? p : mremap(p, len, nl, MREMAP_MAYMOVE);
        if (q == MAP_FAILED) die("reallocation", n);
        reg_add(q, nl, n);
        return q;
    }
    void *q = gm_alloc(n); /* crossing BIG either way: copy */
    memcpy(q, p, old < n ? old : n);
    if (len) cache_put(p, len);
    else free(p);
    return q;
}

void corun_fib_mem_cached(size_t *blocks, size_t *bytes) {
    pthread_mutex_lock(&reg_mu);
    *blocks = ncache;
    *bytes = cache_bytes;
    pthread_mutex_unlock(&reg_mu);
}

static void install(void) { mp_set_memory_functions(gm_alloc, gm_realloc, gm_free); }

void corun_fib_mem_init(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install);
}
