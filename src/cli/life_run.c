/* life_run.c — the stepping loop of `corun life`: chunks sized by time (so a
 * signal or a progress update is never far away), populations of every
 * generation and snapshot hand-over when --out/--restart is given, and the
 * signal handling batch systems rely on.
 *
 * Signals. SIGTERM, SIGINT and SIGUSR1 (what Slurm sends before a time
 * limit with --signal) set a flag; the loop finishes the chunk in progress
 * (chunks are sized to take about 0.1 s), writes a final frame, closes the
 * file and the program exits with CORUN_EXIT_SIGNAL (3). A second signal
 * restores the default action and re-raises it: the process ends at once
 * (frames already flushed stay readable).
 *
 * Under MPI (the slab backend, src/mpi/life_slab.c) every rank runs this
 * loop and each chunk is a collective step, so before each chunk the ranks
 * agree on its length (the smallest of their time-based choices) and on
 * stopping (a signal seen by any rank stops all of them at the same
 * generation). Only rank 0 shows progress.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "corun/h5io.h"
#include "corun/mpi.h"
#include "life_run.h"
#include "mpi/life_slab.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) {
    if (stop_signal) { /* second signal: stop now */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    stop_signal = sig;
}

void life_signals_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

int life_signal_received(void) { return (int)stop_signal; }

/* Steps n generations writing populations into pops; backends without
 * step_counted step one generation at a time and count the byte grid. */
static int step_counted(const corun_life_backend_t *be, void *st, int64_t n, int64_t *pops,
                        corun_life_cells_t *scratch, corun_err_t *err) {
    if (be->step_counted) return be->step_counted(st, n, pops, err);
    for (int64_t i = 0; i < n; i++) {
        int rc = be->step(st, 1, err);
        if (!rc) rc = be->read(st, scratch, err);
        if (rc) return rc;
        pops[i] = corun_life_cells_population(scratch);
    }
    return 0;
}

static void progress(const life_opts_t *o, int64_t done, double t0) {
    double dt = corun_now() - t0;
    double rate = dt > 0 ? (double)done / dt : 0;
    double left = rate > 0 ? (double)(o->steps - done) / rate : 0;
    fprintf(stderr, "\rlife: generation %lld/%lld (%3.0f%%) %.3g cell-updates/s, %.0f s left   ",
            (long long)done, (long long)o->steps,
            o->steps ? 100.0 * (double)done / (double)o->steps : 100.0,
            rate * (double)o->width * (double)o->height, left);
}

#define POP_SEGMENT 65536 /* populations buffered between hand-overs */

int life_run(life_opts_t *o, const corun_life_backend_t *be, void *st, corun_life_cells_t *grid,
             int64_t start_gen, corun_snap_t *snap, life_result_t *res, corun_err_t *err) {
    memset(res, 0, sizeof *res);
    int64_t *pops = NULL;
    corun_life_cells_t scratch = {0}, *frames = NULL;
    int rc = 0, stop = 0;
    const int team = be == &corun_life_backend_slab; /* chunks agreed between ranks */
    snprintf(res->mode, sizeof res->mode, "%s", be->describe ? be->describe(st) : "-");
    const int show = !o->quiet && isatty(2) && corun_mpi_rank() == 0;
    const int64_t every = o->snapshot_every, end = start_gen + o->steps;
    int64_t pop0 = snap && !o->restart[0] ? corun_life_cells_population(grid) : 0; /* set-up */
    if (team && snap && !o->restart[0] && (rc = corun_life_slab_sum(st, pop0, &pop0, err)))
        goto done; /* the global generation-0 population */
    double t0 = corun_now();
    if (o->print) { /* every generation kept for the column printer */
        frames = calloc((size_t)o->steps + 1, sizeof *frames);
        if (!frames) {
            rc = corun_err_set(err, CORUN_ENOMEM, "--print: out of memory");
            goto done;
        }
        for (int64_t i = 0; i <= o->steps && !rc; i++) {
            if (i) rc = be->step(st, 1, err);
            if (!rc) rc = corun_life_cells_init(&frames[i], grid->width, grid->height, err);
            if (!rc) rc = be->read(st, &frames[i], err);
        }
        res->generation = end;
        goto stepped;
    }
    if (snap) {
        pops = malloc(POP_SEGMENT * sizeof *pops);
        if (!pops || (!be->step_counted &&
                      corun_life_cells_init(&scratch, grid->width, grid->height, err))) {
            rc = pops ? rc : corun_err_set(err, CORUN_ENOMEM, "out of memory");
            goto done;
        }
        if (!o->restart[0]) { /* generation 0: frame and population */
            pops[0] = pop0;
            rc = corun_snap_submit(snap, 0, be, st, 0, pops, 1, err);
            if (rc) goto done;
        }
    }
    int64_t gen = start_gen, seg_first = start_gen + 1, nseg = 0, chunk = 8, last_frame = start_gen;
    while (gen < end && !rc) {
        int64_t n = end - gen < chunk ? end - gen : chunk;
        if (snap && every > 0 && n > every - gen % every) n = every - gen % every;
        if (snap && n > POP_SEGMENT - nseg) n = POP_SEGMENT - nseg;
        stop = stop_signal != 0;
        if (team && (rc = corun_life_slab_agree(st, &n, &stop, err))) break;
        if (stop) break;
        double c0 = corun_now();
        rc = snap ? step_counted(be, st, n, pops + nseg, &scratch, err) : be->step(st, n, err);
        if (rc) break;
        /* Aim at ~0.1 s per call: long enough to amortise the call and to
         * let a backend block several generations in time (omp passes 8
         * generations over each cache-sized band), short enough for signals
         * and progress. At least 8 generations unless one takes > 12 ms. */
        double per = (corun_now() - c0) / (double)n;
        int64_t want = per > 0 ? (int64_t)(0.1 / per) : 2 * chunk;
        if (want < 8 && per < 0.0125) want = 8;
        chunk = want < 1 ? 1 : want > ((int64_t)1 << 20) ? ((int64_t)1 << 20) : want;
        gen += n;
        nseg += n;
        if (snap && every > 0 && gen % every == 0 && gen < end && (team || !stop_signal)) {
            rc = corun_snap_submit(snap, gen, be, st, seg_first, pops, nseg, err);
            seg_first = gen + 1;
            nseg = 0;
            last_frame = gen;
        } else if (snap && nseg == POP_SEGMENT) { /* populations only */
            rc = corun_snap_submit(snap, gen, NULL, NULL, seg_first, pops, nseg, err);
            seg_first = gen + 1;
            nseg = 0;
        }
        if (show) progress(o, gen - start_gen, t0);
    }
    if (show) fputc('\n', stderr);
    /* One more agreement: every rank reports the same interruption. */
    if (!rc && team) {
        int64_t none = 0;
        stop = stop || stop_signal != 0;
        rc = corun_life_slab_agree(st, &none, &stop, err);
    }
    /* The final frame (also after a signal), unless that generation has one. */
    if (snap && !rc && (gen != last_frame || nseg > 0 || (gen == 0 && o->restart[0])))
        rc = corun_snap_submit(snap, gen, gen != last_frame ? be : NULL, st, seg_first, pops, nseg,
                               err);
    res->generation = gen;
stepped:
    res->seconds = corun_now() - t0;
    res->interrupted = team ? stop : stop_signal != 0;
    if (!rc) rc = be->read(st, grid, err);
    if (!rc && o->print) rc = corun_life_print_columns(stdout, frames, (int)o->steps + 1);
done:
    if (frames) {
        for (int64_t i = 0; i <= o->steps; i++) corun_life_cells_close(&frames[i]);
        free(frames);
    }
    free(pops);
    corun_life_cells_close(&scratch);
    return rc;
}
