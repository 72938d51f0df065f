/* cmd_bench.c — `corun bench`: strong/weak scaling sweeps over workloads,
 * backends, thread counts and sizes. Builds the plan (one point per
 * workload x size x backend x thread count), probes each backend once to
 * print the expected total time, sizes each point so that a measured sample
 * lasts at least --min-time (life: more generations, the same for every
 * point of a size; fib and csv: several runs per sample), runs every point
 * (warm-up runs, then repetitions), verifies every run's hash against the
 * reference result of the same problem (computed once: omp on 1 thread by
 * default, or serial), writes one CSV row per repetition as it finishes, and
 * ends with a table of speedup and parallel efficiency that marks the points
 * measured while other processes took CPU time or whose repetitions spread
 * too far (bench_report.c). A hash mismatch stops the bench with exit code 1.
 * docs/BENCH.md documents the options, the CSV columns and the definitions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_cli.h"
#include "corun/csv.h"
#include "corun/cuda.h"
#include "corun/fib.h"
#include "corun/life.h"

static const char bench_usage[] =
    "usage: corun bench [--workload life|fib|csv|all] [--backends serial,omp,cuda]\n"
    "                   [--threads 1,2,4,...|all] [--sizes ...] [--mode strong|weak]\n"
    "                   [--repeat R] [--warmup W] [--min-time S] [-o results.csv]\n"
    "                   [--config FILE.ini]\n"
    "\n"
    "Runs a scaling sweep: every workload x size x backend x thread count is a\n"
    "point, run W times unrecorded, then R times measured. Each repetition is a\n"
    "row of the results CSV (columns in docs/BENCH.md). Every run's hash is\n"
    "compared with the reference result of the same problem, computed once (omp\n"
    "on 1 thread, or the serial oracle: --verify-backend); a mismatch stops the\n"
    "bench (exit 1). strong: the problem is fixed; weak: it grows with the\n"
    "threads (life: height, fib: tasks, csv: rows). serial and cuda have no\n"
    "thread count: they run the base problem once per size. Short points are\n"
    "grown to --min-time from one short probe per backend (life: more\n"
    "generations for every point of the size; fib, csv: several runs per\n"
    "sample); the expected total time is printed up front, a progress bar\n"
    "follows on a terminal (plain lines otherwise), and a table of speedup and\n"
    "parallel efficiency ends the run on stdout. A point measured while other\n"
    "processes used more than 0.25 cores, or whose repetitions spread more than\n"
    "15 %, is marked unreliable in the table and the CSV, with the reason.\n"
    "\n"
    "options (each also an INI key under [bench]; flags override the config file):\n"
    "  --config FILE.ini      read options from an INI file (configs/bench-*.ini)\n"
    "  --workload LIST        life, fib, csv or all (default life)\n"
    "  --backends LIST        serial,omp,cuda (default omp)\n"
    "  -t, --threads LIST|all thread counts for omp (default all: 1,2,4,.. and the cores)\n"
    "  --sizes LIST           base sizes of the one selected workload: life WxH (or N),\n"
    "                         fib n (1e6 ok), csv rows; with several workloads use\n"
    "  --life-sizes, --fib-sizes, --csv-sizes LIST  (defaults 2048x2048, 1e6, 1e6)\n"
    "  --mode strong|weak     default strong\n"
    "  --repeat R             measured samples per point (default 3)\n"
    "  --warmup W             unrecorded samples per point first (default 1)\n"
    "  --min-time S           seconds a measured sample lasts at least (default 0.5;\n"
    "                         0: run the problems exactly as given)\n"
    "  -o, --out FILE.csv     results (default bench-results.csv); an existing file\n"
    "                         only with --force, replaced once the sweep succeeded\n"
    "  --force                replace an existing --out\n"
    "  --verify-backend NAME  reference: omp on 1 thread (default) or serial (the\n"
    "                         oracle: slow on large problems)\n"
    "  --life-steps N         generations per run (default 100; more with --min-time);\n"
    "  --life-density D, --life-seed S  random soup (defaults 0.5, 1); dense stepping\n"
    "  --fib-tasks T          tasks per batch (strong: default the largest thread\n"
    "                         count; weak: per thread, default 1)\n"
    "  --fib-algo doubling|linear  (cuda always runs linear)\n"
    "  --csv-op stats|split   the measured CSV operation (default stats)\n"
    "  --csv-by COLUMN        its key column (default Region)\n"
    "  --device N             cuda device\n"
    "  --workdir DIR          where CSV inputs and outputs go (default a temporary folder)\n"
    "  --summary-json FILE|-  the closing table as JSON (-: on stdout, instead of it)\n"
    "  --no-summary           no closing table\n"
    "  --dry-run              print the plan and exit\n"
    "  -q, --quiet            no progress\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit codes: 0 success, 1 run-time failure or a verification mismatch,\n"
    "2 bad usage or input.\n";

/* ------------------------------------------------------------------ the plan */

static int same_problem(const bench_problem_t *a, const bench_problem_t *b) {
    return a->workload == b->workload && a->width == b->width && a->height == b->height &&
           a->steps == b->steps && a->n == b->n && a->tasks == b->tasks && a->rows == b->rows;
}

/* The base problem of size s grown by `scale` (weak scaling). */
static bench_problem_t make_problem(const bench_opts_t *o, bench_workload_t w, bench_size_t s,
                                    int scale, int max_threads) {
    bench_problem_t p;
    memset(&p, 0, sizeof p);
    p.workload = w;
    if (w == BENCH_LIFE) {
        p.width = s.a;
        p.height = s.b * scale; /* rows: the slab direction of the MPI design */
        p.steps = o->life_steps;
    } else if (w == BENCH_FIB) {
        p.n = (uint64_t)s.a;
        p.tasks = o->mode == BENCH_WEAK ? (o->fib_tasks ? o->fib_tasks : 1) * scale
                                        : (o->fib_tasks ? o->fib_tasks : max_threads);
    } else {
        p.rows = (uint64_t)s.a * (uint64_t)scale;
    }
    return p;
}

/* Is backend b available for workload w in this build? (a note if not) */
static int backend_available(bench_workload_t w, const char *b, corun_err_t *err) {
    switch (w) {
    case BENCH_LIFE: return corun_life_backend_find(b, err) != NULL;
    case BENCH_FIB: return corun_fib_backend_find(b, err) != NULL;
    default: return corun_csv_backend_find(b, err) != NULL;
    }
}

static int find_ref(bench_t *B, const bench_problem_t *p) {
    for (int i = 0; i < B->nrefs; i++)
        if (same_problem(&B->refs[i].prob, p)) return i;
    B->refs[B->nrefs].prob = *p;
    return B->nrefs++;
}

static int add_point(bench_t *B, bench_workload_t w, int si, const char *backend, int threads,
                     int scale) {
    const bench_opts_t *o = B->o;
    bench_point_t *pt = &B->pts[B->npts];
    memset(pt, 0, sizeof *pt);
    pt->prob = make_problem(o, w, o->sizes[w][si], scale, o->threads[o->nthreads - 1]);
    pt->size_idx = si;
    snprintf(pt->backend, sizeof pt->backend, "%s", backend);
    pt->threads = threads;
    pt->ref = find_ref(B, &pt->prob);
    pt->inner = 1;
    pt->reps = calloc((size_t)o->repeat, sizeof *pt->reps);
    pt->secs = calloc((size_t)o->repeat, sizeof *pt->secs);
    pt->foms = calloc((size_t)o->repeat, sizeof *pt->foms);
    if (!pt->reps || !pt->secs || !pt->foms) return CORUN_ENOMEM;
    B->npts++;
    return 0;
}

/* Points in run order: per workload and size, the reference backend first
 * (its first run then is the reference of the base problem), then the
 * others in the order given, thread counts ascending. */
static int build_plan(bench_t *B, corun_err_t *err) {
    bench_opts_t *o = B->o;
    size_t cap = 0;
    for (int w = 0; w < BENCH_NWORKLOADS; w++)
        cap += (size_t)o->nsizes[w] * (size_t)o->nbackends * (size_t)o->nthreads;
    B->pts = calloc(cap + 1, sizeof *B->pts);
    B->refs = calloc(cap + 1, sizeof *B->refs);
    B->probes = calloc(cap + 1, sizeof *B->probes);
    if (!B->pts || !B->refs || !B->probes) return corun_err_set(err, CORUN_ENOMEM, "out of memory");
    for (int w = 0; w < BENCH_NWORKLOADS; w++) {
        if (!o->workloads[w]) continue;
        const char *order[BENCH_LIST_MAX];
        int n = 0, navail = 0;
        for (int b = 0; b < o->nbackends; b++)
            if (!strcmp(o->backends[b], o->verify_backend)) order[n++] = o->backends[b];
        for (int b = 0; b < o->nbackends; b++)
            if (strcmp(o->backends[b], o->verify_backend)) order[n++] = o->backends[b];
        for (int b = 0; b < n; b++) {
            corun_err_t e = {0};
            if (!backend_available((bench_workload_t)w, order[b], &e)) {
                fprintf(stderr, "corun: bench: %s: skipping backend %s: %s\n",
                        bench_workload_name((bench_workload_t)w), order[b], e.msg);
                order[b] = NULL;
            } else navail++;
        }
        if (!navail)
            return corun_err_set(err, CORUN_EINVAL, "workload %s: none of the backends is "
                                 "available in this build", bench_workload_name((bench_workload_t)w));
        for (int si = 0; si < o->nsizes[w]; si++)
            for (int b = 0; b < n; b++) {
                if (!order[b]) continue;
                int rc;
                if (!strcmp(order[b], "omp")) {
                    for (int t = 0; t < o->nthreads; t++) {
                        int th = o->threads[t];
                        if ((rc = add_point(B, (bench_workload_t)w, si, order[b], th,
                                            o->mode == BENCH_WEAK ? th : 1)))
                            return corun_err_set(err, rc, "out of memory");
                    }
                } else if ((rc = add_point(B, (bench_workload_t)w, si, order[b],
                                           strcmp(order[b], "cuda") ? 1 : 0, 1))) {
                    return corun_err_set(err, rc, "out of memory");
                }
            }
    }
    return 0;
}

/* Does point pt produce the reference result itself (its first run)? */
static int is_reference_run(const bench_t *B, const bench_point_t *pt) {
    return !strcmp(pt->backend, B->o->verify_backend) && pt->threads <= 1;
}

/* ------------------------------------------------------------- estimates */

static int probe_for(bench_t *B, const bench_point_t *pt) {
    for (int i = 0; i < B->nprobes; i++) {
        const bench_probe_t *p = &B->probes[i];
        if (p->w == pt->prob.workload && p->size_idx == pt->size_idx &&
            !strcmp(p->backend, pt->backend))
            return i;
    }
    return -1;
}

/* Expected seconds of one run of problem q on backend/threads, from probe p:
 * work scales linearly with the problem, threads help up to the cores. */
static double estimate_parts(const bench_t *B, const bench_probe_t *p, const bench_problem_t *q,
                             int threads, double *measured) {
    *measured = 0;
    if (!p || !p->ok) return 0;
    double speed = threads > 1 ? (threads < B->cores ? threads : B->cores) : 1;
    double work = 1, size = 1;
    switch (q->workload) {
    case BENCH_LIFE:
        size = (double)(q->width * q->height) / (double)(p->prob.width * p->prob.height);
        work = size * (double)q->steps / (double)p->prob.steps;
        break;
    case BENCH_FIB:
        if (speed > (double)q->tasks) speed = (double)q->tasks;
        work = (double)q->tasks / (double)p->prob.tasks;
        break;
    default: size = work = (double)q->rows / (double)p->prob.rows; break;
    }
    *measured = p->secs * work / speed;
    return (p->wall - p->secs) * size + *measured;
}

static double estimate(const bench_t *B, const bench_probe_t *p, const bench_problem_t *q, int threads) {
    double measured;
    return estimate_parts(B, p, q, threads, &measured);
}

static double estimate_measured(const bench_t *B, const bench_point_t *pt) {
    double measured;
    estimate_parts(B, &B->probes[pt->probe], &pt->prob, pt->threads, &measured);
    return measured > 1e-7 ? measured : 1e-7; /* below the timer: tiny, not zero */
}

/* Generations for which life point pt's measured part lasts about t
 * seconds, starting from the probes' estimate m for steps0 generations and
 * checked by running it (a probe of a few generations is dominated by
 * start-up and overestimates small grids by 10x): up to 4 runs, each at most
 * about t. */
static int64_t calibrate_steps(bench_t *B, bench_point_t *pt, double t, double m,
                               int64_t steps0, double *measured, corun_err_t *err) {
    *measured = -1;
    int64_t steps = steps0;
    for (int i = 0; i < 5; i++) {
        double f = t / (m > 1e-7 ? m : 1e-7) * (double)steps;
        if (f > 1e9) f = 1e9;
        int64_t next = (int64_t)f + (f > (double)(int64_t)f);
        if (next <= steps || i == 4) break;
        steps = next;
        bench_problem_t q = pt->prob;
        q.steps = steps;
        bench_sample_t s;
        if (bench_run_point(&B->env, &q, pt->backend, pt->threads, &s, err)) return -1;
        *measured = m = s.seconds;
        if (m >= 0.7 * t) break;
    }
    return steps;
}

/* --min-time: grows each point so that a measured sample lasts at least
 * that long, judged from the probes. life: more generations for every point
 * of a size (a strong-scaling curve compares one problem), chosen for the
 * fastest expected point and checked on it; fib and csv: several runs per
 * sample, their problem as given. The references follow the grown problems. */
static int size_points(bench_t *B, corun_err_t *err) {
    const bench_opts_t *o = B->o;
    if (o->min_time <= 0) return 0;
    for (int w = 0; w < BENCH_NWORKLOADS; w++) {
        for (int si = 0; si < o->nsizes[w]; si++) {
            double fastest = -1;
            int64_t steps0 = 0;
            bench_point_t *fast = NULL;
            for (int i = 0; i < B->npts; i++) {
                bench_point_t *pt = &B->pts[i];
                if ((int)pt->prob.workload != w || pt->size_idx != si) continue;
                double m = estimate_measured(B, pt);
                if (w != BENCH_LIFE) {
                    double k = m < o->min_time ? o->min_time / m : 1;
                    pt->inner = k > 10000 ? 10000 : (int)k + (k > (int)k);
                } else if (fastest < 0 || m < fastest) {
                    fastest = m;
                    steps0 = pt->prob.steps;
                    fast = pt;
                }
            }
            if (w != BENCH_LIFE || fastest < 0 || fastest >= o->min_time) continue;
            if (B->show_bar || B->plain)
                fprintf(stderr, "%sbench: sizing life %lldx%lld to --min-time %g ...",
                        B->show_bar ? "\r" : "", (long long)o->sizes[w][si].a,
                        (long long)o->sizes[w][si].b, o->min_time), fflush(stderr);
            double measured;
            int64_t steps = calibrate_steps(B, fast, o->min_time, fastest, steps0, &measured, err);
            if (B->plain) fputc('\n', stderr);
            if (steps < 0) return corun_err_prefix(err, "sizing life to --min-time");
            /* The probes of this size were off by the same start-up cost:
             * correct them by what the check measured, for the expected
             * total time. */
            double ratio = measured > 0 ? measured / (fastest * (double)steps / (double)steps0) : 1;
            for (int i = 0; i < B->nprobes; i++)
                if (B->probes[i].w == BENCH_LIFE && B->probes[i].size_idx == si)
                    B->probes[i].secs *= ratio;
            for (int i = 0; i < B->npts; i++)
                if ((int)B->pts[i].prob.workload == w && B->pts[i].size_idx == si)
                    B->pts[i].prob.steps = steps;
            if (!o->quiet)
                fprintf(stderr, "%sbench: life %lldx%lld: %lld generations would take ~%.2g s at "
                        "the fastest point; running %lld (--min-time %g)\n",
                        B->show_bar ? "\r\033[K" : "", (long long)o->sizes[w][si].a,
                        (long long)o->sizes[w][si].b, (long long)steps0, fastest,
                        (long long)steps, o->min_time);
        }
    }
    B->nrefs = 0;
    for (int i = 0; i < B->npts; i++) B->pts[i].ref = find_ref(B, &B->pts[i].prob);
    return 0;
}

/* One short run per workload x size x backend, on its lowest thread count:
 * life steps 1/20 of the generations, fib one task, csv the whole base
 * input (which also generates it, once). */
static int run_probes(bench_t *B, corun_err_t *err) {
    for (int i = 0; i < B->npts; i++) {
        bench_point_t *pt = &B->pts[i];
        if ((pt->probe = probe_for(B, pt)) >= 0) continue;
        bench_probe_t *p = &B->probes[B->nprobes];
        p->w = pt->prob.workload;
        p->size_idx = pt->size_idx;
        snprintf(p->backend, sizeof p->backend, "%s", pt->backend);
        p->prob = make_problem(B->o, p->w, B->o->sizes[p->w][pt->size_idx], 1, 1);
        if (p->w == BENCH_LIFE) p->prob.steps = pt->prob.steps >= 20 ? pt->prob.steps / 20 : 1;
        if (p->w == BENCH_FIB) p->prob.tasks = 1;
        if (B->show_bar || B->plain)
            fprintf(stderr, "%sbench: probing %s %s ...", B->show_bar ? "\r" : "",
                    bench_workload_name(p->w), p->backend), fflush(stderr);
        bench_sample_t s;
        double t0 = corun_now();
        int rc = bench_run_point(&B->env, &p->prob, p->backend, pt->threads, &s, err);
        p->wall = corun_now() - t0;
        p->secs = s.seconds;
        if (B->plain) fputc('\n', stderr);
        if (rc) return corun_err_prefix(err, "probe of %s on %s", bench_workload_name(p->w),
                                        p->backend);
        p->ok = 1;
        pt->probe = B->nprobes++;
    }
    if (B->show_bar) fputs("\r\033[K", stderr);
    return 0;
}

/* ---------------------------------------------------------- descriptions */

static void read_cpu_model(char *buf, size_t n) {
    snprintf(buf, n, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10)) continue;
        char *v = strchr(line, ':');
        if (!v) continue;
        v++;
        while (*v == ' ') v++;
        v[strcspn(v, "\n")] = '\0';
        snprintf(buf, n, "%s", v);
        break;
    }
    fclose(f);
}

static void read_gpu_name(const bench_opts_t *o, char *buf, size_t n) {
    corun_cuda_device_t dev[16];
    int nd = corun_cuda_devices(dev, 16, NULL);
    int want = o->device >= 0 ? o->device : 0;
    if (nd > want && want < 16)
        snprintf(buf, n, "%s%s", dev[want].name,
                 dev[want].emulated && !strstr(dev[want].name, "emulat") ? " (emulated)" : "");
    else
        snprintf(buf, n, "no CUDA device");
}

/* --------------------------------------------------------------- progress */

static void fmt_secs(double s, char *buf, size_t n) {
    if (s < 120) snprintf(buf, n, "%.0f s", s);
    else if (s < 7200) snprintf(buf, n, "%.0f min %02.0f s", (double)(long)(s / 60), s - 60 * (double)(long)(s / 60));
    else snprintf(buf, n, "%.1f h", s / 3600);
}

static void show_bar(bench_t *B, const char *what) {
    if (!B->show_bar) return;
    double el = corun_now() - B->t0;
    /* Time left: the remaining estimate, corrected by how the estimate has
     * fared so far. */
    double ratio = B->est_done > 0 ? el / B->est_done : 1;
    double left = (B->est_total - B->est_done) * ratio;
    if (left < 0) left = 0;
    double frac = B->est_total > 0 ? B->est_done / B->est_total : (double)B->runs_done / B->runs_total;
    if (frac > 1) frac = 1;
    char bar[31], els[32], lefts[32];
    int fill = (int)(frac * 30);
    for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fmt_secs(el, els, sizeof els);
    fmt_secs(left, lefts, sizeof lefts);
    fprintf(stderr, "\r\033[K[%s] %3.0f%% run %d/%d  %.50s  %s, ~%s left", bar, 100 * frac,
            B->runs_done, B->runs_total, what, els, lefts);
    fflush(stderr);
}

/* -------------------------------------------------------------- the runs */

static int mismatch(bench_t *B, const bench_point_t *pt, const char *what, uint64_t got) {
    const bench_reference_t *r = &B->refs[pt->ref];
    char label[256];
    bench_point_label(pt, label, sizeof label);
    if (B->show_bar) fputs("\r\033[K", stderr);
    cli_error("bench: VERIFICATION FAILED: %s, %s: hash %016llx, but the reference (%s) is "
              "%016llx",
              label, what, (unsigned long long)got, r->source, (unsigned long long)r->hash);
    return CORUN_EXIT_FAILURE;
}

/* The reference of pt's problem: an extra unrecorded run of the verify
 * backend on 1 thread, when no point provides it. */
static int ensure_reference(bench_t *B, const bench_point_t *pt, corun_err_t *err) {
    bench_reference_t *r = &B->refs[pt->ref];
    if (r->have || is_reference_run(B, pt)) return 0;
    char label[160];
    bench_point_label(pt, label, sizeof label);
    if (B->plain) fprintf(stderr, "bench: reference run (%s, 1 thread) for %s\n",
                          B->o->verify_backend, label);
    show_bar(B, "reference run");
    bench_sample_t s;
    int rc = bench_run_point(&B->env, &pt->prob, B->o->verify_backend, 1, &s, err);
    if (rc) return corun_err_prefix(err, "reference run (%s) for %s", B->o->verify_backend, label);
    r->hash = s.hash;
    r->have = 1;
    snprintf(r->source, sizeof r->source, "%s on 1 thread, extra run", B->o->verify_backend);
    return 0;
}

/* Test hook (docs/BENCH.md): CORUN_BENCH_FAULT=BACKEND@THREADS flips a bit
 * of that point's hashes, so the tests can drive the mismatch path without a
 * broken backend. */
static int fault_hash(const bench_point_t *pt) {
    const char *f = getenv("CORUN_BENCH_FAULT");
    if (!f || !f[0]) return 0;
    char me[32];
    snprintf(me, sizeof me, "%s@%d", pt->backend, pt->threads);
    return !strcmp(f, me);
}

/* One sample of pt: pt->inner runs back to back (each verified to give the
 * same hash), their mean time, and the cores other processes took meanwhile. */
static int run_sample(bench_t *B, bench_point_t *pt, bench_sample_t *s, double *other,
                      corun_err_t *err) {
    bench_cpu_mark_t a, b;
    double secs = 0;
    bench_cpu_mark(&a);
    for (int i = 0; i < pt->inner; i++) {
        bench_sample_t one;
        int rc = bench_run_point(&B->env, &pt->prob, pt->backend, pt->threads, &one, err);
        if (rc) return rc;
        if (i && one.hash != s->hash)
            return corun_err_set(err, CORUN_EINVAL, "run %d of a sample gave hash %016llx, "
                                 "run 1 gave %016llx", i + 1, (unsigned long long)one.hash,
                                 (unsigned long long)s->hash);
        if (!i) *s = one;
        secs += one.seconds;
    }
    bench_cpu_mark(&b);
    *other = bench_other_cpu(&a, &b);
    /* The work of one run is fom x seconds: the same for every run. */
    double mean = secs / pt->inner;
    if (mean > 0) s->fom = s->fom * s->seconds / mean;
    s->seconds = mean;
    return 0;
}

static int run_point(bench_t *B, bench_point_t *pt, int idx, int *exit_code) {
    const bench_opts_t *o = B->o;
    corun_err_t err = {0};
    char label[256];
    bench_point_label(pt, label, sizeof label);
    if (ensure_reference(B, pt, &err)) {
        if (B->show_bar) fputs("\r\033[K", stderr);
        cli_error("bench: %s", err.msg);
        return *exit_code = CORUN_EXIT_FAILURE;
    }
    bench_reference_t *r = &B->refs[pt->ref];
    for (int k = 0; k < o->warmup + o->repeat; k++) {
        int rep = k - o->warmup; /* < 0: warm-up */
        show_bar(B, label);
        bench_sample_t s;
        double other = -1;
        time_t when = time(NULL);
        int rc = run_sample(B, pt, &s, &other, &err);
        if (rc) {
            if (B->show_bar) fputs("\r\033[K", stderr);
            cli_error("bench: %s: %s", label, err.msg);
            return *exit_code = CORUN_EXIT_FAILURE;
        }
        if (fault_hash(pt)) s.hash ^= 1;
        const char *verified = "ok";
        if (!r->have) { /* the reference point's first run */
            r->hash = s.hash;
            r->have = 1;
            snprintf(r->source, sizeof r->source, "%s%s", pt->backend,
                     pt->threads == 1 && strcmp(pt->backend, "serial") ? " on 1 thread" : "");
            verified = "ref";
        } else if (s.hash != r->hash) {
            verified = "MISMATCH";
        }
        if (rep >= 0) {
            bench_rep_t *r = &pt->reps[rep];
            r->s = s;
            snprintf(r->verified, sizeof r->verified, "%s", verified);
            r->when = (long long)when;
            r->other_cpu = other;
            pt->secs[rep] = s.seconds;
            pt->foms[rep] = s.fom;
            pt->done++;
            char note[160];
            bench_point_note(B, pt, note, sizeof note);
            bench_csv_row(B, B->csv, pt, rep + 1, r, note);
            fflush(B->csv);
            B->rows++;
        }
        if (!strcmp(verified, "MISMATCH"))
            return *exit_code = mismatch(B, pt, rep >= 0 ? "a measured run" : "a warm-up run",
                                         s.hash);
        B->runs_done++;
        B->est_done += pt->est;
    }
    if (B->plain) {
        char unit_fom[64];
        snprintf(unit_fom, sizeof unit_fom, "%.4g %s", bench_median(pt->foms, pt->done),
                 bench_fom_unit(pt->prob.workload));
        fprintf(stderr, "bench: [%d/%d] %s: median %.4g s, %s, hash %016llx verified\n", idx + 1,
                B->npts, label, bench_median(pt->secs, pt->done), unit_fom,
                (unsigned long long)r->hash);
    }
    if (!o->quiet) {
        char note[160];
        bench_point_note(B, pt, note, sizeof note);
        if (note[0]) {
            if (B->show_bar) fputs("\r\033[K", stderr);
            fprintf(stderr, "corun: bench: warning: %s is unreliable: %s\n", label, note);
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- command */

static void bench_free(bench_t *B) {
    for (int i = 0; i < B->npts; i++)
        free(B->pts[i].reps), free(B->pts[i].secs), free(B->pts[i].foms);
    free(B->pts);
    free(B->refs);
    free(B->probes);
}

int cmd_bench(int argc, char **argv) {
    bench_opts_t o;
    bench_opts_defaults(&o);
    int help = 0, rc = bench_opts_parse_args(argc, argv, &o, &help);
    if (rc) return rc;
    if (help) {
        fputs(bench_usage, stdout);
        return CORUN_EXIT_OK;
    }
    bench_t B;
    memset(&B, 0, sizeof B);
    B.o = &o;
    long nc = sysconf(_SC_NPROCESSORS_ONLN);
    B.cores = nc > 0 ? (int)nc : 1;
    corun_err_t err = {0};
    int exit_code = CORUN_EXIT_OK;
    char est[32] = "?";
    double took_s = 0;
    if (build_plan(&B, &err)) {
        cli_error("bench: %s", err.msg);
        bench_free(&B);
        return CORUN_EXIT_USAGE;
    }
    for (int i = 0; i < B.npts; i++) B.runs_total += o.warmup + o.repeat;
    /* The overwrite rule of every output, before any work. */
    if (!o.dry_run && !o.force && access(o.out, F_OK) == 0) {
        cli_error("bench: out %s exists (use --force to replace it)", o.out);
        bench_free(&B);
        return CORUN_EXIT_USAGE;
    }
    if (!o.dry_run && corun_file_replaceable(o.out, &err)) {
        cli_error("bench: out %s", err.msg);
        bench_free(&B);
        return CORUN_EXIT_USAGE;
    }
    if (o.dry_run) {
        printf("bench plan (%s scaling): %d points, %d runs each (%d warm-up + %d measured)\n",
               o.mode == BENCH_WEAK ? "weak" : "strong", B.npts, o.warmup + o.repeat, o.warmup,
               o.repeat);
        for (int i = 0; i < B.npts; i++) {
            char label[256];
            bench_point_label(&B.pts[i], label, sizeof label);
            printf("  %s\n", label);
        }
        bench_free(&B);
        return CORUN_EXIT_OK;
    }
    read_cpu_model(B.cpu, sizeof B.cpu);
    read_gpu_name(&o, B.gpu, sizeof B.gpu);
    if (gethostname(B.host, sizeof B.host) != 0) snprintf(B.host, sizeof B.host, "unknown");
    B.show_bar = !o.quiet && isatty(2);
    B.plain = !o.quiet && !B.show_bar;
    if (bench_env_open(&B.env, &o, &err)) {
        cli_error("bench: %s", err.msg);
        bench_free(&B);
        return CORUN_EXIT_FAILURE;
    }
    /* Rows go to OUT.part-PID as they are measured (a killed sweep keeps
     * what it measured there) and are renamed to OUT at the end; an older
     * OUT (--force) is replaced only by a sweep that succeeded, and stays
     * whole otherwise. */
    const int replacing = access(o.out, F_OK) == 0;
    char part[CLI_PATH_MAX + 32];
    snprintf(part, sizeof part, "%s.part-%ld", o.out, (long)getpid());
    B.csv = fopen(part, "w");
    if (!B.csv) {
        cli_error("bench: out %s: cannot create: %m", part);
        exit_code = CORUN_EXIT_FAILURE;
        goto out;
    }
    bench_csv_header(B.csv);
    fflush(B.csv);

    double tp = corun_now();
    if (run_probes(&B, &err)) {
        cli_error("bench: %s", err.msg);
        exit_code = err.code == CORUN_EINVAL ? CORUN_EXIT_USAGE : CORUN_EXIT_FAILURE;
        goto out;
    }
    if (size_points(&B, &err)) {
        cli_error("bench: %s", err.msg);
        exit_code = CORUN_EXIT_FAILURE;
        goto out;
    }
    /* Expected time: every run of every point, plus the extra reference runs
     * (weak scaling needs one per grown problem). */
    int extra_refs = 0;
    double est_refs = 0;
    for (int i = 0; i < B.npts; i++) {
        bench_point_t *pt = &B.pts[i];
        pt->est = estimate(&B, &B.probes[pt->probe], &pt->prob, pt->threads) * pt->inner;
        B.est_total += pt->est * (o.warmup + o.repeat);
        int provided = 0;
        for (int j = 0; j < B.npts; j++)
            if (B.pts[j].ref == pt->ref && is_reference_run(&B, &B.pts[j])) provided = 1;
        int first = 1;
        for (int j = 0; j < i; j++)
            if (B.pts[j].ref == pt->ref) first = 0;
        if (!provided && first) {
            extra_refs++;
            est_refs += estimate(&B, &B.probes[pt->probe], &pt->prob, 1) * 1.5;
        }
    }
    B.est_total += est_refs;
    char probe_s[32];
    fmt_secs(B.est_total, est, sizeof est);
    fmt_secs(corun_now() - tp, probe_s, sizeof probe_s);
    if (!o.quiet)
        fprintf(stderr,
                "bench: %s scaling, %d points x (%d warm-up + %d measured) = %d runs%s; "
                "expected total time ~%s (from probes that took %s; assumes linear scaling "
                "up to %d cores)\n",
                o.mode == BENCH_WEAK ? "weak" : "strong", B.npts, o.warmup, o.repeat,
                B.runs_total, extra_refs ? " + extra reference runs" : "", est, probe_s,
                B.cores);

    B.t0 = corun_now();
    for (int i = 0; i < B.npts && exit_code == CORUN_EXIT_OK; i++)
        run_point(&B, &B.pts[i], i, &exit_code);
    if (B.show_bar) fputs("\r\033[K", stderr);
    took_s = corun_now() - B.t0;
out:
    errno = 0;
    if (B.csv && (ferror(B.csv) | fclose(B.csv)) && exit_code == CORUN_EXIT_OK) {
        cli_error("bench: out %s: write failed: %s", part,
                  errno ? strerror(errno) : "an earlier write failed");
        exit_code = CORUN_EXIT_FAILURE;
    }
    /* A finished sweep's file is written again from memory: every row then
     * carries its point's final reliability (the spread is known only once
     * all repetitions ran). */
    if (B.csv && exit_code == CORUN_EXIT_OK && bench_write_results(&B, part)) {
        cli_error("bench: out %s: write failed: %m", part);
        exit_code = CORUN_EXIT_FAILURE;
    }
    if (B.csv && (exit_code == CORUN_EXIT_OK || !replacing)) {
        if (rename(part, o.out)) {
            cli_error("bench: out %s: cannot rename %s into place: %m", o.out, part);
            exit_code = CORUN_EXIT_FAILURE;
        }
    } else if (B.csv) {
        fprintf(stderr, "corun: bench: %s left as it was; the rows measured are in %s\n", o.out,
                part);
    }
    if (exit_code == CORUN_EXIT_OK) {
        const char *json = o.summary.json;
        if (!o.summary.off && strcmp(json, "-")) {
            char took[32];
            fmt_secs(took_s, took, sizeof took);
            bench_print_table(&B);
            printf("\nbench: %d points verified, %d rows in %s, took %s (expected ~%s)\n", B.npts,
                   B.rows, o.out, took, est);
        }
        if (json[0]) exit_code = bench_write_json(&B, json, took_s);
    }
    bench_env_close(&B.env);
    bench_free(&B);
    fflush(stdout);
    return exit_code;
}
