/* main.c — the corun program: dispatches to subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bench_cli.h"
#include "cli.h"
#include "csv_cli.h"
#include "corun/mpi.h"
#include "fib_cli.h"
#include "render_cli.h"

static const char usage[] =
    "usage: corun <command> [options]\n"
    "\n"
    "corun is a parallel simulation engine: Life-like cellular automata,\n"
    "exact Fibonacci numbers and CSV partitioning on serial, OpenMP and CUDA\n"
    "backends (CUDA: a GPU build, or the CPU emulator), with HDF5 output written\n"
    "while computing goes on and a one-line verifiable summary of every run.\n"
    "\n"
    "commands:\n"
    "  life     step a Life-like cellular automaton (corun life --help)\n"
    "  fib      exact Fibonacci numbers F(n) in batches (corun fib --help)\n"
    "  csv      generate, split and aggregate CSV files (corun csv --help)\n"
    "  bench    scaling sweeps with verified results as CSV (corun bench --help)\n"
    "  render   pictures and patterns of snapshot frames (corun render --help)\n"
    "  info     show build options, threads, HDF5 version, backends, CPU SIMD\n"
    "\n"
    "options:\n"
    "  -h, --help     show this help\n"
    "  -V, --version  show the version\n"
    "\n"

    "Exit codes: 0 success, 1 run-time failure, 2 bad usage or input, 3 stopped\n"
    "by a signal (after writing a final frame).\n";

void cli_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("corun: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

double cli_start_time;

int main(int argc, char **argv) {
    cli_start_time = corun_now();
    if (argc < 2) {
        fputs(usage, stderr);
        return CORUN_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return CORUN_EXIT_OK;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("corun %s\n", CORUN_VERSION);
        return CORUN_EXIT_OK;
    }
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } cmds[] = {{"life", cmd_life}, {"info", cmd_info}, {"fib", cmd_fib},
                {"csv", cmd_csv},   {"bench", cmd_bench}, {"render", cmd_render}};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        if (strcmp(cmd, cmds[i].name)) continue;
        /* Under mpirun/srun every rank runs the same command (docs/CLUSTER.md). */
        corun_err_t err = {0};
        if (corun_mpi_init(&argc, &argv, &err) < 0) {
            cli_error("%s", err.msg);
            return CORUN_EXIT_FAILURE;
        }
        int rc = cmds[i].run(argc - 1, argv + 1);
        corun_mpi_finalize();
        /* A summary that never reached stdout (a full disk, a closed pipe's
         * reader gone) is a failed run, not a silent success. */
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_error("%s: writing standard output: %s", cmd, strerror(errno));
            return rc ? rc : CORUN_EXIT_FAILURE;
        }
        return rc;
    }
    cli_error("unknown command '%s' (try 'corun --help')", cmd);
    return CORUN_EXIT_USAGE;
}
