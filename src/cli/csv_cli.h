/* csv_cli.h — internals of `corun csv` (cmd_csv.c: the subcommands gen,
 * split and stats; csv_opts.c: the options, one key table for flags and the
 * [csv] section of an INI config). */
#ifndef CORUN_CSV_CLI_H
#define CORUN_CSV_CLI_H

#include <stdint.h>

#include "cli.h"
#include "corun/csv.h"

#define CSV_LIST_MAX 256 /* values in --only / --sum */

typedef struct csv_opts {
    uint64_t rows, seed;
    double quoted_fraction;
    int crlf, bom;
    char out[CLI_PATH_MAX];
    char by[256];
    char only_buf[8192];
    const char *only[CSV_LIST_MAX];
    size_t nonly;
    char sum_buf[4096];
    const char *sum[CSV_LIST_MAX];
    size_t nsum;
    char backend[16];
    int threads;
    uint64_t window;    /* bytes; 0 default */
    uint64_t max_files; /* 0 default */
    int force, quiet;
    cli_summary_opts_t summary;
} csv_opts_t;

void csv_opts_defaults(csv_opts_t *o);
/* Sets one option by its INI key (= the flag without "--"); unknown keys and
 * bad values are errors naming the key. */
int csv_opts_set(csv_opts_t *o, const char *key, const char *value, corun_err_t *err);
/* argv after the verb (config first, flags over it; one positional INPUT);
 * prints its errors. */
int csv_opts_parse_args(int argc, char **argv, csv_opts_t *o, const char **input, int *help);

int cmd_csv(int argc, char **argv);

#endif
