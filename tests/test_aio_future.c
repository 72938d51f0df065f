/* test_aio_future.c — aio futures: promises, result with timeout from
 * threads and coroutines, cancel of pool jobs, wait (first / all /
 * first error), gather, as_completed order, misuse. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "corun/aio.h"
#include "corun/core.h"
#include "testlib.h"

static corun_aio_loop_t *mkloop(int pool) {
    corun_aio_config_t cfg;
    corun_aio_config_init(&cfg);
    cfg.pool_threads = pool;
    corun_aio_loop_t *l = NULL;
    CU_ASSERT_EQUAL_FATAL(corun_aio_loop_create(&cfg, &l, NULL), 0);
    return l;
}

static void endloop(corun_aio_loop_t *l) {
    CU_ASSERT_EQUAL(corun_aio_loop_shutdown(l, CORUN_AIO_DRAIN, NULL), 0);
    corun_aio_loop_destroy(l);
}

static void msleep(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- promises ---- */

typedef struct {
    corun_aio_future_t *f;
    int delay_ms, code;
    void *value;
} resolver_t;

static void *resolver_thread(void *arg) {
    resolver_t *r = arg;
    msleep(r->delay_ms);
    corun_aio_future_resolve(r->f, r->code, r->value, r->code ? "resolver said no" : NULL);
    return NULL;
}

static void test_promise_thread(void) {
    corun_aio_future_t *f;
    CU_ASSERT_EQUAL_FATAL(corun_aio_future_create(&f, NULL), 0);
    CU_ASSERT_EQUAL(corun_aio_future_state(f), CORUN_AIO_PENDING);
    int x;
    resolver_t r = {f, 30, 0, &x};
    pthread_t t;
    pthread_create(&t, NULL, resolver_thread, &r);
    corun_err_t err = {0};
    void *v = NULL;
    CU_ASSERT_EQUAL(corun_aio_future_result(f, 0, &v, &err), CORUN_ETIMEDOUT);
    CU_ASSERT_EQUAL(corun_aio_future_result(f, 0.005, &v, &err), CORUN_ETIMEDOUT);
    CU_ASSERT_EQUAL(corun_aio_future_result(f, -1, &v, &err), 0);
    CU_ASSERT_PTR_EQUAL(v, &x);
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(corun_aio_future_resolve(f, 0, NULL, NULL), CORUN_EBUSY);
    CU_ASSERT_EQUAL(corun_aio_future_cancel(f), CORUN_EBUSY);
    corun_aio_future_release(f);

    CU_ASSERT_EQUAL_FATAL(corun_aio_future_create(&f, NULL), 0);
    CU_ASSERT_EQUAL(corun_aio_future_resolve(f, 5, NULL, NULL), CORUN_EINVAL);
    CU_ASSERT_EQUAL(corun_aio_future_resolve(f, CORUN_EIO, NULL, "write failed: out.h5"), 0);
    CU_ASSERT_EQUAL(corun_aio_future_result(f, -1, &v, &err), CORUN_EIO);
    CU_ASSERT_STRING_EQUAL(err.msg, "write failed: out.h5");
    CU_ASSERT_EQUAL(corun_aio_future_state(f), CORUN_AIO_FAILED);
    corun_aio_future_release(f);

    CU_ASSERT_EQUAL_FATAL(corun_aio_future_create(&f, NULL), 0);
    CU_ASSERT_EQUAL(corun_aio_future_cancel(f), 0);
    CU_ASSERT_EQUAL(corun_aio_future_result(f, -1, &v, &err), CORUN_ECANCELED);
    corun_aio_future_release(f);
}

/* many threads and coroutines wait on one promise */
static void *waiter_thread(void *arg) {
    corun_aio_future_t *f = arg;
    void *v = NULL;
    intptr_t ok = corun_aio_future_result(f, 5.0, &v, NULL) == 0 && v == (void *)f;
    return (void *)ok;
}

static int job_await_promise(void *arg, void **value, corun_err_t *err) {
    return corun_aio_await(arg, value, err);
}

static int job_await_promise_timeout(void *arg, void **value, corun_err_t *err) {
    return corun_aio_future_result(arg, 0.01, value, err);
}

static void test_promise_many_waiters(void) {
    corun_aio_loop_t *l = mkloop(1);
    corun_aio_future_t *f;
    CU_ASSERT_EQUAL_FATAL(corun_aio_future_create(&f, NULL), 0);
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, waiter_thread, f);
    corun_aio_future_t *c[16];
    for (int i = 0; i < 16; i++) CU_ASSERT_EQUAL_FATAL(corun_aio_spawn(l, job_await_promise, f, &c[i], NULL), 0);
    corun_aio_future_t *to;
    CU_ASSERT_EQUAL_FATAL(corun_aio_spawn(l, job_await_promise_timeout, f, &to, NULL), 0);
    CU_ASSERT_EQUAL(corun_aio_future_result(to, 5.0, NULL, NULL), CORUN_ETIMEDOUT);
    msleep(10);
    CU_ASSERT_EQUAL(corun_aio_future_resolve(f, 0, f, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *ok = NULL;
        pthread_join(t[i], &ok);
        CU_ASSERT_EQUAL((intptr_t)ok, 1);
    }
    void *vals[16];
    CU_ASSERT_EQUAL(corun_aio_gather(c, 16, 5.0, vals, NULL), 0);
    for (int i = 0; i < 16; i++) {
        CU_ASSERT_PTR_EQUAL(vals[i], f);
        corun_aio_future_release(c[i]);
    }
    corun_aio_future_release(to);
    corun_aio_future_release(f);
    endloop(l);
}

/* ---- submit (pool jobs) ---- */

typedef struct {
    atomic_int started, release, ran;
} gate_t;

static int pool_gate(void *arg, void **value, corun_err_t *err) {
    (void)err;
    gate_t *g = arg;
    atomic_store(&g->started, 1);
    while (!atomic_load(&g->release)) msleep(1);
    atomic_fetch_add(&g->ran, 1);
    *value = g;
    return 0;
}

static int pool_fail(void *arg, void **value, corun_err_t *err) {
    (void)value;
    return corun_err_set(err, CORUN_EPARSE, "bad row %d", (int)(intptr_t)arg);
}

static void test_submit_and_cancel(void) {
    corun_aio_loop_t *l = mkloop(1);
    gate_t g1 = {0, 0, 0}, g2 = {0, 0, 0};
    corun_aio_future_t *a, *b, *c;
    CU_ASSERT_EQUAL_FATAL(corun_aio_submit(l, pool_gate, &g1, &a, NULL), 0);
    while (!atomic_load(&g1.started)) msleep(1);
    CU_ASSERT_EQUAL(corun_aio_future_state(a), CORUN_AIO_RUNNING);
    CU_ASSERT_EQUAL_FATAL(corun_aio_submit(l, pool_gate, &g2, &b, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(corun_aio_submit(l, pool_fail, (void *)(intptr_t)9, &c, NULL), 0);
    CU_ASSERT_EQUAL(corun_aio_future_state(b), CORUN_AIO_PENDING);
    /* queued: cancelled, never runs; running: EBUSY */
    CU_ASSERT_EQUAL(corun_aio_future_cancel(b), 0);
    CU_ASSERT_EQUAL(corun_aio_future_cancel(a), CORUN_EBUSY);
    CU_ASSERT_EQUAL(corun_aio_future_result(a, 0.01, NULL, NULL), CORUN_ETIMEDOUT);
    atomic_store(&g1.release, 1);
    atomic_store(&g2.release, 1);
    void *v = NULL;
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(corun_aio_future_result(a, 5.0, &v, NULL), 0);
    CU_ASSERT_PTR_EQUAL(v, &g1);
    CU_ASSERT_EQUAL(corun_aio_future_result(b, 5.0, NULL, &err), CORUN_ECANCELED);
    CU_ASSERT_EQUAL(corun_aio_future_result(c, 5.0, NULL, &err), CORUN_EPARSE);
    CU_ASSERT_STRING_EQUAL(err.msg, "bad row 9");
    CU_ASSERT_EQUAL(atomic_load(&g2.ran), 0);
    corun_aio_future_release(a);
    corun_aio_future_release(b);
    corun_aio_future_release(c);
    endloop(l);
}

/* ---- wait / gather / as_completed ---- */

static int job_sleep_ms(void *arg, void **value, corun_err_t *err) {
    intptr_t ms = (intptr_t)arg;
    int rc = corun_aio_sleep((double)(ms < 0 ? -ms : ms) / 1000.0);
    if (rc) return rc;
    *value = arg;
    if (ms < 0) return corun_err_set(err, CORUN_EIO, "job %d failed", (int)-ms);
    return 0;
}

static void spawn_sleepers(corun_aio_loop_t *l, const int *ms, int n, corun_aio_future_t **fs) {
    for (int i = 0; i < n; i++)
        CU_ASSERT_EQUAL_FATAL(corun_aio_spawn(l, job_sleep_ms, (void *)(intptr_t)ms[i], &fs[i], NULL), 0);
}

static void release_all(corun_aio_future_t **fs, int n) {
    for (int i = 0; i < n; i++) corun_aio_future_release(fs[i]);
}

static void test_wait_modes(void) {
    corun_aio_loop_t *l = mkloop(1);
    const int ms[4] = {80, 10, 40, 120};
    corun_aio_future_t *fs[4];
    spawn_sleepers(l, ms, 4, fs);
    size_t nd = 99;
    CU_ASSERT_EQUAL(corun_aio_wait(fs, 4, CORUN_AIO_WAIT_FIRST, 0, &nd, NULL), CORUN_ETIMEDOUT);
    CU_ASSERT_EQUAL(nd, 0);
    CU_ASSERT_EQUAL(corun_aio_wait(fs, 4, CORUN_AIO_WAIT_FIRST, 5.0, &nd, NULL), 0);
    CU_ASSERT_TRUE(nd >= 1);
    CU_ASSERT_TRUE(corun_aio_future_done(fs[1]));
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(corun_aio_wait(fs, 4, CORUN_AIO_WAIT_ALL, 0.01, &nd, &err), CORUN_ETIMEDOUT);
    CU_ASSERT_TRUE(nd < 4);
    CU_ASSERT_EQUAL(corun_aio_wait(fs, 4, CORUN_AIO_WAIT_ALL, 5.0, &nd, NULL), 0);
    CU_ASSERT_EQUAL(nd, 4);
    release_all(fs, 4);

    const int ms2[3] = {200, -20, 300};
    spawn_sleepers(l, ms2, 3, fs);
    double t0 = corun_now();
    CU_ASSERT_EQUAL(corun_aio_wait(fs, 3, CORUN_AIO_WAIT_FIRST_ERROR, 5.0, &nd, NULL), 0);
    CU_ASSERT_TRUE(corun_now() - t0 < 0.19); /* returned at the error, not at the end */
    CU_ASSERT_EQUAL(corun_aio_future_state(fs[1]), CORUN_AIO_FAILED);
    void *vals[3];
    CU_ASSERT_EQUAL(corun_aio_gather(fs, 3, 5.0, vals, &err), CORUN_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "future 1 failed"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "job 20 failed"));
    CU_ASSERT_EQUAL((intptr_t)vals[0], 200);
    CU_ASSERT_PTR_NULL(vals[1]);
    CU_ASSERT_EQUAL((intptr_t)vals[2], 300);
    release_all(fs, 3);
    /* empty set */
    CU_ASSERT_EQUAL(corun_aio_wait(NULL, 0, CORUN_AIO_WAIT_ALL, 1.0, &nd, NULL), 0);
    CU_ASSERT_EQUAL(corun_aio_gather(NULL, 0, 1.0, NULL, NULL), 0);
    corun_aio_future_t *bad[1] = {NULL};
    CU_ASSERT_EQUAL(corun_aio_wait(bad, 1, CORUN_AIO_WAIT_ALL, 1.0, &nd, &err), CORUN_EINVAL);
    endloop(l);
}

static void test_as_completed_order(void) {
    corun_aio_loop_t *l = mkloop(1);
    /* finishing order: 3, 1, 4, 0, 2 (gaps of 30 ms keep it certain) */
    const int ms[5] = {130, 40, 160, 10, 70};
    const int order[5] = {3, 1, 4, 0, 2};
    corun_aio_future_t *fs[5];
    spawn_sleepers(l, ms, 5, fs);
    corun_aio_as_completed_t it;
    CU_ASSERT_EQUAL_FATAL(corun_aio_as_completed_init(&it, fs, 5, NULL), 0);
    corun_aio_future_t *f;
    int k = 0;
    while (corun_aio_as_completed_next(&it, 5.0, &f, NULL) == 0 && f) {
        CU_ASSERT_PTR_EQUAL(f, fs[order[k]]);
        k++;
    }
    CU_ASSERT_EQUAL(k, 5);
    corun_aio_as_completed_close(&it);
    /* all finished already: still in completion order */
    CU_ASSERT_EQUAL_FATAL(corun_aio_as_completed_init(&it, fs, 5, NULL), 0);
    for (k = 0; k < 5; k++) {
        CU_ASSERT_EQUAL(corun_aio_as_completed_next(&it, 0, &f, NULL), 0);
        CU_ASSERT_PTR_EQUAL(f, fs[order[k]]);
    }
    CU_ASSERT_EQUAL(corun_aio_as_completed_next(&it, 0, &f, NULL), 0);
    CU_ASSERT_PTR_NULL(f);
    corun_aio_as_completed_close(&it);
    release_all(fs, 5);
    /* timeout */
    const int slow[1] = {300};
    spawn_sleepers(l, slow, 1, fs);
    CU_ASSERT_EQUAL_FATAL(corun_aio_as_completed_init(&it, fs, 1, NULL), 0);
    CU_ASSERT_EQUAL(corun_aio_as_completed_next(&it, 0.01, &f, NULL), CORUN_ETIMEDOUT);
    CU_ASSERT_EQUAL(corun_aio_as_completed_next(&it, 5.0, &f, NULL), 0);
    CU_ASSERT_PTR_EQUAL(f, fs[0]);
    corun_aio_as_completed_close(&it);
    release_all(fs, 1);
    endloop(l);
}

/* the same helpers from inside a coroutine (they suspend, never block) */
static int job_as_completed_inside(void *arg, void **value, corun_err_t *err) {
    (void)arg;
    const int ms[3] = {30, 10, 20};
    corun_aio_future_t *fs[3];
    for (int i = 0; i < 3; i++) {
        int rc = corun_aio_spawn(corun_aio_current_loop(), job_sleep_ms, (void *)(intptr_t)ms[i], &fs[i], err);
        if (rc) return rc;
    }
    corun_aio_as_completed_t it;
    int rc = corun_aio_as_completed_init(&it, fs, 3, err);
    intptr_t code = 0;
    corun_aio_future_t *f;
    while (rc == 0 && (rc = corun_aio_as_completed_next(&it, 5.0, &f, err)) == 0 && f) {
        void *v;
        corun_aio_future_result(f, 0, &v, NULL);
        code = code * 100 + (intptr_t)v; /* 10, 20, 30 -> 102030 */
    }
    corun_aio_as_completed_close(&it);
    size_t nd = 0;
    if (rc == 0) rc = corun_aio_wait(fs, 3, CORUN_AIO_WAIT_ALL, 1.0, &nd, err);
    for (int i = 0; i < 3; i++) corun_aio_future_release(fs[i]);
    *value = (void *)code;
    return rc;
}

static void test_helpers_in_coroutine(void) {
    corun_aio_loop_t *l = mkloop(1);
    corun_aio_future_t *f;
    CU_ASSERT_EQUAL_FATAL(corun_aio_spawn(l, job_as_completed_inside, NULL, &f, NULL), 0);
    void *v = NULL;
    CU_ASSERT_EQUAL(corun_aio_future_result(f, 5.0, &v, NULL), 0);
    CU_ASSERT_EQUAL((intptr_t)v, 102030);
    corun_aio_future_release(f);
    endloop(l);
}

/* wait ALL from a coroutine when some futures finished before the wait and
 * others have not (regression: it must suspend, not spin on the loop) */
static int job_wait_mixed(void *arg, void **value, corun_err_t *err) {
    (void)arg, (void)value;
    const int ms[3] = {1, 40, 60};
    corun_aio_future_t *fs[3];
    for (int i = 0; i < 3; i++) {
        int rc = corun_aio_spawn(corun_aio_current_loop(), job_sleep_ms, (void *)(intptr_t)ms[i], &fs[i], err);
        if (rc) return rc;
    }
    int rc = corun_aio_sleep(0.02); /* the first one is done now */
    if (rc == 0) rc = corun_aio_gather(fs, 3, 5.0, NULL, err);
    for (int i = 0; i < 3; i++) corun_aio_future_release(fs[i]);
    return rc;
}

static void test_wait_mixed_in_coroutine(void) {
    corun_aio_loop_t *l = mkloop(1);
    corun_aio_future_t *f;
    CU_ASSERT_EQUAL_FATAL(corun_aio_spawn(l, job_wait_mixed, NULL, &f, NULL), 0);
    CU_ASSERT_EQUAL(corun_aio_future_result(f, 5.0, NULL, NULL), 0);
    corun_aio_future_release(f);
    endloop(l);
}

/* a coroutine cancelled while it waits in wait(): woken with ECANCELED */
static int job_wait_forever(void *arg, void **value, corun_err_t *err) {
    (void)value;
    corun_aio_future_t *p = arg;
    return corun_aio_wait(&p, 1, CORUN_AIO_WAIT_ALL, -1, NULL, err);
}

static void test_cancel_while_waiting(void) {
    corun_aio_loop_t *l = mkloop(1);
    corun_aio_future_t *p, *f;
    CU_ASSERT_EQUAL_FATAL(corun_aio_future_create(&p, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(corun_aio_spawn(l, job_wait_forever, p, &f, NULL), 0);
    msleep(20);
    CU_ASSERT_EQUAL(corun_aio_future_state(f), CORUN_AIO_RUNNING);
    CU_ASSERT_EQUAL(corun_aio_future_cancel(f), 0);
    CU_ASSERT_EQUAL(corun_aio_future_result(f, 5.0, NULL, NULL), CORUN_ECANCELED);
    CU_ASSERT_EQUAL(corun_aio_future_state(p), CORUN_AIO_PENDING); /* awaited one untouched */
    corun_aio_future_release(f);
    corun_aio_future_release(p);
    endloop(l);
}

/* a retained reference outlives the loop */
static void test_future_outlives_loop(void) {
    corun_aio_loop_t *l = mkloop(1);
    corun_aio_future_t *f;
    const int ms[1] = {5};
    spawn_sleepers(l, ms, 1, &f);
    corun_aio_future_t *g = corun_aio_future_retain(f);
    corun_aio_future_release(f);
    endloop(l);
    void *v;
    CU_ASSERT_EQUAL(corun_aio_future_result(g, 0, &v, NULL), 0);
    CU_ASSERT_EQUAL((intptr_t)v, 5);
    CU_ASSERT_EQUAL(corun_aio_future_cancel(g), CORUN_EBUSY);
    corun_aio_future_release(g);
    corun_aio_future_release(NULL);
}

static const test_case_t cases[] = {
    {"promise_thread", test_promise_thread},
    {"promise_many_waiters", test_promise_many_waiters},
    {"submit_and_cancel", test_submit_and_cancel},
    {"wait_modes", test_wait_modes},
    {"as_completed_order", test_as_completed_order},
    {"helpers_in_coroutine", test_helpers_in_coroutine},
    {"wait_mixed_in_coroutine", test_wait_mixed_in_coroutine},
    {"cancel_while_waiting", test_cancel_while_waiting},
    {"future_outlives_loop", test_future_outlives_loop},
    {NULL, NULL}};
CORUN_TEST_SUITE(aio_future, cases)
