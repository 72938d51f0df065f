/* csv_split_mpi.c — `corun csv split` over MPI ranks: byte ranges, a quote
 * parity prefix XOR, keys merged on rank 0, per-file offsets from a prefix
 * sum, MPI-IO writes into temporaries in a folder built aside, renamed and
 * swapped into place by rank 0 (include/corun/outdir.h). The steps and the
 * failure rule are in csv_mpi.h.
 *
 * Memory per rank: its share's record index (16 bytes per record, about an
 * eighth of the bytes for the sales schema) plus a permutation (8 bytes per
 * record) and an 8 MiB write buffer; the input itself is mapped, and a rank
 * touches only its range (and the tail of its last record).
 */
#include "mpi/csv_mpi.h"

#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "corun/mpi.h"
#include "corun/outdir.h"

#if CORUN_MPI
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "csv/csv_int.h"
#include "mpi_int.h"

#define WBUF ((size_t)8 << 20)
#define PIECE ((size_t)1 << 30)

typedef struct mctx {
    MPI_Comm comm;
    int rank, size;
    const corun_csv_split_opts_t *o;
    csv_input_t in;
    corun_csv_scan_t scan;
    csv_dict_t local;    /* this rank's keys, in order of first appearance */
    csv_dict_t g;        /* rank 0: all keys (ids as one process gives them) */
    csv_rowrec_t *rows;  /* this rank's records, key = local id, then global */
    size_t nrows, rcap;
    uint64_t records;
    uint64_t cut0, cut1; /* this rank's byte range of the body */
    corun_outdir_t od;   /* rank 0: OUTDIR's lock and the folder built aside */
    char aside[4096];    /* every rank: that folder */
    long pid0;
    size_t nfiles;
    int swapped;         /* past the swap: a signal no longer stops the split */
} mctx_t;

/* Every rank: the first failing rank's code and message, or 0. */
static int agree(mctx_t *c, int rc, corun_err_t *err) {
    /* A signal (to any rank: mpirun forwards it to all) stops the job at
     * the next agreement, with the same message everywhere. */
    if (!rc && !c->swapped) rc = csv_split_stopped(c->o->stop, c->o->outdir, err);
    int mine = rc ? c->rank : c->size, first = c->size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, c->comm);
    if (first == c->size) return 0;
    corun_err_t e = {0};
    if (c->rank == first) {
        e = *err;
        e.code = rc;
    }
    MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, c->comm);
    *err = e;
    return e.code ? e.code : CORUN_EINTERNAL;
}

static int append_rows(mctx_t *c, corun_err_t *err) {
    corun_csv_scan_t *s = &c->scan;
    for (int t = 0; t < s->nslots; t++) {
        csv_slot_t *sl = &s->slots[t];
        if (!sl->nrows) continue;
        if (c->nrows + sl->nrows > c->rcap) {
            size_t cap = c->rcap ? c->rcap : 4096;
            while (cap < c->nrows + sl->nrows) cap *= 2;
            csv_rowrec_t *r = realloc(c->rows, cap * sizeof *r);
            if (!r) return corun_err_set(err, CORUN_ENOMEM, "out of memory (record index)");
            c->rows = r;
            c->rcap = cap;
        }
        memcpy(c->rows + c->nrows, sl->rows, sl->nrows * sizeof *sl->rows);
        c->nrows += sl->nrows;
    }
    return 0;
}

/* Step 2: this rank's records. Returns a non-parse error; a parse error is
 * left in the scan's slots (CORUN_EPARSE). */
static int scan_range(mctx_t *c, corun_err_t *err) {
    const corun_csv_split_opts_t *o = c->o;
    const corun_csv_backend_t *be = o->backend ? o->backend : &corun_csv_backend_omp;
    uint64_t body = c->in.body, len = c->in.n - body;
    c->cut0 = body + (uint64_t)((unsigned __int128)len * (unsigned)c->rank / (unsigned)c->size);
    c->cut1 = body + (uint64_t)((unsigned __int128)len * (unsigned)(c->rank + 1) / (unsigned)c->size);
    /* Quote parity of the range, in parallel 1 MiB blocks. */
    int64_t nblk = (int64_t)((c->cut1 - c->cut0 + ((1u << 20) - 1)) >> 20);
    uint64_t quotes = 0;
#pragma omp parallel for num_threads(c->scan.threads) reduction(+ : quotes) schedule(static)
    for (int64_t k = 0; k < nblk; k++) {
        uint64_t lo = c->cut0 + ((uint64_t)k << 20), hi = lo + (1u << 20);
        quotes += csv_count_quotes(c->in.b, lo, hi < c->cut1 ? hi : c->cut1);
    }
    int par = (int)(quotes & 1), inq = 0;
    MPI_Exscan(&par, &inq, 1, MPI_INT, MPI_BXOR, c->comm);
    if (c->rank == 0) inq = 0; /* Exscan leaves rank 0's result undefined */
    uint64_t pos = corun_csv_first_row(c->in.b, body, c->cut0, c->cut1, inq);
    size_t window = o->window_bytes ? o->window_bytes : (size_t)64 << 20;
    size_t max_files = o->max_files ? o->max_files : 4096;
    while (pos < c->cut1) {
        uint64_t we = c->cut1 - pos > window ? pos + window : c->cut1, next = pos;
        int rc = be->scan(&c->scan, pos, we, &next, err);
        if (rc == CORUN_EPARSE) return 0;
        if (rc) return rc;
        if (csv_scan_merge(&c->scan, &c->local))
            return corun_err_set(err, CORUN_ENOMEM, "out of memory (key dictionary)");
        /* More distinct values here than allowed means more in the file. */
        if (!o->nonly && c->local.n > max_files)
            return corun_err_set(err, CORUN_ERANGE,
                                 "%s: column '%s' has more than %zu distinct values (raise "
                                 "--max-files or use --only)",
                                 o->input, o->by, max_files);
        if ((rc = append_rows(c, err))) return rc;
        csv_scan_reset_rows(&c->scan);
        pos = next;
    }
    for (int t = 0; t < c->scan.nslots; t++) c->records += c->scan.slots[t].records;
    return 0;
}

/* Step 3: the parse error at the smallest offset of any rank, if any. */
static int parse_error(mctx_t *c, corun_err_t *err) {
    uint64_t mine = UINT64_MAX, first = UINT64_MAX;
    for (int t = 0; t < c->scan.nslots; t++)
        if (c->scan.slots[t].ekind && c->scan.slots[t].eoff < mine) mine = c->scan.slots[t].eoff;
    MPI_Allreduce(&mine, &first, 1, MPI_UINT64_T, MPI_MIN, c->comm);
    if (first == UINT64_MAX) return 0;
    /* Line numbers: the LFs before each range, summed over the ranks
     * before (rank 0's range is taken from byte 0: the header's LFs). */
    uint64_t from = c->rank ? c->cut0 : 0;
    uint64_t lfs = csv_line_from(c->in.b, from, 0, c->cut1), before = 0;
    MPI_Exscan(&lfs, &before, 1, MPI_UINT64_T, MPI_SUM, c->comm);
    if (c->rank == 0) before = 0;
    int rc = 0;
    if (mine == first) {
        c->scan.line_from = from;
        c->scan.line_at = 1 + before;
        rc = csv_scan_error(&c->scan, c->o->input, (const char *const *)c->in.colnames, err);
    }
    return agree(c, rc, err);
}

/* Step 4: rank 0 numbers all keys; each rank gets local id -> global id.
 * Keys travel as (uint32 length, bytes). */
static int merge_keys(mctx_t *c, uint32_t **l2g_out, corun_err_t *err) {
    size_t bytes = 0;
    for (size_t k = 0; k < c->local.n; k++) bytes += 4 + c->local.ent[k].klen;
    int rc = bytes > INT32_MAX ? corun_err_set(err, CORUN_ERANGE, "too many distinct values") : 0;
    char *mine = malloc(bytes ? bytes : 1);
    uint32_t *l2g = malloc((c->local.n ? c->local.n : 1) * sizeof *l2g);
    if (!rc && (!mine || !l2g)) rc = corun_err_set(err, CORUN_ENOMEM, "out of memory");
    if ((rc = agree(c, rc, err))) goto fail;
    size_t o = 0;
    for (size_t k = 0; k < c->local.n; k++) {
        size_t len;
        const char *key = csv_dict_key(&c->local, (uint32_t)k, &len);
        uint32_t l = (uint32_t)len;
        memcpy(mine + o, &l, 4);
        memcpy(mine + o + 4, key, len);
        o += 4 + len;
    }
    int nb = (int)bytes, nk = (int)c->local.n;
    int *cnt = NULL, *displ = NULL, *kcnt = NULL, *kdispl = NULL;
    char *all = NULL;
    uint32_t *maps = NULL;
    if (c->rank == 0) {
        cnt = calloc((size_t)c->size, sizeof *cnt);
        displ = calloc((size_t)c->size, sizeof *displ);
        kcnt = calloc((size_t)c->size, sizeof *kcnt);
        kdispl = calloc((size_t)c->size, sizeof *kdispl);
    }
    MPI_Gather(&nb, 1, MPI_INT, cnt, 1, MPI_INT, 0, c->comm);
    MPI_Gather(&nk, 1, MPI_INT, kcnt, 1, MPI_INT, 0, c->comm);
    if (c->rank == 0) {
        int64_t tb = 0, tk = 0;
        for (int r = 0; r < c->size; r++) {
            displ[r] = (int)tb, kdispl[r] = (int)tk;
            tb += cnt[r], tk += kcnt[r];
        }
        all = malloc(tb ? (size_t)tb : 1);
        maps = malloc((tk ? (size_t)tk : 1) * sizeof *maps);
        if (tb > INT32_MAX || tk > INT32_MAX) rc = corun_err_set(err, CORUN_ERANGE, "too many distinct values");
        else if (!all || !maps) rc = corun_err_set(err, CORUN_ENOMEM, "out of memory");
    }
    if ((rc = agree(c, rc, err))) goto out;
    MPI_Gatherv(mine, nb, MPI_BYTE, all, cnt, displ, MPI_BYTE, 0, c->comm);
    if (c->rank == 0) {
        int64_t k = 0;
        for (int r = 0; r < c->size && !rc; r++) {
            const char *p = all + displ[r], *e = p + cnt[r];
            while (p < e) {
                uint32_t l;
                memcpy(&l, p, 4);
                int64_t id = csv_dict_get(&c->g, p + 4, l, 1);
                if (id < 0) {
                    rc = corun_err_set(err, CORUN_ENOMEM, "out of memory (key dictionary)");
                    break;
                }
                maps[k++] = (uint32_t)id;
                p += 4 + l;
            }
        }
        size_t max_files = c->o->max_files ? c->o->max_files : 4096;
        if (!rc && !c->o->nonly && c->g.n > max_files)
            rc = corun_err_set(err, CORUN_ERANGE,
                               "%s: column '%s' has more than %zu distinct values (raise "
                               "--max-files or use --only)",
                               c->o->input, c->o->by, max_files);
    }
    if ((rc = agree(c, rc, err))) goto out;
    MPI_Scatterv(maps, kcnt, kdispl, MPI_UINT32_T, l2g, nk, MPI_UINT32_T, 0, c->comm);
    uint64_t nkeys = c->g.n;
    MPI_Bcast(&nkeys, 1, MPI_UINT64_T, 0, c->comm);
    c->nfiles = c->o->nonly ? c->o->nonly : (size_t)nkeys;
out:
    free(cnt), free(displ), free(kcnt), free(kdispl), free(all), free(maps);
fail:
    free(mine);
    if (rc) free(l2g);
    else *l2g_out = l2g;
    return rc;
}

static void tmp_path(const mctx_t *c, size_t k, char *out, size_t cap) {
    snprintf(out, cap, "%s/.corun-split-%ld-%zu.tmp", c->aside, c->pid0, k);
}

static int write_at(MPI_File fh, uint64_t off, const void *p, size_t len, const char *path,
                    corun_err_t *err) {
    for (size_t o = 0; o < len; o += PIECE) {
        size_t k = len - o < PIECE ? len - o : PIECE;
        int rc = MPI_File_write_at(fh, (MPI_Offset)(off + o), (const char *)p + o, (int)k,
                                   MPI_BYTE, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS) {
            corun_mpi_comm_check(rc, "MPI_File_write_at", err);
            return corun_err_prefix(err, "%s", path);
        }
    }
    return 0;
}

static int file_open(const char *path, int amode, MPI_File *fh, corun_err_t *err) {
    int mrc = MPI_File_open(MPI_COMM_SELF, path, amode, MPI_INFO_NULL, fh);
    if (mrc == MPI_SUCCESS) return 0;
    corun_mpi_comm_check(mrc, "MPI_File_open", err);
    return corun_err_prefix(err, "%s: cannot %s", path, amode & MPI_MODE_CREATE ? "create" : "open");
}

static int file_close(MPI_File *fh, const char *path, corun_err_t *err, int rc) {
    int mrc = MPI_File_close(fh);
    if (rc || mrc == MPI_SUCCESS) return rc;
    corun_mpi_comm_check(mrc, "MPI_File_close", err);
    return corun_err_prefix(err, "%s", path);
}

/* This rank's records of output k, at header + (bytes of the ranks before). */
static int write_part(mctx_t *c, MPI_File fh, uint64_t pos, size_t from, size_t to,
                      const size_t *perm, char *buf, const char *path, corun_err_t *err) {
    const unsigned char *b = c->in.b;
    size_t fill = 0;
    int rc = 0;
    for (size_t i = from; !rc && i < to; i++) {
        const csv_rowrec_t *r = &c->rows[perm[i]];
        if (fill + r->len > WBUF) {
            rc = write_at(fh, pos, buf, fill, path, err);
            pos += fill;
            fill = 0;
        }
        if (rc) break;
        if (r->len > WBUF) { /* a record bigger than the buffer: from the map */
            rc = write_at(fh, pos, b + r->off, r->len, path, err);
            pos += r->len;
        } else {
            memcpy(buf + fill, b + r->off, r->len);
            fill += r->len;
        }
    }
    if (!rc && fill) rc = write_at(fh, pos, buf, fill, path, err);
    return rc;
}

/* Step 5. Rank 0 creates every temporary (MPI_MODE_EXCL) and writes its
 * header; after one agreement every rank opens the files it has records for
 * and writes them with MPI_File_write_at at its offsets. The opens are
 * MPI_COMM_SELF ones: a collective open and close per output file (185 for
 * the sales countries) cost 1-8 s on the shared 2-core test machine, where
 * the whole scan takes 0.3 s; writes to disjoint ranges need no
 * synchronisation, and one agreement at the end says whether all succeeded. */
static int write_files(mctx_t *c, const uint64_t *off, const size_t *start, const size_t *perm,
                       corun_err_t *err) {
    char *buf = malloc(WBUF);
    int rc = buf ? 0 : corun_err_set(err, CORUN_ENOMEM, "out of memory (write buffer)");
    char path[4096 + 64];
    if (c->rank == 0) {
        for (size_t k = 0; !rc && k < c->nfiles; k++) {
            MPI_File fh;
            tmp_path(c, k, path, sizeof path);
            rc = file_open(path, MPI_MODE_CREATE | MPI_MODE_EXCL | MPI_MODE_WRONLY, &fh, err);
            if (rc) break;
            rc = write_at(fh, 0, c->in.b, c->in.body, path, err);
            rc = file_close(&fh, path, err, rc);
        }
    }
    if ((rc = agree(c, rc, err))) {
        free(buf);
        return rc;
    }
    for (size_t k = 0; !rc && k < c->nfiles; k++) {
        if (start[k] == start[k + 1]) continue;
        MPI_File fh;
        tmp_path(c, k, path, sizeof path);
        if ((rc = file_open(path, MPI_MODE_WRONLY, &fh, err))) break;
        rc = write_part(c, fh, c->in.body + off[k], start[k], start[k + 1], perm, buf, path, err);
        rc = file_close(&fh, path, err, rc);
    }
    free(buf);
    return agree(c, rc, err);
}

int corun_csv_split_mpi(const corun_csv_split_opts_t *o, corun_csv_split_result_t *res,
                        corun_err_t *err) {
    double t0 = corun_now();
    corun_err_t ebuf = {0};
    if (!err) err = &ebuf;
    corun_csv_split_result_t r;
    memset(&r, 0, sizeof r);
    if (!o || !o->input || !o->by || !o->outdir || !o->outdir[0])
        return corun_err_set(err, CORUN_EINVAL, "csv split: input, by and outdir are required");
    mctx_t c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.in.fd = -1;
    c.od = (corun_outdir_t)CORUN_OUTDIR_INIT;
    MPI_Comm_dup(MPI_COMM_WORLD, &c.comm);
    MPI_Comm_set_errhandler(c.comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(c.comm, &c.rank);
    MPI_Comm_size(c.comm, &c.size);
    csv_dict_init(&c.local);
    csv_dict_init(&c.g);
    uint32_t *l2g = NULL;
    uint64_t *bytes = NULL, *rowsk = NULL, *off = NULL, *tb = NULL, *tr = NULL;
    size_t *start = NULL, *perm = NULL;
    int scan_ok = 0, input_ok = 0;

    /* Step 1: input, key column, --only, OUTDIR (rank 0). */
    int rc = csv_input_open(&c.in, o->input, err);
    input_ok = !rc;
    uint32_t keycol = 0;
    if (!rc) rc = csv_input_column(&c.in, o->by, &keycol, err);
    if (!rc && !(rc = csv_scan_init(&c.scan, &c.in, o->threads, err))) scan_ok = 1;
    if (!rc && c.rank == 0) rc = csv_split_only(&c.g, o->only, o->nonly, err);
    if ((rc = agree(&c, rc, err))) goto done;
    if (c.rank == 0) {
        rc = corun_outdir_begin(&c.od, o->outdir, o->force, csv_split_output_name, err);
        if (!rc && strlen(c.od.aside) >= sizeof c.aside)
            rc = corun_err_set(err, CORUN_ERANGE, "%s: path too long", c.od.aside);
        if (!rc) snprintf(c.aside, sizeof c.aside, "%s", c.od.aside);
    }
    if ((rc = agree(&c, rc, err))) goto done;
    MPI_Bcast(c.aside, (int)sizeof c.aside, MPI_CHAR, 0, c.comm);
    c.pid0 = (long)getpid();
    MPI_Bcast(&c.pid0, 1, MPI_LONG, 0, c.comm);
    c.scan.want[0] = keycol;
    c.scan.nwant = 1;
    c.scan.key_k = 0;
    c.scan.keep_rows = 1;

    /* Steps 2-4: records, the first error, keys. */
    rc = scan_range(&c, err);
    if ((rc = agree(&c, rc, err))) goto done;
    if ((rc = parse_error(&c, err))) goto done;
    if ((rc = merge_keys(&c, &l2g, err))) goto done;

    /* Step 5: bytes per file -> offsets; records grouped by file (stable). */
    size_t nf = c.nfiles;
    bytes = calloc(nf + 1, 8), rowsk = calloc(nf + 1, 8), off = calloc(nf + 1, 8);
    tb = calloc(nf + 1, 8), tr = calloc(nf + 1, 8);
    start = calloc(nf + 2, sizeof *start);
    perm = malloc((c.nrows ? c.nrows : 1) * sizeof *perm);
    rc = !bytes || !rowsk || !off || !tb || !tr || !start || !perm
             ? corun_err_set(err, CORUN_ENOMEM, "out of memory (write plan)")
             : 0;
    if ((rc = agree(&c, rc, err))) goto done;
    for (size_t i = 0; i < c.nrows; i++) {
        uint32_t k = l2g[c.rows[i].key];
        c.rows[i].key = k;
        if (k < nf) {
            bytes[k] += c.rows[i].len;
            rowsk[k]++;
        }
    }
    for (size_t k = 0; k < nf; k++) start[k + 1] = start[k] + rowsk[k];
    {
        size_t *fill = calloc(nf + 1, sizeof *fill);
        if (!fill) rc = corun_err_set(err, CORUN_ENOMEM, "out of memory (write plan)");
        for (size_t i = 0; fill && i < c.nrows; i++)
            if (c.rows[i].key < nf) perm[start[c.rows[i].key] + fill[c.rows[i].key]++] = i;
        free(fill);
    }
    if ((rc = agree(&c, rc, err))) goto done;
    if (nf) {
        MPI_Exscan(bytes, off, (int)nf, MPI_UINT64_T, MPI_SUM, c.comm);
        if (c.rank == 0) memset(off, 0, nf * 8);
        MPI_Reduce(bytes, tb, (int)nf, MPI_UINT64_T, MPI_SUM, 0, c.comm);
        MPI_Reduce(rowsk, tr, (int)nf, MPI_UINT64_T, MPI_SUM, 0, c.comm);
    }
    unsigned char *used = NULL;
    char(*names)[CORUN_CSV_NAME_MAX] = NULL;
    if (c.rank == 0) {
        used = malloc(nf + 1);
        names = calloc(nf + 1, sizeof *names);
        if (!used || !names) rc = corun_err_set(err, CORUN_ENOMEM, "out of memory");
        else {
            memset(used, 1, nf + 1);
            rc = csv_split_names(&c.g, nf, used, names, err);
        }
    }
    if (!(rc = agree(&c, rc, err))) rc = write_files(&c, off, start, perm, err);

    /* Step 6: rank 0 renames, then the summary (the same on every rank). */
    if (!rc && c.rank == 0) {
        char from[4096 + 64], to[4096 + CORUN_CSV_NAME_MAX + 2];
        for (size_t k = 0; k < nf && !rc; k++) {
            tmp_path(&c, k, from, sizeof from);
            snprintf(to, sizeof to, "%s/%s", c.aside, names[k]);
            if (rename(from, to))
                rc = corun_err_set(err, CORUN_EIO, "%s: cannot rename to %s: %s", from, names[k],
                                   strerror(errno));
            else used[k] = 2; /* renamed: not a temporary any more */
        }
        for (size_t k = 0; !rc && k < nf; k++) tb[k] += c.in.body;
        if (!rc)
            rc = csv_split_hash(nf, used, (const char(*)[CORUN_CSV_NAME_MAX])names, tr, tb, &r,
                                err);
        if (!rc) rc = csv_split_stopped(o->stop, o->outdir, err);
        if (!rc) rc = corun_outdir_commit(&c.od, err);
    }
    free(used);
    free(names);
    c.swapped = 1;
    rc = agree(&c, rc, err);
    if (!rc) {
        uint64_t rows = 0;
        MPI_Allreduce(&c.records, &rows, 1, MPI_UINT64_T, MPI_SUM, c.comm);
        MPI_Bcast(&r, (int)sizeof r, MPI_BYTE, 0, c.comm);
        r.rows = rows;
        r.bytes_in = c.in.n;
    }

done:
    /* Rank 0, after every rank is done with the folder: on failure it is
     * removed with everything in it, and the lock is released. */
    if (c.rank == 0) corun_outdir_end(&c.od);
    free(l2g), free(bytes), free(rowsk), free(off), free(tb), free(tr), free(start), free(perm);
    free(c.rows);
    csv_dict_free(&c.local);
    csv_dict_free(&c.g);
    if (scan_ok) csv_scan_fini(&c.scan);
    if (input_ok) csv_input_close(&c.in);
    MPI_Comm_free(&c.comm);
    r.seconds = corun_now() - t0;
    if (res) *res = r;
    return rc;
}

int corun_csv_mpi_exit_code(int code) {
    MPI_Comm comm;
    MPI_Request rq;
    MPI_Comm_dup(MPI_COMM_WORLD, &comm);
    if (MPI_Ibcast(&code, 1, MPI_INT, 0, comm, &rq) == MPI_SUCCESS)
        for (int done = 0;;) { /* rank 0 may still be working: do not spin */
            MPI_Test(&rq, &done, MPI_STATUS_IGNORE);
            if (done) break;
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    MPI_Comm_free(&comm);
    return code;
}

#else /* no MPI in this build */

int corun_csv_split_mpi(const corun_csv_split_opts_t *o, corun_csv_split_result_t *res,
                        corun_err_t *err) {
    (void)o, (void)res;
    return corun_err_set(err, CORUN_ENOTSUP, "csv split: this corun was built without MPI");
}
int corun_csv_mpi_exit_code(int code) { return code; }

#endif
