/* step_omp.c — the omp backend: bit-packed cells (64 per word), bit-sliced
 * neighbour counting (kernels/life_word.h), OpenMP over rows.
 *
 * Three ways to advance generations, chosen once at init():
 *   dense  — every generation, every row: threads take contiguous row ranges
 *            and meet at one barrier per generation.
 *   tblock — dense, but for grids too big for the caches: the grid is cut
 *            into bands of rows and each band is advanced `levels`
 *            generations per pass, through two small band buffers that stay
 *            in the core's L2. A band needs `levels` extra rows above and
 *            below (the light cone), which are recomputed by both neighbouring
 *            bands: some redundant work for a `levels`-fold cut in memory
 *            traffic.
 *   tiles  — change tracking (params->skip_stable): the grid is cut into
 *            tiles; a tile is recomputed only if it, or the edge of a
 *            neighbour facing it, changed between generations t-2 and t
 *            (the change maps, below). Why t-2:
 *            we double-buffer, so when stepping t -> t+1 the back buffer
 *            holds t-1; if the neighbourhood at t equals t-2, then t+1
 *            equals t-1, which the back buffer already holds, so doing
 *            nothing is exact. This skips still lifes and period-2
 *            oscillators (blinkers) alike. The first two generations after
 *            init() are dense: there is no t-2 to compare with yet.
 *            skip_stable=auto turns tiles on for grids of at least 512x512,
 *            where settled soups make it pay; below that the bookkeeping
 *            costs about what it saves.
 *   tblock+tiles, dense+tiles — what skip_stable=auto means where it
 *            picks tiles: a fresh soup changes everywhere, and there tiles
 *            (no temporal blocking) ran 2.5x slower than tblock at
 *            16384x16384. So step with tblock (dense where the grid fits in
 *            the caches) and every PROBE_EVERY generations probe a few with
 *            tiles; stay with tiles while few tiles need work, go back when
 *            many do (step_adaptive).
 *
 * Dense and blocked B3/S23 on a torus of whole 512-cell vectors keep the
 * rows' words in the lane-strided order (omp_int.h, set_perm), which the
 * AVX-512 kernel steps with fewer lane moves; change tracking keeps word
 * order, so auto converts at its switches.
 *
 * The state owns two full buffers (generation t and the back buffer), a zero
 * row, per-thread scratch, and per mode the band buffers or tile bitmaps.
 * step() never fails once init() succeeded.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corun/life.h"
#include "life/omp_int.h"

typedef struct omp_state {
    omp_geom_t g;
    unsigned born, survive;
    int nt;                  /* threads */
    uint64_t *buf[2];        /* the two generations */
    int cur;                 /* buf[cur] holds the current generation */
    uint64_t *zero;
    uint64_t *scratch;       /* nt * scratch_words */
    int64_t scratch_words;   /* per thread: kernel ring + 3 rows for change tracking */
    const omp_kernels_t *k;
    omp_block_fn fn;         /* the rule's kernel */
    omp_block_fn fn_last;    /* tblock's last level: fn, or the streaming B3/S23 one */
    int mode;                /* MODE_* */
    int perm;                /* buf[cur]'s rows are in the lane-strided order (omp_int.h) */
    int perm_ok;             /* dense and blocked stepping use that order */
    omp_block_fn fnw, fnw_last; /* fn and fn_last in word order */
    omp_block_fn fnp, fnp_last; /* and lane-strided (perm_ok) */
    /* tblock */
    int levels, levels_max;  /* generations per pass: usual, largest */
    int64_t band, band_words; /* rows per band; words per band buffer */
    uint64_t *bandbuf;        /* nt * 2 * band_words */
    /* tiles */
    int64_t tw, th, ntx, nty, nbw; /* tile size (words, rows), counts, bitmap words per row */
    uint64_t tmask;                /* valid bits of a bitmap row's last word */
    uint64_t *chg[2];              /* change maps: what changed between t-2 and t (PL_N planes) */
    uint8_t *rowany[2];            /* per map and tile row: any bit set (settled rows cost nothing) */
    uint64_t *need;                /* per tile: recompute this generation */
    int pc;                        /* chg[pc] describes the current generation */
    int64_t dense_left;            /* generations that must still be dense */
    int adaptive;                  /* auto: mode switches between bulk and tiles */
    int bulk;                      /* auto: MODE_TBLOCK, or MODE_DENSE for in-cache grids */
    int64_t since_probe;           /* tblock generations since the last probe */
    double tiles_enter, tiles_leave; /* TILES_ENTER, TILES_LEAVE or the tuning's */
    uint8_t *force;                /* per tile row: generations it must still be
                                    * recomputed in full (rows written by write_rows) */
    /* step_counted counts rows cy0..cy1-1 (count_rows(); default all). */
    int64_t cy0, cy1;
    /* step_counted: per-thread partial populations, two slots (even and odd
     * generations) of nt entries, 8 apart (a cache line each: no false sharing). */
    int64_t *partial;
    char desc[48];
} omp_state_t;

enum { MODE_DENSE, MODE_TBLOCK, MODE_TILES };

static corun_life_omp_tuning_t tuning;

void corun_life_omp_set_tuning(const corun_life_omp_tuning_t *t) {
    if (t) tuning = *t;
    else memset(&tuning, 0, sizeof tuning);
}

static void *alloc64(size_t words) {
    size_t bytes = (words * sizeof(uint64_t) + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p) memset(p, 0, bytes ? bytes : 64);
    return p;
}

/* Where word j of a row sits in the state's buffers: j, or its place in the
 * lane-strided order (omp_int.h). */
static inline int64_t word_pos(const omp_state_t *s, int64_t j) {
    if (!s->perm) return j;
    const int64_t q = s->g.wpr / 8;
    return 8 * (j % q) + j / q;
}

/* Copies a row from word order into the lane-strided order (to_perm) or
 * back; just copies when perm is 0 (the state keeps word order). */
static void row_copy(const omp_geom_t *g, int perm, int to_perm, const uint64_t *src,
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

/* Puts buf[cur]'s rows in the lane-strided order (on) or in word order, a
 * row at a time through each thread's scratch, and picks the kernels for
 * it. The back buffer is left alone: bulk stepping overwrites all of it,
 * and change tracking recomputes every tile for the two generations after
 * a switch (dense_left), so it never trusts the old contents. */
static void set_perm(omp_state_t *s, int on) {
    const omp_geom_t *g = &s->g;
    if (s->perm != on) {
#pragma omp parallel num_threads(s->nt)
        {
            uint64_t *tmp = s->scratch + omp_get_thread_num() * s->scratch_words;
#pragma omp for schedule(static)
            for (int64_t y = 0; y < g->h; y++) {
                uint64_t *row = s->buf[s->cur] + y * g->stride;
                memcpy(tmp, row, (size_t)g->wpr * 8);
                row_copy(g, 1, on, tmp, row);
            }
        }
    }
    s->perm = on;
    s->fn = on ? s->fnp : s->fnw;
    s->fn_last = on ? s->fnp_last : s->fnw_last;
}

static void omp_fini(void *state) {
    omp_state_t *s = state;
    if (!s) return;
    free(s->buf[0]);
    free(s->buf[1]);
    free(s->zero);
    free(s->scratch);
    free(s->bandbuf);
    free(s->chg[0]);
    free(s->chg[1]);
    free(s->rowany[0]);
    free(s->rowany[1]);
    free(s->need);
    free(s->force);
    free(s->partial);
    free(s);
}

/* ---------------------------------------------------------------- dense */

/* Slot of thread tid's partial population for generation i. A slot is
 * reused two generations later, after two barriers, so the thread summing
 * generation i has read it by then. */
#define PARTIAL(s, i, tid) ((s)->partial[(((i) & 1) * (s)->nt + (tid)) * 8])

static void sum_partials(omp_state_t *s, int64_t i, int nth, int64_t *pops) {
    int64_t sum = 0;
    for (int t = 0; t < nth; t++) sum += PARTIAL(s, i, t);
    pops[i] = sum;
}

static void step_dense(omp_state_t *s, int64_t n, int64_t *pops) {
    const omp_geom_t *g = &s->g;
#pragma omp parallel num_threads(s->nt)
    {
        int tid = omp_get_thread_num(), nth = omp_get_num_threads();
        int64_t y0 = g->h * tid / nth, y1 = g->h * (tid + 1) / nth;
        uint64_t *scr = s->scratch + tid * s->scratch_words;
        for (int64_t i = 0; i < n; i++) {
            int c = s->cur ^ (int)(i & 1);
            omp_src_t src = {s->buf[c], 0, g->torus, NULL};
            if (y0 < y1)
                s->fn(g, src, s->buf[c ^ 1], 0, y0, y1, 0, g->wpr, scr, NULL, s->born,
                      s->survive);
            /* Counted right after writing, while the rows are in cache. */
            if (pops) {
                int64_t a = y0 > s->cy0 ? y0 : s->cy0, b = y1 < s->cy1 ? y1 : s->cy1;
                PARTIAL(s, i, tid) = a < b ? s->k->count(g, s->buf[c ^ 1], 0, a, b) : 0;
            }
            /* Everyone must finish t+1 before anyone reads it for t+2. */
#pragma omp barrier
            if (pops && tid == 0) sum_partials(s, i, nth, pops);
        }
    }
    s->cur ^= (int)(n & 1);
}

/* --------------------------------------------------------------- tblock */

/* Pulls rows y0..y1-1 of the grid (wrapped on a torus) into the cache,
 * writing if `write`, in address order. */
static void prefetch_rows(const omp_geom_t *g, const uint64_t *grid, int64_t y0, int64_t y1,
                          int write) {
    for (int64_t y = y0; y < y1; y++) {
        int64_t yy = y;
        if (yy < 0 || yy >= g->h) {
            if (!g->torus) continue;
            yy = (yy % g->h + g->h) % g->h;
        }
        const char *row = (const char *)(grid + yy * g->stride);
        for (int64_t off = 0; off < g->wpr * 8; off += 64) {
            if (write) __builtin_prefetch(row + off, 1, 2);
            else __builtin_prefetch(row + off, 0, 2);
        }
    }
}

/* One band of a pass: generations t+1..t+L of rows b*band.. from `in`
 * (generation t) to `out`; `next` is the band this thread does after it
 * (-1: none), whose source rows are prefetched while this one computes. */
static void tblock_band(omp_state_t *s, int64_t b, int64_t next, int warm, int L,
                        const uint64_t *in, uint64_t *out, int64_t *pops, int tid) {
    const omp_geom_t *g = &s->g;
    uint64_t *scr = s->scratch + tid * s->scratch_words;
    uint64_t *bb[2] = {s->bandbuf + (2 * tid) * s->band_words,
                       s->bandbuf + (2 * tid + 1) * s->band_words};
    int64_t y0 = b * s->band, y1 = y0 + s->band < g->h ? y0 + s->band : g->h;
    /* Level k holds generation t+k for rows y0-(L-k) .. y1+(L-k)-1; band
     * buffers index rows from y0-L. Unwrapped row numbers: only level 0 (the
     * grid) wraps on a torus. */
    int64_t origin = y0 - L;
    /* The kernels walk rows in narrow column strips, a pattern the hardware
     * prefetcher does not follow across rows, so without help the first
     * level waits on memory. A thread's first band pulls its source rows in
     * up front; while it computes, the next band's follow, a line per row
     * computed (omp_prefetch_t; the halo rows a torus wraps around are left
     * out: a few rows at the grid's ends). */
    if (warm) prefetch_rows(g, in, y0 - L, y1 + L, 0);
    omp_prefetch_t pf = {NULL, NULL};
    if (next >= 0) {
        int64_t n0 = next * s->band - L, n1 = (next + 1) * s->band + L;
        n0 = n0 < 0 ? 0 : n0;
        n1 = n1 > g->h ? g->h : n1;
        pf.cur = (const char *)(in + n0 * g->stride);
        pf.end = (const char *)(in + n1 * g->stride);
    }
    /* The last level streams its rows to memory where the kernels can
     * (nothing reads them before the next pass); otherwise a store to a
     * line not in the cache first reads it, so pull those in too. */
    if (s->fn_last == s->fn) prefetch_rows(g, out, y0, y1, 1);
    omp_src_t src = {in, 0, g->torus, &pf};
    for (int k = 1; k <= L; k++) {
        int64_t lo = y0 - (L - k), hi = y1 + (L - k);
        if (!g->torus) { /* rows outside a dead grid stay dead: not computed */
            lo = lo < 0 ? 0 : lo;
            hi = hi > g->h ? g->h : hi;
        }
        uint64_t *dst = k == L ? out : bb[k & 1];
        int64_t dorg = k == L ? 0 : origin;
        (k == L ? s->fn_last : s->fn)(g, src, dst, dorg, lo, hi, 0, g->wpr, scr, NULL, s->born,
                                      s->survive);
        if (pops) { /* the band's own (counted) rows of generation t+k */
            int64_t a = y0 > s->cy0 ? y0 : s->cy0, e = y1 < s->cy1 ? y1 : s->cy1;
            int64_t c = a < e ? s->k->count(g, dst, dorg, a, e) : 0;
#pragma omp atomic
            pops[k - 1] += c;
        }
        src = (omp_src_t){dst, dorg, 0, &pf};
    }
}

static void step_tblock(omp_state_t *s, int64_t n, int64_t *pops) {
    const omp_geom_t *g = &s->g;
    const int64_t nb = (g->h + s->band - 1) / s->band;
    if (pops) memset(pops, 0, (size_t)n * sizeof *pops);
    while (n > 0) {
        /* Passes of `levels` generations, but a call of, say, 20 generations
         * (snapshots every 20) is better done as 10 + 10 than 8 + 8 + 4:
         * each pass costs a sweep over memory, so drop a pass when the rest
         * fit in passes of at most levels_max. */
        int64_t passes = (n + s->levels - 1) / s->levels;
        if (passes > 1 && n <= (int64_t)s->levels_max * (passes - 1)) passes--;
        const int L = (int)((n + passes - 1) / passes);
        const uint64_t *in = s->buf[s->cur];
        uint64_t *out = s->buf[s->cur ^ 1];
        int64_t claimed = 0;
        /* Bands are handed out one at a time, as with dynamic scheduling (a
         * VM's cores are not always equally fast), but a thread claims its
         * next band before it computes the current one, so it knows what to
         * prefetch. */
#pragma omp parallel num_threads(s->nt)
        {
            int tid = omp_get_thread_num();
            int64_t b, next;
#pragma omp atomic capture
            b = claimed++;
            for (int warm = 1; b < nb; warm = 0, b = next) {
#pragma omp atomic capture
                next = claimed++;
                tblock_band(s, b, next < nb ? next : -1, warm, L, in, out, pops, tid);
            }
        }
        s->cur ^= 1;
        n -= L;
        if (pops) pops += L;
    }
}

/* ---------------------------------------------------------------- tiles */

static int64_t next_bit(const uint64_t *row, int64_t nbits, int64_t from, int want) {
    while (from < nbits) {
        uint64_t w = row[from >> 6];
        if (!want) w = ~w;
        w >>= (from & 63);
        if (w) {
            int64_t r = from + __builtin_ctzll(w);
            return r < nbits ? r : nbits;
        }
        from = (from | 63) + 1;
    }
    return nbits;
}

/* Change maps. A tile's next generation depends on its own cells and the
 * ring of cells around it, so besides "the tile changed" (PL_ANY) each map
 * records which of the tile's edges changed: its top and bottom row, its
 * west and east column. A tile is recomputed if it changed or if a
 * neighbour's edge facing it did: the tile below's top row, the tile west's
 * east column, and for the diagonal neighbours the corner cell, taken as
 * "both edges that meet there changed" (a superset). A glider in the middle
 * of a tile then costs that tile, not its whole 3x3 neighbourhood. Each
 * plane is nty bitmap rows of nbw words, bit tx of row ty = tile (tx, ty). */
enum { PL_ANY, PL_TOP, PL_BOT, PL_WEST, PL_EAST, PL_N };
#define PLANE(s, m, k, ty) ((m) + ((k) * (s)->nty + (ty)) * (s)->nbw)

/* Tile row ty + d (at most one row past either end), wrapped on a torus;
 * -1 past a dead edge. */
static int64_t tile_row_at(const omp_state_t *s, int64_t ty, int d) {
    int64_t t = ty + d;
    if (t >= 0 && t < s->nty) return t;
    return s->g.torus ? (t + s->nty) % s->nty : -1;
}

/* Word q of the tiles in row ty (and the rows above and below) whose
 * `side` column (PL_WEST or PL_EAST) changed at a cell their neighbour in
 * row ty sees: their own row's whole column, the upper row's bottom corner,
 * the lower row's top corner. */
static inline __attribute__((always_inline)) uint64_t
side_word(const omp_state_t *s, const uint64_t *m, int side, int64_t up, int64_t ty, int64_t dn,
          int64_t q) {
    uint64_t v = PLANE(s, m, side, ty)[q];
    if (up >= 0) v |= PLANE(s, m, PL_BOT, up)[q] & PLANE(s, m, side, up)[q];
    if (dn >= 0) v |= PLANE(s, m, PL_TOP, dn)[q] & PLANE(s, m, side, dn)[q];
    return v;
}

/* The tiles of row ty to recompute, from the change maps of the current
 * generation. */
static void need_row(const omp_state_t *s, const uint64_t *m, int64_t ty, uint64_t *out) {
    const int64_t nbw = s->nbw;
    const int torus = s->g.torus;
    const unsigned top = (unsigned)(s->ntx - 64 * (nbw - 1)) - 1; /* last tile's bit */
    const int64_t up = tile_row_at(s, ty, -1), dn = tile_row_at(s, ty, 1);
    for (int64_t q = 0; q < nbw; q++) {
        uint64_t v = PLANE(s, m, PL_ANY, ty)[q];
        if (up >= 0) v |= PLANE(s, m, PL_BOT, up)[q];
        if (dn >= 0) v |= PLANE(s, m, PL_TOP, dn)[q];
        /* East columns that changed make the tile east of them (bit + 1)
         * recompute; west columns the tile west of them (bit - 1). The bit
         * past either end wraps on a torus. */
        uint64_t e = side_word(s, m, PL_EAST, up, ty, dn, q) << 1;
        if (q > 0) e |= side_word(s, m, PL_EAST, up, ty, dn, q - 1) >> 63;
        else if (torus) e |= (side_word(s, m, PL_EAST, up, ty, dn, nbw - 1) >> top) & 1u;
        uint64_t w = side_word(s, m, PL_WEST, up, ty, dn, q) >> 1;
        if (q < nbw - 1) w |= side_word(s, m, PL_WEST, up, ty, dn, q + 1) << 63;
        else if (torus) w |= (side_word(s, m, PL_WEST, up, ty, dn, 0) & 1u) << top;
        out[q] = (v | e | w) & (q == nbw - 1 ? s->tmask : ~0ull);
    }
}

/* Marks tile (tx, ty) in the maps m from what recomputing it changed: diff
 * (the OR over its rows of new ^ old per word, indexed from word j0), and
 * its top and bottom row's new ^ old (rows tdiff and bdiff, same indexing).
 * Returns whether it changed. */
static int mark_tile(const omp_state_t *s, uint64_t *m, int64_t tx, int64_t ty, int64_t j0,
                      int64_t j1, const uint64_t *diff, const uint64_t *tdiff,
                      const uint64_t *bdiff) {
    const int64_t a = tx * s->tw, e = (tx + 1) * s->tw < j1 ? (tx + 1) * s->tw : j1;
    uint64_t any = 0, t = 0, b = 0;
    for (int64_t j = a; j < e; j++) {
        any |= diff[j - j0];
        t |= tdiff[j - j0];
        b |= bdiff[j - j0];
    }
    if (!any) return 0;
    /* The east column is the tile's last cell: bit 63 of its last word, or
     * of the row's last word the last valid bit. */
    const unsigned ebit = e == s->g.wpr ? s->g.lastbits - 1 : 63;
    const uint64_t bit = 1ull << (tx & 63);
    const int64_t q = tx >> 6;
    PLANE(s, m, PL_ANY, ty)[q] |= bit;
    if (t) PLANE(s, m, PL_TOP, ty)[q] |= bit;
    if (b) PLANE(s, m, PL_BOT, ty)[q] |= bit;
    if (diff[a - j0] & 1u) PLANE(s, m, PL_WEST, ty)[q] |= bit;
    if ((diff[e - 1 - j0] >> ebit) & 1u) PLANE(s, m, PL_EAST, ty)[q] |= bit;
    return 1;
}

/* One generation of change tracking, as every thread sees it. */
typedef struct tiles_gen {
    const uint64_t *chg_cur; /* maps of generation t (read only) */
    uint64_t *chg_next;      /* maps of t+1, written by the tile rows' owners */
    const uint8_t *any_cur;
    uint8_t *any_next;
    const uint64_t *in; /* generation t */
    uint64_t *out;      /* generation t+1 (held t-1) */
    int64_t left;       /* dense generations left, counting this one */
    int64_t i;          /* generation index within this call */
} tiles_gen_t;

/* Words n of p set to v: maps and need rows are usually one word long,
 * where a loop the compiler turns into a memset call costs more than it does. */
static inline void set_words(uint64_t *p, int64_t n, uint64_t v, uint64_t last) {
    for (int64_t q = 0; q < n - 1; q++) p[q] = v;
    p[n - 1] = last;
}

/* Tile row ty of generation t.i: its need row, the recomputed runs of
 * tiles, and its rows of the maps of t+1. scr: the thread's scratch. */
static void tiles_row(omp_state_t *s, const tiles_gen_t *t, int64_t ty, uint64_t *scr) {
    const omp_geom_t *g = &s->g;
    const int64_t nbw = s->nbw;
    /* After the kernel's ring: the diff row and the old top and bottom rows. */
    uint64_t *diff = scr + omp_scratch_words(g);
    uint64_t *told = diff + g->stride, *bold = told + g->stride;
    uint64_t *nr = s->need + ty * nbw;
    if (t->any_next[ty]) { /* clear what generation t-1 left in this map */
        for (int k = 0; k < PL_N; k++) set_words(PLANE(s, t->chg_next, k, ty), nbw, 0, 0);
        t->any_next[ty] = 0;
    }
    if (t->left > 0 || s->force[ty] > t->i) {
        set_words(nr, nbw, ~0ull, s->tmask);
    } else {
        const int64_t up = tile_row_at(s, ty, -1), dn = tile_row_at(s, ty, 1);
        if (!t->any_cur[ty] && (up < 0 || !t->any_cur[up]) && (dn < 0 || !t->any_cur[dn])) {
            set_words(nr, nbw, 0, 0);
            return;
        }
        need_row(s, t->chg_cur, ty, nr);
    }
    int64_t y0 = ty * s->th, y1 = y0 + s->th < g->h ? y0 + s->th : g->h;
    uint64_t *top = t->out + y0 * g->stride, *bot = t->out + (y1 - 1) * g->stride;
    omp_src_t src = {t->in, 0, g->torus, NULL};
    for (int64_t a = next_bit(nr, s->ntx, 0, 1); a < s->ntx;) {
        int64_t b = next_bit(nr, s->ntx, a, 0);
        int64_t j0 = a * s->tw, j1 = b * s->tw < g->wpr ? b * s->tw : g->wpr;
        for (int64_t j = j0; j < j1; j++) {
            diff[j - j0] = 0;
            told[j - j0] = top[j];
            bold[j - j0] = bot[j];
        }
        s->fn(g, src, t->out, 0, y0, y1, j0, j1, scr, diff, s->born, s->survive);
        for (int64_t j = j0; j < j1; j++) {
            told[j - j0] ^= top[j];
            bold[j - j0] ^= bot[j];
        }
        for (int64_t tx = a; tx < b; tx++)
            t->any_next[ty] |= mark_tile(s, t->chg_next, tx, ty, j0, j1, diff, told, bold);
        a = b < s->ntx ? next_bit(nr, s->ntx, b, 1) : s->ntx;
    }
    /* Generation 1 has no generation -1 to compare with. */
    if (t->left == 2) {
        t->any_next[ty] = 1;
        for (int k = 0; k < PL_N; k++) set_words(PLANE(s, t->chg_next, k, ty), nbw, ~0ull, s->tmask);
    }
}

static void step_tiles(omp_state_t *s, int64_t n, int64_t *pops) {
    const omp_geom_t *g = &s->g;
    const int64_t nty = s->nty;
    /* Tile rows are handed out 4 at a time from a counter per generation
     * parity, which costs less than an OpenMP dynamic loop: a settled grid's
     * generation is mostly this hand-out and one barrier. The counter of
     * generation i+1 is reset during i, after everyone has left i-1. */
    int64_t claim[2] = {0, 0};
#pragma omp parallel num_threads(s->nt)
    {
        int tid = omp_get_thread_num();
        uint64_t *scr = s->scratch + tid * s->scratch_words;
        for (int64_t i = 0; i < n; i++) {
            int c = s->cur ^ (int)(i & 1), pc = s->pc ^ (int)(i & 1);
            /* need_row reads only the maps of t, which nobody writes during
             * this generation, so each tile row's need is made where it is
             * used. */
            tiles_gen_t t = {s->chg[pc], s->chg[pc ^ 1], s->rowany[pc], s->rowany[pc ^ 1],
                             s->buf[c], s->buf[c ^ 1], s->dense_left - i, i};
            if (tid == 0) {
#pragma omp atomic write
                claim[(i + 1) & 1] = 0;
            }
            for (;;) {
                int64_t ty0;
#pragma omp atomic capture
                {
                    ty0 = claim[i & 1];
                    claim[i & 1] += 4;
                }
                if (ty0 >= nty) break;
                for (int64_t ty = ty0; ty < ty0 + 4 && ty < nty; ty++) tiles_row(s, &t, ty, scr);
            }
#pragma omp barrier
            if (pops) {
                /* A full count: skipped tiles still hold live cells. (An
                 * incremental count from the recomputed tiles would be
                 * cheaper on a settled grid.) */
                int64_t cnt = 0;
#pragma omp for schedule(static)
                for (int64_t ty = 0; ty < nty; ty++) {
                    int64_t y0 = ty * s->th, y1 = y0 + s->th < g->h ? y0 + s->th : g->h;
                    if (y0 < s->cy0) y0 = s->cy0;
                    if (y1 > s->cy1) y1 = s->cy1;
                    if (y0 < y1) cnt += s->k->count(g, t.out, 0, y0, y1);
                }
                PARTIAL(s, i, tid) = cnt;
#pragma omp barrier
#pragma omp single nowait
                sum_partials(s, i, omp_get_num_threads(), pops);
            }
        }
    }
    s->cur ^= (int)(n & 1);
    s->pc ^= (int)(n & 1);
    s->dense_left = s->dense_left > n ? s->dense_left - n : 0;
    for (int64_t ty = 0; ty < nty; ty++)
        s->force[ty] = s->force[ty] > n ? (uint8_t)(s->force[ty] - n) : 0;
}

/* tblock+tiles (step_adaptive). A probe is 2 generations that rebuild the
 * change maps (all tiles) and 2 measured ones: at 2.5x tblock's cost per
 * generation, a probe every 256 generations costs ~2 % while all is active.
 * Where tiles pay depends on how scattered the needed tiles are: a lone
 * tile costs several times its share of a dense pass (its rows' cache
 * lines are fetched for 2 words each). The thresholds are the best of
 * 0.04-0.30 (with 2x for leaving) measured in interleaved pairs on 2048x2048
 * (1 and 2 threads) and 4096x4096 (2 threads) soups: 0.10/0.20 ran
 * 1.10x, 1.32x and 1.28x the 0.30/0.50 chosen when every tile next to a
 * changed one was recomputed. */
#define PROBE_EVERY 256
#define PROBE_GENS 4
#define TILES_ENTER 0.10 /* after a probe: stay with tiles at or below this */
#define TILES_LEAVE 0.20 /* with tiles: back to bulk stepping above this */

/* Fraction of tiles the last generation recomputed. */
static double need_fraction(const omp_state_t *s) {
    int64_t n = 0;
    for (int64_t i = 0; i < s->nty * s->nbw; i++) n += __builtin_popcountll(s->need[i]);
    return (double)n / (double)(s->ntx * s->nty);
}

static void step_adaptive(omp_state_t *s, int64_t n, int64_t *pops) {
    while (n > 0) {
        int64_t k = n;
        if (s->mode != MODE_TILES && s->since_probe < PROBE_EVERY) {
            if (k > PROBE_EVERY - s->since_probe) k = PROBE_EVERY - s->since_probe;
            set_perm(s, s->perm_ok);
            if (s->mode == MODE_TBLOCK) step_tblock(s, k, pops);
            else step_dense(s, k, pops);
            s->since_probe += k;
        } else if (s->mode != MODE_TILES) { /* probe */
            s->mode = MODE_TILES;
            s->dense_left = 2; /* as after init(): no valid change maps yet */
            set_perm(s, 0);
            if (k > PROBE_GENS) k = PROBE_GENS;
            step_tiles(s, k, pops);
            s->since_probe = 0;
            /* (k < 3: still rebuilding; the next call measures) */
            if (s->dense_left == 0 && need_fraction(s) > s->tiles_enter) s->mode = s->bulk;
        } else {
            step_tiles(s, k, pops);
            if (s->dense_left == 0 && need_fraction(s) > s->tiles_leave) {
                s->mode = s->bulk;
                s->since_probe = 0;
            }
        }
        if (pops) pops += k;
        n -= k;
    }
}

/* ------------------------------------------------------------- interface */

static int omp_init(void **state, const corun_life_cells_t *initial, const corun_life_params_t *p,
                    corun_err_t *err) {
    *state = NULL;
    if (!initial || initial->width < 1 || initial->height < 1 || !initial->cells)
        return corun_err_set(err, CORUN_EINVAL, "omp backend: empty initial grid");
    omp_state_t *s = calloc(1, sizeof *s);
    if (!s) return corun_err_set(err, CORUN_ENOMEM, "omp backend: out of memory");
    omp_geom_t *g = &s->g;
    g->w = initial->width;
    g->h = initial->height;
    g->wpr = (g->w + 63) / 64;
    g->stride = ((g->wpr + 7) & ~(int64_t)7) + 8;
    g->torus = p->boundary == CORUN_LIFE_TORUS;
    g->lastbits = (unsigned)(g->w - 64 * (g->wpr - 1));
    g->lastmask = g->lastbits == 64 ? ~0ull : (1ull << g->lastbits) - 1;
    s->born = p->rule.born & 0x1ffu;
    s->survive = p->rule.survive & 0x1ffu;
    s->nt = p->threads > 0 ? p->threads : omp_get_max_threads();
    s->cy0 = 0;
    s->cy1 = g->h;
    /* Tiny grids get fewer threads: a thread with a few hundred words spends
     * its time at the per-generation barrier, and on a busy machine a
     * spinning partner can cost milliseconds per barrier. */
    int64_t wpt = tuning.words_per_thread > 0 ? tuning.words_per_thread : 2048;
    int64_t cap = g->h * g->wpr / wpt;
    if (cap < s->nt) s->nt = cap > 1 ? (int)cap : 1;

    const char *want = getenv("CORUN_OMP_SIMD");
    if (!want || !*want) want = tuning.simd;
    s->k = corun_life_omp_kernels(want);
    const int conway = s->born == (1u << 3) && s->survive == (3u << 2);
    s->fn = conway ? s->k->conway : s->k->generic;
    s->fn_last = s->fn;

    size_t gw = (size_t)(g->h * g->stride);
    s->buf[0] = alloc64(gw);
    s->buf[1] = alloc64(gw);
    s->zero = alloc64((size_t)g->stride);
    g->zero = s->zero;
    s->scratch_words = (omp_scratch_words(g) + 3 * g->stride + 7) & ~(int64_t)7;
    s->scratch = alloc64((size_t)(s->scratch_words * s->nt));
    s->partial = alloc64((size_t)(2 * s->nt * 8));
    if (!s->buf[0] || !s->buf[1] || !s->zero || !s->scratch || !s->partial) goto nomem;

    /* Dense and blocked B3/S23 on a torus of whole vectors keep rows in the
     * lane-strided order (omp_int.h); change tracking, whose tiles are
     * ranges of words, in word order: skip_stable=auto switches (set_perm),
     * starting with bulk stepping. */
    const int skip = p->skip_stable == CORUN_LIFE_SKIP_ON ||
                     (p->skip_stable == CORUN_LIFE_SKIP_AUTO && g->w >= 512 && g->h >= 512);
    const int adaptive = p->skip_stable == CORUN_LIFE_SKIP_AUTO && skip && !tuning.tblock_off;
    s->perm_ok = conway && (!skip || adaptive) && g->torus && g->w % 512 == 0 &&
                 s->k->conway_perm && !tuning.perm_off;
    s->perm = s->perm_ok;

    /* Pack: bit i of word j of row y = cell (64j + i, y). Branch-free and
     * over all threads: a test per cell made this serial loop take longer
     * than 100 generations of a 16384x16384 grid. */
#pragma omp parallel for num_threads(s->nt) schedule(static)
    for (int64_t y = 0; y < g->h; y++) {
        const uint8_t *src = initial->cells + y * g->w;
        uint64_t *row = s->buf[0] + y * g->stride;
        for (int64_t j = 0; j < g->wpr; j++) {
            int64_t n = g->w - 64 * j < 64 ? g->w - 64 * j : 64;
            uint64_t word = 0;
            for (int64_t i = 0; i < n; i++) word |= (uint64_t)(src[64 * j + i] != 0) << i;
            row[word_pos(s, j)] = word;
        }
    }

    /* Temporal blocking once the two generations outgrow the L2 caches of
     * the cores stepping them, one per thread (a dense pass then streams
     * from L3 or memory: 4096x4096 on one thread ran at a third of the in-L2
     * rate). While they fit, dense stepping with a barrier per generation
     * wins, also on several threads: 2 threads, interleaved, 2048x2048 ran
     * 259-268 G/s dense against 214-252 blocked, 3072x3072 180-244 against
     * 159-189, and 4096x4096 (4.7 MB, more than two 2 MiB L2s) 112-128
     * against 188-203. */
    long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    int64_t tb_bytes = tuning.tblock_bytes > 0 ? tuning.tblock_bytes
                       : l2 > 0                ? (int64_t)l2
                                               : (int64_t)1 << 20;
    const int tblock_ok = !tuning.tblock_off && 2 * g->h * g->stride * 8 > tb_bytes * s->nt;
    /* Streaming stores only where the grid does not stay in the caches
     * anyway: skip_stable=auto blocks in-cache grids too, and there the
     * next pass would have to read the streamed rows back from memory
     * (2048x2048, 1 thread, auto: -11 % in interleaved pairs). */
    if (tblock_ok && conway && s->k->conway_stream) s->fn_last = s->k->conway_stream;
    s->fnw = s->fn;
    s->fnw_last = s->fn_last;
    s->fnp = s->k->conway_perm;
    s->fnp_last = tblock_ok && s->k->conway_perm_stream ? s->k->conway_perm_stream : s->fnp;
    set_perm(s, s->perm); /* (the rows were packed in that order) */
    if (skip) {
        s->mode = MODE_TILES;
        s->tw = tuning.tile_words > 0 ? tuning.tile_words : 2;
        s->th = tuning.tile_rows > 0 ? tuning.tile_rows : 32;
        s->ntx = (g->wpr + s->tw - 1) / s->tw;
        s->nty = (g->h + s->th - 1) / s->th;
        s->nbw = (s->ntx + 63) / 64;
        unsigned tb = (unsigned)(s->ntx - 64 * (s->nbw - 1));
        s->tmask = tb == 64 ? ~0ull : (1ull << tb) - 1;
        s->chg[0] = alloc64((size_t)(PL_N * s->nty * s->nbw));
        s->chg[1] = alloc64((size_t)(PL_N * s->nty * s->nbw));
        s->rowany[0] = calloc((size_t)s->nty, 1);
        s->rowany[1] = calloc((size_t)s->nty, 1);
        s->need = alloc64((size_t)(s->nty * s->nbw));
        s->force = calloc((size_t)s->nty, 1);
        if (!s->chg[0] || !s->chg[1] || !s->rowany[0] || !s->rowany[1] || !s->need || !s->force)
            goto nomem;
        s->dense_left = 2;
        /* auto: start blocked, or dense on grids that fit in the caches
         * (step_adaptive): either beats tiles while a soup is young
         * (2048x2048, 1 thread, 20,000 generations: best of 6 runs 292 G/s
         * with tiles throughout, 315 G/s blocked first). Dense rather than
         * blocked on in-cache grids, interleaved pairs: 1.03x on 1 thread,
         * 1.18x on 2 (2048x2048, 20,000 generations). */
        s->adaptive = adaptive;
        s->bulk = tblock_ok ? MODE_TBLOCK : MODE_DENSE;
        s->tiles_enter = tuning.tiles_enter > 0 ? tuning.tiles_enter : TILES_ENTER;
        s->tiles_leave = tuning.tiles_leave > 0 ? tuning.tiles_leave : TILES_LEAVE;
    }
    if (s->adaptive && !tblock_ok) {
        s->mode = MODE_DENSE;
    } else if (s->adaptive || (!skip && tblock_ok)) {
        s->mode = MODE_TBLOCK;
        s->levels = tuning.levels > 0 ? tuning.levels : 8;
        s->levels_max = s->levels + s->levels / 2;
        int64_t band = tuning.band_rows > 0 ? tuning.band_rows
                                            : (256 << 10) / (g->stride * 8);
        if (s->nt > 1 && band > (g->h + s->nt - 1) / s->nt) band = (g->h + s->nt - 1) / s->nt;
        if (band < 4 * s->levels) band = 4 * s->levels;
        s->band = band < g->h ? band : g->h;
        s->band_words = (s->band + 2 * s->levels_max) * g->stride;
        s->bandbuf = alloc64((size_t)(2 * s->nt * s->band_words));
        if (!s->bandbuf) goto nomem;
    } else if (!skip) {
        s->mode = MODE_DENSE;
    }
    static const char *names[] = {"dense", "tblock", "tiles"};
    const char *mode = !s->adaptive            ? names[s->mode]
                       : s->bulk == MODE_TBLOCK ? "tblock+tiles"
                                                : "dense+tiles";
    snprintf(s->desc, sizeof s->desc, "%s-%s%s", mode, s->k->simd, s->perm_ok ? "-strided" : "");
    *state = s;
    return 0;
nomem:
    omp_fini(s);
    return corun_err_set(err, CORUN_ENOMEM,
                         "omp backend: out of memory for a %lldx%lld grid (try fewer threads "
                         "or a smaller grid)",
                         (long long)initial->width, (long long)initial->height);
}

static int omp_step_counted(void *state, int64_t generations, int64_t *pops,
                            corun_err_t *err) {
    omp_state_t *s = state;
    if (generations < 0)
        return corun_err_set(err, CORUN_EINVAL, "omp backend: negative generation count");
    if (generations == 0) return 0;
    if (s->adaptive) {
        step_adaptive(s, generations, pops);
        return 0;
    }
    switch (s->mode) {
    case MODE_TILES: step_tiles(s, generations, pops); break;
    case MODE_TBLOCK: step_tblock(s, generations, pops); break;
    default: step_dense(s, generations, pops); break;
    }
    return 0;
}

static int omp_step(void *state, int64_t generations, corun_err_t *err) {
    return omp_step_counted(state, generations, NULL, err);
}

static int omp_read_packed(void *state, uint64_t *words, corun_err_t *err) {
    (void)err;
    omp_state_t *s = state;
    const omp_geom_t *g = &s->g;
#pragma omp parallel for num_threads(s->nt) schedule(static)
    for (int64_t y = 0; y < g->h; y++)
        row_copy(g, s->perm, 0, s->buf[s->cur] + y * g->stride, words + y * g->wpr);
    return 0;
}

static int rows_check(const omp_state_t *s, int64_t y0, int64_t n, corun_err_t *err) {
    return corun_life_rows_check("omp backend", s->g.h, y0, n, err);
}

static int omp_read_rows(void *state, int64_t y0, int64_t n, uint64_t *words, corun_err_t *err) {
    omp_state_t *s = state;
    int rc = rows_check(s, y0, n, err);
    if (rc) return rc;
    for (int64_t y = 0; y < n; y++)
        row_copy(&s->g, s->perm, 0, s->buf[s->cur] + (y0 + y) * s->g.stride, words + y * s->g.wpr);
    return 0;
}

static int omp_count_rows(void *state, int64_t y0, int64_t y1, corun_err_t *err) {
    omp_state_t *s = state;
    int rc = rows_check(s, y0, y1 - y0, err);
    if (rc) return rc;
    s->cy0 = y0;
    s->cy1 = y1;
    return 0;
}

/* Change tracking assumes the front buffer is the rule applied to the back
 * one; rows written from outside break that for the tiles they touch and
 * their neighbours, so those tile rows are recomputed for the next two
 * generations (one to rebuild the front, one the back), after which the
 * assumption holds again. */
static int omp_write_rows(void *state, int64_t y0, int64_t n, const uint64_t *words,
                          corun_err_t *err) {
    omp_state_t *s = state;
    int rc = rows_check(s, y0, n, err);
    if (rc || n == 0) return rc;
    for (int64_t y = 0; y < n; y++)
        row_copy(&s->g, s->perm, 1, words + y * s->g.wpr, s->buf[s->cur] + (y0 + y) * s->g.stride);
    if (s->mode == MODE_TILES) {
        for (int64_t t = y0 / s->th - 1; t <= (y0 + n - 1) / s->th + 1; t++) {
            int64_t ty = tile_row_at(s, t, 0);
            if (ty < 0) continue;
            s->force[ty] = 2;
        }
    }
    return 0;
}

static int omp_read(void *state, corun_life_cells_t *out, corun_err_t *err) {
    omp_state_t *s = state;
    const omp_geom_t *g = &s->g;
    if (out->width != g->w || out->height != g->h)
        return corun_err_set(err, CORUN_EINVAL, "omp backend: read into a grid of another size");
#pragma omp parallel for num_threads(s->nt) schedule(static)
    for (int64_t y = 0; y < g->h; y++) {
        const uint64_t *row = s->buf[s->cur] + y * g->stride;
        uint8_t *dst = out->cells + y * g->w;
        for (int64_t j = 0; j < g->wpr; j++) {
            const uint64_t word = row[word_pos(s, j)];
            const int64_t n = g->w - 64 * j < 64 ? g->w - 64 * j : 64;
            for (int64_t i = 0; i < n; i++) dst[64 * j + i] = (uint8_t)((word >> i) & 1u);
        }
    }
    return 0;
}

static const char *omp_describe(void *state) {
    return state ? ((omp_state_t *)state)->desc : "omp";
}

const corun_life_backend_t corun_life_backend_omp = {
    .name = "omp",
    .init = omp_init,
    .step = omp_step,
    .read = omp_read,
    .fini = omp_fini,
    .describe = omp_describe,
    .step_counted = omp_step_counted,
    .read_packed = omp_read_packed,
    .read_rows = omp_read_rows,
    .write_rows = omp_write_rows,
    .count_rows = omp_count_rows,
};
