/* doubling.c — F(n) by fast doubling with GMP, the two squarings of each
 * step on two threads.
 *
 * From the pair (F(k), F(k-1)) one step gives the pair for 2k or 2k+1 with
 * two squarings and no multiplication (the identities GMP's mpz_fib_ui uses):
 *   A = F(k)^2, B = F(k-1)^2
 *   F(2k+1) = 4A - B + 2(-1)^k,  F(2k-1) = A + B,  F(2k) = F(2k+1) - F(2k-1)
 * A and B are independent, so with two threads each step costs one squaring.
 * The last step, which dominates (its numbers are twice the size of the
 * step before), is where mpz_fib_ui does one multiplication; we use two
 * squarings of half the size on two threads instead:
 *   F(2m)   = F(m+1)^2 - F(m-1)^2
 *   F(2m+1) = F(m+1)^2 + F(m)^2
 * so the whole computation is about one squaring per bit of n on the
 * critical path instead of two.
 *
 * Threads are used only when the operands are large (PAR_LIMBS): below that
 * a squaring takes microseconds and forking a team costs more.
 */
#include "fib/fib_int.h"

#define PAR_LIMBS 1500 /* measured: below ~1000 limbs the fork costs more than it saves */

static void two_squares(int threads, mpz_ptr a2, mpz_srcptr a, mpz_ptr b2, mpz_srcptr b) {
    fib_par_mul2(mpz_size(a) >= PAR_LIMBS ? threads : 1, a2, a, a, b2, b, b);
}

int corun_fib_doubling(mpz_t out, uint64_t n, int threads, corun_err_t *err) {
    corun_fib_mem_init();
    (void)err; /* nothing fails here that GMP would report */
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
    if (n & 1) {
        mpz_add(fk1, fk, fk1); /* F(m+1) */
        two_squares(threads, A, fk1, B, fk);
        mpz_add(out, A, B);
    } else {
        mpz_add(fk, fk, fk1); /* F(m+1) */
        two_squares(threads, A, fk, B, fk1);
        mpz_sub(out, A, B);
    }
    mpz_clears(fk, fk1, A, B, NULL);
    return 0;
}
