/* snapshot.c — the overlapped snapshot pipeline: the compute thread hands
 * frames to the aio loop and goes on; one I/O worker writes them to HDF5.
 *
 *   compute thread                      aio loop thread        I/O worker (pool of 1)
 *   corun_snap_submit:
 *     buf <- chan_get(free)  (stall)
 *     be->get_rows(buf)
 *     chan_put(work, item) ----------->  writer coroutine:
 *                                          item <- chan_get(work)
 *                                          run_in_pool(write) ----> pops, frame, H5Fflush
 *                                          chan_put(free, buf) <---
 *   corun_snap_close:
 *     chan_close(work); await writer (stall); finish job ---------> statistics, close
 *
 * A backend with asynchronous snapshots (cuda) starts a device-to-host copy
 * in submit instead of get_rows (its snap ops); the writer coroutine awaits it with a
 * poll function (corun_aio_await_poll: the loop never blocks on the GPU),
 * then the worker writes from the backend's pinned buffer. The pool buffer
 * then only counts as the frame's slot, so the bound on frames in flight is
 * the same.
 *
 * Why this shape: HDF5 is not thread-safe, so all of it runs on the single
 * pool worker, one call at a time; the compute thread never calls HDF5 and
 * blocks only when all `buffers` frames are in flight (the free channel is
 * empty) — that wait is the stall time. The loop thread itself never blocks
 * (DESIGN.md: blocking calls go to the pool).
 *
 * The writer starts only once the compute side calls corun_snap_go() (the
 * stepping loop does after its first chunk; close does at the latest): that
 * first chunk then runs next to an idle writer, and its rate is the
 * run's no-output stepping rate, from which the summary's output_overhead
 * is computed (src/life/run.c). corun_snap_busy() tells the loop which other
 * chunks ran next to an idle writer too.
 *
 * Errors: the first failed write sets `failed` (the message is written
 * before the flag is released); later items are dropped but their buffers
 * still go back, so compute never deadlocks, and the next submit returns the
 * error.
 *
 * MPI (P > 1, cfg.par): every rank runs this same pipeline on its slab; the
 * I/O workers' HDF5 calls are collective over the file's own communicator
 * (h5file.c), which works because every rank submits the same items in the
 * same order. Each item is one job on the worker that first agrees whether
 * every rank got its frame (a failed device copy on one rank), then writes,
 * then agrees on the outcome, so all ranks fail together and none is left
 * waiting in a collective. The statistics at close are agreed (largest io
 * and stall times).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "corun/aio.h"
#include "corun/core.h"
#include "corun/h5io.h"

#define SNAP_MAX_BUFFERS 16

typedef struct snap_item {
    uint64_t *buf; /* a pool buffer (the frame, or the slot an async copy holds); NULL: populations only */
    void *asnap;   /* the backend's asynchronous snapshot, if it has them */
    const corun_life_backend_t *be;
    int64_t gen;
    int64_t first_pop, npops;
    int64_t *pops;
} snap_item_t;

struct corun_snap {
    corun_aio_loop_t *loop;
    corun_aio_chan_t *work, *free;
    corun_aio_chan_t *go; /* one token: the writer may start */
    int went;             /* compute side: the token was put */
    int64_t submitted;    /* compute side: frames handed over */
    atomic_int pending;   /* frames handed over and not yet written */
    corun_aio_future_t *writer;
    corun_h5_file_t *file; /* used by I/O worker jobs only */
    corun_snap_config_t cfg;
    size_t frame_words;   /* rows * wpr */
    int64_t rows, wpr;    /* this slab's rows (P > 1), else the whole grid */
    uint64_t *bufs[SNAP_MAX_BUFFERS];
    int nbuf;
    int64_t last_gen; /* restart: generation of the file's last frame */
    atomic_int failed;
    corun_err_t io_err;   /* valid once failed is set */
    double io_seconds;    /* written by the I/O worker, read after it is joined */
    double io_cpu_seconds; /* the I/O worker's CPU time in those writes */
    int64_t frames;       /* frames written (I/O worker) */
    double stall_seconds; /* compute side */
};

/* ------------------------------------------------------------ I/O jobs */

typedef struct write_job {
    corun_snap_t *s;
    snap_item_t *item;
    int pre_rc; /* the frame could not be had (device copy failed): pre_err */
    corun_err_t *pre_err;
} write_job_t;

static int job_write(void *arg, void **value, corun_err_t *err) {
    (void)value;
    write_job_t *j = arg;
    snap_item_t *it = j->item;
    corun_h5_file_t *f = j->s->file;
    double t0 = corun_now(), c0 = corun_thread_cpu();
    if (j->pre_rc && err) *err = *j->pre_err;
    /* P > 1: all ranks have their frame, or none writes it. */
    int rc = corun_h5_agree(f, j->pre_rc, err);
    if (!rc) {
        rc = corun_h5_write_pops(f, it->first_pop, it->pops, it->npops, err);
        /* The frame: the pool buffer; a backend's own memory (words); or
         * a lent buffer copied out piece by piece into the file's chunks
         * (no full-frame copy), or whole into the pool buffer first. */
        corun_h5_rows_t src = {it->buf, NULL, NULL};
        if (it->asnap && it->be->snap->words) {
            src.words = it->be->snap->words(it->asnap);
        } else if (it->asnap && corun_h5_takes_rows(f)) {
            src = (corun_h5_rows_t){NULL, it->be->snap->copy, it->asnap};
        } else if (it->asnap && !rc) {
            rc = it->be->snap->copy(it->asnap, 0, j->s->rows, it->buf, j->s->wpr);
        }
        if (!rc && it->buf) rc = corun_h5_append_rows(f, it->gen, &src, err);
        if (!rc) rc = corun_h5_flush(f, err);
        rc = corun_h5_agree(f, rc, err); /* and on the outcome */
    }
    j->s->io_seconds += corun_now() - t0;
    j->s->io_cpu_seconds += corun_thread_cpu() - c0;
    j->s->frames += !rc && it->buf;
    return rc;
}

static int job_release(void *arg, void **value, corun_err_t *err) {
    (void)value;
    (void)err;
    write_job_t *j = arg;
    j->item->be->snap->release(j->item->asnap);
    j->item->asnap = NULL;
    return 0;
}

static int job_open(void *arg, void **value, corun_err_t *err) {
    (void)value;
    corun_snap_t *s = arg;
    if (s->cfg.restart)
        return corun_h5_open_append(s->cfg.path, &s->cfg.par, &s->cfg.meta, &s->last_gen,
                                    &s->file, err);
    return corun_h5_create(s->cfg.path, &s->cfg.meta, s->cfg.force, &s->cfg.par, &s->file, err);
}

static int job_read_last(void *arg, void **value, corun_err_t *err) {
    (void)value;
    corun_snap_t *s = arg;
    return corun_h5_agree(s->file, corun_h5_read_last_frame(s->file, s->bufs[0], s->cfg.progress,
                                                             s->cfg.stop, err), err);
}

typedef struct leg_job {
    corun_snap_t *s;
    const corun_h5_meta_t *leg;
} leg_job_t;

static int job_leg(void *arg, void **value, corun_err_t *err) {
    (void)value;
    leg_job_t *j = arg;
    return corun_h5_set_leg(j->s->file, j->leg, err);
}

typedef struct agree_job {
    corun_snap_t *s;
    int rc;
    corun_err_t *err;
} agree_job_t;

/* P > 1: whether every rank got as far (e.g. its frame buffers). */
static int job_agree(void *arg, void **value, corun_err_t *err) {
    (void)value;
    agree_job_t *j = arg;
    if (j->rc && err) *err = *j->err;
    return corun_h5_agree(j->s->file, j->rc, err);
}

typedef struct finish_job {
    corun_snap_t *s;
    corun_h5_stats_t *st;
} finish_job_t;

static int job_finish(void *arg, void **value, corun_err_t *err) {
    (void)value;
    finish_job_t *j = arg;
    corun_h5_file_t *f = j->s->file;
    j->s->file = NULL;
    corun_h5_agree_stats(f, j->st); /* P > 1: what every rank reports and stores */
    return corun_h5_finish(f, j->st, err);
}

static int job_abandon(void *arg, void **value, corun_err_t *err) {
    (void)value;
    (void)err;
    corun_snap_t *s = arg;
    corun_h5_close(s->file);
    s->file = NULL;
    return 0;
}

/* Runs a job on the I/O worker from the compute thread and waits for it. */
static int run_io(corun_snap_t *s, corun_aio_fn fn, void *arg, corun_err_t *err) {
    corun_aio_future_t *f = NULL;
    int rc = corun_aio_submit(s->loop, fn, arg, &f, err);
    if (rc) return rc;
    rc = corun_aio_future_result(f, -1, NULL, err);
    corun_aio_future_release(f);
    return rc;
}

/* ------------------------------------------------------------ writer */

static void free_item(snap_item_t *it) {
    if (it->asnap) it->be->snap->release(it->asnap); /* never handed to the writer */
    free(it->pops);
    free(it);
}

static int writer_main(void *arg, void **value, corun_err_t *err) {
    (void)value;
    corun_snap_t *s = arg;
    void *token;
    int grc = corun_aio_chan_get(s->go, &token, -1, err); /* closed also means go */
    if (grc && grc != CORUN_ECLOSED) return grc;
    for (;;) {
        void *p;
        int rc = corun_aio_chan_get(s->work, &p, -1, err);
        if (rc == CORUN_ECLOSED) break;
        if (rc) return rc;
        snap_item_t *it = p;
        corun_err_t e = {0};
        int wrc = 0;
        /* A device copy in flight: the loop polls it without blocking. */
        if (it->asnap && !atomic_load(&s->failed))
            wrc = corun_aio_await_poll(it->be->snap->poll, it->asnap, -1, &e);
        /* (P > 1: even after a failed copy, so that the ranks agree on it) */
        if (!atomic_load(&s->failed)) {
            corun_err_t pe = e;
            write_job_t j = {s, it, wrc, &pe};
            wrc = corun_aio_run_in_pool(job_write, &j, NULL, &e);
        }
        if (wrc && !atomic_load(&s->failed)) {
            s->io_err = e;
            atomic_store(&s->failed, 1); /* after io_err: the reader sees both */
        }
        if (it->asnap) { /* may wait for the copy and free pinned memory: not on the loop */
            write_job_t j = {s, it, 0, NULL};
            corun_aio_run_in_pool(job_release, &j, NULL, NULL);
        }
        uint64_t *buf = it->buf;
        free_item(it);
        if (buf) atomic_fetch_sub(&s->pending, 1);
        if (buf && corun_aio_chan_put(s->free, buf, -1, err)) return err ? err->code : CORUN_EIO;
    }
    return 0;
}

/* ------------------------------------------------------------ API */

static void snap_free(corun_snap_t *s) {
    if (!s) return;
    if (s->loop) {
        if (s->file) run_io(s, job_abandon, s, NULL);
        if (s->work) corun_aio_chan_close(s->work);
        if (s->go) corun_aio_chan_close(s->go);
        if (s->writer) {
            corun_aio_future_result(s->writer, -1, NULL, NULL);
            corun_aio_future_release(s->writer);
        }
        corun_aio_loop_shutdown(s->loop, CORUN_AIO_DRAIN, NULL);
        corun_aio_loop_destroy(s->loop);
    }
    if (s->work) {
        void *p; /* items never taken by the writer */
        while (corun_aio_chan_get(s->work, &p, 0, NULL) == 0) free_item(p);
        corun_aio_chan_destroy(s->work);
    }
    if (s->free) corun_aio_chan_destroy(s->free);
    if (s->go) corun_aio_chan_destroy(s->go);
    for (int i = 0; i < s->nbuf; i++) corun_life_words_free(s->bufs[i], s->frame_words);
    free(s);
}

int corun_snap_open(corun_snap_config_t *cfg, corun_snap_t **out, int64_t *start_gen,
                    corun_err_t *err) {
    *out = NULL;
    *start_gen = 0;
    corun_snap_t *s = calloc(1, sizeof *s);
    if (!s) return corun_err_set(err, CORUN_ENOMEM, "snapshots: out of memory");
    s->cfg = *cfg;
    s->nbuf = cfg->buffers > 0 ? (cfg->buffers < SNAP_MAX_BUFFERS ? cfg->buffers : SNAP_MAX_BUFFERS) : 3;
    corun_aio_config_t ac;
    corun_aio_config_init(&ac);
    ac.pool_threads = 1; /* the I/O worker: every HDF5 call runs here */
    int rc = corun_aio_loop_create(&ac, &s->loop, err);
    if (!rc) rc = run_io(s, job_open, s, err);
    if (rc) goto bad;
    *cfg = s->cfg; /* restart: the file's metadata */
    const corun_h5_meta_t *m = &s->cfg.meta;
    /* This slab's rows (P > 1), else the whole grid. */
    s->rows = s->cfg.par.rows > 0 ? s->cfg.par.rows : m->height;
    s->wpr = corun_life_words_per_row(m->width);
    s->frame_words = (size_t)(s->wpr * s->rows);
    int n = s->nbuf;
    s->nbuf = 0;
    corun_err_t aerr = {0};
    for (int i = 0; i < n && !rc; i++) {
        /* The grid's allocator: huge pages where the kernel gives them, so
         * a frame buffer's first use is 16 page faults, not 8192 per 32 MiB
         * (on a VM each fault was most of a 32 MiB frame's copy time). */
        s->bufs[i] = corun_life_words_alloc(s->frame_words);
        if (!s->bufs[i])
            rc = corun_err_set(&aerr, CORUN_ENOMEM,
                               "snapshots: no memory for %d frame buffers of %.1f MiB (use "
                               "fewer --snapshot-buffers)",
                               n, (double)s->frame_words * 8 / (1 << 20));
        else s->nbuf++;
    }
    agree_job_t aj = {s, rc, &aerr}; /* P > 1: all ranks go on, or all close */
    if ((rc = run_io(s, job_agree, &aj, err))) goto bad;
    if ((rc = corun_aio_chan_create((size_t)s->nbuf, &s->free, err)) ||
        (rc = corun_aio_chan_create((size_t)s->nbuf + 64, &s->work, err)) ||
        (rc = corun_aio_chan_create(1, &s->go, err)))
        goto bad;
    if (cfg->restart) {
        if ((rc = run_io(s, job_read_last, s, err))) goto bad;
        *start_gen = s->last_gen;
    }
    for (int i = 0; i < s->nbuf; i++)
        if ((rc = corun_aio_chan_put(s->free, s->bufs[i], 0, err))) goto bad;
    if ((rc = corun_aio_spawn(s->loop, writer_main, s, &s->writer, err))) goto bad;
    *out = s;
    return 0;
bad:
    snap_free(s);
    return rc;
}

int corun_snap_leg(corun_snap_t *s, const corun_h5_meta_t *leg, corun_err_t *err) {
    leg_job_t j = {s, leg};
    return run_io(s, job_leg, &j, err);
}

int corun_snap_restart_frame(corun_snap_t *s, corun_life_grid_t *g, corun_err_t *err) {
    if (!s->cfg.restart) return corun_err_set(err, CORUN_EINVAL, "snapshots: not a restart");
    if (g->height != s->rows || g->wpr != s->wpr)
        return corun_err_set(err, CORUN_EINVAL, "snapshots: restart frame into a grid of another size");
    /* bufs[0] holds the frame until the first submit takes it back. */
    const uint64_t *src = s->bufs[0];
#pragma omp parallel for schedule(static)
    for (int64_t y = 0; y < s->rows; y++)
        memcpy(corun_life_grid_row(g, y), src + y * s->wpr, (size_t)s->wpr * 8);
    return 0;
}

static int io_error(corun_snap_t *s, corun_err_t *err) {
    if (err) *err = s->io_err;
    return s->io_err.code ? s->io_err.code : CORUN_EIO;
}

int corun_snap_submit(corun_snap_t *s, int64_t gen, const corun_life_backend_t *be, void *state,
                      int64_t first_pop, const int64_t *pops, int64_t npops, corun_err_t *err) {
    if (atomic_load(&s->failed)) return io_error(s, err);
    snap_item_t *it = calloc(1, sizeof *it);
    if (!it) return corun_err_set(err, CORUN_ENOMEM, "snapshots: out of memory");
    it->gen = gen;
    it->first_pop = first_pop;
    it->npops = npops;
    if (npops > 0) {
        it->pops = malloc((size_t)npops * sizeof *pops);
        if (!it->pops) {
            free(it);
            return corun_err_set(err, CORUN_ENOMEM, "snapshots: out of memory");
        }
        memcpy(it->pops, pops, (size_t)npops * sizeof *pops);
    }
    int rc = 0;
    double t0 = corun_now();
    if (be) {
        void *b;
        /* Waits only if every buffer is in flight; a writer held back
         * (corun_snap_go) is let go first, or the wait would never end. */
        rc = s->went ? CORUN_ETIMEDOUT : corun_aio_chan_get(s->free, &b, 0, NULL);
        if (rc == CORUN_ETIMEDOUT) {
            corun_snap_go(s);
            rc = corun_aio_chan_get(s->free, &b, -1, err);
        }
        s->stall_seconds += corun_now() - t0;
        if (!rc) {
            it->buf = b;
            it->be = be;
            /* A GPU backend starts its copy and omp lends its buffer (the
             * writer copies it out); others, or those that cannot now
             * (begin returns 1), copy here. */
            /* begin may wait for the writer to give back the last frame
             * (omp): it must be running by then. */
            if (s->submitted) corun_snap_go(s);
            double tb = corun_now();
            rc = be->snap ? be->snap->begin(state, &it->asnap, err) : 1;
            s->stall_seconds += corun_now() - tb; /* (a copy on this side counts too) */
            s->submitted++;
            if (rc == 1) rc = be->get_rows(state, 0, s->rows, it->buf, s->wpr, err);
            if (rc) corun_aio_chan_put(s->free, b, 0, NULL);
        }
    }
    double t1 = corun_now();
    if (!rc && it->buf) atomic_fetch_add(&s->pending, 1);
    if (!rc && (rc = corun_aio_chan_put(s->work, it, -1, err)) && it->buf)
        atomic_fetch_sub(&s->pending, 1);
    s->stall_seconds += corun_now() - t1;
    if (rc) {
        free_item(it);
        return atomic_load(&s->failed) ? io_error(s, err) : rc;
    }
    return atomic_load(&s->failed) ? io_error(s, err) : 0;
}

void corun_snap_go(corun_snap_t *s) {
    if (s->went) return;
    s->went = 1;
    static int token;
    if (corun_aio_chan_put(s->go, &token, 0, NULL)) corun_aio_chan_close(s->go); /* go anyway */
}

/* From the hand-over on, not only once the writer has picked the frame
 * up: the chunk stepped right after a hand-over runs next to the writer. A
 * writer still held back (corun_snap_go) is idle. */
int corun_snap_busy(corun_snap_t *s) { return s->went && atomic_load(&s->pending) > 0; }

int corun_snap_close(corun_snap_t *s, corun_h5_stats_t *st, corun_err_t *err) {
    corun_snap_go(s);
    corun_aio_chan_close(s->work);
    double t0 = corun_now();
    corun_err_t werr = {0};
    int rc = corun_aio_future_result(s->writer, -1, NULL, &werr);
    s->stall_seconds += corun_now() - t0; /* I/O that compute could not hide */
    corun_aio_future_release(s->writer);
    s->writer = NULL;
    if (rc && err) *err = werr;
    if (!rc && atomic_load(&s->failed)) rc = io_error(s, err);
    st->io_seconds = s->io_seconds;
    st->io_cpu_seconds = s->io_cpu_seconds;
    st->frames = s->frames;
    st->stall_seconds = s->stall_seconds;
    st->overlap = s->io_seconds > 0 ? 1.0 - s->stall_seconds / s->io_seconds : 1.0;
    if (st->overlap < 0) st->overlap = 0;
    if (rc) {
        st->status = "failed";
        st->error = err ? err->msg : s->io_err.msg; /* stored as the file's `error` */
    }
    finish_job_t fj = {s, st};
    corun_err_t ferr = {0};
    int frc = run_io(s, job_finish, &fj, &ferr);
    if (!rc && frc) {
        rc = frc;
        if (err) *err = ferr;
    }
    snap_free(s);
    return rc;
}
