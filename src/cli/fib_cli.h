/* fib_cli.h — internals of `corun fib` (cmd_fib.c: the run; fib_opts.c: the
 * options; fib_out.c: writing results on the aio loop). */
#ifndef CORUN_FIB_CLI_H
#define CORUN_FIB_CLI_H

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "corun/aio.h"
#include "corun/fib.h"
#include "corun/lock.h"
#include "corun/outdir.h"
#include "mpi/fib_mpi.h"

#define FIB_N_LIST_MAX 1024      /* values in --n */
#define FIB_TASKS_MAX 1000000    /* tasks in a batch (list x repetitions) */

/* Everything `corun fib` can be told, from a config file and/or flags. */
typedef struct fib_opts {
    uint64_t n[FIB_N_LIST_MAX];
    size_t nn;          /* entries in n */
    int64_t tasks;      /* repetitions of the list; 0: default (see fib_opts_tasks) */
    corun_fib_algo_t algo;
    int has_algo;       /* given: else cuda runs linear, the others doubling */
    char backend[16];
    int device;         /* cuda: -1 = default */
    int threads;        /* 0: default */
    char out[CLI_PATH_MAX];
    int digits, quiet, verify;
    int force;          /* replace an existing --out */
    cli_summary_opts_t summary;
} fib_opts_t;

void fib_opts_defaults(fib_opts_t *o);
/* Sets one option by its INI key (= the flag without "--"); unknown keys
 * and bad values are errors naming the key. */
int fib_opts_set(fib_opts_t *o, const char *key, const char *value, corun_err_t *err);
/* Loads an INI file: only section [fib]; unknown sections/keys are errors
 * naming file:line. */
int fib_opts_load_ini(fib_opts_t *o, const char *path, corun_err_t *err);
/* argv of `corun fib` (config first, flags over it); prints its errors and
 * returns 0 or CORUN_EXIT_USAGE. */
int fib_opts_parse_args(int argc, char **argv, fib_opts_t *o, int *help);
/* Parses one n: a non-negative integer, also written 1e6 or 10^6. */
int fib_parse_n(const char *s, uint64_t *out, corun_err_t *err);

int cmd_fib(int argc, char **argv);

/* ---- fib_out.c: results written by coroutines on the aio loop ---- */

typedef enum fib_out_mode { FIB_OUT_NONE = 0, FIB_OUT_DIR = 1, FIB_OUT_H5 = 2 } fib_out_mode_t;

/* What the summary needs of one task (filled by its writer). */
typedef struct fib_row {
    uint64_t n;
    size_t digits;
    char last20[21];
    uint64_t hash;     /* FNV-1a 64 of the decimal string */
    double seconds;    /* compute */
    double dec_seconds;
    int written;
} fib_row_t;

typedef struct fib_run {
    const fib_opts_t *o;
    corun_aio_loop_t *loop;
    fib_out_mode_t mode;
    int dec_threads;          /* threads for one decimal conversion */
    size_t ntasks;
    fib_row_t *rows;          /* by task index */
    corun_aio_future_t **futs;/* one per handed-over result, completion order */
    atomic_size_t nfuts;
    size_t nwritten;          /* loop thread only */
    int verify_failed;        /* loop thread only */
    double t0;
    FILE *csv;                /* loop thread only */
    int64_t h5;               /* hid_t of the HDF5 file, loop thread only */
    int h5_failed;            /* a write to it failed: close without writing more */
    corun_lock_t lock;        /* FILE.h5: one run per output */
    corun_outdir_t od;        /* DIR: its lock and the folder built aside */
    volatile sig_atomic_t *stop; /* NULL, or set by a signal: stop the batch */
    int failed;               /* an error stopped the run (main thread, before close) */
} fib_run_t;

/* Opens the output (folder + summary.csv, or the HDF5 file) on the loop. */
int fib_out_open(fib_run_t *run, corun_err_t *err);
/* Closes it on the loop (after every writer finished). DIR: the folder
 * built aside replaces the old one when the run succeeded; after a signal
 * it is removed (the old output stays); after a failure its reported tasks
 * are kept (fib_out.c says where). */
int fib_out_close(fib_run_t *run, corun_err_t *err);
/* A signal stopped the run before every task was written (one that comes
 * after the last task changes nothing). */
int fib_out_stopped(const fib_run_t *run);
/* The batch's done callback: hands r to a writer coroutine (any thread). */
int fib_out_on_done(void *user, corun_fib_result_t *r);
/* Under MPI, on rank 0: hands a result converted on another rank to a
 * writer coroutine (which takes r->dec; r itself stays the caller's). */
int fib_out_on_remote(void *user, corun_fib_mpi_result_t *r);

#endif
