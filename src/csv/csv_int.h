/* csv_int.h — internals shared by the files of src/csv/: the key dictionary,
 * the per-thread scan slots and the window scan state the backends fill.
 *
 * A scan covers one mapped input. Each backend thread owns one slot: a local
 * dictionary (key bytes -> local id, ids in order of first appearance in the
 * slot's part of the file), the records it parsed (offset, length, local id)
 * and, for stats, per-key counters. After each window the driver merges the
 * slots in order into a global dictionary, so global ids are in order of
 * first appearance in the file whatever the thread count.
 */
#ifndef CORUN_CSV_INT_H
#define CORUN_CSV_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "corun/csv.h"
#include "csv_scan.h"

/* ---- dictionary: byte strings -> dense ids 0, 1, ... (open addressing) ---- */
typedef struct csv_dict_ent {
    uint64_t hash;
    uint64_t koff; /* in arena */
    uint32_t klen;
} csv_dict_ent_t;

/* A slot of the open-addressing table carries the key's packed words, so a
 * lookup of a key of at most 16 bytes reads one slot and nothing else. */
typedef struct csv_dict_slot {
    uint64_t w0, w1; /* the key packed as csv_scan.c's key_words does */
    uint32_t len;
    uint32_t id1;    /* 0 empty, else id + 1 */
} csv_dict_slot_t;

typedef struct csv_dict {
    csv_dict_slot_t *tab;
    size_t cap;    /* power of two */
    int shift;     /* 64 - log2(cap): the slot of hash h is h >> shift */
    csv_dict_ent_t *ent;
    size_t n, ecap;
    char *arena;
    size_t alen, acap;
} csv_dict_t;

void csv_dict_init(csv_dict_t *d);
void csv_dict_free(csv_dict_t *d);
/* The id of key; with add, a new key gets the next id. -1: absent (no add),
 * -2: out of memory. */
int64_t csv_dict_get(csv_dict_t *d, const char *key, size_t len, int add);
static inline const char *csv_dict_key(const csv_dict_t *d, uint32_t id, size_t *len) {
    *len = d->ent[id].klen;
    return d->arena + d->ent[id].koff;
}

/* ---- one thread's slot ---- */
typedef struct csv_rowrec {
    uint64_t off;
    uint32_t len;
    uint32_t key; /* local id during the scan, global id after the merge */
} csv_rowrec_t;

/* CSV_ERR_RANGE: an amount too large for hundredths in int64; CSV_ERR_SUM:
 * a group's sum left that range. */
enum { CSV_ERR_NONE = 0, CSV_ERR_AMOUNT = -10, CSV_ERR_NOMEM = -11, CSV_ERR_RANGE = -12,
       CSV_ERR_SUM = -13 };

/* ---- staging (csv_stage.c): a split's records copied by key as parsed ---- */
typedef struct csv_arena {
    char **blk;
    size_t *size;
    size_t nblk, bcap;
    size_t cur, off; /* carving position: block, offset */
} csv_arena_t;

typedef struct csv_stage_key {
    struct iovec *iov; /* the key's chunks in this window, in input order */
    size_t niov, icap;
    char *cur, *end;   /* free space of the last chunk */
    uint64_t bytes, rows;
    int wanted;        /* 0: not an --only value, not staged */
} csv_stage_key_t;

typedef struct csv_slot {
    csv_dict_t dict;
    uint32_t *to_global; /* local id -> global id, for ids merged so far */
    size_t nmapped, mapcap;
    csv_rowrec_t *rows;
    size_t nrows, rcap;
    uint64_t records; /* data records parsed (also in stats mode) */
    int64_t *acc;     /* stats: per local id, count then nsum sums (cents) */
    size_t acckeys;
    int dec[CORUN_CSV_SUM_MAX]; /* most decimals seen per sum column */
    char *scratch;    /* unescaped quoted keys/amounts */
    size_t scap;
    csv_stage_key_t *sk; /* split with staging: per local id */
    size_t nsk, skcap;
    csv_arena_t arena;
    /* the slot's first error (scans stop at it) */
    int ekind;        /* CORUN_CSV_E_* or CSV_ERR_* ; 0 none */
    uint64_t eoff;    /* offending byte (record start for a ragged record) */
    uint32_t efield;  /* ragged: the field count; amount: the sum index */
} csv_slot_t;

struct corun_csv_scan {
    const unsigned char *b;
    uint64_t n;
    uint32_t ncols;
    uint32_t want[CORUN_CSV_WANT_MAX]; /* increasing column indices */
    int nwant;
    int key_k;                         /* index in want[] of the key column */
    int sum_k[CORUN_CSV_SUM_MAX];      /* index in want[] of each sum column */
    int nsum;
    int keep_rows;                     /* split: keep the record list */
    int stage;                         /* split: stage records as parsed (csv_stage.c) */
    const csv_dict_t *only_dict;       /* split --only: staged keys are its ids < only_n */
    size_t only_n;
    int threads;
    uint64_t min_chunk;                /* omp: bytes per chunk at least */
    int scalar;                        /* test hook: no fast scanner (CORUN_CSV_SCALAR=1) */
    csv_slot_t *slots;
    int nslots;
    /* Line numbers in errors: line `line_at` starts at byte `line_from`
     * (0/0: count from the start of the file). Under MPI a rank sets them
     * from a prefix sum of the LFs before its byte range. */
    uint64_t line_from, line_at;
};

/* Parses the records starting in [from, to) into sl; returns the offset
 * after the last one parsed. Stops at the slot's first error (sl->ekind). */
uint64_t csv_scan_range(corun_csv_scan_t *s, csv_slot_t *sl, uint64_t from, uint64_t to);
/* The number of '"' bytes in b[from, to): corun_csv_count_quotes with SIMD. */
uint64_t csv_count_quotes(const unsigned char *b, uint64_t from, uint64_t to);
/* stats: adds one row of key id to the slot's count and --sum totals (cents);
 * -1 with the slot's error set (the amount field, or out of memory). */
int csv_slot_add_amounts(corun_csv_scan_t *s, csv_slot_t *sl, uint32_t id, uint64_t start,
                         const corun_csv_field_t *f);

/* Copies the record p[0..len) of local key id to the end of the key's
 * staging chunks (nothing for a key --only leaves out); -1: out of memory. */
int csv_stage_append(const corun_csv_scan_t *s, csv_slot_t *sl, uint32_t id,
                     const unsigned char *p, size_t len);
/* csv_stage_append, with its common case (room in the key's chunk) inline:
 * it runs once per record. */
static inline int csv_stage_put(const corun_csv_scan_t *s, csv_slot_t *sl, uint32_t id,
                                const unsigned char *p, size_t len) {
    if (id < sl->nsk) {
        csv_stage_key_t *k = &sl->sk[id];
        if (!k->wanted) return 0;
        if (k->cur && (size_t)(k->end - k->cur) >= len) {
            k->rows++;
            k->bytes += len;
            memcpy(k->cur, p, len);
            k->cur += len;
            k->iov[k->niov - 1].iov_len += len;
            return 0;
        }
    }
    return csv_stage_append(s, sl, id, p, len);
}
/* Stages every slot's record list (for backends that index rows). */
int csv_stage_rows(corun_csv_scan_t *s);
/* Empties a slot's staging (after its chunks went into a write plan). */
void csv_stage_reset(csv_slot_t *sl);
void csv_stage_free(csv_slot_t *sl);
void csv_arena_free(csv_arena_t *a);

/* Clears every slot's record list (keeps dictionaries and counters). */
void csv_scan_reset_rows(corun_csv_scan_t *s);

/* Formats the first error over all slots as "<path>:<line>: ..." into err. */
int csv_scan_error(const corun_csv_scan_t *s, const char *path, const char *const *colnames,
                   corun_err_t *err);

/* Line (1-based) of byte off: LFs before it, plus one. */
uint64_t csv_line_of(const unsigned char *b, uint64_t off);

/* Copies a quoted field's content with "" collapsed into the slot's
 * scratch; returns the bytes to use (the input itself if nothing to undo). */
const char *csv_field_bytes(csv_slot_t *sl, const unsigned char *b, const corun_csv_field_t *f,
                            size_t *len);

/* ---- the input: mapped, header parsed ---- */
typedef struct csv_input {
    const char *path;
    int fd;
    const unsigned char *b;
    uint64_t n;
    uint64_t body;      /* offset of the first byte after the header record */
    uint64_t hdr_start; /* after the BOM */
    uint32_t ncols;
    char **colnames;    /* unescaped header fields */
} csv_input_t;

int csv_input_open(csv_input_t *in, const char *path, corun_err_t *err);
void csv_input_close(csv_input_t *in);
/* Column index of name, or an error naming the file and line 1. */
int csv_input_column(const csv_input_t *in, const char *name, uint32_t *col, corun_err_t *err);

int csv_scan_init(corun_csv_scan_t *s, const csv_input_t *in, int threads, corun_err_t *err);
void csv_scan_fini(corun_csv_scan_t *s);

/* Merges the slots' new local keys into g (in slot order) and rewrites the
 * slots' records to global ids. -2 out of memory. */
int csv_scan_merge(corun_csv_scan_t *s, csv_dict_t *g);

/* ---- csv_split.c, shared with the MPI split (src/mpi/csv_split_mpi.c) ---- */

/* --only values take ids 0..nonly-1 of g (a value listed twice is refused). */
int csv_split_only(csv_dict_t *g, const char *const *only, size_t nonly, corun_err_t *err);
/* Whether an entry of an existing OUTDIR is one a split writes (a ".csv"
 * file), so that --force may replace the folder holding it (outdir.h). */
int csv_split_output_name(const char *name);
/* CORUN_ECANCELED with a message if *stop is set (a signal), else 0. */
int csv_split_stopped(volatile sig_atomic_t *stop, const char *outdir, corun_err_t *err);
/* Final names of the outputs i < n with used[i], from their values (id i of
 * g): a stem shared by two used values makes both hashed; a collision of
 * final names is refused. */
int csv_split_names(const csv_dict_t *g, size_t n, const unsigned char *used,
                    char (*names)[CORUN_CSV_NAME_MAX], corun_err_t *err);
/* The summary: FNV-1a 64 over (name, rows, size) of every used output in
 * name order, and files/rows_out/bytes_out, into r. */
int csv_split_hash(size_t n, const unsigned char *used, const char (*names)[CORUN_CSV_NAME_MAX],
                   const uint64_t *rows, const uint64_t *sizes, corun_csv_split_result_t *r,
                   corun_err_t *err);
/* Counts record-separating LFs for line numbers: the line of byte off when
 * line `line_at` starts at byte `from` (from <= off). */
uint64_t csv_line_from(const unsigned char *b, uint64_t from, uint64_t line_at, uint64_t off);

#endif
