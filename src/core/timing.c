/* timing.c — monotonic wall clock for run timings. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "corun/core.h"

double corun_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
