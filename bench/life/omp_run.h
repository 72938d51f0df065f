/* omp_run.h — what the bench/life programs share: a named omp tuning case
 * and one timed run of a random soup (the stepping only; the set-up and a
 * first two generations, which first touch the second buffer, untimed). */
#ifndef CORUN_BENCH_OMP_RUN_H
#define CORUN_BENCH_OMP_RUN_H

#include <stdio.h>
#include <stdlib.h>

#include "corun/core.h"
#include "corun/life.h"
#include "life/omp_tuning.h"

typedef struct bcase {
    const char *name;
    corun_life_skip_t skip;
    corun_life_omp_tuning_t tu;
} bcase_t;

/* Seconds of step(steps) on a size x size soup, with populations if
 * counted; the backend's mode into mode. Exits with a message (naming the
 * program who) on any failure. */
static double bench_omp_run(const char *who, const corun_life_backend_t *be,
                            const corun_life_params_t *p, int64_t size, int64_t steps,
                            int counted, char *mode, size_t modecap) {
    corun_life_grid_t g;
    corun_err_t err = {0};
    void *st = NULL;
    int64_t *pops = NULL;
    if (corun_life_grid_init(&g, size, size, &err)) goto fail;
    corun_life_grid_fill_random(&g, 0.5, 1, 0, p->threads);
    if (be->open(&st, &g, p, &err)) goto fail;
    pops = counted ? malloc((size_t)steps * sizeof *pops) : NULL;
    if (be->step(st, 2, NULL, &err)) goto fail;
    double t0 = corun_now();
    if (be->step(st, steps, pops, &err)) goto fail;
    double t = corun_now() - t0;
    corun_life_info_t info;
    be->info(st, &info);
    snprintf(mode, modecap, "%s", info.mode);
    free(pops);
    be->close(st, NULL);
    corun_life_grid_close(&g);
    return t;
fail:
    fprintf(stderr, "%s: %s\n", who, err.msg);
    exit(1);
}

#endif
