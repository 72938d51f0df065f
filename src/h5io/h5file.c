/* h5file.c — the HDF5 snapshot file: create, append frames and populations,
 * reopen for --restart, final statistics. Layout: docs/FORMAT.md.
 *
 * Crash safety. A frame's data is flushed before its entry in /generation
 * (the index readers go by) is written and flushed, and nothing else is
 * written in between, so the metadata on disk always describes complete
 * frames: a run
 * killed with -9 leaves a file that opens normally with every flushed frame.
 * (Data written after the last flush sits past the file's end-of-allocation
 * and is ignored.) With --swmr the file uses the latest format and HDF5's
 * SWMR ordering so readers can follow the run live; HDF5 1.10 marks such a
 * file "open for writing", so after a crash non-SWMR readers need
 * `h5clear -s FILE` first (SWMR readers do not).
 *
 * Errors are sticky (f->failed): after a failed call every later one returns
 * the first message, and nothing more is written.
 *
 * MPI (P > 1 ranks, parallel HDF5 with the MPI-IO driver). The ranks open
 * the file together on a duplicate of MPI_COMM_WORLD and make every call
 * together: metadata changes (create, extend, attributes, flush, close) with
 * identical arguments, so attribute values are rank 0's (broadcast); frame
 * rows with collective transfers, each rank selecting its own rows (the
 * bytes format converts in the same number of pieces on every rank: empty
 * selections where a rank has fewer rows); /generation and /population
 * entries (identical everywhere) are selected by rank 0 only. Chunks and
 * attributes are those of a single-process file, so the file is the same.
 * Rank 0 decides whether the file exists. A single process, also under
 * `mpirun -np 1`, uses the default driver as in a build without MPI.
 */
#include <errno.h>
#include <hdf5.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "corun/core.h"
#include "corun/h5io.h"
#include "corun/lock.h"
#include "corun/mpi.h"
#include "h5_int.h"

#define LZ4_FILTER_ID 32004 /* registered id of the LZ4 filter (hdf5-filter-plugin) */
/* The layout written (docs/FORMAT.md); version 1 files (no /previews) are
 * still read and continued as they are. */
#define H5IO_FORMAT_VERSION "2"


/* ------------------------------------------------------------ messages */

typedef struct h5_walk {
    char *buf;
    size_t n;
} h5_walk_t;

static herr_t walk_cb(unsigned depth, const H5E_error2_t *e, void *data) {
    h5_walk_t *w = data;
    if (depth == 0 && e->desc) snprintf(w->buf, w->n, "%s", e->desc);
    return 0;
}

void corun_h5_error_reason(char *reason, size_t n, int err_no) {
    reason[0] = '\0';
    h5_walk_t w = {reason, n};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walk_cb, &w);
    H5Eclear2(H5E_DEFAULT);
    /* HDF5's low-level messages span lines and embed the OS reason as
     * "error message = '...'": keep just that when present. */
    const char *em = strstr(reason, "error message = '");
    if (em) {
        char tmp[256];
        snprintf(tmp, sizeof tmp, "%s", em + 17);
        char *q = strchr(tmp, '\'');
        if (q) *q = '\0';
        snprintf(reason, n, "%s", tmp);
    } else if (err_no && (!reason[0] || strstr(reason, "unable to") || strstr(reason, "failed"))) {
        /* HDF5's own words without the OS reason it dropped (its flush
         * and close paths): the errno the caller saved right after the
         * call. */
        char tmp[256];
        snprintf(tmp, sizeof tmp, "%s", reason);
        snprintf(reason, n, "%s%s%s", tmp, tmp[0] ? ": " : "", strerror(err_no));
    }
    for (char *c = reason; *c; c++)
        if (*c == '\n' || *c == '\t') *c = ' ';
}

/* Records an error naming the file and the operation, with HDF5's innermost
 * reason when it has one (else errno's, saved before anything else ran);
 * makes the file's error state sticky. */
static int fail(corun_h5_file_t *f, const char *path, corun_err_t *err, int code,
                const char *what) {
    const int err_no = errno;
    char reason[256];
    corun_h5_error_reason(reason, sizeof reason, err_no);
    corun_err_t e;
    corun_err_set(&e, code, "%s: %s failed%s%s", path, what, reason[0] ? ": " : "", reason);
    if (f && !f->failed) {
        f->failed = 1;
        f->first_err = e;
    }
    if (err) *err = e;
    return code;
}

static int sticky(corun_h5_file_t *f, corun_err_t *err) {
    if (err) *err = f->first_err;
    return f->first_err.code ? f->first_err.code : CORUN_EIO;
}

/* Debian's hdf5-filter-plugin installs the LZ4 filter for the serial HDF5
 * only (.../hdf5/serial/plugins); the parallel library searches
 * .../hdf5/openmpi/plugins, which nothing fills. The filter needs no more of
 * HDF5 than its allocator (plain malloc/free in both), so a parallel build
 * also searches the serial folder, unless HDF5_PLUGIN_PATH says otherwise:
 * first, because HDF5 1.10 gives up its search at a folder that does not
 * exist. */
static void plugin_path(void) {
#if defined(H5_HAVE_PARALLEL) && defined(__linux__)
    static int done;
    if (done || getenv("HDF5_PLUGIN_PATH")) return;
    done = 1;
#if defined(__x86_64__)
    H5PLprepend("/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins");
#elif defined(__aarch64__)
    H5PLprepend("/usr/lib/aarch64-linux-gnu/hdf5/serial/plugins");
#endif
#endif
}

static void quiet_hdf5(void) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    plugin_path();
}

/* ---------------------------------------------------------------- MPI */

static int parallel(const corun_h5_file_t *f) { return f->nranks > 1; }

/* Sets up this file's slab and, for P > 1 ranks, its own communicator and
 * collective transfer list. */
static int par_setup(corun_h5_file_t *f, const corun_h5_par_t *par, corun_err_t *err) {
    f->rank = 0;
    f->nranks = 1;
    f->dxpl = H5P_DEFAULT;
    f->row0 = par ? par->row0 : 0;
    f->rows = par ? par->rows : 0;
#if H5IO_PAR
    f->comm = MPI_COMM_NULL;
    if (par && par->mpi && corun_mpi_active() && corun_mpi_size() > 1) {
        int rc = corun_mpi_comm_check(MPI_Comm_dup(MPI_COMM_WORLD, &f->comm),
                                      "MPI_Comm_dup (snapshot file)", err);
        if (rc) {
            f->comm = MPI_COMM_NULL;
            return rc;
        }
        MPI_Comm_set_errhandler(f->comm, MPI_ERRORS_RETURN);
        MPI_Comm_rank(f->comm, &f->rank);
        MPI_Comm_size(f->comm, &f->nranks);
        f->dxpl = H5Pcreate(H5P_DATASET_XFER);
        if (f->dxpl < 0 || H5Pset_dxpl_mpio(f->dxpl, H5FD_MPIO_COLLECTIVE) < 0)
            return corun_err_set(err, CORUN_EIO, "%s: setting up collective transfers failed",
                                 f->path);
    }
#endif
    /* Every rank writing the whole file on its own would corrupt it. */
    if (!parallel(f) && corun_mpi_active() && corun_mpi_size() > 1)
        return corun_err_set(err, CORUN_EINTERNAL,
                             "%s: %d MPI ranks but the snapshot file is not shared (par.mpi)",
                             f->path, corun_mpi_size());
    return 0;
}

static int all_ok(corun_h5_file_t *f, int ok);

#if H5IO_PAR
static int cmp_slab(const void *a, const void *b) {
    const int64_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : (x[1] > y[1]) - (x[1] < y[1]);
}
#endif

/* Checks the slab against the height (known once the metadata is) and finds
 * the largest slab of any rank. */
static int slab_check(corun_h5_file_t *f, corun_err_t *err) {
    int64_t h = f->meta.height;
    if (f->rows == 0) {
        f->row0 = 0;
        f->rows = h;
    }
    if (!parallel(f) && (f->row0 != 0 || f->rows != h))
        return corun_err_set(err, CORUN_EINVAL,
                             "%s: a slab of rows (%lld..%lld of %lld) needs the other ranks of an "
                             "MPI job (par.mpi under mpirun -np P > 1)",
                             f->path, (long long)f->row0, (long long)(f->row0 + f->rows - 1),
                             (long long)h);
    int bad = f->row0 < 0 || f->rows < 0 || f->row0 + f->rows > h;
    f->max_rows = f->rows;
#if H5IO_PAR
    if (parallel(f)) {
        /* The slabs must cover every row exactly once (a row nobody
         * writes would be a silent hole in every frame). */
        int64_t mine[2] = {f->row0, f->rows}, *all = malloc(sizeof mine * (size_t)f->nranks);
        int ok = all && MPI_Allgather(mine, 2, MPI_INT64_T, all, 2, MPI_INT64_T, f->comm) ==
                            MPI_SUCCESS;
        if (ok) {
            qsort(all, (size_t)f->nranks, sizeof mine, cmp_slab);
            int64_t next = 0;
            f->max_rows = 0;
            for (int r = 0; r < f->nranks; r++) {
                ok &= all[2 * r] == next && all[2 * r + 1] >= 0;
                next = all[2 * r] + all[2 * r + 1];
                if (all[2 * r + 1] > f->max_rows) f->max_rows = all[2 * r + 1];
            }
            ok &= next == h;
        }
        free(all);
        if (!all_ok(f, ok && !bad) && !bad)
            return corun_err_set(err, CORUN_EINVAL,
                                 "%s: the %d ranks' slabs of rows do not cover the grid's %lld "
                                 "rows exactly once (this rank: %lld..%lld)",
                                 f->path, f->nranks, (long long)h, (long long)f->row0,
                                 (long long)(f->row0 + f->rows - 1));
    }
#endif
    if (bad)
        return corun_err_set(err, CORUN_EINVAL,
                             "%s: slab rows %lld..%lld are outside the grid's %lld rows", f->path,
                             (long long)f->row0, (long long)(f->row0 + f->rows - 1), (long long)h);
    return 0;
}

/* 1 on every rank iff ok on every rank. */
static int all_ok(corun_h5_file_t *f, int ok) {
#if H5IO_PAR
    if (parallel(f)) {
        int all = 0;
        if (MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, f->comm) != MPI_SUCCESS) return 0;
        return all;
    }
#else
    (void)f;
#endif
    return ok;
}

/* Rank 0's string on every rank (malloc'd; NULL in: ""). */
char *h5io_agreed_str(corun_h5_file_t *f, const char *s) {
    if (!s) s = "";
#if H5IO_PAR
    if (parallel(f)) {
        long long n = f->rank == 0 ? (long long)strlen(s) : 0;
        MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, f->comm);
        char *b = malloc((size_t)n + 1);
        if (!b) return NULL; /* (never in practice: a few kB) */
        if (f->rank == 0) memcpy(b, s, (size_t)n);
        MPI_Bcast(b, (int)n, MPI_CHAR, 0, f->comm);
        b[n] = '\0';
        return b;
    }
#else
    (void)f;
#endif
    return strdup(s);
}

#if H5IO_PAR
/* MPI_Allreduce that waits without spinning: the ranks reach an item at
 * different times, and Open MPI's blocking wait would keep a core busy that
 * the compute threads need. Polls with a sleep growing to 1 ms. */
static int allreduce_polite(const void *in, void *out, int n, MPI_Datatype t, MPI_Op op,
                            MPI_Comm comm) {
    MPI_Request r;
    int rc = MPI_Iallreduce(in, out, n, t, op, comm, &r);
    long ns = 20000;
    for (int done = 0; rc == MPI_SUCCESS;) {
        rc = MPI_Test(&r, &done, MPI_STATUS_IGNORE);
        if (done || rc != MPI_SUCCESS) break;
        struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
        if (ns < 1000000) ns *= 2;
    }
    return rc;
}
#endif

int corun_h5_agree(corun_h5_file_t *f, int rc, corun_err_t *err) {
#if H5IO_PAR
    if (f && parallel(f)) {
        int mine = rc ? f->rank : INT_MAX, first = INT_MAX;
        if (allreduce_polite(&mine, &first, 1, MPI_INT, MPI_MIN, f->comm) != MPI_SUCCESS) {
            corun_err_set(err, CORUN_EIO, "%s: MPI_Allreduce (agreeing on errors) failed",
                          f->path);
            first = f->rank;
            rc = CORUN_EIO;
        }
        if (first == INT_MAX) return 0;
        /* Every rank reports the first failing rank's message. */
        corun_err_t e = {0};
        if (f->rank == first) {
            if (err) e = *err;
            if (!e.code) e.code = rc;
        }
        MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, f->comm);
        if (f->rank != first) {
            char msg[CORUN_ERR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", e.msg);
            corun_err_set(&e, e.code ? e.code : CORUN_EIO, "rank %d: %s", first, msg);
            if (err) *err = e;
        }
        return rc ? rc : e.code;
    }
#else
    (void)f;
    (void)err;
#endif
    return rc;
}

#if H5IO_PAR
static int status_rank(const char *s) {
    return !s ? 0 : !strcmp(s, "failed") ? 2 : !strcmp(s, "interrupted") ? 1 : 0;
}
#endif

void corun_h5_agree_stats(corun_h5_file_t *f, corun_h5_stats_t *st) {
#if H5IO_PAR
    if (f && parallel(f)) {
        double mine[4] = {st->io_seconds, st->stall_seconds, (double)status_rank(st->status),
                          (double)st->final_generation};
        double all[4];
        if (MPI_Allreduce(mine, all, 4, MPI_DOUBLE, MPI_MAX, f->comm) != MPI_SUCCESS) return;
        st->io_seconds = all[0];
        st->stall_seconds = all[1];
        st->overlap = all[0] > 0 ? 1.0 - all[1] / all[0] : 1.0;
        if (st->overlap < 0) st->overlap = 0;
        int sr = (int)all[2];
        if (sr > status_rank(st->status) || !st->status)
            st->status = sr == 2 ? "failed" : sr == 1 ? "interrupted" : "complete";
        st->final_generation = (int64_t)all[3];
    }
#else
    (void)f;
    (void)st;
#endif
}

/* ---------------------------------------------------------- attributes */

int h5io_attr_replace(hid_t loc, const char *name) {
    htri_t ex = H5Aexists(loc, name);
    if (ex < 0) return -1;
    return ex ? (H5Adelete(loc, name) < 0 ? -1 : 0) : 0;
}

int h5io_attr_str(hid_t loc, const char *name, const char *v) {
    if (h5io_attr_replace(loc, name) < 0) return -1;
    hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR), a = -1;
    int rc = -1;
    if (t >= 0 && sp >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 &&
        H5Tset_cset(t, H5T_CSET_UTF8) >= 0) {
        a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
        const char *p = v ? v : "";
        if (a >= 0 && H5Awrite(a, t, &p) >= 0) rc = 0;
    }
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    return rc;
}

static int attr_num(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v) {
    if (h5io_attr_replace(loc, name) < 0) return -1;
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = sp >= 0 ? H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    int rc = (a >= 0 && H5Awrite(a, mtype, v) >= 0) ? 0 : -1;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    return rc;
}

int h5io_attr_i64(hid_t loc, const char *name, int64_t v) {
    return attr_num(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v);
}

static int attr_f64(hid_t loc, const char *name, double v) {
    return attr_num(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

/* Reads a string attribute into a malloc'd copy (NULL if absent or bad). */
char *h5io_read_attr_str(hid_t loc, const char *name) {
    if (H5Aexists(loc, name) <= 0) return NULL;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = H5Tcopy(H5T_C_S1);
    char *out = NULL, *v = NULL;
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    if (a >= 0 && H5Aread(a, t, &v) >= 0 && v) {
        out = strdup(v);
        H5free_memory(v);
    }
    if (a >= 0) H5Aclose(a);
    H5Tclose(t);
    return out;
}

int h5io_read_attr_i64(hid_t loc, const char *name, int64_t *v) {
    if (H5Aexists(loc, name) <= 0) return -1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    int rc = (a >= 0 && H5Aread(a, H5T_NATIVE_INT64, v) >= 0) ? 0 : -1;
    if (a >= 0) H5Aclose(a);
    return rc;
}

/* ------------------------------------------------------------- codecs */

int corun_h5_codec_parse(const char *s, corun_h5_codec_t *codec, int *level, corun_err_t *err) {
    *level = 0;
    if (!strcmp(s, "none")) *codec = CORUN_H5_RAW;
    else if (!strcmp(s, "lz4")) *codec = CORUN_H5_LZ4;
    else if (!strcmp(s, "gzip")) {
        *codec = CORUN_H5_GZIP;
        *level = 4;
    } else if (!strncmp(s, "gzip:", 5)) {
        int64_t l;
        if (corun_parse_i64(s + 5, &l) || l < 1 || l > 9)
            return corun_err_set(err, CORUN_EINVAL, "compress: gzip level '%s' is not 1-9",
                                 s + 5);
        *codec = CORUN_H5_GZIP;
        *level = (int)l;
    } else {
        return corun_err_set(err, CORUN_EINVAL,
                             "compress: '%s' is not none, gzip, gzip:LEVEL or lz4", s);
    }
    return 0;
}

static const char *codec_name(corun_h5_codec_t c) {
    return c == CORUN_H5_GZIP ? "gzip" : c == CORUN_H5_LZ4 ? "lz4" : "none";
}

int corun_h5_codec_available(corun_h5_codec_t codec, corun_err_t *err) {
    quiet_hdf5();
    if (codec == CORUN_H5_RAW) return 1;
    if (codec == CORUN_H5_GZIP) {
        if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) return 1;
        corun_err_set(err, CORUN_ENOTSUP, "compress gzip: this HDF5 library has no deflate filter");
        return 0;
    }
    if (H5Zfilter_avail(LZ4_FILTER_ID) > 0) return 1;
    H5Eclear2(H5E_DEFAULT);
    corun_err_set(err, CORUN_ENOTSUP,
                  "compress lz4: the HDF5 LZ4 filter (id 32004) is not installed; install "
                  "Debian's hdf5-filter-plugin (or set HDF5_PLUGIN_PATH), or use gzip");
    return 0;
}

/* ------------------------------------------------------------- create */

static void layout(corun_h5_file_t *f) {
    const corun_h5_meta_t *m = &f->meta;
    int64_t elem = m->format == CORUN_H5_BITS ? 8 : 1;
    f->x = m->format == CORUN_H5_BITS ? corun_life_words_per_row(m->width) : m->width;
    /* Chunks of about 1 MiB: big enough for fast I/O and compression, small
     * enough for HDF5's chunk cache and for partial reads of huge frames. */
    int64_t rpc = ((int64_t)1 << 20) / (f->x * elem);
    f->rows_per_chunk = rpc < 1 ? 1 : rpc > m->height ? m->height : rpc;
    f->pblock = corun_life_preview_block(m->width, m->height, CORUN_LIFE_PREVIEW_MAX_SIDE);
    f->pw = (m->width + f->pblock - 1) / f->pblock;
    f->ph = (m->height + f->pblock - 1) / f->pblock;
}

/* The preview buffers of a writer (a file with /previews): this rank's
 * block counts, and rank 0's values. */
static int preview_buffers(corun_h5_file_t *f) {
    if (f->prevs < 0) return 0;
    const size_t cells = (size_t)(f->ph * f->pw);
    f->pcounts = malloc(cells * sizeof *f->pcounts);
    f->pvals = malloc(cells + 4); /* and a direct chunk's checksum */
    return f->pcounts && f->pvals ? 0 : -1;
}

/* Remembers the generation of a complete frame (the .xmf lists them). */
static int remember_gen(corun_h5_file_t *f, int64_t k, int64_t g) {
    if (k >= f->gen_cap) {
        int64_t cap = f->gen_cap ? 2 * f->gen_cap : 256;
        while (cap <= k) cap *= 2;
        int64_t *n = realloc(f->gen_list, (size_t)cap * sizeof *n);
        if (!n) return -1;
        f->gen_list = n;
        f->gen_cap = cap;
    }
    f->gen_list[k] = g;
    return 0;
}

/* Rewrites the .xmf (rank 0; P > 1: the outcome agreed by the caller's
 * next agreement). A failure is the writer's sticky error. */
static int xdmf_update(corun_h5_file_t *f, int force, corun_err_t *err) {
    if (!f->xmf_path || f->rank != 0) return 0;
    corun_err_t e = {0};
    if (h5io_xdmf_write(f, force, &e) == 0) return 0;
    if (!f->failed) {
        f->failed = 1;
        f->first_err = e;
    }
    if (err) *err = e;
    return e.code ? e.code : CORUN_EIO;
}

/* A dataset opened without a chunk cache (see make_dataset). */
static hid_t open_dataset(hid_t file, const char *name) {
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    hid_t d = dapl >= 0 && H5Pset_chunk_cache(dapl, 0, 0, 1.0) >= 0
                  ? H5Dopen2(file, name, dapl)
                  : -1;
    if (dapl >= 0) H5Pclose(dapl);
    return d;
}

static hid_t make_dataset(hid_t file, const char *name, hid_t type, int rank, const hsize_t *chunk,
                          const hsize_t *dims0, corun_h5_codec_t codec, int level, int checksum) {
    hsize_t maxd[3];
    for (int i = 0; i < rank; i++) maxd[i] = i == 0 ? H5S_UNLIMITED : dims0[i];
    hid_t sp = H5Screate_simple(rank, dims0, maxd), dcpl = H5Pcreate(H5P_DATASET_CREATE), d = -1;
    /* Chunks are allocated when the dataset is extended (not at the first
     * write): parallel HDF5 can only append to datasets made so, and it
     * forces it on the files it creates, so single-process files are made
     * the same way and any P can continue any file. Early allocation would
     * also write every new chunk full of the fill value first, i.e. each
     * frame twice: chunks are never filled (a frame's data is written right
     * after the extend, and a frame counts only once /generation lists it). */
    if (sp >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, rank, chunk) >= 0 &&
        H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) >= 0 &&
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0) {
        int ok = 1;
        /* Optional filters: a chunk that does not compress is stored as is. */
        if (codec == CORUN_H5_GZIP) {
            unsigned cd = (unsigned)level;
            ok = H5Pset_filter(dcpl, H5Z_FILTER_DEFLATE, H5Z_FLAG_OPTIONAL, 1, &cd) >= 0;
        } else if (codec == CORUN_H5_LZ4) {
            ok = H5Pset_filter(dcpl, LZ4_FILTER_ID, H5Z_FLAG_OPTIONAL, 0, NULL) >= 0;
        }
        /* Frame chunks checksummed (verify.c), after the compression. Not
         * the /generation and /population series: their last chunk is
         * rewritten in place at every append, and a run killed in the
         * middle of that write would leave a chunk whose checksum matches
         * neither version, making every entry in it unreadable, where
         * without one the entries already there are rewritten with their
         * own bytes and survive. Restart checks the series against each
         * other and against the last frame instead. */
        ok = ok && (!checksum || h5io_checksum_dcpl(dcpl) == 0);
        /* No chunk cache: a chunk goes to the file at its write, so that
         * nothing is left to write at close after a failed flush. */
        hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
        if (ok && dapl >= 0 && H5Pset_chunk_cache(dapl, 0, 0, 1.0) >= 0)
            d = H5Dcreate2(file, name, type, sp, H5P_DEFAULT, dcpl, dapl);
        if (dapl >= 0) H5Pclose(dapl);
    }
    if (dcpl >= 0) H5Pclose(dcpl);
    if (sp >= 0) H5Sclose(sp);
    return d;
}

/* swmr: the latest format (SWMR needs it). create: the 1.8 format, whose
 * superblock and object headers carry checksums (the 1.6 format's do not,
 * and HDF5 parses a damaged one blindly, even crashing), while HDF5 1.8
 * still reads the file. Existing files are opened as they are. */
static hid_t file_access(corun_h5_file_t *f, int swmr, int create) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && swmr) H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    else if (fapl >= 0 && create) H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
#if H5IO_PAR
    /* P > 1: MPI-IO on the file's own communicator; metadata reads and
     * writes collective (every rank makes the same metadata calls anyway). */
    if (fapl >= 0 && parallel(f) &&
        (H5Pset_fapl_mpio(fapl, f->comm, MPI_INFO_NULL) < 0 ||
         H5Pset_all_coll_metadata_ops(fapl, 1) < 0 || H5Pset_coll_metadata_write(fapl, 1) < 0)) {
        H5Pclose(fapl);
        return -1;
    }
#else
    (void)f;
#endif
    return fapl;
}

/* Rank 0's value on every rank. */
int64_t h5io_agreed_i64(corun_h5_file_t *f, int64_t v) {
#if H5IO_PAR
    if (parallel(f)) MPI_Bcast(&v, 1, MPI_INT64_T, 0, f->comm);
#else
    (void)f;
#endif
    return v;
}

/* The provenance a writer records (and agrees on): rank 0's job id. */
static void fill_provenance(corun_h5_file_t *f) {
    corun_h5_meta_t *m = &f->meta;
    m->mpi_ranks = f->nranks;
    if (!m->slurm_job_id[0]) {
        const char *j = getenv("SLURM_JOB_ID");
        snprintf(m->slurm_job_id, sizeof m->slurm_job_id, "%s", j ? j : "");
    }
}

static int write_root_attrs(corun_h5_file_t *f) {
    const corun_h5_meta_t *m = &f->meta;
    hid_t r = f->file;
    char rule[CORUN_LIFE_RULE_TEXT_MAX], when[64];
    corun_life_rule_format(m->rule, rule, sizeof rule);
    h5io_utc_now(when, sizeof when);
    char comp[32];
    if (m->codec == CORUN_H5_GZIP) snprintf(comp, sizeof comp, "gzip:%d", m->level);
    else snprintf(comp, sizeof comp, "%s", codec_name(m->codec));
    /* Values that may differ between ranks: rank 0's (P > 1). */
    char *config = h5io_agreed_str(f, m->config_text), *cmd = h5io_agreed_str(f, m->command_line);
    char *backend = h5io_agreed_str(f, m->backend), *host = h5io_agreed_str(f, m->host);
    char *created = h5io_agreed_str(f, when), *job = h5io_agreed_str(f, m->slurm_job_id);
    int64_t threads = h5io_agreed_i64(f, m->threads);
    int bad = !config || !cmd || !backend || !host || !created || !job;
    if (!bad) {
        bad |= h5io_attr_str(r, "corun_version", CORUN_VERSION);
        bad |= h5io_attr_str(r, "format_version", H5IO_FORMAT_VERSION);
        bad |= h5io_attr_i64(r, "preview_block", f->pblock);
        bad |= h5io_attr_str(r, "rule", rule);
        bad |= h5io_attr_str(r, "boundary", corun_life_boundary_name(m->boundary));
        bad |= h5io_attr_i64(r, "width", m->width);
        bad |= h5io_attr_i64(r, "height", m->height);
        bad |= h5io_attr_str(r, "frame_format", m->format == CORUN_H5_BITS ? "bits" : "bytes");
        bad |= h5io_attr_i64(r, "words_per_row", corun_life_words_per_row(m->width));
        bad |= h5io_attr_str(r, "bit_order",
                        m->format == CORUN_H5_BITS
                            ? "cell x of a row is bit (x % 64) of uint64 word (x / 64), least "
                              "significant bit first; bits past the width are 0"
                            : "one uint8 per cell, 0 dead, 1 alive");
        bad |= h5io_attr_str(r, "compression", comp);
        bad |= h5io_attr_i64(r, "snapshot_every", m->snapshot_every);
        bad |= h5io_attr_i64(r, "swmr", m->swmr);
        bad |= h5io_attr_str(r, "config", config);
        bad |= h5io_attr_str(r, "command_line", cmd);
        bad |= h5io_attr_str(r, "backend", backend);
        bad |= h5io_attr_i64(r, "threads", threads);
        bad |= h5io_attr_str(r, "host", host);
        bad |= h5io_attr_i64(r, "mpi_ranks", m->mpi_ranks);
        bad |= h5io_attr_str(r, "slurm_job_id", job);
        bad |= h5io_attr_str(r, "created", created);
        bad |= h5io_attr_str(r, H5IO_CHECKSUM_ATTR, H5IO_CHECKSUM_NAME);
        char digest[32];
        snprintf(digest, sizeof digest, "%016llx", (unsigned long long)h5io_header_digest(m));
        bad |= h5io_attr_str(r, H5IO_DIGEST_ATTR, digest);
        bad |= h5io_attr_str(r, "status", "running");
    }
    free(config), free(cmd), free(backend), free(host), free(created), free(job);
    return bad ? -1 : 0;
}

static void free_file(corun_h5_file_t *f) {
    if (!f) return;
    /* A new file that never became valid is not left behind (rank 0 made
     * the name and removes it; the others only share it). */
    if (f->tmp_path && f->rank == 0) unlink(f->tmp_path);
    free(f->tmp_path);
    free(f->prev_status);
    free(f->pcounts);
    free(f->pvals);
    free(f->chunk_buf);
    free(f->gen_list);
    free(f->xmf_path);
    h5io_leg_free(&f->leg);
    corun_lock_release(&f->lock);
    free(f->path);
    free(f->config_buf);
    free(f->cmd_buf);
    free(f);
}

/* Swaps the file's descriptor for an anonymous memory file (default
 * driver only), so that whatever HDF5 still writes (cached chunks at a
 * dataset's close, metadata at the file's) goes nowhere and the file on
 * disk keeps its last flushed state. */
int *h5io_sec2_fd(hid_t file) {
    void *handle = NULL;
    hid_t fapl = H5Fget_access_plist(file);
    const int sec2 = fapl >= 0 && H5Pget_driver(fapl) == H5FD_SEC2 &&
                     H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) >= 0 && handle;
    if (fapl >= 0) H5Pclose(fapl);
    H5Eclear2(H5E_DEFAULT);
    return sec2 ? handle : NULL;
}

static void abandon_fd(hid_t id) {
    int *fd = h5io_sec2_fd(id);
    int mfd = fd ? memfd_create("corun-h5-abandoned", MFD_CLOEXEC) : -1;
    if (mfd >= 0) {
        dup2(mfd, *fd);
        close(mfd);
    }
}

int corun_h5_close_failed(int64_t file) {
    hid_t id = (hid_t)file;
    abandon_fd(id);
    int rc = H5Fclose(id) < 0 ? -1 : 0;
    H5Eclear2(H5E_DEFAULT);
    return rc;
}

/* Closes the handles and the communicator (P > 1: collective). After a
 * failed write a single process abandons what HDF5 still holds (see
 * corun_h5_close_failed): the file keeps its last flushed state. */
static int close_all(corun_h5_file_t *f) {
    if (f->failed && !parallel(f) && f->file >= 0) {
        /* first: closing a dataset writes its cached chunks (the
         * compressed previews') */
        abandon_fd(f->file);
        if (f->frames >= 0) H5Dclose(f->frames);
        if (f->gens >= 0) H5Dclose(f->gens);
        if (f->pops >= 0) H5Dclose(f->pops);
        if (f->prevs >= 0) H5Dclose(f->prevs);
        f->frames = f->gens = f->pops = f->prevs = -1;
        corun_h5_close_failed(f->file);
        f->file = -1;
    }
    int bad = 0;
    if (f->frames >= 0) bad |= H5Dclose(f->frames) < 0;
    if (f->gens >= 0) bad |= H5Dclose(f->gens) < 0;
    if (f->pops >= 0) bad |= H5Dclose(f->pops) < 0;
    if (f->prevs >= 0) bad |= H5Dclose(f->prevs) < 0;
    if (f->file >= 0) bad |= H5Fclose(f->file) < 0;
    f->frames = f->gens = f->pops = f->prevs = f->file = -1;
    h5io_prealloc_trim(f);
    if (f->dxpl != H5P_DEFAULT && f->dxpl >= 0) H5Pclose(f->dxpl);
    f->dxpl = H5P_DEFAULT;
#if H5IO_PAR
    if (f->comm != MPI_COMM_NULL) MPI_Comm_free(&f->comm);
    f->comm = MPI_COMM_NULL;
#endif
    return bad ? -1 : 0;
}

static corun_h5_file_t *new_file(const char *path) {
    corun_h5_file_t *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->path = strdup(path);
    f->file = f->frames = f->gens = f->pops = f->prevs = -1;
    f->dxpl = H5P_DEFAULT;
    f->nranks = 1;
    f->lock = (corun_lock_t)CORUN_LOCK_INIT;
    f->leg.index = -1;
#if H5IO_PAR
    f->comm = MPI_COMM_NULL;
#endif
    if (!f->path) {
        free(f);
        return NULL;
    }
    return f;
}

/* One writer per file: rank 0 takes the lock (lock.h), every rank learns
 * the outcome (the holder's message is rank 0's). */
static int take_lock(corun_h5_file_t *f, corun_err_t *err) {
    corun_err_t e = {0};
    int rc = f->rank == 0 ? corun_lock_output(f->path, &f->lock, &e) : 0;
    /* Room for the status of a run that fills its disk (corun_h5_finish),
     * and no temporaries of killed runs left next to the file. */
    if (!rc && f->rank == 0) {
        corun_lock_reserve(&f->lock, 1 << 20);
        corun_lock_remove_stale(f->path);
        char *xmf = h5io_xdmf_path(f->path); /* and of its .xmf */
        if (xmf) corun_lock_remove_stale(xmf);
        free(xmf);
    }
#if H5IO_PAR
    if (parallel(f)) {
        MPI_Bcast(&rc, 1, MPI_INT, 0, f->comm);
        MPI_Bcast(e.msg, (int)sizeof e.msg, MPI_CHAR, 0, f->comm);
        e.code = rc;
    }
#endif
    if (rc && err) *err = e;
    return rc;
}

/* folder/.name.PID.new: hidden next to path (the same file system, so the
 * rename is atomic); P > 1: rank 0's name on every rank. */
static char *temp_name(corun_h5_file_t *f) {
    size_t n = strlen(f->path) + 64;
    char *t = malloc(n);
    if (!t) return NULL;
    const char *slash = strrchr(f->path, '/');
    int dir = slash ? (int)(slash - f->path) + 1 : 0;
    snprintf(t, n, "%.*s.%s.%ld.new", dir, f->path, f->path + dir, (long)getpid());
    char *a = h5io_agreed_str(f, t);
    free(t);
    return a;
}

int corun_h5_create(const char *path, const corun_h5_meta_t *m, int force,
                    const corun_h5_par_t *par, corun_h5_file_t **out, corun_err_t *err) {
    *out = NULL;
    quiet_hdf5();
    corun_h5_file_t *f = new_file(path);
    if (!f) return corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", path);
    f->meta = *m;
    f->meta.config_text = f->meta.command_line = NULL; /* not kept: written once */
    int rc = par_setup(f, par, err);
    if (rc) goto bad;
    if ((rc = take_lock(f, err))) goto bad;
    if (h5io_agreed_i64(f, corun_file_replaceable(path, err) != 0)) { /* rank 0 decides */
        if (!err || !err->msg[0])
            corun_err_set(err, CORUN_EINVAL, "%s exists and is not a regular file", path);
        rc = CORUN_EINVAL;
        goto bad;
    }
    if (!force && h5io_agreed_i64(f, access(path, F_OK) == 0)) { /* rank 0 decides */
        rc = corun_err_set(err, CORUN_EINVAL,
                           "%s: file exists (use --force to overwrite it, or --restart to "
                           "continue the run it holds)",
                           path);
        goto bad;
    }
    if (m->swmr && parallel(f)) {
        rc = corun_err_set(err, CORUN_EINVAL,
                           "%s: --swmr needs a single process: parallel HDF5 1.10 cannot write "
                           "in SWMR mode (run without --swmr under mpirun -np %d)",
                           path, f->nranks);
        goto bad;
    }
    if ((rc = slab_check(f, err))) goto bad;
    fill_provenance(f);
    layout(f);
    /* The new file is made under a temporary name in the same folder and
     * renamed over path once it is a valid corun file: an existing file is
     * never truncated, so a reader that has it open keeps its results, and
     * a run that fails to start leaves it as it was. */
    if (!(f->tmp_path = temp_name(f))) {
        rc = corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", path);
        goto bad;
    }
    hid_t fapl = file_access(f, m->swmr, 1);
    f->file = fapl < 0 ? -1 : H5Fcreate(f->tmp_path, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
    if (fapl >= 0) H5Pclose(fapl);
    if (f->file < 0) {
        rc = fail(f, path, err, CORUN_EIO, "creating the file");
        goto bad;
    }
    hid_t ftype = m->format == CORUN_H5_BITS ? H5T_STD_U64LE : H5T_STD_U8LE;
    hsize_t d3[3] = {0, (hsize_t)m->height, (hsize_t)f->x};
    hsize_t c3[3] = {1, (hsize_t)f->rows_per_chunk, (hsize_t)f->x};
    hsize_t d1[1] = {0}, cg[1] = {1024}, cp[1] = {4096};
    f->frames = make_dataset(f->file, "frames", ftype, 3, c3, d3, m->codec, m->level, 1);
    f->gens = make_dataset(f->file, "generation", H5T_STD_I64LE, 1, cg, d1, CORUN_H5_RAW, 0, 0);
    f->pops = make_dataset(f->file, "population", H5T_STD_I64LE, 1, cp, d1, CORUN_H5_RAW, 0, 0);
    /* One preview per chunk, checksummed like the frames (written once,
     * never rewritten in place). B = 1 (grids up to 1024 x 1024): the
     * preview is the frame as 0/255 bytes, 8 times its bit-packed size, and
     * compresses about as well: deflate level 1 (or the frames' codec).
     * B > 1: densities barely compress (about 1.3 times with deflate, at
     * some 50 ms a MiB on the I/O thread), so only the fast lz4 is used. */
    hsize_t dp[3] = {0, (hsize_t)f->ph, (hsize_t)f->pw}, cpv[3] = {1, (hsize_t)f->ph, (hsize_t)f->pw};
    corun_h5_codec_t pcodec = m->codec;
    int plevel = m->level;
    if (f->pblock == 1 && pcodec == CORUN_H5_RAW) pcodec = CORUN_H5_GZIP, plevel = 1;
    if (f->pblock > 1 && pcodec == CORUN_H5_GZIP) pcodec = CORUN_H5_RAW;
    f->prevs = make_dataset(f->file, "previews", H5T_STD_U8LE, 3, cpv, dp, pcodec, plevel, 1);
    if (f->frames < 0 || f->gens < 0 || f->pops < 0 || f->prevs < 0) {
        rc = fail(f, path, err, CORUN_EIO, "creating the datasets");
        goto bad;
    }
    f->meta.config_text = m->config_text;
    f->meta.command_line = m->command_line;
    if (write_root_attrs(f) < 0) {
        rc = fail(f, path, err, CORUN_EIO, "writing the attributes");
        goto bad;
    }
    /* The first leg's record, now: SWMR mode cannot add it later. */
    if (h5io_leg_set(f, &f->meta, 0) < 0 || h5io_leg_begin(f, f->file) < 0) {
        rc = fail(f, path, err, CORUN_EIO, "writing the run record /runs/000000");
        goto bad;
    }
    f->meta.config_text = f->meta.command_line = NULL;
    f->checksummed = 1;
    if (m->swmr && H5Fstart_swmr_write(f->file) < 0) {
        rc = fail(f, path, err, CORUN_EIO, "starting SWMR write mode");
        goto bad;
    }
    if (H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0) {
        rc = fail(f, path, err, CORUN_EIO, "flushing");
        goto bad;
    }
    /* Valid now (status running, no frame yet): it takes the place of any
     * old file. P > 1: rank 0 renames, every rank waits for the outcome. */
    int renamed = f->rank != 0 || rename(f->tmp_path, path) == 0;
    if (!all_ok(f, renamed)) {
        rc = corun_err_set(err, CORUN_EIO, "%s: renaming the new file %s into place failed%s%s",
                           path, f->tmp_path, renamed ? "" : ": ", renamed ? "" : strerror(errno));
        goto bad;
    }
    free(f->tmp_path);
    f->tmp_path = NULL;
    /* The .xmf of the new file (no frames yet) replaces any old one. */
    if (f->rank == 0 && !(f->xmf_path = h5io_xdmf_path(path))) {
        rc = corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", path);
    } else if (preview_buffers(f) < 0) {
        rc = corun_err_set(err, CORUN_ENOMEM, "%s: out of memory for the preview", path);
    } else {
        h5io_direct_setup(f);
        rc = xdmf_update(f, 1, err);
    }
    if (!all_ok(f, rc == 0)) {
        if (!rc) rc = corun_err_set(err, CORUN_EIO, "%s: rank 0 could not write the .xmf", path);
        goto bad;
    }
    *out = f;
    return 0;
bad:
    close_all(f);
    free_file(f);
    return rc;
}

/* ------------------------------------------------------------- append */

/* Extends a dataset's first dimension to n. */
static int extend(hid_t d, int64_t n) {
    hid_t sp = H5Dget_space(d);
    hsize_t dims[3];
    H5Sget_simple_extent_dims(sp, dims, NULL);
    H5Sclose(sp);
    dims[0] = (hsize_t)n;
    return H5Dset_extent(d, dims) < 0 ? -1 : 0;
}

/* Writes `count` elements of rank-1 dataset d at offset `at` from buf (P > 1:
 * the same on every rank, so rank 0 writes them, the others nothing). */
static int write_1d(corun_h5_file_t *f, hid_t d, int64_t at, int64_t count, hid_t mtype,
                    const void *buf) {
    hid_t fs = H5Dget_space(d);
    hsize_t off[1] = {(hsize_t)at}, cnt[1] = {(hsize_t)count};
    hid_t ms = H5Screate_simple(1, cnt, NULL);
    int ok = fs >= 0 && ms >= 0;
    if (ok && f->rank == 0) ok = H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) >= 0;
    else if (ok) ok = H5Sselect_none(fs) >= 0 && H5Sselect_none(ms) >= 0;
    ok = ok && H5Dwrite(d, mtype, ms, fs, f->dxpl, buf) >= 0;
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    return ok ? 0 : -1;
}

/* Writes (read: reads) n of this slab's rows, from its row y0, of frame k
 * from buf (n rows of f->x elements). n may be 0: an empty part of a
 * collective transfer. */
static int xfer_rows(corun_h5_file_t *f, int write, int64_t k, int64_t y0, int64_t n, hid_t mtype,
                     void *buf) {
    hid_t fs = H5Dget_space(f->frames);
    hsize_t off[3] = {(hsize_t)k, (hsize_t)(f->row0 + y0), 0};
    hsize_t cnt[3] = {1, (hsize_t)(n > 0 ? n : 1), (hsize_t)f->x};
    hid_t ms = H5Screate_simple(3, cnt, NULL);
    int ok = fs >= 0 && ms >= 0;
    if (ok && n > 0) ok = H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) >= 0;
    else if (ok) ok = H5Sselect_none(fs) >= 0 && H5Sselect_none(ms) >= 0;
    if (ok)
        ok = (write ? H5Dwrite(f->frames, mtype, ms, fs, f->dxpl, buf)
                    : H5Dread(f->frames, mtype, ms, fs, f->dxpl, buf)) >= 0;
    /* Closing clears HDF5's error stack: keep the transfer's reason (a
     * checksum that did not match, the OS error) for the message. */
    hid_t why = ok ? -1 : H5Eget_current_stack();
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (why >= 0) H5Eset_current_stack(why);
    return ok ? 0 : -1;
}

/* The bytes format is converted a chunk's worth of rows at a time; every
 * rank makes the same number of transfers (P > 1: collective). */
static int64_t byte_pieces(const corun_h5_file_t *f) {
    return (f->max_rows + f->rows_per_chunk - 1) / f->rows_per_chunk;
}

static int64_t piece_rows(const corun_h5_file_t *f, int64_t y0) {
    int64_t n = f->rows - y0;
    return n < 0 ? 0 : n < f->rows_per_chunk ? n : f->rows_per_chunk;
}

/* A restart's record goes in with its first append (provenance.c). */
static int leg_started(corun_h5_file_t *f, corun_err_t *err) {
    if (f->leg.index >= 0 || f->leg.skip || h5io_leg_begin(f, f->file) == 0) return 0;
    return fail(f, f->path, err, CORUN_EIO, "writing the run record in /runs");
}

/* The frame's preview values (rank 0; P > 1: the ranks' block counts
 * summed there first) from f->pcounts, zeroed by preview_zero and counted
 * from words (NULL: already counted, by the direct chunk writer). Before
 * any HDF5 call of the frame, so that every rank reaches the reduction. */
static void preview_zero(corun_h5_file_t *f) {
    memset(f->pcounts, 0, (size_t)(f->ph * f->pw) * sizeof *f->pcounts);
}

static int make_preview(corun_h5_file_t *f, const uint64_t *words) {
    const corun_h5_meta_t *m = &f->meta;
    if (words)
        corun_life_preview_count(words, corun_life_words_per_row(m->width), m->width, f->row0,
                                 f->rows, f->pblock, 0, f->pcounts);
#if H5IO_PAR
    if (parallel(f) && MPI_Reduce(f->rank == 0 ? MPI_IN_PLACE : f->pcounts, f->pcounts,
                                  (int)(f->ph * f->pw), MPI_UINT64_T, MPI_SUM, 0,
                                  f->comm) != MPI_SUCCESS)
        return -1;
#endif
    for (int64_t by = 0; f->rank == 0 && by < f->ph; by++)
        corun_life_preview_values(f->pcounts + by * f->pw, m->width, m->height, f->pblock, by,
                                  f->pvals + by * f->pw);
    return 0;
}

/* Appends preview k (P > 1: rank 0 writes it, the others take part). */
static int write_preview(corun_h5_file_t *f, int64_t k) {
    if (extend(f->prevs, k + 1) < 0) return -1;
    if (f->prev_direct) { /* one process: HDF5's scalar checksum skipped */
        if (h5io_direct_preview(f, k) < 0) return -1;
        f->nprevs = k + 1;
        return 0;
    }
    hid_t fs = H5Dget_space(f->prevs);
    hsize_t off[3] = {(hsize_t)k, 0, 0}, cnt[3] = {1, (hsize_t)f->ph, (hsize_t)f->pw};
    hid_t ms = H5Screate_simple(3, cnt, NULL);
    int ok = fs >= 0 && ms >= 0;
    if (ok && f->rank == 0) ok = H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) >= 0;
    else if (ok) ok = H5Sselect_none(fs) >= 0 && H5Sselect_none(ms) >= 0;
    ok = ok && H5Dwrite(f->prevs, H5T_NATIVE_UINT8, ms, fs, f->dxpl, f->pvals) >= 0;
    hid_t why = ok ? -1 : H5Eget_current_stack();
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (why >= 0) H5Eset_current_stack(why);
    if (ok) f->nprevs = k + 1;
    return ok ? 0 : -1;
}

/* The frame's rows through H5Dwrite (every file): bit-packed as they are,
 * bytes converted a chunk's worth of rows at a time. */
static int write_rows(corun_h5_file_t *f, int64_t k, const uint64_t *words, corun_err_t *err) {
    const corun_h5_meta_t *m = &f->meta;
    const int64_t wpr = corun_life_words_per_row(m->width);
    if (m->format == CORUN_H5_BITS) {
        if (xfer_rows(f, 1, k, 0, f->rows, H5T_NATIVE_UINT64, (void *)words) < 0)
            return fail(f, f->path, err, CORUN_EIO, "writing a frame");
        return 0;
    }
    uint8_t *tmp = malloc((size_t)(f->rows_per_chunk * m->width));
    int ok = all_ok(f, tmp != NULL);
    for (int64_t p = 0, y0 = 0; ok && p < byte_pieces(f); p++, y0 += f->rows_per_chunk) {
        int64_t n = piece_rows(f, y0);
        for (int64_t y = 0; y < n; y++)
            for (int64_t x = 0; x < m->width; x++)
                tmp[y * m->width + x] = (uint8_t)((words[(y0 + y) * wpr + (x >> 6)] >> (x & 63)) & 1u);
        ok = xfer_rows(f, 1, k, y0, n, H5T_NATIVE_UINT8, tmp) == 0;
    }
    int had_mem = tmp != NULL;
    free(tmp);
    if (!ok && !had_mem) {
        corun_err_set(&f->first_err, CORUN_ENOMEM, "%s: out of memory", f->path);
        f->failed = 1;
        return sticky(f, err);
    }
    if (!ok) return fail(f, f->path, err, CORUN_EIO, "writing a frame");
    return 0;
}

int corun_h5_takes_rows(const corun_h5_file_t *f) { return f->direct != 0; }

int corun_h5_append_rows(corun_h5_file_t *f, int64_t generation, const corun_h5_rows_t *src,
                         corun_err_t *err) {
    if (f->failed) return sticky(f, err);
    if (!src->words && !f->direct)
        return corun_err_set(err, CORUN_EINTERNAL, "%s: this file takes whole frames", f->path);
    if (leg_started(f, err)) return sticky(f, err);
    int64_t k = f->nframes;
    if (f->prevs >= 0) preview_zero(f);
    /* Direct chunks count the preview as they go, so its values come
     * after them; H5Dwrite needs them first (P > 1: the reduction). */
    if (!f->direct && f->prevs >= 0 && make_preview(f, src->words) < 0)
        return corun_err_set(err, CORUN_EIO, "%s: MPI_Reduce (the preview) failed", f->path);
    /* The frame's chunks (at most their raw size, and the checksums) and
     * room for the metadata that follows them. */
    const int64_t chunk_bytes =
        f->rows_per_chunk * f->x * (f->meta.format == CORUN_H5_BITS ? 8 : 1) + 4;
    h5io_prealloc(f, byte_pieces(f) * chunk_bytes + (1 << 18));
    if (extend(f->frames, k + 1) < 0) return fail(f, f->path, err, CORUN_EIO, "extending /frames");
    if (f->direct) {
        if (h5io_direct_frame(f, k, src) < 0)
            return fail(f, f->path, err, CORUN_EIO, "writing a frame");
        if (f->prevs >= 0) make_preview(f, NULL); /* one process: cannot fail */
    } else {
        int rc = write_rows(f, k, src->words, err);
        if (rc) return rc;
    }
    if (f->prevs >= 0 && write_preview(f, k) < 0)
        return fail(f, f->path, err, CORUN_EIO, "writing the frame's preview");
    /* The frame's data reaches the disk before the index that makes it
     * visible: a failure in between (disk full, kill) leaves a frame that
     * /generation does not list, never a listed frame without its data. */
    if (H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0)
        return fail(f, f->path, err, CORUN_EIO, "flushing a frame");
    if (extend(f->gens, k + 1) < 0 ||
        write_1d(f, f->gens, k, 1, H5T_NATIVE_INT64, &generation) < 0)
        return fail(f, f->path, err, CORUN_EIO, "writing /generation");
    f->nframes = k + 1;
    if (remember_gen(f, k, generation) < 0) {
        f->failed = 1;
        corun_err_set(&f->first_err, CORUN_ENOMEM, "%s: out of memory", f->path);
        return sticky(f, err);
    }
    return 0;
}

int corun_h5_append_frame(corun_h5_file_t *f, int64_t generation, const uint64_t *words,
                          corun_err_t *err) {
    const corun_h5_rows_t src = {words, NULL, NULL};
    return corun_h5_append_rows(f, generation, &src, err);
}

int corun_h5_write_pops(corun_h5_file_t *f, int64_t first, const int64_t *pops, int64_t n,
                        corun_err_t *err) {
    if (f->failed) return sticky(f, err);
    if (n <= 0) return 0;
    if (leg_started(f, err)) return sticky(f, err);
    if (first + n > f->npops) {
        if (extend(f->pops, first + n) < 0)
            return fail(f, f->path, err, CORUN_EIO, "extending /population");
        f->npops = first + n;
    }
    if (write_1d(f, f->pops, first, n, H5T_NATIVE_INT64, pops) < 0)
        return fail(f, f->path, err, CORUN_EIO, "writing /population");
    return 0;
}

int corun_h5_flush(corun_h5_file_t *f, corun_err_t *err) {
    if (f->failed) return sticky(f, err);
    if (H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0) return fail(f, f->path, err, CORUN_EIO, "flushing");
    /* The .xmf follows the index once it is on disk: it never lists a
     * frame that /generation does not. */
    if (f->nframes != f->xmf_frames) return xdmf_update(f, 0, err);
    return 0;
}

/* ------------------------------------------------------------- restart */

/* Everything read from a file is untrusted: a damaged or edited file must be
 * refused before any of its numbers sizes an allocation, an extend or a
 * loop. These limits are far beyond anything corun writes. */
#define H5IO_MAX_SIDE ((int64_t)1 << 32)      /* width, height */
#define H5IO_MAX_GEN ((int64_t)1 << 62)       /* room for --steps without overflow */
#define H5IO_GEN_PIECE 4096                   /* /generation is read this many at a time */

static int inconsistent(corun_h5_file_t *f, corun_err_t *err, const char *fmt, ...)
    CORUN_PRINTF(3, 4);
static int inconsistent(corun_h5_file_t *f, corun_err_t *err, const char *fmt, ...) {
    char what[CORUN_ERR_MSG_MAX - 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return corun_err_set(err, CORUN_EPARSE,
                         "restart %s: inconsistent snapshot file: %s (refused: the file was "
                         "damaged or edited)",
                         f->path, what);
}

/* Rank, extents and element type of a dataset; 0 if it is what corun
 * writes: `rank` dimensions, integers of `size` bytes, first dimension
 * extendable. */
static int shape_ok(hid_t d, int rank, size_t size, hsize_t *dims) {
    hid_t sp = H5Dget_space(d), t = H5Dget_type(d);
    hsize_t maxd[3] = {0, 0, 0};
    int ok = sp >= 0 && t >= 0 && H5Sget_simple_extent_ndims(sp) == rank &&
             H5Sget_simple_extent_dims(sp, dims, maxd) == rank && maxd[0] == H5S_UNLIMITED &&
             H5Tget_class(t) == H5T_INTEGER && H5Tget_size(t) == size;
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    return ok ? 0 : -1;
}

/* Reads /generation (ngen entries, a piece at a time) and checks it: starts
 * at 0, strictly increasing, bounded, and with snapshot_every K > 0 no gap
 * past the next multiple of K (a leg writes every multiple of K and its
 * last generation; the next leg's first frame is the next multiple). */
static int check_generations(corun_h5_file_t *f, int64_t ngen, int64_t *last, corun_err_t *err) {
    const int64_t K = f->meta.snapshot_every;
    int64_t buf[H5IO_GEN_PIECE], prev = -1;
    for (int64_t at = 0; at < ngen; at += H5IO_GEN_PIECE) {
        int64_t n = ngen - at < H5IO_GEN_PIECE ? ngen - at : H5IO_GEN_PIECE;
        hid_t fs = H5Dget_space(f->gens);
        hsize_t off[1] = {(hsize_t)at}, cnt[1] = {(hsize_t)n};
        hid_t ms = H5Screate_simple(1, cnt, NULL);
        int ok = fs >= 0 && ms >= 0 &&
                 H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) >= 0 &&
                 H5Dread(f->gens, H5T_NATIVE_INT64, ms, fs, f->dxpl, buf) >= 0;
        int bad_sum = !ok && h5io_checksum_error();
        if (ms >= 0) H5Sclose(ms);
        if (fs >= 0) H5Sclose(fs);
        if (bad_sum)
            return inconsistent(f, err, "/generation[%lld..%lld]: the checksum does not match",
                                (long long)at, (long long)(at + n - 1));
        if (!ok)
            return fail(f, f->path, err, CORUN_EPARSE,
                        "reading /generation (truncated or damaged file)");
        for (int64_t i = 0; i < n; i++) {
            int64_t g = buf[i], k = at + i;
            if (k == 0 && g != 0)
                return inconsistent(f, err, "/generation[0] is %lld, not 0", (long long)g);
            if (g < 0 || g > H5IO_MAX_GEN)
                return inconsistent(f, err, "/generation[%lld] = %lld is out of range",
                                    (long long)k, (long long)g);
            if (k > 0 && g <= prev)
                return inconsistent(f, err,
                                    "/generation[%lld] = %lld does not follow /generation[%lld] "
                                    "= %lld (generations must increase)",
                                    (long long)k, (long long)g, (long long)(k - 1),
                                    (long long)prev);
            if (k > 0 && K > 0 && g > (prev / K + 1) * K)
                return inconsistent(f, err,
                                    "/generation[%lld] = %lld follows %lld, but snapshot_every "
                                    "is %lld (the next frame is at generation %lld at the latest)",
                                    (long long)k, (long long)g, (long long)prev, (long long)K,
                                    (long long)((prev / K + 1) * K));
            prev = g;
            if (remember_gen(f, k, g) < 0)
                return corun_err_set(err, CORUN_ENOMEM, "restart %s: out of memory", f->path);
        }
    }
    *last = prev;
    return 0;
}

/* One element of a rank-1 int64 dataset (every rank reads it); the error
 * stack is kept for the caller. */
static int read_i64_at(corun_h5_file_t *f, hid_t d, int64_t at, int64_t *v) {
    hid_t fs = H5Dget_space(d);
    hsize_t off[1] = {(hsize_t)at}, cnt[1] = {1};
    hid_t ms = H5Screate_simple(1, cnt, NULL);
    int ok = fs >= 0 && ms >= 0 &&
             H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) >= 0 &&
             H5Dread(d, H5T_NATIVE_INT64, ms, fs, f->dxpl, v) >= 0;
    hid_t why = ok ? -1 : H5Eget_current_stack();
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (why >= 0) H5Eset_current_stack(why);
    return ok ? 0 : -1;
}

/* What a file says about its own integrity (files of corun versions before
 * checksums say nothing, and are read as they are): a `checksum` attribute
 * means /frames carries it (a dataset rewritten without it is not what
 * corun wrote), and a `header_digest` must match the attributes that
 * define the run. Also the shape of /runs. */
static int check_trust(corun_h5_file_t *f, const corun_h5_meta_t *mm, corun_err_t *err) {
    f->checksummed = h5io_has_checksum(f->frames);
    char *cs = h5io_read_attr_str(f->file, H5IO_CHECKSUM_ATTR);
    if (cs) {
        int known = !strcmp(cs, H5IO_CHECKSUM_NAME);
        int rc = !known ? inconsistent(f, err, "checksum is '%s', not %s", cs, H5IO_CHECKSUM_NAME)
                 : !f->checksummed
                     ? inconsistent(f, err, "checksum says %s, but /frames carries no checksum", cs)
                     : 0;
        free(cs);
        if (rc) return rc;
    }
    char *dg = h5io_read_attr_str(f->file, H5IO_DIGEST_ATTR);
    if (dg) {
        char want[32], rule[CORUN_LIFE_RULE_TEXT_MAX];
        snprintf(want, sizeof want, "%016llx", (unsigned long long)h5io_header_digest(mm));
        corun_life_rule_format(mm->rule, rule, sizeof rule);
        int rc = strcmp(dg, want)
                     ? inconsistent(f, err,
                                    "header_digest %s does not match the attributes rule %s, "
                                    "boundary %s, width %lld, height %lld, frame_format, "
                                    "compression, snapshot_every %lld (digest %s): one of them "
                                    "was changed",
                                    dg, rule, corun_life_boundary_name(mm->boundary),
                                    (long long)mm->width, (long long)mm->height,
                                    (long long)mm->snapshot_every, want)
                     : 0;
        free(dg);
        if (rc) return rc;
    }
    char why[160];
    if (h5io_legs_check(f->file, why, sizeof why) < 0) return inconsistent(f, err, "%s", why);
    return 0;
}

/* Reads the metadata of the open f->file into f->meta, opens the datasets
 * and finds the last complete frame (f->nframes) and its generation,
 * checking every value read for consistency with the rest of the file. */
static int load(corun_h5_file_t *f, int64_t *last_gen, corun_err_t *err) {
    const char *path = f->path;
    corun_h5_meta_t mm;
    memset(&mm, 0, sizeof mm);
    char *rule = h5io_read_attr_str(f->file, "rule"), *bnd = h5io_read_attr_str(f->file, "boundary");
    char *fmt = h5io_read_attr_str(f->file, "frame_format"), *comp = h5io_read_attr_str(f->file, "compression");
    char *be = h5io_read_attr_str(f->file, "backend"), *host = h5io_read_attr_str(f->file, "host");
    char *job = h5io_read_attr_str(f->file, "slurm_job_id");
    f->config_buf = h5io_read_attr_str(f->file, "config");
    f->cmd_buf = h5io_read_attr_str(f->file, "command_line");
    int64_t swmr = 0, threads = 0, ranks = 1;
    int bad_attr = !rule || !bnd || !fmt || !comp ||
                   h5io_read_attr_i64(f->file, "width", &mm.width) < 0 ||
                   h5io_read_attr_i64(f->file, "height", &mm.height) < 0 ||
                   h5io_read_attr_i64(f->file, "snapshot_every", &mm.snapshot_every) < 0;
    h5io_read_attr_i64(f->file, "swmr", &swmr);
    h5io_read_attr_i64(f->file, "threads", &threads);
    h5io_read_attr_i64(f->file, "mpi_ranks", &ranks);
    corun_err_t e2 = {0};
    if (!bad_attr)
        bad_attr = corun_life_rule_parse(rule, &mm.rule, &e2) ||
                   corun_life_boundary_parse(bnd, &mm.boundary, &e2) ||
                   corun_h5_codec_parse(comp, &mm.codec, &mm.level, &e2) ||
                   (strcmp(fmt, "bits") && strcmp(fmt, "bytes"));
    if (!bad_attr) mm.format = strcmp(fmt, "bits") ? CORUN_H5_BYTES : CORUN_H5_BITS;
    snprintf(mm.backend, sizeof mm.backend, "%s", be ? be : "");
    snprintf(mm.host, sizeof mm.host, "%s", host ? host : "");
    snprintf(mm.slurm_job_id, sizeof mm.slurm_job_id, "%s", job ? job : "");
    mm.threads = (int)threads;
    mm.swmr = (int)swmr;
    mm.mpi_ranks = (int)ranks;
    free(rule), free(bnd), free(fmt), free(comp), free(be), free(host), free(job);
    if (bad_attr || mm.width < 1 || mm.height < 1)
        return corun_err_set(err, CORUN_EPARSE,
                             "restart %s: not a corun snapshot file (missing or bad root "
                             "attributes: rule, boundary, width, height, frame_format, "
                             "compression, snapshot_every)%s%s",
                             path, e2.msg[0] ? ": " : "", e2.msg);
    /* Files of early corun versions carry no format_version and have the
     * version 1 layout; any other version is from a newer corun. */
    char *version = h5io_read_attr_str(f->file, "format_version");
    if (version && strcmp(version, "1") && strcmp(version, H5IO_FORMAT_VERSION)) {
        int rc = inconsistent(f, err,
                              "format_version is '%s', this corun reads versions 1 to "
                              H5IO_FORMAT_VERSION, version);
        free(version);
        return rc;
    }
    /* Version 2 added /previews: required from then on. */
    const int want_previews = version && strcmp(version, "1");
    free(version);
    if (mm.width > H5IO_MAX_SIDE || mm.height > H5IO_MAX_SIDE)
        return inconsistent(f, err, "width %lld, height %lld: larger than %lld",
                            (long long)mm.width, (long long)mm.height,
                            (long long)H5IO_MAX_SIDE);
    int64_t wpr_attr = 0, wpr = corun_life_words_per_row(mm.width);
    if (h5io_read_attr_i64(f->file, "words_per_row", &wpr_attr) < 0 || wpr_attr != wpr)
        return inconsistent(f, err, "words_per_row is %lld, but width %lld needs %lld",
                            (long long)wpr_attr, (long long)mm.width, (long long)wpr);
    if (mm.snapshot_every < 0 || mm.snapshot_every > H5IO_MAX_GEN)
        return inconsistent(f, err, "snapshot_every is %lld", (long long)mm.snapshot_every);
    if ((swmr != 0 && swmr != 1) || threads < 0 || threads > (1 << 24) || ranks < 1 ||
        ranks > (1 << 24))
        return inconsistent(f, err, "swmr %lld, threads %lld, mpi_ranks %lld out of range",
                            (long long)swmr, (long long)threads, (long long)ranks);
    f->frames = open_dataset(f->file, "frames");
    f->gens = open_dataset(f->file, "generation");
    f->pops = open_dataset(f->file, "population");
    if (f->frames < 0 || f->gens < 0 || f->pops < 0)
        return fail(f, path, err, CORUN_EPARSE, "opening /frames, /generation, /population");
    htri_t has_prev = H5Lexists(f->file, "previews", H5P_DEFAULT);
    if (has_prev > 0) f->prevs = open_dataset(f->file, "previews");
    H5Eclear2(H5E_DEFAULT);
    if (want_previews && f->prevs < 0)
        return inconsistent(f, err, "format version %s, but /previews is missing",
                            H5IO_FORMAT_VERSION);
    f->meta = mm;
    f->meta.config_text = f->config_buf;
    f->meta.command_line = f->cmd_buf;
    layout(f);
    hsize_t fd[3] = {0, 0, 0}, gd[1] = {0}, pd[1] = {0};
    size_t esize = mm.format == CORUN_H5_BITS ? 8 : 1;
    if (shape_ok(f->frames, 3, esize, fd) < 0 || fd[1] != (hsize_t)mm.height ||
        fd[2] != (hsize_t)f->x)
        return inconsistent(f, err,
                            "/frames is not frames x %lld x %lld of %zu-byte integers (%s "
                            "frames of a %lldx%lld grid); it is %llu x %llu x %llu",
                            (long long)mm.height, (long long)f->x, esize,
                            mm.format == CORUN_H5_BITS ? "bits" : "bytes", (long long)mm.width,
                            (long long)mm.height, (unsigned long long)fd[0],
                            (unsigned long long)fd[1], (unsigned long long)fd[2]);
    if (shape_ok(f->gens, 1, 8, gd) < 0 || shape_ok(f->pops, 1, 8, pd) < 0)
        return inconsistent(f, err, "/generation or /population is not an extendable list of "
                                    "64-bit integers");
    hsize_t vd[3] = {0, 0, 0};
    if (f->prevs >= 0) {
        int64_t pb = 0;
        if (h5io_read_attr_i64(f->file, "preview_block", &pb) < 0 || pb != f->pblock)
            return inconsistent(f, err, "preview_block is %lld, but a %lldx%lld grid has %lld",
                                (long long)pb, (long long)mm.width, (long long)mm.height,
                                (long long)f->pblock);
        if (shape_ok(f->prevs, 3, 1, vd) < 0 || vd[1] != (hsize_t)f->ph ||
            vd[2] != (hsize_t)f->pw)
            return inconsistent(f, err,
                                "/previews is not previews x %lld x %lld of 1-byte integers; it "
                                "is %llu x %llu x %llu",
                                (long long)f->ph, (long long)f->pw, (unsigned long long)vd[0],
                                (unsigned long long)vd[1], (unsigned long long)vd[2]);
    }
    int rc = check_trust(f, &mm, err);
    if (rc) return rc;
    /* Every entry of /generation and /population takes 8 bytes of the file
     * (stored raw, allocated when extended): longer lists than the file can
     * hold are claims, not data. */
    hsize_t size = 0;
    if (H5Fget_filesize(f->file, &size) < 0) size = 0;
    f->nframes = (int64_t)fd[0];
    int64_t ngen = (int64_t)gd[0];
    f->npops = (int64_t)pd[0];
    if (gd[0] > size / 8 || pd[0] > size / 8)
        return inconsistent(f, err,
                            "/generation has %llu entries and /population %llu, more than a "
                            "file of %llu bytes holds",
                            (unsigned long long)gd[0], (unsigned long long)pd[0],
                            (unsigned long long)size);
    if (f->nframes < 1 || ngen < 1)
        return corun_err_set(err, CORUN_EPARSE, "restart %s: the file holds no complete frame",
                             path);
    /* Frames past the generation index (a crash between the two writes:
     * one at most) are not complete: the index decides. An index entry
     * without its frame is never written. */
    if (ngen > f->nframes || f->nframes > ngen + 1)
        return inconsistent(f, err, "/generation lists %lld frames but /frames holds %lld",
                            (long long)ngen, (long long)f->nframes);
    /* A preview is written after its frame and before the index entry. */
    if (f->prevs >= 0 && ((int64_t)vd[0] < ngen || (int64_t)vd[0] > f->nframes))
        return inconsistent(f, err,
                            "/previews holds %lld previews, but /generation lists %lld frames "
                            "and /frames holds %lld",
                            (long long)vd[0], (long long)ngen, (long long)f->nframes);
    f->nprevs = (int64_t)vd[0];
    f->nframes = ngen;
    int64_t g = 0;
    rc = check_generations(f, ngen, &g, err);
    if (rc) return rc;
    /* Populations of every generation up to the last frame; more is fine
     * (written before a crash, dropped at restart). */
    if (f->npops < g + 1)
        return inconsistent(f, err,
                            "/population has %lld entries, but the last frame is generation "
                            "%lld (needs %lld)",
                            (long long)f->npops, (long long)g, (long long)(g + 1));
    /* The last frame's cells are checked against this when they are read. */
    if (read_i64_at(f, f->pops, g, &f->last_pop) < 0)
        return h5io_checksum_error()
                   ? inconsistent(f, err, "/population[%lld]: the checksum does not match",
                                  (long long)g)
                   : fail(f, path, err, CORUN_EPARSE, "reading /population");
    if (f->last_pop < 0 || (double)f->last_pop > (double)mm.width * (double)mm.height)
        return inconsistent(f, err, "/population[%lld] = %lld is not a population of a %lldx%lld "
                                    "grid",
                            (long long)g, (long long)f->last_pop, (long long)mm.width,
                            (long long)mm.height);
    *last_gen = f->last_gen = g;
    return 0;
}

/* 1 if every dataset allocates its chunks when extended (see make_dataset). */
static int early_alloc(corun_h5_file_t *f) {
    hid_t ds[4] = {f->frames, f->gens, f->pops, f->prevs};
    int ok = 1;
    for (int i = 0; i < 4 && ds[i] >= 0; i++) {
        hid_t dcpl = H5Dget_create_plist(ds[i]);
        H5D_alloc_time_t t = H5D_ALLOC_TIME_ERROR;
        if (dcpl < 0 || H5Pget_alloc_time(dcpl, &t) < 0 || t != H5D_ALLOC_TIME_EARLY) ok = 0;
        if (dcpl >= 0) H5Pclose(dcpl);
    }
    return ok;
}

static herr_t find_cb(unsigned depth, const H5E_error2_t *e, void *data) {
    (void)depth;
    int *found = data;
    if (e->desc && (strstr(e->desc, "h5clear") || strstr(e->desc, "already open for write")))
        *found = 1;
    return 0;
}

/* Opens an existing corun file (flags: H5F_ACC_RDONLY or RDWR); when HDF5
 * refuses, says which of the three cases it is, since each needs another
 * remedy: not HDF5 at all, a damaged file, or a crashed SWMR writer's mark. */
static int open_existing(corun_h5_file_t *f, unsigned flags, hid_t fapl, corun_err_t *err) {
    f->file = H5Fopen(f->path, flags, fapl);
    /* A run killed while it wrote leaves chunks allocated (and indexed)
     * beyond the end of the file's address space that its last flush
     * recorded; appending to such a file then fails with HDF5's "addr
     * overflow". Moving the recorded end to the physical end of the file
     * (what h5clear --increment does) makes new space start past all of
     * it. */
    if (f->file >= 0 && (flags & H5F_ACC_RDWR) && !parallel(f) &&
        H5Fincrement_filesize(f->file, 0) < 0)
        H5Eclear2(H5E_DEFAULT);
    if (f->file >= 0) return 0;
    int swmr_mark = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, find_cb, &swmr_mark);
    if (swmr_mark) {
        H5Eclear2(H5E_DEFAULT);
        return corun_err_set(err, CORUN_EPARSE,
                             "restart %s: left open by a crashed --swmr writer (HDF5 still marks "
                             "it open for writing): run 'h5clear -s %s', then restart",
                             f->path, f->path);
    }
    corun_err_t e = {0};
    fail(NULL, f->path, &e, CORUN_EPARSE, "opening");
    if (H5Fis_hdf5(f->path) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return corun_err_set(err, CORUN_EPARSE,
                             "restart %s: not an HDF5 file (no HDF5 signature; a corun snapshot "
                             "file is HDF5)",
                             f->path);
    }
    H5Eclear2(H5E_DEFAULT);
    return corun_err_set(err, CORUN_EPARSE, "restart %s: truncated or damaged HDF5 file (%s)",
                         f->path, e.msg);
}

int corun_h5_read_meta(const char *path, corun_h5_meta_t *m, int64_t *last_gen,
                       corun_err_t *err) {
    quiet_hdf5();
    if (access(path, F_OK) != 0)
        return corun_err_set(err, CORUN_EINVAL, "restart %s: no such file", path);
    corun_h5_file_t *f = new_file(path);
    if (!f) return corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", path);
    int rc = 0;
    rc = open_existing(f, H5F_ACC_RDONLY, H5P_DEFAULT, err);
    if (!rc) rc = load(f, last_gen, err);
    if (!rc) {
        *m = f->meta;
        m->config_text = m->command_line = NULL;
    }
    close_all(f);
    free_file(f);
    return rc;
}

int corun_h5_open_append(const char *path, const corun_h5_par_t *par, corun_h5_meta_t *m,
                         int64_t *last_gen, corun_h5_file_t **out, corun_err_t *err) {
    *out = NULL;
    quiet_hdf5();
    corun_h5_file_t *f = new_file(path);
    if (!f) return corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", path);
    int rc = par_setup(f, par, err);
    if (rc) goto bad;
    if (!all_ok(f, access(path, F_OK) == 0)) {
        rc = corun_err_set(err, CORUN_EINVAL, "restart %s: no such file%s", path,
                           parallel(f) ? " (on some rank)" : "");
        goto bad;
    }
    /* The restart appends: one writer, as for a new file. */
    if ((rc = take_lock(f, err))) goto bad;
    char why[256];
    if (!parallel(f) && !corun_mpi_active() && h5io_probe_metadata(path, why, sizeof why) < 0) {
        rc = corun_err_set(err, CORUN_EPARSE, "restart %s: %s; refused", path, why);
        goto bad;
    }
    hid_t fapl = file_access(f, 0, 0);
    rc = fapl < 0 ? fail(f, path, err, CORUN_EIO, "setting up file access")
                  : open_existing(f, H5F_ACC_RDWR, fapl, err);
    if (fapl >= 0) H5Pclose(fapl);
    if (rc) goto bad;
    int64_t g = 0;
    if ((rc = load(f, &g, err)) || (rc = slab_check(f, err))) goto bad;
    /* What the restart adds (its /runs record) in the file's own format:
     * checksummed object headers where the superblock is of the 1.8
     * format or later. */
    H5F_info2_t fi;
    if (H5Fget_info2(f->file, &fi) >= 0 && fi.super.version >= 2)
        H5Fset_libver_bounds(f->file, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
    H5Eclear2(H5E_DEFAULT);
    /* The pipeline's frame buffers are sized by the file's width and this
     * slab's rows: make sure they fit before anything allocates them. */
    if ((rc = corun_life_check_size(f->meta.width, f->rows, 0.5, err))) {
        corun_err_prefix(err, "restart %s", path);
        goto bad;
    }
    if (parallel(f) && !early_alloc(f)) {
        rc = corun_err_set(err, CORUN_EINVAL,
                           "restart %s: the file was written by an older corun (chunks allocated "
                           "at the first write), which parallel HDF5 cannot append to: continue "
                           "it with a single process",
                           path);
        goto bad;
    }
    /* Drop what lies past the last frame, so the restart appends cleanly. */
    if (extend(f->frames, f->nframes) < 0 || extend(f->gens, f->nframes) < 0 ||
        (f->prevs >= 0 && extend(f->prevs, f->nframes) < 0) ||
        (f->npops > g + 1 && extend(f->pops, g + 1) < 0)) {
        rc = fail(f, path, err, CORUN_EIO, "trimming to the last frame");
        goto bad;
    }
    if (f->prevs >= 0) f->nprevs = f->nframes;
    if (preview_buffers(f) < 0 || (f->rank == 0 && !(f->xmf_path = h5io_xdmf_path(path)))) {
        rc = corun_err_set(err, CORUN_ENOMEM, "restart %s: out of memory", path);
        goto bad;
    }
    h5io_direct_setup(f);
    if (f->npops > g + 1) f->npops = g + 1;
    f->prev_status = h5io_read_attr_str(f->file, "status");
    f->leg.start_gen = g;
    f->open_nframes = f->nframes;
    f->open_npops = f->npops;
    if (h5io_attr_str(f->file, "status", "running") < 0) {
        rc = fail(f, path, err, CORUN_EIO, "writing the status attribute");
        goto bad;
    }
    /* The .xmf as the file is now (it may lag behind after a crash). */
    if (!all_ok(f, xdmf_update(f, 1, err) == 0)) {
        rc = f->failed ? sticky(f, err)
                       : corun_err_set(err, CORUN_EIO, "%s: rank 0 could not write the .xmf", path);
        goto bad;
    }
    *last_gen = g;
    *m = f->meta;
    *out = f;
    return 0;
bad:
    close_all(f);
    free_file(f);
    return rc;
}

/* Why a piece of the last frame could not be read: a checksum that does
 * not match names the frame and its rows; anything else is HDF5's reason. */
static int frame_read_failed(corun_h5_file_t *f, int64_t y0, int64_t n, corun_err_t *err) {
    const int64_t k = f->nframes - 1;
    if (h5io_checksum_error()) {
        H5Eclear2(H5E_DEFAULT);
        return corun_err_set(err, CORUN_EPARSE,
                             "restart %s: frame %lld (generation %lld) is damaged: the checksum "
                             "of rows %lld..%lld does not match their data (refused: restart "
                             "would continue from corrupted cells)",
                             f->path, (long long)k, (long long)f->last_gen,
                             (long long)(f->row0 + y0), (long long)(f->row0 + y0 + n - 1));
    }
    char what[96];
    snprintf(what, sizeof what, "reading frame %lld (generation %lld)", (long long)k,
             (long long)f->last_gen);
    return fail(f, f->path, err, CORUN_EPARSE, what);
}

/* Cells read back must be what corun writes: 0/1 bytes, 0 padding bits.
 * (Files with checksums cannot get here damaged; older files can.) */
static int frame_values_bad(corun_h5_file_t *f, const uint8_t *cells, const uint64_t *words,
                            int64_t y0, int64_t n, corun_err_t *err) {
    const int64_t w = f->meta.width, wpr = corun_life_words_per_row(w);
    const int64_t lastbits = w - 64 * (wpr - 1);
    const uint64_t pad = lastbits == 64 ? 0 : ~((1ull << lastbits) - 1);
    for (int64_t y = 0; y < n; y++) {
        int64_t bad_x = -1;
        if (cells) {
            for (int64_t x = 0; x < w && bad_x < 0; x++)
                if (cells[y * w + x] > 1) bad_x = x;
        } else if (words[y * wpr + wpr - 1] & pad) {
            bad_x = w;
        }
        if (bad_x >= 0)
            return inconsistent(f, err,
                                "frame %lld (generation %lld), row %lld: %s", (long long)(f->nframes - 1),
                                (long long)f->last_gen, (long long)(f->row0 + y0 + y),
                                cells ? "a cell is neither 0 nor 1" : "bits past the width are set");
    }
    return 0;
}

/* The frame's live cells (all ranks' slabs together) must be what
 * /population says for its generation: catches a frame replaced by another
 * one whole (checksums cannot) and damage in files without checksums. */
static int check_frame_population(corun_h5_file_t *f, const uint64_t *words, corun_err_t *err) {
    const int64_t n = corun_life_words_per_row(f->meta.width) * f->rows;
    int64_t pop = 0;
    for (int64_t i = 0; i < n; i++) pop += __builtin_popcountll(words[i]);
#if H5IO_PAR
    if (parallel(f)) {
        int64_t all = 0;
        if (MPI_Allreduce(&pop, &all, 1, MPI_INT64_T, MPI_SUM, f->comm) != MPI_SUCCESS)
            return corun_err_set(err, CORUN_EIO, "%s: MPI_Allreduce (frame population) failed",
                                 f->path);
        pop = all;
    }
#endif
    if (pop == f->last_pop) return 0;
    return inconsistent(f, err,
                        "frame %lld (generation %lld) has %lld live cells, but /population[%lld] "
                        "says %lld",
                        (long long)(f->nframes - 1), (long long)f->last_gen, (long long)pop,
                        (long long)f->last_gen, (long long)f->last_pop);
}

int corun_h5_read_last_frame(corun_h5_file_t *f, uint64_t *words, int progress,
                             const volatile sig_atomic_t *stop, corun_err_t *err) {
    const corun_h5_meta_t *m = &f->meta;
    const int64_t wpr = corun_life_words_per_row(m->width), k = f->nframes - 1;
    /* A chunk's worth of rows at a time (every rank the same number of
     * transfers: collective under MPI), so that a frame of gigabytes shows
     * how far it got and a signal stops it between pieces. */
    const int64_t pieces = byte_pieces(f);
    const int show = progress && (double)m->width * (double)m->height > 1e9;
    const int bits = m->format == CORUN_H5_BITS;
    uint8_t *tmp = bits ? NULL : malloc((size_t)(f->rows_per_chunk * m->width));
    int rc = all_ok(f, bits || tmp != NULL)
                 ? 0
                 : corun_err_set(err, CORUN_ENOMEM, "restart %s: out of memory", f->path);
    if (!bits) memset(words, 0, (size_t)(wpr * f->rows) * 8);
    for (int64_t p = 0, y0 = 0; !rc && p < pieces; p++, y0 += f->rows_per_chunk) {
        int64_t n = piece_rows(f, y0);
        int ok;
        if (bits) ok = xfer_rows(f, 0, k, y0, n, H5T_NATIVE_UINT64, words + y0 * wpr) == 0;
        else ok = xfer_rows(f, 0, k, y0, n, H5T_NATIVE_UINT8, tmp) == 0;
        if (!ok) rc = frame_read_failed(f, y0, n, err);
        else rc = frame_values_bad(f, tmp, words + y0 * wpr, y0, n, err);
        for (int64_t y = 0; !rc && !bits && y < n; y++)
            for (int64_t x = 0; x < m->width; x++)
                if (tmp[y * m->width + x]) words[(y0 + y) * wpr + (x >> 6)] |= 1ull << (x & 63);
        if (!rc && stop && *stop)
            rc = corun_err_set(err, CORUN_ECANCELED,
                               "restart %s: stopped by a signal while reading frame %lld; nothing "
                               "was appended",
                               f->path, (long long)k);
        if (show) fprintf(stderr, "\rlife: reading the last frame %3d%%   ",
                          (int)(100 * (p + 1) / pieces));
        /* P > 1: every rank stops at the same piece (collective reads) */
        if (parallel(f)) rc = corun_h5_agree(f, rc, err);
    }
    if (show) fputc('\n', stderr);
    free(tmp);
    if (!rc) rc = check_frame_population(f, words, err);
    return rc;
}

int corun_h5_set_leg(corun_h5_file_t *f, const corun_h5_meta_t *leg, corun_err_t *err) {
    if (h5io_leg_set(f, leg, f->leg.start_gen) < 0)
        return corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", f->path);
    return 0;
}

/* ------------------------------------------------------------- finish */

/* The end-of-run attributes. "failed" also stores the error message;
 * otherwise an `error` left by an earlier failed leg is removed. */
static int write_stats(corun_h5_file_t *f, hid_t file, const corun_h5_stats_t *st,
                       const char *error) {
    corun_h5_stats_t leg = *st;
    leg.error = error;
    int bad = h5io_leg_end(f, file, &leg) |
              attr_f64(file, "io_seconds", st->io_seconds) |
              attr_f64(file, "stall_seconds", st->stall_seconds) |
              attr_f64(file, "overlap", st->overlap) |
              h5io_attr_i64(file, "final_generation", st->final_generation);
    if (error) bad |= h5io_attr_str(file, "error", error);
    else bad |= h5io_attr_replace(file, "error");
    bad |= h5io_attr_str(file, "status", st->status);
    return bad ? -1 : 0;
}

void corun_h5_close(corun_h5_file_t *f) {
    if (!f) return;
    /* A restart given up before it appended anything (refused options, a
     * damaged last frame, a signal while reading it) leaves the status the
     * file had. */
    if (f->prev_status && !f->failed && !parallel(f) && f->file >= 0 &&
        f->nframes == f->open_nframes &&
        f->npops == f->open_npops)
        h5io_attr_str(f->file, "status", f->prev_status);
    close_all(f);
    free_file(f);
}

int corun_h5_finish(corun_h5_file_t *f, const corun_h5_stats_t *st, corun_err_t *err) {
    /* The .xmf lists every frame (its throttle may have skipped the last
     * ones); a failure to write it is the run's. */
    if (!f->failed && f->xmf_frames != f->nframes) xdmf_update(f, 1, NULL);
    int rc = f->failed ? sticky(f, err) : 0;
    /* P > 1: the statistics are written by all ranks or by none. */
    if (!all_ok(f, !f->failed) && !rc)
        rc = corun_err_set(err, CORUN_EIO, "%s: a write failed on another rank", f->path);
    corun_h5_stats_t ag = *st; /* P > 1: the same values on every rank */
    corun_h5_agree_stats(f, &ag);
    /* What the file will say: a failure is recorded as such, with its
     * message (P > 1: rank 0's text, as for every attribute). */
    char msg[CORUN_ERR_MSG_MAX] = "";
    if (rc || (ag.status && !strcmp(ag.status, "failed"))) {
        ag.status = "failed";
        snprintf(msg, sizeof msg, "%s",
                 st->error && st->error[0] ? st->error
                 : f->failed              ? f->first_err.msg
                 : rc && err              ? err->msg
                                          : "the run failed");
    }
    char *error = msg[0] ? h5io_agreed_str(f, msg) : NULL;
    /* A restart that failed before appending anything leaves the file as
     * it was, status included. */
    int untouched = f->prev_status && msg[0] && f->nframes == f->open_nframes &&
                    f->npops == f->open_npops;
    int swmr = f->meta.swmr && !parallel(f);
    const char *path = f->path;
    int stats_rc = 0;

    /* In place, unless a write failed: HDF5's state after a failed write
     * (disk full) is not fit for more changes (they can damage the file or
     * crash at exit), so then the file is closed first and reopened. */
    if (f->file >= 0 && !swmr && !f->failed) {
        if (untouched) stats_rc = h5io_attr_str(f->file, "status", f->prev_status);
        else stats_rc = write_stats(f, f->file, &ag, error);
        if (!all_ok(f, stats_rc == 0) && !rc)
            rc = fail(f, path, err, CORUN_EIO, "writing the run statistics");
    }
    if (close_all(f) < 0 && !rc) rc = fail(f, path, err, CORUN_EIO, "closing");
    if (swmr || ((stats_rc < 0 || f->failed) && !parallel(f))) {
        /* SWMR writers cannot add attributes (HDF5 1.10): reopen normally.
         * After a failed write (disk full) the reopened file may still take
         * the few bytes of the status. */
        /* After a failed write there must be room for the few metadata
         * blocks the status takes: HDF5 1.10 cannot close a file whose
         * flush failed. Without it the status stays as it was (running). */
        corun_lock_unreserve(&f->lock);
        struct statvfs fs;
        int room = !f->failed || (statvfs(path, &fs) == 0 &&
                                  (double)fs.f_bavail * (double)fs.f_frsize >= 1048576.0);
        hid_t file = room ? H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT) : -1;
        int bad = file < 0 || (untouched ? h5io_attr_str(file, "status", f->prev_status)
                                         : write_stats(f, file, &ag, error)) < 0;
        if (file >= 0 && (bad ? corun_h5_close_failed(file) : H5Fclose(file)) < 0) bad = 1;
        if (bad && !rc) rc = fail(NULL, path, err, CORUN_EIO, "writing the run statistics");
        H5Eclear2(H5E_DEFAULT);
    }
    free(error);
    free_file(f);
    return rc;
}
