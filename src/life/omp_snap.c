/* omp_snap.c — snapshots of the omp backend without a copy on the compute
 * side: the snapshot writer borrows the buffer that holds the frame's
 * generation, and undoes the lane-strided row order while copying it out on
 * its own thread (the snapshot ops of corun/life.h).
 *
 * The stepper keeps two generation buffers and ping-pongs between them, so
 * the generation after a lent one is written into the other buffer and the
 * one after that would overwrite the lent frame. A third buffer (the spare,
 * allocated at the first lend) takes the lent buffer's place: the next step
 * advances one generation (reading the lent buffer, writing the other), then
 * swaps the lent buffer out for the spare, and goes on at full speed. The
 * writer has until the next frame to copy it; a frame asked for while the
 * last one is still lent waits for the writer to give it back. In
 * change-tracking mode (whose tiles rely on both buffers' contents), or
 * without memory for the spare, the frame is copied on the compute side
 * (begin returns 1). Nothing is shared with the
 * writer but the lend record, whose reference count lets the writer finish
 * after the backend has closed. */
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "corun/core.h"
#include "life/omp_backend.h"
#include "life/omp_state.h"

struct omp_lend {
    const uint64_t *words; /* the lent generation (stride-spaced rows) */
    omp_geom_t g;
    int perm;              /* its rows are in the lane-strided order */
    atomic_int released;   /* the writer is done with the words */
    atomic_int refs;       /* the state and the writer */
};

static void lend_unref(omp_lend_t *l) {
    if (atomic_fetch_sub(&l->refs, 1) == 1) free(l);
}

void omp_lend_collect(omp_state_t *s) {
    if (s->lend && atomic_load(&s->lend->released)) {
        lend_unref(s->lend);
        s->lend = NULL;
        s->lend_swap = 0; /* already given back: no need to move it aside */
    }
}

void omp_lend_wait(omp_state_t *s) {
    while (s->lend && !atomic_load(&s->lend->released)) {
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    omp_lend_collect(s);
}

/* After the first generation that read the lent buffer: it now sits at
 * buf[cur ^ 1], where the next generation would go; the spare goes there
 * instead. */
void omp_lend_swap(omp_state_t *s) {
    s->lend_swap = 0;
    omp_lend_collect(s);
    if (!s->lend) return;
    uint64_t *lent = s->buf[s->cur ^ 1];
    s->buf[s->cur ^ 1] = s->spare;
    s->spare = lent;
    s->tl.rowpop_ok = 0; /* a buffer changed under the tiles' per-row populations */
}

static int snap_begin(void *state, void **snap, corun_err_t *err) {
    (void)err;
    omp_state_t *s = state;
    *snap = NULL;
    if (s->mode == OMP_MODE_TILES) return 1;
    /* The last frame still out: wait for the writer rather than copy. A
     * copy would cost this thread a full frame (and the first use of a
     * pool buffer, its page faults) while the writer, busy anyway, has to
     * write that frame after the one it is on; waiting costs at most the
     * rest of one frame's write (stall time in the summary). */
    omp_lend_wait(s);
    const int64_t gw = s->g.h * s->g.stride;
    if (!s->spare) {
        /* Only with room to spare: the copy path needs no memory of its own. */
        uint64_t avail = corun_mem_available();
        if (avail && (double)avail < 2.0 * (double)gw * 8.0) return 1;
        s->spare = corun_life_words_alloc(gw);
        if (!s->spare) return 1;
    }
    omp_lend_t *l = malloc(sizeof *l);
    if (!l) return 1;
    l->words = s->buf[s->cur];
    l->g = s->g;
    l->perm = s->perm;
    atomic_init(&l->released, 0);
    atomic_init(&l->refs, 2);
    s->lend = l;
    s->lend_swap = 1;
    *snap = l;
    return 0;
}

static int snap_poll(void *snap, corun_err_t *err) {
    (void)snap;
    (void)err;
    return 1; /* host memory: always ready */
}

static int snap_copy(void *snap, int64_t y0, int64_t n, uint64_t *dst, int64_t stride) {
    const omp_lend_t *l = snap;
    for (int64_t y = 0; y < n; y++)
        omp_row_copy(&l->g, l->perm, 0, l->words + (y0 + y) * l->g.stride, dst + y * stride);
    return 0;
}

static void snap_release(void *snap) {
    omp_lend_t *l = snap;
    atomic_store(&l->released, 1);
    lend_unref(l);
}

const corun_life_snap_ops_t omp_snap_ops = {
    .begin = snap_begin,
    .poll = snap_poll,
    .words = NULL,
    .copy = snap_copy,
    .release = snap_release,
};
