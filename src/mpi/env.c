/* env.c — joining MPI only under a launcher; rank, size and the library.
 *
 * Why not always MPI_Init: a singleton MPI_Init costs start-up time and, with
 * Open MPI, may try to reach a daemon; a plain run of an MPI build must be the
 * same program as a non-MPI build. Launchers announce themselves through the
 * environment (Open MPI's mpirun: OMPI_COMM_WORLD_SIZE; MPICH/Hydra and
 * Slurm's srun with PMI: PMI_SIZE; PMIx: PMIX_RANK).
 */
#include "corun/mpi.h"

#include <stdio.h>
#include <stdlib.h>

#if CORUN_MPI
#include "mpi_int.h"

static int g_active, g_rank, g_size = 1;

int corun_mpi_build(void) { return 1; }

static int launched_by_mpi(void) {
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

int corun_mpi_init(int *argc, char ***argv, corun_err_t *err) {
    int inited = 0;
    MPI_Initialized(&inited);
    if (inited || !launched_by_mpi()) return 0;
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS)
        return corun_err_set(err, CORUN_EIO, "MPI_Init_thread failed");
    g_active = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    /* Errors come back as return codes that corun reports with the call's
     * name, instead of MPI's default of aborting the job. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (provided < MPI_THREAD_MULTIPLE) {
        corun_mpi_finalize();
        return corun_err_set(err, CORUN_ENOTSUP,
                             "this MPI library does not provide MPI_THREAD_MULTIPLE (got level "
                             "%d), which corun's overlapped I/O needs",
                             provided);
    }
    return 0;
}

int corun_mpi_active(void) { return g_active; }
int corun_mpi_rank(void) { return g_rank; }
int corun_mpi_size(void) { return g_size; }

void corun_mpi_finalize(void) {
    if (!g_active) return;
    g_active = 0;
    int fin = 0;
    MPI_Finalized(&fin);
    if (!fin) MPI_Finalize();
}

_Noreturn void corun_mpi_abort(int code) {
    fflush(stdout);
    fflush(stderr);
    if (g_active) MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}

const char *corun_mpi_library(void) {
    static char buf[MPI_MAX_LIBRARY_VERSION_STRING + 32];
    if (!buf[0]) {
        char lib[MPI_MAX_LIBRARY_VERSION_STRING];
        int n = 0, maj = 0, min = 0;
        MPI_Get_library_version(lib, &n);
        MPI_Get_version(&maj, &min);
        /* First line only, e.g. "Open MPI v4.1.4, package: ..., Feb 2023" */
        for (int i = 0; lib[i]; i++)
            if (lib[i] == ',' || lib[i] == '\n') { lib[i] = 0; break; }
        snprintf(buf, sizeof buf, "%s, MPI %d.%d", lib, maj, min);
    }
    return buf;
}

int corun_mpi_comm_check(int rc, const char *what, corun_err_t *err) {
    if (rc == MPI_SUCCESS) return 0;
    char msg[MPI_MAX_ERROR_STRING];
    int n = 0;
    MPI_Error_string(rc, msg, &n);
    return corun_err_set(err, CORUN_EIO, "%s failed on rank %d: %s", what, g_rank, msg);
}

#else /* no MPI in this build */

int corun_mpi_build(void) { return 0; }
int corun_mpi_init(int *argc, char ***argv, corun_err_t *err) {
    (void)argc, (void)argv, (void)err;
    return 0;
}
int corun_mpi_active(void) { return 0; }
int corun_mpi_rank(void) { return 0; }
int corun_mpi_size(void) { return 1; }
void corun_mpi_finalize(void) {}
_Noreturn void corun_mpi_abort(int code) {
    fflush(stdout);
    exit(code);
}
const char *corun_mpi_library(void) { return "not built"; }

#endif
