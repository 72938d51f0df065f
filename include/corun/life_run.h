/* life_run.h — the stepping loop of a Life run (src/life/run.c): chunks sized
 * by time, so a stop request or a progress update is never far away; the
 * population of every generation and the frames handed to an output sink;
 * under MPI, every chunk agreed by the team.
 *
 * The loop knows nothing of HDF5, MPI or signals: the caller passes a sink
 * (corun_snap_submit for snapshot files), a team (src/mpi for a job of
 * ranks; NULL for one process) and a flag a signal handler sets.
 *
 * Threads: called on one thread; the backend uses its own.
 */
#ifndef CORUN_LIFE_RUN_H
#define CORUN_LIFE_RUN_H

#include <signal.h>
#include <stdint.h>

#include "corun/life.h"

/* Where frames and populations go. submit() gets generation gen's frame when
 * be is not NULL (it reads the frame from be/state: get_rows or the
 * backend's snap ops) and the populations of generations first..first+n-1
 * (global ones under a team). The loop calls it for generation 0 (when
 * asked), every snapshot_every-th generation, whenever its population buffer
 * fills, and for the last generation. */
typedef struct corun_life_sink {
    void *ctx;
    int (*submit)(void *ctx, int64_t gen, const corun_life_backend_t *be, void *state,
                  int64_t first, const int64_t *pops, int64_t n, corun_err_t *err);
    /* Optional. go: called once after the first chunk (the sink may hold
     * its writing back until then, so that chunk measures the stepping
     * rate without output); busy: non-zero while output work runs next to
     * the stepping (a chunk started while it is 0 is a no-output chunk). */
    void (*go)(void *ctx);
    int (*busy)(void *ctx);
} corun_life_sink_t;

/* Processes stepping one grid together (MPI ranks, a slab of rows each).
 * Every call is collective: all members make it, in the same order. */
typedef struct corun_life_team {
    void *ctx;
    int rank, size;
    /* *n becomes the smallest over the team, *stop the largest. */
    int (*agree)(void *ctx, int64_t *n, int *stop, corun_err_t *err);
    int (*sum)(void *ctx, int64_t mine, int64_t *sum, corun_err_t *err);
    int (*max)(void *ctx, double mine, double *max, corun_err_t *err);
    /* The hash of the whole grid from each member's map of its rows. */
    int (*hash)(void *ctx, corun_life_fnv_map_t mine, uint64_t *hash, corun_err_t *err);
} corun_life_team_t;

enum { CORUN_LIFE_PROGRESS_NONE, CORUN_LIFE_PROGRESS_TERMINAL, CORUN_LIFE_PROGRESS_LOG };

typedef struct corun_life_run_cfg {
    int64_t start_gen;      /* generation the grid holds */
    int64_t steps;          /* generations to step */
    int64_t snapshot_every; /* frame interval; 0: first and last only */
    int frame0;             /* submit generation start_gen first (a new file) */
    int64_t pop0;           /* its population (global), with frame0 */
    int64_t cells;          /* cells of the whole grid, for the progress rate */
    /* Progress on stderr: CORUN_LIFE_PROGRESS_TERMINAL redraws one line
     * after every chunk; CORUN_LIFE_PROGRESS_LOG prints a line every
     * progress_every seconds, for batch logs. */
    int progress;
    double progress_every;
    volatile sig_atomic_t *stop; /* non-zero: stop after the chunk in progress */
} corun_life_run_cfg_t;

typedef struct corun_life_run_result {
    double seconds;     /* wall time of the loop (stepping + hand-overs) */
    /* Chunks stepped while no output work ran (all of them without a
     * sink): their generations and stepping time, for the no-output rate. */
    int64_t clean_generations;
    double clean_seconds;
    int64_t generation; /* generation reached */
    int interrupted;    /* stopped on request (by any member of the team) */
} corun_life_run_result_t;

/* Steps state (an open backend) from cfg->start_gen for cfg->steps
 * generations, fewer when *cfg->stop becomes non-zero. sink and team may be
 * NULL. */
CORUN_API int corun_life_run(const corun_life_run_cfg_t *cfg, const corun_life_backend_t *be,
                             void *state, const corun_life_sink_t *sink,
                             const corun_life_team_t *team, corun_life_run_result_t *res,
                             corun_err_t *err);

/* ------------------------------------------------------------ the plan */

/* Where the initial cells come from: "random:DENSITY:SEED" or a pattern
 * file (.rle / .cells) placed at (at_x, at_y). */
typedef struct corun_life_source {
    int random;
    double density;
    uint64_t seed;
    corun_life_pattern_t pat; /* pattern files: cells and header */
    int64_t at_x, at_y;
} corun_life_source_t;

/* Parses spec (loading a pattern file); --at applies to pattern files only.
 * Errors name the spec or the file and line. */
CORUN_API int corun_life_source_open(const char *spec, int64_t at_x, int64_t at_y,
                                     corun_life_source_t *src, corun_err_t *err);
CORUN_API void corun_life_source_close(corun_life_source_t *src);
/* Writes the initial cells of rows row0..row0+g->height-1 of a grid
 * g->width x height into g (all dead before), on `threads` threads; with
 * progress, a big fill shows a progress line on stderr. */
CORUN_API int corun_life_source_fill(const corun_life_source_t *src, corun_life_grid_t *g,
                                     int64_t row0, int64_t height, int threads, int progress,
                                     corun_err_t *err);

/* The host memory a run of backend be over a width x rows grid needs: the
 * grid (corun_life_grid_stride(width) words per row) plus the backend's
 * be->bytes_per_cell, plus `frames` snapshot buffers of rows * wpr words. */
CORUN_API double corun_life_memory_need(const corun_life_backend_t *be, int64_t width,
                                        int64_t rows, int frames);
/* The largest number of snapshot buffers, from `frames` down to 1, with
 * which the run fits in memory (1 if none does: the check then refuses). */
CORUN_API int corun_life_memory_frames(const corun_life_backend_t *be, int64_t width,
                                       int64_t rows, int frames);
/* Refuses (CORUN_ENOMEM, a message with the numbers and which limit
 * applied: MemAvailable, the cgroup's memory limit or RLIMIT_AS/DATA) a run
 * that needs more than the memory available to this process. */
CORUN_API int corun_life_memory_check(const corun_life_backend_t *be, int64_t width,
                                      int64_t height, int64_t rows, int frames,
                                      corun_err_t *err);

#endif
