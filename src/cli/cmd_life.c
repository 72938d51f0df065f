/* cmd_life.c — `corun life`: build the run plan from config + flags, set up
 * the initial grid, step it on the chosen backend, print the summary line.
 *
 * Under MPI (`mpirun -np P corun life ...`, docs/MPI.md) every rank builds
 * only its own slab of rows and steps it with the slab backend
 * (src/mpi/life_slab.c); the summary's population and hash are the global
 * ones and rank 0 prints it. Set-up errors are agreed between the ranks
 * (all exit with the same code, the first failing rank prints its message);
 * a failure while stepping ends the whole job (corun_mpi_abort), since the
 * other ranks may be waiting for its halos. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "corun/cuda.h"
#include "corun/h5io.h"
#include "corun/mpi.h"
#include "life_run.h"
#include "mpi/life_slab.h"

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
    "  --device N             cuda: GPU index (default 0 in CUDA_VISIBLE_DEVICES order;\n"
    "                         under MPI each rank on a node takes the next one)\n"
    "  --threads T            OpenMP threads (default: OMP_NUM_THREADS, else\n"
    "                         SLURM_CPUS_PER_TASK, else all cores)\n"
    "  --skip-stable on|off|auto  omp: skip tiles that are still or period 2\n"
    "                         (default auto: for grids of at least 512x512, dense\n"
    "                         while most of the grid changes, skipping once settled)\n"
    "  --print                print every generation side by side ('*' alive, '-' empty)\n"
    "  --write-rle FILE       write the final grid as RLE\n"
    "  --quiet                no progress display\n"
    "  --halo D               under MPI: rows exchanged with each neighbour, and\n"
    "                         generations stepped, per exchange (default: 32, at\n"
    "                         most the smallest slab's rows)\n"
    "  --halo-overlap on|off  under MPI: step the edge rows first and exchange them\n"
    "                         while the rest steps (default off: docs/MPI.md)\n"
    "\n"
    "MPI (docs/MPI.md): mpirun -np P corun life ... splits the grid into P slabs of\n"
    "rows; the summary adds ranks= halo= halo_overlap= halo_seconds= wait_seconds=\n"
    "(the slowest rank's time outside its own stepping, and blocked on halos).\n"
    "--out/--restart write one file together (parallel HDF5); --print needs one\n"
    "rank; --write-rle gathers the grid on rank 0.\n"
    "\n"
    "HDF5 snapshots (layout: docs/FORMAT.md), written while computing goes on:\n"
    "  --out FILE.h5          write generation 0, every K-th and the last, and the\n"
    "                         population of every generation; adds io_seconds=\n"
    "                         stall_seconds= overlap= to the summary\n"
    "  --snapshot-every K     frame interval (default 0: first and last only)\n"
    "  --snapshot-format bits|bytes  64 cells per uint64 word (default) or uint8 cells\n"
    "  --compress none|gzip[:LEVEL]|lz4  chunk compression (default none; lz4 needs\n"
    "                         Debian's hdf5-filter-plugin)\n"
    "  --swmr                 SWMR mode: h5py readers with swmr=True follow the run\n"
    "  --force                overwrite an existing --out file\n"
    "  --restart FILE.h5      continue from the file's last frame for --steps more\n"
    "                         generations, appending to it\n"
    "  --snapshot-buffers N   frames in flight before computing waits (default 3)\n"
    "\n"
    "SIGTERM, SIGINT, SIGUSR1: finish the current chunk (~0.1 s), write a final\n"
    "frame, exit 3; a second signal stops at once.\n"
    "  -h, --help             show this help\n"
    "\n"
    "An RLE header rule (and Golly suffix :T<w>,<h> torus or :P<w>,<h> plane)\n"
    "sets rule, size and boundary unless given explicitly.\n"
    "Exit codes: 0 success, 1 run-time failure, 2 bad usage or input, 3 stopped by\n"
    "a signal (final frame written when snapshotting).\n";

/* Copies the rows of a pattern placed at (x, y) in a width x height grid
 * that fall into g, which holds rows row0.. of it (an MPI rank's slab). */
static int place_rows(corun_life_cells_t *g, const corun_life_cells_t *pat, int64_t x, int64_t y,
                      int64_t height, int64_t row0, corun_err_t *err) {
    if (x < 0 || y < 0 || pat->width > g->width || pat->height > height ||
        x > g->width - pat->width || y > height - pat->height)
        return corun_err_set(err, CORUN_ERANGE,
                             "the %lldx%lld pattern placed at %lld,%lld does not fit in the "
                             "%lldx%lld grid",
                             (long long)pat->width, (long long)pat->height, (long long)x,
                             (long long)y, (long long)g->width, (long long)height);
    for (int64_t r = 0; r < pat->height; r++) {
        int64_t gy = y + r - row0;
        if (gy >= 0 && gy < g->height)
            memcpy(corun_life_cell(g, x, gy), pat->cells + r * pat->width, (size_t)pat->width);
    }
    return 0;
}

/* Sets up the initial grid from o->init; pattern headers fill in rule, size
 * and boundary that the user did not give. With `ranks` > 1, g gets only the
 * rows of this rank's slab (corun_life_slab_rows). */
static int make_initial(life_opts_t *o, const corun_life_backend_t *be, int rank, int ranks,
                        corun_life_cells_t *g, corun_err_t *err) {
    /* Bytes per cell the whole run holds: this byte grid plus the backend's
     * two generations (bytes for serial, bits + tile flags for omp). */
    double bpc = strcmp(be->name, "serial") ? 1.3 : 3.0;
    corun_life_pattern_t pat;
    int random = !strncmp(o->init, "random:", 7), rc = 0;
    double density = 0;
    uint64_t seed = 0;
    if (random) {
        char *spec = o->init + 7, *colon = strchr(spec, ':');
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
    } else {
        rc = corun_life_pattern_load(o->init, &pat, err);
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
    }
    int64_t row0 = 0, rows = o->height;
    if (ranks > 1) {
        if (ranks > o->height)
            rc = corun_err_set(err, CORUN_EINVAL,
                               "%d MPI ranks for a grid of %lld rows: each rank needs at least "
                               "one row (use at most %lld ranks)",
                               ranks, (long long)o->height, (long long)o->height);
        corun_life_slab_rows(o->height, rank, ranks, &row0, &rows);
    }
    if (!rc) rc = corun_life_check_size(o->width, rows, bpc, err);
    if (!rc) rc = corun_life_cells_init(g, o->width, rows, err);
    if (!rc && random) corun_life_cells_fill_random_rows(g, density, seed, row0);
    if (!rc && !random)
        rc = ranks > 1 ? place_rows(g, &pat.cells, o->at_x, o->at_y, o->height, row0, err)
                       : corun_life_pattern_place(g, &pat.cells, o->at_x, o->at_y, err);
    if (!random) {
        if (rc) corun_err_prefix(err, "init %s", o->init);
        corun_life_pattern_close(&pat);
    }
    return rc;
}

/* Fills the snapshot file's metadata from the options. */
static void fill_meta(const life_opts_t *o, const corun_life_backend_t *be, const char *cmdline,
                      const char *config, corun_h5_meta_t *m) {
    memset(m, 0, sizeof *m);
    m->width = o->width;
    m->height = o->height;
    m->rule = o->rule;
    m->boundary = o->boundary;
    m->format = o->snapshot_bytes ? CORUN_H5_BYTES : CORUN_H5_BITS;
    corun_h5_codec_parse(o->compress, &m->codec, &m->level, NULL); /* validated by life_opts */
    m->snapshot_every = o->snapshot_every;
    m->swmr = o->swmr;
    snprintf(m->backend, sizeof m->backend, "%s", be->name);
    m->threads = strcmp(be->name, "serial") ? (o->threads ? o->threads : corun_default_threads()) : 1;
    if (gethostname(m->host, sizeof m->host) != 0) snprintf(m->host, sizeof m->host, "unknown");
    m->host[sizeof m->host - 1] = '\0';
    m->config_text = config;
    m->command_line = cmdline;
}

static char *join_argv(int argc, char **argv) {
    size_t n = 16;
    for (int i = 0; i < argc; i++) n += strlen(argv[i]) + 1;
    char *s = malloc(n);
    if (!s) return NULL;
    snprintf(s, n, "corun");
    for (int i = 0; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

/* --restart: the run's size, rule and boundary come from the file; flags that
 * contradict it are an error rather than silently ignored. */
static int adopt_restart_meta(life_opts_t *o, const corun_h5_meta_t *m, corun_err_t *err) {
    char a[32], b[32];
    corun_life_rule_format(o->rule, a, sizeof a);
    corun_life_rule_format(m->rule, b, sizeof b);
    if (o->has_size && (o->width != m->width || o->height != m->height))
        return corun_err_set(err, CORUN_EINVAL,
                             "restart %s: --size %lldx%lld contradicts the file's %lldx%lld",
                             o->restart, (long long)o->width, (long long)o->height,
                             (long long)m->width, (long long)m->height);
    if (o->has_rule && strcmp(a, b))
        return corun_err_set(err, CORUN_EINVAL, "restart %s: --rule %s contradicts the file's %s",
                             o->restart, a, b);
    if (o->has_boundary && o->boundary != m->boundary)
        return corun_err_set(err, CORUN_EINVAL,
                             "restart %s: --boundary %s contradicts the file's %s", o->restart,
                             corun_life_boundary_name(o->boundary),
                             corun_life_boundary_name(m->boundary));
    /* The file's snapshot_every describes all of its frames (and restart
     * checks them against it): a new interval would make it false. */
    if (o->has_snapshot_every && o->snapshot_every != m->snapshot_every)
        return corun_err_set(err, CORUN_EINVAL,
                             "restart %s: --snapshot-every %lld contradicts the file's "
                             "snapshot_every %lld (leave it out to continue with %lld)",
                             o->restart, (long long)o->snapshot_every,
                             (long long)m->snapshot_every, (long long)m->snapshot_every);
    o->width = m->width;
    o->height = m->height;
    o->rule = m->rule;
    o->boundary = m->boundary;
    o->snapshot_every = m->snapshot_every;
    return 0;
}

/* One set-up outcome for the whole job. Under MPI the ranks agree on it
 * (the largest exit code) and only the first failing rank prints its
 * message; otherwise the message is printed here. Returns the exit code
 * (0: go on). */
static int setup_result(int team, int code, const corun_err_t *err) {
    int first = 0;
    if (team) code = corun_life_mpi_agree_code(code, &first);
    if (code && first == corun_mpi_rank() && err->msg[0]) cli_error("life: %s", err->msg);
    return code;
}

/* Under MPI, once the grid's size is known: options that need one process
 * and a halo no slab can hold (the same answer on every rank). */
static int check_team(const life_opts_t *o, int ranks, corun_err_t *err) {
    if (ranks > 1 && o->print)
        return corun_err_set(err, CORUN_EINVAL,
                             "--print needs one rank; with %d use --write-rle to get the grid",
                             ranks);
    if (o->halo > o->height / ranks)
        return corun_err_set(err, CORUN_EINVAL,
                             "--halo %d: deeper than the smallest slab (%lld rows: %lld rows over "
                             "%d rank%s); use at most %lld",
                             o->halo, (long long)(o->height / ranks),
                             (long long)o->height, ranks, ranks == 1 ? "" : "s",
                             (long long)(o->height / ranks));
    return 0;
}

int cmd_life(int argc, char **argv) {
    life_opts_t o;
    life_opts_defaults(&o);
    int help = 0, rc = life_opts_parse_args(argc, argv, &o, &help);
    if (rc) return rc;
    if (help) {
        if (corun_mpi_rank() == 0) fputs(life_usage, stdout);
        return CORUN_EXIT_OK;
    }
    corun_err_t err = {0};
    /* team: this process is one rank of an MPI job and steps a slab. */
    const int team = corun_mpi_active(), rank = corun_mpi_rank(), ranks = corun_mpi_size();
    if (team && corun_life_mpi_begin(&err)) {
        cli_error("life: %s", err.msg);
        return CORUN_EXIT_FAILURE;
    }
    int local_rank = 0, node_ranks = team ? corun_life_mpi_node_ranks(&local_rank) : 1;
    /* Ranks sharing a node share its cores: without --threads, and when the
     * default would be all the cores this process sees (not OMP_NUM_THREADS
     * or the Slurm allocation), each rank takes its part. Under mpirun's
     * default binding a rank already sees only its own core. */
    if (node_ranks > 1 && !o.threads && !strcmp(corun_default_threads_source(), "cores")) {
        o.threads = corun_default_threads() / node_ranks;
        if (o.threads < 1) o.threads = 1;
    }
    corun_life_cells_t grid = {0};
    corun_snap_t *snap = NULL;
    void *st = NULL;
    int64_t start_gen = 0;
    char *cmdline = join_argv(argc, argv), config[4096];
    int exit_code = CORUN_EXIT_OK, code = 0;
    const corun_life_backend_t *be = corun_life_backend_find(o.backend, &err);
    if (!be) {
        code = CORUN_EXIT_USAGE;
    } else if (o.restart[0] && o.out[0] && strcmp(o.out, o.restart)) {
        corun_err_set(&err, CORUN_EINVAL, "--restart appends to %s; --out %s names another file",
                      o.restart, o.out);
        code = CORUN_EXIT_USAGE;
    } else if (o.print && (o.out[0] || o.restart[0])) {
        corun_err_set(&err, CORUN_EINVAL, "--print cannot be combined with --out or --restart");
        code = CORUN_EXIT_USAGE;
    } else if (o.out[0] && !o.restart[0]) {
        corun_h5_codec_t codec;
        int level;
        if (corun_h5_codec_parse(o.compress, &codec, &level, &err) ||
            !corun_h5_codec_available(codec, &err))
            code = CORUN_EXIT_USAGE;
    }
    if ((exit_code = setup_result(team, code, &err))) goto out;
    /* This rank's rows (all of them in one process) and, under MPI, its part
     * of the snapshot file. */
    int64_t row0 = 0, rows = 0;
    corun_h5_par_t par = {0, 0, team};
    if (o.restart[0]) {
        corun_snap_config_t sc = {0};
        sc.path = o.restart;
        sc.restart = 1;
        sc.buffers = o.snapshot_buffers;
        if (team) { /* the slabs follow the file's height */
            corun_h5_meta_t m;
            int64_t last;
            if (corun_h5_read_meta(o.restart, &m, &last, &err)) {
                code = CORUN_EXIT_USAGE;
            } else if (ranks > m.height) {
                corun_err_set(&err, CORUN_EINVAL,
                              "%d MPI ranks for a grid of %lld rows: each rank needs at least "
                              "one row (use at most %lld ranks)",
                              ranks, (long long)m.height, (long long)m.height);
                code = CORUN_EXIT_USAGE;
            } else {
                corun_life_slab_rows(m.height, rank, ranks, &row0, &rows);
                par = (corun_h5_par_t){row0, rows, 1};
            }
            if ((exit_code = setup_result(team, code, &err))) goto out;
            sc.par = par;
        }
        if (corun_snap_open(&sc, &snap, &start_gen, &err) ||
            adopt_restart_meta(&o, &sc.meta, &err) ||
            corun_life_check_size(o.width, team ? rows : o.height,
                                  strcmp(be->name, "serial") ? 1.3 : 3.0, &err) ||
            corun_life_cells_init(&grid, o.width, team ? rows : o.height, &err)) {
            /* (a file in use by another run is not bad input: exit 1) */
            code = err.code == CORUN_EBUSY ? CORUN_EXIT_FAILURE : CORUN_EXIT_USAGE;
        } else {
            uint64_t *w = malloc((size_t)(corun_life_words_per_row(o.width) * grid.height) * 8);
            if (!w) corun_err_set(&err, CORUN_ENOMEM, "out of memory");
            if (!w || corun_snap_restart_frame(snap, w, &err)) code = CORUN_EXIT_FAILURE;
            else corun_life_unpack(w, &grid);
            free(w);
        }
    } else if (make_initial(&o, be, rank, ranks, &grid, &err)) {
        code = CORUN_EXIT_USAGE;
    } else if (team) {
        corun_life_slab_rows(o.height, rank, ranks, &row0, &rows);
        par = (corun_h5_par_t){row0, rows, 1};
    }
    if (!code && team && check_team(&o, ranks, &err)) code = CORUN_EXIT_USAGE;
    if ((exit_code = setup_result(team, code, &err))) goto out;
    if (o.print && ((double)(o.steps + 1) * (double)(grid.width * grid.height) > 64e6)) {
        corun_err_set(&err, CORUN_EINVAL,
                      "--print keeps every generation in memory; %lldx%lld for %lld steps "
                      "is too large (use a smaller grid or fewer steps)",
                      (long long)grid.width, (long long)grid.height, (long long)o.steps);
        exit_code = setup_result(team, CORUN_EXIT_USAGE, &err);
        goto out;
    }
    if (o.out[0] && !o.restart[0]) {
        corun_snap_config_t sc = {0};
        sc.path = o.out;
        sc.force = o.force;
        sc.buffers = o.snapshot_buffers;
        sc.par = par;
        life_opts_to_ini(&o, config, sizeof config);
        fill_meta(&o, be, cmdline ? cmdline : "corun life", config, &sc.meta);
        if (corun_snap_open(&sc, &snap, &start_gen, &err))
            code = err.code == CORUN_EINVAL ? CORUN_EXIT_USAGE : CORUN_EXIT_FAILURE;
        if ((exit_code = setup_result(team, code, &err))) goto out;
    }
    /* The stepping state: the node backend itself, or under MPI the slab
     * that steps this rank's rows with it. */
    corun_life_params_t p = {.rule = o.rule, .boundary = o.boundary, .threads = o.threads,
                             .skip_stable = o.skip_stable, .device = o.device};
    const corun_life_backend_t *stepper = be;
    if (team) {
        /* One GPU per rank: the node's ranks take the visible devices in
         * turn (with one device per task, as Slurm's --gpus-per-task sets
         * CUDA_VISIBLE_DEVICES, that is device 0 everywhere). */
        if (!strcmp(be->name, "cuda") && o.device < 0) {
            corun_cuda_device_t devs[64];
            int n = corun_cuda_devices(devs, 64, NULL);
            if (n > 0) p.device = o.device = local_rank % n;
        }
        corun_life_slab_cfg_t cfg = {be, o.width, o.height, o.halo, o.halo_overlap};
        stepper = &corun_life_backend_slab;
        rc = corun_life_slab_open(&st, &cfg, &grid, &p, &err);
        if (rc == CORUN_EIO) { /* the first exchange failed: others may wait for it */
            cli_error("life: %s", err.msg);
            corun_mpi_abort(CORUN_EXIT_FAILURE);
        }
        /* A rank that stopped because another failed passes 0: the failing
         * rank is the one that prints. */
        code = rc && rc != CORUN_ECANCELED ? CORUN_EXIT_FAILURE : 0;
        if ((exit_code = setup_result(team, code, &err))) goto out;
    } else if (be->init(&st, &grid, &p, &err)) {
        cli_error("life: %s", err.msg);
        exit_code = CORUN_EXIT_FAILURE;
        goto out;
    }
    life_signals_install();
    life_result_t res;
    rc = life_run(&o, stepper, st, &grid, start_gen, snap, &res, &err);
    corun_h5_stats_t hs = {0};
    if (snap) {
        hs.final_generation = res.generation;
        hs.status = rc ? "failed" : res.interrupted ? "interrupted" : "complete";
        hs.error = rc ? err.msg : NULL;
        corun_err_t cerr = {0};
        int crc = corun_snap_close(snap, &hs, &cerr);
        snap = NULL;
        if (crc && !rc) {
            rc = crc;
            err = cerr;
        }
    }
    if (rc) {
        cli_error("life: %s", err.msg);
        if (team) corun_mpi_abort(CORUN_EXIT_FAILURE); /* the others may wait for this rank */
        exit_code = CORUN_EXIT_FAILURE;
        goto out;
    }
    int64_t population;
    uint64_t hash;
    char mpi_info[160] = "";
    if (team) {
        corun_life_slab_info_t info;
        corun_life_slab_info(st, &info);
        double halo_max = 0, wait_max = 0;
        corun_life_cells_t full = {0};
        rc = corun_life_slab_summary(st, &grid, &population, &hash, &err);
        if (!rc) rc = corun_life_slab_max(st, info.halo_seconds, &halo_max, &err);
        if (!rc) rc = corun_life_slab_max(st, info.wait_seconds, &wait_max, &err);
        if (rc) { /* an MPI failure: the others may be inside a collective */
            cli_error("life: %s", err.msg);
            corun_mpi_abort(CORUN_EXIT_FAILURE);
        }
        /* The gather's failures (too large, rank 0 out of memory) are known
         * to every rank; rank 0 writes the file. */
        if (o.write_rle[0]) rc = corun_life_slab_gather(st, &grid, &full, &err);
        if (!rc && rank == 0 && o.write_rle[0])
            rc = corun_life_rle_save(o.write_rle, &full, o.rule, o.boundary, &err);
        corun_life_cells_close(&full);
        if ((exit_code = setup_result(team, rc ? CORUN_EXIT_FAILURE : 0, &err))) goto out;
        snprintf(mpi_info, sizeof mpi_info,
                 " ranks=%d halo=%d halo_overlap=%s halo_seconds=%.6f wait_seconds=%.6f",
                 info.ranks, info.halo, info.overlap ? "on" : "off", halo_max, wait_max);
    } else {
        if (o.write_rle[0] && corun_life_rle_save(o.write_rle, &grid, o.rule, o.boundary, &err)) {
            cli_error("life: %s", err.msg);
            exit_code = CORUN_EXIT_FAILURE;
            goto out;
        }
        population = corun_life_cells_population(&grid);
        hash = corun_life_cells_hash(&grid);
    }
    char rule[32], io[160] = "";
    corun_life_rule_format(o.rule, rule, sizeof rule);
    int threads = strcmp(be->name, "serial") ? (o.threads ? o.threads : corun_default_threads()) : 1;
    int64_t steps = res.generation - start_gen;
    double updates = (double)o.width * (double)o.height * (double)steps;
    if (o.out[0] || o.restart[0])
        snprintf(io, sizeof io, " generation=%lld io_seconds=%.6f stall_seconds=%.6f overlap=%.3f",
                 (long long)res.generation, hs.io_seconds, hs.stall_seconds, hs.overlap);
    if (rank == 0)
        printf("backend=%s threads=%d mode=%s size=%lldx%lld rule=%s boundary=%s steps=%lld "
               "population=%lld hash=%016llx seconds=%.6f cell_updates_per_s=%.4g%s%s%s\n",
               be->name, threads, res.mode, (long long)o.width, (long long)o.height, rule,
               corun_life_boundary_name(o.boundary), (long long)steps, (long long)population,
               (unsigned long long)hash, res.seconds,
               res.seconds > 0 ? updates / res.seconds : 0.0, io, mpi_info,
               res.interrupted ? " status=interrupted" : "");
    if (res.interrupted) {
        if (rank == 0 && life_signal_received())
            fprintf(stderr, "corun: life: stopped by signal %d at generation %lld%s\n",
                    life_signal_received(), (long long)res.generation,
                    snap || o.out[0] || o.restart[0] ? " (final frame written)" : "");
        else if (rank == 0)
            fprintf(stderr, "corun: life: stopped by a signal to another rank at generation "
                    "%lld\n", (long long)res.generation);
        exit_code = CORUN_EXIT_SIGNAL;
    }
out:
    if (snap) {
        corun_h5_stats_t hs2 = {0};
        hs2.status = "failed";
        hs2.error = err.msg;
        corun_snap_close(snap, &hs2, NULL);
    }
    if (st) (team ? &corun_life_backend_slab : be)->fini(st);
    free(cmdline);
    corun_life_cells_close(&grid);
    if (team) corun_life_mpi_end();
    return exit_code;
}
