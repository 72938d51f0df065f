/* bench_opts.c — the options of `corun bench`: one table of keys shared by the
 * INI config reader ([bench] section) and the command-line parser, so a key
 * means the same in both places and an unknown one is refused in both (the
 * design of life_opts.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bench_cli.h"
#include "fib_cli.h"

static const char *const workload_names[BENCH_NWORKLOADS] = {"life", "fib", "csv"};

const char *bench_workload_name(bench_workload_t w) {
    return (unsigned)w < BENCH_NWORKLOADS ? workload_names[w] : "?";
}

void bench_opts_defaults(bench_opts_t *o) {
    memset(o, 0, sizeof *o);
    o->workloads[BENCH_LIFE] = 1;
    snprintf(o->backends[0], sizeof o->backends[0], "omp");
    o->nbackends = 1;
    o->threads_all = 1;
    o->mode = BENCH_STRONG;
    o->repeat = 3;
    o->warmup = 1;
    snprintf(o->out, sizeof o->out, "bench-results.csv");
    snprintf(o->verify_backend, sizeof o->verify_backend, "omp");
    o->min_time = 0.5;
    o->device = -1;
    o->life_steps = 100;
    o->life_density = 0.5;
    o->life_seed = 1;
    snprintf(o->fib_algo, sizeof o->fib_algo, "doubling");
    snprintf(o->csv_op, sizeof o->csv_op, "stats");
    snprintf(o->csv_by, sizeof o->csv_by, "Region");
}

static int split_list(const char *key, const char *v, char items[][64], int max,
                      corun_err_t *err) {
    int n = 0;
    const char *p = v;
    for (;;) {
        while (*p == ' ') p++;
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len && p[len - 1] == ' ') len--;
        if (len == 0)
            return corun_err_set(err, CORUN_EINVAL, "%s: empty item in the list '%s'", key, v);
        if (len >= 64) return corun_err_set(err, CORUN_ERANGE, "%s: item too long in '%s'", key, v);
        if (n == max)
            return corun_err_set(err, CORUN_ERANGE, "%s: more than %d items in '%s'", key, max, v);
        memcpy(items[n], p, len);
        items[n][len] = '\0';
        n++;
        if (!e) break;
        p = e + 1;
    }
    return n;
}

static int int_cmp(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int set_threads(bench_opts_t *o, const char *key, const char *v, corun_err_t *err) {
    if (!strcmp(v, "all")) {
        o->threads_all = 1;
        o->nthreads = 0;
        return 0;
    }
    char items[BENCH_LIST_MAX][64];
    int n = split_list(key, v, items, BENCH_LIST_MAX, err);
    if (n < 0) return n;
    for (int i = 0; i < n; i++) {
        int64_t t;
        if (corun_parse_i64(items[i], &t) || t < 1 || t > 4096)
            return corun_err_set(err, CORUN_EINVAL,
                                 "%s: '%s' is not a thread count in 1..4096 (or use 'all')", key,
                                 items[i]);
        o->threads[i] = (int)t;
    }
    qsort(o->threads, (size_t)n, sizeof o->threads[0], int_cmp);
    int m = 0; /* drop repeats: one point per thread count */
    for (int i = 0; i < n; i++)
        if (!m || o->threads[m - 1] != o->threads[i]) o->threads[m++] = o->threads[i];
    o->nthreads = m;
    o->threads_all = 0;
    return 0;
}

/* A sizes list of workload w: life WxH (or N for NxN), fib n (1e6, 10^6
 * accepted), csv rows (same notation). */
static int set_sizes(bench_opts_t *o, bench_workload_t w, const char *key, const char *v,
                     corun_err_t *err) {
    char items[BENCH_LIST_MAX][64];
    int n = split_list(key, v, items, BENCH_LIST_MAX, err);
    if (n < 0) return n;
    for (int i = 0; i < n; i++) {
        bench_size_t *s = &o->sizes[w][i];
        if (w == BENCH_LIFE) {
            if (corun_parse_size(items[i], &s->a, &s->b) == 0) continue;
            if (corun_parse_i64(items[i], &s->a) == 0 && s->a >= 1) {
                s->b = s->a;
                continue;
            }
            return corun_err_set(err, CORUN_EINVAL,
                                 "%s: '%s' is not a grid size WIDTHxHEIGHT (or N for NxN)", key,
                                 items[i]);
        }
        uint64_t x;
        int rc = fib_parse_n(items[i], &x, err); /* the same notation as corun fib --n */
        if (rc) return corun_err_prefix(err, "%s", key);
        if (x > INT64_MAX || (w == BENCH_CSV && x < 1))
            return corun_err_set(err, CORUN_ERANGE, "%s: '%s' is out of range (rows >= 1)", key,
                                 items[i]);
        s->a = (int64_t)x;
        s->b = 0;
    }
    o->nsizes[w] = n;
    return 0;
}

static int parse_count(const char *key, const char *v, int64_t lo, int64_t hi, int64_t *out,
                       corun_err_t *err) {
    if (corun_parse_i64(v, out) || *out < lo || *out > hi)
        return corun_err_set(err, CORUN_EINVAL, "%s: '%s' is not an integer in %lld..%lld", key,
                             v, (long long)lo, (long long)hi);
    return 0;
}

int bench_opts_set(bench_opts_t *o, const char *key, const char *v, corun_err_t *err) {
    int64_t x;
    int rc;
    if (!strcmp(key, "workload")) {
        char items[BENCH_NWORKLOADS + 1][64];
        int n = split_list(key, v, items, BENCH_NWORKLOADS + 1, err);
        if (n < 0) return n;
        memset(o->workloads, 0, sizeof o->workloads);
        for (int i = 0; i < n; i++) {
            int found = 0;
            for (int w = 0; w < BENCH_NWORKLOADS; w++)
                if (!strcmp(items[i], workload_names[w]) || !strcmp(items[i], "all"))
                    o->workloads[w] = found = 1;
            if (!found)
                return corun_err_set(err, CORUN_EINVAL,
                                     "workload: '%s' is not one of life, fib, csv, all", items[i]);
        }
    } else if (!strcmp(key, "backends")) {
        char items[BENCH_LIST_MAX][64];
        int n = split_list(key, v, items, BENCH_LIST_MAX, err);
        if (n < 0) return n;
        for (int i = 0; i < n; i++) {
            if (strcmp(items[i], "serial") && strcmp(items[i], "omp") && strcmp(items[i], "cuda"))
                return corun_err_set(err, CORUN_EINVAL,
                                     "backends: '%s' is not one of serial, omp, cuda", items[i]);
            for (int j = 0; j < i; j++)
                if (!strcmp(items[i], items[j]))
                    return corun_err_set(err, CORUN_EINVAL, "backends: '%s' is listed twice",
                                         items[i]);
            snprintf(o->backends[i], sizeof o->backends[i], "%.15s", items[i]);
        }
        o->nbackends = n;
    } else if (!strcmp(key, "threads")) {
        return set_threads(o, key, v, err);
    } else if (!strcmp(key, "sizes")) {
        return cli_copy_str(o->sizes_generic, sizeof o->sizes_generic, key, v, err);
    } else if (!strcmp(key, "life-sizes")) {
        return set_sizes(o, BENCH_LIFE, key, v, err);
    } else if (!strcmp(key, "fib-sizes")) {
        return set_sizes(o, BENCH_FIB, key, v, err);
    } else if (!strcmp(key, "csv-sizes")) {
        return set_sizes(o, BENCH_CSV, key, v, err);
    } else if (!strcmp(key, "mode")) {
        if (!strcmp(v, "strong")) o->mode = BENCH_STRONG;
        else if (!strcmp(v, "weak")) o->mode = BENCH_WEAK;
        else return corun_err_set(err, CORUN_EINVAL, "mode: '%s' is not strong or weak", v);
    } else if (!strcmp(key, "repeat")) {
        if ((rc = parse_count(key, v, 1, 1000, &x, err))) return rc;
        o->repeat = (int)x;
    } else if (!strcmp(key, "warmup")) {
        if ((rc = parse_count(key, v, 0, 100, &x, err))) return rc;
        o->warmup = (int)x;
    } else if (!strcmp(key, "out")) {
        return cli_copy_str(o->out, sizeof o->out, key, v, err);
    } else if (!strcmp(key, "workdir")) {
        return cli_copy_str(o->workdir, sizeof o->workdir, key, v, err);
    } else if (!strcmp(key, "verify-backend")) {
        if (strcmp(v, "serial") && strcmp(v, "omp"))
            return corun_err_set(err, CORUN_EINVAL,
                                 "verify-backend: '%s' is not serial or omp (run on 1 thread)", v);
        return cli_copy_str(o->verify_backend, sizeof o->verify_backend, key, v, err);
    } else if (!strcmp(key, "device")) {
        return cli_parse_device(key, v, &o->device, err);
    } else if (!strcmp(key, "life-steps")) {
        return parse_count(key, v, 1, INT64_MAX, &o->life_steps, err);
    } else if (!strcmp(key, "life-density")) {
        if (corun_parse_double(v, &o->life_density) || !(o->life_density >= 0) ||
            o->life_density > 1)
            return corun_err_set(err, CORUN_EINVAL, "life-density: '%s' is not a number 0..1", v);
    } else if (!strcmp(key, "life-seed")) {
        if (corun_parse_u64(v, &o->life_seed))
            return corun_err_set(err, CORUN_EINVAL,
                                 "life-seed: '%s' is not a non-negative integer below 2^64", v);
    } else if (!strcmp(key, "fib-tasks")) {
        return parse_count(key, v, 0, FIB_TASKS_MAX, &o->fib_tasks, err);
    } else if (!strcmp(key, "fib-algo")) {
        corun_fib_algo_t a;
        if ((rc = corun_fib_algo_parse(v, &a, err))) return corun_err_prefix(err, "fib-algo");
        return cli_copy_str(o->fib_algo, sizeof o->fib_algo, key, v, err);
    } else if (!strcmp(key, "csv-op")) {
        if (strcmp(v, "stats") && strcmp(v, "split"))
            return corun_err_set(err, CORUN_EINVAL, "csv-op: '%s' is not stats or split", v);
        return cli_copy_str(o->csv_op, sizeof o->csv_op, key, v, err);
    } else if (!strcmp(key, "csv-by")) {
        return cli_copy_str(o->csv_by, sizeof o->csv_by, key, v, err);
    } else if (!strcmp(key, "min-time")) {
        if (corun_parse_double(v, &o->min_time) || !(o->min_time >= 0) || o->min_time > 3600)
            return corun_err_set(err, CORUN_EINVAL,
                                 "min-time: '%s' is not a number of seconds in 0..3600 (0: off)", v);
    } else if ((rc = cli_summary_opt(&o->summary, key, v, err)) <= 0) {
        return rc;
    } else if (!strcmp(key, "quiet")) {
        return cli_parse_bool(key, v, &o->quiet, err);
    } else if (!strcmp(key, "force")) {
        return cli_parse_bool(key, v, &o->force, err);
    } else if (!strcmp(key, "dry-run")) {
        return cli_parse_bool(key, v, &o->dry_run, err);
    } else {
        return corun_err_set(err, CORUN_EINVAL,
                             "unknown option '%s' (known: workload, backends, threads, sizes, "
                             "life-sizes, fib-sizes, csv-sizes, mode, repeat, warmup, out, "
                             "workdir, verify-backend, device, life-steps, life-density, "
                             "life-seed, fib-tasks, fib-algo, csv-op, csv-by, min-time, quiet, dry-run, force, "
                             "summary-json, no-summary)",
                             key);
    }
    return 0;
}

static int set_thunk(void *o, const char *key, const char *value, corun_err_t *err) {
    return bench_opts_set(o, key, value, err);
}

static const cli_key_t bench_keys[] = {
    {"workload", 1, 0},     {"backends", 1, 0},     {"threads", 1, 't'},      {"sizes", 1, 0},
    {"life-sizes", 1, 0},   {"fib-sizes", 1, 0},    {"csv-sizes", 1, 0},      {"mode", 1, 0},
    {"repeat", 1, 0},       {"warmup", 1, 0},       {"out", 1, 'o'},          {"workdir", 1, 0},
    {"verify-backend", 1, 0}, {"device", 1, 0},     {"life-steps", 1, 0},     {"life-density", 1, 0},
    {"life-seed", 1, 0},    {"fib-tasks", 1, 0},    {"fib-algo", 1, 0},       {"csv-op", 1, 0},
    {"csv-by", 1, 0},       {"dry-run", 0, 0},      {"quiet", 0, 'q'},        {"force", 0, 0},
    {"min-time", 1, 0},     CLI_SUMMARY_KEYS,
    {NULL, 0, 0},
};

int bench_opts_parse_args(int argc, char **argv, bench_opts_t *o, int *help) {
    int rc = cli_parse_args("bench", argc, argv, bench_keys, set_thunk, o, NULL, help);
    if (rc || *help) return rc;
    corun_err_t err = {0};
    if (bench_opts_finish(o, &err)) {
        cli_error("bench: %s", err.msg);
        return CORUN_EXIT_USAGE;
    }
    return 0;
}

int bench_opts_finish(bench_opts_t *o, corun_err_t *err) {
    int nsel = 0, sel = 0;
    for (int w = 0; w < BENCH_NWORKLOADS; w++)
        if (o->workloads[w]) nsel++, sel = w;
    if (o->sizes_generic[0]) {
        /* One list cannot mean grid sizes, n and rows at once. */
        if (nsel != 1)
            return corun_err_set(err, CORUN_EINVAL,
                                 "sizes: with several workloads use life-sizes, fib-sizes and "
                                 "csv-sizes instead");
        int rc = set_sizes(o, (bench_workload_t)sel, "sizes", o->sizes_generic, err);
        if (rc) return rc;
    }
    static const bench_size_t defaults[BENCH_NWORKLOADS] = {
        {2048, 2048}, {1000000, 0}, {1000000, 0}};
    for (int w = 0; w < BENCH_NWORKLOADS; w++)
        if (!o->nsizes[w]) o->sizes[w][0] = defaults[w], o->nsizes[w] = 1;
    if (o->threads_all) {
        int cores = corun_default_threads(), n = 0;
        for (int t = 1; t < cores && n < BENCH_LIST_MAX - 1; t *= 2) o->threads[n++] = t;
        o->threads[n++] = cores;
        o->nthreads = n;
    }
    return 0;
}
