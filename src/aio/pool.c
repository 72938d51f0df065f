/* pool.c — the worker pool a loop owns: runs blocking jobs for
 * corun_aio_run_in_pool (a coroutine waits) and corun_aio_submit (a future).
 *
 * Job states (aio_job_state, under pool.mu):
 *
 *   QUEUED ──worker picks it──> RUNNING ──fn returns──> DONE
 *     │
 *     └──aio_pool_cancel / aio_pool_cancel_all──> CANCELLED (fn never runs)
 *
 * Work can be cancelled only while QUEUED; RUNNING work runs to its end.
 * Completion: a run_in_pool job fires the waiting coroutine's signal (under
 * pool.mu, so the coroutine, which re-takes pool.mu before returning, cannot
 * vanish under the worker); a submitted job is posted to the loop's inbox and
 * its future is resolved on the loop thread. Lock order: future.mu ->
 * pool.mu -> loop.mu -> sig.mu.
 *
 * The pool is sized from corun_aio_config_t.pool_threads; if a worker cannot
 * be started, creation fails and the workers already started are joined.
 */
#include <stdlib.h>
#include <string.h>

#include "aio/aio_int.h"

struct aio_pool {
    corun_aio_loop_t *loop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    aio_node_t *head, *tail; /* queued jobs */
    int stop;
    size_t nthreads;
    pthread_t *threads;
};

static void *worker_main(void *arg) {
    aio_pool_t *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->head && !p->stop) pthread_cond_wait(&p->cv, &p->mu);
        if (!p->head) break; /* stop requested and nothing queued */
        aio_job_t *j = (aio_job_t *)p->head;
        p->head = j->node.next;
        if (!p->head) p->tail = NULL;
        j->state = AIO_JOB_RUNNING;
        corun_aio_future_t *f = j->fut;
        pthread_mutex_unlock(&p->mu);

        if (f) {
            pthread_mutex_lock(&f->mu);
            if (f->state == CORUN_AIO_PENDING) f->state = CORUN_AIO_RUNNING;
            pthread_mutex_unlock(&f->mu);
        }
        corun_err_t e;
        e.code = 0;
        e.msg[0] = '\0';
        void *value = NULL;
        int rc = j->fn(j->arg, &value, &e);
        if (rc > 0) {
            corun_err_set(&e, CORUN_EINTERNAL,
                          "aio: pool job returned %d; jobs return 0 or a negative CORUN_E* code", rc);
            rc = CORUN_EINTERNAL;
        }

        pthread_mutex_lock(&p->mu);
        j->code = rc;
        j->value = value;
        if (rc) j->msg = aio_strdup_msg(rc, e.msg);
        j->state = AIO_JOB_DONE;
        if (j->sig) {
            aio_sig_fire(j->sig); /* pool.mu -> loop.mu */
        } else {
            pthread_mutex_unlock(&p->mu);
            aio_loop_post_job(j->loop, &j->node); /* j belongs to the loop now */
            pthread_mutex_lock(&p->mu);
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int aio_pool_create(corun_aio_loop_t *loop, int nthreads, aio_pool_t **out, corun_err_t *err) {
    aio_pool_t *p = calloc(1, sizeof *p);
    pthread_t *t = calloc((size_t)nthreads, sizeof *t);
    if (!p || !t) {
        free(p);
        free(t);
        return corun_err_set(err, CORUN_ENOMEM, "aio: out of memory for the worker pool");
    }
    p->loop = loop;
    p->threads = t;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (int i = 0; i < nthreads; i++) {
        int rc = pthread_create(&p->threads[i], NULL, worker_main, p);
        if (rc) {
            corun_err_set(err, CORUN_ENOMEM,
                          "aio: cannot start pool worker %d of %d: %s (lower pool_threads)", i + 1,
                          nthreads, strerror(rc));
            aio_pool_destroy(p);
            return CORUN_ENOMEM;
        }
        p->nthreads++;
    }
    *out = p;
    return 0;
}

void aio_pool_join(aio_pool_t *p) {
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < p->nthreads; i++) pthread_join(p->threads[i], NULL);
    AIO_ASSERT(p->head == NULL);
    pthread_mutex_lock(&p->mu);
    p->nthreads = 0;
    pthread_mutex_unlock(&p->mu);
}

void aio_pool_destroy(aio_pool_t *p) {
    aio_pool_join(p);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p);
}

size_t aio_pool_nthreads(aio_pool_t *p) {
    pthread_mutex_lock(&p->mu);
    size_t n = p->nthreads;
    pthread_mutex_unlock(&p->mu);
    return n;
}

int aio_pool_push(aio_pool_t *p, aio_job_t *j) {
    if (!p) return CORUN_ENOTSUP;
    j->state = AIO_JOB_QUEUED;
    j->node.next = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->tail) p->tail->next = &j->node;
    else p->head = &j->node;
    p->tail = &j->node;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

/* Under pool.mu: unlinks a queued job. */
static void unqueue(aio_pool_t *p, aio_job_t *j) {
    aio_node_t *prev = NULL;
    for (aio_node_t *n = p->head; n; prev = n, n = n->next) {
        if (n != &j->node) continue;
        if (prev) prev->next = n->next;
        else p->head = n->next;
        if (p->tail == n) p->tail = prev;
        return;
    }
    AIO_ASSERT(0 && "queued job not in the pool queue");
}

int aio_pool_cancel(aio_pool_t *p, aio_job_t *j) {
    if (!p) return CORUN_EBUSY;
    pthread_mutex_lock(&p->mu);
    int rc = CORUN_EBUSY;
    if (j->state == AIO_JOB_QUEUED) {
        unqueue(p, j);
        j->state = AIO_JOB_CANCELLED;
        rc = 0;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void aio_pool_cancel_all(aio_pool_t *p, void (*cb)(aio_job_t *j)) {
    aio_node_t *gone = NULL;
    pthread_mutex_lock(&p->mu);
    aio_node_t *n = p->head;
    p->head = p->tail = NULL;
    while (n) {
        aio_node_t *next = n->next;
        aio_job_t *j = (aio_job_t *)n;
        j->state = AIO_JOB_CANCELLED;
        if (j->sig) {
            aio_sig_fire(j->sig); /* the coroutine sees CANCELLED */
        } else {
            n->next = gone;
            gone = n;
        }
        n = next;
    }
    pthread_mutex_unlock(&p->mu);
    /* Submitted jobs resolve their futures without pool.mu held
     * (future.mu comes before pool.mu). */
    while (gone) {
        aio_job_t *j = (aio_job_t *)gone;
        gone = gone->next;
        j->code = CORUN_ECANCELED;
        j->msg = aio_strdup_msg(CORUN_ECANCELED, "aio: pool job cancelled by loop shutdown");
        cb(j);
    }
}

/* ------------------------------------------------------------------------ */
/* Public                                                                    */
/* ------------------------------------------------------------------------ */

int corun_aio_run_in_pool(corun_aio_fn fn, void *arg, void **value, corun_err_t *err) {
    aio_co_t *co = aio_current();
    if (value) *value = NULL;
    if (!co) return corun_err_set(err, CORUN_EINVAL, "aio: run_in_pool called outside a coroutine");
    if (!fn) return corun_err_set(err, CORUN_EINVAL, "aio: run_in_pool: fn is NULL");
    if (atomic_load(&co->cancel_req))
        return corun_err_set(err, CORUN_ECANCELED, "aio: run_in_pool: cancelled");
    aio_pool_t *p = aio_loop_pool(co->loop);
    if (!p)
        return corun_err_set(err, CORUN_ENOTSUP,
                             "aio: run_in_pool: this loop has no pool (pool_threads = 0)");
    aio_job_t j;
    aio_sig_t s;
    memset(&j, 0, sizeof j);
    j.fn = fn;
    j.arg = arg;
    j.sig = &s;
    j.loop = co->loop;
    aio_sig_init(&s);
    aio_pool_push(p, &j);
    int rc = aio_sig_wait(&s, -1.0, 1);
    if (rc == CORUN_ECANCELED) {
        if (aio_pool_cancel(p, &j) == 0) {
            aio_sig_destroy(&s);
            return corun_err_set(err, CORUN_ECANCELED,
                                 "aio: run_in_pool: cancelled before a worker picked it up");
        }
        /* Running (or just finished): the job uses our stack; wait it out. */
        aio_sig_rearm(&s);
        aio_sig_wait(&s, -1.0, 0);
    }
    pthread_mutex_lock(&p->mu); /* the worker has let go of j and s */
    int state = j.state;
    pthread_mutex_unlock(&p->mu);
    aio_sig_destroy(&s);
    if (state == AIO_JOB_CANCELLED)
        return corun_err_set(err, CORUN_ECANCELED, "aio: run_in_pool: cancelled by loop shutdown");
    if (value) *value = j.value;
    if (j.code) corun_err_set(err, j.code, "%s", j.msg ? j.msg : corun_strerror(j.code));
    free(j.msg);
    return j.code;
}

int corun_aio_submit(corun_aio_loop_t *loop, corun_aio_fn fn, void *arg,
                     corun_aio_future_t **fut, corun_err_t *err) {
    if (fut) *fut = NULL;
    if (!loop || !fn) return corun_err_set(err, CORUN_EINVAL, "aio: submit: loop and fn are required");
    aio_pool_t *p = aio_loop_pool(loop); /* set at creation, freed by loop_destroy */
    if (!p)
        return corun_err_set(err, CORUN_ENOTSUP, "aio: submit: this loop has no pool (pool_threads = 0)");
    aio_job_t *j = calloc(1, sizeof *j);
    corun_aio_future_t *f = j ? aio_future_new(AIO_FUT_JOB, loop) : NULL;
    if (!f) {
        free(j);
        return corun_err_set(err, CORUN_ENOMEM, "aio: submit: out of memory");
    }
    j->fn = fn;
    j->arg = arg;
    j->fut = f; /* the job's reference, dropped when it is resolved */
    j->loop = loop;
    f->job = j;
    if (fut) {
        atomic_fetch_add(&f->refs, 1);
        *fut = f;
    } else {
        f->detached = 1;
    }
    if (!aio_loop_accept_job(loop)) {
        if (fut) {
            *fut = NULL;
            corun_aio_future_release(f);
        }
        f->job = NULL;
        corun_aio_future_release(f);
        free(j);
        return corun_err_set(err, CORUN_ECLOSED, "aio: submit: the loop is shutting down");
    }
    aio_pool_push(p, j);
    return 0;
}
