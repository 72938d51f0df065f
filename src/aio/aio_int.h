/* aio_int.h — internals shared by the files of src/aio (not part of the API).
 *
 * Files: ctx.c + switch_*.S (context switch), stack.c (guarded stack slabs),
 * loop.c (loop thread, scheduling, park/wake, timers, polls, suspension
 * points), future.c (futures, multi-waits), pool.c (worker pool), chan.c
 * (channels).
 *
 * Lock order (a thread holding a lock may take only locks further right):
 *     chan.mu  ->  future.mu  ->  pool.mu  ->  loop.mu  ->  sig.mu
 * loop.mu guards only the loop's inbox and flags; the loop thread never takes
 * another lock while holding it. Waking a coroutine (aio_co_wake) takes
 * loop.mu, so it may be called with any of the other locks held.
 */
#ifndef CORUN_AIO_INT_H
#define CORUN_AIO_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "corun/aio.h"

/* ---- debug checks: on in unoptimised (Debug) builds ---- */
#if !defined(__OPTIMIZE__) || defined(CORUN_AIO_DEBUG)
#include <assert.h>
#define AIO_ASSERT(x) assert(x)
#define AIO_DEBUG 1
#else
#define AIO_ASSERT(x) ((void)0)
#define AIO_DEBUG 0
#endif

#if defined(__SANITIZE_ADDRESS__)
#define AIO_ASAN 1
#else
#define AIO_ASAN 0
#endif
#if defined(__SANITIZE_THREAD__)
#define AIO_TSAN 1
#else
#define AIO_TSAN 0
#endif

/* ------------------------------------------------------------------------ */
/* Context switch (ctx.c, switch_x86_64.S, switch_aarch64.S)                 */
/* ------------------------------------------------------------------------ */

/* Both implementations are always built (where the assembly exists) so that
 * the benchmark can time them side by side; CORUN_AIO_SWITCH_UCONTEXT picks
 * the one the runtime uses. */
#if defined(__x86_64__) || defined(__aarch64__)
#define AIO_HAVE_ASM 1
typedef struct aio_asm_ctx {
    void *sp; /* saved stack pointer; the registers sit on that stack */
} aio_asm_ctx_t;
/* Saves callee-saved state on the current stack into from->sp and resumes
 * to->sp. Defined in assembly. */
/* Saves the current context in *from and continues *to. Same code under two
 * names (switch_x86_64.S says why): resume = scheduler -> coroutine, suspend
 * = coroutine -> scheduler. */
void corun_aio__asm_resume(aio_asm_ctx_t *from, aio_asm_ctx_t *to);
void corun_aio__asm_suspend(aio_asm_ctx_t *from, aio_asm_ctx_t *to);
/* Prepares c so that the first switch to it calls entry(arg) on the stack
 * [lo, lo + size). entry must never return. */
void corun_aio__asm_make(aio_asm_ctx_t *c, void *lo, size_t size, void (*entry)(void *),
                         void *arg);
#else
#define AIO_HAVE_ASM 0
#endif

#include <ucontext.h>
typedef struct aio_uc_ctx {
    ucontext_t uc;
} aio_uc_ctx_t;
void corun_aio__uc_switch(aio_uc_ctx_t *from, aio_uc_ctx_t *to);
int corun_aio__uc_make(aio_uc_ctx_t *c, void *lo, size_t size, void (*entry)(void *),
                       void *arg);

#if defined(CORUN_AIO_SWITCH_UCONTEXT) || !AIO_HAVE_ASM
#define AIO_USE_UCONTEXT 1
typedef aio_uc_ctx_t aio_ctx_t;
#define aio_ctx_resume corun_aio__uc_switch
#define aio_ctx_suspend corun_aio__uc_switch
#define aio_ctx_make corun_aio__uc_make
#else
#define AIO_USE_UCONTEXT 0
typedef aio_asm_ctx_t aio_ctx_t;
#define aio_ctx_resume corun_aio__asm_resume
#define aio_ctx_suspend corun_aio__asm_suspend
static inline int aio_ctx_make(aio_ctx_t *c, void *lo, size_t size, void (*entry)(void *),
                               void *arg) {
    corun_aio__asm_make(c, lo, size, entry, arg);
    return 0;
}
#endif

/* ------------------------------------------------------------------------ */
/* Stacks (stack.c)                                                          */
/* ------------------------------------------------------------------------ */

typedef struct aio_slab aio_slab_t;
typedef struct aio_stacks {
    size_t page, stack_size, slot_size; /* slot = guard page + stack */
    aio_slab_t *partial;                /* slabs with a free slot */
    size_t nslabs, in_use, nempty;
    int guard_mode;                     /* 0 unknown, 1 madvise guard, 2 mprotect */
} aio_stacks_t;

typedef struct aio_stack {
    char *lo;          /* lowest usable byte (just above the guard page) */
    size_t size;
    aio_slab_t *slab;
    uint32_t slot;
} aio_stack_t;

void aio_stacks_init(aio_stacks_t *s, size_t stack_size);
int aio_stacks_alloc(aio_stacks_t *s, aio_stack_t *out, corun_err_t *err);
void aio_stacks_free(aio_stacks_t *s, aio_stack_t *st);
void aio_stacks_fini(aio_stacks_t *s); /* all stacks must be free */

/* ------------------------------------------------------------------------ */
/* Coroutines and the loop (loop.c)                                          */
/* ------------------------------------------------------------------------ */

/* Node kinds in the loop's inbox. */
enum { AIO_NODE_CO = 1, AIO_NODE_JOB = 2 };
typedef struct aio_node {
    struct aio_node *next;
    int kind;
} aio_node_t;

enum aio_co_state { AIO_CO_NEW, AIO_CO_RUNNING, AIO_CO_PARKED, AIO_CO_READY, AIO_CO_DEAD };

typedef struct aio_co {
    aio_node_t node;            /* inbox / ready queue link (one queue at a time) */
    aio_ctx_t ctx;
    corun_aio_loop_t *loop;
    corun_aio_future_t *fut;    /* our future (one reference) */
    corun_aio_fn fn;
    void *arg;
    aio_stack_t stack;
    int state;                  /* aio_co_state; loop thread only */
    atomic_int woken;           /* 0 armed (may be woken), 1 a wake is queued / running */
    atomic_int cancel_req;      /* sticky cancellation request */
    int code;                   /* fn's result, set when it returns */
    void *value;
    corun_err_t *err;           /* on the coroutine's stack while it runs */
    double deadline;            /* timer, valid while heap_idx != SIZE_MAX */
    size_t heap_idx;
    struct aio_co *all_prev, *all_next; /* the loop's list of live coroutines */
    int counted;                /* in the loop's live list / alive count */
#if AIO_ASAN
    void *asan_fake;
    char *asan_low; /* lowest live frame when it died */
#endif
#if AIO_TSAN
    void *tsan_fiber;
#endif
} aio_co_t;

/* A wake-up target: a coroutine (co != NULL) or a blocked thread. Fired
 * under the lock of the object it waits on, so once the waiter holds that
 * lock and has unlinked itself, nobody touches the signal any more. */
typedef struct aio_sig {
    aio_co_t *co;
    int armed; /* coroutine armed by init, not yet disarmed by wait */
    atomic_int fired;
    pthread_mutex_t mu; /* threads only */
    pthread_cond_t cv;
} aio_sig_t;

void aio_sig_init(aio_sig_t *s);       /* co = the current coroutine, if any */
void aio_sig_fire(aio_sig_t *s);
void aio_sig_rearm(aio_sig_t *s);      /* wait again after a wait returned; keeps `fired` */
/* Waits until fired, deadline (absolute aio_now(); < 0 none), or (if
 * cancellable and in a coroutine) a cancel request: 0, CORUN_ETIMEDOUT or
 * CORUN_ECANCELED. May return 0 spuriously never; re-arms on each call. */
int aio_sig_wait(aio_sig_t *s, double deadline, int cancellable);
void aio_sig_destroy(aio_sig_t *s);

double aio_now(void);
double aio_deadline(double timeout_s); /* < 0 -> -1 (none) */

aio_co_t *aio_current(void);
void aio_co_wake(aio_co_t *co);

/* For the pool: queue a finished job's node to its loop (any thread). */
void aio_loop_post_job(corun_aio_loop_t *loop, aio_node_t *n);
/* submit: 1 if the loop accepts work (counts it as outstanding), else 0. */
int aio_loop_accept_job(corun_aio_loop_t *loop);
void aio_loop_job_unaccept(corun_aio_loop_t *loop);
struct aio_pool *aio_loop_pool(corun_aio_loop_t *loop);
void aio_loop_record_detached_error(corun_aio_loop_t *loop, int code, const char *msg);

/* ------------------------------------------------------------------------ */
/* Futures (future.c)                                                        */
/* ------------------------------------------------------------------------ */

enum { AIO_FUT_CO = 1, AIO_FUT_JOB = 2, AIO_FUT_PROMISE = 3 };

typedef struct aio_waiter {
    struct aio_waiter *prev, *next;
    aio_sig_t *sig;
    int linked; /* under the owning object's lock */
} aio_waiter_t;

/* Circular FIFO lists of waiters (futures, channels); under the owner's lock. */
void aio_wlist_push(aio_waiter_t **head, aio_waiter_t *w);
void aio_wlist_remove(aio_waiter_t **head, aio_waiter_t *w);
aio_waiter_t *aio_wlist_pop(aio_waiter_t **head);
int aio_cond_init(pthread_cond_t *cv); /* CLOCK_MONOTONIC */
/* pthread_cond_(timed)wait until the absolute aio_now() deadline (< 0: none);
 * returns nonzero on timeout. */
int aio_cond_wait(pthread_cond_t *cv, pthread_mutex_t *mu, double deadline);

struct aio_job;
struct corun_aio_future {
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* threads waiting on this future alone */
    atomic_int refs;
    int kind;                   /* AIO_FUT_* */
    int state;                  /* corun_aio_future_state_t */
    int code;
    void *value;
    char *msg;                  /* malloc'd message of a failure, or NULL */
    uint64_t done_seq;          /* global completion order (as_completed) */
    int detached;               /* no user reference: errors go to the loop */
    int nthread_waiters;
    aio_waiter_t *waiters;      /* multi-waits and coroutines */
    aio_co_t *co;               /* AIO_FUT_CO while not finished */
    struct aio_job *job;        /* AIO_FUT_JOB while not finished */
    corun_aio_loop_t *loop;
};

corun_aio_future_t *aio_future_new(int kind, corun_aio_loop_t *loop);
/* Finishes f (any thread): state from code, fires waiters. Returns 0, or
 * CORUN_EBUSY if f was already finished. */
int aio_future_complete(corun_aio_future_t *f, int code, void *value, const char *msg);
/* Under f->mu: */
void aio_future_link(corun_aio_future_t *f, aio_waiter_t *w);
void aio_future_unlink(corun_aio_future_t *f, aio_waiter_t *w);
void aio_future_check_invariants(corun_aio_future_t *f);

/* ------------------------------------------------------------------------ */
/* Worker pool (pool.c)                                                      */
/* ------------------------------------------------------------------------ */

enum aio_job_state { AIO_JOB_QUEUED, AIO_JOB_RUNNING, AIO_JOB_DONE, AIO_JOB_CANCELLED };

typedef struct aio_job {
    aio_node_t node;            /* pool queue link, then the loop's inbox */
    corun_aio_fn fn;
    void *arg;
    int state;                  /* aio_job_state, under pool.mu */
    int code;
    void *value;
    char *msg;                  /* malloc'd on failure */
    aio_sig_t *sig;             /* run_in_pool: the coroutine to wake */
    corun_aio_future_t *fut;    /* submit: the future to resolve (loop thread) */
    corun_aio_loop_t *loop;
} aio_job_t;

typedef struct aio_pool aio_pool_t;
int aio_pool_create(corun_aio_loop_t *loop, int nthreads, aio_pool_t **out, corun_err_t *err);
int aio_pool_push(aio_pool_t *p, aio_job_t *j);        /* CORUN_ENOTSUP without workers */
int aio_pool_cancel(aio_pool_t *p, aio_job_t *j);      /* 0 removed, CORUN_EBUSY */
void aio_pool_cancel_all(aio_pool_t *p, void (*cb)(aio_job_t *j)); /* queued ones */
void aio_pool_join(aio_pool_t *p);                     /* stops and joins the workers */
void aio_pool_destroy(aio_pool_t *p);                  /* joins if needed, frees */
size_t aio_pool_nthreads(aio_pool_t *p);

char *aio_strdup_msg(int code, const char *msg);

#endif
