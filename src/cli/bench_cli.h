/* bench_cli.h — internals of `corun bench` (bench_opts.c: the options, one key
 * table for flags and the [bench] section of an INI config; bench_work.c: one
 * measured run of a workload; cmd_bench.c: the plan, probes, sizing to
 * --min-time, the runs and verification; bench_report.c: the results CSV,
 * reliability notes, the closing table and its JSON form; bench_load.c: the
 * CPU time other processes took during a run). docs/BENCH.md is the user's
 * guide. */
#ifndef CORUN_BENCH_CLI_H
#define CORUN_BENCH_CLI_H

#include <stdint.h>

#include "cli.h"

#define BENCH_LIST_MAX 64 /* entries of each list option (threads, sizes, ...) */

typedef enum bench_workload {
    BENCH_LIFE = 0,
    BENCH_FIB = 1,
    BENCH_CSV = 2,
    BENCH_NWORKLOADS = 3
} bench_workload_t;

typedef enum bench_mode { BENCH_STRONG = 0, BENCH_WEAK = 1 } bench_mode_t;

/* One base problem of a workload, as given in a sizes list. */
typedef struct bench_size {
    int64_t a, b; /* life: width, height; fib: n, -; csv: rows, - */
} bench_size_t;

/* Everything `corun bench` can be told, from a config file and/or flags. */
typedef struct bench_opts {
    int workloads[BENCH_NWORKLOADS]; /* selected (1) or not, by bench_workload_t */
    char backends[BENCH_LIST_MAX][16];
    int nbackends;
    int threads[BENCH_LIST_MAX]; /* ascending, no repeats */
    int nthreads;
    int threads_all;             /* "all": 1, 2, 4, ... up to the cores */
    bench_size_t sizes[BENCH_NWORKLOADS][BENCH_LIST_MAX];
    int nsizes[BENCH_NWORKLOADS];
    char sizes_generic[1024];    /* --sizes: resolved once the workload is known */
    bench_mode_t mode;
    int repeat, warmup;
    char out[CLI_PATH_MAX];
    char workdir[CLI_PATH_MAX];  /* "" = a fresh folder under $TMPDIR, removed at the end */
    char verify_backend[16];     /* the reference: serial (oracle) or omp on 1 thread */
    int device;                  /* cuda device, -1 default */
    int64_t life_steps;
    double life_density;
    uint64_t life_seed;
    int64_t fib_tasks;           /* tasks per batch; 0 = the largest thread count */
    char fib_algo[16];
    char csv_op[16];             /* stats | split */
    char csv_by[64];
    double min_time;             /* seconds a measured run should last at least (0: off) */
    int quiet, dry_run;
    int force; /* replace an existing --out */
    cli_summary_opts_t summary;  /* --summary-json, --no-summary */
} bench_opts_t;

void bench_opts_defaults(bench_opts_t *o);
/* Sets one option by its INI key (= the flag without "--"); unknown keys and
 * bad values are errors naming the key. */
int bench_opts_set(bench_opts_t *o, const char *key, const char *value, corun_err_t *err);
/* Loads an INI file: only section [bench]; unknown sections/keys are errors
 * naming file:line. */
/* argv of `corun bench` (config first, flags over it); prints its errors. */
int bench_opts_parse_args(int argc, char **argv, bench_opts_t *o, int *help);
/* After config + flags: applies --sizes to the one selected workload, fills
 * default sizes and threads, expands threads = all. */
int bench_opts_finish(bench_opts_t *o, corun_err_t *err);
const char *bench_workload_name(bench_workload_t w);

/* ---- bench_work.c: one run of one point ---- */

/* What one point runs: the workload's problem after weak-scaling growth. */
typedef struct bench_problem {
    bench_workload_t workload;
    int64_t width, height;   /* life */
    int64_t steps;           /* life */
    uint64_t n;              /* fib */
    int64_t tasks;           /* fib */
    uint64_t rows;           /* csv */
} bench_problem_t;

typedef struct bench_sample {
    double seconds;    /* the measured region only (see docs/BENCH.md) */
    double fom;        /* figure of merit, in bench_fom_unit() */
    uint64_t hash;     /* the workload's verification hash (as its summary line) */
    char mode[64];     /* the backend's own description of what it ran, or "-" */
} bench_sample_t;

/* Shared state for the runs of one bench (where CSV inputs live, ...). */
typedef struct bench_env {
    const bench_opts_t *o;
    char workdir[CLI_PATH_MAX];
    int own_workdir;       /* created by us: removed at the end */
    char self[CLI_PATH_MAX]; /* this program, for child runs (fib) */
} bench_env_t;

int bench_env_open(bench_env_t *env, const bench_opts_t *o, corun_err_t *err);
void bench_env_close(bench_env_t *env);

const char *bench_fom_unit(bench_workload_t w);
/* problem_size and steps_or_n_or_rows columns of the CSV. */
int64_t bench_problem_size(const bench_problem_t *p);
int64_t bench_problem_count(const bench_problem_t *p);
/* Human label, e.g. "4096x4096 x100" or "n=1e6 x4". */
void bench_problem_label(const bench_problem_t *p, char *buf, size_t n);

/* Runs p once on backend (threads: 0 = not a CPU thread count) and fills s. */
int bench_run_point(bench_env_t *env, const bench_problem_t *p, const char *backend, int threads,
                    bench_sample_t *s, corun_err_t *err);

int cmd_bench(int argc, char **argv);

/* ---- the sweep's state (cmd_bench.c runs it, bench_report.c reports it) ---- */

/* One measured repetition, kept for the final CSV. */
typedef struct bench_rep {
    bench_sample_t s;
    char verified[12];  /* ref | ok | MISMATCH */
    long long when;     /* time(NULL) at its start */
    double other_cpu;   /* cores other processes used during it; < 0 unknown */
} bench_rep_t;

typedef struct bench_point {
    bench_problem_t prob;
    int size_idx;      /* which base size */
    char backend[16];
    int threads;       /* 0: not a CPU thread count (cuda) */
    int inner;         /* runs per sample (fib, csv: to reach --min-time) */
    double est;        /* expected seconds of one sample */
    int probe;         /* index of the probe that estimates it */
    int ref;           /* index into the reference table */
    /* results */
    bench_rep_t *reps; /* repeat entries */
    double *secs, *foms;
    int done;          /* measured repetitions */
} bench_point_t;

typedef struct bench_reference {
    bench_problem_t prob;
    uint64_t hash;
    int have;
    char source[48]; /* "serial", "omp on 1 thread, extra run" */
} bench_reference_t;

typedef struct bench_probe {
    bench_workload_t w;
    int size_idx;
    char backend[16];
    bench_problem_t prob; /* reduced problem */
    double wall, secs;    /* whole run; measured part */
    int ok;
} bench_probe_t;

typedef struct bench {
    bench_opts_t *o;
    bench_env_t env;
    bench_point_t *pts;
    int npts;
    bench_reference_t *refs;
    int nrefs;
    bench_probe_t *probes;
    int nprobes;
    int cores;
    char cpu[256], gpu[256], host[256];
    FILE *csv;
    int rows;
    /* progress */
    int show_bar, plain;
    double t0, est_total, est_done;
    int runs_total, runs_done;
} bench_t;

/* bench_load.c: a mark of the machine's busy CPU time and this process's own
 * (children included); bench_other_cpu gives the average number of cores
 * that other processes (and the hypervisor's steal) used between two marks,
 * or -1 where /proc/stat cannot be read. */
typedef struct bench_cpu_mark {
    double busy, own, t; /* seconds */
    int ok;
} bench_cpu_mark_t;
void bench_cpu_mark(bench_cpu_mark_t *m);
double bench_other_cpu(const bench_cpu_mark_t *a, const bench_cpu_mark_t *b);

/* bench_report.c */
#define BENCH_LOAD_LIMIT 0.25   /* cores of other work that make a point unreliable */
#define BENCH_SPREAD_LIMIT 0.15 /* (max - min) / median of its repetitions, likewise */
double bench_median(const double *v, int n);
/* Why point pt's figures are unreliable ("" if they are not). */
void bench_point_note(const bench_t *B, const bench_point_t *pt, char *buf, size_t n);
void bench_point_label(const bench_point_t *pt, char *buf, size_t n);
/* One results-CSV row (columns in docs/BENCH.md); note: the point's
 * reliability so far. */
void bench_csv_header(FILE *f);
void bench_csv_row(const bench_t *B, FILE *f, const bench_point_t *pt, int rep,
                   const bench_rep_t *r, const char *note);
/* The whole results file from memory (every row with its point's final
 * reliability), written to path. */
int bench_write_results(const bench_t *B, const char *path);
void bench_print_table(const bench_t *B);
/* The table as JSON (--summary-json) to path ("-": stdout). */
int bench_write_json(const bench_t *B, const char *path, double took);

#endif
