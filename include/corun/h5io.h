/* h5io.h — HDF5 snapshot files of Game of Life runs: the writer, the reader
 * used by --restart, and the overlapped snapshot pipeline that keeps HDF5 off
 * the compute thread.
 *
 * The file layout is documented in docs/FORMAT.md and is stable: /frames
 * (bit-packed uint64 words, or uint8 cells), /generation, /population (every
 * generation), provenance attributes on the root.
 *
 * Threads. Debian's HDF5 is not thread-safe, so every HDF5 call is made by
 * one thread at a time: the corun_h5_* functions are only ever called from
 * the snapshot pipeline's single I/O worker (or, in tests and tools, from a
 * single thread; corun_h5_codec_available and corun_h5_read_meta also
 * before a pipeline exists). The pipeline (corun_snap_*) is called from the
 * compute thread only; it never touches HDF5 itself.
 *
 * Memory. Writers and pipelines are opaque, created and freed here. Frames
 * passed in are copied or written before the call returns, except in the
 * pipeline, which owns its buffers.
 *
 * Failure. Every call returns 0 or a negative CORUN_E* with a message naming
 * the file and the operation. A writer's errors are sticky: after one failed
 * write every later call fails with the first message, and the frames that
 * were completed before stay readable (each frame is flushed).
 *
 * MPI (corun_h5_par_t, docs/FORMAT.md). Under `mpirun -np P` with P > 1 the
 * ranks write one file together with parallel HDF5 (MPI-IO driver, collective
 * transfers): each rank passes its slab of rows (row0, rows) and its frames
 * hold only those rows (rows * words_per_row words); the file is the one a
 * single process writes, apart from provenance. Every writer call is then
 * collective: all ranks make the same calls in the same order with the same
 * generations and populations (populations are global, identical on every
 * rank). The file's MPI traffic uses its own duplicate of MPI_COMM_WORLD, so
 * the compute thread's collectives may run at the same time. A failure on one
 * rank is agreed at the end of each pipeline item: every rank then fails with
 * the failing rank's message (and the run statistics are stored only if no
 * rank's writer failed). Single-process runs (also `-np 1`) use the
 * default file driver, exactly as without MPI. --swmr needs a single process.
 */
#ifndef CORUN_H5IO_H
#define CORUN_H5IO_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "corun/err.h"
#include "corun/life.h"

typedef enum corun_h5_format { CORUN_H5_BITS = 0, CORUN_H5_BYTES = 1 } corun_h5_format_t;
typedef enum corun_h5_codec { CORUN_H5_RAW = 0, CORUN_H5_GZIP = 1, CORUN_H5_LZ4 = 2 } corun_h5_codec_t;

/* What a file records about its run (root attributes). Strings are copied. */
typedef struct corun_h5_meta {
    int64_t width, height;
    corun_life_rule_t rule;
    corun_life_boundary_t boundary;
    corun_h5_format_t format;
    corun_h5_codec_t codec;
    int level;                /* gzip level 1-9 */
    int64_t snapshot_every;   /* 0: only the first and the last generation */
    int swmr;                 /* single-writer/multiple-reader mode */
    char backend[32];
    int threads;
    char host[256];           /* P > 1: rank 0's (all attributes are rank 0's values) */
    const char *config_text;  /* the effective options as INI text */
    const char *command_line;
    /* Provenance filled by the writer (read back from a file): */
    int mpi_ranks;            /* ranks that wrote the file (1: a single process) */
    char slurm_job_id[64];    /* empty: taken from $SLURM_JOB_ID ("" outside Slurm) */
} corun_h5_meta_t;

/* Which part of the grid this process writes and reads, and with whom.
 * All zero (the default): a single process, the whole grid. */
typedef struct corun_h5_par {
    int64_t row0, rows; /* this rank's rows row0 .. row0+rows-1; rows 0: the whole grid.
                         * P > 1: every rank at least one row, the slabs tiling the grid */
    int mpi;            /* 1: all ranks of the MPI job share the file (parallel HDF5 when
                         * the job has more than one rank; ignored without MPI) */
} corun_h5_par_t;

/* Run statistics stored as attributes when a run ends. */
typedef struct corun_h5_stats {
    double io_seconds, stall_seconds, overlap;
    double io_cpu_seconds; /* CPU time of the I/O thread's writes (this process) */
    int64_t frames;        /* frames this run wrote */
    int64_t final_generation;
    const char *status; /* "complete", "interrupted" or "failed" */
    const char *error;  /* "failed": what went wrong, stored as the `error` attribute
                         * (NULL: none known; a sticky write error is used then) */
} corun_h5_stats_t;

typedef struct corun_h5_file corun_h5_file_t;

/* ---- writer (one thread at a time) ---- */

/* Parses "none", "gzip", "gzip:LEVEL" (1-9) or "lz4". */
CORUN_API int corun_h5_codec_parse(const char *s, corun_h5_codec_t *codec, int *level,
                                   corun_err_t *err);
/* 1 if this HDF5 library can use the codec (lz4 needs Debian's
 * hdf5-filter-plugin), else 0 with the reason in err. */
CORUN_API int corun_h5_codec_available(corun_h5_codec_t codec, corun_err_t *err);

/* Reads a corun file's metadata and the generation of its last complete
 * frame without changing it (read-only, default driver; any number of ranks
 * may call it at once): what a restart needs before it can choose slabs.
 * config_text and command_line are set to NULL. */
CORUN_API int corun_h5_read_meta(const char *path, corun_h5_meta_t *m, int64_t *last_gen,
                                 corun_err_t *err);

/* Creates a new file; an existing one is an error unless force. par may be
 * NULL (a single process). P > 1: collective; --swmr is refused. */
CORUN_API int corun_h5_create(const char *path, const corun_h5_meta_t *m, int force,
                              const corun_h5_par_t *par, corun_h5_file_t **out, corun_err_t *err);
/* Opens a file written by corun for appending (--restart): fills *m from its
 * attributes (strings in m point into the file object) and the generation of
 * its last frame. Population records past that generation are dropped.
 * The slab in par may differ from the one of the run that wrote the file
 * (restart with another P). */
CORUN_API int corun_h5_open_append(const char *path, const corun_h5_par_t *par,
                                   corun_h5_meta_t *m, int64_t *last_gen, corun_h5_file_t **out,
                                   corun_err_t *err);
/* The last frame's rows of this slab, bit-packed (rows * words_per_row);
 * with progress, a big frame shows a progress line on stderr. Verifies the
 * frame: a chunk whose checksum does not match, a byte cell other than 0/1
 * or a padding bit set is refused (CORUN_EPARSE, naming the frame and its
 * rows). stop (may be NULL): when it becomes non-zero the read ends at the
 * next piece of rows with CORUN_ECANCELED. */
CORUN_API int corun_h5_read_last_frame(corun_h5_file_t *f, uint64_t *words, int progress,
                                       const volatile sig_atomic_t *stop, corun_err_t *err);
/* The provenance of the run leg that appends (a restart): command line,
 * config text, backend, threads, host and (empty: $SLURM_JOB_ID) job id are
 * taken from leg and recorded in the leg's /runs record when it first
 * appends. A new file records corun_h5_create's meta as its first leg. */
CORUN_API int corun_h5_set_leg(corun_h5_file_t *f, const corun_h5_meta_t *leg, corun_err_t *err);
/* Appends one frame: this slab's rows, bit-packed, stored in the file's format. */
CORUN_API int corun_h5_append_frame(corun_h5_file_t *f, int64_t generation, const uint64_t *words,
                                    corun_err_t *err);
/* Where a frame's rows come from: words (rows of words_per_row words, no
 * gaps), or, where words is NULL, copy() writing rows y0..y0+n-1 of the
 * slab to dst (row k at dst + k*stride; 0, or non-zero on failure). */
typedef struct corun_h5_rows {
    const uint64_t *words;
    int (*copy)(void *ctx, int64_t y0, int64_t n, uint64_t *dst, int64_t stride);
    void *ctx;
} corun_h5_rows_t;
/* 1 if f takes frames from a copy() source (corun_h5_append_rows), piece by
 * piece without a full-frame buffer; 0: give it whole frames. */
CORUN_API int corun_h5_takes_rows(const corun_h5_file_t *f);
/* corun_h5_append_frame from a source (words, or copy() where
 * corun_h5_takes_rows(f)). */
CORUN_API int corun_h5_append_rows(corun_h5_file_t *f, int64_t generation,
                                   const corun_h5_rows_t *src, corun_err_t *err);
/* Writes populations of generations first .. first+n-1 (extends the series). */
CORUN_API int corun_h5_write_pops(corun_h5_file_t *f, int64_t first, const int64_t *pops,
                                  int64_t n, corun_err_t *err);
CORUN_API int corun_h5_flush(corun_h5_file_t *f, corun_err_t *err);
/* P > 1 (collective): returns 0 if rc is 0 on every rank, else an error on
 * every rank (its own, or the first failing rank's message). After an
 * agreed error make no more writes, only corun_h5_finish or close (a rank
 * whose own write failed has a sticky error, the others not). A single
 * process: returns rc. */
CORUN_API int corun_h5_agree(corun_h5_file_t *f, int rc, corun_err_t *err);
/* P > 1 (collective): makes *st the same on every rank: the largest io and
 * stall seconds, the overlap they give, the worst status. */
CORUN_API void corun_h5_agree_stats(corun_h5_file_t *f, corun_h5_stats_t *st);
/* Stores the statistics (agreed first) and closes (reopening without SWMR if needed).
 * After a failure (a sticky write error, or status "failed") the status
 * becomes "failed" with the message as the `error` attribute, as far as the
 * file can still be written. A restart leg that failed before appending
 * anything leaves the status the file had. The file object is freed (and
 * its lock released) whatever happens. */
CORUN_API int corun_h5_finish(corun_h5_file_t *f, const corun_h5_stats_t *st, corun_err_t *err);
/* Closes without statistics (error paths; the status attribute stays as it
 * is). NULL is a no-op. */
CORUN_API void corun_h5_close(corun_h5_file_t *f);

/* Why the last HDF5 call failed, for a message: the OS reason HDF5 keeps
 * in its error stack ("No space left on device"), else HDF5's innermost
 * message with strerror(err_no) (the errno saved right after the failed
 * call; 0: none) when HDF5 dropped it. Clears the error stack. */
CORUN_API void corun_h5_error_reason(char *reason, size_t n, int err_no);
/* Closes an HDF5 file (a hid_t) after one of its writes failed, without
 * writing more to it: HDF5 would otherwise flush its cached changes at
 * close, fail again (disk full), keep the file open and crash in its
 * at-exit clean-up. With the default driver the file's descriptor is
 * swapped for an anonymous memory file first, so the file on disk keeps
 * its last flushed state. Returns 0 or -1 (HDF5 still refused). */
CORUN_API int corun_h5_close_failed(int64_t file);

/* ---- the overlapped snapshot pipeline (compute thread) ---- */

typedef struct corun_snap corun_snap_t;

typedef struct corun_snap_config {
    const char *path;
    corun_h5_meta_t meta;
    int force;    /* overwrite an existing file */
    int restart;  /* append to path instead (meta is read from the file) */
    int buffers;  /* frames in flight before compute waits; default 3 */
    corun_h5_par_t par; /* this rank's slab and MPI sharing (zero: single process) */
    int progress; /* restart: a progress line while a big last frame is read */
    const volatile sig_atomic_t *stop; /* restart: non-zero stops the read of the
                                        * last frame (CORUN_ECANCELED); may be NULL */
} corun_snap_config_t;

/* Starts the I/O loop and creates (or, with restart, opens) the file. With
 * restart, cfg->meta is filled from the file and *start_gen receives the
 * generation of the last frame (its rows: corun_snap_restart_frame). A
 * restart under MPI chooses its slabs from corun_h5_read_meta's height first.
 *
 * MPI (par.mpi, P > 1): open, submit and close are collective over the
 * ranks (see the top of this file): every rank submits the same sequence of
 * generations and (global) populations; be->get_rows (or its snap ops) must
 * give only the slab's rows, rows * words_per_row words. The statistics
 * close returns are the agreed ones. */
CORUN_API int corun_snap_open(corun_snap_config_t *cfg, corun_snap_t **out, int64_t *start_gen,
                              corun_err_t *err);
/* With restart: the provenance of this leg (corun_h5_set_leg), recorded
 * in the file's /runs with the leg's first append. */
CORUN_API int corun_snap_leg(corun_snap_t *s, const corun_h5_meta_t *leg, corun_err_t *err);
/* With restart: copies the last frame's rows of this slab into g (a grid of
 * the slab's rows). */
CORUN_API int corun_snap_restart_frame(corun_snap_t *s, corun_life_grid_t *g, corun_err_t *err);
/* Hands over generation `gen` of the backend state as a frame, with the
 * populations of generations first_pop .. first_pop+npops-1 recorded since
 * the last call. Waits only if every buffer is in flight (stall time).
 * be/state NULL: populations only, no frame. Returns the I/O side's first
 * error as soon as it is known. */
CORUN_API int corun_snap_submit(corun_snap_t *s, int64_t gen, const corun_life_backend_t *be,
                                void *state, int64_t first_pop, const int64_t *pops,
                                int64_t npops, corun_err_t *err);
/* Lets the writer start (it waits from open until this call, or close):
 * the stepping loop calls it after its first chunk, which so runs next to
 * an idle writer. busy: the writer is on a frame now (1) or idle (0). */
CORUN_API void corun_snap_go(corun_snap_t *s);
CORUN_API int corun_snap_busy(corun_snap_t *s);
/* Waits for every frame, stores the statistics (status as given), closes the
 * file, stops the loop and frees s; *st gets io/stall/overlap. */
CORUN_API int corun_snap_close(corun_snap_t *s, corun_h5_stats_t *st, corun_err_t *err);

/* ---- reading any frame without changing the file (frames_read.c) ---- */

/* What a reader sees in a file: its metadata, the frames /generation lists
 * when it is opened (a running corun may add more later: they are not
 * seen), and its previews. */
typedef struct corun_h5_frames {
    corun_h5_meta_t meta;       /* config_text, command_line: NULL */
    int64_t nframes;            /* complete frames (>= 1) */
    const int64_t *generation;  /* their generations, increasing */
    int64_t preview_block;      /* /previews' block size; 0: the file has none */
    int64_t npreviews;          /* complete previews: frames 0..npreviews-1 */
} corun_h5_frames_t;

typedef struct corun_h5_reader corun_h5_reader_t;

/* Opens a snapshot file read-only after the checks corun_h5_read_meta makes
 * (messages name the file); a file written with --swmr (live, or marked by
 * a killed writer) as a SWMR reader, after its attributes and header digest
 * are checked. A file a running corun writes can be read: set
 * HDF5_USE_FILE_LOCKING=FALSE before the first call (HDF5 1.10 locks a file
 * for as long as a writer has it open; corun render does this). */
CORUN_API int corun_h5_reader_open(const char *path, corun_h5_reader_t **out,
                                   const corun_h5_frames_t **info, corun_err_t *err);
/* Rows y0..y0+n-1 of frame k (0-based, < nframes), bit-packed (the grid
 * layout), row i at words + i * stride (stride >= words per row). Checks the
 * chunk checksum and the cells (0/1, no bits past the width). */
CORUN_API int corun_h5_reader_rows(corun_h5_reader_t *r, int64_t k, int64_t y0, int64_t n,
                                   uint64_t *words, int64_t stride, corun_err_t *err);
/* The preview of frame k (< npreviews): ceil(height/B) rows of
 * ceil(width/B) values (corun_life_preview_values), B = preview_block. */
CORUN_API int corun_h5_reader_preview(corun_h5_reader_t *r, int64_t k, uint8_t *out,
                                      corun_err_t *err);
CORUN_API void corun_h5_reader_close(corun_h5_reader_t *r);

#endif
