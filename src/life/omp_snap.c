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
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

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

/* Faults a generation buffer's pages in now, in pieces of 2 MiB (a huge
 * page) across the threads, static like the dense rows: each piece lands
 * on the NUMA node of a thread that steps near it, as the kernels' first
 * stores would have placed it. */
static void prefault(const omp_state_t *s, uint64_t *words) {
    const int64_t nwords = s->g.h * s->g.stride, piece = (2 << 20) / 8;
    const int64_t np = (nwords + piece - 1) / piece;
#pragma omp parallel for num_threads(s->nt) schedule(static)
    for (int64_t i = 0; i < np; i++)
        corun_life_words_prefault(words + i * piece,
                                  (size_t)(nwords - i * piece < piece ? nwords - i * piece : piece));
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
        /* Its pages faulted in here rather than by the stepping kernels'
         * first stores into it: the same cost, but outside the stepping
         * calls, whose rate with an idle writer is the summary's no-output
         * rate (output_overhead). */
        prefault(s, s->spare);
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

#if defined(__x86_64__) && defined(__GNUC__)
/* A lane-strided row back in word order with AVX-512: word 8i + l of the
 * row goes to l * q + i, so eight vectors i..i+7 are an 8x8 transpose
 * (unpack, permute pairs, swap 256-bit halves: 24 shuffles) into eight
 * vectors, one per lane l. The scalar loop of omp_row_copy took 3-4 ms
 * of the writer's time per 32 MiB frame (perf), this about 2 ms, most of
 * it the rows' loads from memory. Rows whose q is not a multiple of 8
 * finish the last columns one word at a time. */
__attribute__((target("avx512f"))) static void unperm_rows_avx512(const omp_geom_t *g,
                                                                  const uint64_t *src, int64_t n,
                                                                  uint64_t *dst, int64_t stride) {
    const int64_t q = g->wpr / 8, q8 = q & ~(int64_t)7;
    const __m512i lo2 = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
    const __m512i hi2 = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    for (int64_t y = 0; y < n; y++, src += g->stride, dst += stride) {
        for (int64_t i = 0; i < q8; i += 8) {
            const uint64_t *s = src + 8 * i;
            __m512i v[8], t[8], u[8];
            for (int k = 0; k < 8; k++) v[k] = _mm512_loadu_si512(s + 8 * k);
            for (int k = 0; k < 8; k += 2) {
                t[k] = _mm512_unpacklo_epi64(v[k], v[k + 1]);     /* lanes 0 2 4 6 */
                t[k + 1] = _mm512_unpackhi_epi64(v[k], v[k + 1]); /* lanes 1 3 5 7 */
            }
            for (int k = 0; k < 8; k += 4) {
                u[k] = _mm512_permutex2var_epi64(t[k], lo2, t[k + 2]);         /* 0 4 */
                u[k + 1] = _mm512_permutex2var_epi64(t[k], hi2, t[k + 2]);     /* 2 6 */
                u[k + 2] = _mm512_permutex2var_epi64(t[k + 1], lo2, t[k + 3]); /* 1 5 */
                u[k + 3] = _mm512_permutex2var_epi64(t[k + 1], hi2, t[k + 3]); /* 3 7 */
            }
            static const int lane[4][2] = {{0, 4}, {2, 6}, {1, 5}, {3, 7}};
            for (int k = 0; k < 4; k++) {
                _mm512_storeu_si512(dst + lane[k][0] * q + i,
                                    _mm512_shuffle_i64x2(u[k], u[k + 4], 0x44));
                _mm512_storeu_si512(dst + lane[k][1] * q + i,
                                    _mm512_shuffle_i64x2(u[k], u[k + 4], 0xee));
            }
        }
        for (int64_t l = 0; l < 8; l++)
            for (int64_t i = q8; i < q; i++) dst[l * q + i] = src[8 * i + l];
    }
}
#endif

static int snap_copy(void *snap, int64_t y0, int64_t n, uint64_t *dst, int64_t stride) {
    const omp_lend_t *l = snap;
    const uint64_t *src = l->words + y0 * l->g.stride;
#if defined(__x86_64__) && defined(__GNUC__)
    if (l->perm && corun_cpu_has(CORUN_CPU_AVX512F)) {
        unperm_rows_avx512(&l->g, src, n, dst, stride);
        return 0;
    }
#endif
    for (int64_t y = 0; y < n; y++)
        omp_row_copy(&l->g, l->perm, 0, src + y * l->g.stride, dst + y * stride);
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
