/* cmd_life.c — `corun life`: build the run plan from config + flags, set up
 * the initial grid, step it on the chosen backend, print the summary line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char life_usage[] =
    "usage: corun life [options]\n"
    "\n"
    "Steps a Life-like cellular automaton and prints a one-line summary:\n"
    "  backend= threads= mode= size= rule= boundary= steps= population= hash=\n"
    "  seconds= cell_updates_per_s=\n"
    "hash is FNV-1a 64 over the final grid, row-major, one byte (0/1) per cell.\n"
    "\n"
    "options (each also an INI key under [life], e.g. 'size = 4096x4096';\n"
    "flags override the config file):\n"
    "  --config FILE.ini      read options from an INI file\n"
    "  --size WxH             grid size (default: the pattern's size, or 256x256)\n"
    "  --rule RULE            Life-like rule, B3/S23 (default) or S/B form 23/3\n"
    "  --boundary torus|dead  wrap around (default) or dead cells outside\n"
    "  --init SPEC            random:DENSITY:SEED (default random:0.5:1),\n"
    "                         or a pattern file (.rle or .cells)\n"
    "  --at X,Y               top-left corner of the pattern (default 0,0)\n"
    "  --steps N              generations to compute (default 100)\n"
    "  --backend NAME         serial | omp | cuda | auto (default auto: cuda when a\n"
    "                         GPU is visible, else omp)\n"
    "  --device N             cuda: GPU index (default 0 in CUDA_VISIBLE_DEVICES order)\n"
    "  --threads T            OpenMP threads (default: OMP_NUM_THREADS or all cores)\n"
    "  --skip-stable on|off|auto  omp: skip tiles that are still or period 2\n"
    "                         (default auto: on for grids of at least 512x512)\n"
    "  --print                print every generation side by side ('*' alive, '-' empty)\n"
    "  --write-rle FILE       write the final grid as RLE\n"
    "  --quiet                no progress display\n"
    "  -h, --help             show this help\n"
    "\n"
    "An RLE header rule (and Golly suffix :T<w>,<h> torus or :P<w>,<h> plane)\n"
    "sets rule, size and boundary unless given explicitly.\n"
    "Exit codes: 0 success, 1 run-time failure, 2 bad usage or input.\n";

enum { OPT_CONFIG = 256, OPT_KEY };

/* Every long option except --config/--help maps to the INI key of the same name. */
static const struct option long_opts[] = {
    {"config", required_argument, NULL, OPT_CONFIG},
    {"size", required_argument, NULL, OPT_KEY},
    {"rule", required_argument, NULL, OPT_KEY},
    {"boundary", required_argument, NULL, OPT_KEY},
    {"init", required_argument, NULL, OPT_KEY},
    {"at", required_argument, NULL, OPT_KEY},
    {"steps", required_argument, NULL, OPT_KEY},
    {"backend", required_argument, NULL, OPT_KEY},
    {"device", required_argument, NULL, OPT_KEY},
    {"threads", required_argument, NULL, OPT_KEY},
    {"skip-stable", required_argument, NULL, OPT_KEY},
    {"print", no_argument, NULL, OPT_KEY},
    {"quiet", no_argument, NULL, OPT_KEY},
    {"write-rle", required_argument, NULL, OPT_KEY},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Parses argv into o: the config file first, then the flags over it. */
static int parse_args(int argc, char **argv, life_opts_t *o, int *help) {
    corun_err_t err = {0};
    const char *config = NULL;
    int c, idx;
    opterr = 0;
    /* Pass 1: find --config and --help, check the flags are known. */
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", long_opts, &idx)) != -1) {
        if (c == 'h') *help = 1;
        else if (c == OPT_CONFIG) config = optarg;
        else if (c == '?') {
            cli_error("life: unknown option '%s' (see 'corun life --help')", argv[optind - 1]);
            return CORUN_EXIT_USAGE;
        } else if (c == ':') {
            cli_error("life: option '%s' needs a value", argv[optind - 1]);
            return CORUN_EXIT_USAGE;
        }
    }
    if (*help) return 0;
    if (optind < argc) {
        cli_error("life: unexpected argument '%s' (see 'corun life --help')", argv[optind]);
        return CORUN_EXIT_USAGE;
    }
    if (config) {
        snprintf(o->config, sizeof o->config, "%s", config);
        if (life_opts_load_ini(o, config, &err)) {
            cli_error("%s", err.msg);
            return CORUN_EXIT_USAGE;
        }
    }
    /* Pass 2: flags override the file. */
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", long_opts, &idx)) != -1) {
        if (c != OPT_KEY) continue;
        const char *key = long_opts[idx].name;
        const char *val = long_opts[idx].has_arg ? optarg : "true";
        if (life_opts_set(o, key, val, &err)) {
            cli_error("--%s", err.msg);
            return CORUN_EXIT_USAGE;
        }
    }
    return 0;
}

/* Sets up the initial grid from o->init; pattern headers fill in rule, size
 * and boundary that the user did not give. */
static int make_initial(life_opts_t *o, const corun_life_backend_t *be, corun_life_grid_t *g,
                        corun_err_t *err) {
    /* Bytes per cell the whole run holds: this byte grid plus the backend's
     * two generations (bytes for serial, bits + tile flags for omp). */
    double bpc = strcmp(be->name, "serial") ? 1.3 : 3.0;
    if (!strncmp(o->init, "random:", 7)) {
        char *spec = o->init + 7, *colon = strchr(spec, ':');
        double density;
        uint64_t seed;
        if (!colon)
            return corun_err_set(err, CORUN_EINVAL,
                                 "init '%s': expected random:DENSITY:SEED, e.g. random:0.5:1",
                                 o->init);
        *colon = '\0';
        int bad = corun_parse_double(spec, &density) || density < 0 || density > 1;
        *colon = ':';
        if (bad)
            return corun_err_set(err, CORUN_EINVAL,
                                 "init '%s': density must be a number from 0 to 1", o->init);
        if (corun_parse_u64(colon + 1, &seed))
            return corun_err_set(err, CORUN_EINVAL,
                                 "init '%s': seed must be a non-negative integer below 2^64",
                                 o->init);
        if (o->at_x || o->at_y)
            return corun_err_set(err, CORUN_EINVAL, "--at applies to pattern files, not random");
        int rc = corun_life_check_size(o->width, o->height, bpc, err);
        if (!rc) rc = corun_life_grid_init(g, o->width, o->height, err);
        if (rc) return rc;
        corun_life_grid_fill_random(g, density, seed);
        return 0;
    }
    corun_life_pattern_t pat;
    int rc = corun_life_pattern_load(o->init, &pat, err);
    if (rc) return rc;
    if (pat.has_rule && !o->has_rule) o->rule = pat.rule;
    if (pat.has_bounded) {
        if (!o->has_boundary) o->boundary = pat.boundary;
        if (!o->has_size) {
            o->width = pat.bounded_w;
            o->height = pat.bounded_h;
            o->has_size = 1;
        }
    }
    if (!o->has_size) {
        o->width = pat.cells.width + o->at_x;
        o->height = pat.cells.height + o->at_y;
    }
    rc = corun_life_check_size(o->width, o->height, bpc, err);
    if (!rc) rc = corun_life_grid_init(g, o->width, o->height, err);
    if (!rc) rc = corun_life_pattern_place(g, &pat.cells, o->at_x, o->at_y, err);
    if (rc) corun_err_prefix(err, "init %s", o->init);
    corun_life_pattern_close(&pat);
    return rc;
}

static void progress(const life_opts_t *o, int64_t done, double t0) {
    double dt = corun_now() - t0;
    double rate = dt > 0 ? (double)done / dt : 0;
    double left = rate > 0 ? (double)(o->steps - done) / rate : 0;
    fprintf(stderr, "\rlife: generation %lld/%lld (%3.0f%%) %.3g cell-updates/s, %.0f s left   ",
            (long long)done, (long long)o->steps, 100.0 * (double)done / (double)o->steps,
            rate * (double)o->width * (double)o->height, left);
}

/* Steps o->steps generations; with --print keeps every frame and prints them. */
static int run(life_opts_t *o, const corun_life_backend_t *be, corun_life_grid_t *grid,
               double *seconds, char *mode, size_t nmode, corun_err_t *err) {
    corun_life_params_t p = {o->rule, o->boundary, o->threads, o->skip_stable, o->device};
    void *st = NULL;
    corun_life_grid_t *frames = NULL;
    int rc = be->init(&st, grid, &p, err);
    if (rc) goto done;
    int show = !o->quiet && isatty(2);
    double t0 = corun_now();
    if (o->print) {
        frames = calloc((size_t)o->steps + 1, sizeof *frames);
        if (!frames) {
            rc = corun_err_set(err, CORUN_ENOMEM, "--print: out of memory");
            goto done;
        }
        for (int64_t i = 0; i <= o->steps && !rc; i++) {
            if (i) rc = be->step(st, 1, err);
            if (!rc) rc = corun_life_grid_init(&frames[i], grid->width, grid->height, err);
            if (!rc) rc = be->read(st, &frames[i], err);
        }
    } else {
        /* Step in chunks so a terminal can show progress; one chunk when quiet. */
        int64_t chunk = show ? (o->steps / 100 > 0 ? o->steps / 100 : 1) : o->steps;
        for (int64_t done = 0; done < o->steps && !rc;) {
            int64_t n = o->steps - done < chunk ? o->steps - done : chunk;
            rc = be->step(st, n, err);
            done += n;
            if (show) progress(o, done, t0);
        }
        if (show) fputc('\n', stderr);
    }
    *seconds = corun_now() - t0;
    if (!rc) rc = be->read(st, grid, err);
    if (!rc && o->print) rc = corun_life_print_columns(stdout, frames, (int)o->steps + 1);
done:
    if (frames) {
        for (int64_t i = 0; i <= o->steps; i++) corun_life_grid_close(&frames[i]);
        free(frames);
    }
    snprintf(mode, nmode, "%s", (!rc && be->describe) ? be->describe(st) : "-");
    be->fini(st);
    return rc;
}

int cmd_life(int argc, char **argv) {
    life_opts_t o;
    life_opts_defaults(&o);
    int help = 0, rc = parse_args(argc, argv, &o, &help);
    if (rc) return rc;
    if (help) {
        fputs(life_usage, stdout);
        return CORUN_EXIT_OK;
    }
    corun_err_t err = {0};
    const corun_life_backend_t *be = corun_life_backend_find(o.backend, &err);
    if (!be) {
        cli_error("life: %s", err.msg);
        return CORUN_EXIT_USAGE;
    }
    corun_life_grid_t grid = {0};
    if (make_initial(&o, be, &grid, &err)) {
        cli_error("life: %s", err.msg);
        corun_life_grid_close(&grid); /* allocated when only the placement failed */
        return CORUN_EXIT_USAGE;
    }
    if (o.print && ((double)(o.steps + 1) * (double)(grid.width * grid.height) > 64e6)) {
        cli_error("life: --print keeps every generation in memory; %lldx%lld for %lld steps "
                  "is too large (use a smaller grid or fewer steps)",
                  (long long)grid.width, (long long)grid.height, (long long)o.steps);
        corun_life_grid_close(&grid);
        return CORUN_EXIT_USAGE;
    }
    double seconds = 0;
    char mode[64];
    if (run(&o, be, &grid, &seconds, mode, sizeof mode, &err)) {
        cli_error("life: %s", err.msg);
        corun_life_grid_close(&grid);
        return CORUN_EXIT_FAILURE;
    }
    if (o.write_rle[0] &&
        corun_life_rle_save(o.write_rle, &grid, o.rule, o.boundary, &err)) {
        cli_error("life: %s", err.msg);
        corun_life_grid_close(&grid);
        return CORUN_EXIT_FAILURE;
    }
    char rule[32];
    corun_life_rule_format(o.rule, rule, sizeof rule);
    int threads = strcmp(be->name, "serial") ? (o.threads ? o.threads : corun_default_threads()) : 1;
    double updates = (double)grid.width * (double)grid.height * (double)o.steps;
    printf("backend=%s threads=%d mode=%s size=%lldx%lld rule=%s boundary=%s steps=%lld "
           "population=%lld hash=%016llx seconds=%.6f cell_updates_per_s=%.4g\n",
           be->name, threads, mode, (long long)grid.width,
           (long long)grid.height, rule, corun_life_boundary_name(o.boundary),
           (long long)o.steps, (long long)corun_life_grid_population(&grid),
           (unsigned long long)corun_life_grid_hash(&grid), seconds,
           seconds > 0 ? updates / seconds : 0.0);
    corun_life_grid_close(&grid);
    return CORUN_EXIT_OK;
}
