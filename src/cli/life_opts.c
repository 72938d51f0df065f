/* life_opts.c — the options of `corun life`: one table of keys shared by the
 * INI config reader and the command-line parser, so a key means the same in
 * both places and an unknown one is refused in both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "life/omp_tuning.h"

void life_opts_defaults(life_opts_t *o) {
    memset(o, 0, sizeof *o);
    o->width = o->height = 256; /* used only when nothing else sets a size */
    o->rule = CORUN_LIFE_RULE_CONWAY;
    o->boundary = CORUN_LIFE_TORUS;
    snprintf(o->init, sizeof o->init, "random:0.5:1");
    o->steps = 100;
    snprintf(o->backend, sizeof o->backend, "auto");
    o->device = -1;
    o->skip_stable = CORUN_LIFE_SKIP_AUTO;
    snprintf(o->compress, sizeof o->compress, "none");
    o->snapshot_buffers = 3;
    o->progress_every = 60;
}

int life_opts_set(life_opts_t *o, const char *key, const char *v, corun_err_t *err) {
    int rc = cli_summary_opt(&o->summary, key, v, err);
    if (rc <= 0) return rc;
    if (!strcmp(key, "size")) {
        rc = corun_parse_size(v, &o->width, &o->height);
        if (rc)
            return corun_err_set(err, CORUN_EINVAL,
                                 "size: '%s' is not WIDTHxHEIGHT with both at least 1 "
                                 "(e.g. 4096x4096)",
                                 v);
        o->has_size = 1;
    } else if (!strcmp(key, "rule")) {
        if ((rc = corun_life_rule_parse(v, &o->rule, err))) return rc;
        o->has_rule = 1;
    } else if (!strcmp(key, "boundary")) {
        if ((rc = corun_life_boundary_parse(v, &o->boundary, err))) return rc;
        o->has_boundary = 1;
    } else if (!strcmp(key, "init")) {
        o->has_init = 1;
        return cli_copy_str(o->init, sizeof o->init, key, v, err);
    } else if (!strcmp(key, "at")) {
        if (corun_parse_xy(v, &o->at_x, &o->at_y))
            return corun_err_set(err, CORUN_EINVAL,
                                 "at: '%s' is not X,Y with non-negative integers", v);
        o->has_at = 1;
    } else if (!strcmp(key, "steps")) {
        if (corun_parse_i64(v, &o->steps) || o->steps < 0)
            return corun_err_set(err, CORUN_EINVAL, "steps: '%s' is not a non-negative integer",
                                 v);
    } else if (!strcmp(key, "backend")) {
        return cli_parse_backend(key, v, o->backend, sizeof o->backend, err);
    } else if (!strcmp(key, "device")) {
        return cli_parse_device(key, v, &o->device, err);
    } else if (!strcmp(key, "threads")) {
        return cli_parse_threads(key, v, &o->threads, err);
    } else if (!strcmp(key, "skip-stable")) {
        if (!strcmp(v, "auto")) o->skip_stable = CORUN_LIFE_SKIP_AUTO;
        else if (!strcmp(v, "on")) o->skip_stable = CORUN_LIFE_SKIP_ON;
        else if (!strcmp(v, "off")) o->skip_stable = CORUN_LIFE_SKIP_OFF;
        else
            return corun_err_set(err, CORUN_EINVAL, "skip-stable: '%s' is not on, off or auto",
                                 v);
    } else if (!strcmp(key, "print")) {
        return cli_parse_bool(key, v, &o->print, err);
    } else if (!strcmp(key, "quiet")) {
        return cli_parse_bool(key, v, &o->quiet, err);
    } else if (!strcmp(key, "progress-every")) {
        double d;
        if (corun_parse_double(v, &d) || !(d >= 0 && d <= 1e9))
            return corun_err_set(err, CORUN_EINVAL,
                                 "progress-every: '%s' is not a number of seconds >= 0 "
                                 "(0: no progress lines)",
                                 v);
        o->progress_every = d;
    } else if (!strcmp(key, "write-rle")) {
        return cli_copy_str(o->write_rle, sizeof o->write_rle, key, v, err);
    } else if (!strcmp(key, "write-png")) {
        return cli_copy_str(o->write_png, sizeof o->write_png, key, v, err);
    } else if (!strcmp(key, "out")) {
        return cli_copy_str(o->out, sizeof o->out, key, v, err);
    } else if (!strcmp(key, "restart")) {
        return cli_copy_str(o->restart, sizeof o->restart, key, v, err);
    } else if (!strcmp(key, "snapshot-every")) {
        if (corun_parse_i64(v, &o->snapshot_every) || o->snapshot_every < 0)
            return corun_err_set(err, CORUN_EINVAL,
                                 "snapshot-every: '%s' is not a non-negative integer", v);
        o->has_snapshot_every = 1;
    } else if (!strcmp(key, "snapshot-format")) {
        if (strcmp(v, "bits") && strcmp(v, "bytes"))
            return corun_err_set(err, CORUN_EINVAL, "snapshot-format: '%s' is not bits or bytes",
                                 v);
        o->snapshot_bytes = !strcmp(v, "bytes");
        o->has_snapshot_format = 1;
    } else if (!strcmp(key, "compress")) {
        if (strcmp(v, "none") && strcmp(v, "lz4") && strcmp(v, "gzip") && strncmp(v, "gzip:", 5))
            return corun_err_set(err, CORUN_EINVAL,
                                 "compress: '%s' is not none, gzip, gzip:LEVEL or lz4", v);
        o->has_compress = 1;
        return cli_copy_str(o->compress, sizeof o->compress, key, v, err);
    } else if (!strcmp(key, "swmr")) {
        o->has_swmr = 1;
        return cli_parse_bool(key, v, &o->swmr, err);
    } else if (!strcmp(key, "force")) {
        return cli_parse_bool(key, v, &o->force, err);
    } else if (!strcmp(key, "snapshot-buffers")) {
        int64_t b;
        if (corun_parse_i64(v, &b) || b < 1 || b > 16)
            return corun_err_set(err, CORUN_EINVAL, "snapshot-buffers: '%s' is not 1..16", v);
        o->snapshot_buffers = (int)b;
        o->has_snapshot_buffers = 1;
    } else if (!strcmp(key, "halo")) {
        int64_t d;
        if (corun_parse_i64(v, &d) || d < 1 || d > 1 << 20)
            return corun_err_set(err, CORUN_EINVAL, "halo: '%s' is not 1..1048576 rows", v);
        o->halo = (int)d;
    } else if (!strcmp(key, "halo-overlap")) {
        return cli_parse_bool(key, v, &o->halo_overlap, err);
    } else {
        return corun_err_set(err, CORUN_EINVAL,
                             "unknown option '%s' (known: size, rule, boundary, init, at, steps, "
                             "backend, device, threads, skip-stable, print, quiet, progress-every, write-rle, "
                             "write-png, "
                             "out, "
                             "snapshot-every, snapshot-format, compress, swmr, force, restart, "
                             "snapshot-buffers, halo, halo-overlap)",
                             key);
    }
    return 0;
}

static int set_thunk(void *o, const char *key, const char *value, corun_err_t *err) {
    return life_opts_set(o, key, value, err);
}

const cli_key_t life_keys[] = {
    {"size", 1, 0},        {"rule", 1, 0},           {"boundary", 1, 0},      {"init", 1, 0},
    {"at", 1, 0},             {"steps", 1, 0},          {"backend", 1, 0},       {"device", 1, 0},
    {"threads", 1, 't'},      {"skip-stable", 1, 0},    {"print", 0, 0},         {"quiet", 0, 'q'},
    {"write-rle", 1, 0},      {"write-png", 1, 0},      {"out", 1, 'o'},            {"snapshot-every", 1, 0}, {"snapshot-format", 1, 0},
    {"compress", 1, 0},       {"swmr", 0, 0},           {"force", 0, 0},         {"restart", 1, 0},
    {"snapshot-buffers", 1, 0}, {"halo", 1, 0}, {"halo-overlap", 1, 0}, {"progress-every", 1, 0},
    CLI_SUMMARY_KEYS,         {NULL, 0, 0},
};

int life_opts_parse_args(int argc, char **argv, life_opts_t *o, int *help) {
    return cli_parse_args("life", argc, argv, life_keys, set_thunk, o, NULL, help);
}

void life_opts_to_ini(const life_opts_t *o, char *buf, size_t n) {
    char rule[32];
    corun_life_rule_format(o->rule, rule, sizeof rule);
    static const char *skip[] = {"auto", "off", "on"};
    snprintf(buf, n,
             "[life]\nsize = %lldx%lld\nrule = %s\nboundary = %s\ninit = %s\nat = %lld,%lld\n"
             "steps = %lld\nbackend = %s\n%sthreads = %d\nskip-stable = %s\n"
             "snapshot-every = %lld\nsnapshot-format = %s\ncompress = %s\nswmr = %s\n"
             "snapshot-buffers = %d\n%shalo = %d\nhalo-overlap = %s\n",
             (long long)o->width, (long long)o->height, rule,
             corun_life_boundary_name(o->boundary), o->init, (long long)o->at_x,
             (long long)o->at_y, (long long)o->steps, o->backend,
             o->threads ? "" : "; (OpenMP default) ", o->threads,
             skip[o->skip_stable], (long long)o->snapshot_every,
             o->snapshot_bytes ? "bytes" : "bits", o->compress, o->swmr ? "true" : "false",
             o->snapshot_buffers, o->halo ? "" : "; (default) ", o->halo,
             o->halo_overlap ? "on" : "off");
}

const corun_life_omp_tuning_t *cli_omp_tuning(corun_life_omp_tuning_t *tu) {
    const char *simd = getenv("CORUN_OMP_SIMD");
    if (!simd || !*simd) return NULL;
    memset(tu, 0, sizeof *tu);
    tu->simd = simd;
    return tu;
}
