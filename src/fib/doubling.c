/* doubling.c — F(n) by fast doubling with GMP, the two squarings of each
 * step on two threads.
 *
 * From the pair (F(k), F(k-1)) one step gives the pair for 2k or 2k+1 with
 * two squarings and no multiplication (the identities GMP's mpz_fib_ui uses):
 *   A = F(k)^2, B = F(k-1)^2
 *   F(2k+1) = 4A - B + 2(-1)^k,  F(2k-1) = A + B,  F(2k) = F(2k+1) - F(2k-1)
 * A and B are independent, so with two threads each step costs one squaring.
 * The last step, which dominates (its numbers are twice the size of the
 * step before), needs only F(n), which is one product, as in mpz_fib_ui:
 *   F(2m)   = F(m) (F(m) + 2F(m-1))
 *   F(2m+1) = (2F(m) + F(m-1)) (2F(m) - F(m-1)) + 2(-1)^m
 * Large, with threads, that product runs on all of them through FLINT's FFT
 * (bigmul.c): from FFT_LIMBS on it beat the alternative, two squarings at
 * once (F(2m) = F(m+1)^2 - F(m-1)^2, F(2m+1) = F(m+1)^2 + F(m)^2), which is
 * what smaller sizes on two threads still use. On one thread the product is
 * GMP's: one multiplication costs less than two squarings (0.54 s against
 * 2 x 0.34 s at F(10^8)'s size).
 *
 * Threads are used only when the operands are large (PAR_LIMBS): below that
 * a squaring takes microseconds and forking a team costs more.
 */
#include "fib/fib_int.h"

#define PAR_LIMBS 1500 /* measured: below ~1000 limbs the fork costs more than it saves */
/* FLINT's 2-thread product against one GMP squaring alone (a throwaway
 * probe on the 2-core VM of docs/FIB.md): 0.133 / 0.128 s at 312,500
 * limbs, 0.217 / 0.280 s at 546,875 (F(10^8)'s last step). Two squarings
 * at once run slower than one alone (they share the memory bandwidth), so
 * from about here one FLINT product beats them. */
#define FFT_LIMBS 300000

static void two_squares(int threads, mpz_ptr a2, mpz_srcptr a, mpz_ptr b2, mpz_srcptr b) {
    fib_par_mul2(mpz_size(a) >= PAR_LIMBS ? threads : 1, a2, a, a, b2, b, b);
}

int corun_fib_doubling(mpz_t out, uint64_t n, int threads, corun_err_t *err) {
    (void)err; /* nothing fails here that GMP would report */
    return fib_doubling_tuned(out, n, threads, FFT_LIMBS);
}

int fib_doubling_tuned(mpz_t out, uint64_t n, int threads, size_t fft_limbs) {
    corun_fib_mem_init();
    if (n < 2) {
        mpz_set_ui(out, (unsigned long)n);
        return 0;
    }
    uint64_t m = n >> 1; /* the last step goes from m to n */
    mpz_t fk, fk1, A, B;
    mpz_init_set_ui(fk, 1);  /* F(k), k = 1 */
    mpz_init_set_ui(fk1, 0); /* F(k-1) */
    mpz_inits(A, B, NULL);
    int top = 63 - __builtin_clzll(m);
    uint64_t k = 1;
    for (int bit = top - 1; bit >= 0; bit--) {
        two_squares(threads, A, fk, B, fk1);
        /* fk1 <- F(2k-1) = A + B; fk <- F(2k+1) = 4A - B + 2(-1)^k */
        mpz_mul_2exp(fk, A, 2);
        mpz_sub(fk, fk, B);
        if (k & 1) mpz_sub_ui(fk, fk, 2);
        else mpz_add_ui(fk, fk, 2);
        mpz_add(fk1, A, B);
        if ((m >> bit) & 1) {
            /* (F(2k+1), F(2k)): F(2k) = F(2k+1) - F(2k-1) */
            mpz_sub(fk1, fk, fk1);
            k = 2 * k + 1;
        } else {
            mpz_sub(fk, fk, fk1); /* (F(2k), F(2k-1)) */
            k = 2 * k;
        }
    }
    /* Now fk = F(m), fk1 = F(m-1). */
    const size_t size = mpz_size(fk);
    if (threads >= 2 && size >= PAR_LIMBS && size < fft_limbs) {
        /* Two squarings at once. */
        if (n & 1) {
            mpz_add(fk1, fk, fk1); /* F(m+1) */
            two_squares(threads, A, fk1, B, fk);
            mpz_add(out, A, B);
        } else {
            mpz_add(fk, fk, fk1); /* F(m+1) */
            two_squares(threads, A, fk, B, fk1);
            mpz_sub(out, A, B);
        }
    } else {
        /* One product x * y. */
        mpz_srcptr x = fk;
        if (n & 1) {
            mpz_mul_2exp(A, fk, 1);
            mpz_sub(B, A, fk1); /* 2F(m) - F(m-1) */
            mpz_add(A, A, fk1); /* 2F(m) + F(m-1) */
            x = A;
        } else {
            mpz_mul_2exp(B, fk1, 1);
            mpz_add(B, B, fk); /* F(m) + 2F(m-1) */
        }
        if (threads >= 2 && size >= fft_limbs) fib_mul_fft(out, x, B, threads);
        else mpz_mul(out, x, B);
        if (n & 1) {
            if (m & 1) mpz_sub_ui(out, out, 2);
            else mpz_add_ui(out, out, 2);
        }
    }
    mpz_clears(fk, fk1, A, B, NULL);
    return 0;
}
