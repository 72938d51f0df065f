/* fib_mpi.h — `corun fib` across the ranks of an MPI job (src/mpi/fib_dist.c).
 *
 * Plain C (no <mpi.h>): compiled in every build; without MPI the calls
 * return CORUN_ENOTSUP (run) or act as the one-rank case.
 *
 * Work distribution. The batch's tasks are ordered largest n first
 * (corun_fib_schedule) and handed out one at a time on request: rank 0's own
 * worker threads take the next index from a shared counter, the other
 * ranks' workers ask rank 0 (message REQ -> TASK). Rank 0 answers from a
 * service thread that polls MPI (MPI_Iprobe, sleeping 50 us .. 1 ms when
 * idle), so rank 0 computes like every other rank and no rank is spent on
 * dispatch alone.
 *
 * Results. Rank 0 is the single writer. Its own results go to local_done
 * (an mpz, exactly like a backend's done callback: converted and written on
 * rank 0's aio loop). Every other rank converts its results to decimal
 * itself (and checks them with --verify), then streams them to rank 0
 * (RES header + digits), where the service thread hands each to
 * remote_done as it arrives. So rows reach the writer in completion order,
 * whatever rank computed them.
 *
 * Failure. A failed task stops its rank from taking more; its error travels
 * to rank 0 with the rank's DONE message, and rank 0 then answers every
 * further request with "no more". run() returns, on rank 0, the first error
 * of any rank ("rank R: ..."); on the other ranks their own error or 0.
 * corun_fib_mpi_exit_code then gives every rank rank 0's exit code, so all
 * ranks exit alike and none waits forever.
 *
 * All MPI traffic uses a communicator duplicated from MPI_COMM_WORLD.
 */
#ifndef CORUN_FIB_MPI_H
#define CORUN_FIB_MPI_H

#include <stddef.h>
#include <stdint.h>

#include "corun/fib.h"

/* One result computed on another rank, as rank 0 receives it. The callback
 * takes ownership of dec (malloc'd) and must free it. */
typedef struct corun_fib_mpi_result {
    size_t task;
    uint64_t n;
    double seconds;     /* compute, on its rank */
    double dec_seconds; /* decimal conversion, on its rank */
    int rank;
    int verified;       /* 1 ok, 0 not checked, -1 mismatch */
    char *dec;
    size_t len;
} corun_fib_mpi_result_t;

typedef int (*corun_fib_mpi_remote_cb)(void *user, corun_fib_mpi_result_t *r);

typedef struct corun_fib_mpi_params {
    corun_fib_algo_t algo;
    int threads;                         /* per rank */
    int verify;                          /* check results against mpz_fib_ui */
    const uint64_t *n;                   /* every rank passes the same batch */
    size_t ntasks;
    corun_fib_done_cb local_done;        /* rank 0: its own results */
    corun_fib_mpi_remote_cb remote_done; /* rank 0: the others' results */
    void *user;
} corun_fib_mpi_params_t;

/* Tasks running at once on one rank (the outer parallelism), for the memory
 * check; the rest of its threads work inside those tasks. */
size_t corun_fib_mpi_outer(int threads, size_t ntasks, int ranks);
/* Ranks sharing this node's memory (1 without MPI). Collective. */
int corun_fib_mpi_local_ranks(void);
/* Collective: the lowest rank whose flag is non-zero, or -1 if none. */
int corun_fib_mpi_first(int flag);
/* Collective: the sum of v over all ranks. */
long long corun_fib_mpi_sum(long long v);
/* Collective: runs the batch over all ranks (see above). */
int corun_fib_mpi_run(const corun_fib_mpi_params_t *p, corun_err_t *err);
/* Collective: rank 0's code on every rank (ranks > 0 wait without
 * spinning). Ends the module's use of MPI. */
int corun_fib_mpi_exit_code(int code);

#endif
