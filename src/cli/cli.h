/* cli.h — internals shared by the corun program's subcommands. */
#ifndef CORUN_CLI_H
#define CORUN_CLI_H

#include <limits.h>
#include <stdio.h>
#include <stdint.h>

#include "corun/core.h"
#include "corun/life.h"

#define CLI_PATH_MAX 4096

/* --summary-json FILE|- and --no-summary, which every workload takes
 * (summary.c). */
typedef struct cli_summary_opts {
    char json[CLI_PATH_MAX];
    int off;
} cli_summary_opts_t;
/* Sets key if it is one of these two: 0 or a (negative) error; 1 when key
 * is another option. */
int cli_summary_opt(cli_summary_opts_t *so, const char *key, const char *v, corun_err_t *err);
#define CLI_SUMMARY_KEYS {"summary-json", 1, 0}, {"no-summary", 0, 0}

/* Everything `corun life` can be told, from a config file and/or flags. */
typedef struct life_opts {
    int64_t width, height;
    int has_size;
    corun_life_rule_t rule;
    int has_rule;
    corun_life_boundary_t boundary;
    int has_boundary;
    char init[CLI_PATH_MAX];
    int64_t at_x, at_y;
    int64_t steps;
    char backend[16];
    int threads; /* 0: default */
    int device;  /* cuda: --device N; -1: CUDA_VISIBLE_DEVICES order, device 0 */
    corun_life_skip_t skip_stable;
    int print;
    int quiet;
    cli_summary_opts_t summary;
    double progress_every; /* seconds between progress lines in batch logs; 0: none */
    char write_rle[CLI_PATH_MAX];
    char write_png[CLI_PATH_MAX]; /* the final grid as a picture (render_cli.h) */
    /* HDF5 snapshots (docs/FORMAT.md) */
    char out[CLI_PATH_MAX];     /* --out FILE.h5 */
    char restart[CLI_PATH_MAX]; /* --restart FILE.h5 */
    int64_t snapshot_every;     /* 0: only the first and the last generation */
    int has_snapshot_every;
    int snapshot_bytes;         /* --snapshot-format bytes */
    char compress[16];          /* none | gzip[:L] | lz4 */
    int swmr, force;
    int has_snapshot_format, has_compress, has_swmr, has_init, has_at; /* given (restart checks) */
    int snapshot_buffers;
    int has_snapshot_buffers;   /* given: not lowered to fit in memory */
    /* MPI (docs/MPI.md) */
    int halo;         /* --halo D rows per exchange; 0: the default */
    int halo_overlap; /* --halo-overlap on|off */
} life_opts_t;

/* The effective options as INI text (recorded in snapshot files). */
void life_opts_to_ini(const life_opts_t *o, char *buf, size_t n);

void life_opts_defaults(life_opts_t *o);
/* Sets one option by its key name (the INI key, which is also the flag
 * without its leading "--"). Unknown keys and bad values are errors whose
 * message names the key. */
int life_opts_set(life_opts_t *o, const char *key, const char *value, corun_err_t *err);
/* argv of `corun life` (config first, flags over it); prints its errors. */
int life_opts_parse_args(int argc, char **argv, life_opts_t *o, int *help);
/* The omp backend's tuning from the environment: CORUN_OMP_SIMD=portable|avx2|
 * avx512|avx512-autovec forces that kernel set (one the CPU cannot run falls
 * back to the fastest it can; benchmarks measure the portable path with it).
 * Fills *tu and returns it for params.omp_tuning, or returns NULL (the
 * backend's own choices) when the variable is unset or empty. */
const struct corun_life_omp_tuning *cli_omp_tuning(struct corun_life_omp_tuning *tu);

/* ---- options shared by every subcommand (opts.c) ---- */

/* Validates and stores one option; key is the INI key and the flag name. */
typedef int (*cli_set_fn)(void *ctx, const char *key, const char *value, corun_err_t *err);
/* A subcommand's keys, NULL-terminated: --name VALUE or, without a value,
 * --name (which sets it to "true"). */
typedef struct cli_key {
    const char *name;
    int takes_value;
    char short_name; /* e.g. 'o' for -o; 0 for none */
} cli_key_t;

int cli_copy_str(char *dst, size_t n, const char *key, const char *v, corun_err_t *err);
int cli_parse_bool(const char *key, const char *v, int *out, corun_err_t *err);
/* The options every workload shares: backend (serial|omp|cuda|auto),
 * threads (1..4096), CUDA device index (0..1023). */
int cli_parse_backend(const char *key, const char *v, char *dst, size_t n, corun_err_t *err);
int cli_parse_threads(const char *key, const char *v, int *out, corun_err_t *err);
int cli_parse_device(const char *key, const char *v, int *out, corun_err_t *err);
/* Loads an INI file whose only section is [section] and whose keys are
 * keys (an unknown one is an error with a did-you-mean). */
int cli_load_ini(const char *path, const char *section, const cli_key_t *keys, cli_set_fn set,
                 void *ctx, corun_err_t *err);
/* The key of keys closest to name (a likely typo of it), or NULL. */
const char *cli_suggest(const cli_key_t *keys, const char *name);
/* Parses `corun <cmd> [--config FILE] [--key value ...] [POSITIONAL]`: the
 * INI section [cmd] first, then the flags. With positional non-NULL one
 * non-option argument is allowed and returned there. Prints its own errors;
 * returns 0 or CORUN_EXIT_USAGE. *help is set by -h/--help (nothing else is
 * applied then). */
int cli_parse_args(const char *cmd, int argc, char **argv, const cli_key_t *keys,
                   cli_set_fn set, void *ctx, const char **positional, int *help);

int cmd_life(int argc, char **argv);
int cmd_info(int argc, char **argv);

/* s[0..n-1] as a JSON string, escaped (summary.c). */
void cli_json_str(FILE *f, const char *s, size_t n);

/* The summary line (summary.c): formats it, prints it to line_out (NULL:
 * not printed) unless json_path is "-", and writes its JSON object to
 * json_path (NULL or "": none; "-": stdout). Returns 0, or
 * CORUN_EXIT_FAILURE after printing why the JSON file could not be written. */
int cli_summary(const char *cmd, const char *json_path, FILE *line_out, const char *fmt, ...)
    CORUN_PRINTF(4, 5);

/* Prints "corun: <msg>" to stderr. */
void cli_error(const char *fmt, ...) CORUN_PRINTF(1, 2);

/* corun_now() when main() began: the summaries' wall_seconds. */
extern double cli_start_time;

#endif
