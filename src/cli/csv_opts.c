/* csv_opts.c — the options of `corun csv`: one table of keys shared by the
 * INI config reader ([csv]) and the command-line parser, as for `corun fib`. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "csv_cli.h"

void csv_opts_defaults(csv_opts_t *o) {
    memset(o, 0, sizeof *o);
    o->rows = 1000;
    o->seed = 1;
    snprintf(o->backend, sizeof o->backend, "auto");
}

static int parse_list(const char *key, const char *v, char *buf, size_t cap, const char **items,
                      size_t *n, corun_err_t *err) {
    if (cli_copy_str(buf, cap, key, v, err)) return CORUN_ERANGE;
    *n = 0;
    for (char *p = buf;;) {
        char *c = strchr(p, ',');
        if (c) *c = '\0';
        if (!*p) return corun_err_set(err, CORUN_EINVAL, "%s: empty item in '%s'", key, v);
        if (*n == CSV_LIST_MAX)
            return corun_err_set(err, CORUN_ERANGE, "%s: more than %d items", key, CSV_LIST_MAX);
        items[(*n)++] = p;
        if (!c) break;
        p = c + 1;
    }
    return 0;
}

/* A byte count: 123, 64k, 64M, 1G (binary units). */
static int parse_bytes(const char *key, const char *v, uint64_t *out, corun_err_t *err) {
    char num[32];
    size_t len = strlen(v);
    uint64_t mul = 1;
    if (len && len < sizeof num) {
        char u = v[len - 1];
        if (u == 'k' || u == 'K') mul = 1 << 10;
        else if (u == 'm' || u == 'M') mul = 1 << 20;
        else if (u == 'g' || u == 'G') mul = 1 << 30;
        memcpy(num, v, len + 1);
        if (mul > 1) num[len - 1] = '\0';
        uint64_t x;
        if (!corun_parse_u64(num, &x) && x >= 1 && x <= (UINT64_C(1) << 40) / mul) {
            *out = x * mul;
            return 0;
        }
    }
    return corun_err_set(err, CORUN_EINVAL, "%s: '%s' is not a byte count (e.g. 4096, 64k, 64M, 1G)",
                         key, v);
}

int csv_opts_set(csv_opts_t *o, const char *key, const char *v, corun_err_t *err) {
    int src = cli_summary_opt(&o->summary, key, v, err);
    if (src <= 0) return src;
    if (!strcmp(key, "rows")) {
        if (corun_parse_u64(v, &o->rows) || o->rows > UINT64_C(1) << 40)
            return corun_err_set(err, CORUN_EINVAL, "rows: '%s' is not an integer in 0..2^40", v);
    } else if (!strcmp(key, "seed")) {
        if (corun_parse_u64(v, &o->seed))
            return corun_err_set(err, CORUN_EINVAL, "seed: '%s' is not a non-negative integer", v);
    } else if (!strcmp(key, "quoted-fraction")) {
        if (corun_parse_double(v, &o->quoted_fraction) || !(o->quoted_fraction >= 0) ||
            o->quoted_fraction > 1)
            return corun_err_set(err, CORUN_EINVAL, "quoted-fraction: '%s' is not in 0..1", v);
    } else if (!strcmp(key, "crlf")) {
        return cli_parse_bool(key, v, &o->crlf, err);
    } else if (!strcmp(key, "bom")) {
        return cli_parse_bool(key, v, &o->bom, err);
    } else if (!strcmp(key, "out")) {
        if (!v[0]) return corun_err_set(err, CORUN_EINVAL, "out: empty path");
        return cli_copy_str(o->out, sizeof o->out, key, v, err);
    } else if (!strcmp(key, "by")) {
        if (!v[0]) return corun_err_set(err, CORUN_EINVAL, "by: empty column name");
        return cli_copy_str(o->by, sizeof o->by, key, v, err);
    } else if (!strcmp(key, "only")) {
        return parse_list(key, v, o->only_buf, sizeof o->only_buf, o->only, &o->nonly, err);
    } else if (!strcmp(key, "sum")) {
        int rc = parse_list(key, v, o->sum_buf, sizeof o->sum_buf, o->sum, &o->nsum, err);
        if (!rc && o->nsum > CORUN_CSV_SUM_MAX)
            return corun_err_set(err, CORUN_ERANGE, "sum: at most %d columns", CORUN_CSV_SUM_MAX);
        return rc;
    } else if (!strcmp(key, "backend")) {
        return cli_parse_backend(key, v, o->backend, sizeof o->backend, err);
    } else if (!strcmp(key, "threads")) {
        return cli_parse_threads(key, v, &o->threads, err);
    } else if (!strcmp(key, "window")) {
        return parse_bytes(key, v, &o->window, err);
    } else if (!strcmp(key, "max-files")) {
        if (corun_parse_u64(v, &o->max_files) || o->max_files < 1 || o->max_files > 1000000)
            return corun_err_set(err, CORUN_EINVAL, "max-files: '%s' is not in 1..1000000", v);
    } else if (!strcmp(key, "force")) {
        return cli_parse_bool(key, v, &o->force, err);
    } else if (!strcmp(key, "quiet")) {
        return cli_parse_bool(key, v, &o->quiet, err);
    } else {
        return corun_err_set(err, CORUN_EINVAL,
                             "unknown option '%s' (known: rows, seed, quoted-fraction, crlf, bom, "
                             "out, by, only, sum, backend, threads, window, max-files, force, "
                             "quiet)",
                             key);
    }
    return 0;
}

static int set_thunk(void *o, const char *key, const char *value, corun_err_t *err) {
    return csv_opts_set(o, key, value, err);
}

static const cli_key_t csv_keys[] = {
    {"out", 1, 'o'},   {"rows", 1, 0},      {"seed", 1, 0},   {"quoted-fraction", 1, 0},
    {"crlf", 0, 0},    {"bom", 0, 0},       {"by", 1, 0},     {"only", 1, 0},
    {"sum", 1, 0},     {"backend", 1, 0},   {"threads", 1, 't'}, {"window", 1, 0},
    {"max-files", 1, 0}, {"force", 0, 0},   {"quiet", 0, 'q'},  CLI_SUMMARY_KEYS, {NULL, 0, 0},
};

int csv_opts_parse_args(int argc, char **argv, csv_opts_t *o, const char **input, int *help) {
    return cli_parse_args("csv", argc, argv, csv_keys, set_thunk, o, input, help);
}
