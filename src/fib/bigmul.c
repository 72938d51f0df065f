/* bigmul.c — the one product of fast doubling that runs on several threads:
 * FLINT's FFT multiplication (Schönhage–Strassen, flint/fft.h), which splits
 * one product over FLINT's own thread pool. The only file of src/fib that
 * talks to FLINT.
 *
 * Why: GMP's multiplication runs on one thread. Doubling's last step, which
 * is most of the time (its numbers are twice the size of the step before),
 * used to be two GMP squarings on two threads; measured in-process for
 * F(10^8) on the 2-core VM (5 runs each), that step took
 * 0.20-0.34 s, the two FFTs slowing each other down, where one product
 * split by FLINT took 0.19-0.22 s.
 */
#include <pthread.h>
#include <stdio.h>

#include <flint/flint.h>
#include <flint/fft.h>

#include "fib/fib_int.h"

void fib_mul_fft(mpz_ptr r, mpz_srcptr a, mpz_srcptr b, int threads) {
    if (mpz_size(a) < mpz_size(b)) {
        mpz_srcptr t = a;
        a = b;
        b = t;
    }
    const mp_size_t n1 = (mp_size_t)mpz_size(a), n2 = (mp_size_t)mpz_size(b);
    if (n2 < FIB_FFT_MIN_LIMBS || r == a || r == b) { /* too small for FLINT's FFT; or aliased */
        mpz_mul(r, a, b);
        return;
    }
    mp_ptr rp = mpz_limbs_write(r, n1 + n2);
    /* FLINT's workers come from one global pool, which flint_set_num_threads
     * resizes, and FLINT aborts the process if another thread is using the
     * pool at that moment (two tasks of a batch at their last steps: the
     * test "two threads at once" hit it every run). So one product at a
     * time; they use every thread they were given anyway. */
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mu);
    flint_set_num_threads(threads > 0 ? threads : 1);
    flint_mpn_mul_fft_main(rp, mpz_limbs_read(a), n1, mpz_limbs_read(b), n2);
    pthread_mutex_unlock(&mu);
    mpz_limbs_finish(r, n1 + n2); /* (drops a zero top limb) */
}

const char *corun_fib_libraries(void) {
    static char buf[64];
    if (!buf[0]) snprintf(buf, sizeof buf, "gmp %s, flint %s", gmp_version, FLINT_VERSION);
    return buf;
}
