/* fib_int.h — internals shared by the files of src/fib (algorithms, the
 * OpenMP helpers, the backends). Not part of the public API. */
#ifndef CORUN_FIB_INT_H
#define CORUN_FIB_INT_H

#include "corun/fib.h"

/* par.c: the only file of src/fib that talks to OpenMP. */

/* Runs fn(arg, p, P) on every thread of a team of up to `threads` threads;
 * P is the team size OpenMP actually gave (callers that make threads wait on
 * each other must use P, never `threads`). */
void fib_par_team(int threads, void (*fn)(void *arg, int p, int P), void *arg);

/* Runs f(a) and g(b), on two threads at once when threads >= 2 (nested
 * inside another parallel region too), else one after the other. */
void fib_par2(int threads, void (*f)(void *), void *a, void (*g)(void *), void *b);

/* r1 = a1 * b1 and r2 = a2 * b2, at once when threads >= 2 (fib_par2). */
void fib_par_mul2(int threads, mpz_ptr r1, mpz_srcptr a1, mpz_srcptr b1, mpz_ptr r2,
                  mpz_srcptr a2, mpz_srcptr b2);

/* Runs root(arg) on one thread of a team of up to `threads`; the others
 * take the tasks that root and its tasks spawn. Returns when all are done. */
void fib_par_tasks(int threads, void (*root)(void *), void *arg);
/* Inside fib_par_tasks: fn(arg) as a task for any thread of the team
 * (outside a team it runs at once). */
void fib_par_spawn(void (*fn)(void *), void *arg);

/* decimal.c with its size thresholds as parameters (tests shrink them to
 * reach every branch with small numbers): below split_limbs limbs one
 * mpz_get_str; tree leaves of at most leaf_digits digits; the head (the
 * part split off first) about head_permille of the digits. */
int fib_decimal_tuned(const mpz_t v, int threads, size_t split_limbs, size_t leaf_digits,
                      unsigned head_permille, char **out, size_t *len, corun_err_t *err);

/* OpenMP's default thread count. */
int fib_par_default_threads(void);

/* linear.c: the SIMD copy of the tile kernel chosen on this CPU. */
const char *fib_linear_simd(void);

/* gmp_mem.c: GMP's memory functions with huge pages for big blocks,
 * installed once (every entry point that runs GMP calls it first). */
void corun_fib_mem_init(void);
/* What the cache of freed big blocks holds now (for tests). */
void corun_fib_mem_cached(size_t *blocks, size_t *bytes);

/* bigmul.c: r = a * b (a, b >= 0) by FLINT's FFT multiplication on up to
 * `threads` threads (FLINT's own pool). Operands below FIB_FFT_MIN_LIMBS
 * (FLINT's FFT needs a few dozen limbs), or r aliasing a or b, go to
 * mpz_mul. */
#define FIB_FFT_MIN_LIMBS 256
void fib_mul_fft(mpz_ptr r, mpz_srcptr a, mpz_srcptr b, int threads);

/* doubling.c with the size from which the last step's product runs on
 * FLINT's threads as a parameter (tests lower it). */
int fib_doubling_tuned(mpz_t out, uint64_t n, int threads, size_t fft_limbs);

/* Bit length of F(n) is at most this (for size estimates). */
static inline double fib_bits(uint64_t n) { return (double)n * 0.6942419136306174 + 1.0; }

#endif
