/* fib_limb.h — the limb arithmetic of the linear Fibonacci algorithm
 * (a, b = b, a + b), shared by the serial, OpenMP and CUDA backends.
 *
 * Representation. A number is an array of 64-bit words, each holding a
 * 60-bit "digit" plus 4 bits of headroom: value = sum d[i] * 2^(60 i), with
 * d[i] allowed to exceed 2^60. The headroom lets us defer carries: a plain
 * limb-wise add has no carry chain, so it vectorises (and on a GPU each
 * thread owns a limb). Carries are applied in a fixed cycle of 6 steps:
 *
 *   steps 0..3 of the cycle: c[i] = a[i] + b[i]                  (carry-free)
 *   steps 4..5:              s[i] = a[i] + b[i],
 *                            c[i] = (s[i] mod 2^60) + (s[i-1] >> 60)
 *
 * The second form is a one-limb local carry: each limb keeps its low 60 bits
 * and takes the high bits of the limb below, so the carry moves one limb per
 * step and never ripples. Bounds (N = 2^60 + 16): after two carrying steps
 * both numbers have digits < N; four carry-free steps give at most 2N, 3N,
 * 5N, 8N; the first carrying step adds 5N + 8N = 13N < 2^64 and yields < N,
 * the second adds 8N + N. So no sum exceeds 13N < 2^64, and the final
 * normalisation (corun_fib_lin_normalise), the one full carry pass at the
 * end, accepts digits of any step of the cycle.
 *
 * The cycle is counted from step 0 of the whole computation, so any split of
 * the steps into blocks (temporal tiling, one CUDA launch per block) applies
 * the same operations in the same order and the digits agree bit for bit.
 *
 * Plain C11, `static inline CORUN_HD`; no allocation, I/O or errno.
 */
#ifndef CORUN_FIB_LIMB_H
#define CORUN_FIB_LIMB_H

#include <stddef.h>
#include <stdint.h>

#include "corun_hd.h"

#if defined(__CUDACC__) || defined(__cplusplus) /* nvcc, or C++ for the emulator */
#define CORUN_FIB_RESTRICT __restrict__
#else
#define CORUN_FIB_RESTRICT restrict
#endif

#define CORUN_FIB_DIGIT_BITS 60
#define CORUN_FIB_DIGIT_MASK ((UINT64_C(1) << CORUN_FIB_DIGIT_BITS) - 1)
#define CORUN_FIB_CYCLE 6 /* steps per carry cycle (see above) */

/* 1 if step t (counted from 0) applies the local carry. */
static inline CORUN_HD int corun_fib_lin_carries(uint64_t t) {
    return t % CORUN_FIB_CYCLE >= 4;
}

/* The carried digit: low 60 bits of this limb's sum plus the high bits of
 * the sum of the limb below (0 for limb 0). */
static inline CORUN_HD uint64_t corun_fib_lin_carried(uint64_t s, uint64_t s_below) {
    return (s & CORUN_FIB_DIGIT_MASK) + (s_below >> CORUN_FIB_DIGIT_BITS);
}

/* The high part a limb passes up in a carrying step. */
static inline CORUN_HD uint64_t corun_fib_lin_high(uint64_t s) {
    return s >> CORUN_FIB_DIGIT_BITS;
}

/* Upper bound on the limbs F(t) occupies (log2(phi) = 0.69424... bits per
 * step, +1 bit, +1 limb of slack for rounding). The deferred carries never
 * reach above the normalised top limb, so limbs at or above this bound stay
 * zero at every step up to t. */
static inline CORUN_HD size_t corun_fib_lin_limbs(uint64_t t) {
    return (size_t)((double)t * 0.6942419136306174 / CORUN_FIB_DIGIT_BITS) + 2;
}

/* Step t on limbs [lo, hi): c = a + b, carrying if the cycle says so.
 * high_in is corun_fib_lin_high(a[lo-1] + b[lo-1]) at this step (0 for
 * lo = 0); returns the same for limb hi-1, the next range's high_in. In the
 * carry-free steps nothing crosses limbs and 0 is returned. */
static inline CORUN_HD uint64_t corun_fib_lin_step(uint64_t *CORUN_FIB_RESTRICT c,
                                                   const uint64_t *CORUN_FIB_RESTRICT a,
                                                   const uint64_t *CORUN_FIB_RESTRICT b,
                                                   size_t lo, size_t hi, uint64_t t,
                                                   uint64_t high_in) {
    if (hi <= lo) return high_in;
    if (!corun_fib_lin_carries(t)) {
        for (size_t i = lo; i < hi; i++) c[i] = a[i] + b[i];
        return 0;
    }
    c[lo] = (((a[lo] + b[lo]) & CORUN_FIB_DIGIT_MASK)) + high_in;
    for (size_t i = lo + 1; i < hi; i++)
        c[i] = corun_fib_lin_carried(a[i] + b[i], a[i - 1] + b[i - 1]);
    return corun_fib_lin_high(a[hi - 1] + b[hi - 1]);
}

/* Steps t..t+3 of a cycle (t % 6 == 0: the four carry-free steps) in one
 * pass: from (a, b) the state four steps later is (2a + 3b, 3a + 5b), limb
 * by limb, with no carries and no neighbour, written over b and c, the two
 * buffers that hold the state after step t+3 in the 3-buffer rotation. Two
 * loads and two stores instead of eight loads and four stores. */
static inline CORUN_HD void corun_fib_lin_pure4_limb(uint64_t a, uint64_t *b, uint64_t *c) {
    uint64_t x2 = a + *b, x3 = *b + x2, x4 = x2 + x3;
    *b = x4;
    *c = x3 + x4;
}

static inline CORUN_HD void corun_fib_lin_pure4(uint64_t *CORUN_FIB_RESTRICT c,
                                                uint64_t *CORUN_FIB_RESTRICT b,
                                                const uint64_t *CORUN_FIB_RESTRICT a, size_t lo,
                                                size_t hi) {
    for (size_t i = lo; i < hi; i++) corun_fib_lin_pure4_limb(a[i], &b[i], &c[i]);
}

/* The full carry pass: afterwards every d[i] < 2^60 and the value is
 * unchanged. Returns the carry out of the top limb (0 when n covers the
 * number, as corun_fib_lin_limbs guarantees). */
static inline CORUN_HD uint64_t corun_fib_lin_normalise(uint64_t *d, size_t n) {
    uint64_t cy = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = d[i] + cy; /* d[i] <= 8N and cy < 16: no overflow */
        d[i] = v & CORUN_FIB_DIGIT_MASK;
        cy = v >> CORUN_FIB_DIGIT_BITS;
    }
    return cy;
}

#endif
