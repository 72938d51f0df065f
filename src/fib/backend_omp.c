/* backend_omp.c — the OpenMP Fibonacci backend: the tasks of a batch in
 * parallel, dynamic scheduling (one task at a time per thread, largest n
 * first, so a mixed batch does not end with one huge task on one thread).
 * With fewer tasks than threads, each task gets threads/tasks threads of its
 * own: the doubling's parallel squarings, the linear limb split. */
#include <omp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "fib/fib_int.h"

typedef struct omp_state {
    corun_fib_algo_t algo;
    int threads;
} omp_state_t;

static int omp_init(void **state, const corun_fib_params_t *p, corun_err_t *err) {
    if (p->threads < 0)
        return corun_err_set(err, CORUN_EINVAL, "threads: %d is negative", p->threads);
    omp_state_t *s = calloc(1, sizeof *s);
    if (!s) return corun_err_set(err, CORUN_ENOMEM, "omp backend: out of memory");
    s->algo = p->algo;
    s->threads = p->threads > 0 ? p->threads : omp_get_max_threads();
    *state = s;
    return 0;
}

static int omp_run(void *state, const uint64_t *n, size_t ntasks, corun_fib_done_cb done,
                   void *user, corun_err_t *err) {
    omp_state_t *s = state;
    if (ntasks == 0) return 0;
    size_t *order = malloc(ntasks * sizeof *order);
    if (!order) return corun_err_set(err, CORUN_ENOMEM, "omp backend: out of memory");
    corun_fib_schedule(n, ntasks, order);
    int outer = ntasks < (size_t)s->threads ? (int)ntasks : s->threads;
    int inner = s->threads / outer;
    /* Threads inside a task are a nested team. */
    if (inner > 1 && omp_get_max_active_levels() < 8) omp_set_max_active_levels(8);
    atomic_int stop = 0;
    int first_rc = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(outer)
    for (size_t i = 0; i < ntasks; i++) {
        if (atomic_load(&stop)) continue;
        corun_err_t e = {0};
        int rc = 0;
        corun_fib_result_t *r = malloc(sizeof *r);
        if (!r) {
            rc = corun_err_set(&e, CORUN_ENOMEM, "omp backend: out of memory");
        } else {
            r->task = order[i];
            r->n = n[order[i]];
            r->threads = inner;
            mpz_init(r->value);
            double t0 = corun_now();
            rc = corun_fib_compute(r->value, r->n, s->algo, inner, &e);
            r->seconds = corun_now() - t0;
            if (rc) corun_fib_result_free(r);
            else if ((rc = done(user, r)) != 0)
                corun_err_set(&e, rc, "omp backend: stopped by the result handler");
        }
        if (rc) {
            atomic_store(&stop, 1);
#pragma omp critical(corun_fib_omp_err)
            if (!first_rc) {
                first_rc = rc;
                if (err) *err = e;
            }
        }
    }
    free(order);
    return first_rc;
}

static void omp_fini(void *state) { free(state); }
static int omp_threads(void *state) { return ((omp_state_t *)state)->threads; }

const corun_fib_backend_t corun_fib_backend_omp = {"omp", omp_init, omp_run, omp_fini,
                                                   omp_threads};
