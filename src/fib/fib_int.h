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

/* OpenMP's default thread count. */
int fib_par_default_threads(void);

/* linear.c: the SIMD copy of the tile kernel chosen on this CPU. */
const char *fib_linear_simd(void);

/* gmp_mem.c: GMP's memory functions with huge pages for big blocks,
 * installed once (every entry point that runs GMP calls it first). */
void corun_fib_mem_init(void);
/* What the cache of freed big blocks holds now (for tests). */
void corun_fib_mem_cached(size_t *blocks, size_t *bytes);

/* Bit length of F(n) is at most this (for size estimates). */
static inline double fib_bits(uint64_t n) { return (double)n * 0.6942419136306174 + 1.0; }

#endif
