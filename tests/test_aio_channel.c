/* test_aio_channel.c — aio channels: FIFO order, back-pressure, timeouts,
 * close while producers and consumers wait (threads and coroutines),
 * cancel of a coroutine waiting on a channel, misuse. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "corun/aio.h"
#include "corun/core.h"
#include "testlib.h"

#define ITEM(i) ((void *)(intptr_t)((i) + 1)) /* never NULL */
#define INDEX(p) ((int)(intptr_t)(p) - 1)

static corun_aio_loop_t *mkloop(void) {
    corun_aio_loop_t *l = NULL;
    CU_ASSERT_EQUAL_FATAL(corun_aio_loop_create(NULL, &l, NULL), 0);
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

static void test_fifo_and_timeouts(void) {
    corun_aio_chan_t *ch;
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(corun_aio_chan_create(0, &ch, &err), CORUN_EINVAL);
    CU_ASSERT_EQUAL_FATAL(corun_aio_chan_create(3, &ch, &err), 0);
    for (int i = 0; i < 3; i++) CU_ASSERT_EQUAL(corun_aio_chan_put(ch, ITEM(i), 0, NULL), 0);
    CU_ASSERT_EQUAL(corun_aio_chan_len(ch), 3);
    CU_ASSERT_EQUAL(corun_aio_chan_put(ch, ITEM(3), 0, &err), CORUN_ETIMEDOUT);
    double t0 = corun_now();
    CU_ASSERT_EQUAL(corun_aio_chan_put(ch, ITEM(3), 0.02, &err), CORUN_ETIMEDOUT);
    CU_ASSERT_TRUE(corun_now() - t0 >= 0.019);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "timed out"));
    void *it;
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(corun_aio_chan_get(ch, &it, 0, NULL), 0);
        CU_ASSERT_EQUAL(INDEX(it), i);
    }
    CU_ASSERT_EQUAL(corun_aio_chan_get(ch, &it, 0, &err), CORUN_ETIMEDOUT);
    CU_ASSERT_EQUAL(corun_aio_chan_get(ch, &it, 0.01, &err), CORUN_ETIMEDOUT);
    /* wrap-around */
    for (int r = 0; r < 10; r++) {
        CU_ASSERT_EQUAL(corun_aio_chan_put(ch, ITEM(r), 0, NULL), 0);
        CU_ASSERT_EQUAL(corun_aio_chan_put(ch, ITEM(r + 100), 0, NULL), 0);
        CU_ASSERT_EQUAL(corun_aio_chan_get(ch, &it, 0, NULL), 0);
        CU_ASSERT_EQUAL(INDEX(it), r);
        CU_ASSERT_EQUAL(corun_aio_chan_get(ch, &it, 0, NULL), 0);
        CU_ASSERT_EQUAL(INDEX(it), r + 100);
    }
    /* close: remaining items drain, then ECLOSED; puts fail */
    CU_ASSERT_EQUAL(corun_aio_chan_put(ch, ITEM(7), 0, NULL), 0);
    corun_aio_chan_close(ch);
    corun_aio_chan_close(ch); /* idempotent */
    CU_ASSERT_EQUAL(corun_aio_chan_put(ch, ITEM(8), 0, &err), CORUN_ECLOSED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "closed"));
    CU_ASSERT_EQUAL(corun_aio_chan_get(ch, &it, -1, NULL), 0);
    CU_ASSERT_EQUAL(INDEX(it), 7);
    CU_ASSERT_EQUAL(corun_aio_chan_get(ch, &it, -1, &err), CORUN_ECLOSED);
    CU_ASSERT_EQUAL(corun_aio_chan_get(NULL, &it, 0, &err), CORUN_EINVAL);
    corun_aio_chan_destroy(ch);
}

/* ---- threads: back-pressure and close while both sides wait ---- */

typedef struct {
    corun_aio_chan_t *ch;
    int from, n;
    atomic_int rc, count;
} worker_t;

static void *producer(void *arg) {
    worker_t *w = arg;
    for (int i = 0; i < w->n; i++) {
        int rc = corun_aio_chan_put(w->ch, ITEM(w->from + i), -1, NULL);
        if (rc) {
            atomic_store(&w->rc, rc);
            return NULL;
        }
        atomic_fetch_add(&w->count, 1);
    }
    return NULL;
}

static void *consumer(void *arg) {
    worker_t *w = arg;
    void *it;
    int rc;
    while ((rc = corun_aio_chan_get(w->ch, &it, -1, NULL)) == 0) atomic_fetch_add(&w->count, 1);
    atomic_store(&w->rc, rc);
    return NULL;
}

static void test_threads_backpressure(void) {
    corun_aio_chan_t *ch;
    CU_ASSERT_EQUAL_FATAL(corun_aio_chan_create(2, &ch, NULL), 0);
    worker_t p = {ch, 0, 10, 0, 0};
    pthread_t t;
    pthread_create(&t, NULL, producer, &p);
    msleep(30);
    CU_ASSERT_EQUAL(atomic_load(&p.count), 2); /* blocked on the third */
    void *it;
    for (int i = 0; i < 10; i++) {
        CU_ASSERT_EQUAL(corun_aio_chan_get(ch, &it, 5.0, NULL), 0);
        CU_ASSERT_EQUAL(INDEX(it), i);
    }
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(atomic_load(&p.rc), 0);
    corun_aio_chan_destroy(ch);
}

static void test_close_wakes_waiting_threads(void) {
    corun_aio_chan_t *full, *empty;
    CU_ASSERT_EQUAL_FATAL(corun_aio_chan_create(1, &full, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(corun_aio_chan_create(1, &empty, NULL), 0);
    CU_ASSERT_EQUAL(corun_aio_chan_put(full, ITEM(0), 0, NULL), 0);
    worker_t ps[3], cs[3];
    pthread_t pt[3], ct[3];
    for (int i = 0; i < 3; i++) {
        ps[i] = (worker_t){full, 10 * i, 5, 0, 0};
        cs[i] = (worker_t){empty, 0, 0, 0, 0};
        pthread_create(&pt[i], NULL, producer, &ps[i]);
        pthread_create(&ct[i], NULL, consumer, &cs[i]);
    }
    msleep(30); /* all six are waiting */
    corun_aio_chan_close(full);
    corun_aio_chan_close(empty);
    for (int i = 0; i < 3; i++) {
        pthread_join(pt[i], NULL);
        pthread_join(ct[i], NULL);
        CU_ASSERT_EQUAL(atomic_load(&ps[i].rc), CORUN_ECLOSED);
        CU_ASSERT_EQUAL(atomic_load(&ps[i].count), 0);
        CU_ASSERT_EQUAL(atomic_load(&cs[i].rc), CORUN_ECLOSED);
        CU_ASSERT_EQUAL(atomic_load(&cs[i].count), 0);
    }
    void *it;
    CU_ASSERT_EQUAL(corun_aio_chan_get(full, &it, 0, NULL), 0); /* still drains */
    CU_ASSERT_EQUAL(INDEX(it), 0);
    corun_aio_chan_destroy(full);
    corun_aio_chan_destroy(empty);
}

/* ---- coroutines: suspend on put/get, close wakes them, cancel ---- */

typedef struct {
    corun_aio_chan_t *ch;
    int from, n;
    int got[64];
    int ngot;
} cargs_t;

static int co_producer(void *arg, void **value, corun_err_t *err) {
    (void)value;
    cargs_t *a = arg;
    for (int i = 0; i < a->n; i++) {
        int rc = corun_aio_chan_put(a->ch, ITEM(a->from + i), -1, err);
        if (rc) return rc;
        a->ngot++;
    }
    return 0;
}

static int co_consumer(void *arg, void **value, corun_err_t *err) {
    (void)value;
    cargs_t *a = arg;
    void *it;
    int rc;
    while ((rc = corun_aio_chan_get(a->ch, &it, -1, err)) == 0)
        if (a->ngot < 64) a->got[a->ngot++] = INDEX(it);
    return rc == CORUN_ECLOSED ? 0 : rc;
}

static void test_coroutines_pipe(void) {
    corun_aio_loop_t *l = mkloop();
    corun_aio_chan_t *ch;
    CU_ASSERT_EQUAL_FATAL(corun_aio_chan_create(1, &ch, NULL), 0);
    cargs_t pa = {ch, 0, 40, {0}, 0}, ca = {ch, 0, 0, {0}, 0};
    corun_aio_future_t *fp, *fc;
    CU_ASSERT_EQUAL_FATAL(corun_aio_spawn(l, co_consumer, &ca, &fc, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(corun_aio_spawn(l, co_producer, &pa, &fp, NULL), 0);
    CU_ASSERT_EQUAL(corun_aio_future_result(fp, 5.0, NULL, NULL), 0);
    corun_aio_chan_close(ch);
    CU_ASSERT_EQUAL(corun_aio_future_result(fc, 5.0, NULL, NULL), 0);
    CU_ASSERT_EQUAL(ca.ngot, 40);
    for (int i = 0; i < 40; i++) CU_ASSERT_EQUAL(ca.got[i], i);
    corun_aio_future_release(fp);
    corun_aio_future_release(fc);
    corun_aio_chan_destroy(ch);
    endloop(l);
}

static void test_close_wakes_waiting_coroutines(void) {
    corun_aio_loop_t *l = mkloop();
    corun_aio_chan_t *full, *empty;
    CU_ASSERT_EQUAL_FATAL(corun_aio_chan_create(1, &full, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(corun_aio_chan_create(1, &empty, NULL), 0);
    CU_ASSERT_EQUAL(corun_aio_chan_put(full, ITEM(0), 0, NULL), 0);
    cargs_t ps[4], cs[4];
    corun_aio_future_t *fp[4], *fc[4];
    for (int i = 0; i < 4; i++) {
        ps[i] = (cargs_t){full, 100 * i, 3, {0}, 0};
        cs[i] = (cargs_t){empty, 0, 0, {0}, 0};
        CU_ASSERT_EQUAL_FATAL(corun_aio_spawn(l, co_producer, &ps[i], &fp[i], NULL), 0);
        CU_ASSERT_EQUAL_FATAL(corun_aio_spawn(l, co_consumer, &cs[i], &fc[i], NULL), 0);
    }
    /* and a thread blocked on each side too */
    worker_t tp = {full, 1000, 1, 0, 0}, tc = {empty, 0, 0, 0, 0};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, producer, &tp);
    pthread_create(&t2, NULL, consumer, &tc);
    msleep(30);
    for (int i = 0; i < 4; i++) CU_ASSERT_FALSE(corun_aio_future_done(fp[i]));
    corun_aio_chan_close(full);
    corun_aio_chan_close(empty);
    corun_err_t err = {0};
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(corun_aio_future_result(fp[i], 5.0, NULL, &err), CORUN_ECLOSED);
        CU_ASSERT_EQUAL(corun_aio_future_result(fc[i], 5.0, NULL, NULL), 0);
        CU_ASSERT_EQUAL(cs[i].ngot, 0);
        corun_aio_future_release(fp[i]);
        corun_aio_future_release(fc[i]);
    }
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    CU_ASSERT_EQUAL(atomic_load(&tp.rc), CORUN_ECLOSED);
    CU_ASSERT_EQUAL(atomic_load(&tc.rc), CORUN_ECLOSED);
    corun_aio_chan_destroy(full);
    corun_aio_chan_destroy(empty);
    endloop(l);
}

static int co_get_timeout(void *arg, void **value, corun_err_t *err) {
    return corun_aio_chan_get(arg, value, 0.02, err);
}

static void test_coroutine_cancel_and_timeout(void) {
    corun_aio_loop_t *l = mkloop();
    corun_aio_chan_t *ch;
    CU_ASSERT_EQUAL_FATAL(corun_aio_chan_create(1, &ch, NULL), 0);
    cargs_t c1 = {ch, 0, 0, {0}, 0};
    corun_aio_future_t *f1, *f2, *f3;
    CU_ASSERT_EQUAL_FATAL(corun_aio_spawn(l, co_consumer, &c1, &f1, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(corun_aio_spawn(l, co_get_timeout, ch, &f3, NULL), 0);
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(corun_aio_future_result(f3, 5.0, NULL, &err), CORUN_ETIMEDOUT);
    msleep(10);
    CU_ASSERT_EQUAL(corun_aio_future_cancel(f1), 0);
    CU_ASSERT_EQUAL(corun_aio_future_result(f1, 5.0, NULL, &err), CORUN_ECANCELED);
    /* the cancelled waiter left the queue: an item goes to the next getter */
    cargs_t c2 = {ch, 0, 0, {0}, 0};
    CU_ASSERT_EQUAL_FATAL(corun_aio_spawn(l, co_consumer, &c2, &f2, NULL), 0);
    msleep(10);
    CU_ASSERT_EQUAL(corun_aio_chan_put(ch, ITEM(5), 1.0, NULL), 0);
    corun_aio_chan_close(ch);
    CU_ASSERT_EQUAL(corun_aio_future_result(f2, 5.0, NULL, NULL), 0);
    CU_ASSERT_EQUAL(c2.ngot, 1);
    CU_ASSERT_EQUAL(c2.got[0], 5);
    CU_ASSERT_EQUAL(c1.ngot, 0);
    corun_aio_future_release(f1);
    corun_aio_future_release(f2);
    corun_aio_future_release(f3);
    corun_aio_chan_destroy(ch);
    endloop(l);
}

static const test_case_t cases[] = {
    {"fifo_and_timeouts", test_fifo_and_timeouts},
    {"threads_backpressure", test_threads_backpressure},
    {"close_wakes_waiting_threads", test_close_wakes_waiting_threads},
    {"coroutines_pipe", test_coroutines_pipe},
    {"close_wakes_waiting_coroutines", test_close_wakes_waiting_coroutines},
    {"coroutine_cancel_and_timeout", test_coroutine_cancel_and_timeout},
    {NULL, NULL}};
CORUN_TEST_SUITE(aio_channel, cases)
