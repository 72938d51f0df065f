/* chan.c — bounded, closable FIFO channels of void * between threads and
 * coroutines (the seed's ClosableQueue, with back-pressure).
 *
 * States (under chan.mu):
 *
 *            put (len < cap)              close
 *   OPEN ──────────────────> OPEN ─────────────────> CLOSED ──get──> CLOSED
 *   (len 0..cap)  <────────  (len 0..cap)            (puts fail,     (len 0: every get
 *                   get                               gets drain)      returns CORUN_ECLOSED)
 *
 * Waiting: a putter finding the channel full (a getter finding it empty)
 * links a waiter on `putters` (`getters`) and sleeps or suspends. Every get
 * pops and fires one putter, every put one getter, close all of them; a woken
 * waiter re-checks and, if it leaves without acting (timeout, cancel), hands
 * its wake-up to the next waiter of its side so that none is lost. Signals
 * are fired under chan.mu and every waiter re-takes chan.mu before leaving.
 * Lock order: chan.mu -> loop.mu -> sig.mu.
 *
 * Invariants (chan_check_invariants): len <= cap, head < cap; a closed
 * channel has no linked waiters; waiter lists are well-formed rings.
 */
#include <stdlib.h>
#include <string.h>

#include "aio/aio_int.h"

struct corun_aio_chan {
    pthread_mutex_t mu;
    void **buf;
    size_t cap, head, len;
    int closed;
    aio_waiter_t *getters, *putters;
};

static void chan_check_invariants(corun_aio_chan_t *ch) {
    AIO_ASSERT(ch->len <= ch->cap && ch->head < ch->cap);
    AIO_ASSERT(!ch->closed || (ch->getters == NULL && ch->putters == NULL));
    aio_waiter_t *lists[2] = {ch->getters, ch->putters};
    for (int k = 0; k < 2; k++) {
        aio_waiter_t *w = lists[k];
        if (!w) continue;
        int n = 0; /* the first 64 links only: checks must stay O(1) */
        do {
            AIO_ASSERT(w->linked && w->next->prev == w && w->prev->next == w);
            w = w->next;
        } while (w != lists[k] && ++n < 64);
    }
    (void)ch;
}

#define CHECK(ch)                                       \
    do {                                                \
        if (AIO_DEBUG) chan_check_invariants(ch);       \
    } while (0)

int corun_aio_chan_create(size_t capacity, corun_aio_chan_t **out, corun_err_t *err) {
    if (!out) return corun_err_set(err, CORUN_EINVAL, "aio: chan_create: out is NULL");
    *out = NULL;
    if (capacity == 0 || capacity > ((size_t)1 << 32))
        return corun_err_set(err, CORUN_EINVAL, "aio: chan_create: capacity %zu out of range [1, 2^32]",
                             capacity);
    corun_aio_chan_t *ch = calloc(1, sizeof *ch);
    void **buf = calloc(capacity, sizeof *buf);
    if (!ch || !buf) {
        free(ch);
        free(buf);
        return corun_err_set(err, CORUN_ENOMEM, "aio: chan_create: out of memory");
    }
    pthread_mutex_init(&ch->mu, NULL);
    ch->buf = buf;
    ch->cap = capacity;
    *out = ch;
    return 0;
}

void corun_aio_chan_destroy(corun_aio_chan_t *ch) {
    if (!ch) return;
    AIO_ASSERT(ch->getters == NULL && ch->putters == NULL);
    pthread_mutex_destroy(&ch->mu);
    free(ch->buf);
    free(ch);
}

static void wake_one(aio_waiter_t **list) {
    aio_waiter_t *w = aio_wlist_pop(list);
    if (w) aio_sig_fire(w->sig);
}

static void wake_all(aio_waiter_t **list) {
    aio_waiter_t *w;
    while ((w = aio_wlist_pop(list))) aio_sig_fire(w->sig);
}

/* Under ch->mu: waits on `list` until woken, the deadline or a cancel; returns
 * with ch->mu held again. If it was woken but gives up, the wake goes on. */
static int wait_on(corun_aio_chan_t *ch, aio_waiter_t **list, double deadline) {
    aio_sig_t s;
    aio_waiter_t w = {0};
    aio_sig_init(&s);
    w.sig = &s;
    aio_wlist_push(list, &w);
    pthread_mutex_unlock(&ch->mu);
    int rc = aio_sig_wait(&s, deadline, 1);
    pthread_mutex_lock(&ch->mu);
    if (w.linked) aio_wlist_remove(list, &w);
    else if (rc != 0) wake_one(list); /* we were picked but are leaving */
    aio_sig_destroy(&s);
    return rc;
}

static int fail(corun_err_t *err, int rc, const char *what) {
    if (rc == CORUN_ETIMEDOUT) return corun_err_set(err, rc, "aio: chan_%s: timed out", what);
    if (rc == CORUN_ECANCELED)
        return corun_err_set(err, rc, "aio: chan_%s: the waiting coroutine was cancelled", what);
    if (rc == CORUN_ECLOSED) return corun_err_set(err, rc, "aio: chan_%s: channel closed", what);
    return rc;
}

static int cancelled_now(void) {
    aio_co_t *co = aio_current();
    return co && atomic_load(&co->cancel_req);
}

/* The side that cannot proceed now (full for put, empty for get): a zero
 * timeout fails at once, the loop thread outside a coroutine must not block
 * (AIO_WOULD_BLOCK_LOOP, reported by the caller after unlocking), anything
 * else waits on q. Called with ch->mu held; 0 means "look again". */
#define AIO_WOULD_BLOCK_LOOP 1
static int must_wait(corun_aio_chan_t *ch, aio_waiter_t **q, double timeout_s, double deadline) {
    if (timeout_s == 0) return CORUN_ETIMEDOUT;
    if (!aio_current() && corun_aio_current_loop()) return AIO_WOULD_BLOCK_LOOP;
    return wait_on(ch, q, deadline);
}

int corun_aio_chan_put(corun_aio_chan_t *ch, void *item, double timeout_s, corun_err_t *err) {
    if (!ch) return corun_err_set(err, CORUN_EINVAL, "aio: chan_put: channel is NULL");
    if (cancelled_now()) return fail(err, CORUN_ECANCELED, "put");
    double deadline = aio_deadline(timeout_s);
    int rc;
    pthread_mutex_lock(&ch->mu);
    for (;;) {
        CHECK(ch);
        if (ch->closed) {
            rc = CORUN_ECLOSED;
            break;
        }
        if (ch->len < ch->cap) {
            ch->buf[(ch->head + ch->len) % ch->cap] = item;
            ch->len++;
            wake_one(&ch->getters);
            rc = 0;
            break;
        }
        if ((rc = must_wait(ch, &ch->putters, timeout_s, deadline))) break;
    }
    pthread_mutex_unlock(&ch->mu);
    if (rc == AIO_WOULD_BLOCK_LOOP)
        return corun_err_set(err, CORUN_EINVAL,
                             "aio: chan_put would block the loop thread; put from a coroutine");
    return rc ? fail(err, rc, "put") : 0;
}

int corun_aio_chan_get(corun_aio_chan_t *ch, void **item, double timeout_s, corun_err_t *err) {
    if (!ch || !item) return corun_err_set(err, CORUN_EINVAL, "aio: chan_get: channel and item are required");
    if (cancelled_now()) return fail(err, CORUN_ECANCELED, "get");
    double deadline = aio_deadline(timeout_s);
    int rc;
    pthread_mutex_lock(&ch->mu);
    for (;;) {
        CHECK(ch);
        if (ch->len > 0) {
            *item = ch->buf[ch->head];
            ch->buf[ch->head] = NULL;
            ch->head = (ch->head + 1) % ch->cap;
            ch->len--;
            wake_one(&ch->putters);
            rc = 0;
            break;
        }
        if (ch->closed) {
            rc = CORUN_ECLOSED;
            break;
        }
        if ((rc = must_wait(ch, &ch->getters, timeout_s, deadline))) break;
    }
    pthread_mutex_unlock(&ch->mu);
    if (rc == AIO_WOULD_BLOCK_LOOP)
        return corun_err_set(err, CORUN_EINVAL,
                             "aio: chan_get would block the loop thread; get from a coroutine");
    return rc ? fail(err, rc, "get") : 0;
}

void corun_aio_chan_close(corun_aio_chan_t *ch) {
    if (!ch) return;
    pthread_mutex_lock(&ch->mu);
    ch->closed = 1;
    wake_all(&ch->putters);
    wake_all(&ch->getters);
    CHECK(ch);
    pthread_mutex_unlock(&ch->mu);
}

size_t corun_aio_chan_len(corun_aio_chan_t *ch) {
    if (!ch) return 0;
    pthread_mutex_lock(&ch->mu);
    size_t n = ch->len;
    pthread_mutex_unlock(&ch->mu);
    return n;
}
