/* mpi.h — corun's view of MPI: whether this build has it, whether this
 * process is one rank of a parallel job, and which.
 *
 * Plain C, no <mpi.h>: generic code asks here. Code that needs MPI types
 * (communicators, MPI-IO, parallel HDF5) includes src/mpi/mpi_int.h and is
 * compiled only in MPI builds (CMake CORUN_MPI, docs/CLUSTER.md).
 *
 * A process joins MPI only when an MPI launcher started it (mpirun, mpiexec
 * or srun set OMPI_COMM_WORLD_SIZE / PMI_SIZE / PMIX_RANK): a plain
 * `corun life ...` in an MPI build runs exactly like one in a non-MPI build,
 * with no MPI start-up cost. MPI is initialised with MPI_THREAD_MULTIPLE
 * because the aio loop's I/O worker makes (parallel HDF5) MPI calls while
 * the compute thread exchanges halos.
 */
#ifndef CORUN_MPI_H
#define CORUN_MPI_H

#include "corun/err.h"

/* 1 if corun was built with MPI (CORUN_MPI=ON, or AUTO and found). */
CORUN_API int corun_mpi_build(void);
/* Joins MPI if launched by an MPI launcher; a no-op otherwise and in non-MPI
 * builds. Safe to call more than once. */
CORUN_API int corun_mpi_init(int *argc, char ***argv, corun_err_t *err);
/* 1 between corun_mpi_init (under a launcher) and corun_mpi_finalize. */
CORUN_API int corun_mpi_active(void);
CORUN_API int corun_mpi_rank(void); /* 0 when not active */
CORUN_API int corun_mpi_size(void); /* 1 when not active */
/* Finalizes if active (idempotent). */
CORUN_API void corun_mpi_finalize(void);
/* Ends the whole job with `code` (MPI_Abort when active, exit otherwise):
 * for a rank that failed while others may wait in a collective. */
CORUN_API _Noreturn void corun_mpi_abort(int code);
/* "Open MPI v4.1.4, MPI 3.1" style library description, or "not built". */
CORUN_API const char *corun_mpi_library(void);

#endif
