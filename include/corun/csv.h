/* csv.h — the CSV workload: generate sales-records files, split a file into
 * one file per value of a column, and aggregate counts and exact sums per
 * group (the seed's "Future" section, at the speed of the disk).
 *
 * What it does. Input is RFC 4180: fields separated by ',', records ended by
 * LF or CRLF (mixed is fine), quoted fields with commas, doubled quotes and
 * line breaks inside, an optional UTF-8 byte-order mark, an optional final
 * line without a terminator. Blank lines are skipped (as Python's csv does).
 * Every record must have as many fields as the header; a quote inside an
 * unquoted field, text after a closing quote and an unterminated quote are
 * errors. corun_csv_split writes, for every distinct value of a column (or
 * for each value of a list), OUTDIR/<name>.csv holding the input's first
 * bytes up to and including the header line, then that value's records
 * byte-for-byte as in the input and in input order. <name> is the value
 * ASCII-lowercased and sanitised (corun_csv_name_for): no value can name a
 * file outside OUTDIR. docs/CSV.md describes the rules and the CLI.
 *
 * Memory. The input is mapped read-only and processed in windows of
 * window_bytes; the row index of at most a few windows is alive at once, so
 * memory stays bounded for inputs larger than RAM (the mapped pages are page
 * cache, reclaimable). Options and results are caller-owned structs.
 *
 * Threads. The omp backend parses each window with OpenMP threads; output
 * files are written by coroutines of a private aio loop (include/corun/aio.h)
 * whose pool threads do the pwritev calls while later windows are parsed.
 * Nothing here keeps global state: calls may run concurrently.
 *
 * Failure. Every call returns 0 or a negative CORUN_E* code with a message
 * naming the file, the line (1-based, physical lines) and the field. A split
 * builds the whole new OUTDIR aside and swaps it into place only when
 * everything succeeded (include/corun/outdir.h): a failed or stopped split
 * leaves the old OUTDIR (or none) exactly as it was. Nothing here calls
 * exit() or abort().
 */
#ifndef CORUN_CSV_H
#define CORUN_CSV_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "corun/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ backends */

typedef struct corun_csv_scan corun_csv_scan_t; /* opaque: one window's work */

/* A parsing backend (struct of function pointers, one file per backend).
 * scan() parses the records that start in [begin, end) of the mapped input
 * (begin is a record start) and returns in *next the offset just past the
 * last of them. A record may run past `end`; records starting at or after
 * `end` belong to the next window. On a malformed record it returns
 * CORUN_EPARSE and the scan records the smallest offending offset, so every
 * backend reports the same (first) error. */
typedef struct corun_csv_backend {
    const char *name;
    int (*scan)(corun_csv_scan_t *scan, uint64_t begin, uint64_t end, uint64_t *next,
                corun_err_t *err);
} corun_csv_backend_t;

CORUN_API extern const corun_csv_backend_t corun_csv_backend_serial;
CORUN_API extern const corun_csv_backend_t corun_csv_backend_omp;
/* Only in builds with the cuda backend (CORUN_CUDA_BACKEND, src/csv/csv_cuda.c
 * and kernels/csv_cuda.cu): use corun_csv_backend_find("cuda"). */
CORUN_API extern const corun_csv_backend_t corun_csv_backend_cuda;

/* "serial", "omp", "cuda" or "auto" (= cuda with a real GPU visible, else
 * omp); NULL with a message otherwise (cuda in a build without it). */
CORUN_API const corun_csv_backend_t *corun_csv_backend_find(const char *name, corun_err_t *err);

/* ------------------------------------------------------------------ generate */

typedef struct corun_csv_gen_opts {
    uint64_t rows;          /* data records (default 1000) */
    uint64_t seed;          /* default 1 */
    double quoted_fraction; /* 0..1: records with RFC 4180 quoted fields */
    int threads;            /* 0: the OpenMP default */
    int crlf;               /* records end with CRLF instead of LF */
    int bom;                /* start with a UTF-8 byte-order mark */
} corun_csv_gen_opts_t;

typedef struct corun_csv_gen_result {
    uint64_t rows, bytes;
    uint64_t hash;          /* FNV-1a 64 of the file's bytes */
    double seconds;
} corun_csv_gen_result_t;

CORUN_API void corun_csv_gen_opts_init(corun_csv_gen_opts_t *o);
/* Writes the file (to a temporary name, renamed at the end). Record i
 * depends only on (seed, i): the same bytes for any thread count. */
CORUN_API int corun_csv_gen(const corun_csv_gen_opts_t *o, const char *path,
                            corun_csv_gen_result_t *res, corun_err_t *err);

/* --------------------------------------------------------------------- split */

typedef struct corun_csv_split_opts {
    const char *input;
    const char *by;                 /* header name of the key column */
    const char *const *only;        /* NULL or nonly values: only these files */
    size_t nonly;
    const char *outdir;
    int force;                      /* replace an existing outdir (outdir.h) */
    const corun_csv_backend_t *backend; /* NULL: omp */
    int threads;                    /* 0: the OpenMP default */
    size_t window_bytes;            /* 0: 64 MiB */
    size_t max_files;               /* 0: 4096 distinct values at most */
    /* NULL, or a flag (set by a signal handler): once non-zero, the split
     * stops at the next window and returns CORUN_ECANCELED, leaving
     * nothing behind. */
    volatile sig_atomic_t *stop;
} corun_csv_split_opts_t;

typedef struct corun_csv_split_result {
    uint64_t rows;       /* data records read */
    uint64_t rows_out;   /* records written */
    uint64_t bytes_in, bytes_out;
    size_t files;
    double seconds;      /* whole call */
    double io_wait;      /* seconds the parser waited for writers */
    uint64_t hash;       /* FNV-1a 64 over (name, rows, bytes) of each file, in name order */
} corun_csv_split_result_t;

CORUN_API void corun_csv_split_opts_init(corun_csv_split_opts_t *o);
CORUN_API int corun_csv_split(const corun_csv_split_opts_t *o, corun_csv_split_result_t *res,
                              corun_err_t *err);

/* --------------------------------------------------------------------- stats */

#define CORUN_CSV_SUM_MAX 15

typedef struct corun_csv_stats_opts {
    const char *input;
    const char *by;
    const char *const *sum;  /* columns to sum: amounts with at most 2 decimals */
    size_t nsum;
    const corun_csv_backend_t *backend;
    int threads;
    size_t window_bytes;
    size_t max_groups;       /* 0: 1,000,000 */
    FILE *out;               /* the result as CSV, groups in byte order of the value */
} corun_csv_stats_opts_t;

typedef struct corun_csv_stats_result {
    uint64_t rows, bytes_in;
    size_t groups;
    double seconds;
    uint64_t hash;           /* FNV-1a 64 of the CSV text written to out */
} corun_csv_stats_result_t;

CORUN_API void corun_csv_stats_opts_init(corun_csv_stats_opts_t *o);
CORUN_API int corun_csv_stats(const corun_csv_stats_opts_t *o, corun_csv_stats_result_t *res,
                              corun_err_t *err);

/* --------------------------------------------------------------------- names */

#define CORUN_CSV_NAME_MAX 128 /* bytes of a file name, ".csv" included, plus NUL */

/* The file name stem for a value: ASCII-lowercased; bytes outside
 * [a-z0-9 -_.,'()&+], invalid UTF-8, and invisible or direction-changing
 * characters (bidirectional controls, zero-width and other format
 * characters: docs/CSV.md) become '_'; a leading '.', '-' or ' ' and a
 * trailing ' ' or '.' too; at most 100 bytes (cut on a UTF-8 boundary); empty ->
 * "_". Returns 1 if anything was changed besides lowercasing (the caller then
 * appends a hash: see corun_csv_name_for), else 0. out has
 * CORUN_CSV_NAME_MAX bytes. */
CORUN_API int corun_csv_name_stem(const char *value, size_t len, char *out);
/* The final file name ("<stem>.csv", or "<stem>~<16 hex>.csv" when the stem
 * was changed or `shared` says another distinct value has the same stem). */
CORUN_API void corun_csv_name_for(const char *value, size_t len, int shared, char *out);

#ifdef __cplusplus
}
#endif
#endif
