/* omp_state.h — the omp backend's stepping state and the functions its
 * files share: step_omp.c (the driver: open, step, rows, close), and one
 * file per stepping mode: omp_dense.c, omp_tblock.c (temporal blocking),
 * omp_tiles.c (change tracking and skip_stable=auto's switching). Not part
 * of the public API.
 *
 * The state holds two generation buffers (buf[0] is the caller's grid
 * memory when its stride fits: omp_open steps in place), a zero row,
 * per-thread scratch, per-thread population slots, and each mode's own
 * memory in its sub-struct. Which mode runs is mode (plan.mode at open;
 * skip_stable=auto changes it as it goes). Stepping never fails once
 * omp_open() succeeded.
 */
#ifndef CORUN_LIFE_OMP_STATE_H
#define CORUN_LIFE_OMP_STATE_H

#include <stdint.h>
#include <string.h>

#include "life/omp_int.h"

/* Temporal blocking (omp_tblock.c). */
typedef struct omp_tblock {
    int levels, levels_max;   /* generations per pass: usual, largest */
    int64_t band, band_words; /* rows per band; words per band buffer */
    uint64_t *bandbuf;        /* nt * 2 * band_words */
} omp_tblock_t;

/* Change tracking (omp_tiles.c). */
typedef struct omp_tiles {
    int64_t tw, th, ntx, nty, nbw; /* tile size (words, rows), counts, bitmap words per row */
    uint64_t tmask;                /* valid bits of a bitmap row's last word */
    uint64_t *chg[2];              /* change maps: what changed between t-2 and t (PL_N planes) */
    uint8_t *rowany[2];            /* per map and tile row: any bit set (settled rows cost nothing) */
    uint64_t *need;                /* per tile: recompute this generation */
    int pc;                        /* chg[pc] describes the current generation */
    int64_t dense_left;            /* generations that must still be dense */
    uint8_t *force;                /* per tile row: generations it must still be
                                    * recomputed in full (rows written by omp_put_rows) */
    /* Populations: per buffer and tile row, the live cells of its counted
     * rows, kept up to date by counted tiles steps from the recomputed
     * tiles alone (omp_pop_t.delta); rowpop_ok is cleared by every other
     * write to the buffers. */
    int64_t *rowpop[2];
    int rowpop_ok;
} omp_tiles_t;

/* skip_stable=auto's switching between bulk stepping and tiles (omp_tiles.c). */
typedef struct omp_adaptive {
    int on;
    omp_mode_t bulk;         /* OMP_MODE_TBLOCK, or OMP_MODE_DENSE for in-cache grids */
    int64_t since_probe;     /* bulk generations since the last probe */
    double enter, leave;     /* the plan's tiles_enter, tiles_leave */
} omp_adaptive_t;

typedef struct omp_state {
    omp_geom_t g;
    omp_plan_t plan;
    unsigned born, survive;
    int nt;                  /* threads (plan.threads) */
    uint64_t *buf[2];        /* the two generations */
    int cur;                 /* buf[cur] holds the current generation */
    corun_life_grid_t *grid; /* the caller's grid, from omp_open to omp_close */
    int in_place;            /* buf[0] was grid->words at open (else both are ours) */
    uint64_t *zero;
    uint64_t *scratch;       /* nt * scratch_words */
    int64_t scratch_words;   /* per thread: kernel ring + 3 rows for change tracking */
    const omp_kernels_t *k;
    omp_block_fn fn;         /* the rule's kernel */
    omp_block_fn fn_last;    /* tblock's last level: fn, or the streaming B3/S23 one */
    omp_mode_t mode;
    int perm;                /* buf[cur]'s rows are in the lane-strided order (omp_int.h) */
    int perm_ok;             /* dense and blocked stepping use that order */
    omp_block_fn fnw, fnw_last; /* fn and fn_last in word order */
    omp_block_fn fnp, fnp_last; /* and lane-strided (perm_ok) */
    /* populations count rows cy0..cy1-1 */
    int64_t cy0, cy1;
    /* per-thread partial populations, two slots (even and odd generations)
     * of nt entries, 8 apart (a cache line each: no false sharing) */
    int64_t *partial;
    omp_tblock_t tb;
    omp_tiles_t tl;
    omp_adaptive_t ad;
    /* A frame lent to the snapshot writer (omp_snap.c). */
    uint64_t *gridmem;       /* the caller's grid memory among the buffers (in place), or NULL */
    uint64_t *spare;         /* a third generation buffer, from the first lend on */
    struct omp_lend *lend;   /* the frame lent out, NULL: none */
    int lend_swap;           /* buf[cur] is lent: after one generation, swap it for spare */
} omp_state_t;

typedef struct omp_lend omp_lend_t;
extern const corun_life_snap_ops_t omp_snap_ops;
/* Forgets a lend the writer has given back. */
void omp_lend_collect(omp_state_t *s);
/* Waits until the writer gives the lent frame back (before anything
 * writes into it other than stepping: put_rows, close). */
void omp_lend_wait(omp_state_t *s);
/* After the generation that read the lent buffer: moves it aside. */
void omp_lend_swap(omp_state_t *s);

/* Slot of thread tid's partial population for generation i. A slot is
 * reused two generations later, after two barriers, so the thread summing
 * generation i has read it by then. */
#define OMP_PARTIAL(s, i, tid) ((s)->partial[(((i) & 1) * (s)->nt + (tid)) * 8])

static inline void omp_sum_partials(omp_state_t *s, int64_t i, int nth, int64_t *pops) {
    int64_t sum = 0;
    for (int t = 0; t < nth; t++) sum += OMP_PARTIAL(s, i, t);
    pops[i] = sum;
}

/* Where word j of a row sits in the state's buffers: j, or its place in the
 * lane-strided order (omp_int.h). */
static inline int64_t omp_word_pos(const omp_state_t *s, int64_t j) {
    if (!s->perm) return j;
    const int64_t q = s->g.wpr / 8;
    return 8 * (j % q) + j / q;
}

/* Copies a row from word order into the lane-strided order (to_perm) or
 * back; just copies when perm is 0 (the state keeps word order). */
static inline void omp_row_copy(const omp_geom_t *g, int perm, int to_perm, const uint64_t *src,
                                uint64_t *dst) {
    const int64_t n = g->wpr, q = n / 8;
    if (!perm) {
        memcpy(dst, src, (size_t)n * 8);
        return;
    }
    for (int64_t l = 0; l < 8; l++)
        for (int64_t i = 0; i < q; i++) {
            if (to_perm) dst[8 * i + l] = src[l * q + i];
            else dst[l * q + i] = src[8 * i + l];
        }
}

/* Puts buf[cur]'s rows in the lane-strided order (on) or in word order and
 * picks the kernels for it (step_omp.c). */
void omp_set_perm(omp_state_t *s, int on);

/* n generations in one mode; pops NULL or n entries (populations of rows
 * cy0..cy1-1 after each). */
void omp_step_dense(omp_state_t *s, int64_t n, int64_t *pops);
void omp_step_tblock(omp_state_t *s, int64_t n, int64_t *pops);
void omp_step_tiles(omp_state_t *s, int64_t n, int64_t *pops);
void omp_step_adaptive(omp_state_t *s, int64_t n, int64_t *pops);

/* Memory of the modes, sized from the plan: 0 or CORUN_ENOMEM (what was
 * allocated is freed by omp_tblock_free / omp_tiles_free, which accept a
 * partly set up or zeroed sub-struct). */
int omp_tblock_alloc(omp_state_t *s);
void omp_tblock_free(omp_state_t *s);
int omp_tiles_alloc(omp_state_t *s);
void omp_tiles_free(omp_state_t *s);

/* Rows y0..y0+n-1 were replaced from outside: change tracking recomputes
 * the tile rows around them (no-op outside tiles mode). */
void omp_tiles_force_rows(omp_state_t *s, int64_t y0, int64_t n);

#endif
