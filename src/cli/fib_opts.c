/* fib_opts.c — the options of `corun fib`: the keys, each both an INI key
 * under [fib] and a flag, and their validation; parsing argv and the INI
 * file is the shared cli module's (opts.c), as for every subcommand. */
#include <stdio.h>
#include <string.h>

#include "fib_cli.h"

void fib_opts_defaults(fib_opts_t *o) {
    memset(o, 0, sizeof *o);
    o->n[0] = 1000000; /* the seed's F(1,000,000) */
    o->nn = 1;
    o->algo = CORUN_FIB_DOUBLING;
    snprintf(o->backend, sizeof o->backend, "auto");
    o->device = -1;
}

int fib_parse_n(const char *s, uint64_t *out, corun_err_t *err) {
    while (*s == ' ') s++;
    if (*s == '-')
        return corun_err_set(err, CORUN_ERANGE, "'%s' is negative (n must be 0 or more)", s);
    char mant[32], *mark;
    const char *exp = NULL;
    size_t len = strlen(s);
    while (len && s[len - 1] == ' ') len--;
    if (len == 0 || len >= sizeof mant)
        return corun_err_set(err, CORUN_EINVAL, "'%s' is not a non-negative integer", s);
    memcpy(mant, s, len);
    mant[len] = '\0';
    /* 1e6 and 10^6: a mantissa and a power of ten, both plain integers. */
    if (!strncmp(mant, "10^", 3)) {
        exp = mant + 3;
        mant[1] = '\0'; /* mantissa "1" */
    } else if ((mark = strpbrk(mant, "eE")) != NULL) {
        *mark = '\0';
        exp = mark + 1;
    }
    uint64_t m, e = 0;
    if (corun_parse_u64(mant, &m) || (exp && (corun_parse_u64(exp, &e) || e > 19)))
        return corun_err_set(err, CORUN_EINVAL,
                             "'%s' is not a non-negative integer (e.g. 1000000, 1e6, 10^6)",
                             s);
    for (uint64_t i = 0; i < e; i++) {
        if (m > UINT64_MAX / 10)
            return corun_err_set(err, CORUN_ERANGE, "'%s' is too large", s);
        m *= 10;
    }
    *out = m;
    return 0;
}

static int parse_list(fib_opts_t *o, const char *v, corun_err_t *err) {
    char buf[4096];
    if (strlen(v) >= sizeof buf) return corun_err_set(err, CORUN_ERANGE, "n: list too long");
    snprintf(buf, sizeof buf, "%s", v);
    size_t nn = 0;
    char *save = NULL;
    /* strtok would skip empty items; an empty item ("1,,2") is a typo. */
    for (char *p = buf;; p = save + 1) {
        save = strchr(p, ',');
        if (save) *save = '\0';
        if (nn == FIB_N_LIST_MAX)
            return corun_err_set(err, CORUN_ERANGE, "n: more than %d values", FIB_N_LIST_MAX);
        int rc = fib_parse_n(p, &o->n[nn], err);
        if (rc) {
            if (save || nn) corun_err_prefix(err, "n: value %zu of the list", nn + 1);
            else corun_err_prefix(err, "n");
            return rc;
        }
        nn++;
        if (!save) break;
    }
    o->nn = nn;
    return 0;
}

int fib_opts_set(fib_opts_t *o, const char *key, const char *v, corun_err_t *err) {
    int src = cli_summary_opt(&o->summary, key, v, err);
    if (src <= 0) return src;
    if (!strcmp(key, "n")) {
        return parse_list(o, v, err);
    } else if (!strcmp(key, "tasks")) {
        if (corun_parse_i64(v, &o->tasks) || o->tasks < 1 || o->tasks > FIB_TASKS_MAX)
            return corun_err_set(err, CORUN_EINVAL, "tasks: '%s' is not an integer in 1..%d", v,
                                 FIB_TASKS_MAX);
    } else if (!strcmp(key, "algo")) {
        o->has_algo = 1;
        return corun_fib_algo_parse(v, &o->algo, err);
    } else if (!strcmp(key, "backend")) {
        return cli_parse_backend(key, v, o->backend, sizeof o->backend, err);
    } else if (!strcmp(key, "threads")) {
        return cli_parse_threads(key, v, &o->threads, err);
    } else if (!strcmp(key, "device")) {
        return cli_parse_device(key, v, &o->device, err);
    } else if (!strcmp(key, "out")) {
        if (!v[0]) return corun_err_set(err, CORUN_EINVAL, "out: empty path");
        return cli_copy_str(o->out, sizeof o->out, key, v, err);
    } else if (!strcmp(key, "digits")) {
        return cli_parse_bool(key, v, &o->digits, err);
    } else if (!strcmp(key, "verify")) {
        return cli_parse_bool(key, v, &o->verify, err);
    } else if (!strcmp(key, "quiet")) {
        return cli_parse_bool(key, v, &o->quiet, err);
    } else if (!strcmp(key, "force")) {
        return cli_parse_bool(key, v, &o->force, err);
    } else {
        return corun_err_set(err, CORUN_EINVAL,
                             "unknown option '%s' (known: n, tasks, algo, backend, device, threads, "
                             "out, force, digits, verify, quiet)",
                             key);
    }
    return 0;
}

static int set_key(void *ctx, const char *key, const char *value, corun_err_t *err) {
    return fib_opts_set(ctx, key, value, err);
}

/* Every key is also a flag; only --force, --digits, --verify and --quiet
 * take no value. */
static const cli_key_t fib_keys[] = {
    {"n", 1, 0},       {"tasks", 1, 0}, {"algo", 1, 0},   {"backend", 1, 0},
    {"device", 1, 0},  {"threads", 1, 't'}, {"out", 1, 'o'},  {"digits", 0, 0},
    {"verify", 0, 0},  {"quiet", 0, 'q'},  {"force", 0, 0}, CLI_SUMMARY_KEYS, {NULL, 0, 0},
};

int fib_opts_load_ini(fib_opts_t *o, const char *path, corun_err_t *err) {
    return cli_load_ini(path, "fib", fib_keys, set_key, o, err);
}

int fib_opts_parse_args(int argc, char **argv, fib_opts_t *o, int *help) {
    return cli_parse_args("fib", argc, argv, fib_keys, set_key, o, NULL, help);
}
