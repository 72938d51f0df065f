/* linear.c — F(n) by the seed's loop a, b = b, a + b on deferred-carry limbs
 * (kernels/fib_limb.h), tiled so the working set stays in L1, optionally
 * split over several threads.
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
 * Threads (a task with spare threads): the limbs are split into P ranges
 * of equal total work (split_limbs), one per thread, and each thread runs
 * every block on its own range, so its data stays in its own core's caches.
 * Carries only go up: thread p needs, per block, the high parts of the top
 * limb of thread p-1's range, which p-1 leaves in a ring of RING blocks and
 * announces with a release store of its block count; the lowest thread
 * never waits, the others trail it by about a block. (A first version gave
 * whole blocks to alternate threads on the same tiles: every tile then
 * moved between the cores once per block, and two threads were slower than
 * one.) All P threads must run at once (they wait on each other), so P is
 * what the OpenMP team actually has, never what was asked for.
 */
#include <math.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
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
    if (corun_cpu_has(CORUN_CPU_AVX512F | CORUN_CPU_AVX512VL)) return tile_avx512;
    if (corun_cpu_has(CORUN_CPU_AVX2)) return tile_avx2;
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

static void wait_for(_Atomic uint64_t *p, uint64_t need) {
    unsigned spins = 0;
    while (atomic_load_explicit(p, memory_order_acquire) < need) {
        /* Spin briefly (the neighbour is usually just behind), then yield: on
         * a loaded machine the thread we wait for may need our core. */
        if (++spins > 2000) sched_yield();
#if defined(__x86_64__)
        else __builtin_ia32_pause();
#endif
    }
}

#define RING 16       /* blocks of high parts a thread may run ahead of the next */
#define PROG_STRIDE 8 /* 64-byte spacing: no false sharing between counters */

typedef struct lin_run {
    uint64_t *buf[3];
    uint64_t n;
    size_t limbs;           /* buffer length */
    tile_fn tile;
    size_t *bound;          /* thread p owns limbs [bound[p], bound[p+1]) */
    _Atomic uint64_t *done; /* per thread: blocks finished (stride PROG_STRIDE) */
    uint64_t *ring;         /* per thread: RING x FIB_T high parts of its top limb */
    atomic_int ready;       /* bound[] is set */
} lin_run_t;

/* The blocks of thread p (of P) on its limb range. */
static void run_thread(void *arg, int p, int P) {
    lin_run_t *r = arg;
    uint64_t hin[FIB_T], hout[FIB_T];
    uint64_t nblocks = (r->n + FIB_T - 1) / FIB_T;
    size_t lo_p = P > 1 ? r->bound[p] : 0, hi_p = P > 1 ? r->bound[p + 1] : r->limbs;
    for (uint64_t k = 0; k < nblocks; k++) {
        uint64_t t0 = k * FIB_T;
        int nt = (int)(r->n - t0 < FIB_T ? r->n - t0 : FIB_T);
        size_t top = corun_fib_lin_limbs(t0 + (uint64_t)nt);
        if (top > r->limbs) top = r->limbs;
        size_t hi = hi_p < top ? hi_p : top;
        memset(hin, 0, sizeof hin);
        if (p > 0) { /* the high parts of the range below, this block */
            wait_for(&r->done[(p - 1) * PROG_STRIDE], k + 1);
            memcpy(hin, r->ring + ((size_t)(p - 1) * RING + k % RING) * FIB_T,
                   (size_t)nt * sizeof *hin);
        }
        if (lo_p >= hi) { /* the number does not reach our range yet */
            memset(hout, 0, sizeof hout);
        }
        for (size_t lo = lo_p; lo < hi; lo += FIB_B) {
            size_t h = lo + FIB_B < hi ? lo + FIB_B : hi;
            r->tile(r->buf, lo, h, t0, nt, hin, hout);
            memcpy(hin, hout, (size_t)nt * sizeof *hin);
        }
        if (p + 1 < P) {
            /* Slot k % RING is free once the next thread finished block k-RING. */
            if (k >= RING) wait_for(&r->done[(p + 1) * PROG_STRIDE], k - RING + 1);
            memcpy(r->ring + ((size_t)p * RING + k % RING) * FIB_T, lo_p < hi ? hin : hout,
                   (size_t)nt * sizeof *hin);
            atomic_store_explicit(&r->done[p * PROG_STRIDE], k + 1, memory_order_release);
        } else if (P > 1) {
            atomic_store_explicit(&r->done[p * PROG_STRIDE], k + 1, memory_order_release);
        }
    }
}

/* Splits the limbs among P threads for equal work: the number grows
 * linearly, so limb i is worked on in a fraction (1 - i/L) of the steps and
 * the range [0, s) gets work proportional to 1 - (1 - s/L)^2. */
static void split_limbs(size_t limbs, int P, size_t *bound) {
    bound[0] = 0;
    for (int p = 1; p < P; p++) {
        double f = 1.0 - sqrt(1.0 - (double)p / P);
        size_t b = ((size_t)(f * (double)limbs) + 7) & ~(size_t)7;
        bound[p] = b > limbs ? limbs : b;
    }
    bound[P] = limbs;
}

/* The team's entry: the split follows the team OpenMP actually gave. */
static void team_entry(void *arg, int p, int P) {
    lin_run_t *r = arg;
    if (p == 0) {
        split_limbs(r->limbs, P, r->bound);
        atomic_store_explicit(&r->ready, 1, memory_order_release);
    }
    while (!atomic_load_explicit(&r->ready, memory_order_acquire)) sched_yield();
    run_thread(arg, p, P);
}

int corun_fib_linear(mpz_t out, uint64_t n, int threads, corun_err_t *err) {
    corun_fib_mem_init();
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
    /* Splitting pays only when each thread gets a few tiles. */
    if (threads < 1 || r.limbs < 2 * FIB_B) threads = 1;
    if (threads > 1) {
        r.bound = malloc(((size_t)threads + 1) * sizeof *r.bound);
        r.done = calloc((size_t)threads * PROG_STRIDE, sizeof *r.done);
        r.ring = malloc((size_t)threads * RING * FIB_T * sizeof *r.ring);
        if (!r.bound || !r.done || !r.ring) {
            rc = corun_err_set(err, CORUN_ENOMEM, "linear F(%llu): out of memory",
                               (unsigned long long)n);
            goto done;
        }
        fib_par_team(threads, team_entry, &r);
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
    free(r.bound);
    free((void *)r.done);
    free(r.ring);
    return rc;
}
