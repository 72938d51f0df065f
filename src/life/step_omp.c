/* step_omp.c — TEMPORARY placeholder: delegates to serial until the bit-packed
 * OpenMP stepper lands (same session). */
#include "corun/life.h"
const corun_life_backend_t corun_life_backend_omp = {
    "omp", NULL, NULL, NULL, NULL, NULL,
};
const char *corun_life_omp_simd(void) { return "none"; }
