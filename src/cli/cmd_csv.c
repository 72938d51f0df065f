/* cmd_csv.c — `corun csv gen|split|stats`: options from config + flags, the
 * library call (include/corun/csv.h), and the one-line summary. */
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>

#include "cli_signal.h"
#include "corun/mpi.h"
#include "csv_cli.h"
#include "mpi/csv_mpi.h"

static const char csv_usage[] =
    "usage: corun csv gen   --rows N [--seed S] [--quoted-fraction F] -o FILE.csv\n"
    "       corun csv split INPUT --by COLUMN [--only V1,V2,...] -o OUTDIR [--force]\n"
    "       corun csv stats INPUT --by COLUMN [--sum COL1,COL2,...]\n"
    "\n"
    "gen writes synthetic sales records (the seed's 14-column schema); record i\n"
    "depends only on (seed, i), so the bytes do not depend on --threads.\n"
    "split writes OUTDIR/<value>.csv for every distinct value of COLUMN (or each\n"
    "value of --only; absent ones get a header-only file): the input's header\n"
    "line, then the value's records byte-for-byte in input order. Names are the\n"
    "value lowercased and sanitised (docs/CSV.md). The new OUTDIR is built aside\n"
    "and swapped in at the end: a failed or interrupted split leaves the old one\n"
    "as it was. An existing OUTDIR needs --force, and is replaced only if it holds\n"
    "nothing but .csv files.\n"
    "stats prints, as CSV on stdout, the record count and exact sums per group.\n"
    "Input is RFC 4180 (quoted fields, CRLF, BOM); a malformed record is an error\n"
    "naming its line, and split then leaves no output files.\n"
    "Under mpirun/srun, split gives each rank a byte range and writes the same\n"
    "files with MPI-IO (--threads is per rank); gen and stats run on rank 0 alone.\n"
    "\n"
    "options (each also an INI key under [csv]; flags override the config file):\n"
    "  --config FILE.ini      read options from an INI file\n"
    "  -o, --out PATH         gen: the file; split: the output folder\n"
    "  --rows N               gen: records (default 1000)\n"
    "  --seed S               gen: random seed (default 1)\n"
    "  --quoted-fraction F    gen: fraction of records with quoted fields holding\n"
    "                         commas, doubled quotes and line breaks (default 0)\n"
    "  --crlf, --bom          gen: CRLF line ends; a UTF-8 byte-order mark\n"
    "  --by COLUMN            split/stats: the key column's header name\n"
    "  --only V1,V2,...       split: only these values (exact match)\n"
    "  --sum COL1,COL2,...    stats: amount columns to sum (at most 2 decimals)\n"
    "  --backend NAME         serial | omp | cuda | auto (default auto: cuda when a\n"
    "                         GPU is visible, else omp)\n"
    "  -t, --threads T        OpenMP threads (default: OMP_NUM_THREADS, else\n"
    "                         SLURM_CPUS_PER_TASK, else all cores)\n"
    "  --window BYTES         bytes indexed per step (default 64M; memory bound)\n"
    "  --max-files N          split: at most N distinct values (default 4096)\n"
    "  --force                gen, split: replace an existing output\n"
    "  -q, --quiet            no progress display (csv shows none: accepted for\n"
    "                         scripts that pass it to every command)\n"
    "  --summary-json FILE    also write the summary as a JSON object (-: stdout,\n"
    "                         instead of the line)\n"
    "  --no-summary           no summary line\n"
    "  -h, --help             show this help\n"
    "\n"
    "Summary (gen/split on stdout, stats on stderr): key=value pairs with seconds,\n"
    "MB_per_s and a hash. Exit codes: 0 success, 1 run-time failure (I/O),\n"
    "2 bad usage or input (including malformed CSV), 3 split stopped by SIGTERM or\n"
    "SIGINT (nothing written; a second signal ends it at once).\n";

static int exit_code(int rc) {
    if (rc == CORUN_ECANCELED) return CORUN_EXIT_SIGNAL;
    return rc == CORUN_EIO || rc == CORUN_ENOMEM || rc == CORUN_EINTERNAL ? CORUN_EXIT_FAILURE
                                                                          : CORUN_EXIT_USAGE;
}

static double mbps(uint64_t bytes, double s) { return s > 0 ? (double)bytes / s / 1e6 : 0; }

static int run_gen(const csv_opts_t *o, const char *input) {
    if (input) {
        cli_error("csv gen: unexpected argument '%s' (the output is -o FILE)", input);
        return CORUN_EXIT_USAGE;
    }
    if (!o->out[0]) {
        cli_error("csv gen: -o FILE is required");
        return CORUN_EXIT_USAGE;
    }
    /* The overwrite rule of every output: an existing file is replaced
     * only with --force (the new file is written aside and renamed over
     * it, so a failed run leaves the old one whole). */
    struct stat st;
    if (!o->force && stat(o->out, &st) == 0) {
        cli_error("csv gen: %s exists (use --force to replace it)", o->out);
        return CORUN_EXIT_USAGE;
    }
    corun_err_t rerr = {0};
    if (corun_file_replaceable(o->out, &rerr)) {
        cli_error("csv gen: %s", rerr.msg);
        return CORUN_EXIT_USAGE;
    }
    corun_csv_gen_opts_t g;
    corun_csv_gen_opts_init(&g);
    g.rows = o->rows;
    g.seed = o->seed;
    g.quoted_fraction = o->quoted_fraction;
    g.threads = o->threads;
    g.crlf = o->crlf;
    g.bom = o->bom;
    corun_csv_gen_result_t r;
    corun_err_t err = {0};
    int rc = corun_csv_gen(&g, o->out, &r, &err);
    if (rc) {
        cli_error("csv gen: %s", err.msg);
        return exit_code(rc);
    }
    return cli_summary("csv gen", o->summary.json, o->summary.off ? NULL : stdout,
               "csv gen: rows=%llu bytes=%llu threads=%d seconds=%.3f MB_per_s=%.1f hash=%016llx\n",
               (unsigned long long)r.rows, (unsigned long long)r.bytes,
               o->threads ? o->threads : corun_default_threads(), r.seconds,
               mbps(r.bytes, r.seconds), (unsigned long long)r.hash);
}

static const corun_csv_backend_t *backend(const csv_opts_t *o, const char *cmd) {
    corun_err_t err = {0};
    const corun_csv_backend_t *be = corun_csv_backend_find(o->backend, &err);
    if (!be) cli_error("csv %s: %s", cmd, err.msg);
    return be;
}

static int run_split(const csv_opts_t *o, const char *input) {
    if (!input || !o->by[0] || !o->out[0]) {
        cli_error("csv split: INPUT, --by COLUMN and -o OUTDIR are required");
        return CORUN_EXIT_USAGE;
    }
    corun_csv_split_opts_t s;
    corun_csv_split_opts_init(&s);
    s.input = input;
    s.by = o->by;
    s.only = o->nonly ? o->only : NULL;
    s.nonly = o->nonly;
    s.outdir = o->out;
    s.force = o->force;
    s.threads = o->threads;
    s.window_bytes = (size_t)o->window;
    s.max_files = (size_t)o->max_files;
    s.stop = &cli_stop_signal;
    cli_stop_signals_install();
    if (!(s.backend = backend(o, "split"))) return CORUN_EXIT_USAGE;
    corun_csv_split_result_t r;
    corun_err_t err = {0};
    /* Under mpirun/srun every rank takes a byte range (src/mpi/csv_mpi.h);
     * every rank gets the same result or error, and rank 0 reports it. */
    int mpi = corun_mpi_active(), quiet = corun_mpi_rank() != 0;
    int rc = mpi ? corun_csv_split_mpi(&s, &r, &err) : corun_csv_split(&s, &r, &err);
    if (rc) {
        if (corun_mpi_rank() == 0) cli_error("csv split: %s", err.msg);
        return exit_code(rc);
    }
    char ranks[32] = "";
    if (mpi) snprintf(ranks, sizeof ranks, " ranks=%d", corun_mpi_size());
    if (quiet) return 0;
    return cli_summary("csv split", o->summary.json, o->summary.off ? NULL : stdout,
               "csv split: backend=%s threads=%d rows=%llu rows_out=%llu files=%zu "
               "bytes_in=%llu bytes_out=%llu seconds=%.3f MB_per_s=%.1f io_wait=%.3f "
               "hash=%016llx%s\n",
               s.backend->name, o->threads ? o->threads : corun_default_threads(),
               (unsigned long long)r.rows, (unsigned long long)r.rows_out, r.files,
               (unsigned long long)r.bytes_in, (unsigned long long)r.bytes_out, r.seconds,
               mbps(r.bytes_in, r.seconds), r.io_wait, (unsigned long long)r.hash, ranks);
}

static int run_stats(const csv_opts_t *o, const char *input) {
    if (!input || !o->by[0]) {
        cli_error("csv stats: INPUT and --by COLUMN are required");
        return CORUN_EXIT_USAGE;
    }
    corun_csv_stats_opts_t s;
    corun_csv_stats_opts_init(&s);
    s.input = input;
    s.by = o->by;
    s.sum = o->sum;
    s.nsum = o->nsum;
    s.threads = o->threads;
    s.window_bytes = (size_t)o->window;
    s.out = stdout;
    if (!(s.backend = backend(o, "stats"))) return CORUN_EXIT_USAGE;
    corun_csv_stats_result_t r;
    corun_err_t err = {0};
    int rc = corun_csv_stats(&s, &r, &err);
    fflush(stdout);
    if (rc) {
        cli_error("csv stats: %s", err.msg);
        return exit_code(rc);
    }
    /* stdout holds the table: the summary line goes to stderr */
    return cli_summary("csv stats", o->summary.json, o->summary.off ? NULL : stderr,
                "csv stats: backend=%s threads=%d rows=%llu groups=%zu bytes_in=%llu "
                "seconds=%.3f MB_per_s=%.1f hash=%016llx\n",
                s.backend->name, o->threads ? o->threads : corun_default_threads(),
                (unsigned long long)r.rows, r.groups, (unsigned long long)r.bytes_in, r.seconds,
                mbps(r.bytes_in, r.seconds), (unsigned long long)r.hash);
}

int cmd_csv(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        fputs(csv_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CORUN_EXIT_USAGE : CORUN_EXIT_OK;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "gen") && strcmp(sub, "split") && strcmp(sub, "stats")) {
        cli_error("csv: unknown subcommand '%s' (gen, split or stats)", sub);
        return CORUN_EXIT_USAGE;
    }
    csv_opts_t o;
    csv_opts_defaults(&o);
    const char *input = NULL;
    int help = 0, rc = csv_opts_parse_args(argc - 1, argv + 1, &o, &input, &help);
    if (rc) return rc;
    if (help) {
        fputs(csv_usage, stdout);
        return CORUN_EXIT_OK;
    }
    if (!strcmp(sub, "split")) return run_split(&o, input);
    /* gen and stats do not spread over MPI ranks: under mpirun with P > 1,
     * rank 0 runs them alone (and says so), the others wait for its exit
     * code and return it. */
    if (corun_mpi_active() && corun_mpi_size() > 1) {
        int code = CORUN_EXIT_OK;
        if (corun_mpi_rank() == 0) {
            fprintf(stderr,
                    "corun: csv %s: runs on rank 0 only under MPI (the other %d rank(s) wait; "
                    "only csv split is distributed)\n",
                    sub, corun_mpi_size() - 1);
            code = !strcmp(sub, "gen") ? run_gen(&o, input) : run_stats(&o, input);
            fflush(stdout);
        }
        return corun_csv_mpi_exit_code(code);
    }
    if (!strcmp(sub, "gen")) return run_gen(&o, input);
    return run_stats(&o, input);
}
