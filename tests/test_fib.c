/* test_fib.c — the Fibonacci library: known values, every algorithm and
 * thread count against GMP's mpz_fib_ui (limb, tile, block and carry-cycle
 * boundaries of the linear kernel included), the parallel decimal split
 * against mpz_get_str, batches on every backend (each task delivered once,
 * largest first), limits and names. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "corun/fib.h"
#include "fib/fib_int.h"
#include "fib_limb.h"
#include "testlib.h"

/* F(n) by algo on `threads` threads equals mpz_fib_ui's. fft_limbs > 0: by
 * doubling, with its last step on FLINT's threads from that size on. */
static int same_as_gmp_tuned(uint64_t n, corun_fib_algo_t algo, int threads, size_t fft_limbs) {
    mpz_t got, ref;
    mpz_inits(got, ref, NULL);
    mpz_fib_ui(ref, (unsigned long)n);
    corun_err_t err = {0};
    int rc = fft_limbs ? fib_doubling_tuned(got, n, threads, fft_limbs)
                       : corun_fib_compute(got, n, algo, threads, &err);
    int ok = rc == 0 && mpz_cmp(got, ref) == 0;
    if (!ok)
        fprintf(stderr, "\nF(%llu) %s threads=%d fft_limbs=%zu differs from mpz_fib_ui (rc %d %s)\n",
                (unsigned long long)n, corun_fib_algo_name(algo), threads, fft_limbs, rc,
                err.msg);
    mpz_clears(got, ref, NULL);
    return ok;
}

static int same_as_gmp(uint64_t n, corun_fib_algo_t algo, int threads) {
    return same_as_gmp_tuned(n, algo, threads, 0);
}

static char *decimal_of(uint64_t n, corun_fib_algo_t algo) {
    mpz_t v;
    mpz_init(v);
    char *s = NULL;
    size_t len;
    CU_ASSERT_EQUAL(corun_fib_compute(v, n, algo, 1, NULL), 0);
    CU_ASSERT_EQUAL(corun_fib_decimal(v, 1, &s, &len, NULL), 0);
    mpz_clear(v);
    return s;
}

/* Release builds run the big linear cases; Debug/sanitizer builds skip them. */
static int optimised(void) { return !strcmp(CORUN_BUILD_TYPE, "Release") && !CORUN_SANITIZERS[0]; }

static void check_str(uint64_t n, corun_fib_algo_t algo, const char *want) {
    char *s = decimal_of(n, algo);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(s, want);
    free(s);
}

static void test_known_values(void) {
    for (int a = 0; a < 2; a++) {
        corun_fib_algo_t algo = (corun_fib_algo_t)a;
        char *s;
        check_str(0, algo, "0");
        check_str(1, algo, "1");
        check_str(2, algo, "1");
        /* F(93): the largest Fibonacci number that fits in 64 bits. */
        check_str(93, algo, "12200160415121876738");
        mpz_t v;
        mpz_init(v);
        corun_fib_compute(v, 94, algo, 1, NULL);
        CU_ASSERT(mpz_sizeinbase(v, 2) > 64);
        mpz_clear(v);
        check_str(100, algo, "354224848179261915075");
        /* The linear F(10^6) takes ~1 s optimised, minutes under ASan at -O0:
         * there it is left to the fib_cli suite's Release runs. */
        if (algo == CORUN_FIB_LINEAR && !optimised()) continue;
        s = decimal_of(1000000, algo);
        CU_ASSERT_EQUAL(strlen(s), 208988);
        CU_ASSERT_STRING_EQUAL(s + 208988 - 20, "68996526838242546875");
        free(s);
    }
}

/* Every n up to 400 (first limbs, carry cycles), then around boundaries:
 * a new 60-bit limb every ~86.4 steps, a tile (1024 limbs) at ~88,500, a
 * block of 120 steps, plus scattered n. */
static void test_against_gmp_small(void) {
    for (uint64_t n = 0; n <= 400; n++) {
        CU_ASSERT(same_as_gmp(n, CORUN_FIB_LINEAR, 1));
        CU_ASSERT(same_as_gmp(n, CORUN_FIB_DOUBLING, 1));
    }
    for (uint64_t k = 1; k < 40; k++) {
        uint64_t edge = (uint64_t)((double)(60 * k) / 0.6942419136306174);
        for (uint64_t n = edge - 2; n <= edge + 2; n++)
            CU_ASSERT(same_as_gmp(n, CORUN_FIB_LINEAR, 1));
    }
    const uint64_t ns[] = {1199, 1200, 1201, 4799, 4801, 9973, 20000, 33333, 65537};
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
        for (int t = 1; t <= 2; t++) {
            CU_ASSERT(same_as_gmp(ns[i], CORUN_FIB_LINEAR, t));
            CU_ASSERT(same_as_gmp(ns[i], CORUN_FIB_DOUBLING, t));
        }
}

static void test_against_gmp_tiles(void) {
    /* Crossing the first tile boundary (1024 limbs) inside a block. */
    const uint64_t ns[] = {88450, 88521, 88600};
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
        CU_ASSERT(same_as_gmp(ns[i], CORUN_FIB_LINEAR, 1));
    /* Large enough for the linear limb split (>= 2 tiles) and for parallel
     * squarings; 2 and 3 threads (an odd team must not deadlock). */
    for (int t = 1; t <= 3; t++) {
        CU_ASSERT(same_as_gmp(180001, CORUN_FIB_LINEAR, t));
        CU_ASSERT(same_as_gmp(180001, CORUN_FIB_DOUBLING, t));
    }
    if (optimised()) CU_ASSERT(same_as_gmp(400003, CORUN_FIB_LINEAR, 2)); /* 4+ tiles */
    CU_ASSERT(same_as_gmp(2000000, CORUN_FIB_DOUBLING, 2));
    CU_ASSERT(same_as_gmp(2000001, CORUN_FIB_DOUBLING, 2));
}

/* Doubling's last step in each of its forms: one product on one thread
 * (GMP), two squarings at once, and one product on FLINT's threads, here
 * forced from 256 limbs on so that sizes a test can afford reach it. Odd
 * and even n (two identities), m = n/2 odd and even (the sign of 2(-1)^m). */
static void test_doubling_last_step(void) {
    const uint64_t ns[] = {50000, 50001, 50002, 50003, 99999, 180001, 1000000, 2000001};
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
        for (int t = 1; t <= 3; t++)
            CU_ASSERT(same_as_gmp_tuned(ns[i], CORUN_FIB_DOUBLING, t, FIB_FFT_MIN_LIMBS));
    CU_ASSERT(same_as_gmp(2000001, CORUN_FIB_DOUBLING, 1)); /* GMP's product, large */
}

/* fib_mul_fft against mpz_mul: balanced and unbalanced sizes, the fallback
 * below FLINT's minimum, an aliased result, and zero. */
static void test_mul_fft(void) {
    gmp_randstate_t rs;
    gmp_randinit_default(rs);
    gmp_randseed_ui(rs, 42);
    const unsigned long bits[][2] = {{64, 64},         {16384, 16384},   {16448, 20000},
                                     {100000, 17000}, {300001, 299999}, {1 << 20, 12345},
                                     {0, 50000}};
    mpz_t a, b, r, ref;
    mpz_inits(a, b, r, ref, NULL);
    for (size_t i = 0; i < sizeof bits / sizeof *bits; i++)
        for (int t = 1; t <= 2; t++) {
            mpz_urandomb(a, rs, bits[i][0]);
            mpz_urandomb(b, rs, bits[i][1]);
            mpz_mul(ref, a, b);
            fib_mul_fft(r, a, b, t);
            CU_ASSERT_EQUAL(mpz_cmp(r, ref), 0);
            fib_mul_fft(a, a, b, t); /* aliased: mpz_mul's job */
            CU_ASSERT_EQUAL(mpz_cmp(a, ref), 0);
        }
    mpz_clears(a, b, r, ref, NULL);
    gmp_randclear(rs);
}

/* fib_mul_fft from two threads at once, each asking FLINT for 2 threads (what
 * two tasks of a batch do at their last steps when each has 2 threads): FLINT
 * resizes its one global pool when the count changes, and aborts if another
 * thread is using it, so calls must not overlap. */
typedef struct mul_arg {
    unsigned long seed;
    int ok;
} mul_arg_t;

static void *mul_thread(void *p) {
    mul_arg_t *m = p;
    gmp_randstate_t rs;
    gmp_randinit_default(rs);
    gmp_randseed_ui(rs, m->seed);
    mpz_t a, b, r, ref;
    mpz_inits(a, b, r, ref, NULL);
    m->ok = 1;
    for (int i = 0; i < 40; i++) {
        mpz_urandomb(a, rs, 300000 + 64 * (unsigned long)i);
        mpz_urandomb(b, rs, 200000);
        mpz_mul(ref, a, b);
        fib_mul_fft(r, a, b, 2 + (i & 1));
        if (mpz_cmp(r, ref)) m->ok = 0;
    }
    mpz_clears(a, b, r, ref, NULL);
    gmp_randclear(rs);
    return NULL;
}

static void test_mul_fft_concurrent(void) {
    pthread_t th[2];
    mul_arg_t args[2] = {{1, 0}, {2, 0}};
    for (int i = 0; i < 2; i++) CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, mul_thread, &args[i]), 0);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    CU_ASSERT(args[0].ok && args[1].ok);
}

/* The kernel alone: a carrying step is a pure function of (a, b) per limb
 * pair, and normalise keeps the value. */
static void test_limb_kernel(void) {
    uint64_t a[4] = {CORUN_FIB_DIGIT_MASK, 5, 0, 0}, b[4] = {CORUN_FIB_DIGIT_MASK, 7, 0, 0}, c[4];
    uint64_t h = corun_fib_lin_step(c, a, b, 0, 4, 4 /* a carrying step */, 0);
    CU_ASSERT_EQUAL(h, 0);
    CU_ASSERT_EQUAL(c[0], CORUN_FIB_DIGIT_MASK - 1);
    CU_ASSERT_EQUAL(c[1], 13);
    CU_ASSERT_EQUAL(corun_fib_lin_step(c, a, b, 0, 4, 0 /* carry-free */, 9), 0);
    CU_ASSERT_EQUAL(c[0], 2 * CORUN_FIB_DIGIT_MASK);
    uint64_t d[3] = {8 * (CORUN_FIB_DIGIT_MASK + 1), 3, 0};
    CU_ASSERT_EQUAL(corun_fib_lin_normalise(d, 3), 0);
    CU_ASSERT_EQUAL(d[0], 0);
    CU_ASSERT_EQUAL(d[1], 11);
    CU_ASSERT(corun_fib_lin_carries(4) && corun_fib_lin_carries(5) && !corun_fib_lin_carries(6));
}

static void check_decimal(mpz_srcptr v, int threads) {
    char *ref = mpz_get_str(NULL, 10, v), *s = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL_FATAL(corun_fib_decimal(v, threads, &s, &len, NULL), 0);
    CU_ASSERT_EQUAL(len, strlen(ref));
    CU_ASSERT_STRING_EQUAL(s, ref);
    free(s);
    void (*gmp_free)(void *, size_t);
    mp_get_memory_functions(NULL, NULL, &gmp_free);
    gmp_free(ref, strlen(ref) + 1);
}

static void test_decimal_split(void) {
    mpz_t v;
    mpz_init(v);
    corun_fib_compute(v, 2500000, CORUN_FIB_DOUBLING, 2, NULL); /* ~27k limbs: split once */
    for (int t = 1; t <= 4; t++) check_decimal(v, t);
    /* Zeros at the split point: 10^k - 1, 10^k, 10^k + 1 and 10^k + 10^(k/2). */
    for (unsigned long k = 500000; k <= 500001; k++) {
        mpz_ui_pow_ui(v, 10, k);
        check_decimal(v, 2);
        mpz_sub_ui(v, v, 1);
        check_decimal(v, 3);
        mpz_add_ui(v, v, 2);
        check_decimal(v, 2);
        mpz_t h;
        mpz_init(h);
        mpz_ui_pow_ui(h, 10, k / 2);
        mpz_add(v, v, h);
        check_decimal(v, 4);
        mpz_clear(h);
    }
    mpz_set_si(v, -5);
    char *s = NULL;
    size_t len;
    CU_ASSERT_EQUAL(corun_fib_decimal(v, 1, &s, &len, NULL), CORUN_EINVAL);
    CU_ASSERT_PTR_NULL(s);
    mpz_clear(v);
}

/* The conversion tree with thresholds shrunk so small numbers reach every
 * branch: leaves of 1-50 digits, heads of 0.1-99.9 %, 2-4 threads, on
 * random numbers and on numbers with runs of zeros and nines at the splits
 * (10^a +- 1, 10^a + 10^b), against mpz_get_str. */
static void check_tuned(mpz_srcptr v, int threads, size_t leaf, unsigned head) {
    char *s = NULL;
    size_t len = 0;
    corun_err_t err;
    int rc = fib_decimal_tuned(v, threads, 1, leaf, head, &s, &len, &err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    char *ref = mpz_get_str(NULL, 10, v);
    CU_ASSERT_EQUAL(len, strlen(ref));
    int same = strcmp(s, ref) == 0;
    CU_ASSERT(same);
    if (!same) fprintf(stderr, "decimal tree: threads %d leaf %zu head %u: %.40s... != %.40s...\n",
                       threads, leaf, head, s, ref);
    free(s);
    void (*gmp_free)(void *, size_t);
    mp_get_memory_functions(NULL, NULL, &gmp_free);
    gmp_free(ref, strlen(ref) + 1);
}

static void test_decimal_tree(void) {
    static const size_t leaves[] = {1, 2, 3, 7, 50};
    static const unsigned heads[] = {1, 150, 500, 999};
    gmp_randstate_t rs;
    gmp_randinit_default(rs);
    gmp_randseed_ui(rs, 12345);
    mpz_t v, w;
    mpz_inits(v, w, NULL);
    int cases = 0;
    for (unsigned long digits = 1; digits <= 3000; digits = digits * 3 / 2 + 1) {
        for (int kind = 0; kind < 5; kind++) {
            unsigned long a = digits, b = (unsigned long)gmp_urandomm_ui(rs, digits) + 0;
            switch (kind) {
            case 0: /* random with exactly `digits` digits or fewer */
                mpz_ui_pow_ui(w, 10, a);
                mpz_urandomm(v, rs, w);
                break;
            case 1: mpz_ui_pow_ui(v, 10, a); break;                          /* 1000...0 */
            case 2: mpz_ui_pow_ui(v, 10, a); mpz_sub_ui(v, v, 1); break;     /* 999...9 */
            case 3: mpz_ui_pow_ui(v, 10, a); mpz_add_ui(v, v, 1); break;     /* 100...01 */
            default: /* 10^a + 10^b: zeros on both sides of a 1 inside */
                mpz_ui_pow_ui(v, 10, a);
                mpz_ui_pow_ui(w, 10, b);
                mpz_add(v, v, w);
                break;
            }
            for (int i = 0; i < 3; i++, cases++)
                check_tuned(v, 2 + (cases % 3), leaves[cases % 5], heads[(cases / 5) % 4]);
        }
    }
    /* Zero and one-digit values take the one-call path. */
    mpz_set_ui(v, 0);
    check_tuned(v, 2, 1, 150);
    mpz_set_ui(v, 7);
    check_tuned(v, 2, 1, 150);
    /* A head outside 1..999 per mille is refused. */
    char *s = NULL;
    size_t len;
    CU_ASSERT_EQUAL(fib_decimal_tuned(v, 2, 1, 1, 1000, &s, &len, NULL), CORUN_EINVAL);
    CU_ASSERT_PTR_NULL(s);
    mpz_clears(v, w, NULL);
    gmp_randclear(rs);
}

typedef struct collect {
    atomic_int calls;
    int seen[64];
    uint64_t order_n[64];
    atomic_int next;
    int stop_after; /* 0: never */
} collect_t;

static int on_done(void *user, corun_fib_result_t *r) {
    collect_t *c = user;
    int k = atomic_fetch_add(&c->next, 1);
    atomic_fetch_add(&c->calls, 1);
    if (r->task < 64) __atomic_fetch_add(&c->seen[r->task], 1, __ATOMIC_RELAXED);
    if (k < 64) c->order_n[k] = r->n;
    mpz_t ref;
    mpz_init(ref);
    mpz_fib_ui(ref, (unsigned long)r->n);
    CU_ASSERT_EQUAL(mpz_cmp(ref, r->value), 0);
    mpz_clear(ref);
    CU_ASSERT(r->seconds >= 0);
    corun_fib_result_free(r);
    return (c->stop_after && k + 1 >= c->stop_after) ? CORUN_ECANCELED : 0;
}

static void run_batch(const char *backend, corun_fib_algo_t algo, int threads) {
    const uint64_t n[] = {10, 50000, 0, 1, 93, 20000, 7, 50000, 3000, 100};
    const size_t nt = sizeof n / sizeof *n;
    corun_err_t err = {0};
    const corun_fib_backend_t *be = corun_fib_backend_find(backend, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(be);
    corun_fib_params_t p = {algo, threads, -1};
    void *st = NULL;
    CU_ASSERT_EQUAL_FATAL(be->init(&st, &p, &err), 0);
    collect_t c;
    memset(&c, 0, sizeof c);
    CU_ASSERT_EQUAL(be->run(st, n, nt, on_done, &c, &err), 0);
    CU_ASSERT_EQUAL(atomic_load(&c.calls), (int)nt);
    for (size_t i = 0; i < nt; i++) CU_ASSERT_EQUAL(c.seen[i], 1); /* nothing lost or doubled */
    if (!strcmp(backend, "serial")) /* one after the other: exactly largest first */
        for (size_t i = 1; i < nt; i++) CU_ASSERT(c.order_n[i - 1] >= c.order_n[i]);
    /* A handler error stops the batch and is returned. */
    memset(&c, 0, sizeof c);
    c.stop_after = 2;
    CU_ASSERT_EQUAL(be->run(st, n, nt, on_done, &c, &err), CORUN_ECANCELED);
    CU_ASSERT(atomic_load(&c.calls) < (int)nt);
    CU_ASSERT_EQUAL(be->run(st, n, 0, on_done, &c, &err), 0);
    be->fini(st);
}

static void test_backends(void) {
    for (int a = 0; a < 2; a++) {
        run_batch("serial", (corun_fib_algo_t)a, 1);
        run_batch("omp", (corun_fib_algo_t)a, 2);
        run_batch("omp", (corun_fib_algo_t)a, 3);
        run_batch("auto", (corun_fib_algo_t)a, 0);
    }
}

static void test_schedule_and_fewer_tasks(void) {
    const uint64_t n[] = {5, 9, 5, 100, 9};
    size_t order[5];
    corun_fib_schedule(n, 5, order);
    const size_t want[] = {3, 1, 4, 0, 2}; /* largest first, ties in index order */
    for (int i = 0; i < 5; i++) CU_ASSERT_EQUAL(order[i], want[i]);
    /* One task, four threads: the threads go inside the task. */
    const uint64_t one[] = {180000};
    corun_fib_params_t p = {CORUN_FIB_LINEAR, 4, -1};
    void *st = NULL;
    CU_ASSERT_EQUAL_FATAL(corun_fib_backend_omp.init(&st, &p, NULL), 0);
    collect_t c;
    memset(&c, 0, sizeof c);
    CU_ASSERT_EQUAL(corun_fib_backend_omp.run(st, one, 1, on_done, &c, NULL), 0);
    CU_ASSERT_EQUAL(atomic_load(&c.calls), 1);
    corun_fib_backend_omp.fini(st);
}

static void test_limits_and_names(void) {
    corun_err_t err = {0};
    CU_ASSERT(corun_fib_n_max(1) >= 10000000);
    CU_ASSERT(corun_fib_n_max(4) <= corun_fib_n_max(1));
    CU_ASSERT_EQUAL(corun_fib_check_n(1000000, 2, &err), 0);
    CU_ASSERT_EQUAL(corun_fib_check_n(UINT64_MAX, 1, &err), CORUN_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "above the limit"));
    corun_fib_algo_t a;
    CU_ASSERT_EQUAL(corun_fib_algo_parse("linear", &a, &err), 0);
    CU_ASSERT_EQUAL(a, CORUN_FIB_LINEAR);
    CU_ASSERT_EQUAL(corun_fib_algo_parse("Linear", &a, &err), CORUN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "Linear"));
    CU_ASSERT_PTR_NULL(corun_fib_backend_find("gpu", &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "gpu"));
    CU_ASSERT_PTR_NOT_NULL(corun_fib_backend_find("serial", &err));
    corun_fib_result_free(NULL);
}

/* gmp_mem.c: a block GMP got from malloc before the functions were
 * installed, then grown and freed through them; mapped blocks grown in place
 * or moved (mremap), shrunk below the mapping size (a copy to malloc), and
 * their contents kept across every change. */
static void fill(mpz_ptr z, size_t limbs, unsigned seed) {
    mpz_realloc2(z, (mp_bitcnt_t)limbs * 64);
    mp_limb_t *d = mpz_limbs_write(z, (mp_size_t)limbs);
    for (size_t i = 0; i < limbs; i++) d[i] = (mp_limb_t)(i * 2654435761u + seed) | 1u;
    mpz_limbs_finish(z, (mp_size_t)limbs);
}

static int same_prefix(mpz_srcptr z, size_t limbs, unsigned seed) {
    const mp_limb_t *d = mpz_limbs_read(z);
    for (size_t i = 0; i < limbs; i++)
        if (d[i] != ((mp_limb_t)(i * 2654435761u + seed) | 1u)) return 0;
    return 1;
}

static void test_gmp_memory(void) {
    const size_t big = (size_t)3 << 20 >> 3; /* limbs: 3 MiB */
    mpz_t early, a, b;
    /* Allocated while GMP may still use its defaults (an earlier test may
     * have installed ours already: then this is a mapped block too). */
    mpz_init(early);
    fill(early, big, 1);
    corun_fib_mem_init();
    corun_fib_mem_init(); /* once */
    mpz_realloc2(early, (mp_bitcnt_t)big * 64 * 3); /* grown through ours */
    CU_ASSERT(same_prefix(early, big, 1));
    mpz_clear(early);
    mpz_inits(a, b, NULL);
    fill(a, big, 2);              /* mapped */
    mpz_realloc2(a, (mp_bitcnt_t)big * 64 * 4); /* mremap: grown */
    CU_ASSERT(same_prefix(a, big, 2));
    fill(b, 1000, 3);             /* malloc */
    mpz_realloc2(b, (mp_bitcnt_t)big * 64); /* malloc -> mapped: copied */
    CU_ASSERT(same_prefix(b, 1000, 3));
    fill(b, big, 4);
    mpz_realloc2(b, 100 * 64);    /* mapped -> malloc: copied */
    CU_ASSERT(same_prefix(b, 100, 4));
    mpz_mul(b, a, a);             /* GMP's own temporaries through ours */
    mpz_t c;
    mpz_init(c);
    mpz_set(c, a);
    mpz_mul(c, c, a);
    CU_ASSERT_EQUAL(mpz_cmp(b, c), 0);
    mpz_clears(a, b, c, NULL);
    /* Freed mapped blocks wait in the cache; a block of a size that fits
     * takes one out again, and all of it is usable. */
    size_t n0, bytes0, n1, bytes1, n2, bytes2;
    corun_fib_mem_cached(&n0, &bytes0);
    CU_ASSERT(n0 >= 1);
    mpz_init(a);
    fill(a, big * 2, 5);
    mpz_init(b);
    fill(b, big * 2, 6);
    mpz_clear(b); /* b's block returns to the cache */
    corun_fib_mem_cached(&n1, &bytes1);
    mpz_init(b);
    fill(b, big * 2, 7); /* and is taken again */
    corun_fib_mem_cached(&n2, &bytes2);
    CU_ASSERT_EQUAL(n2 + 1, n1);
    CU_ASSERT(bytes2 < bytes1);
    CU_ASSERT(same_prefix(a, big * 2, 5));
    CU_ASSERT(same_prefix(b, big * 2, 7));
    mpz_clears(a, b, NULL);
}

static const test_case_t cases[] = {
    {"known values (F(0), F(1), F(93), F(94), F(100), F(10^6))", test_known_values},
    {"linear and doubling vs mpz_fib_ui, n <= 400 and limb edges", test_against_gmp_small},
    {"tile edges, limb split and parallel squarings vs mpz_fib_ui", test_against_gmp_tiles},
    {"doubling's last step: GMP product, two squarings, FLINT product", test_doubling_last_step},
    {"FLINT's threaded FFT product vs mpz_mul", test_mul_fft},
    {"FLINT's threaded FFT product from two threads at once", test_mul_fft_concurrent},
    {"limb kernel: carry step, carry-free step, normalise", test_limb_kernel},
    {"decimal split vs mpz_get_str (zeros at the split)", test_decimal_split},
    {"decimal tree, tiny leaves and heads, vs mpz_get_str", test_decimal_tree},
    {"batches on every backend: each task once, largest first, stop", test_backends},
    {"schedule order; one task with spare threads", test_schedule_and_fewer_tasks},
    {"limits, algorithm and backend names", test_limits_and_names},
    {"GMP memory functions: mapped, malloc'd, grown, shrunk, moved", test_gmp_memory},
    {NULL, NULL},
};
CORUN_TEST_SUITE(fib, cases)
