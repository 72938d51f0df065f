/* linear.c — F(n) by the seed's loop a, b = b, a + b on deferred-carry limbs
 * (kernels/fib_limb.h), tiled so the working set stays in L1, optionally
 * pipelined over several threads.
 *
 * Three buffers rotate: step t reads a = buf[t % 3], b = buf[(t+1) % 3] and
 * writes c = buf[(t+2) % 3]. Limb i of step t+1 needs only limbs i and i-1
 * of step t, so the steps are cut into blocks of FIB_T steps and the limbs
 * into tiles of FIB_B limbs: a block runs all its steps on tile 0, then on
 * tile 1 (using the high parts tile 0 passed up at each step, kept in a
 * small array), and so on. One tile of three buffers is 24 KiB: the FIB_T
 * steps run out of L1 instead of streaming the whole number from L2 once
 * per step (measured about 2x).
 *
 * Threads (a task with spare threads): block k goes to thread k mod P.
 * Block k may start tile j once block k-1 has finished tile j; each thread
 * publishes its progress (block, tiles done) in an atomic counter, and the
 * next thread spins on it. The tile data of block k-1 is not read by block
 * k-1 again once its tile is done (only the high-part array, which is the
 * thread's own), so the only ordering needed is that release/acquire pair.
 * All P threads must run at once (they wait on each other), so P is what
 * the OpenMP team actually has, never what was asked for.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "fib/fib_int.h"
#include "fib_limb.h"

#define FIB_B 1024 /* limbs per tile: 3 x 8 KiB in L1 */
#define FIB_T 120  /* steps per block: a multiple of the carry cycle */

/* The steps [t0, t0 + nt) of one tile [lo, hi). hin[s] is the high part
 * coming from the tile below at step t0 + s; hout[s] gets ours. */
static inline __attribute__((always_inline)) void tile_body(uint64_t *const buf[3], size_t lo,
                                                            size_t hi, uint64_t t0, int nt,
                                                            const uint64_t *hin,
                                                            uint64_t *hout) {
    for (int s = 0; s < nt;) {
        uint64_t t = t0 + (uint64_t)s;
        if (t % CORUN_FIB_CYCLE == 0 && s + 4 <= nt) {
            /* The cycle's four carry-free steps in one pass (fib_limb.h). */
            corun_fib_lin_pure4(buf[(t + 2) % 3], buf[(t + 1) % 3], buf[t % 3], lo, hi);
            hout[s] = hout[s + 1] = hout[s + 2] = hout[s + 3] = 0;
            s += 4;
            continue;
        }
        uint64_t *c = buf[(t + 2) % 3];
        const uint64_t *a = buf[t % 3], *b = buf[(t + 1) % 3];
        hout[s] = corun_fib_lin_step(c, a, b, lo, hi, t, hin[s]);
        s++;
    }
}

typedef void (*tile_fn)(uint64_t *const buf[3], size_t lo, size_t hi, uint64_t t0, int nt,
                        const uint64_t *hin, uint64_t *hout);

static void tile_generic(uint64_t *const buf[3], size_t lo, size_t hi, uint64_t t0, int nt,
                         const uint64_t *hin, uint64_t *hout) {
    tile_body(buf, lo, hi, t0, nt, hin, hout);
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
/* The same body compiled for AVX2 and AVX-512 (8 limbs per add); picked at
 * run time, so the build needs no -march. */
#pragma GCC push_options
#pragma GCC target("avx2")
static void tile_avx2(uint64_t *const buf[3], size_t lo, size_t hi, uint64_t t0, int nt,
                      const uint64_t *hin, uint64_t *hout) {
    tile_body(buf, lo, hi, t0, nt, hin, hout);
}
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx2,prefer-vector-width=512")
static void tile_avx512(uint64_t *const buf[3], size_t lo, size_t hi, uint64_t t0, int nt,
                        const uint64_t *hin, uint64_t *hout) {
    tile_body(buf, lo, hi, t0, nt, hin, hout);
}
#pragma GCC pop_options
#endif

static tile_fn pick_tile(void) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"))
        return tile_avx512;
    if (__builtin_cpu_supports("avx2")) return tile_avx2;
#endif
    return tile_generic;
}

const char *fib_linear_simd(void) {
    tile_fn f = pick_tile();
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    if (f == tile_avx512) return "avx512";
    if (f == tile_avx2) return "avx2";
#endif
    (void)f;
    return "generic";
}

/* progress key: block k with j tiles done (j < 2^32 since limbs fit GMP). */
static inline uint64_t key(uint64_t k, uint64_t j) { return (k << 32) | j; }

static void wait_for(_Atomic uint64_t *p, uint64_t need) {
    unsigned spins = 0;
    while (atomic_load_explicit(p, memory_order_acquire) < need) {
        /* Spin briefly (the other thread is usually a tile behind), then
         * yield: on a loaded machine the thread we wait for may need our core. */
        if (++spins > 2000) sched_yield();
#if defined(__x86_64__)
        else __builtin_ia32_pause();
#endif
    }
}

typedef struct lin_run {
    uint64_t *buf[3];
    uint64_t n;
    size_t limbs; /* buffer length */
    tile_fn tile;
    int nthreads;
    _Atomic uint64_t *prog; /* per thread, padded to a cache line */
} lin_run_t;

#define PROG_STRIDE 8 /* 64-byte spacing: no false sharing between counters */

static size_t tiles_at(const lin_run_t *r, uint64_t t_end, size_t *top) {
    size_t len = corun_fib_lin_limbs(t_end);
    if (len > r->limbs) len = r->limbs;
    *top = len;
    return (len + FIB_B - 1) / FIB_B;
}

/* The blocks of thread p (of P). */
static void run_thread(void *arg, int p, int P) {
    lin_run_t *r = arg;
    uint64_t hin[FIB_T], hout[FIB_T];
    uint64_t nblocks = (r->n + FIB_T - 1) / FIB_T;
    for (uint64_t k = (uint64_t)p; k < nblocks; k += (uint64_t)P) {
        uint64_t t0 = k * FIB_T;
        int nt = (int)(r->n - t0 < FIB_T ? r->n - t0 : FIB_T);
        size_t top, ntiles = tiles_at(r, t0 + (uint64_t)nt, &top);
        size_t prev_tiles = 0, prev_top;
        int prev = (p + P - 1) % P;
        if (k > 0 && P > 1)
            prev_tiles = tiles_at(r, t0, &prev_top); /* block k-1 ends at step t0 */
        memset(hin, 0, sizeof hin);
        for (size_t j = 0; j < ntiles; j++) {
            if (k > 0 && P > 1) {
                size_t need = j + 1 < prev_tiles ? j + 1 : prev_tiles;
                wait_for(&r->prog[prev * PROG_STRIDE], key(k - 1, need));
            }
            size_t lo = j * FIB_B, hi = lo + FIB_B < top ? lo + FIB_B : top;
            r->tile(r->buf, lo, hi, t0, nt, hin, hout);
            memcpy(hin, hout, (size_t)nt * sizeof *hin);
            if (P > 1) atomic_store_explicit(&r->prog[p * PROG_STRIDE], key(k, j + 1),
                                             memory_order_release);
        }
        if (P > 1)
            atomic_store_explicit(&r->prog[p * PROG_STRIDE], key(k, UINT32_MAX),
                                  memory_order_release);
    }
}

int corun_fib_linear(mpz_t out, uint64_t n, int threads, corun_err_t *err) {
    if (n < 2) {
        mpz_set_ui(out, (unsigned long)n);
        return 0;
    }
    lin_run_t r = {.n = n, .tile = pick_tile()};
    r.limbs = (corun_fib_lin_limbs(n) + 7) & ~(size_t)7;
    int rc = 0;
    for (int i = 0; i < 3; i++) {
        r.buf[i] = aligned_alloc(64, r.limbs * sizeof(uint64_t));
        if (!r.buf[i]) {
            rc = corun_err_set(err, CORUN_ENOMEM, "linear F(%llu): out of memory for %zu limbs",
                               (unsigned long long)n, r.limbs);
            goto done;
        }
        memset(r.buf[i], 0, r.limbs * sizeof(uint64_t));
    }
    r.buf[1][0] = 1; /* a = F(0) = 0, b = F(1) = 1 */
    /* Pipelining pays only when there are tiles to overlap. */
    if (threads < 1 || r.limbs < 2 * FIB_B) threads = 1;
    if (threads > 1) {
        r.prog = calloc((size_t)threads * PROG_STRIDE, sizeof *r.prog);
        if (!r.prog) {
            rc = corun_err_set(err, CORUN_ENOMEM, "linear F(%llu): out of memory",
                               (unsigned long long)n);
            goto done;
        }
        fib_par_team(threads, run_thread, &r);
    } else {
        run_thread(&r, 0, 1);
    }
    uint64_t *a = r.buf[n % 3]; /* after n steps a = F(n) */
    if (corun_fib_lin_normalise(a, r.limbs) != 0) {
        rc = corun_err_set(err, CORUN_EINTERNAL, "linear F(%llu): carry out of the top limb",
                           (unsigned long long)n);
        goto done;
    }
    /* 60-bit digits with 4 nail bits: GMP repacks them into its limbs. */
    mpz_import(out, r.limbs, -1, sizeof(uint64_t), 0, 64 - CORUN_FIB_DIGIT_BITS, a);
done:
    for (int i = 0; i < 3; i++) free(r.buf[i]);
    free((void *)r.prog);
    return rc;
}
