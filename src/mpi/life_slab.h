/* life_slab.h — Life under MPI: the grid split into slabs of rows, one per
 * rank, each stepped by the rank's node backend (serial, omp, cuda) with halo
 * rows exchanged between neighbouring ranks (life_slab.c; docs/MPI.md).
 *
 * A slab is presented as a Life backend over the rank's own rows
 * (corun_life_backend_slab): step() advances the whole distributed grid,
 * read()/read_packed() give this rank's rows, step_counted() the global
 * population of every generation. It is opened with corun_life_slab_open()
 * (its init() refuses: it needs the decomposition). Every call that steps,
 * agrees or sums is collective: all ranks make it, in the same order, with
 * the same generation counts.
 *
 * In builds without MPI everything here still links: corun_life_mpi_begin()
 * reports "not built" and the slab is never opened.
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

/* ------------------------------------------------------------- the team */

/* Duplicates MPI_COMM_WORLD for Life's traffic (collective; call once, on
 * every rank, before anything below). */
int corun_life_mpi_begin(corun_err_t *err);
void corun_life_mpi_end(void);

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
    const corun_life_backend_t *node; /* steps the rank's rows plus halos; needs
                                       * read_rows, write_rows, count_rows */
    int64_t width, height;            /* the global grid */
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

/* Opens this rank's slab: own = its rows (width x rows, rows from
 * corun_life_slab_rows()), p = the node backend's parameters. Collective:
 * the ranks agree on success before the first halo exchange, so a rank
 * that cannot set up makes all of them return (the others with
 * CORUN_ECANCELED); an MPI failure in that exchange returns CORUN_EIO and
 * may leave other ranks waiting (end the job). */
int corun_life_slab_open(void **state, const corun_life_slab_cfg_t *cfg,
                         const corun_life_cells_t *own, const corun_life_params_t *p,
                         corun_err_t *err);

/* The backend over an opened slab: step, read (this rank's rows), fini,
 * describe (the node backend's mode), step_counted (GLOBAL populations),
 * read_packed (this rank's rows in the packed layout). */
extern const corun_life_backend_t corun_life_backend_slab;

/* Agrees on the next chunk: *n becomes the smallest over ranks, *stop the
 * largest (a signal seen by any rank stops them all). Collective. */
int corun_life_slab_agree(void *state, int64_t *n, int *stop, corun_err_t *err);

/* Global population and FNV-1a 64 hash (equal to corun_life_cells_hash of the
 * whole grid) of the current generation; own: this rank's rows, as read()
 * gives them. Collective; every rank gets the result. */
int corun_life_slab_summary(void *state, const corun_life_cells_t *own, int64_t *population,
                            uint64_t *hash, corun_err_t *err);

/* The whole grid on rank 0 (for --write-rle): *full is initialised there
 * (width x height) and left empty elsewhere. Collective. */
int corun_life_slab_gather(void *state, const corun_life_cells_t *own, corun_life_cells_t *full,
                           corun_err_t *err);

/* The sum of the ranks' values (e.g. own populations). Collective. */
int corun_life_slab_sum(void *state, int64_t mine, int64_t *sum, corun_err_t *err);

/* The largest of the ranks' values (e.g. seconds). Collective. */
int corun_life_slab_max(void *state, double mine, double *max, corun_err_t *err);

typedef struct corun_life_slab_info {
    int ranks, halo, overlap;
    int64_t row0, rows;
    double halo_seconds; /* this rank: time outside the node backend's own
                          * stepping (edge rows, packing, waiting for halos) */
    double wait_seconds; /* of which blocked in MPI_Waitall (message time
                          * not hidden, plus waiting for a slower neighbour) */
    int64_t exchanges;
} corun_life_slab_info_t;

void corun_life_slab_info(void *state, corun_life_slab_info_t *info);

#endif
