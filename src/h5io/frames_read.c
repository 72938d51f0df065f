/* frames_read.c — reading any frame of a snapshot file, and its preview,
 * without changing the file (corun render; h5io.h, corun_h5_reader_*).
 *
 * The file is opened read-only and may be one a running corun is still
 * writing: only the frames /generation lists exist (docs/FORMAT.md), so the
 * reader takes that list once, at open, and never reads past it (an open
 * that meets the file between two of the writer's writes is tried again
 * while the file changes: corun_h5_reader_open). HDF5 1.10
 * holds a lock on a file for as long as a (non-SWMR) writer has it open,
 * which would refuse every reader; this reader does not take that lock,
 * since it reads only what the writer has already flushed and listed.
 *
 * A file a --swmr run writes is opened as a SWMR reader (its attributes
 * and header digest checked here; corun_h5_read_meta reads only files
 * that open plainly). Everything the restart's reader checks is checked
 * first for the others (the metadata
 * probe in a child process, corun_h5_read_meta:
 * attributes, the header digest, the generation list); rows read here are
 * checked as they arrive (the chunk checksum, cells 0/1, no bits past the
 * width). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corun/core.h"
#include "corun/h5io.h"
#include "corun/mpi.h"
#include "h5_int.h"

struct corun_h5_reader {
    char *path;
    hid_t file, frames, previews;
    int64_t wpr, x; /* words per row; a frame row's elements in the file */
    corun_h5_frames_t info;
    int64_t *gens;
};

/* corun_h5_read_meta's messages are written for a restart; a reader names
 * only the file. */
static int reword(int rc, corun_err_t *err) {
    static const char prefix[] = "restart ";
    if (err && !strncmp(err->msg, prefix, sizeof prefix - 1))
        memmove(err->msg, err->msg + sizeof prefix - 1, strlen(err->msg) - sizeof prefix + 2);
    return rc;
}

/* HDF5's innermost reason, for messages. */
static herr_t reason_cb(unsigned depth, const H5E_error2_t *e, void *data) {
    char *buf = data;
    if (depth == 0 && e->desc) snprintf(buf, 160, "%s", e->desc);
    return 0;
}

static int h5_fail(const char *path, const char *what, corun_err_t *err) {
    char reason[160] = "";
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, reason_cb, reason);
    H5Eclear2(H5E_DEFAULT);
    for (char *c = reason; *c; c++)
        if (*c == '\n' || *c == '\t') *c = ' ';
    return corun_err_set(err, CORUN_EPARSE, "%s: %s failed%s%s", path, what,
                         reason[0] ? ": " : "", reason);
}

/* dims of a dataset of `rank` dimensions whose elements are integers of
 * `size` bytes; -1 if it is anything else. */
static int dataset_dims(hid_t d, int rank, size_t size, hsize_t *dims) {
    hid_t sp = H5Dget_space(d), t = H5Dget_type(d);
    int ok = sp >= 0 && t >= 0 && H5Sget_simple_extent_ndims(sp) == rank &&
             H5Sget_simple_extent_dims(sp, dims, NULL) == rank && H5Tget_class(t) == H5T_INTEGER &&
             H5Tget_size(t) == size;
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    return ok ? 0 : -1;
}

/* The generation list, read once: its length decides which frames exist. */
static int read_generations(corun_h5_reader_t *r, corun_err_t *err) {
    hid_t g = H5Dopen2(r->file, "/generation", H5P_DEFAULT);
    hsize_t gd[1] = {0}, fd[3] = {0, 0, 0};
    int rc = 0;
    if (g < 0 || dataset_dims(g, 1, 8, gd) < 0 || 
        dataset_dims(r->frames, 3, r->info.meta.format == CORUN_H5_BITS ? 8 : 1, fd) < 0) {
        rc = h5_fail(r->path, "reading the shapes of /generation and /frames", err);
        goto done;
    }
    if (fd[1] != (hsize_t)r->info.meta.height || fd[2] != (hsize_t)r->x) {
        rc = corun_err_set(err, CORUN_EPARSE,
                           "%s: /frames is %llu x %llu x %llu, not frames x %lld x %lld",
                           r->path, (unsigned long long)fd[0], (unsigned long long)fd[1],
                           (unsigned long long)fd[2], (long long)r->info.meta.height,
                           (long long)r->x);
        goto done;
    }
    /* Only listed frames are complete (one more may be on its way). */
    int64_t n = (int64_t)(gd[0] < fd[0] ? gd[0] : fd[0]);
    r->gens = malloc((size_t)(n > 0 ? n : 1) * sizeof *r->gens);
    if (!r->gens) {
        rc = corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", r->path);
        goto done;
    }
    if (n > 0) {
        hid_t fs = H5Dget_space(g);
        hsize_t off[1] = {0}, cnt[1] = {(hsize_t)n};
        hid_t ms = H5Screate_simple(1, cnt, NULL);
        int ok = fs >= 0 && ms >= 0 &&
                 H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) >= 0 &&
                 H5Dread(g, H5T_NATIVE_INT64, ms, fs, H5P_DEFAULT, r->gens) >= 0;
        if (ms >= 0) H5Sclose(ms);
        if (fs >= 0) H5Sclose(fs);
        if (!ok) {
            rc = h5_fail(r->path, "reading /generation", err);
            goto done;
        }
    }
    for (int64_t k = 0; k < n; k++)
        if (r->gens[k] < 0 || (k > 0 && r->gens[k] <= r->gens[k - 1])) {
            rc = corun_err_set(err, CORUN_EPARSE,
                               "%s: /generation[%lld] = %lld does not follow %lld (generations "
                               "must increase)",
                               r->path, (long long)k, (long long)r->gens[k],
                               (long long)(k ? r->gens[k - 1] : -1));
            goto done;
        }
    if (n < 1) rc = corun_err_set(err, CORUN_EPARSE, "%s: the file holds no complete frame", r->path);
    r->info.nframes = n;
    r->info.generation = r->gens;
done:
    if (g >= 0) H5Dclose(g);
    return rc;
}

/* /previews, where the file has them: (F, ph, pw) uint8 with the root
 * attribute preview_block = B. A file whose previews do not fit its own
 * size is refused like any inconsistency. */
static int open_previews(corun_h5_reader_t *r, corun_err_t *err) {
    if (H5Lexists(r->file, "/previews", H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    const corun_h5_meta_t *m = &r->info.meta;
    int64_t b = 0;
    hsize_t d[3] = {0, 0, 0};
    r->previews = H5Dopen2(r->file, "/previews", H5P_DEFAULT);
    if (r->previews < 0 || h5io_read_attr_i64(r->file, "preview_block", &b) < 0 ||
        dataset_dims(r->previews, 3, 1, d) < 0)
        return corun_err_set(err, CORUN_EPARSE,
                             "%s: /previews is not a 3-dimensional uint8 dataset with a root "
                             "attribute preview_block (damaged file)",
                             r->path);
    if (b < 1 || b > ((int64_t)1 << 26) ||
        d[1] != (hsize_t)((m->height + b - 1) / b) || d[2] != (hsize_t)((m->width + b - 1) / b))
        return corun_err_set(err, CORUN_EPARSE,
                             "%s: /previews is %llu x %llu x %llu, which does not fit preview_block "
                             "%lld and the %lldx%lld grid (damaged file)",
                             r->path, (unsigned long long)d[0], (unsigned long long)d[1],
                             (unsigned long long)d[2], (long long)b, (long long)m->width,
                             (long long)m->height);
    r->info.preview_block = b;
    r->info.npreviews = (int64_t)d[0] < r->info.nframes ? (int64_t)d[0] : r->info.nframes;
    return 0;
}

/* Size and modification time: whether a writer changed the file. */
static int stamp(const char *path, struct stat *st) {
    memset(st, 0, sizeof *st);
    return stat(path, st);
}

static int changed(const struct stat *a, const struct stat *b) {
    return a->st_size != b->st_size || a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
           a->st_mtim.tv_nsec != b->st_mtim.tv_nsec;
}

static int open_once(const char *path, corun_h5_reader_t **out, const corun_h5_frames_t **info,
                     corun_err_t *err);

int corun_h5_reader_open(const char *path, corun_h5_reader_t **out,
                         const corun_h5_frames_t **info, corun_err_t *err) {
    /* A file a running corun writes without --swmr can be caught between
     * two of its writes (its superblock already counts space whose data is
     * not written yet: "truncated file"). Such a file changes within
     * moments: try again while it does, for up to 5 s. A file that does
     * not change is refused at once. */
    struct stat before, after;
    int rc = 0;
    for (int tries = 0; tries < 100; tries++) {
        stamp(path, &before);
        rc = open_once(path, out, info, err);
        if (!rc || rc == CORUN_ENOMEM) return rc;
        usleep(50 * 1000);
        if (stamp(path, &after) != 0 || !changed(&before, &after)) return rc;
    }
    return rc;
}

/* 1 if path opens only as a SWMR reader: a --swmr run writes it (or one
 * did and died; HDF5 then still marks it open for writing). */
static int is_swmr_open(const char *path, hid_t fapl) {
    if (access(path, F_OK) != 0) return 0;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (f >= 0) {
        H5Fclose(f);
        return 0;
    }
    f = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl);
    H5Eclear2(H5E_DEFAULT);
    if (f < 0) return 0;
    H5Fclose(f);
    return 1;
}

/* The metadata of a file open for SWMR writing (corun_h5_read_meta opens
 * files only as plain readers): the attributes a reader needs, checked
 * against the header digest where the file has one. */
static int swmr_meta(const char *path, hid_t fapl, corun_h5_meta_t *m, corun_err_t *err) {
    memset(m, 0, sizeof *m);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl);
    if (f < 0) return h5_fail(path, "opening (SWMR reader)", err);
    char *rule = h5io_read_attr_str(f, "rule"), *bnd = h5io_read_attr_str(f, "boundary");
    char *fmt = h5io_read_attr_str(f, "frame_format"), *comp = h5io_read_attr_str(f, "compression");
    char *digest = h5io_read_attr_str(f, H5IO_DIGEST_ATTR);
    corun_err_t e2 = {0};
    int bad = !rule || !bnd || !fmt || !comp || h5io_read_attr_i64(f, "width", &m->width) < 0 ||
              h5io_read_attr_i64(f, "height", &m->height) < 0 ||
              h5io_read_attr_i64(f, "snapshot_every", &m->snapshot_every) < 0 ||
              corun_life_rule_parse(rule, &m->rule, &e2) ||
              corun_life_boundary_parse(bnd, &m->boundary, &e2) ||
              corun_h5_codec_parse(comp, &m->codec, &m->level, &e2) ||
              (strcmp(fmt, "bits") && strcmp(fmt, "bytes")) || m->width < 1 || m->height < 1 ||
              m->width > ((int64_t)1 << 32) || m->height > ((int64_t)1 << 32);
    if (!bad) m->format = strcmp(fmt, "bits") ? CORUN_H5_BYTES : CORUN_H5_BITS;
    int rc = 0;
    if (bad) {
        rc = corun_err_set(err, CORUN_EPARSE,
                           "%s: not a corun snapshot file (missing or bad root attributes: rule, "
                           "boundary, width, height, frame_format, compression, snapshot_every)%s%s",
                           path, e2.msg[0] ? ": " : "", e2.msg);
    } else if (digest) {
        char want[32];
        snprintf(want, sizeof want, "%016llx", (unsigned long long)h5io_header_digest(m));
        if (strcmp(digest, want))
            rc = corun_err_set(err, CORUN_EPARSE,
                               "%s: header_digest %s does not match the attributes (digest %s): "
                               "one of them was changed",
                               path, digest, want);
    }
    free(rule), free(bnd), free(fmt), free(comp), free(digest);
    H5Fclose(f);
    H5Eclear2(H5E_DEFAULT);
    return rc;
}

static int open_once(const char *path, corun_h5_reader_t **out, const corun_h5_frames_t **info,
                     corun_err_t *err) {
    *out = NULL;
    /* HDF5 parses some metadata without checksums and can crash or loop on
     * a damaged one: read it in a child process first, as a restart does
     * (not inside an MPI job: no fork there). */
    char why[256];
    if (access(path, F_OK) == 0 && !corun_mpi_active() &&
        h5io_probe_metadata(path, why, sizeof why) < 0)
        return corun_err_set(err, CORUN_EPARSE, "%s: %s; refused", path, why);
    corun_h5_codec_available(CORUN_H5_RAW, NULL); /* HDF5's messages off, filter plugins */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0) H5Pset_file_locking(fapl, 0, 1);
    const int swmr = is_swmr_open(path, fapl);
    corun_h5_meta_t m;
    int64_t last = 0;
    int rc = swmr ? swmr_meta(path, fapl, &m, err)
                  : reword(corun_h5_read_meta(path, &m, &last, err), err);
    if (rc) {
        if (fapl >= 0) H5Pclose(fapl);
        return rc;
    }
    corun_h5_reader_t *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        if (fapl >= 0) H5Pclose(fapl);
        return corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", path);
    }
    r->file = r->frames = r->previews = -1;
    r->info.meta = m;
    r->wpr = corun_life_words_per_row(m.width);
    r->x = m.format == CORUN_H5_BITS ? r->wpr : m.width;
    r->file = H5Fopen(path, H5F_ACC_RDONLY | (swmr ? H5F_ACC_SWMR_READ : 0),
                      fapl >= 0 ? fapl : H5P_DEFAULT);
    if (fapl >= 0) H5Pclose(fapl);
    if (r->file < 0 || (r->frames = H5Dopen2(r->file, "/frames", H5P_DEFAULT)) < 0)
        rc = h5_fail(path, "opening", err);
    if (!rc) rc = read_generations(r, err);
    if (!rc) rc = open_previews(r, err);
    if (rc) {
        corun_h5_reader_close(r);
        return rc;
    }
    *out = r;
    *info = &r->info;
    return 0;
}

/* A piece of a frame that cannot be read: a checksum that does not match
 * names the frame and its rows. */
static int rows_failed(corun_h5_reader_t *r, const char *what, int64_t k, int64_t y0, int64_t n,
                       corun_err_t *err) {
    if (h5io_checksum_error()) {
        H5Eclear2(H5E_DEFAULT);
        return corun_err_set(err, CORUN_EPARSE,
                             "%s: %s %lld (generation %lld) is damaged: the checksum of rows "
                             "%lld..%lld does not match their data",
                             r->path, what, (long long)k, (long long)r->gens[k], (long long)y0,
                             (long long)(y0 + n - 1));
    }
    char w[96];
    snprintf(w, sizeof w, "reading %s %lld (generation %lld)", what, (long long)k,
             (long long)r->gens[k]);
    return h5_fail(r->path, w, err);
}

/* Reads rows y0..y0+n-1 of dataset d's entry k (row length x elements of
 * mtype) into buf, rows `stride` elements apart. */
static int read_rows(hid_t d, int64_t k, int64_t y0, int64_t n, int64_t x, hid_t mtype,
                     void *buf, int64_t stride) {
    hid_t fs = H5Dget_space(d);
    hsize_t off[3] = {(hsize_t)k, (hsize_t)y0, 0}, cnt[3] = {1, (hsize_t)n, (hsize_t)x};
    hsize_t mdim[2] = {(hsize_t)n, (hsize_t)stride}, moff[2] = {0, 0}, mcnt[2] = {(hsize_t)n, (hsize_t)x};
    hid_t ms = H5Screate_simple(2, mdim, NULL);
    int ok = fs >= 0 && ms >= 0 &&
             H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) >= 0 &&
             H5Sselect_hyperslab(ms, H5S_SELECT_SET, moff, NULL, mcnt, NULL) >= 0 &&
             H5Dread(d, mtype, ms, fs, H5P_DEFAULT, buf) >= 0;
    hid_t why = ok ? -1 : H5Eget_current_stack();
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (why >= 0) H5Eset_current_stack(why);
    return ok ? 0 : -1;
}

static int frame_check(corun_h5_reader_t *r, int64_t k, int64_t k_y0, corun_err_t *err,
                       const char *what) {
    return corun_err_set(err, CORUN_EPARSE, "%s: frame %lld (generation %lld), row %lld: %s",
                         r->path, (long long)k, (long long)r->gens[k], (long long)k_y0, what);
}

int corun_h5_reader_rows(corun_h5_reader_t *r, int64_t k, int64_t y0, int64_t n, uint64_t *words,
                         int64_t stride, corun_err_t *err) {
    const int64_t w = r->info.meta.width;
    if (k < 0 || k >= r->info.nframes || y0 < 0 || n < 1 || y0 + n > r->info.meta.height)
        return corun_err_set(err, CORUN_EINVAL, "%s: no frame %lld rows %lld..%lld", r->path,
                             (long long)k, (long long)y0, (long long)(y0 + n - 1));
    if (r->info.meta.format == CORUN_H5_BITS) {
        if (read_rows(r->frames, k, y0, n, r->wpr, H5T_NATIVE_UINT64, words, stride) < 0)
            return rows_failed(r, "frame", k, y0, n, err);
        const int64_t lastbits = w - 64 * (r->wpr - 1);
        const uint64_t pad = lastbits == 64 ? 0 : ~(((uint64_t)1 << lastbits) - 1);
        for (int64_t y = 0; y < n; y++)
            if (words[y * stride + r->wpr - 1] & pad)
                return frame_check(r, k, y0 + y, err, "bits past the width are set");
        return 0;
    }
    /* bytes: about 4 MiB of rows at a time (a chunk's worth and more, so
     * each chunk is read once), packed as they arrive */
    int64_t piece = ((int64_t)4 << 20) / w;
    if (piece < 1) piece = 1;
    if (piece > n) piece = n;
    uint8_t *cells = malloc((size_t)(piece * w));
    if (!cells) return corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", r->path);
    int rc = 0;
    for (int64_t p0 = 0; p0 < n && !rc; p0 += piece) {
        const int64_t m = n - p0 < piece ? n - p0 : piece;
        if (read_rows(r->frames, k, y0 + p0, m, w, H5T_NATIVE_UINT8, cells, w) < 0) {
            rc = rows_failed(r, "frame", k, y0 + p0, m, err);
            break;
        }
        for (int64_t y = 0; y < m && !rc; y++) {
            uint64_t *row = words + (p0 + y) * stride;
            const uint8_t *c = cells + y * w;
            memset(row, 0, (size_t)r->wpr * 8);
            for (int64_t x = 0; x < w; x++) {
                if (c[x] > 1) {
                    rc = frame_check(r, k, y0 + p0 + y, err, "a cell is neither 0 nor 1");
                    break;
                }
                row[x >> 6] |= (uint64_t)c[x] << (x & 63);
            }
        }
    }
    free(cells);
    return rc;
}

int corun_h5_reader_preview(corun_h5_reader_t *r, int64_t k, uint8_t *out, corun_err_t *err) {
    const int64_t b = r->info.preview_block;
    if (!b || k < 0 || k >= r->info.npreviews)
        return corun_err_set(err, CORUN_EINVAL, "%s: no preview of frame %lld", r->path,
                             (long long)k);
    const int64_t ph = (r->info.meta.height + b - 1) / b, pw = (r->info.meta.width + b - 1) / b;
    if (read_rows(r->previews, k, 0, ph, pw, H5T_NATIVE_UINT8, out, pw) < 0)
        return rows_failed(r, "preview", k, 0, ph, err);
    return 0;
}

void corun_h5_reader_close(corun_h5_reader_t *r) {
    if (!r) return;
    if (r->previews >= 0) H5Dclose(r->previews);
    if (r->frames >= 0) H5Dclose(r->frames);
    if (r->file >= 0) H5Fclose(r->file);
    H5Eclear2(H5E_DEFAULT);
    free(r->gens);
    free(r->path);
    free(r);
}
