/* decimal.c — the decimal string of a huge integer on several threads.
 *
 * mpz_get_str is subquadratic but single-threaded. We split first:
 * v = q * 10^k + r with k about half the digits, then convert q and r (r
 * zero-padded to exactly k digits) on two threads, recursively while
 * threads remain. The split divides by 5^k rather than 10^k, because
 * 10^k = 5^k * 2^k and the 2^k part is a shift:
 *   y = v >> k, low = v mod 2^k,  y = q * 5^k + r5   =>   r = r5 * 2^k + low
 * 5^k has 2.32k bits instead of 3.32k, so the one division that is not
 * parallel is smaller. Each part is converted into its own buffer and the
 * halves are copied together (one memcpy per level: negligible next to the
 * conversion).
 */
#include <stdlib.h>
#include <string.h>

#include "fib/fib_int.h"

#define SPLIT_LIMBS 20000 /* below ~400k digits mpz_get_str takes milliseconds */

typedef struct dec_job {
    mpz_srcptr v;
    size_t width; /* 0: as many digits as needed; else exactly width, zero-padded */
    int threads;
    char *s;      /* out: malloc'd */
    size_t len;
    int rc;
} dec_job_t;

static void convert(void *arg);

static void convert_leaf(dec_job_t *j) {
    size_t cap = mpz_sizeinbase(j->v, 10) + 2;
    if (j->width + 1 > cap) cap = j->width + 1;
    char *s = malloc(cap);
    if (!s) {
        j->rc = CORUN_ENOMEM;
        return;
    }
    mpz_get_str(s, 10, j->v);
    size_t len = strlen(s);
    if (j->width > len) { /* right-align and pad with zeros */
        memmove(s + (j->width - len), s, len + 1);
        memset(s, '0', j->width - len);
        len = j->width;
    }
    j->s = s;
    j->len = len;
}

static void convert(void *arg) {
    dec_job_t *j = arg;
    if (j->threads < 2 || mpz_size(j->v) < SPLIT_LIMBS) {
        convert_leaf(j);
        return;
    }
    size_t k = mpz_sizeinbase(j->v, 10) / 2;
    mpz_t q, r, p5, low;
    mpz_inits(q, r, p5, low, NULL);
    mpz_ui_pow_ui(p5, 5, (unsigned long)k);
    mpz_tdiv_q_2exp(q, j->v, (mp_bitcnt_t)k);
    mpz_tdiv_r_2exp(low, j->v, (mp_bitcnt_t)k);
    mpz_tdiv_qr(q, r, q, p5);
    mpz_clear(p5);
    mpz_mul_2exp(r, r, (mp_bitcnt_t)k);
    mpz_add(r, r, low);
    mpz_clear(low);
    int th = j->threads / 2;
    dec_job_t hi = {q, j->width > k ? j->width - k : 0, j->threads - th, NULL, 0, 0};
    dec_job_t lo = {r, k, th, NULL, 0, 0};
    fib_par2(2, convert, &hi, convert, &lo);
    mpz_clears(q, r, NULL);
    if (hi.rc || lo.rc) {
        j->rc = hi.rc ? hi.rc : lo.rc;
    } else if ((j->s = realloc(hi.s, hi.len + lo.len + 1)) == NULL) {
        j->rc = CORUN_ENOMEM;
    } else {
        hi.s = NULL;
        memcpy(j->s + hi.len, lo.s, lo.len + 1);
        j->len = hi.len + lo.len;
    }
    free(hi.s);
    free(lo.s);
}

int corun_fib_decimal(const mpz_t v, int threads, char **out, size_t *len, corun_err_t *err) {
    corun_fib_mem_init();
    *out = NULL;
    *len = 0;
    if (mpz_sgn(v) < 0)
        return corun_err_set(err, CORUN_EINVAL, "decimal: value is negative");
    dec_job_t j = {v, 0, threads < 1 ? 1 : threads, NULL, 0, 0};
    convert(&j);
    if (j.rc)
        return corun_err_set(err, j.rc, "decimal: out of memory for a %zu-digit string",
                             mpz_sizeinbase(v, 10));
    *out = j.s;
    *len = j.len;
    return 0;
}
