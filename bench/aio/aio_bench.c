/* aio_bench.c — micro-benchmarks of the aio layer (numbers in docs/AIO.md).
 *
 *   corun_aio_bench [--quick]
 *
 * 1. raw context switch: assembly and ucontext side by side (both are always
 *    built; the runtime uses the one CORUN_AIO_SWITCH selected);
 * 2. yield + resume of a coroutine through the loop;
 * 3. spawn + run + complete of an empty coroutine (from a coroutine: spawn,
 *    await, release), one at a time and in batches of 1000;
 * 4. resident memory of 100,000 idle coroutines with 64 KiB stacks;
 * 5. cross-thread submit-to-result latency of an empty job (median, p99):
 *    a plain thread spawns an empty coroutine (or submits an empty pool job)
 *    and blocks in future_result.
 * Prints one "name value unit" line per figure. Exit 0 unless a call failed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aio/aio_int.h"
#include "corun/aio.h"
#include "corun/core.h"

static int quick;

static void die(const char *what, const corun_err_t *err) {
    fprintf(stderr, "corun_aio_bench: %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}

/* ---- 1. raw switch ---- */

#if AIO_HAVE_ASM
static aio_asm_ctx_t asm_main, asm_co;
static void asm_body(void *arg) {
    (void)arg;
    for (;;) corun_aio__asm_suspend(&asm_co, &asm_main);
}
#endif
static aio_uc_ctx_t uc_main, uc_co;
static void uc_body(void *arg) {
    (void)arg;
    for (;;) corun_aio__uc_switch(&uc_co, &uc_main);
}

static void bench_raw_switch(void) {
    long n = quick ? 200000 : 5000000;
    size_t sz = 64 * 1024;
    char *stack = malloc(sz);
    if (!stack) die("malloc", NULL);
#if AIO_HAVE_ASM
    corun_aio__asm_make(&asm_co, stack, sz, asm_body, NULL);
    corun_aio__asm_resume(&asm_main, &asm_co); /* warm up */
    double t0 = corun_now();
    for (long i = 0; i < n; i++) corun_aio__asm_resume(&asm_main, &asm_co);
    double t = corun_now() - t0;
    printf("switch_asm %.1f ns/switch\n", t / (2.0 * (double)n) * 1e9);
#else
    printf("switch_asm n/a (no assembly switch for this architecture)\n");
#endif
    long nu = n / 10;
    corun_aio__uc_make(&uc_co, stack, sz, uc_body, NULL);
    corun_aio__uc_switch(&uc_main, &uc_co);
    double u0 = corun_now();
    for (long i = 0; i < nu; i++) corun_aio__uc_switch(&uc_main, &uc_co);
    double u = corun_now() - u0;
    printf("switch_ucontext %.1f ns/switch\n", u / (2.0 * (double)nu) * 1e9);
    free(stack);
}

/* ---- 2./3. through the loop ---- */

static int job_yield_n(void *arg, void **value, corun_err_t *err) {
    (void)err;
    long n = (long)(intptr_t)arg;
    double t0 = corun_now();
    for (long i = 0; i < n; i++) corun_aio_yield();
    double *out = malloc(sizeof *out);
    if (out) *out = (corun_now() - t0) / (double)n;
    *value = out;
    return 0;
}

static int job_empty(void *arg, void **value, corun_err_t *err) {
    (void)arg, (void)value, (void)err;
    return 0;
}

static int job_spawn_one_by_one(void *arg, void **value, corun_err_t *err) {
    long n = (long)(intptr_t)arg;
    corun_aio_loop_t *l = corun_aio_current_loop();
    double t0 = corun_now();
    for (long i = 0; i < n; i++) {
        corun_aio_future_t *f;
        int rc = corun_aio_spawn(l, job_empty, NULL, &f, err);
        if (rc) return rc;
        rc = corun_aio_await(f, NULL, err);
        corun_aio_future_release(f);
        if (rc) return rc;
    }
    double *out = malloc(sizeof *out);
    if (out) *out = (corun_now() - t0) / (double)n;
    *value = out;
    return 0;
}

static int job_spawn_batches(void *arg, void **value, corun_err_t *err) {
    long n = (long)(intptr_t)arg;
    enum { B = 1000 };
    static corun_aio_future_t *fs[B];
    corun_aio_loop_t *l = corun_aio_current_loop();
    double t0 = corun_now();
    for (long done = 0; done < n; done += B) {
        for (int i = 0; i < B; i++) {
            int rc = corun_aio_spawn(l, job_empty, NULL, &fs[i], err);
            if (rc) return rc;
        }
        int rc = corun_aio_wait(fs, B, CORUN_AIO_WAIT_ALL, -1, NULL, err);
        for (int i = 0; i < B; i++) corun_aio_future_release(fs[i]);
        if (rc) return rc;
    }
    double *out = malloc(sizeof *out);
    if (out) *out = (corun_now() - t0) / (double)n;
    *value = out;
    return 0;
}

static double run_timed(corun_aio_loop_t *l, corun_aio_fn fn, long n) {
    corun_aio_future_t *f;
    corun_err_t err = {0};
    void *v = NULL;
    if (corun_aio_spawn(l, fn, (void *)(intptr_t)n, &f, &err)) die("spawn", &err);
    if (corun_aio_future_result(f, -1, &v, &err)) die("result", &err);
    corun_aio_future_release(f);
    double r = v ? *(double *)v : -1;
    free(v);
    return r;
}

static void bench_loop(void) {
    corun_aio_loop_t *l;
    corun_err_t err = {0};
    if (corun_aio_loop_create(NULL, &l, &err)) die("loop_create", &err);
    long n = quick ? 100000 : 2000000;
    run_timed(l, job_yield_n, 1000);
    printf("yield_resume %.1f ns (one yield: coroutine -> loop -> coroutine, %s)\n",
           run_timed(l, job_yield_n, n) * 1e9, corun_aio_switch_name());
    long m = quick ? 50000 : 1000000;
    run_timed(l, job_spawn_one_by_one, 1000);
    printf("spawn_run_complete %.1f ns (one at a time: spawn, await, release)\n",
           run_timed(l, job_spawn_one_by_one, m) * 1e9);
    printf("spawn_run_complete_batched %.1f ns (batches of 1000, wait all)\n",
           run_timed(l, job_spawn_batches, m) * 1e9);
    if (corun_aio_loop_shutdown(l, CORUN_AIO_DRAIN, &err)) die("shutdown", &err);
    corun_aio_loop_destroy(l);
}

/* ---- 4. RSS of idle coroutines ---- */

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    if (!f) return -1;
    if (fscanf(f, "%ld %ld", &size, &res) != 2) res = 0;
    fclose(f);
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static int job_idle(void *arg, void **value, corun_err_t *err) {
    return corun_aio_await(arg, value, err);
}

static void bench_rss(void) {
    long n = quick ? 10000 : 100000;
    corun_aio_config_t cfg;
    corun_aio_config_init(&cfg);
    cfg.stack_size = 64 * 1024;
    corun_aio_loop_t *l;
    corun_err_t err = {0};
    if (corun_aio_loop_create(&cfg, &l, &err)) die("loop_create", &err);
    corun_aio_future_t *gate;
    corun_aio_future_create(&gate, NULL);
    long r0 = rss_kib();
    double t0 = corun_now();
    for (long i = 0; i < n; i++)
        if (corun_aio_spawn(l, job_idle, gate, NULL, &err)) die("spawn", &err);
    corun_aio_stats_t st;
    do {
        usleep(1000);
        corun_aio_loop_stats(l, &st);
    } while (st.stacks_in_use < (size_t)n);
    double t = corun_now() - t0;
    long r1 = rss_kib();
    printf("idle_coroutines %ld alive, RSS +%.1f MiB (%.2f KiB each, 64 KiB stacks), "
           "%.2f s to spawn and park them, guard mode %d\n",
           n, (double)(r1 - r0) / 1024.0, (double)(r1 - r0) / (double)n, t, st.guard_mode);
    corun_aio_future_resolve(gate, 0, NULL, NULL);
    if (corun_aio_loop_shutdown(l, CORUN_AIO_DRAIN, &err)) die("shutdown", &err);
    corun_aio_loop_destroy(l);
    corun_aio_future_release(gate);
}

/* ---- 5. cross-thread latency ---- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void bench_latency(int pool) {
    long n = quick ? 2000 : 20000;
    corun_aio_loop_t *l;
    corun_err_t err = {0};
    if (corun_aio_loop_create(NULL, &l, &err)) die("loop_create", &err);
    double *lat = malloc((size_t)n * sizeof *lat);
    if (!lat) die("malloc", NULL);
    for (long i = -100; i < n; i++) { /* 100 warm-up rounds */
        corun_aio_future_t *f;
        double t0 = corun_now();
        int rc = pool ? corun_aio_submit(l, job_empty, NULL, &f, &err)
                      : corun_aio_spawn(l, job_empty, NULL, &f, &err);
        if (rc) die("submit", &err);
        if (corun_aio_future_result(f, -1, NULL, &err)) die("result", &err);
        double t = corun_now() - t0;
        corun_aio_future_release(f);
        if (i >= 0) lat[i] = t;
    }
    qsort(lat, (size_t)n, sizeof *lat, cmp_double);
    printf("%s median %.1f us, p99 %.1f us (%ld samples)\n",
           pool ? "latency_submit_pool_job" : "latency_spawn_coroutine", lat[n / 2] * 1e6,
           lat[(size_t)((double)n * 0.99)] * 1e6, n);
    free(lat);
    if (corun_aio_loop_shutdown(l, CORUN_AIO_DRAIN, &err)) die("shutdown", &err);
    corun_aio_loop_destroy(l);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            quick = 1;
        } else {
            fprintf(stderr, "usage: corun_aio_bench [--quick]\n");
            return 2;
        }
    }
    printf("# corun aio bench: runtime switch %s, %s build\n", corun_aio_switch_name(),
           CORUN_BUILD_TYPE);
    bench_raw_switch();
    bench_loop();
    bench_rss();
    bench_latency(0);
    bench_latency(1);
    return 0;
}
