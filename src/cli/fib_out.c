/* fib_out.c — `corun fib` results, written as they complete (the seed's
 * as_completed loop): each finished task is handed to a coroutine on the
 * aio loop, which
 *   1. runs the decimal conversion (and the optional check against GMP and
 *      the per-task text file) as a pool job, off the loop thread;
 *   2. back on the loop thread, writes the HDF5 dataset, the summary row on
 *      stdout and the CSV row.
 * All HDF5 calls and all stdout/CSV writes happen on the loop thread, one
 * coroutine at a time: Debian's HDF5 is not thread-safe, and rows must not
 * interleave. Compute threads only spawn the coroutine and go on.
 * Under MPI (src/mpi/fib_dist.c) this runs on rank 0 only, the single
 * writer; results from other ranks arrive already in decimal
 * (fib_out_on_remote) and skip step 1's conversion.
 */
#include <errno.h>
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corun/h5io.h"
#include "fib_cli.h"

typedef struct wjob {
    fib_run_t *run;
    corun_fib_result_t *r; /* NULL: a result converted on another MPI rank */
    size_t task;
    uint64_t n;
    double seconds;
    char *dec;
    size_t len;
    double dec_seconds;
    int verified; /* 1 ok, 0 not checked, -1 mismatch */
} wjob_t;

/* ---- on the loop thread: open / close ---- */

/* What a folder output holds (entries of an old one that --force may
 * replace): task files, the summary, and task temporaries. */
static int fib_output_name(const char *name) {
    size_t n = strlen(name);
    return !strcmp(name, "summary.csv") ||
           (n > 8 && !strncmp(name, "task", 4) && !strcmp(name + n - 4, ".txt")) ||
           (n > 9 && !strncmp(name, ".task", 5) && !strcmp(name + n - 4, ".new"));
}

/* The folder the task files go to: the new output, built aside. */
static const char *out_dir(const fib_run_t *run) { return run->od.aside; }

/* FILE.h5: made under a temporary name and renamed over any old file once
 * it is a valid (empty) HDF5 file: the old one is never truncated, and a
 * reader that has it open keeps it. The lock is held. */
static int open_h5(fib_run_t *run, corun_err_t *err) {
    const char *out = run->o->out;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* our messages, not HDF5's stack dump */
    struct stat st;
    if (!run->o->force && stat(out, &st) == 0)
        return corun_err_set(err, CORUN_EINVAL, "out %s exists (use --force to replace it)", out);
    int nrc = corun_file_replaceable(out, err);
    if (nrc) return corun_err_prefix(err, "out");
    char pid[32];
    snprintf(pid, sizeof pid, ".%ld.new", (long)getpid());
    char *tmp = corun_lock_sibling(out, pid);
    if (!tmp) return corun_err_set(err, CORUN_ENOMEM, "out %s: out of memory", out);
    errno = 0;
    hid_t f = H5Fcreate(tmp, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    int e = errno;
    char why[256] = "";
    if (f < 0) corun_h5_error_reason(why, sizeof why, e);
    if (f >= 0 && H5Fflush(f, H5F_SCOPE_GLOBAL) < 0) {
        e = errno;
        corun_h5_error_reason(why, sizeof why, e);
    } else if (f >= 0 && rename(tmp, out) != 0) {
        snprintf(why, sizeof why, "renaming %s into place: %s", tmp, strerror(errno));
    }
    if (why[0]) {
        if (f >= 0) corun_h5_close_failed((int64_t)f);
        unlink(tmp);
        free(tmp);
        return corun_err_set(err, CORUN_EIO, "out %s: cannot create the HDF5 file: %s", out, why);
    }
    free(tmp);
    run->h5 = (int64_t)f;
    return 0;
}

/* DIR: the folder aside exists; its summary.csv. */
static int open_csv(fib_run_t *run, corun_err_t *err) {
    char path[CLI_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/summary.csv", out_dir(run));
    run->csv = fopen(path, "w");
    if (!run->csv) return corun_err_set(err, CORUN_EIO, "out %s: cannot create: %m", path);
    fputs("task,n,digits,last20,hash,seconds,decimal_seconds\n", run->csv);
    return 0;
}

static int open_co(void *arg, void **value, corun_err_t *err) {
    (void)value;
    fib_run_t *run = arg;
    const char *out = run->o->out;
    int rc;
    /* One run per output, held until the run closes its output, or the
     * process ends (the kernel drops it then, whatever the way out). */
    if (run->mode == FIB_OUT_DIR) {
        rc = corun_outdir_begin(&run->od, out, run->o->force, fib_output_name, err);
        if (!rc && (rc = open_csv(run, err))) corun_outdir_end(&run->od);
        return rc ? corun_err_prefix(err, "out") : 0;
    }
    rc = corun_lock_output(out, &run->lock, err);
    if (!rc) corun_lock_remove_stale(out); /* of killed runs */
    if (!rc && (rc = open_h5(run, err))) corun_lock_release(&run->lock);
    return rc;
}

/* DIR, at the end: the new folder replaces the old one if the run
 * succeeded; after a signal it is dropped; after a failure the tasks it
 * already reported stay readable: in DIR if there was no old output, else
 * in DIR.partial-PID next to it (the old output is not touched). */
static int close_dir(fib_run_t *run, int rc, corun_err_t *err) {
    int stopped = fib_out_stopped(run);
    if (!rc && !run->failed && !stopped) {
        rc = corun_outdir_commit(&run->od, err);
    } else if (!stopped && run->nwritten) {
        if (!run->od.existed) {
            corun_err_t e2 = {0};
            corun_outdir_commit(&run->od, &e2);
        } else {
            char kept[CLI_PATH_MAX + 64];
            snprintf(kept, sizeof kept, "%s.partial-%ld", run->od.path, (long)getpid());
            if (rename(run->od.aside, kept) == 0) {
                run->od.committed = 1; /* nothing left to remove */
                fprintf(stderr,
                        "corun: fib: the %zu tasks written before the failure are in %s; %s "
                        "is unchanged\n",
                        run->nwritten, kept, run->od.path);
            }
        }
    }
    corun_outdir_end(&run->od);
    return rc;
}

static int close_co(void *arg, void **value, corun_err_t *err) {
    (void)value;
    fib_run_t *run = arg;
    int rc = 0;
    if (run->csv) {
        errno = 0;
        int bad = ferror(run->csv) | fclose(run->csv);
        if (bad)
            rc = corun_err_set(err, CORUN_EIO, "out %s/summary.csv: write failed: %s",
                               run->o->out, errno ? strerror(errno) : "an earlier write failed");
        run->csv = NULL;
    }
    if (run->h5 > 0) {
        /* After a failed write HDF5 must not try again at close (it would
         * fail, keep the file open and crash at exit): the file keeps what
         * was flushed, every task reported. */
        if (run->h5_failed) corun_h5_close_failed(run->h5);
        else if (H5Fclose((hid_t)run->h5) < 0 && !rc) {
            char why[256];
            corun_h5_error_reason(why, sizeof why, errno);
            rc = corun_err_set(err, CORUN_EIO, "out %s: closing the HDF5 file failed: %s",
                               run->o->out, why);
        }
        run->h5 = 0;
    }
    if (run->mode == FIB_OUT_DIR) rc = close_dir(run, rc, err);
    corun_lock_release(&run->lock);
    return rc;
}

/* Runs fn as a coroutine and waits for it (from the main thread). */
static int on_loop(fib_run_t *run, corun_aio_fn fn, corun_err_t *err) {
    corun_aio_future_t *f = NULL;
    int rc = corun_aio_spawn(run->loop, fn, run, &f, err);
    if (rc) return rc;
    rc = corun_aio_future_result(f, -1, NULL, err);
    corun_aio_future_release(f);
    return rc;
}

int fib_out_open(fib_run_t *run, corun_err_t *err) {
    return run->mode == FIB_OUT_NONE ? 0 : on_loop(run, open_co, err);
}

int fib_out_close(fib_run_t *run, corun_err_t *err) {
    return run->mode == FIB_OUT_NONE ? 0 : on_loop(run, close_co, err);
}

/* ---- in the pool: conversion, check, text file ---- */

/* DIR/taskNNNNNN_nN.txt: the digits and a newline. */
static int write_text(const wjob_t *j, corun_err_t *err) {
    fib_run_t *run = j->run;
    if (run->mode != FIB_OUT_DIR) return 0;
    char path[CLI_PATH_MAX + 96];
    snprintf(path, sizeof path, "%s/task%06zu_n%llu.txt", out_dir(run), j->task,
             (unsigned long long)j->n);
    /* Written whole under a temporary name, then renamed: a task file is
     * either complete or absent, never empty or cut short (the folder may
     * be kept after a failure: close_dir). */
    char tmp[CLI_PATH_MAX + 96];
    snprintf(tmp, sizeof tmp, "%s/.task%06zu.new", out_dir(run), j->task);
    FILE *f = fopen(tmp, "w");
    if (!f) return corun_err_set(err, CORUN_EIO, "out %s: cannot create: %m", tmp);
    size_t w = fwrite(j->dec, 1, j->len, f);
    int bad = w != j->len || fputc('\n', f) == EOF || fflush(f) != 0 || ferror(f);
    int e = bad ? errno : 0;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad && rename(tmp, path) != 0) {
        e = errno;
        unlink(tmp);
        return corun_err_set(err, CORUN_EIO, "out %s: cannot rename %s over it: %s", path, tmp,
                             strerror(e));
    }
    if (bad) {
        unlink(tmp);
        return corun_err_set(err, CORUN_EIO, "out %s: write failed: %s", path,
                             e ? strerror(e) : "an earlier write failed");
    }
    return 0;
}

static int convert_job(void *arg, void **value, corun_err_t *err) {
    (void)value;
    wjob_t *j = arg;
    fib_run_t *run = j->run;
    if (!j->r) return write_text(j, err); /* converted (and checked) on its rank */
    double t0 = corun_now();
    int rc = corun_fib_decimal(j->r->value, run->dec_threads, &j->dec, &j->len, err);
    j->dec_seconds = corun_now() - t0;
    if (rc) return corun_err_prefix(err, "task %zu (n=%llu)", j->task, (unsigned long long)j->n);
    if (run->o->verify) {
        mpz_t ref;
        mpz_init(ref);
        mpz_fib_ui(ref, (unsigned long)j->n);
        j->verified = mpz_cmp(ref, j->r->value) == 0 ? 1 : -1;
        mpz_clear(ref);
    }
    /* The binary value is no longer needed: give its memory back now. */
    mpz_clear(j->r->value);
    mpz_init(j->r->value);
    return write_text(j, err);
}

/* ---- on the loop thread: HDF5, rows ---- */

static int h5_attr(hid_t d, const char *name, hid_t type, const void *v) {
    hid_t sp = H5Screate(H5S_SCALAR);
    if (sp < 0) return -1;
    hid_t a = H5Acreate2(d, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = (a < 0 || H5Awrite(a, type, v) < 0) ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return rc;
}

/* One dataset per task: /task_NNNNNN, a fixed-length string of the digits,
 * with the summary fields as attributes; flushed so that a killed run
 * leaves every finished task readable. */
static int h5_write(fib_run_t *run, const wjob_t *j, const fib_row_t *row, corun_err_t *err) {
    char name[48];
    snprintf(name, sizeof name, "task_%06zu", j->task);
    if (run->h5_failed)
        return corun_err_set(err, CORUN_EIO, "out %s: not written (an earlier write failed)",
                             run->o->out);
    hid_t f = (hid_t)run->h5, t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR), d = -1;
    int bad = t < 0 || sp < 0 || H5Tset_size(t, j->len) < 0 ||
              H5Tset_strpad(t, H5T_STR_NULLPAD) < 0;
    if (!bad) d = H5Dcreate2(f, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad = bad || d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, j->dec) < 0;
    uint64_t digits = row->digits;
    if (!bad)
        bad = h5_attr(d, "n", H5T_NATIVE_UINT64, &row->n) ||
              h5_attr(d, "digits", H5T_NATIVE_UINT64, &digits) ||
              h5_attr(d, "hash", H5T_NATIVE_UINT64, &row->hash) ||
              h5_attr(d, "seconds", H5T_NATIVE_DOUBLE, &row->seconds);
    if (d >= 0) H5Dclose(d);
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    int e = errno;
    if (!bad && H5Fflush(f, H5F_SCOPE_GLOBAL) < 0) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        run->h5_failed = 1;
        char why[256];
        corun_h5_error_reason(why, sizeof why, e);
        return corun_err_set(err, CORUN_EIO, "out %s: writing dataset %s failed: %s",
                             run->o->out, name, why);
    }
    return 0;
}

static int write_task(void *arg, void **value, corun_err_t *err) {
    (void)value;
    wjob_t *j = arg;
    fib_run_t *run = j->run;
    void *unused;
    int rc = corun_aio_run_in_pool(convert_job, j, &unused, err);
    if (rc) goto done;
    fib_row_t *row = &run->rows[j->task];
    row->n = j->n;
    row->digits = j->len;
    row->hash = corun_fnv1a64(CORUN_FNV1A64_INIT, j->dec, j->len);
    size_t k = j->len < 20 ? j->len : 20;
    memcpy(row->last20, j->dec + j->len - k, k);
    row->last20[k] = '\0';
    row->seconds = j->seconds;
    row->dec_seconds = j->dec_seconds;
    if (run->mode == FIB_OUT_H5 && (rc = h5_write(run, j, row, err)) != 0) goto done;
    /* The summary row reaches the disk before the task is reported; a row
     * that does not fit is cut off again, so the CSV lists exactly the
     * reported tasks. */
    if (run->csv) {
        long at = ftell(run->csv);
        fprintf(run->csv, "%zu,%llu,%zu,%s,%016llx,%.6f,%.6f\n", j->task,
                (unsigned long long)row->n, row->digits, row->last20,
                (unsigned long long)row->hash, row->seconds, row->dec_seconds);
        if (fflush(run->csv) != 0 || ferror(run->csv)) {
            const int e = errno;
            fclose(run->csv); /* (may flush part of the row: cut below) */
            run->csv = NULL;
            char path[CLI_PATH_MAX + 64];
            snprintf(path, sizeof path, "%s/summary.csv", out_dir(run));
            if (at >= 0 && truncate(path, at) != 0) {
                /* the cut row stays; the message below still says it failed */
            }
            rc = corun_err_set(err, CORUN_EIO, "out %s/summary.csv: write failed: %s",
                               run->o->out, strerror(e));
            goto done;
        }
    }
    if (j->verified < 0) run->verify_failed = 1;
    printf("task=%zu n=%llu digits=%zu last20=%s hash=%016llx seconds=%.6f "
           "decimal_seconds=%.6f%s\n",
           j->task, (unsigned long long)row->n, row->digits, row->last20,
           (unsigned long long)row->hash, row->seconds, row->dec_seconds,
           j->verified > 0 ? " verify=ok" : j->verified < 0 ? " verify=MISMATCH" : "");
    if (run->o->digits && run->mode == FIB_OUT_NONE) {
        fwrite(j->dec, 1, j->len, stdout);
        fputc('\n', stdout);
    }
    row->written = 1;
    run->nwritten++;
    if (!run->o->quiet && isatty(2))
        fprintf(stderr, "\rfib: %zu/%zu tasks written, %.1f s   %s", run->nwritten,
                run->ntasks, corun_now() - run->t0, run->nwritten == run->ntasks ? "\n" : "");
done:
    free(j->dec);
    corun_fib_result_free(j->r);
    free(j);
    return rc;
}

int fib_out_stopped(const fib_run_t *run) {
    return run->stop && *run->stop && run->nwritten < run->ntasks;
}

int fib_out_on_done(void *user, corun_fib_result_t *r) {
    fib_run_t *run = user;
    if (run->stop && *run->stop) { /* a signal: stop the batch (cmd_fib.c reports it) */
        corun_fib_result_free(r);
        return CORUN_ECANCELED;
    }
    wjob_t *j = calloc(1, sizeof *j);
    if (!j) {
        corun_fib_result_free(r);
        return CORUN_ENOMEM;
    }
    j->run = run;
    j->r = r;
    j->task = r->task;
    j->n = r->n;
    j->seconds = r->seconds;
    size_t slot = atomic_fetch_add(&run->nfuts, 1);
    int rc = corun_aio_spawn(run->loop, write_task, j, &run->futs[slot], NULL);
    if (rc) {
        run->futs[slot] = NULL;
        corun_fib_result_free(r);
        free(j);
    }
    return rc;
}

int fib_out_on_remote(void *user, corun_fib_mpi_result_t *r) {
    fib_run_t *run = user;
    wjob_t *j = calloc(1, sizeof *j);
    if (!j || r->task >= run->ntasks) {
        free(r->dec);
        free(j);
        return j ? CORUN_EINTERNAL : CORUN_ENOMEM;
    }
    *j = (wjob_t){.run = run, .task = r->task, .n = r->n, .seconds = r->seconds,
                  .dec = r->dec, .len = r->len, .dec_seconds = r->dec_seconds,
                  .verified = r->verified};
    size_t slot = atomic_fetch_add(&run->nfuts, 1);
    int rc = corun_aio_spawn(run->loop, write_task, j, &run->futs[slot], NULL);
    if (rc) {
        run->futs[slot] = NULL;
        free(j->dec);
        free(j);
    }
    return rc;
}
