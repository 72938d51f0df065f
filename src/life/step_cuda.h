/* step_cuda.h — internals of the cuda Life backend (kernels/life_cuda.cu)
 * for the snapshot writer and the tests. Plain C, no CUDA headers.
 *
 * Snapshots without stopping the run. snap_begin() queues, behind the
 * generations already launched, a copy of the current generation into a
 * device staging buffer (fast, on the compute stream), then a copy of that
 * buffer into pinned host memory on a separate copy stream, and returns at
 * once; later step() calls compute while the host copy crosses the bus. The
 * aio loop's poll function calls snap_poll() (never blocks) and, once it
 * returns 1, the I/O coroutine writes the frame from snap_words() and calls
 * snap_release(). The backend table's snap ops (corun_life_snap_ops_t) are
 * these functions.
 *
 * Ownership: a snapshot owns its staging buffer, pinned buffer and events; it
 * does not point back at the backend state, so it may outlive close() and be
 * polled/released from another thread (the I/O thread). Each snapshot
 * allocates its own buffers: a bounded pool (and waiting when every buffer is
 * in flight) is the snapshot writer's to add on top.
 *
 * Frame layout of snap_words(): `height` rows of wpr = ceil(width/64)
 * uint64 words with no gaps between rows; bit i of word j is cell 64*j + i;
 * bits past the width are 0.
 *
 * Change tracking (skip_stable, kernels/life_cuda.cu and docs/CUDA.md):
 * tune() replaces skip_stable=auto's built-in thresholds (tests and
 * benchmarks: auto on grids small enough for the emulator), stats() says
 * what ran.
 */
#ifndef CORUN_LIFE_STEP_CUDA_H
#define CORUN_LIFE_STEP_CUDA_H

#include <stdint.h>

#include "corun/life.h"

typedef struct corun_life_cuda_snap corun_life_cuda_snap_t;

/* state: a cuda backend state from corun_life_backend_cuda.open(). */
int corun_life_cuda_snap_begin(void *state, corun_life_cuda_snap_t **out, corun_err_t *err);
/* 1: the host copy is complete; 0: still in flight; < 0: a CUDA error. */
int corun_life_cuda_snap_poll(corun_life_cuda_snap_t *snap, corun_err_t *err);
int corun_life_cuda_snap_wait(corun_life_cuda_snap_t *snap, corun_err_t *err);
/* Generations stepped since open() when the snapshot was taken. */
int64_t corun_life_cuda_snap_generation(const corun_life_cuda_snap_t *snap);
/* The frame, once poll() said 1 (or wait() returned 0). */
const uint64_t *corun_life_cuda_snap_words(const corun_life_cuda_snap_t *snap);
/* The frame as a packed grid (stride = wpr) that shares the snapshot's
 * memory: hash or population it in place; valid until release(). */
corun_life_grid_t corun_life_cuda_snap_grid(const corun_life_cuda_snap_t *snap);
/* Waits for a copy still in flight, then frees (NULL is fine). */
void corun_life_cuda_snap_release(corun_life_cuda_snap_t *snap);

/* skip_stable=auto's choices; 0 (or 0.0) keeps the built-in value. */
typedef struct corun_life_cuda_tuning {
    int64_t auto_min_cells; /* track changes on grids of at least this many cells */
    int probe_every;        /* dense generations between probes */
    int check_every;        /* tiles generations between checks */
    double enter, leave;    /* fractions of tiles recomputed: stay with tiles after a
                             * probe at or below enter; go back to dense above leave */
} corun_life_cuda_tuning_t;

/* What the stepping did since open(). */
typedef struct corun_life_cuda_stats {
    int64_t dense_gens, tiles_gens; /* generations stepped by each kernel */
    int64_t tiles;                  /* tiles in the grid */
    int64_t tiles_computed;         /* summed over tiles_gens: tiles recomputed */
    int64_t switches;               /* auto: changes between dense and tiles */
    int tiles_now;                  /* the next generation uses the tiles kernel */
} corun_life_cuda_stats_t;

/* Takes effect from the next step(); with skip_stable=auto it decides
 * again whether the grid is large enough to track changes. */
void corun_life_cuda_tune(void *state, const corun_life_cuda_tuning_t *t);
void corun_life_cuda_stats(void *state, corun_life_cuda_stats_t *out);

#endif
