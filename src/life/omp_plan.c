/* omp_plan.c — how the omp backend will step a grid: mode, kernels, lane
 * order, blocking and tile sizes, threads. A pure function of the grid size,
 * the params (with their tuning) and the machine, so tests can ask it about
 * any machine and omp_open() only carries the plan out.
 *
 * The modes (omp_state.h lists the files):
 *   dense  — every generation, every row, one barrier per generation.
 *   tblock — bands of rows advanced several generations per pass through
 *            L2-sized band buffers, for grids that outgrow the caches.
 *   tiles  — change tracking (skip_stable=on): only tiles whose
 *            neighbourhood changed are recomputed.
 *   tblock+tiles, dense+tiles — skip_stable=auto on grids of at least
 *            512x512: bulk stepping with a probe of tiles now and then,
 *            staying with tiles while few tiles need work. Below 512x512
 *            the bookkeeping costs about what it saves.
 */
#include <stdio.h>
#include <string.h>

#include "life/omp_int.h"
#include "life_word.h"

/* skip_stable=auto's thresholds (fractions of tiles a generation needs):
 * the best of 0.04-0.30 (with 2x for leaving) measured in interleaved pairs
 * on 2048x2048 (1 and 2 threads) and 4096x4096 (2 threads) soups: 0.10/0.20
 * ran 1.10x, 1.32x and 1.28x the 0.30/0.50 chosen when every tile next to a
 * changed one was recomputed. */
#define TILES_ENTER 0.10 /* after a probe: stay with tiles at or below this */
#define TILES_LEAVE 0.20 /* with tiles: back to bulk stepping above this */

void omp_plan(int64_t w, int64_t h, const corun_life_params_t *p, const omp_machine_t *m,
              omp_plan_t *out) {
    static const corun_life_omp_tuning_t defaults; /* all zero: built-in choices */
    const corun_life_omp_tuning_t *tu = p->omp_tuning ? p->omp_tuning : &defaults;
    memset(out, 0, sizeof *out);
    const int64_t wpr = corun_life_words_per_row(w), stride = corun_life_grid_stride(w);
    const int torus = p->boundary == CORUN_LIFE_TORUS;

    /* Tiny grids get fewer threads: a thread with a few hundred words spends
     * its time at the per-generation barrier, and on a busy machine a
     * spinning partner can cost milliseconds per barrier. */
    int nt = p->threads > 0 ? p->threads : m->max_threads > 0 ? m->max_threads : 1;
    const int64_t wpt = tu->words_per_thread > 0 ? tu->words_per_thread : 2048;
    const int64_t cap = h * wpr / wpt;
    if (cap < nt) nt = cap > 1 ? (int)cap : 1;
    out->threads = nt;

    out->k = omp_kernels_pick(tu->simd, m);
    const unsigned born = p->rule.born & 0x1ffu, survive = p->rule.survive & 0x1ffu;
    out->conway = !p->rule.iso && corun_life_rule_is_conway(born, survive);

    /* Dense and blocked stepping on a torus of whole vectors keep rows in
     * the lane-strided order (omp_int.h); change tracking, whose tiles are
     * ranges of words, in word order: skip_stable=auto switches, starting
     * with bulk stepping. */
    const int skip = p->skip_stable == CORUN_LIFE_SKIP_ON ||
                     (p->skip_stable == CORUN_LIFE_SKIP_AUTO && w >= 512 && h >= 512);
    const int adaptive = p->skip_stable == CORUN_LIFE_SKIP_AUTO && skip && !tu->tblock_off;
    out->strided = !p->rule.iso && (!skip || adaptive) && torus && w % 512 == 0 && out->k->perm && !tu->perm_off;

    /* Temporal blocking once the two generations outgrow the L2 caches of
     * the cores stepping them, one per thread (a dense pass then streams
     * from L3 or memory: 4096x4096 on one thread ran at a third of the in-L2
     * rate). While they fit, dense stepping with a barrier per generation
     * wins, also on several threads: 2 threads, interleaved, 2048x2048 ran
     * 259-268 G/s dense against 214-252 blocked, 3072x3072 180-244 against
     * 159-189, and 4096x4096 (4.7 MB, more than two 2 MiB L2s) 112-128
     * against 188-203. */
    const int64_t tb_bytes = tu->tblock_bytes > 0 ? tu->tblock_bytes
                             : m->l2_bytes > 0    ? m->l2_bytes
                                                  : (int64_t)1 << 20;
    const int tblock_ok = !tu->tblock_off && 2 * h * stride * 8 > tb_bytes * nt;
    /* Dense stepping of a grid this much larger streams from memory, where
     * the AVX2 kernels count in registers (omp_pop_t.uncached); 8x the L2s
     * is about what the last-level cache holds on most x86 machines. */
    out->cached = 2 * h * stride * 8 <= 8 * tb_bytes * nt;
    /* Streaming stores only where the grid does not stay in the caches
     * anyway: skip_stable=auto blocks in-cache grids too, and there the
     * next pass would have to read the streamed rows back from memory
     * (2048x2048, 1 thread, auto: -11 % in interleaved pairs). */
    out->stream = !p->rule.iso && tblock_ok && out->k->stream;

    if (skip) {
        out->tiles = 1;
        out->mode = OMP_MODE_TILES;
        out->tile_words = tu->tile_words > 0 ? tu->tile_words : 2;
        out->tile_rows = tu->tile_rows > 0 ? tu->tile_rows : 32;
        /* auto: start blocked, or dense on grids that fit in the caches:
         * either beats tiles while a soup is young (2048x2048, 1 thread,
         * 20,000 generations: best of 6 runs 292 G/s with tiles throughout,
         * 315 G/s blocked first). Dense rather than blocked on in-cache
         * grids, interleaved pairs: 1.03x on 1 thread, 1.18x on 2
         * (2048x2048, 20,000 generations). */
        out->adaptive = adaptive;
        out->bulk = tblock_ok ? OMP_MODE_TBLOCK : OMP_MODE_DENSE;
        out->tiles_enter = tu->tiles_enter > 0 ? tu->tiles_enter : TILES_ENTER;
        out->tiles_leave = tu->tiles_leave > 0 ? tu->tiles_leave : TILES_LEAVE;
    }
    if (adaptive && !tblock_ok) {
        out->mode = OMP_MODE_DENSE;
    } else if (adaptive || (!skip && tblock_ok)) {
        out->mode = OMP_MODE_TBLOCK;
        out->levels = tu->levels > 0 ? tu->levels : 8;
        out->levels_max = out->levels + out->levels / 2;
        int64_t band = tu->band_rows > 0 ? tu->band_rows : (256 << 10) / (stride * 8);
        if (nt > 1 && band > (h + nt - 1) / nt) band = (h + nt - 1) / nt;
        if (band < 4 * out->levels) band = 4 * out->levels;
        out->band_rows = band < h ? band : h;
    } else if (!skip) {
        out->mode = OMP_MODE_DENSE;
    }
    static const char *const names[] = {"dense", "tblock", "tiles"};
    const char *mode = !adaptive                      ? names[out->mode]
                       : out->bulk == OMP_MODE_TBLOCK ? "tblock+tiles"
                                                      : "dense+tiles";
    snprintf(out->name, sizeof out->name, "%s-%s%s", mode, out->k->simd,
             out->strided ? "-strided" : "");
}
