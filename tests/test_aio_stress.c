/* test_aio_stress.c — aio under load: 100,000 coroutines alive at once
 * (stacks lazily committed: resident memory stays far below 1 GiB), and 8
 * producer threads feeding one loop through a channel of capacity 4 with
 * every item accounted for. Under ThreadSanitizer, whose per-fiber state is
 * large (~1 MiB) and counted as threads (limit 8128), it is 1,000 and
 * the RSS limit is not checked. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corun/aio.h"
#include "corun/core.h"
#include "testlib.h"

#if defined(__SANITIZE_THREAD__)
#define N_CORO 1000 /* TSan counts fibers as threads (at most 8128), ~1 MiB each */
#define N_ITEMS_PER_PRODUCER 2000
#define RSS_LIMIT_CHECKED 0
#define CHURN_ROUNDS 20
#else
#define N_CORO 100000
#define N_ITEMS_PER_PRODUCER 50000
#define RSS_LIMIT_CHECKED 1
#define CHURN_ROUNDS 200
#endif
#define N_PRODUCERS 8

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return -1;
    long size = 0, res = 0;
    if (fscanf(f, "%ld %ld", &size, &res) != 2) res = -1;
    fclose(f);
    return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

static int count_maps(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return -1;
    int n = 0, c;
    while ((c = fgetc(f)) != EOF) n += c == '\n';
    fclose(f);
    return n;
}

static int job_idle(void *arg, void **value, corun_err_t *err) {
    atomic_fetch_add((atomic_int *)((void **)arg)[1], 1);
    /* idle: suspended on a future nobody resolves until all are alive */
    return corun_aio_await(((void **)arg)[0], value, err);
}

static void test_100k_coroutines(void) {
    corun_aio_config_t cfg;
    corun_aio_config_init(&cfg);
    cfg.stack_size = 64 * 1024;
    corun_aio_loop_t *l = NULL;
    CU_ASSERT_EQUAL_FATAL(corun_aio_loop_create(&cfg, &l, NULL), 0);
    corun_aio_future_t *gate;
    CU_ASSERT_EQUAL_FATAL(corun_aio_future_create(&gate, NULL), 0);
    atomic_int started = 0;
    void *arg[2] = {gate, &started};
    long rss0 = rss_kib();
    int maps0 = count_maps();
    double t0 = corun_now();
    corun_err_t err = {0};
    int rc = 0;
    for (int i = 0; i < N_CORO && rc == 0; i++) rc = corun_aio_spawn(l, job_idle, arg, NULL, &err);
    if (rc) fprintf(stderr, "spawn: %s\n", err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    while (atomic_load(&started) < N_CORO && corun_now() - t0 < 60) usleep(1000);
    CU_ASSERT_EQUAL(atomic_load(&started), N_CORO);
    corun_aio_stats_t st;
    corun_aio_loop_stats(l, &st);
    long rss1 = rss_kib();
    int maps1 = count_maps();
    double t1 = corun_now();
    printf("\n    %d coroutines alive (%zu stacks in %zu slabs, guard mode %d): "
           "RSS +%.1f MiB (%.1f KiB each), +%d mappings, %.2f s to start\n",
           N_CORO, st.stacks_in_use, st.stack_slabs, st.guard_mode, (double)(rss1 - rss0) / 1024.0,
           (double)(rss1 - rss0) / N_CORO, maps1 - maps0, t1 - t0);
    CU_ASSERT_EQUAL(st.alive, (size_t)N_CORO);
    CU_ASSERT_EQUAL(st.stacks_in_use, (size_t)N_CORO);
    if (RSS_LIMIT_CHECKED) CU_ASSERT_TRUE(rss1 - rss0 < 1024L * 1024L); /* < 1 GiB */
    CU_ASSERT_TRUE(maps1 - maps0 < 60000); /* fits in the default vm.max_map_count */
    CU_ASSERT_EQUAL(corun_aio_future_resolve(gate, 0, NULL, NULL), 0);
    CU_ASSERT_EQUAL(corun_aio_loop_shutdown(l, CORUN_AIO_DRAIN, &err), 0);
    corun_aio_loop_stats(l, &st);
    CU_ASSERT_EQUAL(st.alive, 0);
    CU_ASSERT_EQUAL(st.completed, (uint64_t)N_CORO);
    CU_ASSERT_EQUAL(st.stacks_in_use, 0);
    CU_ASSERT_EQUAL(st.stack_slabs, 0);
    corun_aio_loop_destroy(l);
    corun_aio_future_release(gate);
}

/* ---- 8 producer threads -> channel(4) -> consumer coroutine ---- */

typedef struct {
    corun_aio_chan_t *ch;
    int id;
    atomic_int rc;
} prod_t;

static void *producer(void *arg) {
    prod_t *p = arg;
    for (int i = 0; i < N_ITEMS_PER_PRODUCER; i++) {
        uintptr_t item = ((uintptr_t)p->id << 32) | (uintptr_t)(i + 1);
        int rc = corun_aio_chan_put(p->ch, (void *)item, -1, NULL);
        if (rc) {
            atomic_store(&p->rc, rc);
            break;
        }
    }
    return NULL;
}

typedef struct {
    corun_aio_chan_t *ch;
    unsigned char *seen; /* N_PRODUCERS * N_ITEMS_PER_PRODUCER */
    long received, dup, out_of_order, bad;
    int last[N_PRODUCERS];
} cons_t;

static int consumer(void *arg, void **value, corun_err_t *err) {
    (void)value;
    cons_t *c = arg;
    void *it;
    int rc;
    while ((rc = corun_aio_chan_get(c->ch, &it, -1, err)) == 0) {
        uintptr_t v = (uintptr_t)it;
        int id = (int)(v >> 32), seq = (int)(v & 0xffffffffu);
        if (id < 0 || id >= N_PRODUCERS || seq < 1 || seq > N_ITEMS_PER_PRODUCER) {
            c->bad++;
            continue;
        }
        size_t k = (size_t)id * N_ITEMS_PER_PRODUCER + (size_t)(seq - 1);
        if (c->seen[k]) c->dup++;
        c->seen[k] = 1;
        if (seq <= c->last[id]) c->out_of_order++; /* FIFO keeps each producer's order */
        c->last[id] = seq;
        c->received++;
        if ((c->received & 1023) == 0) corun_aio_yield(); /* share the loop */
    }
    return rc == CORUN_ECLOSED ? 0 : rc;
}

static void test_8_producers_capacity_4(void) {
    corun_aio_loop_t *l = NULL;
    CU_ASSERT_EQUAL_FATAL(corun_aio_loop_create(NULL, &l, NULL), 0);
    corun_aio_chan_t *ch;
    CU_ASSERT_EQUAL_FATAL(corun_aio_chan_create(4, &ch, NULL), 0);
    cons_t c;
    memset(&c, 0, sizeof c);
    c.ch = ch;
    c.seen = calloc((size_t)N_PRODUCERS * N_ITEMS_PER_PRODUCER, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.seen);
    corun_aio_future_t *fc;
    CU_ASSERT_EQUAL_FATAL(corun_aio_spawn(l, consumer, &c, &fc, NULL), 0);
    prod_t ps[N_PRODUCERS];
    pthread_t t[N_PRODUCERS];
    double t0 = corun_now();
    for (int i = 0; i < N_PRODUCERS; i++) {
        ps[i].ch = ch;
        ps[i].id = i;
        atomic_init(&ps[i].rc, 0);
        pthread_create(&t[i], NULL, producer, &ps[i]);
    }
    for (int i = 0; i < N_PRODUCERS; i++) {
        pthread_join(t[i], NULL);
        CU_ASSERT_EQUAL(atomic_load(&ps[i].rc), 0);
    }
    corun_aio_chan_close(ch);
    CU_ASSERT_EQUAL(corun_aio_future_result(fc, 60.0, NULL, NULL), 0);
    double dt = corun_now() - t0;
    long total = (long)N_PRODUCERS * N_ITEMS_PER_PRODUCER;
    printf("\n    %ld items through a channel of 4 in %.2f s (%.0f items/s)\n", total, dt,
           (double)total / dt);
    CU_ASSERT_EQUAL(c.received, total);
    CU_ASSERT_EQUAL(c.dup, 0);
    CU_ASSERT_EQUAL(c.bad, 0);
    CU_ASSERT_EQUAL(c.out_of_order, 0);
    long missing = 0;
    for (long k = 0; k < total; k++) missing += !c.seen[k];
    CU_ASSERT_EQUAL(missing, 0);
    corun_aio_future_release(fc);
    corun_aio_chan_destroy(ch);
    free(c.seen);
    CU_ASSERT_EQUAL(corun_aio_loop_shutdown(l, CORUN_AIO_DRAIN, NULL), 0);
    corun_aio_loop_destroy(l);
}

/* Many short coroutines through spawn/complete cycles and a few pool jobs:
 * stacks are reused and slabs come back. */
static int job_tiny(void *arg, void **value, corun_err_t *err) {
    (void)err;
    *value = arg;
    return corun_aio_yield();
}

static int job_spawner(void *arg, void **value, corun_err_t *err) {
    (void)arg, (void)value;
    corun_aio_loop_t *l = corun_aio_current_loop();
    corun_aio_future_t *fs[256];
    for (int round = 0; round < CHURN_ROUNDS; round++) {
        for (int i = 0; i < 256; i++) {
            int rc = corun_aio_spawn(l, job_tiny, (void *)(intptr_t)i, &fs[i], err);
            if (rc) return rc;
        }
        void *vals[256];
        int rc = corun_aio_gather(fs, 256, -1, vals, err);
        for (int i = 0; i < 256; i++) {
            if (rc == 0 && (intptr_t)vals[i] != i) rc = CORUN_EINTERNAL;
            corun_aio_future_release(fs[i]);
        }
        if (rc) return rc;
    }
    return 0;
}

static void test_spawn_churn(void) {
    corun_aio_loop_t *l = NULL;
    CU_ASSERT_EQUAL_FATAL(corun_aio_loop_create(NULL, &l, NULL), 0);
    corun_aio_future_t *f;
    CU_ASSERT_EQUAL_FATAL(corun_aio_spawn(l, job_spawner, NULL, &f, NULL), 0);
    corun_err_t err = {0};
    int rc = corun_aio_future_result(f, 60.0, NULL, &err);
    if (rc) fprintf(stderr, "%s\n", err.msg);
    CU_ASSERT_EQUAL(rc, 0);
    corun_aio_future_release(f);
    corun_aio_stats_t st;
    corun_aio_loop_stats(l, &st);
    CU_ASSERT_TRUE(st.stack_slabs <= 2); /* one kept empty, no growth */
    CU_ASSERT_EQUAL(corun_aio_loop_shutdown(l, CORUN_AIO_DRAIN, NULL), 0);
    corun_aio_loop_stats(l, &st);
    CU_ASSERT_EQUAL(st.stacks_in_use, 0);
    CU_ASSERT_EQUAL(st.completed, 1 + CHURN_ROUNDS * 256);
    corun_aio_loop_destroy(l);
}

static const test_case_t cases[] = {
    {"100k_coroutines", test_100k_coroutines},
    {"8_producers_capacity_4", test_8_producers_capacity_4},
    {"spawn_churn", test_spawn_churn},
    {NULL, NULL}};
CORUN_TEST_SUITE(aio_stress, cases)
