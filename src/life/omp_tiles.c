/* omp_tiles.c — the omp backend's change tracking (skip_stable): the grid is
 * cut into tiles; a tile is recomputed only if it, or the edge of a
 * neighbour facing it, changed between generations t-2 and t (the change
 * maps, below). Why t-2: we double-buffer, so when stepping t -> t+1 the
 * back buffer holds t-1; if the neighbourhood at t equals t-2, then t+1
 * equals t-1, which the back buffer already holds, so doing nothing is
 * exact. This skips still lifes and period-2 oscillators (blinkers) alike.
 * The first two generations after omp_open() are dense: there is no t-2 to
 * compare with yet.
 *
 * Also skip_stable=auto (omp_step_adaptive): a fresh soup changes
 * everywhere, and there tiles (no temporal blocking) ran 2.5x slower than
 * tblock at 16384x16384. So step with tblock (dense where the grid fits in
 * the caches) and every PROBE_EVERY generations probe a few with tiles;
 * stay with tiles while few tiles need work, go back when many do. Tiles
 * keep rows in word order, so the switches convert lane-strided rows
 * (omp_set_perm).
 */
#include <omp.h>
#include <stdlib.h>

#include "life/omp_state.h"

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
#define PLANE(s, m, k, ty) ((m) + ((k) * (s)->tl.nty + (ty)) * (s)->tl.nbw)

/* Tile row ty + d (at most one row past either end), wrapped on a torus;
 * -1 past a dead edge. */
static int64_t tile_row_at(const omp_state_t *s, int64_t ty, int d) {
    int64_t t = ty + d;
    if (t >= 0 && t < s->tl.nty) return t;
    return s->g.torus ? (t + s->tl.nty) % s->tl.nty : -1;
}

static void *zalloc64(size_t words) {
    size_t bytes = (words * sizeof(uint64_t) + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p) memset(p, 0, bytes ? bytes : 64);
    return p;
}

int omp_tiles_alloc(omp_state_t *s) {
    omp_tiles_t *t = &s->tl;
    t->tw = s->plan.tile_words;
    t->th = s->plan.tile_rows;
    t->ntx = (s->g.wpr + t->tw - 1) / t->tw;
    t->nty = (s->g.h + t->th - 1) / t->th;
    t->nbw = (t->ntx + 63) / 64;
    unsigned tb = (unsigned)(t->ntx - 64 * (t->nbw - 1));
    t->tmask = tb == 64 ? ~0ull : (1ull << tb) - 1;
    t->chg[0] = zalloc64((size_t)(PL_N * t->nty * t->nbw));
    t->chg[1] = zalloc64((size_t)(PL_N * t->nty * t->nbw));
    t->rowany[0] = calloc((size_t)t->nty, 1);
    t->rowany[1] = calloc((size_t)t->nty, 1);
    t->need = zalloc64((size_t)(t->nty * t->nbw));
    t->force = calloc((size_t)t->nty, 1);
    t->rowpop[0] = calloc((size_t)t->nty, sizeof(int64_t));
    t->rowpop[1] = calloc((size_t)t->nty, sizeof(int64_t));
    t->dense_left = 2;
    if (!t->chg[0] || !t->chg[1] || !t->rowany[0] || !t->rowany[1] || !t->need || !t->force ||
        !t->rowpop[0] || !t->rowpop[1])
        return CORUN_ENOMEM;
    return 0;
}

void omp_tiles_free(omp_state_t *s) {
    omp_tiles_t *t = &s->tl;
    free(t->chg[0]);
    free(t->chg[1]);
    free(t->rowany[0]);
    free(t->rowany[1]);
    free(t->need);
    free(t->force);
    free(t->rowpop[0]);
    free(t->rowpop[1]);
    memset(t, 0, sizeof *t);
}

/* Change tracking assumes the front buffer is the rule applied to the back
 * one; rows written from outside break that for the tiles they touch and
 * their neighbours, so those tile rows are recomputed for the next two
 * generations (one to rebuild the front, one the back), after which the
 * assumption holds again. */
void omp_tiles_force_rows(omp_state_t *s, int64_t y0, int64_t n) {
    s->tl.rowpop_ok = 0;
    if (s->mode != OMP_MODE_TILES || n <= 0) return;
    for (int64_t t = y0 / s->tl.th - 1; t <= (y0 + n - 1) / s->tl.th + 1; t++) {
        int64_t ty = tile_row_at(s, t, 0);
        if (ty < 0) continue;
        s->tl.force[ty] = 2;
    }
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
    const int64_t nbw = s->tl.nbw;
    const int torus = s->g.torus;
    const unsigned top = (unsigned)(s->tl.ntx - 64 * (nbw - 1)) - 1; /* last tile's bit */
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
        out[q] = (v | e | w) & (q == nbw - 1 ? s->tl.tmask : ~0ull);
    }
}

/* Marks tile (tx, ty) in the maps m from what recomputing it changed: diff
 * (the OR over its rows of new ^ old per word, indexed from word j0), and
 * its top and bottom row's new ^ old (rows tdiff and bdiff, same indexing).
 * Returns whether it changed. */
static int mark_tile(const omp_state_t *s, uint64_t *m, int64_t tx, int64_t ty, int64_t j0,
                      int64_t j1, const uint64_t *diff, const uint64_t *tdiff,
                      const uint64_t *bdiff) {
    const int64_t a = tx * s->tl.tw, e = (tx + 1) * s->tl.tw < j1 ? (tx + 1) * s->tl.tw : j1;
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
    int64_t *rowpop;    /* counted: tile row populations of out (omp_tiles_t) */
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
    const int64_t nbw = s->tl.nbw;
    /* After the kernel's ring: the diff row and the old top and bottom rows. */
    uint64_t *diff = scr + omp_scratch_words(g);
    uint64_t *told = diff + g->stride, *bold = told + g->stride;
    uint64_t *nr = s->tl.need + ty * nbw;
    if (t->any_next[ty]) { /* clear what generation t-1 left in this map */
        for (int k = 0; k < PL_N; k++) set_words(PLANE(s, t->chg_next, k, ty), nbw, 0, 0);
        t->any_next[ty] = 0;
    }
    if (t->left > 0 || s->tl.force[ty] > t->i) {
        set_words(nr, nbw, ~0ull, s->tl.tmask);
    } else {
        const int64_t up = tile_row_at(s, ty, -1), dn = tile_row_at(s, ty, 1);
        if (!t->any_cur[ty] && (up < 0 || !t->any_cur[up]) && (dn < 0 || !t->any_cur[dn])) {
            set_words(nr, nbw, 0, 0);
            return;
        }
        need_row(s, t->chg_cur, ty, nr);
    }
    int64_t y0 = ty * s->tl.th, y1 = y0 + s->tl.th < g->h ? y0 + s->tl.th : g->h;
    uint64_t *top = t->out + y0 * g->stride, *bot = t->out + (y1 - 1) * g->stride;
    omp_src_t src = {t->in, 0, g->torus, NULL};
    /* The kernels add what the recomputed tiles change in the count; the
     * tiles left alone keep theirs. A tile row recomputed whole (a soup's
     * usual case) is simply counted: no old cells to subtract, which saves
     * the kernels a popcount per vector. */
    const int64_t first = next_bit(nr, s->tl.ntx, 0, 1);
    const int whole = first == 0 && next_bit(nr, s->tl.ntx, 0, 0) >= s->tl.ntx;
    omp_pop_t pop = {y0 > s->cy0 ? y0 : s->cy0, y1 < s->cy1 ? y1 : s->cy1, 0, !whole, 0};
    for (int64_t a = first; a < s->tl.ntx;) {
        int64_t b = next_bit(nr, s->tl.ntx, a, 0);
        int64_t j0 = a * s->tl.tw, j1 = b * s->tl.tw < g->wpr ? b * s->tl.tw : g->wpr;
        for (int64_t j = j0; j < j1; j++) {
            diff[j - j0] = 0;
            told[j - j0] = top[j];
            bold[j - j0] = bot[j];
        }
        s->fn(g, src, t->out, 0, y0, y1, j0, j1, scr, diff, s->born, s->survive,
              t->rowpop ? &pop : NULL);
        for (int64_t j = j0; j < j1; j++) {
            told[j - j0] ^= top[j];
            bold[j - j0] ^= bot[j];
        }
        for (int64_t tx = a; tx < b; tx++)
            t->any_next[ty] |= mark_tile(s, t->chg_next, tx, ty, j0, j1, diff, told, bold);
        a = b < s->tl.ntx ? next_bit(nr, s->tl.ntx, b, 1) : s->tl.ntx;
    }
    if (t->rowpop) t->rowpop[ty] = whole ? pop.n : t->rowpop[ty] + pop.n;
    /* Generation 1 has no generation -1 to compare with. */
    if (t->left == 2) {
        t->any_next[ty] = 1;
        for (int k = 0; k < PL_N; k++) set_words(PLANE(s, t->chg_next, k, ty), nbw, ~0ull, s->tl.tmask);
    }
}

/* Counts both buffers' tile rows (rowpop), as the start of counted tiles
 * steps after any other write. */
static void rowpop_init(omp_state_t *s) {
    const omp_geom_t *g = &s->g;
#pragma omp parallel for schedule(static) num_threads(s->nt)
    for (int64_t ty = 0; ty < s->tl.nty; ty++) {
        int64_t y0 = ty * s->tl.th, y1 = y0 + s->tl.th < g->h ? y0 + s->tl.th : g->h;
        if (y0 < s->cy0) y0 = s->cy0;
        if (y1 > s->cy1) y1 = s->cy1;
        for (int b = 0; b < 2; b++)
            s->tl.rowpop[b][ty] = y0 < y1 ? s->k->count(g, s->buf[b], 0, y0, y1) : 0;
    }
    s->tl.rowpop_ok = 1;
}

void omp_step_tiles(omp_state_t *s, int64_t n, int64_t *pops) {
    const int64_t nty = s->tl.nty;
    if (pops && !s->tl.rowpop_ok) rowpop_init(s);
    if (!pops) s->tl.rowpop_ok = 0;
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
            int c = s->cur ^ (int)(i & 1), pc = s->tl.pc ^ (int)(i & 1);
            /* need_row reads only the maps of t, which nobody writes during
             * this generation, so each tile row's need is made where it is
             * used. */
            tiles_gen_t t = {s->tl.chg[pc], s->tl.chg[pc ^ 1], s->tl.rowany[pc], s->tl.rowany[pc ^ 1],
                             s->buf[c], s->buf[c ^ 1], s->tl.dense_left - i, i,
                             pops ? s->tl.rowpop[c ^ 1] : NULL};
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
            /* Generation i+1 writes the other buffer's counts, not these. */
            if (pops && tid == 0) {
                int64_t cnt = 0;
                for (int64_t ty = 0; ty < nty; ty++) cnt += t.rowpop[ty];
                pops[i] = cnt;
            }
        }
    }
    s->cur ^= (int)(n & 1);
    s->tl.pc ^= (int)(n & 1);
    s->tl.dense_left = s->tl.dense_left > n ? s->tl.dense_left - n : 0;
    for (int64_t ty = 0; ty < nty; ty++)
        s->tl.force[ty] = s->tl.force[ty] > n ? (uint8_t)(s->tl.force[ty] - n) : 0;
}

/* tblock+tiles (step_adaptive). A probe is 2 generations that rebuild the
 * change maps (all tiles) and 2 measured ones: at 2.5x tblock's cost per
 * generation, a probe every 256 generations costs ~2 % while all is active.
 * Where tiles pay depends on how scattered the needed tiles are: a lone
 * tile costs several times its share of a dense pass (its rows' cache
 * lines are fetched for 2 words each), so a probe measures the fraction
 * of tiles needed and compares it with the plan's thresholds (omp_plan.c). */
#define PROBE_EVERY 256
#define PROBE_GENS 4

/* Fraction of tiles the last generation recomputed. */
static double need_fraction(const omp_state_t *s) {
    int64_t n = 0;
    for (int64_t i = 0; i < s->tl.nty * s->tl.nbw; i++) n += __builtin_popcountll(s->tl.need[i]);
    return (double)n / (double)(s->tl.ntx * s->tl.nty);
}

void omp_step_adaptive(omp_state_t *s, int64_t n, int64_t *pops) {
    while (n > 0) {
        int64_t k = n;
        if (s->mode != OMP_MODE_TILES && s->ad.since_probe < PROBE_EVERY) {
            if (k > PROBE_EVERY - s->ad.since_probe) k = PROBE_EVERY - s->ad.since_probe;
            omp_set_perm(s, s->perm_ok);
            if (s->mode == OMP_MODE_TBLOCK) omp_step_tblock(s, k, pops);
            else omp_step_dense(s, k, pops);
            s->ad.since_probe += k;
        } else if (s->mode != OMP_MODE_TILES) { /* probe */
            s->mode = OMP_MODE_TILES;
            s->tl.dense_left = 2; /* as after omp_open(): no valid change maps yet */
            omp_set_perm(s, 0);
            if (k > PROBE_GENS) k = PROBE_GENS;
            omp_step_tiles(s, k, pops);
            s->ad.since_probe = 0;
            /* (k < 3: still rebuilding; the next call measures) */
            if (s->tl.dense_left == 0 && need_fraction(s) > s->ad.enter) s->mode = s->ad.bulk;
        } else {
            omp_step_tiles(s, k, pops);
            if (s->tl.dense_left == 0 && need_fraction(s) > s->ad.leave) {
                s->mode = s->ad.bulk;
                s->ad.since_probe = 0;
            }
        }
        if (pops) pops += k;
        n -= k;
    }
}
