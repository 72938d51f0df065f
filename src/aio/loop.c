/* loop.c — the aio event loop: its thread, the ready queue, park/wake of
 * coroutines, timers, user poll functions, the suspension points, spawn and
 * shutdown.
 *
 * A coroutine's life (state field of aio_co_t, loop thread only):
 *
 *   spawn ──> NEW ──co_start──> RUNNING ──fn returns──> DEAD ──co_free──> (freed)
 *              │                 │    ^
 *              │ future          │    │ loop_resume (from the ready queue)
 *              │ cancelled       v    │
 *              │              PARKED / READY
 *              └──co_start sees it──> co_free, never run
 *
 * Park/wake protocol. `woken` is 0 while a coroutine is "armed" (it may be
 * woken) and 1 once a wake has been queued or while it runs. aio_co_wake does
 * CAS 0->1 and only the winner queues the coroutine, so it sits in at most
 * one queue. A coroutine arms (woken = 0) before it registers with whatever
 * may wake it, re-checks its condition, and parks. If it decides not to park
 * it disarms with CAS 0->1; if that fails a wake is already queued and it
 * parks once to consume it. A waker fires under the lock of the object the
 * coroutine waits on, and the coroutine takes that lock again before it
 * returns, so a waker never touches a coroutine that has gone.
 *
 * The loop iteration: take the inbox (remote spawns, remote wakes, finished
 * pool jobs) under loop.mu; fire expired timers; call due poll functions
 * (finished polls are marked during the pass and swept after it); run every
 * coroutine that was ready at the start of the pass; then, if nothing is
 * ready, sleep on loop.cv until the next timer/poll or a post. An idle loop
 * sleeps: no spinning.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aio/aio_int.h"

#if AIO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if AIO_TSAN
#include <sanitizer/tsan_interface.h>
#endif

typedef struct aio_poll {
    struct aio_poll *prev, *next;
    corun_aio_poll_fn fn;
    void *arg;
    corun_err_t *err;
    double next_at, interval;
    int result; /* poll's last return: > 0 ready, < 0 error */
    int done;   /* marked during the dispatch pass, swept after it */
    aio_sig_t sig;
} aio_poll_t;

enum { STOP_NONE = 0, STOP_DRAIN = 1, STOP_CANCEL = 2 };

struct corun_aio_loop {
    corun_aio_config_t cfg;
    pthread_t thread;
    int thread_started, joined;

    /* ---- shared, under mu ---- */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    aio_node_t *in_head, *in_tail;
    int sleeping, stop, accepting;
    atomic_int pending; /* set with the inbox or stop under mu: the loop skips mu when 0 */
    int det_code;
    char det_msg[CORUN_ERR_MSG_MAX];
    pthread_mutex_t shutdown_mu; /* serialises corun_aio_loop_shutdown */

    atomic_size_t jobs_outstanding; /* submitted pool jobs not yet resolved */
    /* statistics, written by the loop thread */
    atomic_uint_least64_t st_spawned, st_completed;
    atomic_size_t st_alive, st_stacks, st_slabs;
    atomic_int st_guard;

    /* ---- loop thread only ---- */
    aio_node_t *rq_head, *rq_tail;
    aio_co_t **heap;
    size_t nheap, capheap;
    aio_poll_t *polls;
    aio_co_t *all;
    size_t alive;
    int stop_seen, cancelled_all;
    aio_stacks_t stacks;
    aio_ctx_t main_ctx;
    aio_pool_t *pool;
#if AIO_ASAN
    const void *asan_main_bottom;
    size_t asan_main_size;
    void *asan_main_fake;
#endif
#if AIO_TSAN
    void *tsan_main_fiber;
#endif
};

static _Thread_local corun_aio_loop_t *tls_loop;
static _Thread_local aio_co_t *tls_co;

/* ------------------------------------------------------------------------ */
/* Time, condition variables, waiter lists                                   */
/* ------------------------------------------------------------------------ */

double aio_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double aio_deadline(double timeout_s) { return timeout_s < 0 ? -1.0 : aio_now() + timeout_s; }

static pthread_condattr_t cond_attr;
static pthread_once_t cond_attr_once = PTHREAD_ONCE_INIT;
static void cond_attr_make(void) {
    pthread_condattr_init(&cond_attr);
    pthread_condattr_setclock(&cond_attr, CLOCK_MONOTONIC);
}

int aio_cond_init(pthread_cond_t *cv) {
    pthread_once(&cond_attr_once, cond_attr_make);
    return pthread_cond_init(cv, &cond_attr);
}

int aio_cond_wait(pthread_cond_t *cv, pthread_mutex_t *mu, double deadline) {
    if (deadline < 0) {
        pthread_cond_wait(cv, mu);
        return 0;
    }
    struct timespec ts;
    double whole = (double)(time_t)deadline;
    ts.tv_sec = (time_t)deadline;
    ts.tv_nsec = (long)((deadline - whole) * 1e9);
    if (ts.tv_nsec >= 1000000000L) ts.tv_nsec = 999999999L;
    if (ts.tv_nsec < 0) ts.tv_nsec = 0;
    return pthread_cond_timedwait(cv, mu, &ts) == ETIMEDOUT;
}

void aio_wlist_push(aio_waiter_t **head, aio_waiter_t *w) {
    if (!*head) {
        w->prev = w->next = w;
        *head = w;
    } else {
        aio_waiter_t *h = *head;
        w->next = h;
        w->prev = h->prev;
        h->prev->next = w;
        h->prev = w;
    }
    w->linked = 1;
}

void aio_wlist_remove(aio_waiter_t **head, aio_waiter_t *w) {
    AIO_ASSERT(w->linked);
    if (w->next == w) {
        *head = NULL;
    } else {
        w->prev->next = w->next;
        w->next->prev = w->prev;
        if (*head == w) *head = w->next;
    }
    w->prev = w->next = NULL;
    w->linked = 0;
}

aio_waiter_t *aio_wlist_pop(aio_waiter_t **head) {
    aio_waiter_t *w = *head;
    if (w) aio_wlist_remove(head, w);
    return w;
}

char *aio_strdup_msg(int code, const char *msg) {
    const char *m = (msg && msg[0]) ? msg : corun_strerror(code);
    size_t n = strlen(m);
    char *p = malloc(n + 1);
    if (p) memcpy(p, m, n + 1);
    return p;
}

/* ------------------------------------------------------------------------ */
/* Ready queue, timers                                                       */
/* ------------------------------------------------------------------------ */

static void rq_push(corun_aio_loop_t *l, aio_node_t *n) {
    n->next = NULL;
    if (l->rq_tail) l->rq_tail->next = n;
    else l->rq_head = n;
    l->rq_tail = n;
}

static void heap_swap(corun_aio_loop_t *l, size_t a, size_t b) {
    aio_co_t *t = l->heap[a];
    l->heap[a] = l->heap[b];
    l->heap[b] = t;
    l->heap[a]->heap_idx = a;
    l->heap[b]->heap_idx = b;
}

static void heap_up(corun_aio_loop_t *l, size_t i) {
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (l->heap[p]->deadline <= l->heap[i]->deadline) break;
        heap_swap(l, p, i);
        i = p;
    }
}

static void heap_down(corun_aio_loop_t *l, size_t i) {
    for (;;) {
        size_t c = 2 * i + 1, m = i;
        if (c < l->nheap && l->heap[c]->deadline < l->heap[m]->deadline) m = c;
        if (c + 1 < l->nheap && l->heap[c + 1]->deadline < l->heap[m]->deadline) m = c + 1;
        if (m == i) break;
        heap_swap(l, i, m);
        i = m;
    }
}

/* Returns 0, or CORUN_ENOMEM (the caller then parks without a timer and
 * re-checks the clock on every wake; see co_park). */
static int timer_add(corun_aio_loop_t *l, aio_co_t *co, double deadline) {
    if (l->nheap == l->capheap) {
        size_t cap = l->capheap ? 2 * l->capheap : 64;
        aio_co_t **h = realloc(l->heap, cap * sizeof *h);
        if (!h) return CORUN_ENOMEM;
        l->heap = h;
        l->capheap = cap;
    }
    co->deadline = deadline;
    co->heap_idx = l->nheap;
    l->heap[l->nheap++] = co;
    heap_up(l, co->heap_idx);
    return 0;
}

static void timer_remove(corun_aio_loop_t *l, aio_co_t *co) {
    size_t i = co->heap_idx;
    AIO_ASSERT(i < l->nheap && l->heap[i] == co);
    l->nheap--;
    if (i != l->nheap) {
        l->heap[i] = l->heap[l->nheap];
        l->heap[i]->heap_idx = i;
        heap_down(l, i);
        heap_up(l, i);
    }
    co->heap_idx = SIZE_MAX;
}

/* ------------------------------------------------------------------------ */
/* Switching                                                                 */
/* ------------------------------------------------------------------------ */

aio_co_t *aio_current(void) { return tls_co; }

/* Loop thread -> coroutine, and back when it parks, yields or dies. */
static void loop_resume(corun_aio_loop_t *l, aio_co_t *co) {
    tls_co = co;
    co->state = AIO_CO_RUNNING;
#if AIO_ASAN
    __sanitizer_start_switch_fiber(&l->asan_main_fake, co->stack.lo, co->stack.size);
#endif
#if AIO_TSAN
    __tsan_switch_to_fiber(co->tsan_fiber, 0);
#endif
    aio_ctx_resume(&l->main_ctx, &co->ctx);
#if AIO_ASAN
    __sanitizer_finish_switch_fiber(l->asan_main_fake, NULL, NULL);
#endif
    tls_co = NULL;
}

/* Coroutine -> loop. When dying, the coroutine's fake stack is released. */
static void co_switch_out(aio_co_t *co, int dying) {
    corun_aio_loop_t *l = co->loop;
#if AIO_ASAN
    /* Frames still live when a coroutine dies never run their epilogues, so
     * their redzones stay poisoned: remember how deep they reach (plus a
     * margin for the uninstrumented switch) for co_free to clean. */
    if (dying) co->asan_low = (char *)__builtin_frame_address(0) - 512;
    __sanitizer_start_switch_fiber(dying ? NULL : &co->asan_fake, l->asan_main_bottom,
                                   l->asan_main_size);
#else
    (void)dying;
#endif
#if AIO_TSAN
    __tsan_switch_to_fiber(l->tsan_main_fiber, 0);
#endif
    aio_ctx_suspend(&co->ctx, &l->main_ctx);
#if AIO_ASAN
    __sanitizer_finish_switch_fiber(co->asan_fake, &l->asan_main_bottom, &l->asan_main_size);
#endif
}

/* Appends co to the loop's inbox (work from other threads) and wakes the
 * loop if it sleeps. Called with l->mu held. `pending` is set after the
 * link, under mu, which is what loop_main's unlocked check relies on. */
static void inbox_post_locked(corun_aio_loop_t *l, aio_co_t *co) {
    co->node.next = NULL;
    if (l->in_tail) l->in_tail->next = &co->node;
    else l->in_head = &co->node;
    l->in_tail = &co->node;
    atomic_store_explicit(&l->pending, 1, memory_order_release);
    if (l->sleeping) pthread_cond_signal(&l->cv);
}

void aio_co_wake(aio_co_t *co) {
    int exp = 0;
    if (!atomic_compare_exchange_strong(&co->woken, &exp, 1)) return;
    corun_aio_loop_t *l = co->loop;
    if (tls_loop == l) {
        if (co->state != AIO_CO_NEW) co->state = AIO_CO_READY;
        rq_push(l, &co->node);
        return;
    }
    /* lock order: (caller's chan/future/pool lock) -> loop.mu */
    pthread_mutex_lock(&l->mu);
    inbox_post_locked(l, co);
    pthread_mutex_unlock(&l->mu);
}

/* Parks the running coroutine until a queued wake resumes it. A deadline
 * (>= 0) adds a timer that wakes it then. */
static void co_park(aio_co_t *co, double deadline) {
    corun_aio_loop_t *l = co->loop;
    if (deadline >= 0 && timer_add(l, co, deadline) != 0) {
        /* No memory for the timer: fall back to polling the clock through
         * the ready queue rather than sleeping past the deadline. */
        int exp = 0;
        if (atomic_compare_exchange_strong(&co->woken, &exp, 1)) rq_push(l, &co->node);
    }
    co->state = AIO_CO_PARKED;
    co_switch_out(co, 0);
    if (co->heap_idx != SIZE_MAX) timer_remove(l, co);
}

static void co_disarm(aio_co_t *co) {
    int exp = 0;
    if (!atomic_compare_exchange_strong(&co->woken, &exp, 1)) co_park(co, -1.0);
}

/* ------------------------------------------------------------------------ */
/* Signals                                                                   */
/* ------------------------------------------------------------------------ */

void aio_sig_init(aio_sig_t *s) {
    s->co = tls_co;
    s->armed = 0;
    atomic_init(&s->fired, 0);
    if (s->co) {
        s->armed = 1;
        atomic_store(&s->co->woken, 0); /* arm before anyone can see s */
    } else {
        pthread_mutex_init(&s->mu, NULL);
        aio_cond_init(&s->cv);
    }
}

void aio_sig_fire(aio_sig_t *s) {
    if (s->co) {
        atomic_store(&s->fired, 1);
        aio_co_wake(s->co);
    } else {
        pthread_mutex_lock(&s->mu);
        atomic_store(&s->fired, 1);
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
}

void aio_sig_rearm(aio_sig_t *s) {
    if (s->co && !s->armed) {
        s->armed = 1;
        atomic_store(&s->co->woken, 0);
    }
}

int aio_sig_wait(aio_sig_t *s, double deadline, int cancellable) {
    int rc;
    if (s->co) {
        aio_co_t *co = s->co;
        for (;;) {
            if (atomic_load(&s->fired)) {
                rc = 0;
                break;
            }
            if (cancellable && atomic_load(&co->cancel_req)) {
                rc = CORUN_ECANCELED;
                break;
            }
            if (deadline >= 0 && aio_now() >= deadline) {
                rc = CORUN_ETIMEDOUT;
                break;
            }
            co_park(co, deadline);
            atomic_store(&co->woken, 0); /* re-arm, then re-check */
        }
        co_disarm(co);
        s->armed = 0;
        return rc;
    }
    pthread_mutex_lock(&s->mu);
    rc = 0;
    while (!atomic_load(&s->fired)) {
        if (aio_cond_wait(&s->cv, &s->mu, deadline) && !atomic_load(&s->fired)) {
            rc = CORUN_ETIMEDOUT;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void aio_sig_destroy(aio_sig_t *s) {
    if (s->co) {
        /* If aio_sig_wait was never called, disarm now: this parks once if
         * a fire already queued a wake, so no stale queue entry remains. */
        if (s->armed) co_disarm(s->co);
        s->armed = 0;
    } else {
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
    }
}

/* ------------------------------------------------------------------------ */
/* Coroutine start and end                                                   */
/* ------------------------------------------------------------------------ */

static void all_link(corun_aio_loop_t *l, aio_co_t *co) {
    co->all_prev = NULL;
    co->all_next = l->all;
    if (l->all) l->all->all_prev = co;
    l->all = co;
    co->counted = 1;
    l->alive++;
    atomic_store_explicit(&l->st_alive, l->alive, memory_order_relaxed);
}

static void co_free(corun_aio_loop_t *l, aio_co_t *co) {
    if (co->counted) {
        if (co->all_prev) co->all_prev->all_next = co->all_next;
        else l->all = co->all_next;
        if (co->all_next) co->all_next->all_prev = co->all_prev;
        l->alive--;
        atomic_store_explicit(&l->st_alive, l->alive, memory_order_relaxed);
    }
    if (co->stack.slab) {
#if AIO_ASAN
        char *top = co->stack.lo + co->stack.size;
        if (co->asan_low && co->asan_low >= co->stack.lo && co->asan_low < top)
            __asan_unpoison_memory_region(co->asan_low, (size_t)(top - co->asan_low));
#endif
        aio_stacks_free(&l->stacks, &co->stack);
        atomic_store_explicit(&l->st_stacks, l->stacks.in_use, memory_order_relaxed);
        atomic_store_explicit(&l->st_slabs, l->stacks.nslabs, memory_order_relaxed);
    }
#if AIO_TSAN
    if (co->tsan_fiber) __tsan_destroy_fiber(co->tsan_fiber);
#endif
    atomic_fetch_add_explicit(&l->st_completed, 1, memory_order_relaxed);
    corun_aio_future_release(co->fut);
    free(co);
}

static _Noreturn void co_entry(void *p) {
    aio_co_t *co = p;
#if AIO_ASAN
    __sanitizer_finish_switch_fiber(NULL, &co->loop->asan_main_bottom,
                                    &co->loop->asan_main_size);
#endif
    corun_err_t e;
    e.code = 0;
    e.msg[0] = '\0';
    co->err = &e;
    void *value = NULL;
    int rc = co->fn(co->arg, &value, &e);
    if (rc > 0) {
        corun_err_set(&e, CORUN_EINTERNAL, "aio: job returned %d; jobs return 0 or a negative CORUN_E* code",
                      rc);
        rc = CORUN_EINTERNAL;
    }
    co->code = rc;
    co->value = value;
    co->err = NULL;
    atomic_store(&co->woken, 1); /* no more wakes: it is finishing */
    /* Resolving here, on the coroutine's stack, keeps `e` alive for the
     * message; waiters on this loop are queued, others are posted. */
    aio_future_complete(co->fut, rc, value, rc ? e.msg : NULL);
    co->state = AIO_CO_DEAD;
    co_switch_out(co, 1);
    for (;;) {
    } /* never resumed */
}

static void co_start(corun_aio_loop_t *l, aio_co_t *co) {
    corun_aio_future_t *f = co->fut;
    int cancel = 0;
    pthread_mutex_lock(&f->mu);
    if (f->state != CORUN_AIO_PENDING) {
        pthread_mutex_unlock(&f->mu); /* cancelled before it started: never runs */
        co_free(l, co);
        return;
    }
    if (l->stop_seen == STOP_CANCEL) cancel = 1;
    else f->state = CORUN_AIO_RUNNING;
    pthread_mutex_unlock(&f->mu);
    if (cancel) {
        aio_future_complete(f, CORUN_ECANCELED, NULL, "aio: cancelled by loop shutdown before it started");
        co_free(l, co);
        return;
    }
    corun_err_t e = {0};
    int rc = aio_stacks_alloc(&l->stacks, &co->stack, &e);
    atomic_store_explicit(&l->st_stacks, l->stacks.in_use, memory_order_relaxed);
    atomic_store_explicit(&l->st_slabs, l->stacks.nslabs, memory_order_relaxed);
    atomic_store_explicit(&l->st_guard, l->stacks.guard_mode, memory_order_relaxed);
    if (rc == 0) {
        rc = aio_ctx_make(&co->ctx, co->stack.lo, co->stack.size, co_entry, co);
        if (rc) corun_err_set(&e, rc, "aio: cannot prepare a coroutine context");
    }
    if (rc) {
        aio_future_complete(f, rc, NULL, e.msg);
        co_free(l, co);
        return;
    }
#if AIO_TSAN
    co->tsan_fiber = __tsan_create_fiber(0);
#endif
    loop_resume(l, co);
    if (co->state == AIO_CO_DEAD) co_free(l, co);
}

static void run_ready(corun_aio_loop_t *l) {
    aio_node_t *n = l->rq_head;
    l->rq_head = l->rq_tail = NULL; /* wakes during the pass go to the next one */
    while (n) {
        aio_node_t *next = n->next;
        aio_co_t *co = (aio_co_t *)n;
        if (co->state == AIO_CO_NEW) {
            co_start(l, co);
        } else {
            loop_resume(l, co);
            if (co->state == AIO_CO_DEAD) co_free(l, co);
        }
        n = next;
    }
}

/* ------------------------------------------------------------------------ */
/* Polls                                                                     */
/* ------------------------------------------------------------------------ */

static void run_polls(corun_aio_loop_t *l, double now) {
    for (aio_poll_t *p = l->polls; p; p = p->next) {
        if (p->done || p->next_at > now) continue;
        int r = p->fn(p->arg, p->err);
        if (r != 0) {
            p->result = r;
            p->done = 1; /* marked; swept below */
            aio_sig_fire(&p->sig);
        } else {
            p->interval = p->interval * 2 < l->cfg.poll_max_s ? p->interval * 2 : l->cfg.poll_max_s;
            p->next_at = now + p->interval;
        }
    }
    for (aio_poll_t *p = l->polls, *next; p; p = next) {
        next = p->next;
        if (!p->done) continue;
        if (p->prev) p->prev->next = p->next;
        else l->polls = p->next;
        if (p->next) p->next->prev = p->prev;
        p->prev = p->next = NULL;
        p->done = 2; /* swept: off the list */
    }
}

static void poll_unlink(corun_aio_loop_t *l, aio_poll_t *p) {
    if (p->done == 2) return;
    if (p->prev) p->prev->next = p->next;
    else l->polls = p->next;
    if (p->next) p->next->prev = p->prev;
    p->done = 2;
}

/* ------------------------------------------------------------------------ */
/* The loop thread                                                           */
/* ------------------------------------------------------------------------ */

static void job_resolved(aio_job_t *j) {
    corun_aio_loop_t *l = j->loop;
    aio_future_complete(j->fut, j->code, j->value, j->msg);
    corun_aio_future_release(j->fut);
    free(j->msg);
    free(j);
    atomic_fetch_sub(&l->jobs_outstanding, 1);
}

static void cancel_all(corun_aio_loop_t *l) {
    l->cancelled_all = 1;
    for (aio_co_t *co = l->all; co; co = co->all_next) {
        if (co->state == AIO_CO_NEW) continue; /* co_start cancels it */
        atomic_store(&co->cancel_req, 1);
        aio_co_wake(co);
    }
    if (l->pool) aio_pool_cancel_all(l->pool, job_resolved);
}

static void take_inbox(corun_aio_loop_t *l, aio_node_t *n) {
    while (n) {
        aio_node_t *next = n->next;
        if (n->kind == AIO_NODE_JOB) {
            job_resolved((aio_job_t *)n);
        } else {
            aio_co_t *co = (aio_co_t *)n;
            if (!co->counted) all_link(l, co);
            else co->state = AIO_CO_READY;
            rq_push(l, n);
        }
        n = next;
    }
}

static void *loop_main(void *arg) {
    corun_aio_loop_t *l = arg;
    tls_loop = l;
#if AIO_TSAN
    l->tsan_main_fiber = __tsan_get_current_fiber();
#endif
    for (;;) {
        /* Posters set `pending` under mu after linking, so a 0 seen here
         * can only miss a post that will also find us awake or signal us. */
        if (atomic_load_explicit(&l->pending, memory_order_acquire)) {
            pthread_mutex_lock(&l->mu);
            aio_node_t *in = l->in_head;
            l->in_head = l->in_tail = NULL;
            l->stop_seen = l->stop;
            atomic_store_explicit(&l->pending, 0, memory_order_relaxed);
            pthread_mutex_unlock(&l->mu);
            take_inbox(l, in);
            if (l->stop_seen == STOP_CANCEL && !l->cancelled_all) cancel_all(l);
        }

        if (l->nheap || l->polls) {
            double now = aio_now();
            while (l->nheap && l->heap[0]->deadline <= now) {
                aio_co_t *co = l->heap[0];
                timer_remove(l, co);
                aio_co_wake(co);
            }
            if (l->polls) run_polls(l, now);
        }
        run_ready(l);

        if (l->rq_head) continue;
        if (l->stop_seen && l->alive == 0 && atomic_load(&l->jobs_outstanding) == 0) {
            pthread_mutex_lock(&l->mu);
            int empty = l->in_head == NULL;
            pthread_mutex_unlock(&l->mu);
            if (empty) break;
            continue;
        }
        double wake_at = -1.0;
        if (l->nheap) wake_at = l->heap[0]->deadline;
        for (aio_poll_t *p = l->polls; p; p = p->next)
            if (wake_at < 0 || p->next_at < wake_at) wake_at = p->next_at;
        pthread_mutex_lock(&l->mu);
        while (!atomic_load_explicit(&l->pending, memory_order_relaxed)) {
            l->sleeping = 1;
            int timed_out = aio_cond_wait(&l->cv, &l->mu, wake_at);
            l->sleeping = 0;
            if (timed_out) break;
        }
        pthread_mutex_unlock(&l->mu);
    }
    tls_loop = NULL;
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Public: configuration and lifetime                                        */
/* ------------------------------------------------------------------------ */

void corun_aio_config_init(corun_aio_config_t *cfg) {
    cfg->stack_size = 64 * 1024;
    cfg->pool_threads = 2;
    cfg->poll_min_s = 20e-6;
    cfg->poll_max_s = 2e-3;
}

const char *corun_aio_switch_name(void) {
#if AIO_USE_UCONTEXT
    return "ucontext";
#elif defined(__x86_64__)
    return "asm-x86_64";
#else
    return "asm-aarch64";
#endif
}

int corun_aio_loop_create(const corun_aio_config_t *cfg_in, corun_aio_loop_t **out,
                          corun_err_t *err) {
    if (!out) return corun_err_set(err, CORUN_EINVAL, "aio: loop_create: out is NULL");
    *out = NULL;
    corun_aio_config_t cfg;
    if (cfg_in) cfg = *cfg_in;
    else corun_aio_config_init(&cfg);
    if (cfg.stack_size < 16 * 1024 || cfg.stack_size > ((size_t)1 << 30))
        return corun_err_set(err, CORUN_EINVAL,
                             "aio: stack_size %zu out of range [16 KiB, 1 GiB]", cfg.stack_size);
    if (cfg.pool_threads < 0 || cfg.pool_threads > 1024)
        return corun_err_set(err, CORUN_EINVAL, "aio: pool_threads %d out of range [0, 1024]",
                             cfg.pool_threads);
    if (!(cfg.poll_min_s > 0) || !(cfg.poll_max_s >= cfg.poll_min_s))
        return corun_err_set(err, CORUN_EINVAL,
                             "aio: need 0 < poll_min_s <= poll_max_s (got %g, %g)", cfg.poll_min_s,
                             cfg.poll_max_s);
    corun_aio_loop_t *l = calloc(1, sizeof *l);
    if (!l) return corun_err_set(err, CORUN_ENOMEM, "aio: out of memory for a loop");
    l->cfg = cfg;
    pthread_mutex_init(&l->mu, NULL);
    pthread_mutex_init(&l->shutdown_mu, NULL);
    aio_cond_init(&l->cv);
    l->accepting = 1;
    aio_stacks_init(&l->stacks, cfg.stack_size);
    int rc = 0;
    if (cfg.pool_threads > 0) {
        rc = aio_pool_create(l, cfg.pool_threads, &l->pool, err);
        if (rc) goto fail;
    }
    rc = pthread_create(&l->thread, NULL, loop_main, l);
    if (rc) {
        rc = corun_err_set(err, CORUN_ENOMEM, "aio: cannot start the loop thread: %s",
                           strerror(rc));
        goto fail;
    }
    l->thread_started = 1;
    *out = l;
    return 0;
fail:
    if (l->pool) aio_pool_destroy(l->pool);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    pthread_mutex_destroy(&l->shutdown_mu);
    free(l);
    return rc;
}

int corun_aio_loop_shutdown(corun_aio_loop_t *l, corun_aio_shutdown_t how, corun_err_t *err) {
    if (!l) return corun_err_set(err, CORUN_EINVAL, "aio: loop_shutdown: loop is NULL");
    if (tls_loop == l)
        return corun_err_set(err, CORUN_EINVAL,
                             "aio: loop_shutdown called on the loop's own thread (it would wait "
                             "for itself); call it from another thread");
    pthread_mutex_lock(&l->shutdown_mu);
    if (!l->joined) {
        pthread_mutex_lock(&l->mu);
        l->accepting = 0;
        int want = how == CORUN_AIO_CANCEL ? STOP_CANCEL : STOP_DRAIN;
        if (want > l->stop) l->stop = want;
        atomic_store_explicit(&l->pending, 1, memory_order_release);
        pthread_cond_signal(&l->cv);
        pthread_mutex_unlock(&l->mu);
        pthread_join(l->thread, NULL);
        if (l->pool) aio_pool_join(l->pool); /* freed by loop_destroy */
        aio_stacks_fini(&l->stacks);
        atomic_store(&l->st_slabs, 0);
        free(l->heap);
        l->heap = NULL;
        l->joined = 1;
    }
    pthread_mutex_unlock(&l->shutdown_mu);
    pthread_mutex_lock(&l->mu);
    int code = l->det_code;
    if (code) corun_err_set(err, code, "%s", l->det_msg);
    pthread_mutex_unlock(&l->mu);
    return code;
}

void corun_aio_loop_destroy(corun_aio_loop_t *l) {
    if (!l) return;
    corun_aio_loop_shutdown(l, CORUN_AIO_CANCEL, NULL);
    if (l->pool) aio_pool_destroy(l->pool);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    pthread_mutex_destroy(&l->shutdown_mu);
    free(l);
}

void corun_aio_loop_stats(corun_aio_loop_t *l, corun_aio_stats_t *o) {
    memset(o, 0, sizeof *o);
    if (!l) return;
    o->spawned = atomic_load_explicit(&l->st_spawned, memory_order_relaxed);
    o->completed = atomic_load_explicit(&l->st_completed, memory_order_relaxed);
    o->alive = atomic_load_explicit(&l->st_alive, memory_order_relaxed);
    o->stacks_in_use = atomic_load_explicit(&l->st_stacks, memory_order_relaxed);
    o->stack_slabs = atomic_load_explicit(&l->st_slabs, memory_order_relaxed);
    o->guard_mode = atomic_load_explicit(&l->st_guard, memory_order_relaxed);
    o->pool_threads = l->pool ? aio_pool_nthreads(l->pool) : 0;
}

/* ---- helpers for the other files ---- */

void aio_loop_post_job(corun_aio_loop_t *l, aio_node_t *n) {
    n->kind = AIO_NODE_JOB;
    n->next = NULL;
    pthread_mutex_lock(&l->mu);
    if (l->in_tail) l->in_tail->next = n;
    else l->in_head = n;
    l->in_tail = n;
    atomic_store_explicit(&l->pending, 1, memory_order_release);
    if (l->sleeping) pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

int aio_loop_accept_job(corun_aio_loop_t *l) {
    pthread_mutex_lock(&l->mu);
    int ok = l->accepting;
    if (ok) atomic_fetch_add(&l->jobs_outstanding, 1);
    pthread_mutex_unlock(&l->mu);
    return ok;
}

void aio_loop_job_unaccept(corun_aio_loop_t *l) {
    pthread_mutex_lock(&l->mu);
    atomic_fetch_sub(&l->jobs_outstanding, 1);
    atomic_store_explicit(&l->pending, 1, memory_order_release); /* re-check the exit */
    if (l->sleeping) pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

aio_pool_t *aio_loop_pool(corun_aio_loop_t *l) { return l->pool; }

void aio_loop_record_detached_error(corun_aio_loop_t *l, int code, const char *msg) {
    pthread_mutex_lock(&l->mu);
    if (!l->det_code) {
        l->det_code = code;
        snprintf(l->det_msg, sizeof l->det_msg, "aio: a detached job failed: %s",
                 (msg && msg[0]) ? msg : corun_strerror(code));
    }
    pthread_mutex_unlock(&l->mu);
}

/* ------------------------------------------------------------------------ */
/* Public: spawn and the suspension points                                   */
/* ------------------------------------------------------------------------ */

int corun_aio_spawn(corun_aio_loop_t *l, corun_aio_fn fn, void *arg, corun_aio_future_t **fut,
                    corun_err_t *err) {
    if (fut) *fut = NULL;
    if (!l || !fn) return corun_err_set(err, CORUN_EINVAL, "aio: spawn: loop and fn are required");
    aio_co_t *co = calloc(1, sizeof *co);
    corun_aio_future_t *f = co ? aio_future_new(AIO_FUT_CO, l) : NULL;
    if (!f) {
        free(co);
        return corun_err_set(err, CORUN_ENOMEM, "aio: spawn: out of memory");
    }
    co->node.kind = AIO_NODE_CO;
    co->loop = l;
    co->fut = f; /* the coroutine's reference */
    co->fn = fn;
    co->arg = arg;
    co->state = AIO_CO_NEW;
    co->heap_idx = SIZE_MAX;
    atomic_init(&co->woken, 1);
    atomic_init(&co->cancel_req, 0);
    f->co = co;
    if (fut) {
        atomic_fetch_add(&f->refs, 1); /* the caller's reference */
        *fut = f;
    } else {
        f->detached = 1;
    }
    if (tls_loop == l) {
        all_link(l, co);
        rq_push(l, &co->node);
    } else {
        pthread_mutex_lock(&l->mu);
        if (!l->accepting) {
            pthread_mutex_unlock(&l->mu);
            if (fut) *fut = NULL;
            f->co = NULL;
            corun_aio_future_release(f);
            if (fut) corun_aio_future_release(f);
            free(co);
            return corun_err_set(err, CORUN_ECLOSED, "aio: spawn: the loop is shutting down");
        }
        inbox_post_locked(l, co);
        pthread_mutex_unlock(&l->mu);
    }
    atomic_fetch_add_explicit(&l->st_spawned, 1, memory_order_relaxed);
    return 0;
}

int corun_aio_in_coroutine(void) { return tls_co != NULL; }
corun_aio_loop_t *corun_aio_current_loop(void) { return tls_loop; }

static int need_co(aio_co_t **co, const char *what) {
    *co = tls_co;
    if (!*co) return CORUN_EINVAL;
    (void)what;
    return atomic_load(&(*co)->cancel_req) ? CORUN_ECANCELED : 0;
}

int corun_aio_yield(void) {
    aio_co_t *co;
    int rc = need_co(&co, "yield");
    if (rc) return rc;
    /* woken is 1 while running, so no other wake can queue us twice */
    co->state = AIO_CO_READY;
    rq_push(co->loop, &co->node);
    co_switch_out(co, 0);
    return atomic_load(&co->cancel_req) ? CORUN_ECANCELED : 0;
}

int corun_aio_sleep(double seconds) {
    aio_co_t *co;
    int rc = need_co(&co, "sleep");
    if (rc) return rc;
    if (!(seconds > 0)) return corun_aio_yield();
    aio_sig_t s; /* nobody fires it: only the timer or a cancel wakes us */
    aio_sig_init(&s);
    rc = aio_sig_wait(&s, aio_now() + seconds, 1);
    aio_sig_destroy(&s);
    return rc == CORUN_ETIMEDOUT ? 0 : rc;
}

int corun_aio_await(corun_aio_future_t *f, void **value, corun_err_t *err) {
    if (!tls_co)
        return corun_err_set(err, CORUN_EINVAL, "aio: await called outside a coroutine");
    return corun_aio_future_result(f, -1.0, value, err);
}

int corun_aio_await_poll(corun_aio_poll_fn fn, void *arg, double timeout_s, corun_err_t *err) {
    aio_co_t *co;
    int rc = need_co(&co, "await_poll");
    if (rc == CORUN_EINVAL)
        return corun_err_set(err, rc, "aio: await_poll called outside a coroutine");
    if (rc) return corun_err_set(err, rc, "aio: await_poll: cancelled");
    if (!fn) return corun_err_set(err, CORUN_EINVAL, "aio: await_poll: poll function is NULL");
    int r = fn(arg, err);
    if (r > 0) return 0;
    if (r < 0) return r;
    if (timeout_s == 0) return corun_err_set(err, CORUN_ETIMEDOUT, "aio: await_poll: not ready");
    corun_aio_loop_t *l = co->loop;
    aio_poll_t p;
    memset(&p, 0, sizeof p);
    p.fn = fn;
    p.arg = arg;
    p.err = err;
    p.interval = l->cfg.poll_min_s;
    p.next_at = aio_now() + p.interval;
    aio_sig_init(&p.sig);
    p.next = l->polls;
    if (l->polls) l->polls->prev = &p;
    l->polls = &p;
    rc = aio_sig_wait(&p.sig, aio_deadline(timeout_s), 1);
    poll_unlink(l, &p);
    aio_sig_destroy(&p.sig);
    if (rc == 0) return p.result > 0 ? 0 : p.result;
    if (rc == CORUN_ETIMEDOUT)
        return corun_err_set(err, rc, "aio: await_poll: not ready after %g s", timeout_s);
    return corun_err_set(err, rc, "aio: await_poll: cancelled");
}
