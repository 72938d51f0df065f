/* csv_split.c — corun_csv_split: one output file per key value.
 *
 * Pipeline. The mapped input is cut into windows of window_bytes. For each
 * window the backend indexes the records (offset, length, key), the driver
 * merges keys into the global dictionary and builds a write plan: for every
 * output file, the window's records of that file in input order, to be
 * written at a file offset known in advance (the file's size so far). The
 * records are already in per-key chunks: the host backends copy each record
 * there as they parse it (csv_stage.c says why); for a backend that only
 * indexes records (cuda), the driver stages them after the scan. The plan
 * (the chunks as iovecs, and the arenas they live in) goes to a
 * coroutine on the aio loop that runs the pwrite calls in the loop's pool,
 * while this thread parses the
 * next window; at most PLANS_IN_FLIGHT plans exist (back-pressure), so memory
 * is bounded by a few windows' indexes whatever the input size.
 *
 * Atomicity. The new output is built in a folder aside, next to OUTDIR
 * (include/corun/outdir.h), under OUTDIR's lock. Records go to temporaries
 * .corun-split-<pid>-<id>.tmp there (the final names depend on every value,
 * so they are known only at the end: csv_names.c); when every write
 * succeeded they are renamed to their names and the folder is swapped into
 * place. On any failure, or when *o->stop is set, the aside folder is
 * removed: the old OUTDIR (or none) stays exactly as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "corun/aio.h"
#include "corun/core.h"
#include "corun/outdir.h"
#include "csv_int.h"

#define PLANS_IN_FLIGHT 2

typedef struct out_file {
    int fd;
    uint64_t size, rows;
    int used; /* has a temporary file */
    char tmp[64];
    char name[CORUN_CSV_NAME_MAX];
} out_file_t;

typedef struct write_job {
    int fd;
    uint64_t off;      /* in the file */
    size_t from, niov; /* in the plan's iovecs */
    uint32_t out;
} write_job_t;

/* One window's output: the staging chunks of every output file, one file
 * after the other, a job per file, and the slots' arenas holding the chunks
 * (swapped for the plan's previous ones, which the slots reuse). */
typedef struct plan {
    struct iovec *iov;
    size_t iovcap;
    write_job_t *jobs;
    size_t njobs, jobcap;
    csv_arena_t *arenas;
    int narenas;
    const char *outdir; /* for messages */
} plan_t;

static void plan_free(plan_t *p) {
    if (!p) return;
    for (int i = 0; i < p->narenas; i++) csv_arena_free(&p->arenas[i]);
    free(p->arenas);
    free(p->iov);
    free(p->jobs);
    free(p);
}

/* pwritev of everything, in IOV_MAX pieces, resuming after short writes. */
static int pwritev_all(int fd, struct iovec *iov, size_t n, uint64_t off) {
    while (n) {
        int k = n > IOV_MAX ? IOV_MAX : (int)n;
        ssize_t w = pwritev(fd, iov, k, (off_t)off);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        off += (uint64_t)w;
        size_t left = (size_t)w;
        while (n && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n && left) { /* a short write inside one iovec */
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return 0;
}

/* Pool job: the blocking writes of one plan. */
static int plan_write(void *arg, void **value, corun_err_t *err) {
    (void)value;
    plan_t *p = arg;
    for (size_t j = 0; j < p->njobs; j++) {
        write_job_t *wj = &p->jobs[j];
        if (pwritev_all(wj->fd, p->iov + wj->from, wj->niov, wj->off))
            return corun_err_set(err, CORUN_EIO, "%s/.corun-split-%ld-%u.tmp: write failed: %s",
                                 p->outdir, (long)getpid(), wj->out, strerror(errno));
    }
    return 0;
}

/* Coroutine: hands the plan's writes to the pool. The plan is recycled by
 * the parsing thread once the future is resolved (its arenas go back to the
 * slots, so the next windows do not page-fault fresh memory). */
static int plan_coro(void *arg, void **value, corun_err_t *err) {
    return corun_aio_run_in_pool(plan_write, arg, value, err);
}

void corun_csv_split_opts_init(corun_csv_split_opts_t *o) {
    memset(o, 0, sizeof *o);
}

typedef struct split_ctx {
    const corun_csv_split_opts_t *o;
    csv_input_t in;
    corun_csv_scan_t scan;
    csv_dict_t g;
    out_file_t *outs;
    size_t nouts, outcap;
    int dirfd;
    corun_outdir_t od;
    corun_aio_loop_t *loop;
    corun_aio_future_t *fl[PLANS_IN_FLIGHT]; /* oldest first */
    plan_t *flp[PLANS_IN_FLIGHT];            /* the plan of each */
    int nfl;
    plan_t *spare[PLANS_IN_FLIGHT + 1];      /* plans not in flight */
    int nspare;
    size_t *cnt;  /* per key: iovec count scratch */
    size_t cntcap;
    double io_wait;
} split_ctx_t;

static int ensure_outs(split_ctx_t *c, size_t n, corun_err_t *err) {
    if (n <= c->outcap) {
        if (n > c->nouts) c->nouts = n;
        return 0;
    }
    size_t cap = c->outcap ? c->outcap : 64;
    while (cap < n) cap *= 2;
    out_file_t *o = realloc(c->outs, cap * sizeof *o);
    size_t *k = realloc(c->cnt, cap * sizeof *k);
    if (o) c->outs = o;
    if (k) c->cnt = k;
    if (!o || !k) return corun_err_set(err, CORUN_ENOMEM, "out of memory");
    for (size_t i = c->outcap; i < cap; i++) {
        memset(&o[i], 0, sizeof o[i]);
        o[i].fd = -1;
    }
    c->outcap = cap;
    c->cntcap = cap;
    c->nouts = n;
    return 0;
}

/* Creates the temporary file of output i and writes the header bytes. */
static int open_out(split_ctx_t *c, size_t i, corun_err_t *err) {
    out_file_t *f = &c->outs[i];
    snprintf(f->tmp, sizeof f->tmp, ".corun-split-%ld-%zu.tmp", (long)getpid(), i);
    f->fd = openat(c->dirfd, f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (f->fd < 0) {
        if (errno == EMFILE || errno == ENFILE)
            return corun_err_set(err, CORUN_ERANGE,
                                 "%s: too many open files at %zu outputs (raise `ulimit -n` or "
                                 "use --only)",
                                 c->o->outdir, i);
        return corun_err_set(err, CORUN_EIO, "%s/%s: cannot create: %s", c->od.aside, f->tmp,
                             strerror(errno));
    }
    f->used = 1;
    f->size = c->in.body;
    struct iovec h = {(void *)c->in.b, c->in.body};
    if (pwritev_all(f->fd, &h, 1, 0))
        return corun_err_set(err, CORUN_EIO, "%s/%s: write failed: %s", c->od.aside, f->tmp,
                             strerror(errno));
    return 0;
}

static int await_oldest(split_ctx_t *c, corun_err_t *err) {
    double t = corun_now();
    int rc = corun_aio_future_result(c->fl[0], -1, NULL, err);
    c->io_wait += corun_now() - t;
    corun_aio_future_release(c->fl[0]);
    c->spare[c->nspare++] = c->flp[0];
    memmove(c->fl, c->fl + 1, (size_t)(c->nfl - 1) * sizeof *c->fl);
    memmove(c->flp, c->flp + 1, (size_t)(c->nfl - 1) * sizeof *c->flp);
    c->nfl--;
    return rc;
}

static void reset_stages(corun_csv_scan_t *s) {
    for (int t = 0; t < s->nslots; t++) csv_stage_reset(&s->slots[t]);
}

/* Builds and hands over the write plan of the window just scanned (merged:
 * the slots' to_global maps are complete): for every output in id order,
 * the staged chunks of slot 0, then slot 1, ... (slots hold consecutive
 * parts of the window, so this is input order). */
static int plan_window(split_ctx_t *c, size_t nkeys, corun_err_t *err) {
    corun_csv_scan_t *s = &c->scan;
    int T = s->nslots;
    size_t limit = c->o->nonly ? c->o->nonly : nkeys; /* --only: ids 0..nonly-1 */
    if (!limit) return 0;
    /* loc[t * limit + k]: slot t's local id of output k, or -1 */
    int64_t *loc = malloc((size_t)T * limit * sizeof *loc);
    if (!loc) return corun_err_set(err, CORUN_ENOMEM, "out of memory (write plan)");
    for (size_t i = 0; i < (size_t)T * limit; i++) loc[i] = -1;
    size_t nj = 0, niov = 0;
    for (int t = 0; t < T; t++) {
        const csv_slot_t *sl = &s->slots[t];
        for (size_t lk = 0; lk < sl->nsk; lk++) {
            uint32_t k = sl->to_global[lk];
            if (k >= limit || !sl->sk[lk].niov) continue;
            loc[(size_t)t * limit + k] = (int64_t)lk;
            niov += sl->sk[lk].niov;
        }
    }
    for (size_t k = 0; k < limit; k++)
        for (int t = 0; t < T; t++)
            if (loc[(size_t)t * limit + k] >= 0) {
                nj++;
                break;
            }
    if (!niov) {
        free(loc);
        reset_stages(s);
        return 0;
    }
    if (c->nfl == PLANS_IN_FLIGHT) { /* back-pressure: a plan must come back */
        int rc = await_oldest(c, err);
        if (rc) {
            free(loc);
            return rc;
        }
    }
    plan_t *p = c->nspare ? c->spare[--c->nspare] : calloc(1, sizeof *p);
    if (p && p->iovcap < niov) {
        free(p->iov);
        p->iov = malloc(niov * sizeof *p->iov);
        p->iovcap = p->iov ? niov : 0;
    }
    if (p && p->jobcap < nj) {
        free(p->jobs);
        p->jobs = malloc(nj * sizeof *p->jobs);
        p->jobcap = p->jobs ? nj : 0;
    }
    if (p && !p->arenas && (p->arenas = calloc((size_t)T, sizeof *p->arenas)) != NULL)
        p->narenas = T;
    if (!p || !p->iov || !p->jobs || !p->arenas) {
        plan_free(p);
        free(loc);
        return corun_err_set(err, CORUN_ENOMEM, "out of memory (write plan of %zu pieces)",
                             niov);
    }
    p->njobs = 0;
    p->outdir = c->od.aside;
    size_t pos = 0;
    for (size_t k = 0; k < limit; k++) {
        size_t start = pos;
        uint64_t bytes = 0, rows = 0;
        for (int t = 0; t < T; t++) {
            int64_t lk = loc[(size_t)t * limit + k];
            if (lk < 0) continue;
            const csv_stage_key_t *sk = &s->slots[t].sk[lk];
            memcpy(p->iov + pos, sk->iov, sk->niov * sizeof *sk->iov);
            pos += sk->niov;
            bytes += sk->bytes;
            rows += sk->rows;
        }
        if (pos == start) continue;
        out_file_t *f = &c->outs[k];
        if (!f->used) {
            int rc = open_out(c, k, err);
            if (rc) {
                c->spare[c->nspare++] = p;
                free(loc);
                return rc;
            }
        }
        p->jobs[p->njobs++] = (write_job_t){f->fd, f->size, start, pos - start, (uint32_t)k};
        f->size += bytes;
        f->rows += rows;
    }
    free(loc);
    /* The chunks now belong to the plan; the slots stage the next window in
     * the plan's previous arenas. */
    for (int t = 0; t < T; t++) {
        csv_arena_t a = p->arenas[t];
        p->arenas[t] = s->slots[t].arena;
        s->slots[t].arena = a;
    }
    reset_stages(s);
    corun_aio_future_t *f = NULL;
    int rc = corun_aio_spawn(c->loop, plan_coro, p, &f, err);
    if (rc) {
        c->spare[c->nspare++] = p;
        return rc;
    }
    c->fl[c->nfl] = f;
    c->flp[c->nfl++] = p;
    return 0;
}

typedef struct name_ref {
    const char *name;
    size_t i;
} name_ref_t;

static int cmp_name(const void *a, const void *b) {
    return strcmp(((const name_ref_t *)a)->name, ((const name_ref_t *)b)->name);
}

/* Used outputs sorted by name (malloc'd; *m entries). */
static name_ref_t *by_name(size_t n, const unsigned char *used, const char (*names)[CORUN_CSV_NAME_MAX],
                           size_t *m) {
    name_ref_t *by = malloc((n ? n : 1) * sizeof *by);
    *m = 0;
    if (!by) return NULL;
    for (size_t i = 0; i < n; i++)
        if (used[i]) by[(*m)++] = (name_ref_t){names[i], i};
    qsort(by, *m, sizeof *by, cmp_name);
    return by;
}

int csv_split_names(const csv_dict_t *g, size_t n, const unsigned char *used,
                    char (*names)[CORUN_CSV_NAME_MAX], corun_err_t *err) {
    csv_dict_t stems;
    csv_dict_init(&stems);
    uint32_t *uses = calloc(n ? n : 1, sizeof *uses);
    int64_t *sid = malloc((n ? n : 1) * sizeof *sid);
    int rc = 0;
    if (!uses || !sid) rc = corun_err_set(err, CORUN_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) {
        if (!used[i]) continue;
        size_t len;
        const char *v = csv_dict_key(g, (uint32_t)i, &len);
        char stem[CORUN_CSV_NAME_MAX];
        corun_csv_name_stem(v, len, stem);
        sid[i] = csv_dict_get(&stems, stem, strlen(stem), 1);
        if (sid[i] < 0) rc = corun_err_set(err, CORUN_ENOMEM, "out of memory");
        else uses[sid[i]]++;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        if (!used[i]) continue;
        size_t len;
        const char *v = csv_dict_key(g, (uint32_t)i, &len);
        corun_csv_name_for(v, len, uses[sid[i]] > 1, names[i]);
    }
    /* Two hashed names can only meet through a 64-bit hash collision;
     * refuse rather than overwrite. */
    size_t m = 0;
    name_ref_t *by = rc ? NULL : by_name(n, used, (const char(*)[CORUN_CSV_NAME_MAX])names, &m);
    if (!rc && !by) rc = corun_err_set(err, CORUN_ENOMEM, "out of memory");
    for (size_t i = 1; !rc && i < m; i++)
        if (!strcmp(by[i - 1].name, by[i].name))
            rc = corun_err_set(err, CORUN_EINTERNAL, "two values map to the file name '%s'",
                               by[i].name);
    free(by);
    free(uses);
    free(sid);
    csv_dict_free(&stems);
    return rc;
}

int csv_split_hash(size_t n, const unsigned char *used, const char (*names)[CORUN_CSV_NAME_MAX],
                   const uint64_t *rows, const uint64_t *sizes, corun_csv_split_result_t *r,
                   corun_err_t *err) {
    size_t m;
    name_ref_t *by = by_name(n, used, names, &m);
    if (!by) return corun_err_set(err, CORUN_ENOMEM, "out of memory");
    uint64_t h = CORUN_FNV1A64_INIT;
    for (size_t k = 0; k < m; k++) {
        size_t i = by[k].i;
        h = corun_fnv1a64(h, names[i], strlen(names[i]) + 1);
        h = corun_fnv1a64(h, &rows[i], 8);
        h = corun_fnv1a64(h, &sizes[i], 8);
        r->rows_out += rows[i];
        r->bytes_out += sizes[i];
    }
    free(by);
    r->hash = h;
    r->files = m;
    return 0;
}

int csv_split_only(csv_dict_t *g, const char *const *only, size_t nonly, corun_err_t *err) {
    for (size_t i = 0; i < nonly; i++) {
        int64_t id = csv_dict_get(g, only[i], strlen(only[i]), 1);
        if (id != (int64_t)i)
            return corun_err_set(err, id < 0 ? CORUN_ENOMEM : CORUN_EINVAL,
                                 id < 0 ? "out of memory" : "--only: '%s' is listed twice",
                                 only[i]);
    }
    return 0;
}

int csv_split_stopped(volatile sig_atomic_t *stop, const char *outdir, corun_err_t *err) {
    if (!stop || !*stop) return 0;
    return corun_err_set(err, CORUN_ECANCELED,
                         "stopped by signal %d: nothing written, %s left as it was", (int)*stop,
                         outdir);
}

/* Final names of the outputs in use (csv_split_names), into outs[].name. */
static int name_outputs(split_ctx_t *c, size_t n, corun_err_t *err) {
    unsigned char *used = calloc(n ? n : 1, 1);
    char(*names)[CORUN_CSV_NAME_MAX] = calloc(n ? n : 1, sizeof *names);
    int rc = !used || !names ? corun_err_set(err, CORUN_ENOMEM, "out of memory") : 0;
    for (size_t i = 0; !rc && i < n; i++) used[i] = c->outs[i].used != 0;
    if (!rc) rc = csv_split_names(&c->g, n, used, names, err);
    for (size_t i = 0; !rc && i < n; i++)
        if (used[i]) memcpy(c->outs[i].name, names[i], sizeof names[i]);
    free(used);
    free(names);
    return rc;
}

int corun_csv_split(const corun_csv_split_opts_t *o, corun_csv_split_result_t *res,
                    corun_err_t *err) {
    double t0 = corun_now();
    corun_csv_split_result_t r;
    memset(&r, 0, sizeof r);
    if (!o || !o->input || !o->by || !o->outdir || !o->outdir[0])
        return corun_err_set(err, CORUN_EINVAL, "csv split: input, by and outdir are required");
    split_ctx_t c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.dirfd = -1;
    c.in.fd = -1;
    c.od = (corun_outdir_t)CORUN_OUTDIR_INIT;
    csv_dict_init(&c.g);
    const corun_csv_backend_t *be = o->backend ? o->backend : &corun_csv_backend_omp;
    size_t window = o->window_bytes ? o->window_bytes : (size_t)64 << 20;
    size_t max_files = o->max_files ? o->max_files : 4096;
    int rc = csv_input_open(&c.in, o->input, err);
    if (rc) return rc;
    uint32_t keycol;
    if ((rc = csv_input_column(&c.in, o->by, &keycol, err))) goto done;
    if ((rc = csv_scan_init(&c.scan, &c.in, o->threads, err))) goto done;
    c.scan.want[0] = keycol;
    c.scan.nwant = 1;
    c.scan.key_k = 0;
    /* The host backends copy records into per-key chunks as they parse
     * them; other backends index rows, which are staged after the scan. */
    c.scan.stage = be == &corun_csv_backend_omp || be == &corun_csv_backend_serial;
    c.scan.keep_rows = !c.scan.stage;
    c.scan.only_dict = o->nonly ? &c.g : NULL;
    c.scan.only_n = o->nonly;
    /* --only values take ids 0..nonly-1 (duplicates refused). */
    if ((rc = csv_split_only(&c.g, o->only, o->nonly, err))) goto done;
    if ((rc = corun_outdir_begin(&c.od, o->outdir, o->force, csv_split_output_name, err)))
        goto done;
    c.dirfd = open(c.od.aside, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c.dirfd < 0) {
        rc = corun_err_set(err, CORUN_EIO, "%s: cannot open: %s", c.od.aside, strerror(errno));
        goto done;
    }
    corun_aio_config_t acfg;
    corun_aio_config_init(&acfg);
    acfg.pool_threads = PLANS_IN_FLIGHT;
    if ((rc = corun_aio_loop_create(&acfg, &c.loop, err))) goto done;
    if ((rc = ensure_outs(&c, o->nonly, err))) goto done;

    for (uint64_t pos = c.in.body; pos < c.in.n;) {
        if ((rc = csv_split_stopped(o->stop, o->outdir, err))) goto done;
        uint64_t we = c.in.n - pos > window ? pos + window : c.in.n, next = pos;
        rc = be->scan(&c.scan, pos, we, &next, err);
        if (rc == CORUN_EPARSE) rc = csv_scan_error(&c.scan, o->input, (const char *const *)c.in.colnames, err);
        if (rc) goto done;
        if (!c.scan.stage && csv_stage_rows(&c.scan)) {
            rc = corun_err_set(err, CORUN_ENOMEM, "out of memory (staging records)");
            goto done;
        }
        if (csv_scan_merge(&c.scan, &c.g)) {
            rc = corun_err_set(err, CORUN_ENOMEM, "out of memory (key dictionary)");
            goto done;
        }
        if (!o->nonly && c.g.n > max_files) {
            rc = corun_err_set(err, CORUN_ERANGE,
                               "%s: column '%s' has more than %zu distinct values (raise "
                               "--max-files or use --only)",
                               o->input, o->by, max_files);
            goto done;
        }
        if ((rc = ensure_outs(&c, c.g.n, err))) goto done;
        if ((rc = plan_window(&c, c.g.n, err))) goto done;
        csv_scan_reset_rows(&c.scan);
        pos = next;
    }
    while (c.nfl)
        if ((rc = await_oldest(&c, err))) goto done;
    /* --only values never seen: header-only files, as the seed writes. */
    for (size_t i = 0; i < o->nonly; i++)
        if (!c.outs[i].used && (rc = open_out(&c, i, err))) goto done;
    for (size_t i = 0; i < c.nouts; i++) {
        out_file_t *f = &c.outs[i];
        if (f->fd >= 0) {
            int e = close(f->fd);
            f->fd = -1;
            if (e) {
                rc = corun_err_set(err, CORUN_EIO, "%s/%s: close failed: %s", c.od.aside, f->tmp,
                                   strerror(errno));
                goto done;
            }
        }
    }
    size_t nnames = o->nonly ? o->nonly : c.nouts;
    if ((rc = name_outputs(&c, nnames, err))) goto done;
    for (size_t i = 0; i < nnames; i++) {
        out_file_t *f = &c.outs[i];
        if (!f->used) continue;
        if (renameat(c.dirfd, f->tmp, c.dirfd, f->name)) {
            rc = corun_err_set(err, CORUN_EIO, "%s/%s: cannot rename to %s: %s", c.od.aside,
                               f->tmp, f->name, strerror(errno));
            goto done;
        }
        f->used = 2; /* renamed: keep */
    }
    /* The summary hash: (name, rows, bytes) of every file in name order. */
    {
        unsigned char *used = calloc(nnames ? nnames : 1, 1);
        char(*names)[CORUN_CSV_NAME_MAX] = calloc(nnames ? nnames : 1, sizeof *names);
        uint64_t *rows = calloc(nnames ? nnames : 1, 8), *sizes = calloc(nnames ? nnames : 1, 8);
        rc = !used || !names || !rows || !sizes ? corun_err_set(err, CORUN_ENOMEM, "out of memory")
                                                : 0;
        for (size_t i = 0; !rc && i < nnames; i++) {
            used[i] = c.outs[i].used != 0;
            memcpy(names[i], c.outs[i].name, sizeof names[i]);
            rows[i] = c.outs[i].rows;
            sizes[i] = c.outs[i].size;
        }
        if (!rc)
            rc = csv_split_hash(nnames, used, (const char(*)[CORUN_CSV_NAME_MAX])names, rows,
                                sizes, &r, err);
        free(used), free(names), free(rows), free(sizes);
        if (rc) goto done;
    }
    if ((rc = csv_split_stopped(o->stop, o->outdir, err))) goto done;
    if ((rc = corun_outdir_commit(&c.od, err))) goto done;
    for (int t = 0; t < c.scan.nslots; t++) r.rows += c.scan.slots[t].records;
    r.bytes_in = c.in.n;

done:
    while (c.nfl) {
        corun_err_t e2;
        await_oldest(&c, &e2);
    }
    if (c.loop) {
        corun_err_t e2;
        corun_aio_loop_shutdown(c.loop, CORUN_AIO_DRAIN, &e2);
        corun_aio_loop_destroy(c.loop);
    }
    for (size_t i = 0; i < c.nouts; i++)
        if (c.outs[i].fd >= 0) close(c.outs[i].fd);
    if (c.dirfd >= 0) close(c.dirfd);
    corun_outdir_end(&c.od); /* removes the aside folder unless committed */
    for (int i = 0; i < c.nspare; i++) plan_free(c.spare[i]);
    free(c.outs);
    free(c.cnt);
    csv_dict_free(&c.g);
    csv_scan_fini(&c.scan);
    csv_input_close(&c.in);
    r.io_wait = c.io_wait;
    r.seconds = corun_now() - t0;
    if (res) *res = r;
    return rc;
}
