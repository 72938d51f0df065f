/* clock.c — the core clock this benchmark run gets, from a chain of dependent
 * integer multiplies (3 cycles each on x86-64 cores since Nehalem).
 *
 * Why: this VM's host changes the cores' clock between about 2.1 and 2.7 GHz
 * for minutes at a time, and every Life and Fibonacci
 * rate moves with it. Printing it next to the rates says which phase a run
 * was in. Built and run by bench/life_bench.sh and bench/report.sh; not part of corun.
 *
 * usage: clock      prints "clock_ghz=X.XX"
 */
#include <stdio.h>
#include <time.h>

int main(void) {
    const long n = 200000000;
    unsigned long x = 3;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) {
#if defined(__x86_64__)
        __asm__ volatile("imul %0, %0" : "+r"(x)); /* latency 3, cannot overlap */
#else
        __asm__ volatile("" : "+r"(x));
        x *= x;
#endif
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    (void)x;
    double t = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
    printf("clock_ghz=%.2f\n", 3.0 * (double)n / t / 1e9);
    return 0;
}
