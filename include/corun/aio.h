/* aio.h — corun's coroutine-driven I/O layer: stackful coroutines on an event
 * loop thread, thread-safe futures, a worker pool for blocking calls, and
 * bounded closable channels (the seeds' asyncio + concurrent.futures + Queue).
 *
 * What it does. corun_aio_loop_create() starts one event-loop thread and a
 * worker pool of cfg.pool_threads threads that belong to that loop. Any thread
 * may spawn a coroutine (corun_aio_spawn) or submit a blocking job to the pool
 * (corun_aio_submit); both return a future. Coroutines run only on the loop
 * thread, one at a time, and suspend only inside the calls listed under
 * "suspension points" (yield, sleep, await of a future, channel put/get,
 * run_in_pool, await of a user poll function). A coroutine must never block
 * the loop thread (no sleep(), no blocking read): hand blocking calls to the
 * pool with corun_aio_run_in_pool.
 *
 * Memory. Loops, futures and channels are opaque and allocated by the library.
 * A future is reference counted: spawn/submit hand the caller one reference,
 * which the caller drops with corun_aio_future_release (from any thread, also
 * after the loop is destroyed). The void *value a job produces is the job's
 * business: the library stores and returns the pointer, never frees it. The
 * same holds for channel items. Coroutine stacks are mmap'd by the loop, each
 * with a guard page below it, committed lazily, and reused.
 *
 * Threads. Coroutine bodies and user poll functions run on the loop thread.
 * Pool jobs run on a pool worker thread; their completion is delivered to the
 * future by the loop thread. There are no other callbacks. Future and channel
 * calls are safe from any thread: from a coroutine they suspend the coroutine,
 * from any other thread they block that thread.
 *
 * Cancellation. corun_aio_future_cancel on a job that has not started yet
 * means it never runs. A running coroutine gets a request that it sees as
 * CORUN_ECANCELED from its next suspension point (and every one after that:
 * the request is sticky). Pool work can be cancelled only before a worker
 * picks it up; after that cancel returns CORUN_EBUSY.
 *
 * Failure. Every fallible call returns 0 or a negative CORUN_E* code and, if
 * err is non-NULL, a message. A job reports failure by returning a negative
 * code (and filling the corun_err_t it is handed); that code and message are
 * kept in its future, so an error is never lost: result/await return them,
 * and errors of detached jobs (spawned without a future) are returned by
 * corun_aio_loop_shutdown. A result that is not ready within its timeout
 * returns CORUN_ETIMEDOUT and leaves the future untouched. If a spawn or
 * submit fails, nothing runs and no future exists. The library never calls
 * exit(), abort() or longjmp().
 */
#ifndef CORUN_AIO_H
#define CORUN_AIO_H

#include <stddef.h>
#include <stdint.h>

#include "corun/err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct corun_aio_loop corun_aio_loop_t;     /* opaque */
typedef struct corun_aio_future corun_aio_future_t; /* opaque, refcounted */
typedef struct corun_aio_chan corun_aio_chan_t;     /* opaque */

/* A job: a coroutine body or a pool job. Return 0 and (optionally) set
 * *value, or return a negative CORUN_E* code and describe it in err (a
 * message is optional; the code's default message is used otherwise). */
typedef int (*corun_aio_fn)(void *arg, void **value, corun_err_t *err);

/* A user poll function, called on the loop thread without blocking: return 1
 * when the awaited thing is ready, 0 if not yet, a negative code on error. */
typedef int (*corun_aio_poll_fn)(void *arg, corun_err_t *err);

/* ------------------------------------------------------------------------ */
/* Configuration and loop lifetime                                           */
/* ------------------------------------------------------------------------ */

typedef struct corun_aio_config {
    size_t stack_size;   /* per coroutine, rounded up to pages; default 64 KiB, min 16 KiB */
    int pool_threads;    /* pool workers; default 2; 0 = no pool (run_in_pool -> CORUN_ENOTSUP) */
    double poll_min_s;   /* first re-poll interval of an await_poll; default 20 us */
    double poll_max_s;   /* the interval doubles up to this; default 2 ms */
} corun_aio_config_t;

typedef enum corun_aio_shutdown {
    CORUN_AIO_DRAIN = 0, /* run everything already submitted to completion */
    CORUN_AIO_CANCEL = 1 /* cancel what has not started, request cancel of the rest */
} corun_aio_shutdown_t;

typedef struct corun_aio_stats {
    uint64_t spawned;        /* coroutines accepted */
    uint64_t completed;      /* coroutine futures resolved (incl. cancelled) */
    size_t alive;            /* coroutines accepted and not finished */
    size_t stacks_in_use;    /* stacks handed out */
    size_t stack_slabs;      /* mmap'd stack slabs */
    size_t pool_threads;     /* running pool workers */
    int guard_mode;          /* 1 madvise guard regions (no VMA split), 2 mprotect */
} corun_aio_stats_t;

CORUN_API void corun_aio_config_init(corun_aio_config_t *cfg);

/* Starts the loop thread and its pool. Fails (nothing left running) if a
 * thread cannot be created or cfg is out of range. */
CORUN_API int corun_aio_loop_create(const corun_aio_config_t *cfg, corun_aio_loop_t **out,
                                    corun_err_t *err);

/* Stops accepting work from other threads (spawn/submit then return
 * CORUN_ECLOSED), then either drains or cancels what was submitted, waits for
 * the loop thread and the pool to exit and joins them. Call it from a thread
 * that is not the loop's own. Returns 0, or the first error of a detached job
 * (spawned or submitted with fut == NULL). Calling it twice returns 0. */
CORUN_API int corun_aio_loop_shutdown(corun_aio_loop_t *loop, corun_aio_shutdown_t how,
                                      corun_err_t *err);

/* Frees the loop; shuts it down with CORUN_AIO_CANCEL first if needed.
 * Outstanding futures stay valid until released. NULL is a no-op. */
CORUN_API void corun_aio_loop_destroy(corun_aio_loop_t *loop);

/* A snapshot of counters (approximate while the loop runs). */
CORUN_API void corun_aio_loop_stats(corun_aio_loop_t *loop, corun_aio_stats_t *out);

/* "asm-x86_64", "asm-aarch64" or "ucontext": the switch this build uses. */
CORUN_API const char *corun_aio_switch_name(void);

/* ------------------------------------------------------------------------ */
/* Starting work (any thread, including a coroutine)                         */
/* ------------------------------------------------------------------------ */

/* Runs fn(arg) as a coroutine on the loop. With fut == NULL the job is
 * detached: its error, if any, is returned by corun_aio_loop_shutdown. */
CORUN_API int corun_aio_spawn(corun_aio_loop_t *loop, corun_aio_fn fn, void *arg,
                              corun_aio_future_t **fut, corun_err_t *err);

/* Runs fn(arg) on a pool worker (concurrent.futures' submit). */
CORUN_API int corun_aio_submit(corun_aio_loop_t *loop, corun_aio_fn fn, void *arg,
                               corun_aio_future_t **fut, corun_err_t *err);

/* ------------------------------------------------------------------------ */
/* Suspension points (only inside a coroutine; elsewhere CORUN_EINVAL)       */
/* Each returns CORUN_ECANCELED once the coroutine has a cancel request.     */
/* ------------------------------------------------------------------------ */

/* Lets every other ready coroutine run once. */
CORUN_API int corun_aio_yield(void);

/* Suspends for at least `seconds` (<= 0: behaves like yield). */
CORUN_API int corun_aio_sleep(double seconds);

/* corun_aio_future_result(f, -1, value, err) — named for use in coroutines. */
CORUN_API int corun_aio_await(corun_aio_future_t *f, void **value, corun_err_t *err);

/* Runs fn(arg) on a pool worker and suspends until it returns; returns fn's
 * code and value. If cancelled while the job waits in the pool queue, the job
 * never runs and this returns CORUN_ECANCELED; once the job runs, this waits
 * for it and returns its result (the request is seen at the next point). */
CORUN_API int corun_aio_run_in_pool(corun_aio_fn fn, void *arg, void **value, corun_err_t *err);

/* Suspends until poll(arg) returns 1 (-> 0) or < 0 (-> that code). The loop
 * calls poll right away, then again with a backoff from cfg.poll_min_s up to
 * cfg.poll_max_s, so an idle loop with pending polls sleeps between them.
 * timeout_s < 0 waits forever; on timeout returns CORUN_ETIMEDOUT. */
CORUN_API int corun_aio_await_poll(corun_aio_poll_fn poll, void *arg, double timeout_s,
                                   corun_err_t *err);

/* 1 inside a coroutine, else 0; the loop the caller runs on, or NULL. */
CORUN_API int corun_aio_in_coroutine(void);
CORUN_API corun_aio_loop_t *corun_aio_current_loop(void);

/* ------------------------------------------------------------------------ */
/* Futures (any thread)                                                      */
/* ------------------------------------------------------------------------ */

typedef enum corun_aio_future_state {
    CORUN_AIO_PENDING = 0,  /* not started (or a promise not yet resolved) */
    CORUN_AIO_RUNNING = 1,  /* started */
    CORUN_AIO_DONE = 2,     /* finished with code 0 */
    CORUN_AIO_FAILED = 3,   /* finished with a negative code */
    CORUN_AIO_CANCELLED = 4 /* cancelled (never ran, or ended with CORUN_ECANCELED) */
} corun_aio_future_state_t;

/* A future resolved by hand ("promise"), e.g. by a compute thread. */
CORUN_API int corun_aio_future_create(corun_aio_future_t **out, corun_err_t *err);
/* Resolves a promise with code (0 or negative), value and an optional message.
 * Returns CORUN_EBUSY if it is already resolved, CORUN_EINVAL if f is not a
 * promise. */
CORUN_API int corun_aio_future_resolve(corun_aio_future_t *f, int code, void *value,
                                       const char *msg);

CORUN_API corun_aio_future_t *corun_aio_future_retain(corun_aio_future_t *f);
CORUN_API void corun_aio_future_release(corun_aio_future_t *f); /* NULL ok */

CORUN_API int corun_aio_future_done(corun_aio_future_t *f); /* 1 when finished */
CORUN_API corun_aio_future_state_t corun_aio_future_state(corun_aio_future_t *f);

/* Waits up to timeout_s (< 0: forever, 0: just look) and returns the job's
 * code: 0 with *value set, the job's negative code with its message in err,
 * CORUN_ECANCELED if cancelled, or CORUN_ETIMEDOUT (future unchanged). From a
 * coroutine it suspends; on the loop thread outside a coroutine (e.g. in a
 * poll function) it never blocks and only a timeout of 0 is allowed. */
CORUN_API int corun_aio_future_result(corun_aio_future_t *f, double timeout_s, void **value,
                                      corun_err_t *err);

/* 0: the job will never run (it had not started) or, for a running
 * coroutine, the request was delivered. CORUN_EBUSY: finished already, or a
 * pool job already picked up by a worker. */
CORUN_API int corun_aio_future_cancel(corun_aio_future_t *f);

/* ------------------------------------------------------------------------ */
/* Waiting on many futures (any thread; suspends in a coroutine)             */
/* ------------------------------------------------------------------------ */

typedef enum corun_aio_wait_mode {
    CORUN_AIO_WAIT_FIRST = 0,      /* any one finished */
    CORUN_AIO_WAIT_ALL = 1,        /* all finished */
    CORUN_AIO_WAIT_FIRST_ERROR = 2 /* any failed/cancelled, else all finished */
} corun_aio_wait_mode_t;

/* Returns 0 once the condition holds, CORUN_ETIMEDOUT if not within
 * timeout_s; *ndone (optional) gets the number of finished futures. */
CORUN_API int corun_aio_wait(corun_aio_future_t *const *fs, size_t n, corun_aio_wait_mode_t mode,
                             double timeout_s, size_t *ndone, corun_err_t *err);

/* Waits for all, then returns 0 with values[i] set for every i, or the
 * error of the first failed future in array order (asyncio.gather). */
CORUN_API int corun_aio_gather(corun_aio_future_t *const *fs, size_t n, double timeout_s,
                               void **values, corun_err_t *err);

/* as_completed: yields the futures in the order they finished (futures that
 * were already finished first, in their finishing order). Caller-owned
 * iterator: init, next..., close. The array must outlive the iterator. */
typedef struct corun_aio_as_completed {
    corun_aio_future_t *const *fs;
    size_t n, returned;
    unsigned char *taken; /* private */
} corun_aio_as_completed_t;

CORUN_API int corun_aio_as_completed_init(corun_aio_as_completed_t *it,
                                          corun_aio_future_t *const *fs, size_t n,
                                          corun_err_t *err);
/* 0 with *out = the next finished future (no new reference), or *out = NULL
 * when all n were returned; CORUN_ETIMEDOUT if none finished in time. */
CORUN_API int corun_aio_as_completed_next(corun_aio_as_completed_t *it, double timeout_s,
                                          corun_aio_future_t **out, corun_err_t *err);
CORUN_API void corun_aio_as_completed_close(corun_aio_as_completed_t *it);

/* ------------------------------------------------------------------------ */
/* Channels: bounded FIFO of void * items (any thread; suspends in a coroutine) */
/* ------------------------------------------------------------------------ */

CORUN_API int corun_aio_chan_create(size_t capacity, corun_aio_chan_t **out, corun_err_t *err);
/* Frees the channel; no thread or coroutine may still be using it. */
CORUN_API void corun_aio_chan_destroy(corun_aio_chan_t *ch);

/* Blocks/suspends while full (back-pressure). CORUN_ECLOSED if the channel is
 * or becomes closed (the item was not queued), CORUN_ETIMEDOUT, CORUN_ECANCELED. */
CORUN_API int corun_aio_chan_put(corun_aio_chan_t *ch, void *item, double timeout_s,
                                 corun_err_t *err);
/* Blocks/suspends while empty. After close, returns the remaining items and
 * then CORUN_ECLOSED. */
CORUN_API int corun_aio_chan_get(corun_aio_chan_t *ch, void **item, double timeout_s,
                                 corun_err_t *err);
/* No more puts; wakes every waiter. Idempotent. */
CORUN_API void corun_aio_chan_close(corun_aio_chan_t *ch);
CORUN_API size_t corun_aio_chan_len(corun_aio_chan_t *ch);

#ifdef __cplusplus
}
#endif
#endif
