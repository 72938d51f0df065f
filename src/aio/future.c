/* future.c — thread-safe futures and the waits over many of them (wait,
 * gather, as_completed).
 *
 * States (corun_aio_future_state_t), all transitions under future.mu:
 *
 *             co_start (loop) / pool worker picks the job
 *   PENDING ───────────────────────────────────────────> RUNNING
 *     │  \                                                  │
 *     │   \ future_cancel (not started: never runs)         │ job returns
 *     │    \                                                │ (aio_future_complete)
 *     │     v                                               v
 *     │   CANCELLED <──── returned CORUN_ECANCELED ──── DONE (code 0) / FAILED (code < 0)
 *     └── future_resolve (promise) ──> DONE / FAILED / CANCELLED
 *
 * Guarantees: a finished future (DONE, FAILED, CANCELLED) never changes
 * again and has no waiters, no coroutine and no job attached; DONE has code
 * 0, FAILED a negative code other than CORUN_ECANCELED, CANCELLED exactly
 * CORUN_ECANCELED. future_cancel on a RUNNING coroutine only sets the
 * coroutine's request flag and wakes it; the state changes when it returns.
 *
 * Waiting: threads waiting on one future sleep on future.cv; coroutines and
 * multi-future waits link an aio_waiter_t whose signal is fired (under
 * future.mu) when the future finishes. Lock order: future.mu -> pool.mu ->
 * loop.mu -> sig.mu (aio_int.h).
 */
#include <stdlib.h>
#include <string.h>

#include "aio/aio_int.h"

static atomic_uint_least64_t done_counter;

static int finished(const corun_aio_future_t *f) { return f->state >= CORUN_AIO_DONE; }

void aio_future_check_invariants(corun_aio_future_t *f) {
    AIO_ASSERT(f->state >= CORUN_AIO_PENDING && f->state <= CORUN_AIO_CANCELLED);
    AIO_ASSERT(atomic_load(&f->refs) > 0);
    if (finished(f)) {
        AIO_ASSERT(f->waiters == NULL && f->co == NULL && f->job == NULL);
        AIO_ASSERT(f->done_seq != 0);
        AIO_ASSERT(f->state != CORUN_AIO_DONE || f->code == 0);
        AIO_ASSERT(f->state != CORUN_AIO_FAILED || (f->code < 0 && f->code != CORUN_ECANCELED));
        AIO_ASSERT(f->state != CORUN_AIO_CANCELLED || f->code == CORUN_ECANCELED);
    } else {
        AIO_ASSERT(f->kind != AIO_FUT_CO || f->co != NULL);
        AIO_ASSERT(f->kind != AIO_FUT_JOB || f->job != NULL);
    }
    if (AIO_DEBUG && f->waiters) {
        /* the first 64 links only: a check must not make waits quadratic */
        aio_waiter_t *w = f->waiters;
        int k = 0;
        do {
            AIO_ASSERT(w->linked && w->next->prev == w && w->prev->next == w);
            w = w->next;
        } while (w != f->waiters && ++k < 64);
    }
    (void)f;
}

#define CHECK(f)                                          \
    do {                                                  \
        if (AIO_DEBUG) aio_future_check_invariants(f);    \
    } while (0)

corun_aio_future_t *aio_future_new(int kind, corun_aio_loop_t *loop) {
    corun_aio_future_t *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    pthread_mutex_init(&f->mu, NULL);
    aio_cond_init(&f->cv);
    atomic_init(&f->refs, 1);
    f->kind = kind;
    f->state = CORUN_AIO_PENDING;
    f->loop = loop;
    return f;
}

/* Under f->mu. */
static void complete_locked(corun_aio_future_t *f, int code, void *value, const char *msg) {
    f->code = code;
    f->value = code == 0 ? value : NULL;
    f->state = code == 0                 ? CORUN_AIO_DONE
               : code == CORUN_ECANCELED ? CORUN_AIO_CANCELLED
                                         : CORUN_AIO_FAILED;
    if (code) f->msg = aio_strdup_msg(code, msg);
    f->done_seq = atomic_fetch_add(&done_counter, 1) + 1;
    f->co = NULL;
    f->job = NULL;
    aio_waiter_t *w;
    while ((w = aio_wlist_pop(&f->waiters))) aio_sig_fire(w->sig);
    if (f->nthread_waiters) pthread_cond_broadcast(&f->cv);
    CHECK(f);
}

int aio_future_complete(corun_aio_future_t *f, int code, void *value, const char *msg) {
    pthread_mutex_lock(&f->mu);
    if (finished(f)) {
        pthread_mutex_unlock(&f->mu);
        return CORUN_EBUSY;
    }
    complete_locked(f, code, value, msg);
    int detached = f->detached;
    corun_aio_loop_t *loop = f->loop;
    pthread_mutex_unlock(&f->mu);
    if (detached && code < 0 && code != CORUN_ECANCELED && loop)
        aio_loop_record_detached_error(loop, code, msg);
    return 0;
}

void aio_future_link(corun_aio_future_t *f, aio_waiter_t *w) { aio_wlist_push(&f->waiters, w); }

void aio_future_unlink(corun_aio_future_t *f, aio_waiter_t *w) {
    if (w->linked) aio_wlist_remove(&f->waiters, w);
}

/* ------------------------------------------------------------------------ */
/* Promises, references, queries                                             */
/* ------------------------------------------------------------------------ */

int corun_aio_future_create(corun_aio_future_t **out, corun_err_t *err) {
    if (!out) return corun_err_set(err, CORUN_EINVAL, "aio: future_create: out is NULL");
    *out = aio_future_new(AIO_FUT_PROMISE, NULL);
    if (!*out) return corun_err_set(err, CORUN_ENOMEM, "aio: future_create: out of memory");
    return 0;
}

int corun_aio_future_resolve(corun_aio_future_t *f, int code, void *value, const char *msg) {
    if (!f || f->kind != AIO_FUT_PROMISE || code > 0) return CORUN_EINVAL;
    return aio_future_complete(f, code, value, msg);
}

corun_aio_future_t *corun_aio_future_retain(corun_aio_future_t *f) {
    if (f) atomic_fetch_add(&f->refs, 1);
    return f;
}

void corun_aio_future_release(corun_aio_future_t *f) {
    if (!f) return;
    if (atomic_fetch_sub(&f->refs, 1) != 1) return;
    AIO_ASSERT(f->waiters == NULL && f->nthread_waiters == 0);
    free(f->msg);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

int corun_aio_future_done(corun_aio_future_t *f) {
    if (!f) return 0;
    pthread_mutex_lock(&f->mu);
    int d = finished(f);
    pthread_mutex_unlock(&f->mu);
    return d;
}

corun_aio_future_state_t corun_aio_future_state(corun_aio_future_t *f) {
    if (!f) return CORUN_AIO_PENDING;
    pthread_mutex_lock(&f->mu);
    int s = f->state;
    pthread_mutex_unlock(&f->mu);
    return (corun_aio_future_state_t)s;
}

/* Under f->mu, f finished: the result as the API returns it. */
static int take_result(corun_aio_future_t *f, void **value, corun_err_t *err) {
    if (f->state == CORUN_AIO_DONE) {
        if (value) *value = f->value;
        return 0;
    }
    if (value) *value = NULL;
    return corun_err_set(err, f->code, "%s", f->msg ? f->msg : corun_strerror(f->code));
}

int corun_aio_future_result(corun_aio_future_t *f, double timeout_s, void **value,
                            corun_err_t *err) {
    if (!f) return corun_err_set(err, CORUN_EINVAL, "aio: future_result: future is NULL");
    double deadline = aio_deadline(timeout_s);
    aio_co_t *co = aio_current();
    int rc = 0;
    pthread_mutex_lock(&f->mu);
    CHECK(f);
    if (!finished(f)) {
        if (timeout_s == 0) {
            rc = CORUN_ETIMEDOUT;
        } else if (co) {
            if (atomic_load(&co->cancel_req)) {
                rc = CORUN_ECANCELED;
            } else {
                aio_sig_t s;
                aio_waiter_t w = {0};
                aio_sig_init(&s);
                w.sig = &s;
                aio_future_link(f, &w);
                pthread_mutex_unlock(&f->mu);
                rc = aio_sig_wait(&s, deadline, 1);
                pthread_mutex_lock(&f->mu); /* the firer is done once we hold it */
                aio_future_unlink(f, &w);
                aio_sig_destroy(&s);
                if (finished(f)) rc = 0;
            }
        } else if (corun_aio_current_loop()) {
            pthread_mutex_unlock(&f->mu);
            return corun_err_set(err, CORUN_EINVAL,
                                 "aio: future_result would block the loop thread; use a timeout "
                                 "of 0 there, or await from a coroutine");
        } else {
            f->nthread_waiters++;
            while (!finished(f))
                if (aio_cond_wait(&f->cv, &f->mu, deadline) && !finished(f)) {
                    rc = CORUN_ETIMEDOUT;
                    break;
                }
            f->nthread_waiters--;
        }
    }
    if (rc == 0) {
        rc = take_result(f, value, err);
    } else if (rc == CORUN_ETIMEDOUT) {
        corun_err_set(err, rc, "aio: future not finished within %g s", timeout_s);
    } else {
        corun_err_set(err, rc, "aio: await interrupted: the waiting coroutine was cancelled");
    }
    pthread_mutex_unlock(&f->mu);
    return rc;
}

int corun_aio_future_cancel(corun_aio_future_t *f) {
    if (!f) return CORUN_EINVAL;
    int rc = 0;
    aio_job_t *freed_job = NULL;
    pthread_mutex_lock(&f->mu);
    CHECK(f);
    if (finished(f)) {
        rc = CORUN_EBUSY;
    } else if (f->kind == AIO_FUT_CO) {
        if (f->state == CORUN_AIO_PENDING) {
            /* The loop still holds the coroutine in a queue; co_start sees
             * the finished future and frees it without running it. */
            complete_locked(f, CORUN_ECANCELED, NULL, "aio: cancelled before it started");
        } else {
            atomic_store(&f->co->cancel_req, 1);
            aio_co_wake(f->co);
        }
    } else if (f->kind == AIO_FUT_JOB) {
        aio_job_t *j = f->job;
        if (aio_pool_cancel(aio_loop_pool(f->loop), j) == 0) {
            complete_locked(f, CORUN_ECANCELED, NULL, "aio: pool job cancelled before it started");
            freed_job = j;
        } else {
            rc = CORUN_EBUSY;
        }
    } else {
        complete_locked(f, CORUN_ECANCELED, NULL, "aio: promise cancelled");
    }
    pthread_mutex_unlock(&f->mu);
    if (freed_job) {
        corun_aio_loop_t *l = freed_job->loop;
        corun_aio_future_release(freed_job->fut); /* the job's reference */
        free(freed_job);
        aio_loop_job_unaccept(l);
    }
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Waiting on many                                                           */
/* ------------------------------------------------------------------------ */

typedef struct counts {
    size_t total, done, failed;
} counts_t;

static counts_t count(corun_aio_future_t *const *fs, size_t n, const unsigned char *skip) {
    counts_t c = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        if (skip && skip[i]) continue;
        c.total++;
        pthread_mutex_lock(&fs[i]->mu);
        if (finished(fs[i])) {
            c.done++;
            if (fs[i]->state != CORUN_AIO_DONE) c.failed++;
        }
        pthread_mutex_unlock(&fs[i]->mu);
    }
    return c;
}

static int holds(counts_t c, corun_aio_wait_mode_t mode) {
    switch (mode) {
    case CORUN_AIO_WAIT_FIRST:
        return c.done > 0 || c.total == 0;
    case CORUN_AIO_WAIT_FIRST_ERROR:
        return c.failed > 0 || c.done == c.total;
    default:
        return c.done == c.total;
    }
}

/* Waits until `mode` holds over the futures not in skip, or the deadline. */
static int wait_many(corun_aio_future_t *const *fs, size_t n, const unsigned char *skip,
                     corun_aio_wait_mode_t mode, double deadline, size_t *ndone,
                     corun_err_t *err) {
    aio_waiter_t small[8];
    aio_waiter_t *ws = n <= 8 ? small : malloc(n * sizeof *ws);
    if (!ws) return corun_err_set(err, CORUN_ENOMEM, "aio: wait: out of memory");
    int rc;
    for (;;) {
        counts_t c = count(fs, n, skip);
        if (ndone) *ndone = c.done;
        if (holds(c, mode)) {
            rc = 0;
            break;
        }
        if (deadline >= 0 && aio_now() >= deadline) {
            rc = corun_err_set(err, CORUN_ETIMEDOUT, "aio: wait: %zu of %zu finished in time",
                               c.done, c.total);
            break;
        }
        aio_co_t *co = aio_current();
        if (!co && corun_aio_current_loop()) {
            rc = corun_err_set(err, CORUN_EINVAL,
                               "aio: wait would block the loop thread; await from a coroutine");
            break;
        }
        if (co && atomic_load(&co->cancel_req)) {
            rc = corun_err_set(err, CORUN_ECANCELED, "aio: wait: the waiting coroutine was cancelled");
            break;
        }
        aio_sig_t s;
        aio_sig_init(&s);
        counts_t now = {0, 0, 0}; /* recounted while linking: a future that
                                     finishes in between is not missed */
        for (size_t i = 0; i < n; i++) {
            memset(&ws[i], 0, sizeof ws[i]);
            ws[i].sig = &s;
            if (skip && skip[i]) continue;
            now.total++;
            pthread_mutex_lock(&fs[i]->mu);
            if (finished(fs[i])) {
                now.done++;
                if (fs[i]->state != CORUN_AIO_DONE) now.failed++;
            } else {
                aio_future_link(fs[i], &ws[i]);
            }
            pthread_mutex_unlock(&fs[i]->mu);
        }
        rc = holds(now, mode) ? 0 : aio_sig_wait(&s, deadline, 1);
        for (size_t i = 0; i < n; i++) {
            pthread_mutex_lock(&fs[i]->mu);
            aio_future_unlink(fs[i], &ws[i]);
            pthread_mutex_unlock(&fs[i]->mu);
        }
        aio_sig_destroy(&s);
        if (rc == CORUN_ECANCELED) {
            corun_err_set(err, rc, "aio: wait: the waiting coroutine was cancelled");
            break;
        }
        /* fired or timed out: loop to re-count (a timeout ends it there) */
    }
    if (ws != small) free(ws);
    return rc;
}

int corun_aio_wait(corun_aio_future_t *const *fs, size_t n, corun_aio_wait_mode_t mode,
                   double timeout_s, size_t *ndone, corun_err_t *err) {
    if (n && !fs) return corun_err_set(err, CORUN_EINVAL, "aio: wait: futures array is NULL");
    for (size_t i = 0; i < n; i++)
        if (!fs[i]) return corun_err_set(err, CORUN_EINVAL, "aio: wait: future %zu is NULL", i);
    if (timeout_s == 0) {
        counts_t c = count(fs, n, NULL);
        if (ndone) *ndone = c.done;
        return holds(c, mode) ? 0 : corun_err_set(err, CORUN_ETIMEDOUT, "aio: wait: not yet");
    }
    return wait_many(fs, n, NULL, mode, aio_deadline(timeout_s), ndone, err);
}

int corun_aio_gather(corun_aio_future_t *const *fs, size_t n, double timeout_s, void **values,
                     corun_err_t *err) {
    int rc = corun_aio_wait(fs, n, CORUN_AIO_WAIT_ALL, timeout_s, NULL, err);
    if (rc) return rc;
    int first = 0;
    for (size_t i = 0; i < n; i++) {
        void *v = NULL;
        pthread_mutex_lock(&fs[i]->mu);
        int r = take_result(fs[i], &v, first ? NULL : err);
        pthread_mutex_unlock(&fs[i]->mu);
        if (values) values[i] = v;
        if (r && !first) {
            first = r;
            corun_err_prefix(err, "aio: gather: future %zu failed", i);
        }
    }
    return first;
}

int corun_aio_as_completed_init(corun_aio_as_completed_t *it, corun_aio_future_t *const *fs,
                                size_t n, corun_err_t *err) {
    memset(it, 0, sizeof *it);
    if (n && !fs) return corun_err_set(err, CORUN_EINVAL, "aio: as_completed: array is NULL");
    it->taken = calloc(n ? n : 1, 1);
    if (!it->taken) return corun_err_set(err, CORUN_ENOMEM, "aio: as_completed: out of memory");
    it->fs = fs;
    it->n = n;
    return 0;
}

int corun_aio_as_completed_next(corun_aio_as_completed_t *it, double timeout_s,
                                corun_aio_future_t **out, corun_err_t *err) {
    *out = NULL;
    double deadline = aio_deadline(timeout_s);
    for (;;) {
        if (it->returned == it->n) return 0;
        /* O(n) per call: the smallest completion number among the finished
         * ones not returned yet is the next in completion order. */
        size_t best = SIZE_MAX;
        uint64_t best_seq = UINT64_MAX;
        for (size_t i = 0; i < it->n; i++) {
            if (it->taken[i]) continue;
            pthread_mutex_lock(&it->fs[i]->mu);
            if (finished(it->fs[i]) && it->fs[i]->done_seq < best_seq) {
                best_seq = it->fs[i]->done_seq;
                best = i;
            }
            pthread_mutex_unlock(&it->fs[i]->mu);
        }
        if (best != SIZE_MAX) {
            it->taken[best] = 1;
            it->returned++;
            *out = it->fs[best];
            return 0;
        }
        if (timeout_s == 0)
            return corun_err_set(err, CORUN_ETIMEDOUT, "aio: as_completed: none finished yet");
        int rc = wait_many(it->fs, it->n, it->taken, CORUN_AIO_WAIT_FIRST, deadline, NULL, err);
        if (rc) return rc;
    }
}

void corun_aio_as_completed_close(corun_aio_as_completed_t *it) {
    free(it->taken);
    it->taken = NULL;
}
