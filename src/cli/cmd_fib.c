/* cmd_fib.c — `corun fib`: options from config + flags, the batch (the list
 * of n repeated --tasks times), limits checked before any work, the backend
 * run with each result handed to the aio loop as it completes (fib_out.c),
 * and the one-line summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_signal.h"
#include "corun/mpi.h"
#include "fib_cli.h"

static const char fib_usage[] =
    "usage: corun fib [options]\n"
    "\n"
    "Computes exact Fibonacci numbers F(n), a batch of tasks at once, and writes\n"
    "each result as it completes: one row per task on stdout\n"
    "  task= n= digits= last20= hash= seconds= decimal_seconds=\n"
    "then one summary line\n"
    "  tasks= algo= backend= threads= n= digits= total_seconds= tasks_per_s= hash=\n"
    "hash (per task) is FNV-1a 64 of the decimal string; the summary hash is\n"
    "FNV-1a 64 over the task hashes (8 bytes each, little-endian) in task order.\n"
    "\n"
    "options (each also an INI key under [fib]; flags override the config file):\n"
    "  --config FILE.ini      read options from an INI file\n"
    "  --n N[,N2,...]         the n of each task (default 1000000); 1e6 and 10^6\n"
    "                         are accepted; the largest is scheduled first\n"
    "  --tasks T              repeat the list T times (default: for a single n,\n"
    "                         one task per thread, like the seed; for a list, 1)\n"
    "  --algo linear|doubling doubling (default): fast doubling with GMP (for\n"
    "                         n > ~5e7 on 2+ threads, its last product on FLINT's);\n"
    "                         linear: the seed's loop a, b = b, a + b\n"
    "  --backend NAME         serial | omp | cuda | auto (default auto = omp);\n"
    "                         cuda runs the linear algorithm (its default there)\n"
    "  --device N             cuda: the device index (default 0)\n"
    "  -t, --threads T        OpenMP threads (default: OMP_NUM_THREADS, else\n"
    "                         SLURM_CPUS_PER_TASK, else all cores)\n"
    "  -o, --out DIR|FILE.h5  write every value: DIR/taskNNNNNN_nN.txt + DIR/summary.csv,\n"
    "                         or one HDF5 dataset per task (FILE ends in .h5); DIR is\n"
    "                         built aside and swapped in at the end\n"
    "  --force                replace an existing --out (a DIR only if it holds\n"
    "                         nothing but task files and summary.csv)\n"
    "  --digits               print every value in decimal on stdout (without --out)\n"
    "  --verify               check every result against GMP's mpz_fib_ui\n"
    "  -q, --quiet            no progress display\n"
    "  --summary-json FILE    also write the summary as a JSON object (-: stdout,\n"
    "                         instead of the line)\n"
    "  --no-summary           no summary line\n"
    "  -h, --help             show this help\n"
    "\n"
    "Under mpirun/srun the tasks are handed out to the ranks (largest first) and\n"
    "rank 0 writes every result; --threads is per rank (docs/FIB.md).\n"
    "\n"
    "SIGTERM, SIGINT: stop after the tasks in progress, exit 3; --out DIR is then\n"
    "left as it was. A second signal stops at once.\n"
    "\n"
    "Exit codes: 0 success, 1 run-time failure (or a --verify mismatch),\n"
    "2 bad usage or input (e.g. n above the memory limit, checked before any work;\n"
    "an existing --out without --force), 3 stopped by a signal.\n";

static fib_out_mode_t out_mode(const char *out) {
    size_t len = strlen(out);
    if (!len) return FIB_OUT_NONE;
    if ((len > 3 && !strcmp(out + len - 3, ".h5")) || (len > 5 && !strcmp(out + len - 5, ".hdf5")))
        return FIB_OUT_H5;
    return FIB_OUT_DIR;
}

/* Waits for every writer in completion order; returns the first error. */
static int wait_writers(fib_run_t *run, corun_err_t *err) {
    /* A failed hand-over left a NULL slot (its error stopped the batch). */
    size_t n = 0, total = atomic_load(&run->nfuts);
    for (size_t i = 0; i < total; i++)
        if (run->futs[i]) run->futs[n++] = run->futs[i];
    atomic_store(&run->nfuts, n);
    int first = 0;
    corun_aio_as_completed_t it;
    int rc = corun_aio_as_completed_init(&it, run->futs, n, err);
    if (rc) return rc;
    for (;;) {
        corun_aio_future_t *f = NULL;
        corun_err_t e = {0};
        if ((rc = corun_aio_as_completed_next(&it, -1, &f, &e)) != 0 || !f) break;
        int frc = corun_aio_future_result(f, 0, NULL, &e);
        if (frc && !first) {
            first = frc;
            *err = e;
        }
    }
    corun_aio_as_completed_close(&it);
    return first ? first : rc;
}

/* Prints the summary; non-zero if its JSON file could not be written. */
static int print_summary(const fib_run_t *run, const char *backend, int threads, double total,
                         uint64_t nmin, uint64_t nmax) {
    uint64_t h = CORUN_FNV1A64_INIT;
    size_t digits_max = 0;
    for (size_t i = 0; i < run->ntasks; i++) {
        unsigned char le[8];
        for (int b = 0; b < 8; b++) le[b] = (unsigned char)(run->rows[i].hash >> (8 * b));
        h = corun_fnv1a64(h, le, 8);
        if (run->rows[i].digits > digits_max) digits_max = run->rows[i].digits;
    }
    char nrange[64], ranks[32] = "";
    if (nmin == nmax) snprintf(nrange, sizeof nrange, "%llu", (unsigned long long)nmax);
    else snprintf(nrange, sizeof nrange, "%llu..%llu", (unsigned long long)nmin,
                  (unsigned long long)nmax);
    if (corun_mpi_active()) snprintf(ranks, sizeof ranks, " ranks=%d", corun_mpi_size());
    return cli_summary(
        "fib", run->o->summary.json, run->o->summary.off ? NULL : stdout,
           "tasks=%zu algo=%s backend=%s threads=%d n=%s digits=%zu total_seconds=%.6f "
           "tasks_per_s=%.4g hash=%016llx%s%s\n",
           run->ntasks, corun_fib_algo_name(run->o->algo), backend, threads, nrange, digits_max,
           total, total > 0 ? (double)run->ntasks / total : 0.0, (unsigned long long)h,
           run->o->verify ? (run->verify_failed ? " verify=MISMATCH" : " verify=ok") : "", ranks);
}

/* Under mpirun/srun (src/mpi/fib_dist.c): every rank computes, rank 0 hands
 * out the tasks and is the one writer; `threads` is per rank. Returns the
 * exit code, the same on every rank. */
static int run_mpi(fib_run_t *run, const corun_fib_backend_t *be, const uint64_t *n, int threads,
                   uint64_t nmin, uint64_t nmax) {
    int rank = corun_mpi_rank(), exit_code = CORUN_EXIT_OK;
    corun_err_t err = {0};
    int rc = 0;
    if (rank == 0) {
        corun_aio_config_t acfg;
        corun_aio_config_init(&acfg);
        acfg.stack_size = 256 * 1024;
        acfg.pool_threads = 2;
        rc = corun_aio_loop_create(&acfg, &run->loop, &err);
        if (!rc) rc = fib_out_open(run, &err);
        if (rc) cli_error("fib: %s", err.msg);
    }
    if (corun_fib_mpi_first(rc != 0) >= 0) {
        /* rank 0's code is every rank's; an existing --out is usage */
        exit_code = rc == CORUN_EINVAL ? CORUN_EXIT_USAGE : CORUN_EXIT_FAILURE;
        goto out;
    }
    corun_fib_mpi_params_t mp = {run->o->algo, threads, run->o->verify, n, run->ntasks,
                                 fib_out_on_done, fib_out_on_remote, run};
    run->t0 = corun_now();
    rc = corun_fib_mpi_run(&mp, &err);
    if (rank == 0) {
        if (rc) {
            cli_error("fib: %s", err.msg);
            exit_code = CORUN_EXIT_FAILURE;
        }
        corun_err_t werr = {0};
        if (wait_writers(run, &werr)) {
            cli_error("fib: %s", werr.msg);
            exit_code = CORUN_EXIT_FAILURE;
        }
        double total = corun_now() - run->t0;
        run->failed = exit_code != CORUN_EXIT_OK;
        if (fib_out_close(run, &err)) {
            cli_error("fib: %s", err.msg);
            exit_code = CORUN_EXIT_FAILURE;
        }
        if (exit_code == CORUN_EXIT_OK) {
            exit_code = print_summary(run, be->name, threads, total, nmin, nmax);
            if (run->verify_failed) {
                cli_error("fib: a result differs from GMP's mpz_fib_ui (see verify= in the rows)");
                exit_code = CORUN_EXIT_FAILURE;
            }
        }
        fflush(stdout);
    } else if (rc) {
        exit_code = CORUN_EXIT_FAILURE; /* rank 0 reports it (as "rank R: ...") */
    }
out:
    if (run->loop) {
        corun_aio_loop_shutdown(run->loop, CORUN_AIO_DRAIN, NULL);
        corun_aio_loop_destroy(run->loop);
        run->loop = NULL;
    }
    return corun_fib_mpi_exit_code(exit_code);
}

int cmd_fib(int argc, char **argv) {
    fib_opts_t o;
    fib_opts_defaults(&o);
    int help = 0, rc = fib_opts_parse_args(argc, argv, &o, &help);
    if (rc) return rc;
    if (help) {
        fputs(fib_usage, stdout);
        return CORUN_EXIT_OK;
    }
    corun_err_t err = {0};
    const corun_fib_backend_t *be = corun_fib_backend_find(o.backend, &err);
    if (!be) {
        cli_error("fib: %s", err.msg);
        return CORUN_EXIT_USAGE;
    }
    int mpi = corun_mpi_active(), rank = corun_mpi_rank();
    if (mpi && !strcmp(be->name, "cuda")) {
        if (rank == 0)
            cli_error("fib: --backend cuda does not run under MPI yet (use serial or omp, or run "
                      "one corun per GPU without mpirun)");
        return CORUN_EXIT_USAGE;
    }
    int serial = !strcmp(be->name, "serial");
    int threads = serial ? 1 : o.threads ? o.threads : corun_default_threads();
    /* Default for a single n: one task per thread, of the whole job under MPI. */
    int64_t job_threads = mpi ? (int64_t)corun_fib_mpi_sum(threads) : threads;
    int64_t reps = o.tasks ? o.tasks : (o.nn == 1 ? job_threads : 1);
    if ((uint64_t)reps * o.nn > FIB_TASKS_MAX) {
        if (rank == 0)
            cli_error("fib: %lld repetitions of %zu values is more than %d tasks",
                      (long long)reps, o.nn, FIB_TASKS_MAX);
        return CORUN_EXIT_USAGE;
    }
    size_t ntasks = (size_t)reps * o.nn;
    size_t concurrent = serial ? 1 : (ntasks < (size_t)threads ? ntasks : (size_t)threads);
    if (mpi) /* results in memory at once on this node */
        concurrent = corun_fib_mpi_outer(threads, ntasks, corun_mpi_size()) *
                     (size_t)corun_fib_mpi_local_ranks();
    uint64_t nmax = 0, nmin = UINT64_MAX;
    int bad = 0;
    for (size_t i = 0; i < o.nn && !bad; i++) {
        if (corun_fib_check_n(o.n[i], concurrent, &err)) bad = 1;
        if (o.n[i] > nmax) nmax = o.n[i];
        if (o.n[i] < nmin) nmin = o.n[i];
    }
    /* Under MPI every node checks its own memory; the first failing rank says why. */
    int first_bad = mpi ? corun_fib_mpi_first(bad) : bad ? 0 : -1;
    if (first_bad >= 0) {
        if (bad && first_bad == rank) cli_error("fib: --%s", err.msg);
        return CORUN_EXIT_USAGE;
    }

    uint64_t *n = malloc(ntasks * sizeof *n);
    fib_run_t run = {.o = &o, .mode = out_mode(o.out), .ntasks = ntasks,
                     .lock = CORUN_LOCK_INIT, .od = CORUN_OUTDIR_INIT};
    run.rows = calloc(ntasks, sizeof *run.rows);
    run.futs = calloc(ntasks, sizeof *run.futs);
    atomic_init(&run.nfuts, 0);
    if (!n || !run.rows || !run.futs) {
        cli_error("fib: out of memory for %zu tasks", ntasks);
        free(n), free(run.rows), free(run.futs);
        if (mpi) corun_mpi_abort(CORUN_EXIT_FAILURE); /* the other ranks would wait */
        return CORUN_EXIT_FAILURE;
    }
    for (size_t i = 0; i < ntasks; i++) n[i] = o.n[i % o.nn];
    /* A conversion runs while other tasks may still compute: give it all
     * threads anyway; only huge values are split, and those come last. */
    run.dec_threads = threads;
    int exit_code = CORUN_EXIT_OK;
    if (mpi) {
        exit_code = run_mpi(&run, be, n, threads, nmin, nmax);
        goto free_all;
    }

    if (!strcmp(be->name, "cuda") && !o.has_algo) o.algo = CORUN_FIB_LINEAR;
    corun_fib_params_t p = {o.algo, threads, o.device};
    corun_aio_config_t acfg;
    corun_aio_config_init(&acfg);
    acfg.stack_size = 256 * 1024; /* HDF5 and stdio run on coroutine stacks */
    acfg.pool_threads = 2;
    void *st = NULL;
    double total = 0;
    /* The handler only sets the flag; the batch stops at the next finished
     * task (fib_out_on_done) and the output is closed as after a failure. */
    run.stop = &cli_stop_signal;
    cli_stop_signals_install();
    rc = corun_aio_loop_create(&acfg, &run.loop, &err);
    if (!rc) rc = fib_out_open(&run, &err);
    if (rc) {
        cli_error("fib: %s", err.msg);
        exit_code = rc == CORUN_EINVAL ? CORUN_EXIT_USAGE : CORUN_EXIT_FAILURE;
        goto out;
    }
    rc = be->init(&st, &p, &err);
    if (rc) {
        cli_error("fib: backend %s: %s", be->name, err.msg);
        /* A bad combination (cuda + doubling, a missing --device) is usage. */
        exit_code = rc == CORUN_EINVAL ? CORUN_EXIT_USAGE : CORUN_EXIT_FAILURE;
        goto close;
    }
    run.t0 = corun_now();
    rc = be->run(st, n, ntasks, fib_out_on_done, &run, &err);
    if (rc && rc != CORUN_ECANCELED) {
        cli_error("fib: %s", err.msg);
        exit_code = CORUN_EXIT_FAILURE;
    }
    corun_err_t werr = {0};
    if (wait_writers(&run, &werr)) {
        cli_error("fib: %s", werr.msg);
        exit_code = CORUN_EXIT_FAILURE;
    }
    total = corun_now() - run.t0;
close:
    run.failed = exit_code != CORUN_EXIT_OK;
    if (fib_out_close(&run, &err)) {
        cli_error("fib: %s", err.msg);
        exit_code = CORUN_EXIT_FAILURE;
    }
    if (fib_out_stopped(&run) && exit_code == CORUN_EXIT_OK) {
        cli_error("fib: stopped by signal %d after %zu of %zu tasks%s", (int)cli_stop_signal,
                  run.nwritten, ntasks,
                  run.mode == FIB_OUT_DIR   ? "; --out left as it was"
                  : run.mode == FIB_OUT_H5 ? "; the tasks reported are in --out"
                                           : "");
        exit_code = CORUN_EXIT_SIGNAL;
    }
    if (exit_code == CORUN_EXIT_OK) {
        exit_code = print_summary(&run, be->name, be->threads(st), total, nmin, nmax);
        if (run.verify_failed) {
            cli_error("fib: a result differs from GMP's mpz_fib_ui (see verify= in the rows)");
            exit_code = CORUN_EXIT_FAILURE;
        }
    }
    if (st) be->fini(st);
out:
    if (run.loop) {
        corun_aio_loop_shutdown(run.loop, CORUN_AIO_DRAIN, NULL);
        corun_aio_loop_destroy(run.loop);
    }
free_all:
    for (size_t i = 0; i < atomic_load(&run.nfuts); i++) corun_aio_future_release(run.futs[i]);
    free(n);
    free(run.rows);
    free(run.futs);
    fflush(stdout);
    return exit_code;
}
