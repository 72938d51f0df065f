/* life_slab.h — Life under MPI: the grid split into slabs of rows, one per
 * rank, each stepped by the rank's node backend (serial, omp, cuda) with halo
 * rows exchanged between neighbouring ranks (life_slab.c; docs/MPI.md), and
 * the team the run loop agrees chunks and sums populations with.
 *
 * The slab is an ordinary backend table (corun_life_backend_slab) over the
 * rank's EXTENDED grid: `top` halo rows, the rank's own rows, `bot` halo
 * rows (corun_life_slab_layout()). The caller allocates it (width x
 * top + rows + bot), sets the own rows, the view
 * corun_life_grid_rows(ext, top, rows), to the initial cells and opens the
 * slab on it with params->slab pointing to the decomposition. The node
 * backend is opened on ext itself (no second copy of the rank's rows):
 *
 *   step     advances the whole distributed grid; pops get GLOBAL
 *            populations (the own rows of every rank, summed);
 *   get_rows, put_rows  index the own rows (0..rows-1);
 *   close    closes the node: ext holds the final generation (take the own
 *            rows' view again: the node may hand over other memory);
 *   info     the node backend's;
 *   snap     the node's snap ops where it has them, framing the own rows.
 *
 * Every call that steps is collective: all ranks make it, in the same
 * order, with the same generation counts. bytes_per_cell is 0: the memory
 * estimate is the node backend's (and ext's halo rows).
 *
 * In builds without MPI everything here still links: corun_life_mpi_begin()
 * and the slab's open() report "not built", and corun_life_mpi_team() gives
 * a team of one.
 *
 * Threads: one compute thread per rank calls these; MPI traffic goes over a
 * communicator duplicated from MPI_COMM_WORLD by corun_life_mpi_begin(), so
 * the HDF5 writer's collectives on its own communicator never mix with it.
 *
 * Failure: 0 or a negative CORUN_E* with a message naming the rank. After a
 * failure inside a collective step the other ranks may be waiting: the
 * caller ends the job (corun_mpi_abort) rather than returning.
 */
#ifndef CORUN_MPI_LIFE_SLAB_H
#define CORUN_MPI_LIFE_SLAB_H

#include <stdint.h>

#include "corun/life.h"
#include "corun/life_run.h"

/* ------------------------------------------------------------- the team */

/* Duplicates MPI_COMM_WORLD for Life's traffic (collective; call once, on
 * every rank, before anything below). */
int corun_life_mpi_begin(corun_err_t *err);
void corun_life_mpi_end(void);

/* The run loop's team over the Life communicator: agree (*n the smallest,
 * *stop the largest over the ranks), sum, max, and hash (the ranks' maps
 * composed in rank order, applied to the FNV offset basis: the hash one
 * process computes over the whole grid). Independent of any slab: usable
 * after close(). Needs corun_life_mpi_begin(); without MPI a team of one
 * (rank 0 of 1, every value its own). */
int corun_life_mpi_team(corun_life_team_t *team, corun_err_t *err);

/* Set-up agreement: every rank passes its exit code (0 = fine); returns the
 * largest over the ranks, and *first gets the lowest rank that failed (-1
 * if none), the one that prints its message. Collective. */
int corun_life_mpi_agree_code(int code, int *first);

/* The number of ranks on this node, and this rank's index among them
 * (1 and 0 outside MPI): which GPU a rank takes, how many cores it gets.
 * Collective. */
int corun_life_mpi_node_ranks(int *local_rank);

/* Rows of `rank` of `size` for a grid `height` rows high: balanced, the
 * first height % size ranks one row more. */
void corun_life_slab_rows(int64_t height, int rank, int size, int64_t *row0, int64_t *rows);

/* ----------------------------------------------------------------- slab */

typedef struct corun_life_slab_cfg {
    const corun_life_backend_t *node; /* steps the extended grid */
    int64_t width, height;            /* the global grid */
    int rank, size;                   /* this rank and the ranks of the Life
                                       * communicator */
    int halo;                         /* rows (= generations) per exchange; 0: auto */
    int overlap;                      /* 1: compute the edge rows first and
                                       * exchange them while the interior runs */
} corun_life_slab_cfg_t;

/* The default halo depth, capped by the smallest slab's rows. 32, not 8,
 * also on the CPU: what costs at an exchange is mostly waiting for the
 * neighbour's slower generations (a shared host's noise), which fewer
 * exchanges amortise; the 2 x 32 extra rows are 0.8 % of a 8192-row slab.
 * Measured (docs/MPI.md): 16384x16384 dense on 2 ranks, wait 0.04-0.07 s of
 * 0.40 s with 8, 0.004-0.012 s with 32. The cuda backend needs it anyway
 * (four PCIe copies per exchange). */
#define CORUN_LIFE_SLAB_HALO 32

/* Where a rank's rows sit. */
typedef struct corun_life_slab_layout {
    int64_t row0, rows; /* own rows: global rows row0..row0+rows-1 */
    int halo;           /* rows per exchange */
    int64_t top, bot;   /* halo rows above and below the own rows in the
                         * extended grid (halo, or 0 on the outer side of the
                         * first and last rank under the dead boundary) */
} corun_life_slab_layout_t;

/* The layout of cfg's rank under boundary b; the extended grid is
 * width x (top + rows + bot). CORUN_EINVAL (the same on every rank) for
 * more ranks than rows, a halo deeper than the smallest slab, a rank
 * outside 0..size-1; CORUN_ERANGE for a halo too large for one message. */
int corun_life_slab_layout(const corun_life_slab_cfg_t *cfg, corun_life_boundary_t b,
                           corun_life_slab_layout_t *out, corun_err_t *err);

/* The backend over a slab. open(state, ext, p) takes the decomposition from
 * p->slab (its rank and size must be the Life communicator's) and is
 * collective: the ranks agree on success before the first halo exchange, so
 * a rank that cannot set up makes all of them return (the others with
 * CORUN_ECANCELED); an MPI failure in that exchange returns CORUN_EIO and
 * may leave other ranks waiting (end the job). */
extern const corun_life_backend_t corun_life_backend_slab;

typedef struct corun_life_slab_info {
    int ranks, halo, overlap;
    int64_t row0, rows;
    double halo_seconds; /* this rank: time outside the node backend's own
                          * stepping (edge rows, copies, waiting for halos) */
    double wait_seconds; /* of which blocked in MPI_Waitall (message time
                          * not hidden, plus waiting for a slower neighbour) */
    int64_t exchanges;
} corun_life_slab_info_t;

/* This rank's figures so far, from an open slab (read them before close). */
void corun_life_slab_info(void *state, corun_life_slab_info_t *info);

/* The whole grid on rank 0 (for --write-rle): own = this rank's rows, which
 * start at global row row0 of a grid `height` rows high. On rank 0 *full is
 * initialised (own->width x height) and filled; elsewhere it is left
 * zeroed. Out-of-memory on any rank is reported on every rank. Collective. */
int corun_life_slab_gather(const corun_life_grid_t *own, int64_t row0, int64_t height,
                           corun_life_grid_t *full, corun_err_t *err);

#endif
