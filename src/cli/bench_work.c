/* bench_work.c — one measured run of one `corun bench` point, per workload.
 *
 * How each workload is reached, and why (one implementation of each idea):
 *   life — the stepping backends directly (corun_life_backend_t): open,
 *          step(steps) timed alone, close, then corun_life_grid_hash, which is
 *          exactly the hash= of `corun life`'s summary.
 *   csv  — the library calls corun_csv_stats / corun_csv_split: they return
 *          their own seconds and the hash the `corun csv` summary prints, so
 *          nothing is recomputed here. Inputs are made once per row count
 *          with corun_csv_gen in the work folder.
 *   fib  — the corun program itself as a child (`corun fib ... --quiet`),
 *          reading its summary line: the batch hash (FNV-1a over per-task
 *          hashes of the decimal strings) and total_seconds are defined by the
 *          fib CLI's writer pipeline (cmd_fib.c, fib_out.c), not by the
 *          library, and a second copy of that pipeline here could drift.
 *          The child's start-up is outside total_seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_cli.h"
#include "corun/life_run.h"
#include "corun/csv.h"
#include "corun/life.h"
#include "cli.h"
#include "life/omp_tuning.h"

/* ------------------------------------------------------------ the work folder */

int bench_env_open(bench_env_t *env, const bench_opts_t *o, corun_err_t *err) {
    memset(env, 0, sizeof *env);
    env->o = o;
    ssize_t len = readlink("/proc/self/exe", env->self, sizeof env->self - 1);
    if (len <= 0) return corun_err_set(err, CORUN_EIO, "cannot find this program (/proc/self/exe): %m");
    env->self[len] = '\0';
    if (o->workdir[0]) {
        if (mkdir(o->workdir, 0777) != 0 && errno != EEXIST)
            return corun_err_set(err, CORUN_EIO, "workdir %s: cannot create: %m", o->workdir);
        snprintf(env->workdir, sizeof env->workdir, "%s", o->workdir);
        return 0;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(env->workdir, sizeof env->workdir, "%s/corun-bench-XXXXXX",
             tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(env->workdir))
        return corun_err_set(err, CORUN_EIO, "cannot create a work folder %s: %m (set --workdir)",
                             env->workdir);
    env->own_workdir = 1;
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* Removes what the runs wrote (CSV inputs, split output, child logs); the
 * folder itself only if we made it. */
void bench_env_close(bench_env_t *env) {
    if (!env->workdir[0]) return;
    if (env->own_workdir) {
        nftw(env->workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return;
    }
    static const char *const ours[] = {"bench-csv-inputs", "bench-split", "bench-child.out",
                                       "bench-child.err"};
    char path[CLI_PATH_MAX + 64];
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", env->workdir, ours[i]);
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
}

/* ------------------------------------------------------------------ labels */

const char *bench_fom_unit(bench_workload_t w) {
    switch (w) {
    case BENCH_LIFE: return "cell_updates_per_s";
    case BENCH_FIB: return "tasks_per_s";
    default: return "MB_per_s";
    }
}

int64_t bench_problem_size(const bench_problem_t *p) {
    switch (p->workload) {
    case BENCH_LIFE: return p->width * p->height;
    case BENCH_FIB: return p->tasks;
    default: return (int64_t)p->rows;
    }
}

int64_t bench_problem_count(const bench_problem_t *p) {
    switch (p->workload) {
    case BENCH_LIFE: return p->steps;
    case BENCH_FIB: return (int64_t)p->n;
    default: return (int64_t)p->rows;
    }
}

void bench_problem_label(const bench_problem_t *p, char *buf, size_t n) {
    switch (p->workload) {
    case BENCH_LIFE:
        snprintf(buf, n, "%lldx%lld x%lld", (long long)p->width, (long long)p->height,
                 (long long)p->steps);
        break;
    case BENCH_FIB:
        snprintf(buf, n, "n=%llu x%lld", (unsigned long long)p->n, (long long)p->tasks);
        break;
    default: snprintf(buf, n, "rows=%llu", (unsigned long long)p->rows); break;
    }
}

/* -------------------------------------------------------------------- life */

static int run_life(const bench_opts_t *o, const bench_problem_t *p, const char *backend,
                    int threads, bench_sample_t *s, corun_err_t *err) {
    const corun_life_backend_t *be = corun_life_backend_find(backend, err);
    if (!be) return CORUN_EINVAL;
    corun_life_grid_t grid = {0};
    void *st = NULL;
    /* Dense stepping (no change tracking): the work per generation is then
     * the same for every backend and thread count, which is what a scaling
     * curve compares. */
    corun_life_params_t params = {.rule = CORUN_LIFE_RULE_CONWAY, .boundary = CORUN_LIFE_TORUS,
                                  .threads = threads, .skip_stable = CORUN_LIFE_SKIP_OFF,
                                  .device = o->device};
    corun_life_omp_tuning_t omp_tuning;
    params.omp_tuning = cli_omp_tuning(&omp_tuning);
    int rc = corun_life_memory_check(be, p->width, p->height, p->height, 0, err);
    if (!rc) rc = corun_life_grid_init(&grid, p->width, p->height, err);
    if (rc) return rc;
    corun_life_grid_fill_random(&grid, o->life_density, o->life_seed, 0, threads);
    rc = be->open(&st, &grid, &params, err);
    if (!rc) {
        corun_life_info_t info;
        be->info(st, &info);
        snprintf(s->mode, sizeof s->mode, "%s", info.mode);
        double t0 = corun_now();
        rc = be->step(st, p->steps, NULL, err);
        s->seconds = corun_now() - t0;
    }
    int crc = be->close(st, rc ? NULL : err);
    if (!rc) rc = crc;
    if (!rc) {
        s->hash = corun_life_grid_hash(&grid, threads);
        s->fom = s->seconds > 0
                     ? (double)p->width * (double)p->height * (double)p->steps / s->seconds
                     : 0;
    }
    corun_life_grid_close(&grid);
    return rc;
}

/* --------------------------------------------------------------------- csv */

static int csv_input(bench_env_t *env, uint64_t rows, char *path, size_t n, corun_err_t *err) {
    char dir[CLI_PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/bench-csv-inputs", env->workdir);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return corun_err_set(err, CORUN_EIO, "cannot create %s: %m", dir);
    snprintf(path, n, "%s/rows-%llu.csv", dir, (unsigned long long)rows);
    if (access(path, R_OK) == 0) return 0;
    corun_csv_gen_opts_t g;
    corun_csv_gen_opts_init(&g);
    g.rows = rows;
    corun_csv_gen_result_t r;
    return corun_csv_gen(&g, path, &r, err);
}

static int run_csv(bench_env_t *env, const bench_problem_t *p, const char *backend, int threads,
                   bench_sample_t *s, corun_err_t *err) {
    const bench_opts_t *o = env->o;
    const corun_csv_backend_t *be = corun_csv_backend_find(backend, err);
    if (!be) return CORUN_EINVAL;
    char input[CLI_PATH_MAX + 96];
    int rc = csv_input(env, p->rows, input, sizeof input, err);
    if (rc) return rc;
    uint64_t bytes = 0;
    snprintf(s->mode, sizeof s->mode, "%s", o->csv_op);
    if (!strcmp(o->csv_op, "split")) {
        char outdir[CLI_PATH_MAX + 32];
        snprintf(outdir, sizeof outdir, "%s/bench-split", env->workdir);
        corun_csv_split_opts_t so;
        corun_csv_split_opts_init(&so);
        so.input = input;
        so.by = o->csv_by;
        so.outdir = outdir;
        so.force = 1;
        so.backend = be;
        so.threads = threads;
        corun_csv_split_result_t r;
        if ((rc = corun_csv_split(&so, &r, err))) return rc;
        s->seconds = r.seconds, s->hash = r.hash, bytes = r.bytes_in;
    } else {
        FILE *devnull = fopen("/dev/null", "w");
        if (!devnull) return corun_err_set(err, CORUN_EIO, "cannot open /dev/null: %m");
        corun_csv_stats_opts_t so;
        corun_csv_stats_opts_init(&so);
        static const char *const sum[] = {"Total Revenue", "Total Profit"};
        so.input = input;
        so.by = o->csv_by;
        so.sum = sum;
        so.nsum = 2;
        so.backend = be;
        so.threads = threads;
        so.out = devnull;
        corun_csv_stats_result_t r;
        rc = corun_csv_stats(&so, &r, err);
        fclose(devnull);
        if (rc) return rc;
        s->seconds = r.seconds, s->hash = r.hash, bytes = r.bytes_in;
    }
    s->fom = s->seconds > 0 ? (double)bytes / s->seconds / 1e6 : 0;
    return 0;
}

/* --------------------------------------------------------------------- fib */

/* The value of " key=" in a summary line, or NULL. */
static const char *summary_field(const char *line, const char *key) {
    size_t k = strlen(key);
    for (const char *p = line; (p = strstr(p, key)) != NULL; p += k)
        if ((p == line || p[-1] == ' ') && p[k] == '=') return p + k + 1;
    return NULL;
}

/* The last line of a file (for error messages), into buf. */
static void last_line(const char *path, char *buf, size_t n) {
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[1024];
    while (fgets(line, sizeof line, f))
        if (line[0] != '\n') snprintf(buf, n, "%.500s", line);
    fclose(f);
    size_t len = strlen(buf);
    if (len && buf[len - 1] == '\n') buf[len - 1] = '\0';
}

static int run_fib(bench_env_t *env, const bench_problem_t *p, const char *backend, int threads,
                   bench_sample_t *s, corun_err_t *err) {
    const bench_opts_t *o = env->o;
    char n[32], tasks[32], th[16], dev[16], outp[CLI_PATH_MAX + 32], errp[CLI_PATH_MAX + 32];
    snprintf(n, sizeof n, "%llu", (unsigned long long)p->n);
    snprintf(tasks, sizeof tasks, "%lld", (long long)p->tasks);
    snprintf(th, sizeof th, "%d", threads);
    snprintf(dev, sizeof dev, "%d", o->device);
    snprintf(outp, sizeof outp, "%s/bench-child.out", env->workdir);
    snprintf(errp, sizeof errp, "%s/bench-child.err", env->workdir);
    /* cuda runs the linear algorithm only: leave --algo to its default there. */
    int cuda = !strcmp(backend, "cuda");
    const char *argv[16] = {env->self, "fib", "--n", n, "--tasks", tasks, "--backend", backend,
                            "--quiet"};
    int argc = 9;
    if (!cuda) argv[argc++] = "--algo", argv[argc++] = o->fib_algo;
    if (threads > 0) argv[argc++] = "--threads", argv[argc++] = th;
    if (o->device >= 0) argv[argc++] = "--device", argv[argc++] = dev;
    argv[argc] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) return corun_err_set(err, CORUN_EIO, "fib: cannot start %s: %m", env->self);
    if (pid == 0) {
        int fo = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fo < 0 || fe < 0) _exit(126);
        dup2(fo, 1);
        dup2(fe, 2);
        execv(env->self, (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return corun_err_set(err, CORUN_EIO, "fib: waitpid: %m");
    char msg[512];
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        last_line(errp, msg, sizeof msg);
        return corun_err_set(err, CORUN_EIO, "corun fib --n %s --tasks %s --backend %s failed "
                             "(%s %d): %s", n, tasks, backend,
                             WIFEXITED(status) ? "exit" : "signal",
                             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                             msg[0] ? msg : "no message");
    }
    last_line(outp, msg, sizeof msg); /* the summary is the last line */
    const char *h = summary_field(msg, "hash"), *t = summary_field(msg, "total_seconds");
    char *end = NULL;
    if (!h || !t || !summary_field(msg, "tasks"))
        return corun_err_set(err, CORUN_EPARSE, "corun fib: no summary line with hash= and "
                             "total_seconds= (got '%s')", msg);
    s->hash = strtoull(h, &end, 16);
    s->seconds = strtod(t, &end);
    s->fom = s->seconds > 0 ? (double)p->tasks / s->seconds : 0;
    const char *a = summary_field(msg, "algo");
    snprintf(s->mode, sizeof s->mode, "%.*s", a ? (int)strcspn(a, " ") : 1, a ? a : "-");
    return 0;
}

int bench_run_point(bench_env_t *env, const bench_problem_t *p, const char *backend, int threads,
                    bench_sample_t *s, corun_err_t *err) {
    memset(s, 0, sizeof *s);
    snprintf(s->mode, sizeof s->mode, "-");
    switch (p->workload) {
    case BENCH_LIFE: return run_life(env->o, p, backend, threads, s, err);
    case BENCH_FIB: return run_fib(env, p, backend, threads, s, err);
    default: return run_csv(env, p, backend, threads, s, err);
    }
}
