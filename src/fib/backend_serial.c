/* backend_serial.c — the serial Fibonacci backend: the tasks one after the
 * other on the caller's thread, largest first, one thread each. The oracle
 * the other backends are compared with (itself checked against GMP). */
#include <stdlib.h>

#include "corun/core.h"
#include "fib/fib_int.h"

typedef struct serial_state {
    corun_fib_algo_t algo;
} serial_state_t;

static int serial_init(void **state, const corun_fib_params_t *p, corun_err_t *err) {
    serial_state_t *s = calloc(1, sizeof *s);
    if (!s) return corun_err_set(err, CORUN_ENOMEM, "serial backend: out of memory");
    s->algo = p->algo;
    *state = s;
    return 0;
}

static int serial_run(void *state, const uint64_t *n, size_t ntasks, corun_fib_done_cb done,
                      void *user, corun_err_t *err) {
    serial_state_t *s = state;
    size_t *order = malloc((ntasks ? ntasks : 1) * sizeof *order);
    if (!order) return corun_err_set(err, CORUN_ENOMEM, "serial backend: out of memory");
    corun_fib_schedule(n, ntasks, order);
    int rc = 0;
    for (size_t i = 0; i < ntasks && !rc; i++) {
        corun_fib_result_t *r = malloc(sizeof *r);
        if (!r) {
            rc = corun_err_set(err, CORUN_ENOMEM, "serial backend: out of memory");
            break;
        }
        r->task = order[i];
        r->n = n[order[i]];
        r->threads = 1;
        mpz_init(r->value);
        double t0 = corun_now();
        rc = corun_fib_compute(r->value, r->n, s->algo, 1, err);
        r->seconds = corun_now() - t0;
        if (rc) {
            corun_fib_result_free(r);
            break;
        }
        rc = done(user, r);
        if (rc) corun_err_set(err, rc, "serial backend: stopped by the result handler");
    }
    free(order);
    return rc;
}

static void serial_fini(void *state) { free(state); }
static int serial_threads(void *state) {
    (void)state;
    return 1;
}

const corun_fib_backend_t corun_fib_backend_serial = {"serial", serial_init, serial_run,
                                                      serial_fini, serial_threads};
