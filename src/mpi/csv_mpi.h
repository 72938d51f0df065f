/* csv_mpi.h — `corun csv` across the ranks of an MPI job
 * (src/mpi/csv_split_mpi.c). Plain C, compiled in every build; without MPI
 * the split returns CORUN_ENOTSUP and the exit-code call is the identity.
 *
 * corun_csv_split_mpi is corun_csv_split (include/corun/csv.h) for every
 * rank of the job at once, giving byte-identical files:
 *   1. every rank maps the input and parses the header; rank 0 takes
 *      OUTDIR's lock and creates the folder the new output is built in,
 *      aside (include/corun/outdir.h: the same --force rule), whose path
 *      it sends to every rank;
 *   2. the body is cut into P equal byte ranges; each rank counts the quotes
 *      of its range, and a prefix XOR (MPI_Exscan) tells each whether its
 *      range starts inside a quoted field, so it finds its first record
 *      exactly as the OpenMP backend does at a chunk boundary; each rank
 *      then indexes the records starting in its range (windows, its node's
 *      backend and threads), keeping a 16-byte record index;
 *   3. the first malformed record is the one at the smallest byte offset of
 *      any rank; its line number comes from a prefix sum of the LFs before
 *      each range (MPI_Exscan), so it is the single-process one;
 *   4. rank 0 merges the ranks' keys in rank order (= first appearance in
 *      the file, as one process numbers them) and sends each rank its map;
 *   5. per output file, the bytes each rank holds -> MPI_Exscan -> the
 *      offset of each rank's part after the header; rank 0 creates every
 *      output as a temporary name in the aside folder with its header, then each rank
 *      writes its records with MPI-IO (MPI_File_write_at on its own
 *      MPI_COMM_SELF handle: no per-file collective, see write_files);
 *   6. only when every rank succeeded does rank 0 rename the temporaries to
 *      their final names (csv_split_names: the same names as one process)
 *      and swap the folder into place; otherwise it removes the folder, and
 *      the old OUTDIR (or none) stays as it was. A signal (opts->stop) is
 *      seen at the next agreement and fails the split the same way.
 * Every step ends with an agreement, so every rank returns the same code and
 * the same message (the first failing rank's); only rank 0 should print.
 * MPI traffic uses a duplicate of MPI_COMM_WORLD.
 */
#ifndef CORUN_CSV_MPI_H
#define CORUN_CSV_MPI_H

#include "corun/csv.h"

/* Collective. res (the summary, the same on every rank) may be NULL. */
int corun_csv_split_mpi(const corun_csv_split_opts_t *o, corun_csv_split_result_t *res,
                        corun_err_t *err);
/* Collective: rank 0's code on every rank (the others wait without
 * spinning), for the subcommands that run on rank 0 alone. */
int corun_csv_mpi_exit_code(int code);

#endif
