/* par.c — the OpenMP helpers of the Fibonacci code: a team for the linear
 * limb split, "two jobs at once" for fast doubling and the decimal split, and
 * a task team for the decimal conversion's tree.
 * Kept in one file so the algorithms stay free of omp.h. */
#include <omp.h>

#include "fib/fib_int.h"

int fib_par_default_threads(void) { return omp_get_max_threads(); }

void fib_par_team(int threads, void (*fn)(void *arg, int p, int P), void *arg) {
    if (threads <= 1) {
        fn(arg, 0, 1);
        return;
    }
#pragma omp parallel num_threads(threads)
    fn(arg, omp_get_thread_num(), omp_get_num_threads());
}

/* A task may itself run inside the batch's parallel loop: allow the nesting
 * (the default is one active level). */
static void allow_nesting(void) {
    if (omp_get_max_active_levels() < 8) omp_set_max_active_levels(8);
}

void fib_par_tasks(int threads, void (*root)(void *), void *arg) {
    if (threads < 2) {
        root(arg); /* fib_par_spawn then runs each task at once */
        return;
    }
    allow_nesting();
#pragma omp parallel num_threads(threads)
#pragma omp single
    root(arg);
    /* The region's closing barrier waits for every task. */
}

void fib_par_spawn(void (*fn)(void *), void *arg) {
#pragma omp task firstprivate(fn, arg)
    fn(arg);
}

void fib_par2(int threads, void (*f)(void *), void *a, void (*g)(void *), void *b) {
    if (threads < 2) {
        f(a);
        g(b);
        return;
    }
    allow_nesting();
#pragma omp parallel sections num_threads(2)
    {
#pragma omp section
        f(a);
#pragma omp section
        g(b);
    }
}

typedef struct mul_job {
    mpz_ptr out;
    mpz_srcptr a, b;
} mul_job_t;

static void mul_run(void *arg) {
    mul_job_t *j = arg;
    mpz_mul(j->out, j->a, j->b);
}

void fib_par_mul2(int threads, mpz_ptr r1, mpz_srcptr a1, mpz_srcptr b1, mpz_ptr r2,
                  mpz_srcptr a2, mpz_srcptr b2) {
    mul_job_t j1 = {r1, a1, b1}, j2 = {r2, a2, b2};
    fib_par2(threads, mul_run, &j1, mul_run, &j2);
}
