/* fib_ref.c — the GMP reference timings for bench/fib_bench.sh (not part of
 * corun): the plain mpz_add loop (the seed's algorithm in C), mpz_fib_ui,
 * and mpz_get_str of its result. Prints key=value lines.
 *
 *   fib_ref add N      seconds of a, b = b, a + b, N times, with mpz_add
 *   fib_ref fibui N    seconds of mpz_fib_ui(N)
 *   fib_ref getstr N   seconds of mpz_fib_ui(N), then of mpz_get_str(10)
 */
#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: fib_ref add|fibui|getstr N\n");
        return 2;
    }
    unsigned long n = strtoul(argv[2], NULL, 10);
    mpz_t a, b;
    mpz_inits(a, b, NULL);
    double t0 = now();
    if (!strcmp(argv[1], "add")) {
        mpz_set_ui(a, 0);
        mpz_set_ui(b, 1);
        for (unsigned long i = 0; i < n; i++) {
            mpz_add(a, a, b); /* a, b = b, a + b */
            mpz_swap(a, b);
        }
        printf("mpz_add_seconds=%.6f bits=%zu\n", now() - t0, mpz_sizeinbase(a, 2));
    } else if (!strcmp(argv[1], "fibui")) {
        mpz_fib_ui(a, n);
        printf("mpz_fib_ui_seconds=%.6f bits=%zu\n", now() - t0, mpz_sizeinbase(a, 2));
    } else if (!strcmp(argv[1], "getstr")) {
        mpz_fib_ui(a, n);
        double t1 = now();
        char *s = mpz_get_str(NULL, 10, a);
        printf("mpz_fib_ui_seconds=%.6f mpz_get_str_seconds=%.6f digits=%zu\n", t1 - t0,
               now() - t1, strlen(s));
        free(s);
    } else {
        fprintf(stderr, "fib_ref: unknown mode %s\n", argv[1]);
        return 2;
    }
    mpz_clears(a, b, NULL);
    return 0;
}
