/* cmd_life.c — `corun life`: options into a run (the plan's decisions, the
 * stepping loop and the grid work live in the library: src/life/plan.c,
 * run.c, grid*.c), signals, and the summary line.
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

#include <signal.h>
#include <sys/resource.h>

#include "cli.h"
#include "cli_signal.h"
#include "corun/cuda.h"
#include "corun/h5io.h"
#include "corun/life_run.h"
#include "corun/mpi.h"
#include "life/omp_tuning.h"
#include "mpi/life_slab.h"
#include "render_cli.h"

static const char life_usage[] =
    "usage: corun life [options]\n"
    "\n"
    "Steps a Life-like cellular automaton and prints a one-line summary:\n"
    "  backend= threads= mode= simd= size= rule= boundary= steps= population= hash=\n"
    "  seconds= cell_updates_per_s= setup_seconds= wall_seconds= peak_rss_bytes=\n"
    "seconds is the stepping loop; setup_seconds from the start to the first\n"
    "generation (parse, allocate, fill or load); wall_seconds the whole process\n"
    "up to the summary; threads the number the backend really used.\n"
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
    "  --skip-stable on|off|auto  omp, cuda: skip tiles that are still or period 2\n"
    "                         (default auto: dense while most of the grid changes,\n"
    "                         skipping once settled; omp from 512x512, cuda from\n"
    "                         8192x8192)\n"
    "  --print                print every generation side by side ('*' alive, '-' empty)\n"
    "  --write-rle FILE       write the final grid as RLE\n"
    "  --write-png FILE       write the final grid as a PNG picture (every cell up to\n"
    "                         1024 a side, else block densities: corun render --help)\n"
    "  --quiet                no progress display\n"
    "  --summary-json FILE    also write the summary as a JSON object (-: stdout,\n"
    "                         instead of the line)\n"
    "  --no-summary           no summary line\n"
    "  --progress-every S     when stderr is not a terminal (batch logs): a progress\n"
    "                         line every S seconds (default 60; 0: none)\n"
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
    "rank; --write-rle and --write-png gather the grid on rank 0.\n"
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
    "  --force                replace an existing --out, --write-rle or --write-png file\n"
    "  --restart FILE.h5      continue from the file's last frame for --steps more\n"
    "                         generations, appending to it\n"
    "  --snapshot-buffers N   frames in flight before computing waits (default 3,\n"
    "                         fewer when three do not fit in memory)\n"
    "\n"
    "SIGTERM, SIGINT, SIGUSR1: finish the current chunk (~0.1 s), write a final\n"
    "frame, exit 3; a second signal stops at once.\n"
    "  -h, --help             show this help\n"
    "\n"
    "An RLE header rule (and Golly suffix :T<w>,<h> torus or :P<w>,<h> plane)\n"
    "sets rule, size and boundary unless given explicitly.\n"
    "Exit codes: 0 success, 1 run-time failure, 2 bad usage or input, 3 stopped by\n"
    "a signal (final frame written when snapshotting).\n";

/* ------------------------------------------------------------ signals */

/* SIGTERM, SIGINT and SIGUSR1 (what Slurm sends before a time limit with
 * --signal) set cli_stop_signal (cli_signal.h): the loop stops after the
 * chunk in progress (~0.1 s), writes a final frame and the program exits
 * CORUN_EXIT_SIGNAL. A second signal ends the process at once (frames
 * already flushed stay readable). */

/* ------------------------------------------------------------ helpers */

/* Fills the snapshot file's metadata from the options. */
static void fill_meta(const life_opts_t *o, const corun_life_backend_t *be, int threads,
                      const char *cmdline, const char *config, corun_h5_meta_t *m) {
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
    m->threads = threads;
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

/* --restart: what the file fixes for all of its frames besides size, rule,
 * boundary and interval: the frame format and compression (a dataset's
 * filters are set when it is made), SWMR mode (a restart appends in normal
 * mode) and the initial grid (the file's last frame). Options that change
 * only how this leg computes (threads, backend, device, buffers, halo,
 * steps) may differ and are recorded in the leg's /runs record. */
static int restart_fixed_options(const life_opts_t *o, const corun_h5_meta_t *m,
                                 corun_err_t *err) {
    const char *file_fmt = m->format == CORUN_H5_BYTES ? "bytes" : "bits";
    if (o->has_snapshot_format && (o->snapshot_bytes != (m->format == CORUN_H5_BYTES)))
        return corun_err_set(err, CORUN_EINVAL,
                             "restart %s: --snapshot-format %s contradicts the file's "
                             "frame_format %s",
                             o->restart, o->snapshot_bytes ? "bytes" : "bits", file_fmt);
    corun_h5_codec_t codec;
    int level;
    if (o->has_compress && corun_h5_codec_parse(o->compress, &codec, &level, err) == 0 &&
        (codec != m->codec || (codec == CORUN_H5_GZIP && level != m->level))) {
        char mine[24];
        if (m->codec == CORUN_H5_GZIP) snprintf(mine, sizeof mine, "gzip:%d", m->level);
        else snprintf(mine, sizeof mine, "%s", m->codec == CORUN_H5_LZ4 ? "lz4" : "none");
        return corun_err_set(err, CORUN_EINVAL,
                             "restart %s: --compress %s contradicts the file's compression %s "
                             "(its frames' filters are fixed)",
                             o->restart, o->compress, mine);
    }
    if (o->has_swmr && o->swmr)
        return corun_err_set(err, CORUN_EINVAL,
                             "restart %s: --swmr contradicts the restart, which appends in "
                             "normal mode (the file's swmr is %d)",
                             o->restart, m->swmr);
    if (o->has_init || o->has_at)
        return corun_err_set(err, CORUN_EINVAL,
                             "restart %s: --%s contradicts the restart, which continues from "
                             "the file's last frame",
                             o->restart, o->has_init ? "init" : "at");
    return 0;
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
    int rc = restart_fixed_options(o, m, err);
    if (rc) return rc;
    o->width = m->width;
    o->height = m->height;
    o->rule = m->rule;
    o->boundary = m->boundary;
    o->snapshot_every = m->snapshot_every;
    o->snapshot_bytes = m->format == CORUN_H5_BYTES;
    if (m->codec == CORUN_H5_GZIP) snprintf(o->compress, sizeof o->compress, "gzip:%d", m->level);
    else snprintf(o->compress, sizeof o->compress, "%s", m->codec == CORUN_H5_LZ4 ? "lz4" : "none");
    return 0;
}

/* A pattern header fills in rule, size and boundary the user did not give. */
static void adopt_pattern(life_opts_t *o, const corun_life_source_t *src) {
    const corun_life_pattern_t *pat = &src->pat;
    if (src->random) return;
    if (pat->has_rule && !o->has_rule) o->rule = pat->rule;
    if (pat->has_bounded) {
        if (!o->has_boundary) o->boundary = pat->boundary;
        if (!o->has_size) {
            o->width = pat->bounded_w;
            o->height = pat->bounded_h;
            o->has_size = 1;
        }
    }
    if (!o->has_size) {
        o->width = pat->cells.width + o->at_x;
        o->height = pat->cells.height + o->at_y;
    }
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

/* A restart that could not open its file: a file in use by another run is
 * not bad input (exit 1), a signal during the read is a stop (exit 3),
 * anything else is the file's fault (exit 2). */
static int restart_open_code(const corun_err_t *err) {
    return err->code == CORUN_EBUSY        ? CORUN_EXIT_FAILURE
           : err->code == CORUN_ECANCELED ? CORUN_EXIT_SIGNAL
                                          : CORUN_EXIT_USAGE;
}

static int usage_or_failure(const corun_err_t *err) {
    return err->code == CORUN_EINVAL || err->code == CORUN_ERANGE || err->code == CORUN_ENOMEM
               ? CORUN_EXIT_USAGE
               : CORUN_EXIT_FAILURE;
}

/* --print: every generation kept and printed side by side (small grids). */
static int print_run(const life_opts_t *o, const corun_life_backend_t *be, void *st,
                     const corun_life_grid_t *g, corun_err_t *err) {
    corun_life_cells_t *frames = calloc((size_t)o->steps + 1, sizeof *frames);
    corun_life_grid_t tmp = {0};
    int rc = frames ? corun_life_grid_init(&tmp, g->width, g->height, err)
                    : corun_err_set(err, CORUN_ENOMEM, "--print: out of memory");
    for (int64_t i = 0; i <= o->steps && !rc; i++) {
        if (i) rc = be->step(st, 1, NULL, err);
        if (!rc) rc = be->get_rows(st, 0, g->height, tmp.words, tmp.stride, err);
        if (!rc) rc = corun_life_cells_init(&frames[i], g->width, g->height, err);
        if (!rc) corun_life_cells_unpack(&tmp, &frames[i]);
    }
    if (!rc) rc = corun_life_print_columns(stdout, frames, (int)o->steps + 1);
    for (int64_t i = 0; frames && i <= o->steps; i++) corun_life_cells_close(&frames[i]);
    free(frames);
    corun_life_grid_close(&tmp);
    return rc;
}

/* The run's output sink: the snapshot file. */
static int snap_sink(void *ctx, int64_t gen, const corun_life_backend_t *be, void *st,
                     int64_t first, const int64_t *pops, int64_t n, corun_err_t *err) {
    return corun_snap_submit(ctx, gen, be, st, first, pops, n, err);
}

static void snap_go(void *ctx) { corun_snap_go(ctx); }
static int snap_busy(void *ctx) { return corun_snap_busy(ctx); }

static int64_t peak_rss_bytes(void) {
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) ? 0 : (int64_t)ru.ru_maxrss * 1024;
}

/* ---------------------------------------------------------------- run */

/* Everything one `corun life` run holds. The phases below fill it in order;
 * each returns an exit code (0: go on), agreed between the ranks of a team
 * (setup_result), so cmd_life() reads as the list of phases. */
typedef struct life_job {
    life_opts_t o;
    corun_err_t err;
    int team, rank, ranks, local_rank;
    int threads; /* what the set-up and finish loops use */
    const corun_life_backend_t *be;      /* the node backend (--backend) */
    const corun_life_backend_t *stepper; /* be, or under MPI the slab over it */
    corun_life_team_t tm;
    corun_life_source_t src;
    int have_src;
    corun_snap_config_t sc;
    corun_snap_t *snap;
    corun_life_slab_cfg_t scfg;
    int64_t start_gen, row0, rows, top, bot; /* own rows: global row0.., grid rows top.. */
    int64_t pop0;
    corun_life_grid_t grid; /* own rows plus halo rows (none in one process) */
    void *st;
    corun_life_info_t info;
    char *cmdline, config[4096];
    double setup_seconds;
    double snap_close_seconds; /* corun_snap_close: the wait for the writer, the final metadata */
} life_job_t;

static corun_life_grid_t own_rows(const life_job_t *j) {
    return corun_life_grid_rows(&j->grid, j->top, j->rows);
}

/* The restart leg's own provenance (command line, effective options,
 * backend, threads, host), recorded in the file's /runs: the options that
 * may differ from leg to leg (docs/CLI.md) are told there. */
static int restart_leg(life_job_t *j) {
    corun_h5_meta_t leg;
    life_opts_to_ini(&j->o, j->config, sizeof j->config);
    fill_meta(&j->o, j->be, j->threads, j->cmdline ? j->cmdline : "corun life", j->config, &leg);
    return corun_snap_leg(j->snap, &leg, &j->err);
}

/* The team, the threads, and the option combinations that cannot work. */
static int job_begin(life_job_t *j) {
    life_opts_t *o = &j->o;
    int code = 0;
    j->team = corun_mpi_active();
    j->rank = corun_mpi_rank();
    j->ranks = corun_mpi_size();
    if (j->team && corun_life_mpi_begin(&j->err)) {
        cli_error("life: %s", j->err.msg);
        return CORUN_EXIT_FAILURE;
    }
    int node_ranks = j->team ? corun_life_mpi_node_ranks(&j->local_rank) : 1;
    /* Ranks sharing a node share its cores: without --threads, and when the
     * default would be all the cores this process sees (not OMP_NUM_THREADS
     * or the Slurm allocation), each rank takes its part. Under mpirun's
     * default binding a rank already sees only its own core. */
    if (node_ranks > 1 && !o->threads && !strcmp(corun_default_threads_source(), "cores")) {
        o->threads = corun_default_threads() / node_ranks;
        if (o->threads < 1) o->threads = 1;
    }
    j->threads = o->threads ? o->threads : corun_default_threads();
    j->be = j->stepper = corun_life_backend_find(o->backend, &j->err);
    if (!j->be) {
        code = CORUN_EXIT_USAGE;
    } else if (o->restart[0] && o->out[0] && strcmp(o->out, o->restart)) {
        corun_err_set(&j->err, CORUN_EINVAL,
                      "--restart appends to %s; --out %s names another file", o->restart, o->out);
        code = CORUN_EXIT_USAGE;
    } else if (o->write_rle[0] && !o->force && access(o->write_rle, F_OK) == 0) {
        /* The overwrite rule of every output, checked before any work. */
        corun_err_set(&j->err, CORUN_EINVAL, "--write-rle %s exists (use --force to replace it)",
                      o->write_rle);
        code = CORUN_EXIT_USAGE;
    } else if (o->write_png[0] && !o->force && access(o->write_png, F_OK) == 0) {
        corun_err_set(&j->err, CORUN_EINVAL, "--write-png %s exists (use --force to replace it)",
                      o->write_png);
        code = CORUN_EXIT_USAGE;
    } else if (o->write_png[0] && render_available(&j->err)) {
        corun_err_prefix(&j->err, "--write-png %s", o->write_png);
        code = CORUN_EXIT_USAGE;
    } else if (o->print && (o->out[0] || o->restart[0])) {
        corun_err_set(&j->err, CORUN_EINVAL, "--print cannot be combined with --out or --restart");
        code = CORUN_EXIT_USAGE;
    } else if (o->print && j->ranks > 1) {
        corun_err_set(&j->err, CORUN_EINVAL,
                      "--print needs one rank; with %d use --write-rle to get the grid", j->ranks);
        code = CORUN_EXIT_USAGE;
    } else if (o->out[0] && !o->restart[0]) {
        corun_h5_codec_t codec;
        int level;
        if (corun_h5_codec_parse(o->compress, &codec, &level, &j->err) ||
            !corun_h5_codec_available(codec, &j->err))
            code = CORUN_EXIT_USAGE;
    }
    if (!code && j->team && corun_life_mpi_team(&j->tm, &j->err)) code = CORUN_EXIT_FAILURE;
    return setup_result(j->team, code, &j->err);
}

/* The grid's size (from the restart file, or the options and the pattern's
 * header), this rank's rows, and whether it all fits in memory. */
static int job_size(life_job_t *j) {
    life_opts_t *o = &j->o;
    int code = 0;
    if (o->restart[0]) {
        /* One process opens (and locks) the file now: a file another run
         * writes is refused as busy before anything is read. A team's
         * slabs follow the file's height, so the ranks read it first and
         * open it together once each knows its rows (job_grid). */
        corun_h5_meta_t m;
        int64_t last;
        j->sc.path = o->restart;
        j->sc.restart = 1;
        j->sc.buffers = o->snapshot_buffers;
        j->sc.progress = !o->quiet && isatty(2) && j->rank == 0;
        j->sc.stop = &cli_stop_signal;
        if (!j->team && corun_snap_open(&j->sc, &j->snap, &j->start_gen, &j->err))
            code = restart_open_code(&j->err);
        else if (!j->team)
            m = j->sc.meta;
        else if (corun_h5_read_meta(o->restart, &m, &last, &j->err))
            code = CORUN_EXIT_USAGE;
        if (!code && adopt_restart_meta(o, &m, &j->err)) code = CORUN_EXIT_USAGE;
    } else if (corun_life_source_open(o->init, o->at_x, o->at_y, &j->src, &j->err)) {
        code = CORUN_EXIT_USAGE;
    } else {
        j->have_src = 1;
        adopt_pattern(o, &j->src);
    }
    if (!code && o->print && (double)(o->steps + 1) * (double)o->width * (double)o->height > 64e6) {
        corun_err_set(&j->err, CORUN_EINVAL,
                      "--print keeps every generation in memory; %lldx%lld for %lld steps "
                      "is too large (use a smaller grid or fewer steps)",
                      (long long)o->width, (long long)o->height, (long long)o->steps);
        code = CORUN_EXIT_USAGE;
    }
    j->rows = o->height;
    if (!code && j->team) {
        corun_life_slab_layout_t lay;
        j->scfg = (corun_life_slab_cfg_t){.node = j->be, .width = o->width,
                                          .height = o->height, .rank = j->rank,
                                          .size = j->ranks, .halo = o->halo,
                                          .overlap = o->halo_overlap};
        if (corun_life_slab_layout(&j->scfg, o->boundary, &lay, &j->err)) {
            code = CORUN_EXIT_USAGE;
        } else {
            j->row0 = lay.row0;
            j->rows = lay.rows;
            j->top = lay.top;
            j->bot = lay.bot;
            j->stepper = &corun_life_backend_slab;
        }
    }
    if (!code) {
        const int64_t held = j->top + j->rows + j->bot;
        const int snapshots = o->out[0] || o->restart[0];
        if (snapshots && !o->has_snapshot_buffers)
            o->snapshot_buffers =
                corun_life_memory_frames(j->be, o->width, held, o->snapshot_buffers);
        if (corun_life_memory_check(j->be, o->width, o->height, held,
                                    snapshots ? o->snapshot_buffers : 0, &j->err))
            code = CORUN_EXIT_USAGE;
    }
    return setup_result(j->team, code, &j->err);
}

/* The grid with its initial cells (the file's last frame, a random fill or a
 * pattern) and a new output file. */
static int job_grid(life_job_t *j) {
    life_opts_t *o = &j->o;
    corun_h5_par_t par = {j->row0, j->team ? j->rows : 0, j->team};
    int code = corun_life_grid_init(&j->grid, o->width, j->top + j->rows + j->bot, &j->err)
                   ? CORUN_EXIT_FAILURE
                   : 0;
    corun_life_grid_t own = own_rows(j);
    if (code) {
        /* agreed below */
    } else if (o->restart[0]) {
        j->sc.par = par;
        if (j->team && corun_snap_open(&j->sc, &j->snap, &j->start_gen, &j->err))
            code = restart_open_code(&j->err);
        else if (corun_snap_restart_frame(j->snap, &own, &j->err) || restart_leg(j))
            code = CORUN_EXIT_FAILURE;
    } else if (corun_life_source_fill(&j->src, &own, j->row0, o->height, j->threads,
                                      !o->quiet && isatty(2) && j->rank == 0, &j->err)) {
        corun_err_prefix(&j->err, "init %s", o->init);
        code = CORUN_EXIT_USAGE;
    }
    if ((code = setup_result(j->team, code, &j->err)) || !o->out[0] || o->restart[0])
        return code;
    j->pop0 = corun_life_grid_population(&own, j->threads);
    if (j->team && j->tm.sum(j->tm.ctx, j->pop0, &j->pop0, &j->err))
        corun_mpi_abort(CORUN_EXIT_FAILURE);
    j->sc.path = o->out;
    j->sc.force = o->force;
    j->sc.buffers = o->snapshot_buffers;
    j->sc.par = par;
    life_opts_to_ini(o, j->config, sizeof j->config);
    fill_meta(o, j->be, j->threads, j->cmdline ? j->cmdline : "corun life", j->config,
              &j->sc.meta);
    if (corun_snap_open(&j->sc, &j->snap, &j->start_gen, &j->err))
        code = usage_or_failure(&j->err);
    return setup_result(j->team, code, &j->err);
}

/* The stepping state: the node backend itself, or under MPI the slab that
 * steps this rank's rows with it. */
static int job_open(life_job_t *j) {
    life_opts_t *o = &j->o;
    corun_life_omp_tuning_t omp_tuning;
    corun_life_params_t p = {.rule = o->rule, .boundary = o->boundary, .threads = o->threads,
                             .skip_stable = o->skip_stable, .device = o->device,
                             .omp_tuning = cli_omp_tuning(&omp_tuning)};
    if (!j->team) {
        if (!j->be->open(&j->st, &j->grid, &p, &j->err)) return 0;
        cli_error("life: %s", j->err.msg);
        return CORUN_EXIT_FAILURE;
    }
    /* One GPU per rank: the node's ranks take the visible devices in turn
     * (with one device per task, as Slurm's --gpus-per-task sets
     * CUDA_VISIBLE_DEVICES, that is device 0 everywhere). */
    if (!strcmp(j->be->name, "cuda") && o->device < 0) {
        corun_cuda_device_t devs[64];
        int n = corun_cuda_devices(devs, 64, NULL);
        if (n > 0) p.device = o->device = j->local_rank % n;
    }
    p.slab = &j->scfg;
    int rc = j->stepper->open(&j->st, &j->grid, &p, &j->err);
    if (rc == CORUN_EIO) { /* the first exchange failed: others may wait for it */
        cli_error("life: %s", j->err.msg);
        corun_mpi_abort(CORUN_EXIT_FAILURE);
    }
    /* A rank that stopped because another failed passes 0: the failing rank
     * is the one that prints. */
    return setup_result(j->team, rc && rc != CORUN_ECANCELED ? CORUN_EXIT_FAILURE : 0, &j->err);
}

/* Steps (or prints) the generations asked for. */
static int job_step(life_job_t *j, corun_life_run_result_t *res) {
    life_opts_t *o = &j->o;
    if (o->print) {
        double t0 = corun_now();
        int rc = print_run(o, j->be, j->st, &j->grid, &j->err);
        res->generation = o->steps;
        res->seconds = corun_now() - t0;
        return rc;
    }
    corun_life_run_cfg_t cfg = {
        .start_gen = j->start_gen,
        .steps = o->steps,
        .snapshot_every = o->snapshot_every,
        .frame0 = j->snap && !o->restart[0],
        .pop0 = j->pop0,
        .cells = o->width * o->height,
        .progress = o->quiet                 ? CORUN_LIFE_PROGRESS_NONE
                    : isatty(2)              ? CORUN_LIFE_PROGRESS_TERMINAL
                    : o->progress_every > 0 ? CORUN_LIFE_PROGRESS_LOG
                                             : CORUN_LIFE_PROGRESS_NONE,
        .progress_every = o->progress_every,
        .stop = &cli_stop_signal,
    };
    corun_life_sink_t sink = {j->snap, snap_sink, snap_go, snap_busy};
    return corun_life_run(&cfg, j->stepper, j->st, j->snap ? &sink : NULL,
                          j->team ? &j->tm : NULL, res, &j->err);
}

/* Closes the backend (the final generation back in the grid) and the file;
 * the first error wins. */
static int job_close(life_job_t *j, int rc, const corun_life_run_result_t *res,
                     corun_h5_stats_t *hs) {
    corun_err_t cerr = {0};
    int crc = j->stepper->close(j->st, &cerr);
    j->st = NULL;
    if (crc && !rc) {
        rc = crc;
        j->err = cerr;
    }
    if (j->snap) {
        hs->final_generation = res->generation;
        hs->status = rc ? "failed" : res->interrupted ? "interrupted" : "complete";
        hs->error = rc ? j->err.msg : NULL;
        double c0 = corun_now();
        crc = corun_snap_close(j->snap, hs, &cerr);
        j->snap_close_seconds = corun_now() - c0;
        j->snap = NULL;
        if (crc && !rc) {
            rc = crc;
            j->err = cerr;
        }
    }
    return rc;
}

/* --write-png: the picture corun render makes of a frame (the same size
 * rule); --force was applied before the run. */
static int write_png(const life_opts_t *o, const corun_life_grid_t *g, corun_err_t *err) {
    const render_scale_t automatic = {0, 0};
    return render_grid_png(o->write_png, 1, g, &automatic, err);
}

/* The final grid's population and hash (global ones under MPI),
 * --write-rle and --write-png. */
static int job_result(life_job_t *j, int64_t *population, uint64_t *hash) {
    life_opts_t *o = &j->o;
    corun_life_grid_t own = own_rows(j); /* close may have handed over new memory */
    *population = corun_life_grid_population(&own, j->threads);
    if (!j->team) {
        *hash = corun_life_grid_hash(&own, j->threads);
        if ((!o->write_rle[0] ||
             !corun_life_rle_save(o->write_rle, &own, o->rule, o->boundary, &j->err)) &&
            (!o->write_png[0] || !write_png(o, &own, &j->err)))
            return 0;
        cli_error("life: %s", j->err.msg);
        return CORUN_EXIT_FAILURE;
    }
    corun_life_fnv_map_t mine = corun_life_grid_hash_map(&own, j->threads);
    int rc = j->tm.sum(j->tm.ctx, *population, population, &j->err);
    if (!rc) rc = j->tm.hash(j->tm.ctx, mine, hash, &j->err);
    if (rc) { /* an MPI failure: the others may be inside a collective */
        cli_error("life: %s", j->err.msg);
        corun_mpi_abort(CORUN_EXIT_FAILURE);
    }
    /* The gather's failures (too large, rank 0 out of memory) are known to
     * every rank; rank 0 writes the file. */
    corun_life_grid_t full = {0};
    if (o->write_rle[0] || o->write_png[0])
        rc = corun_life_slab_gather(&own, j->row0, o->height, &full, &j->err);
    if (!rc && j->rank == 0 && o->write_rle[0])
        rc = corun_life_rle_save(o->write_rle, &full, o->rule, o->boundary, &j->err);
    if (!rc && j->rank == 0 && o->write_png[0]) rc = write_png(o, &full, &j->err);
    corun_life_grid_close(&full);
    return setup_result(j->team, rc ? CORUN_EXIT_FAILURE : 0, &j->err);
}

/* Prints the summary; non-zero if its JSON file could not be written. */
static int job_summary(life_job_t *j, const corun_life_run_result_t *res,
                       const corun_h5_stats_t *hs, const char *mpi_info, int64_t population,
                       uint64_t hash) {
    int summary_rc = 0;
    const life_opts_t *o = &j->o;
    char rule[32], io[256] = "";
    corun_life_rule_format(o->rule, rule, sizeof rule);
    int64_t steps = res->generation - j->start_gen;
    double updates = (double)o->width * (double)o->height * (double)steps;
    if (o->out[0] || o->restart[0]) {
        int n = snprintf(io, sizeof io,
                         " generation=%lld frames=%lld io_seconds=%.6f io_cpu_seconds=%.6f "
                         "stall_seconds=%.6f overlap=%.3f",
                         (long long)res->generation, (long long)hs->frames, hs->io_seconds,
                         hs->io_cpu_seconds, hs->stall_seconds, hs->overlap);
        /* What output costs the user: the loop and the close's wait for the
         * writer, against the same generations at the no-output rate (the
         * chunks stepped while the writer was idle; docs/CLI.md). */
        if (res->clean_generations > 0 && steps > 0 && n > 0 && (size_t)n < sizeof io) {
            double bare = (double)steps * res->clean_seconds / (double)res->clean_generations;
            double extra = res->seconds + j->snap_close_seconds - bare;
            snprintf(io + n, sizeof io - (size_t)n, " output_overhead=%.3f",
                     bare > 0 && extra > 0 ? extra / bare : 0.0);
        }
    }
    if (j->rank == 0)
        summary_rc = cli_summary(
               "life", o->summary.json, o->summary.off ? NULL : stdout,
               "backend=%s threads=%d mode=%s simd=%s size=%lldx%lld rule=%s boundary=%s "
               "steps=%lld population=%lld hash=%016llx seconds=%.6f cell_updates_per_s=%.4g "
               "setup_seconds=%.6f wall_seconds=%.6f peak_rss_bytes=%lld%s%s%s\n",
               j->be->name, j->info.threads, j->info.mode, j->info.simd, (long long)o->width,
               (long long)o->height, rule, corun_life_boundary_name(o->boundary),
               (long long)steps, (long long)population, (unsigned long long)hash, res->seconds,
               res->seconds > 0 ? updates / res->seconds : 0.0, j->setup_seconds,
               corun_now() - cli_start_time, (long long)peak_rss_bytes(), io, mpi_info,
               res->interrupted ? " status=interrupted" : "");
    if (!res->interrupted || j->rank != 0) return summary_rc;
    if (cli_stop_signal)
        fprintf(stderr, "corun: life: stopped by signal %d at generation %lld%s\n",
                (int)cli_stop_signal, (long long)res->generation,
                o->out[0] || o->restart[0] ? " (final frame written)" : "");
    else
        fprintf(stderr, "corun: life: stopped by a signal to another rank at generation %lld\n",
                (long long)res->generation);
    return summary_rc;
}

static void job_free(life_job_t *j) {
    if (j->st) j->stepper->close(j->st, NULL);
    if (j->snap) {
        corun_h5_stats_t hs = {0};
        hs.status = "failed";
        hs.error = j->err.msg;
        corun_snap_close(j->snap, &hs, NULL);
    }
    if (j->have_src) corun_life_source_close(&j->src);
    free(j->cmdline);
    corun_life_grid_close(&j->grid);
    if (j->team) corun_life_mpi_end();
}

int cmd_life(int argc, char **argv) {
    static life_job_t job; /* large (paths, config text): not on the stack */
    life_job_t *j = &job;
    memset(j, 0, sizeof *j);
    life_opts_defaults(&j->o);
    int help = 0, code = life_opts_parse_args(argc, argv, &j->o, &help);
    if (code) return code;
    if (help) {
        if (corun_mpi_rank() == 0) fputs(life_usage, stdout);
        return CORUN_EXIT_OK;
    }
    j->cmdline = join_argv(argc, argv);
    /* A restart's read of the last frame honours a stop request (the read
     * checks the flag between pieces of rows). */
    if (j->o.restart[0]) cli_stop_signals_install();
    if ((code = job_begin(j)) || (code = job_size(j)) || (code = job_grid(j)) ||
        (code = job_open(j))) {
        job_free(j);
        return code;
    }
    j->stepper->info(j->st, &j->info);
    j->setup_seconds = corun_now() - cli_start_time;
    cli_stop_signals_install();
    corun_life_run_result_t res = {0};
    int rc = job_step(j, &res);
    char mpi_info[160] = "";
    if (j->team) { /* the slowest rank's halo and wait times */
        corun_life_slab_info_t si;
        corun_life_slab_info(j->st, &si);
        double halo = 0, wait = 0;
        if (!rc) rc = j->tm.max(j->tm.ctx, si.halo_seconds, &halo, &j->err);
        if (!rc) rc = j->tm.max(j->tm.ctx, si.wait_seconds, &wait, &j->err);
        snprintf(mpi_info, sizeof mpi_info,
                 " ranks=%d halo=%d halo_overlap=%s halo_seconds=%.6f wait_seconds=%.6f",
                 si.ranks, si.halo, si.overlap ? "on" : "off", halo, wait);
    }
    corun_h5_stats_t hs = {0};
    if ((rc = job_close(j, rc, &res, &hs))) {
        cli_error("life: %s", j->err.msg);
        if (j->team) corun_mpi_abort(CORUN_EXIT_FAILURE); /* the others may wait for this rank */
        job_free(j);
        return CORUN_EXIT_FAILURE;
    }
    int64_t population = 0;
    uint64_t hash = 0;
    if (!(code = job_result(j, &population, &hash))) {
        code = job_summary(j, &res, &hs, mpi_info, population, hash);
        if (res.interrupted) code = CORUN_EXIT_SIGNAL;
    }
    job_free(j);
    return code;
}
