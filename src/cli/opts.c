/* opts.c — how every corun subcommand takes its options: one table of keys
 * that are both the long flags (--key VALUE) and the keys of the
 * subcommand's INI section ([life] key = value), a setter that validates one
 * key, and two passes over argv so that --config is read first and the flags
 * override it wherever they stand. An unknown flag, section or key is an
 * error naming it (and the file and line): a typo in a batch job must not
 * silently run something else. */
#include <getopt.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

int cli_copy_str(char *dst, size_t n, const char *key, const char *v, corun_err_t *err) {
    size_t len = strlen(v);
    if (len >= n) return corun_err_set(err, CORUN_ERANGE, "%s: value too long (%zu bytes)", key, len);
    memcpy(dst, v, len + 1);
    return 0;
}

int cli_parse_bool(const char *key, const char *v, int *out, corun_err_t *err) {
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1"))
        *out = 1;
    else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") ||
             !strcmp(v, "0"))
        *out = 0;
    else
        return corun_err_set(err, CORUN_EINVAL, "%s: '%s' is not a boolean (true/false)", key, v);
    return 0;
}

int cli_parse_backend(const char *key, const char *v, char *dst, size_t n, corun_err_t *err) {
    if (strcmp(v, "serial") && strcmp(v, "omp") && strcmp(v, "cuda") && strcmp(v, "auto"))
        return corun_err_set(err, CORUN_EINVAL, "%s: '%s' is not one of serial, omp, cuda, auto",
                             key, v);
    return cli_copy_str(dst, n, key, v, err);
}

int cli_parse_threads(const char *key, const char *v, int *out, corun_err_t *err) {
    int64_t t;
    if (corun_parse_i64(v, &t) || t < 1 || t > CORUN_THREADS_MAX)
        return corun_err_set(err, CORUN_EINVAL, "%s: '%s' is not an integer in 1..%d", key, v,
                             CORUN_THREADS_MAX);
    *out = (int)t;
    return 0;
}

int cli_parse_device(const char *key, const char *v, int *out, corun_err_t *err) {
    int64_t d;
    if (corun_parse_i64(v, &d) || d < 0 || d > 1023)
        return corun_err_set(err, CORUN_EINVAL, "%s: '%s' is not a CUDA device index 0..1023",
                             key, v);
    *out = (int)d;
    return 0;
}

typedef struct ini_ctx {
    const char *section;
    cli_set_fn set;
    void *ctx;
    corun_err_t *err;
    int rc;
} ini_ctx_t;

static int on_ini_pair(void *user, const char *section, const char *name, const char *value) {
    ini_ctx_t *c = user;
    if (section[0] == '\0') {
        c->rc = corun_err_set(c->err, CORUN_EINVAL,
                              "key '%s' is outside any section (put it under [%s])", name,
                              c->section);
        return 0;
    }
    if (strcmp(section, c->section) != 0) {
        c->rc = corun_err_set(c->err, CORUN_EINVAL, "unknown section [%s] (known: [%s])", section,
                              c->section);
        return 0;
    }
    c->rc = c->set(c->ctx, name, value, c->err);
    return c->rc == 0;
}

int cli_load_ini(const char *path, const char *section, cli_set_fn set, void *ctx,
                 corun_err_t *err) {
    FILE *f = fopen(path, "r");
    if (!f) return corun_err_set(err, CORUN_EIO, "config %s: cannot open: %m", path);
    ini_ctx_t c = {section, set, ctx, err, 0};
    int line = ini_parse_file(f, on_ini_pair, &c);
    fclose(f);
    if (line == 0) return 0;
    if (c.rc) return corun_err_prefix(err, "config %s:%d", path, line);
    return corun_err_set(err, CORUN_EPARSE,
                         "config %s:%d: not an INI line (expected [section] or key = value)",
                         path, line);
}

int cli_parse_args(const char *cmd, int argc, char **argv, const cli_key_t *keys,
                   cli_set_fn set, void *ctx, const char **positional, int *help) {
    enum { OPT_CONFIG = 256, OPT_KEY, OPT_HELP };
    size_t nkeys = 0;
    while (keys[nkeys].name) nkeys++;
    /* keys first, so getopt's index is the key's index */
    struct option *lo = calloc(nkeys + 3, sizeof *lo);
    if (!lo) {
        cli_error("%s: out of memory", cmd);
        return CORUN_EXIT_FAILURE;
    }
    for (size_t i = 0; i < nkeys; i++)
        lo[i] = (struct option){keys[i].name, keys[i].takes_value ? required_argument : no_argument,
                                NULL, OPT_KEY};
    lo[nkeys] = (struct option){"config", required_argument, NULL, OPT_CONFIG};
    lo[nkeys + 1] = (struct option){"help", no_argument, NULL, OPT_HELP};
    /* short options: "h" plus each key's short name (with ':' if it takes a value) */
    char shorts[64] = ":h";
    size_t ns = 2;
    for (size_t i = 0; i < nkeys && ns + 2 < sizeof shorts; i++)
        if (keys[i].short_name) {
            shorts[ns++] = keys[i].short_name;
            if (keys[i].takes_value) shorts[ns++] = ':';
        }
    shorts[ns] = '\0';
    corun_err_t err = {0};
    const char *config = NULL;
    int c, idx, rc = 0;
    *help = 0;
    opterr = 0;
    /* Pass 1: find --config and --help, check that every flag is known. */
    optind = 1;
    while (!rc && (c = getopt_long(argc, argv, shorts, lo, &idx)) != -1) {
        if (c == 'h' || c == OPT_HELP) *help = 1;
        else if (c == OPT_CONFIG) config = optarg;
        else if (c == '?') {
            cli_error("%s: unknown option '%s' (see 'corun %s --help')", cmd, argv[optind - 1], cmd);
            rc = CORUN_EXIT_USAGE;
        } else if (c == ':') {
            cli_error("%s: option '%s' needs a value", cmd, argv[optind - 1]);
            rc = CORUN_EXIT_USAGE;
        }
    }
    if (!rc && !*help && positional && optind < argc) *positional = argv[optind++];
    if (!rc && !*help && optind < argc) {
        cli_error("%s: unexpected argument '%s' (see 'corun %s --help')", cmd, argv[optind], cmd);
        rc = CORUN_EXIT_USAGE;
    }
    if (!rc && !*help && config && cli_load_ini(config, cmd, set, ctx, &err)) {
        cli_error("%s", err.msg);
        rc = CORUN_EXIT_USAGE;
    }
    /* Pass 2: the flags, over the file. */
    optind = 1;
    while (!rc && !*help && (c = getopt_long(argc, argv, shorts, lo, &idx)) != -1) {
        if (c != OPT_KEY) { /* a short option: find its key */
            idx = -1;
            for (size_t i = 0; i < nkeys; i++)
                if (keys[i].short_name && keys[i].short_name == c) idx = (int)i;
            if (idx < 0) continue;
        }
        if (set(ctx, keys[idx].name, keys[idx].takes_value ? optarg : "true", &err)) {
            cli_error("--%s", err.msg);
            rc = CORUN_EXIT_USAGE;
        }
    }
    /* Every subcommand parsed here runs OpenMP code, and OpenMP reads the
     * thread variables for any parallel region not given a count: they are
     * checked even when --threads is given. */
    if (!rc && !*help && corun_threads_env_check(&err)) {
        cli_error("%s: %s", cmd, err.msg);
        rc = CORUN_EXIT_USAGE;
    }
    free(lo);
    return rc;
}
