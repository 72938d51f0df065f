/* fib_dist.c — the Fibonacci batch over MPI ranks: dynamic hand-out of task
 * indexes by rank 0 (largest n first), results streamed to rank 0, the one
 * writer. The contract is in fib_mpi.h.
 *
 * Messages (all on a duplicate of MPI_COMM_WORLD):
 *   REQ   rank r -> 0     "give me a task"            (one int64, unused)
 *   TASK  0 -> rank r     a task index, or -1: none left / stop
 *   RES   rank r -> 0     res_hdr_t of a finished task, then
 *   DIG   rank r -> 0     its decimal digits, in pieces of at most 1 GiB
 *   DONE  rank r -> 0     the rank's status (code + message) after its last task
 * A rank's workers share one mutex for REQ/TASK pairs and RES/DIG pairs, so
 * replies and digits can never be matched to the wrong thread's message.
 * Rank 0's service thread exits once it has every other rank's DONE; MPI's
 * non-overtaking rule puts a rank's last RES before its DONE.
 */
#include "mpi/fib_mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "corun/mpi.h"

size_t corun_fib_mpi_outer(int threads, size_t ntasks, int ranks) {
    if (threads < 1) threads = 1;
    if (ranks < 1) ranks = 1;
    size_t share = (ntasks + (size_t)ranks - 1) / (size_t)ranks;
    if (share < 1) share = 1;
    return share < (size_t)threads ? share : (size_t)threads;
}

#if CORUN_MPI
#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "mpi_int.h"

enum { TAG_REQ = 101, TAG_TASK, TAG_RES, TAG_DIG, TAG_DONE };
#define DIG_PIECE ((size_t)1 << 30)

static MPI_Comm g_comm = MPI_COMM_NULL;

static MPI_Comm comm(void) {
    if (g_comm == MPI_COMM_NULL) {
        MPI_Comm_dup(MPI_COMM_WORLD, &g_comm);
        MPI_Comm_set_errhandler(g_comm, MPI_ERRORS_RETURN);
    }
    return g_comm;
}

typedef struct res_hdr {
    uint64_t task, n, len;
    double seconds, dec_seconds;
    int32_t verified, pad;
} res_hdr_t;

typedef struct dist {
    const corun_fib_mpi_params_t *p;
    MPI_Comm comm;
    int rank, size, inner;
    size_t *order;
    atomic_size_t next;      /* rank 0: next position in order */
    atomic_int stop;         /* rank 0: global; others: local */
    pthread_mutex_t mu;      /* ranks > 0: REQ/TASK and RES/DIG pairs; all: first error */
    int rc;
    corun_err_t err;
    size_t fail_task;        /* test hook: CORUN_FIB_FAIL_TASK */
} dist_t;

static void dist_fail(dist_t *d, int rc, const corun_err_t *e) {
    atomic_store(&d->stop, 1);
    pthread_mutex_lock(&d->mu);
    if (!d->rc) {
        d->rc = rc;
        d->err = *e;
    }
    pthread_mutex_unlock(&d->mu);
}

/* The next task index for this rank's caller; 0 when none is left. */
static int next_task(dist_t *d, size_t *idx, corun_err_t *e) {
    if (atomic_load(&d->stop)) return 0;
    if (d->rank == 0) {
        size_t k = atomic_fetch_add(&d->next, 1);
        if (k >= d->p->ntasks) return 0;
        *idx = d->order[k];
        return 1;
    }
    int64_t req = 0, reply = -1;
    pthread_mutex_lock(&d->mu);
    int rc = MPI_Send(&req, 1, MPI_INT64_T, 0, TAG_REQ, d->comm);
    if (rc == MPI_SUCCESS) rc = MPI_Recv(&reply, 1, MPI_INT64_T, 0, TAG_TASK, d->comm, MPI_STATUS_IGNORE);
    pthread_mutex_unlock(&d->mu);
    if (corun_mpi_comm_check(rc, "fib: asking rank 0 for a task", e)) return -1;
    if (reply < 0) return 0;
    *idx = (size_t)reply;
    return 1;
}

/* Ranks > 0: converts, checks and sends one result to rank 0. */
static int send_result(dist_t *d, corun_fib_result_t *r, corun_err_t *e) {
    res_hdr_t h = {.task = r->task, .n = r->n, .seconds = r->seconds};
    char *dec = NULL;
    size_t len = 0;
    double t0 = corun_now();
    int rc = corun_fib_decimal(r->value, d->inner, &dec, &len, e);
    h.dec_seconds = corun_now() - t0;
    if (rc) return corun_err_prefix(e, "task %zu (n=%llu)", r->task, (unsigned long long)r->n);
    if (d->p->verify) {
        mpz_t ref;
        mpz_init(ref);
        mpz_fib_ui(ref, (unsigned long)r->n);
        h.verified = mpz_cmp(ref, r->value) == 0 ? 1 : -1;
        mpz_clear(ref);
    }
    h.len = len;
    pthread_mutex_lock(&d->mu);
    rc = MPI_Send(&h, (int)sizeof h, MPI_BYTE, 0, TAG_RES, d->comm);
    for (size_t o = 0; rc == MPI_SUCCESS && o < len; o += DIG_PIECE) {
        size_t k = len - o < DIG_PIECE ? len - o : DIG_PIECE;
        rc = MPI_Send(dec + o, (int)k, MPI_CHAR, 0, TAG_DIG, d->comm);
    }
    pthread_mutex_unlock(&d->mu);
    free(dec);
    return corun_mpi_comm_check(rc, "fib: sending a result to rank 0", e);
}

/* One worker thread: take, compute, hand over, until none is left. */
static void work(dist_t *d) {
    for (;;) {
        corun_err_t e = {0};
        size_t i;
        int got = next_task(d, &i, &e);
        if (got < 0) dist_fail(d, got, &e);
        if (got <= 0) return;
        corun_fib_result_t *r = malloc(sizeof *r);
        if (!r) {
            dist_fail(d, corun_err_set(&e, CORUN_ENOMEM, "fib: out of memory"), &e);
            return;
        }
        r->task = i;
        r->n = d->p->n[i];
        r->threads = d->inner;
        mpz_init(r->value);
        double t0 = corun_now();
        int rc = i == d->fail_task
                     ? corun_err_set(&e, CORUN_EIO,
                                     "task %zu (n=%llu): failed on purpose (test hook "
                                     "CORUN_FIB_FAIL_TASK)",
                                     i, (unsigned long long)r->n)
                     : corun_fib_compute(r->value, r->n, d->p->algo, d->inner, &e);
        r->seconds = corun_now() - t0;
        if (rc) {
            corun_fib_result_free(r);
        } else if (d->rank == 0) {
            /* The callback owns r from here, even when it fails. */
            if ((rc = d->p->local_done(d->p->user, r)) != 0)
                corun_err_set(&e, rc, "fib: task %zu: handing the result to the writer failed", i);
        } else {
            rc = send_result(d, r, &e);
            corun_fib_result_free(r);
        }
        if (rc) {
            dist_fail(d, rc, &e);
            return;
        }
    }
}

/* ---- rank 0's service thread ---- */

static int serve_result(dist_t *d, int src, corun_err_t *e) {
    res_hdr_t h;
    int rc = MPI_Recv(&h, (int)sizeof h, MPI_BYTE, src, TAG_RES, d->comm, MPI_STATUS_IGNORE);
    if (corun_mpi_comm_check(rc, "fib: receiving a result", e)) return -1;
    char *dec = malloc(h.len + 1);
    if (!dec) { /* the sender waits for these bytes: nothing sane is left */
        fprintf(stderr, "corun: fib: rank 0 is out of memory for %llu digits from rank %d\n",
                (unsigned long long)h.len, src);
        corun_mpi_abort(CORUN_EXIT_FAILURE);
    }
    for (size_t o = 0; o < h.len; o += DIG_PIECE) {
        size_t k = h.len - o < DIG_PIECE ? h.len - o : DIG_PIECE;
        rc = MPI_Recv(dec + o, (int)k, MPI_CHAR, src, TAG_DIG, d->comm, MPI_STATUS_IGNORE);
        if (corun_mpi_comm_check(rc, "fib: receiving digits", e)) {
            free(dec);
            return -1;
        }
    }
    dec[h.len] = '\0';
    corun_fib_mpi_result_t *r = malloc(sizeof *r);
    if (!r) {
        free(dec);
        return corun_err_set(e, CORUN_ENOMEM, "fib: out of memory");
    }
    *r = (corun_fib_mpi_result_t){(size_t)h.task, h.n, h.seconds, h.dec_seconds, src,
                                  h.verified, dec, (size_t)h.len};
    rc = d->p->remote_done(d->p->user, r); /* owns r->dec */
    free(r);
    if (rc) return corun_err_set(e, rc, "fib: task %llu from rank %d: handing it to the writer failed",
                                 (unsigned long long)h.task, src);
    return 0;
}

static void *serve(void *arg) {
    dist_t *d = arg;
    int done = 0;
    long nap = 50000; /* ns; doubles to 1 ms while nothing arrives */
    while (done < d->size - 1) {
        int flag = 0;
        MPI_Status st;
        corun_err_t e = {0};
        int rc = MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, d->comm, &flag, &st);
        if (corun_mpi_comm_check(rc, "fib: MPI_Iprobe", &e)) {
            dist_fail(d, CORUN_EIO, &e);
            break; /* the job cannot talk: rank 0's exit code ends it */
        }
        if (!flag) {
            struct timespec ts = {0, nap};
            nanosleep(&ts, NULL);
            if (nap < 1000000) nap *= 2;
            continue;
        }
        nap = 50000;
        int src = st.MPI_SOURCE;
        if (st.MPI_TAG == TAG_REQ) {
            int64_t req, reply = -1;
            MPI_Recv(&req, 1, MPI_INT64_T, src, TAG_REQ, d->comm, MPI_STATUS_IGNORE);
            if (!atomic_load(&d->stop)) {
                size_t k = atomic_fetch_add(&d->next, 1);
                if (k < d->p->ntasks) reply = (int64_t)d->order[k];
            }
            MPI_Send(&reply, 1, MPI_INT64_T, src, TAG_TASK, d->comm);
        } else if (st.MPI_TAG == TAG_RES) {
            if (serve_result(d, src, &e)) dist_fail(d, e.code ? e.code : CORUN_EIO, &e);
        } else if (st.MPI_TAG == TAG_DONE) {
            corun_err_t re;
            MPI_Recv(&re, (int)sizeof re, MPI_BYTE, src, TAG_DONE, d->comm, MPI_STATUS_IGNORE);
            if (re.code) {
                corun_err_prefix(&re, "rank %d", src);
                dist_fail(d, re.code, &re);
            }
            done++;
        } else { /* cannot happen: drop it so the loop goes on */
            char sink[64];
            MPI_Recv(sink, (int)sizeof sink, MPI_BYTE, src, st.MPI_TAG, d->comm, MPI_STATUS_IGNORE);
        }
    }
    return NULL;
}

int corun_fib_mpi_run(const corun_fib_mpi_params_t *p, corun_err_t *err) {
    dist_t d;
    memset(&d, 0, sizeof d);
    d.p = p;
    d.comm = comm();
    MPI_Comm_rank(d.comm, &d.rank);
    MPI_Comm_size(d.comm, &d.size);
    atomic_init(&d.next, 0);
    atomic_init(&d.stop, 0);
    pthread_mutex_init(&d.mu, NULL);
    d.fail_task = SIZE_MAX;
    const char *hook = getenv("CORUN_FIB_FAIL_TASK");
    uint64_t v;
    if (hook && !corun_parse_u64(hook, &v)) d.fail_task = (size_t)v;
    int threads = p->threads > 0 ? p->threads : 1;
    int outer = (int)corun_fib_mpi_outer(threads, p->ntasks, d.size);
    d.inner = threads / outer;
    if (d.inner > 1 && omp_get_max_active_levels() < 8) omp_set_max_active_levels(8);

    pthread_t svc;
    int have_svc = 0;
    if (d.rank == 0) {
        d.order = malloc((p->ntasks ? p->ntasks : 1) * sizeof *d.order);
        if (!d.order) {
            corun_err_t e;
            dist_fail(&d, corun_err_set(&e, CORUN_ENOMEM, "fib: out of memory"), &e);
            atomic_store(&d.stop, 1);
        } else {
            corun_fib_schedule(p->n, p->ntasks, d.order);
        }
        /* Even when rank 0 failed, the others' requests must be answered. */
        if (d.size > 1) {
            if (pthread_create(&svc, NULL, serve, &d) == 0) have_svc = 1;
            else corun_mpi_abort(CORUN_EXIT_FAILURE); /* nobody would answer the others */
        }
    }
#pragma omp parallel num_threads(outer)
    work(&d);
    if (d.rank == 0) {
        if (have_svc) pthread_join(svc, NULL);
    } else {
        corun_err_t st = d.err;
        st.code = d.rc;
        if (!d.rc) st.msg[0] = '\0';
        int rc = MPI_Send(&st, (int)sizeof st, MPI_BYTE, 0, TAG_DONE, d.comm);
        corun_err_t e;
        if (corun_mpi_comm_check(rc, "fib: reporting to rank 0", &e) && !d.rc) {
            d.rc = CORUN_EIO;
            d.err = e;
        }
    }
    free(d.order);
    pthread_mutex_destroy(&d.mu);
    if (d.rc && err) *err = d.err;
    return d.rc;
}

int corun_fib_mpi_local_ranks(void) {
    MPI_Comm node;
    int n = 1;
    if (MPI_Comm_split_type(comm(), MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
        MPI_Comm_size(node, &n);
        MPI_Comm_free(&node);
    }
    return n;
}

int corun_fib_mpi_first(int flag) {
    int rank, size;
    MPI_Comm_rank(comm(), &rank);
    MPI_Comm_size(comm(), &size);
    int mine = flag ? rank : size, first = size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm());
    return first < size ? first : -1;
}

long long corun_fib_mpi_sum(long long v) {
    long long s = v;
    MPI_Allreduce(&v, &s, 1, MPI_LONG_LONG, MPI_SUM, comm());
    return s;
}

int corun_fib_mpi_exit_code(int code) {
    MPI_Request rq;
    int rank;
    MPI_Comm_rank(comm(), &rank);
    if (MPI_Ibcast(&code, 1, MPI_INT, 0, comm(), &rq) != MPI_SUCCESS) return CORUN_EXIT_FAILURE;
    /* Rank 0 may still be writing: wait without burning a core. */
    for (int done = 0;;) {
        MPI_Test(&rq, &done, MPI_STATUS_IGNORE);
        if (done) break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    MPI_Comm_free(&g_comm);
    g_comm = MPI_COMM_NULL;
    return code;
}

#else /* no MPI in this build */

int corun_fib_mpi_local_ranks(void) { return 1; }
int corun_fib_mpi_first(int flag) { return flag ? 0 : -1; }
long long corun_fib_mpi_sum(long long v) { return v; }
int corun_fib_mpi_run(const corun_fib_mpi_params_t *p, corun_err_t *err) {
    (void)p;
    return corun_err_set(err, CORUN_ENOTSUP, "fib: this corun was built without MPI");
}
int corun_fib_mpi_exit_code(int code) { return code; }

#endif
