/* test_cuda_fib.c — the cuda Fibonacci backend must equal GMP's mpz_fib_ui
 * (and so the CPU backends): small n one by one, limb and carry-cycle edges,
 * a batch wider than one wave, the shared-, dynamic-shared- and global-memory
 * kernels,
 * and the CLI. Suite `cuda_fib` runs on the emulator (CORUN_CUDA=EMULATE
 * builds; skipped otherwise); test_cuda_fib_gpu.c runs the same functions on
 * a real device. Sizes are kept small: the emulator switches every thread of
 * a block at every step's barrier. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/cuda.h"
#include "corun/fib.h"
#include "test_cuda.h"
#include "test_cuda_fib.h"
#include "testlib.h"

typedef struct got {
    atomic_int calls, bad;
    int seen[256];
} got_t;

static int on_done(void *user, corun_fib_result_t *r) {
    got_t *g = user;
    mpz_t ref;
    mpz_init(ref);
    mpz_fib_ui(ref, (unsigned long)r->n);
    if (mpz_cmp(ref, r->value) != 0) {
        fprintf(stderr, "\ncuda F(%llu) differs from mpz_fib_ui\n", (unsigned long long)r->n);
        atomic_fetch_add(&g->bad, 1);
    }
    mpz_clear(ref);
    if (r->task < 256) g->seen[r->task]++;
    atomic_fetch_add(&g->calls, 1);
    corun_fib_result_free(r);
    return 0;
}

static void run_cuda(const uint64_t *n, size_t k) {
    corun_err_t err = {0};
    const corun_fib_backend_t *be = corun_fib_backend_find("cuda", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(be);
    corun_fib_params_t p = {CORUN_FIB_LINEAR, 1, -1};
    void *st = NULL;
    int rc = be->init(&st, &p, &err);
    if (rc) fprintf(stderr, "\n%s\n", err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    got_t g;
    memset(&g, 0, sizeof g);
    rc = be->run(st, n, k, on_done, &g, &err);
    if (rc) fprintf(stderr, "\n%s\n", err.msg);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(atomic_load(&g.calls), (int)k);
    CU_ASSERT_EQUAL(atomic_load(&g.bad), 0);
    for (size_t i = 0; i < k && i < 256; i++) CU_ASSERT_EQUAL(g.seen[i], 1);
    be->fini(st);
}

void cuda_fib_small(void) {
    uint64_t n[200];
    for (int i = 0; i < 200; i++) n[i] = (uint64_t)i; /* 0..199: a batch of many waves */
    run_cuda(n, 200);
}

void cuda_fib_edges(void) {
    /* A new limb every ~86.4 steps; the carry cycle is 6 steps. */
    uint64_t n[40];
    size_t k = 0;
    for (uint64_t e = 1; e <= 8; e++) {
        uint64_t edge = (uint64_t)((double)(60 * e) / 0.6942419136306174);
        for (uint64_t d = 0; d < 5; d++) n[k++] = edge - 2 + d;
    }
    run_cuda(n, k);
    const uint64_t big[] = {3001, 2999, 3000};
    run_cuda(big, 3);
}

void cuda_fib_global(void) {
    /* The global-memory kernel on the same numbers (forced, see fib_cuda.cu). */
    setenv("CORUN_FIB_CUDA_GLOBAL", "1", 1);
    const uint64_t n[] = {0, 1, 2, 93, 94, 600, 1201, 2500};
    run_cuda(n, sizeof n / sizeof *n);
    unsetenv("CORUN_FIB_CUDA_GLOBAL");
}

void cuda_fib_dynamic(void) {
    /* The two-buffer kernel in dynamic shared memory (forced where it fits),
     * across limb and carry-cycle edges. */
    setenv("CORUN_FIB_CUDA_DYNAMIC", "1", 1);
    const uint64_t n[] = {0, 1, 2, 3, 4, 5, 6, 7, 11, 93, 94, 600, 1201, 2500, 2501, 2503};
    run_cuda(n, sizeof n / sizeof *n);
    unsetenv("CORUN_FIB_CUDA_DYNAMIC");
}

void cuda_fib_cli(void) {
    static char out[1 << 16], err[1 << 14];
    const char *a[] = {"corun", "fib", "--backend", "cuda", "--n", "1,93,100,777", "--tasks",
                       "2", "--verify", "--quiet", NULL};
    CU_ASSERT_EQUAL(test_run_corun(a, out, sizeof out, err, sizeof err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "tasks=8 algo=linear backend=cuda"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "verify=ok"));
    /* The same summary hash as the CPU. */
    const char *h = strstr(out, "tasks=8 ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    h = strstr(h, "hash=");
    char want[32];
    snprintf(want, sizeof want, "%.21s", h);
    const char *b[] = {"corun", "fib", "--backend", "serial", "--n", "1,93,100,777", "--tasks",
                       "2", "--quiet", NULL};
    CU_ASSERT_EQUAL(test_run_corun(b, out, sizeof out, err, sizeof err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    const char *c[] = {"corun", "fib", "--backend", "cuda", "--algo", "doubling", NULL};
    CU_ASSERT_EQUAL(test_run_corun(c, out, sizeof out, err, sizeof err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--algo linear"));
}

static void require_emulated(void) { cuda_require(CORUN_CUDA_BUILD_EMULATED); }

static const test_case_t cases[] = {
    {"require_emulated", require_emulated},
    {"n = 0..199 in waves vs mpz_fib_ui", cuda_fib_small},
    {"limb and carry-cycle edges", cuda_fib_edges},
    {"global-memory kernel", cuda_fib_global},
    {"dynamic shared memory, two buffers in place", cuda_fib_dynamic},
    {"CLI: same hash as serial; doubling refused", cuda_fib_cli},
    {NULL, NULL},
};
CORUN_TEST_SUITE(cuda_fib, cases)
