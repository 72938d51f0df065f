/* fib.h — exact Fibonacci numbers F(n) as big integers, alone or in batches,
 * on the serial and OpenMP backends, and their decimal conversion.
 *
 * What it does. Two algorithms give identical results (both are checked
 * against GMP's mpz_fib_ui in the tests):
 *   linear   — the seed's loop a, b = b, a + b, n steps, on 60-bit digits in
 *              64-bit words with deferred carries (kernels/fib_limb.h), so a
 *              step is a carry-free vectorisable add; O(n^2) bit operations.
 *   doubling — fast doubling with GMP squarings; the two squarings of each
 *              step run on two threads when the numbers are large.
 * A backend runs a batch of tasks (one F(n) each): `serial` one after the
 * other on the caller's thread, `omp` in parallel with dynamic scheduling,
 * largest n first; when a batch has fewer tasks than threads the spare
 * threads work inside each task.
 *
 * Memory. Results are GMP integers (mpz_t) owned by the caller: the compute
 * functions write into an mpz_t the caller initialised; a batch hands each
 * result to the done callback, which takes ownership and releases it with
 * corun_fib_result_free (from any thread). Decimal strings are malloc'd and
 * freed with free().
 *
 * Threads. Compute runs on the caller's thread plus OpenMP threads inside
 * run(). The done callback is called on a compute thread, possibly by
 * several threads at once: it must be thread-safe and quick (hand the result
 * over, e.g. to the aio loop, and return).
 *
 * Failure. Every fallible call returns 0 or a negative CORUN_E* code with a
 * message naming the field at fault (e.g. "n=...: above the limit ...").
 * Inputs are checked before any work starts (corun_fib_check_n). GMP itself
 * aborts if an allocation fails; the memory limit on n exists so that it
 * does not happen. Nothing here calls exit().
 */
#ifndef CORUN_FIB_H
#define CORUN_FIB_H

#include <stddef.h>
#include <stdint.h>

#include "corun/config.h"
#include "corun/err.h"

#if CORUN_HAVE_FIB
#include <gmp.h>
#else
/* A corun built without GMP has no fib workload and does not install this
 * header; the program's fib-free parts still include it for the names they
 * share with `corun fib` (answered by src/cli/fib_disabled.c). This
 * stand-in for GMP's integer type keeps the declarations below valid C. */
typedef struct corun_fib_no_gmp { int unused; } mpz_t[1];
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ algorithms */

typedef enum corun_fib_algo {
    CORUN_FIB_DOUBLING = 0, /* default: users want the number */
    CORUN_FIB_LINEAR = 1    /* the seed's loop, done fast */
} corun_fib_algo_t;

CORUN_API const char *corun_fib_algo_name(corun_fib_algo_t a);
/* "linear" or "doubling"; anything else is CORUN_EINVAL naming the value. */
CORUN_API int corun_fib_algo_parse(const char *s, corun_fib_algo_t *out, corun_err_t *err);

/* out = F(n) with up to `threads` threads (<= 0: 1). out must be
 * initialised (mpz_init). */
CORUN_API int corun_fib_linear(mpz_t out, uint64_t n, int threads, corun_err_t *err);
CORUN_API int corun_fib_doubling(mpz_t out, uint64_t n, int threads, corun_err_t *err);
CORUN_API int corun_fib_compute(mpz_t out, uint64_t n, corun_fib_algo_t algo, int threads,
                                corun_err_t *err);

/* "gmp X.Y.Z, flint X.Y.Z": the big-integer libraries linked (corun info). */
CORUN_API const char *corun_fib_libraries(void);

/* ------------------------------------------------------- decimal output */

/* The decimal string of v >= 0 (malloc'd, NUL-terminated, *len = strlen)
 * using up to `threads` threads: huge values are split by powers of ten
 * and the parts converted in parallel. */
CORUN_API int corun_fib_decimal(const mpz_t v, int threads, char **out, size_t *len,
                                corun_err_t *err);

/* --------------------------------------------------------------- limits */

/* Largest n accepted when `concurrent` results may be in memory at once:
 * derived from MemAvailable (about 2 bytes per unit of n per result, for
 * the number, the algorithm's temporaries and the decimal string) and from
 * GMP's size limit. */
CORUN_API uint64_t corun_fib_n_max(size_t concurrent);
/* 0 if n <= corun_fib_n_max(concurrent), else CORUN_ERANGE with a message
 * saying the limit and why. */
CORUN_API int corun_fib_check_n(uint64_t n, size_t concurrent, corun_err_t *err);

/* ------------------------------------------------------------- backends */

typedef struct corun_fib_params {
    corun_fib_algo_t algo;
    int threads; /* total threads (omp); 0 = the OpenMP default */
    int device;  /* cuda: device index; -1 = CUDA_VISIBLE_DEVICES / device 0 */
} corun_fib_params_t;

/* One finished task, handed to the done callback (which then owns it). */
typedef struct corun_fib_result {
    size_t task;     /* index into the batch's n array */
    uint64_t n;
    mpz_t value;     /* F(n) */
    double seconds;  /* compute time of this task */
    int threads;     /* threads that worked inside this task */
} corun_fib_result_t;

CORUN_API void corun_fib_result_free(corun_fib_result_t *r); /* NULL ok */

/* Called once per finished task, in completion order. Return 0 to go on; a
 * negative code stops the batch (tasks not yet started are skipped) and run()
 * returns that code. */
typedef int (*corun_fib_done_cb)(void *user, corun_fib_result_t *r);

/* A batch backend (struct of function pointers, one file per backend).
 * run() computes F(n[i]) for every i, largest n first, and calls done for
 * each as it finishes. fini() is safe on a failed init's NULL. */
typedef struct corun_fib_backend {
    const char *name;
    int (*init)(void **state, const corun_fib_params_t *p, corun_err_t *err);
    int (*run)(void *state, const uint64_t *n, size_t ntasks, corun_fib_done_cb done, void *user,
               corun_err_t *err);
    void (*fini)(void *state);
    /* Threads the backend uses (for the summary). */
    int (*threads)(void *state);
} corun_fib_backend_t;

CORUN_API extern const corun_fib_backend_t corun_fib_backend_serial;
CORUN_API extern const corun_fib_backend_t corun_fib_backend_omp;
/* Only in builds with the cuda backend (CORUN_CUDA_BACKEND, kernels/fib_cuda.cu):
 * the linear algorithm, one thread block per task. */
CORUN_API extern const corun_fib_backend_t corun_fib_backend_cuda;

/* "serial", "omp", "cuda", "auto" (= the fastest compiled in: omp). NULL
 * with a message listing the choices if unknown or not built. */
CORUN_API const corun_fib_backend_t *corun_fib_backend_find(const char *name, corun_err_t *err);

/* Task order of a batch: indices sorted by n, largest first, ties in index
 * order (so a batch's schedule does not depend on the backend). order must
 * hold ntasks entries. */
CORUN_API void corun_fib_schedule(const uint64_t *n, size_t ntasks, size_t *order);

#ifdef __cplusplus
}
#endif
#endif
