/* h5_int.h — what the files of src/h5io share: the file object and the
 * attribute helpers of h5file.c, used by provenance.c (the per-leg records)
 * and verify.c (checksums and what is read back). Not a public header: the
 * contract for callers is include/corun/h5io.h. Same thread rule: one
 * thread at a time makes every HDF5 call. */
#ifndef CORUN_H5IO_INT_H
#define CORUN_H5IO_INT_H

#include <hdf5.h>
#include <stdint.h>

#include "corun/h5io.h"
#include "corun/lock.h"

#if CORUN_MPI && defined(H5_HAVE_PARALLEL)
#define H5IO_PAR 1
#include "mpi/mpi_int.h"
#else
#define H5IO_PAR 0
#endif

/* The run leg this process writes (provenance.c): what it records at its
 * start, owned copies. */
typedef struct h5io_leg {
    char *command_line, *config_text;
    char backend[32], host[256], slurm_job_id[64];
    int threads;
    int64_t start_gen;
    int64_t index;  /* its group /runs/NNNNNN; -1: not written yet */
    int skip;       /* a file whose /runs could not be trusted: no record */
} h5io_leg_t;

struct corun_h5_file {
    char *path;
    hid_t file, frames, gens, pops;
    hid_t prevs;                /* /previews; -1 in files of format version 1 */
    int64_t pblock, ph, pw;     /* preview block size and shape */
    int64_t nprevs;             /* entries of /previews */
    uint64_t *pcounts;          /* ph x pw block counts of the frame being written */
    uint8_t *pvals;             /* rank 0: ph x pw preview values */
    int64_t *gen_list;          /* the generations of the complete frames (for the .xmf) */
    int64_t gen_cap;
    char *xmf_path;             /* FILE.xmf next to FILE.h5 (rank 0); NULL: none */
    int64_t xmf_frames;         /* frames the .xmf lists */
    double xmf_next, xmf_cost;  /* throttle for big .xmf files (xdmf.c) */
    corun_h5_meta_t meta;
    int64_t nframes, npops, x; /* x: frame row length in elements */
    int64_t rows_per_chunk;
    int64_t row0, rows, max_rows; /* this rank's slab; the largest of any rank */
    int rank, nranks;             /* nranks > 1: parallel HDF5 */
    hid_t dxpl;                   /* collective transfers (P > 1) or H5P_DEFAULT */
#if H5IO_PAR
    MPI_Comm comm;
#endif
    int failed;
    corun_err_t first_err;
    char rule_buf[32];
    char *config_buf, *cmd_buf; /* owned copies for meta read back */
    corun_lock_t lock;          /* one writer per file (rank 0 holds it) */
    char *prev_status;          /* restart: the status the file had */
    int64_t open_nframes, open_npops; /* restart: what it held (after trimming) */
    char *tmp_path;             /* create: the new file until it is renamed to path */
    int checksummed;            /* /frames chunks carry Fletcher32 (verify.c) */
    int64_t last_gen, last_pop; /* restart: the last frame's generation and population */
    h5io_leg_t leg;             /* this run's record in /runs */
    int direct;                 /* frames as whole chunks (frame_direct.c): 0 no, 1 unfiltered, 2 Fletcher32 */
    uint64_t *chunk_buf;        /* direct: one chunk and its checksum */
    int prev_direct;            /* previews written as whole chunks, as direct */
    int prealloc_used;          /* blocks were reserved past the end (prealloc.c) */
    int prealloc_off;           /* reserving is not possible for this file */
};

/* The descriptor of a file opened with HDF5's default (sec2) driver, the
 * only one with a plain descriptor; NULL for any other driver. */
int *h5io_sec2_fd(hid_t file);
/* Disk blocks for the next `bytes` reserved past the end of the file
 * (prealloc.c; single process, default driver, failures ignored), and
 * what is left of them released after the last close. */
void h5io_prealloc(corun_h5_file_t *f, int64_t bytes);
void h5io_prealloc_trim(corun_h5_file_t *f);

/* Attribute helpers (h5file.c): 0 / -1; strings read back are malloc'd
 * (NULL: absent or unreadable). */
int h5io_attr_replace(hid_t loc, const char *name);
int h5io_attr_str(hid_t loc, const char *name, const char *v);
int h5io_attr_i64(hid_t loc, const char *name, int64_t v);
char *h5io_read_attr_str(hid_t loc, const char *name);
int h5io_read_attr_i64(hid_t loc, const char *name, int64_t *v);
/* Rank 0's string on every rank (malloc'd; NULL in: ""). */
char *h5io_agreed_str(corun_h5_file_t *f, const char *s);
int64_t h5io_agreed_i64(corun_h5_file_t *f, int64_t v);
/* The current UTC time as ISO 8601 (buf of at least 32 bytes). */
void h5io_utc_now(char *buf, size_t n);

/* ---- checksums (verify.c) ---- */

/* The root attribute naming the checksum new files carry. */
#define H5IO_CHECKSUM_ATTR "checksum"
#define H5IO_CHECKSUM_NAME "fletcher32"
/* Adds the checksum to a dataset creation list (after any compression, so
 * that a damaged chunk is caught before a decompressor sees it). */
int h5io_checksum_dcpl(hid_t dcpl);
/* 1 if dataset d's chunks carry the checksum. */
int h5io_has_checksum(hid_t d);
/* 1 if HDF5's current error stack says a checksum did not match. */
int h5io_checksum_error(void);
/* The header digest of the attributes that define a run (rule, boundary,
 * size, frame format, compression, snapshot interval): written at create,
 * checked at restart, so that a damaged attribute that still parses (a rule
 * B3/S23 whose 2 became 6) is refused instead of run. */
uint64_t h5io_header_digest(const corun_h5_meta_t *m);
#define H5IO_DIGEST_ATTR "header_digest"
/* Reads path's metadata (root attributes, dataset headers) in a child
 * process first: HDF5 parses some damaged metadata (the global heap of
 * variable-length strings, 1.6-format headers) without checksums and can
 * crash or loop on it. 0: safe to open; -1: refused, why says what
 * happened. Single processes only (no fork inside an MPI job). */
int h5io_probe_metadata(const char *path, char *why, size_t n);

/* ---- frames written as whole chunks (frame_direct.c) ---- */

/* HDF5's Fletcher32 of len bytes (len even), as its filter computes it;
 * or of consecutive pieces (each of even length): start from {0, 0, 0},
 * add each, end. */
uint32_t h5io_fletcher32(const void *data, size_t len);
typedef struct h5io_f32 {
    uint64_t s1, s2; /* mod 65535 */
    uint32_t any;    /* a non-zero word was seen */
} h5io_f32_t;
void h5io_fletcher32_add(h5io_f32_t *st, const void *data, size_t len);
/* The same with the code for the given CPU features (corun_cpu_features()
 * bits; they must be the CPU's): tests check every variant. */
void h5io_fletcher32_add_isa(h5io_f32_t *st, const void *data, size_t len, unsigned features);
uint32_t h5io_fletcher32_end(const h5io_f32_t *st);
/* Decides f->direct from the frames dataset (after it is created or
 * opened) and allocates the chunk buffer (without memory, the H5Dwrite
 * path is taken). */
void h5io_direct_setup(corun_h5_file_t *f);
/* Writes preview k (already extended) from f->pvals as its one chunk
 * (f->prev_direct). -1 on an HDF5 failure. */
int h5io_direct_preview(corun_h5_file_t *f, int64_t k);
/* Writes this slab's rows of frame k (already extended) from src chunk by
 * chunk, adding the rows' live cells to f->pcounts where the file has
 * previews. -1 on an HDF5 or source failure. */
int h5io_direct_frame(corun_h5_file_t *f, int64_t k, const corun_h5_rows_t *src);

/* ---- the XDMF description (xdmf.c) ---- */

/* Rewrites f->xmf_path (atomically: a temporary renamed over it) to list
 * the f->nframes complete frames; force: even when the throttle for very
 * long series would skip it. Rank 0 only; 0 or -1 with err set. */
int h5io_xdmf_write(corun_h5_file_t *f, int force, corun_err_t *err);
/* FILE.xmf for FILE.h5 (FILE.EXT.xmf for other names); malloc'd. */
char *h5io_xdmf_path(const char *h5path);

/* ---- the per-leg records (provenance.c) ---- */

/* Copies the leg's provenance (strings owned by f->leg). */
int h5io_leg_set(corun_h5_file_t *f, const corun_h5_meta_t *leg, int64_t start_gen);
/* Writes the leg's start record /runs/NNNNNN into file (collective under
 * MPI) once; later calls do nothing. -1 on an HDF5 failure. */
int h5io_leg_begin(corun_h5_file_t *f, hid_t file);
/* Completes the record: end generation, status, exit code, end time. */
int h5io_leg_end(corun_h5_file_t *f, hid_t file, const corun_h5_stats_t *st);
/* Restart: /runs, where present, must be a group of at most a million legs
 * (0), else -1 with what is wrong in why. */
int h5io_legs_check(hid_t file, char *why, size_t n);
void h5io_leg_free(h5io_leg_t *leg);

#endif
