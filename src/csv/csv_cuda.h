/* csv_cuda.h — the seam between the cuda CSV backend's host logic
 * (src/csv/csv_cuda.c, plain C) and its kernels and launch glue
 * (kernels/csv_cuda.cu, built by nvcc or, in EMULATE builds, by the host C++
 * compiler against kernels/cuda_emu.h). Only built with the cuda backend.
 *
 * csv_cuda_index copies a piece of the input to the device and runs the
 * record kernels: quote parity per chunk, a prefix XOR of those parities
 * (so every byte knows whether it is inside quotes), record starts
 * (unquoted LF + 1) compacted by a prefix sum, then one thread per record
 * parsing it with the shared corun_csv_parse_row (kernels/csv_scan.h) to
 * extract the wanted fields. csv_cuda_partition is the stable counting sort
 * of record indices by key id. Memory: results are malloc'd host arrays
 * owned by the window (csv_cuda_window_free); device memory lives only
 * inside each call. Failure: 0, or a negative CORUN_E* with err naming the
 * CUDA call that failed (CORUN_ENOTSUP when no device is visible).
 */
#ifndef CORUN_CSV_CUDA_H
#define CORUN_CSV_CUDA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" { /* err.h has no C++ guards of its own */
#endif

#include "corun/err.h"
#include "csv_scan.h"

/* One record as the parse kernel saw it; offsets relative to the piece. */
typedef struct csv_cuda_rec {
    uint32_t end;  /* one past the record's terminator */
    uint32_t nf;   /* field count (rc == CORUN_CSV_ROW_OK) */
    int32_t rc;    /* CORUN_CSV_ROW_* or CORUN_CSV_E_* of corun_csv_parse_row */
    uint32_t eoff; /* the offending byte when rc < 0 */
} csv_cuda_rec_t;

typedef struct csv_cuda_window {
    /* in: the piece b[0..len) (len < 2^31), which starts at a record start;
     * records starting before start_lim are indexed. */
    const unsigned char *b;
    uint64_t len, start_lim;
    const uint32_t *want; /* increasing column indices, as corun_csv_parse_row */
    int nwant;
    size_t max_fields;    /* more than this many records x nwant: *too_many */
    /* out */
    size_t nrec;
    uint32_t *starts;          /* nrec record starts, increasing */
    csv_cuda_rec_t *recs;      /* nrec */
    corun_csv_field_t *fields; /* nrec x nwant, offsets relative to b */
    int too_many;              /* nothing indexed: the caller parses on the CPU */
} csv_cuda_window_t;

int csv_cuda_index(csv_cuda_window_t *w, corun_err_t *err);
void csv_cuda_window_free(csv_cuda_window_t *w);

/* perm[0..m) = 0..m-1 stably sorted by keys[] (each < nkeys). */
int csv_cuda_partition(const uint32_t *keys, size_t m, uint32_t nkeys, uint32_t *perm,
                       corun_err_t *err);

#ifndef __cplusplus
#include <stdatomic.h>
/* Pieces indexed on the device / handed to the CPU parser since start (the
 * tests check that valid input really takes the device path). */
extern atomic_ullong csv_cuda_pieces_device, csv_cuda_pieces_cpu;
#endif

#ifdef __cplusplus
}
#endif
#endif
