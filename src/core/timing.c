/* timing.c — monotonic wall clock for run timings, and a thread's CPU time. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "corun/core.h"

double corun_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double corun_thread_cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
