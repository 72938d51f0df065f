/* mpi_int.h — internal: <mpi.h> for the MPI-only parts of corun (compiled
 * only when CORUN_MPI is 1). */
#ifndef CORUN_MPI_INT_H
#define CORUN_MPI_INT_H

#include <mpi.h>

#include "corun/err.h"
#include "corun/mpi.h"

/* 0 if rc is MPI_SUCCESS, else sets err to "<what> failed on rank R: <MPI's
 * message>" and returns CORUN_EIO. */
int corun_mpi_comm_check(int rc, const char *what, corun_err_t *err);

#endif
