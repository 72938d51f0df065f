/* run.c — the stepping loop of a Life run (contract in corun/life_run.h).
 *
 * Chunks are sized by time: about 0.1 s each, long enough to amortise the
 * call and to let a backend block several generations in time (omp passes
 * 8 generations over each cache-sized band), short enough that a stop
 * request or a progress update is never far away. Under a team every chunk
 * is a collective step, so before each chunk the members agree on its
 * length (the smallest of their time-based choices) and on stopping (a
 * request seen by any member stops all of them at the same generation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "corun/life_run.h"

#define POP_SEGMENT 65536 /* populations buffered between hand-overs */

/* The progress display: on a terminal one line redrawn after every chunk;
 * in a batch log (stderr a file) a line every progress_every seconds, each
 * complete and timestamped by the run's elapsed time, so a job log tells a
 * slow run from a stuck one. `gen` counts from the run's first generation
 * (a restart's too); the rate and the time left are this leg's. */
typedef struct progress {
    const corun_life_run_cfg_t *cfg;
    double t0, next;
    int64_t frames; /* frames handed to the sink */
    int64_t logged; /* generation of the last line in a log; -1: none yet */
} progress_t;

static void progress_show(progress_t *p, int64_t gen, int last) {
    const corun_life_run_cfg_t *cfg = p->cfg;
    const double now = corun_now(), dt = now - p->t0;
    /* In a log, the closing line only after a run long enough to have had
     * lines: a short run's summary says it all. */
    if (cfg->progress == CORUN_LIFE_PROGRESS_LOG &&
        (last ? dt < cfg->progress_every || gen == p->logged : now < p->next))
        return;
    const int64_t done = gen - cfg->start_gen, end = cfg->start_gen + cfg->steps;
    double rate = dt > 0 ? (double)done / dt : 0;
    double left = rate > 0 ? (double)(cfg->steps - done) / rate : 0;
    double pct = cfg->steps ? 100.0 * (double)done / (double)cfg->steps : 100.0;
    if (cfg->progress == CORUN_LIFE_PROGRESS_TERMINAL) {
        fprintf(stderr,
                "\rlife: generation %lld/%lld (%3.0f%%) %.3g cell-updates/s, %.0f s left   ",
                (long long)gen, (long long)end, pct, rate * (double)cfg->cells, left);
        if (last) fputc('\n', stderr);
    } else {
        fprintf(stderr,
                "life: progress elapsed=%.1fs generation=%lld/%lld (%.0f%%) "
                "cell_updates_per_s=%.3g eta=%.1fs frames=%lld\n",
                dt, (long long)gen, (long long)end, pct, rate * (double)cfg->cells, left,
                (long long)p->frames);
        p->next = now + cfg->progress_every;
        p->logged = gen;
    }
    fflush(stderr);
}

static int stop_requested(const corun_life_run_cfg_t *cfg) { return cfg->stop && *cfg->stop; }

int corun_life_run(const corun_life_run_cfg_t *cfg, const corun_life_backend_t *be, void *st,
                   const corun_life_sink_t *sink, const corun_life_team_t *team,
                   corun_life_run_result_t *res, corun_err_t *err) {
    memset(res, 0, sizeof *res);
    int64_t *pops = NULL;
    int rc = 0, stop = 0, went = 0;
    const int show = cfg->progress != CORUN_LIFE_PROGRESS_NONE &&
                     (cfg->progress == CORUN_LIFE_PROGRESS_TERMINAL || cfg->progress_every > 0) &&
                     (!team || team->rank == 0);
    const int64_t every = cfg->snapshot_every, end = cfg->start_gen + cfg->steps;
    double t0 = corun_now();
    progress_t pr = {cfg, t0, t0 + cfg->progress_every, 0, -1};
    if (sink) {
        pops = malloc(POP_SEGMENT * sizeof *pops);
        if (!pops) return corun_err_set(err, CORUN_ENOMEM, "out of memory");
        if (cfg->frame0) {
            pops[0] = cfg->pop0;
            rc = sink->submit(sink->ctx, cfg->start_gen, be, st, cfg->start_gen, pops, 1, err);
            pr.frames++;
        }
    }
    int64_t gen = cfg->start_gen, seg_first = gen + 1, nseg = 0, chunk = 8, last_frame = gen;
    while (gen < end && !rc) {
        int64_t n = end - gen < chunk ? end - gen : chunk;
        if (sink && every > 0 && n > every - gen % every) n = every - gen % every;
        if (sink && n > POP_SEGMENT - nseg) n = POP_SEGMENT - nseg;
        stop = stop_requested(cfg);
        if (team && (rc = team->agree(team->ctx, &n, &stop, err))) break;
        if (stop) break;
        /* A chunk that starts with the sink idle runs next to no output
         * work (only this thread hands work to the sink). */
        const int clean = !sink || (sink->busy && !sink->busy(sink->ctx));
        /* The first chunk with output gives the no-output rate, but its
         * first generation carries one-off work (a backend's first step
         * sets its buffers up; omp steps the generation after a lent frame
         * alone, then moves the frame aside): stepped on its own and left
         * out of that rate, or the rate came out 20-40 % low. */
        const int64_t warm = sink && !went && n > 1 ? 1 : 0;
        double c0 = corun_now();
        if (warm) rc = be->step(st, 1, pops + nseg, err);
        double c1 = corun_now();
        if (!rc) rc = be->step(st, n - warm, sink ? pops + nseg + warm : NULL, err);
        if (rc) break;
        double t1 = corun_now(), dt = t1 - c0;
        if (clean) {
            res->clean_generations += n - warm;
            res->clean_seconds += t1 - c1;
        }
        if (sink && sink->go && !went) {
            sink->go(sink->ctx);
            went = 1;
        }
        /* At least 8 generations unless one takes > 12 ms. */
        double per = dt / (double)n;
        int64_t want = per > 0 ? (int64_t)(0.1 / per) : 2 * chunk;
        if (want < 8 && per < 0.0125) want = 8;
        chunk = want < 1 ? 1 : want > ((int64_t)1 << 20) ? ((int64_t)1 << 20) : want;
        gen += n;
        nseg += n;
        /* Alone, a stop request skips the interval frame: the final frame
         * follows at once. A team has agreed on this chunk already. */
        if (sink && every > 0 && gen % every == 0 && gen < end && (team || !stop_requested(cfg))) {
            rc = sink->submit(sink->ctx, gen, be, st, seg_first, pops, nseg, err);
            seg_first = gen + 1;
            nseg = 0;
            last_frame = gen;
            pr.frames++;
        } else if (sink && nseg == POP_SEGMENT) { /* populations only */
            rc = sink->submit(sink->ctx, gen, NULL, NULL, seg_first, pops, nseg, err);
            seg_first = gen + 1;
            nseg = 0;
        }
        if (show) progress_show(&pr, gen, 0);
    }
    /* One more agreement: every member reports the same interruption. */
    if (!rc && team) {
        int64_t none = 0;
        stop = stop || stop_requested(cfg);
        rc = team->agree(team->ctx, &none, &stop, err);
    }
    /* The final frame (also after a stop), unless that generation has one. */
    if (sink && !rc && (gen != last_frame || nseg > 0 || (gen == 0 && !cfg->frame0))) {
        rc = sink->submit(sink->ctx, gen, gen != last_frame ? be : NULL, st, seg_first, pops,
                          nseg, err);
        pr.frames += gen != last_frame;
    }
    if (sink && sink->go && !went) sink->go(sink->ctx);
    if (show) progress_show(&pr, gen, 1);
    res->generation = gen;
    res->seconds = corun_now() - t0;
    res->interrupted = team ? stop : stop_requested(cfg);
    free(pops);
    return rc;
}
