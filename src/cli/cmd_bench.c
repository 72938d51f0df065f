/* cmd_bench.c — `corun bench`: strong/weak scaling sweeps over workloads,
 * backends, thread counts and sizes. Builds the plan (one point per
 * workload x size x backend x thread count), probes each backend once to
 * print the expected total time, runs every point (warm-up runs, then
 * repetitions), verifies every run's hash against the reference result of
 * the same problem (serial, or omp on 1 thread), writes one CSV row per
 * repetition as it finishes, and ends with a table of speedup and parallel
 * efficiency. A hash mismatch stops the bench with exit code 1.
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
    "                   [--repeat R] [--warmup W] [--out results.csv] [--config FILE.ini]\n"
    "\n"
    "Runs a scaling sweep: every workload x size x backend x thread count is a\n"
    "point, run W times unrecorded, then R times measured. Each repetition is a\n"
    "row of the results CSV (columns in docs/BENCH.md). Every run's hash is\n"
    "compared with the reference result of the same problem (the serial backend,\n"
    "or omp on 1 thread: --verify-backend); a mismatch stops the bench (exit 1).\n"
    "strong: the problem is fixed; weak: it grows with the threads (life: height,\n"
    "fib: tasks, csv: rows). serial and cuda have no thread count: they run the\n"
    "base problem once per size. The expected total time is printed up front\n"
    "(from one short probe per backend), a progress bar follows on a terminal\n"
    "(plain lines otherwise), and a table of speedup and parallel efficiency ends\n"
    "the run on stdout.\n"
    "\n"
    "options (each also an INI key under [bench]; flags override the config file):\n"
    "  --config FILE.ini      read options from an INI file (configs/bench-*.ini)\n"
    "  --workload LIST        life, fib, csv or all (default life)\n"
    "  --backends LIST        serial,omp,cuda (default serial,omp)\n"
    "  --threads LIST|all     thread counts for omp (default all: 1,2,4,.. and the cores)\n"
    "  --sizes LIST           base sizes of the one selected workload: life WxH (or N),\n"
    "                         fib n (1e6 ok), csv rows; with several workloads use\n"
    "  --life-sizes, --fib-sizes, --csv-sizes LIST  (defaults 2048x2048, 1e6, 1e6)\n"
    "  --mode strong|weak     default strong\n"
    "  --repeat R             measured runs per point (default 3)\n"
    "  --warmup W             unrecorded runs per point first (default 1)\n"
    "  --out FILE.csv         results (default bench-results.csv); an existing file\n"
    "                         only with --force, replaced once the sweep succeeded\n"
    "  --force                replace an existing --out\n"
    "  --verify-backend NAME  reference: serial (default) or omp (on 1 thread)\n"
    "  --life-steps N         generations per run (default 100); random soup with\n"
    "  --life-density D, --life-seed S  (defaults 0.5, 1); dense stepping\n"
    "  --fib-tasks T          tasks per batch (strong: default the largest thread\n"
    "                         count; weak: per thread, default 1)\n"
    "  --fib-algo doubling|linear  (cuda always runs linear)\n"
    "  --csv-op stats|split   the measured CSV operation (default stats)\n"
    "  --csv-by COLUMN        its key column (default Region)\n"
    "  --device N             cuda device\n"
    "  --workdir DIR          where CSV inputs and outputs go (default a temporary folder)\n"
    "  --dry-run              print the plan and exit\n"
    "  --quiet                no progress\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit codes: 0 success, 1 run-time failure or a verification mismatch,\n"
    "2 bad usage or input.\n";

/* ------------------------------------------------------------------ the plan */

typedef struct point {
    bench_problem_t prob;
    int size_idx;      /* which base size */
    char backend[16];
    int threads;       /* 0: not a CPU thread count (cuda) */
    double est;        /* expected seconds of one run */
    int probe;         /* index of the probe that estimates it */
    int ref;           /* index into the reference table */
    /* results */
    double *secs, *foms; /* repeat entries */
    int done;          /* measured repetitions */
} point_t;

typedef struct reference {
    bench_problem_t prob;
    uint64_t hash;
    int have;
    char source[48]; /* "serial", "omp@1 (extra run)" */
} reference_t;

typedef struct probe {
    bench_workload_t w;
    int size_idx;
    char backend[16];
    bench_problem_t prob; /* reduced problem */
    double wall, secs;    /* whole run; measured part */
    int ok;
} probe_t;

typedef struct bench {
    bench_opts_t *o;
    bench_env_t env;
    point_t *pts;
    int npts;
    reference_t *refs;
    int nrefs;
    probe_t *probes;
    int nprobes;
    int cores;
    char cpu[256], gpu[256], host[256];
    FILE *csv;
    int rows;
    /* progress */
    int show_bar, plain;
    double t0, est_total, est_done;
    int runs_total, runs_done;
} bench_t;

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
    point_t *pt = &B->pts[B->npts];
    memset(pt, 0, sizeof *pt);
    pt->prob = make_problem(o, w, o->sizes[w][si], scale, o->threads[o->nthreads - 1]);
    pt->size_idx = si;
    snprintf(pt->backend, sizeof pt->backend, "%s", backend);
    pt->threads = threads;
    pt->ref = find_ref(B, &pt->prob);
    pt->secs = calloc((size_t)o->repeat, sizeof *pt->secs);
    pt->foms = calloc((size_t)o->repeat, sizeof *pt->foms);
    if (!pt->secs || !pt->foms) return CORUN_ENOMEM;
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
static int is_reference_run(const bench_t *B, const point_t *pt) {
    return !strcmp(pt->backend, B->o->verify_backend) && pt->threads <= 1;
}

/* ------------------------------------------------------------- estimates */

static int probe_for(bench_t *B, const point_t *pt) {
    for (int i = 0; i < B->nprobes; i++) {
        const probe_t *p = &B->probes[i];
        if (p->w == pt->prob.workload && p->size_idx == pt->size_idx &&
            !strcmp(p->backend, pt->backend))
            return i;
    }
    return -1;
}

/* Expected seconds of one run of problem q on backend/threads, from probe p:
 * work scales linearly with the problem, threads help up to the cores. */
static double estimate(const bench_t *B, const probe_t *p, const bench_problem_t *q, int threads) {
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
    return (p->wall - p->secs) * size + p->secs * work / speed;
}

/* One short run per workload x size x backend, on its lowest thread count:
 * life steps 1/20 of the generations, fib one task, csv the whole base
 * input (which also generates it, once). */
static int run_probes(bench_t *B, corun_err_t *err) {
    for (int i = 0; i < B->npts; i++) {
        point_t *pt = &B->pts[i];
        if ((pt->probe = probe_for(B, pt)) >= 0) continue;
        probe_t *p = &B->probes[B->nprobes];
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

/* One CSV field, quoted per RFC 4180 when it needs it. */
static void csv_field(FILE *f, const char *s, int last) {
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"') fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

static const char csv_header[] =
    "workload,backend,device_or_cpu,threads,problem_size,steps_or_n_or_rows,rep,seconds,fom,"
    "fom_unit,hash,verified,corun_version,host,timestamp\n";

static void csv_row(bench_t *B, const point_t *pt, int rep, const bench_sample_t *s,
                    const char *verified, time_t when) {
    FILE *f = B->csv;
    char num[64], ts[32];
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    csv_field(f, bench_workload_name(pt->prob.workload), 0);
    csv_field(f, pt->backend, 0);
    csv_field(f, strcmp(pt->backend, "cuda") ? B->cpu : B->gpu, 0);
    fprintf(f, "%d,%lld,%lld,%d,%.9f,%.6g,", pt->threads,
            (long long)bench_problem_size(&pt->prob), (long long)bench_problem_count(&pt->prob),
            rep, s->seconds, s->fom);
    csv_field(f, bench_fom_unit(pt->prob.workload), 0);
    snprintf(num, sizeof num, "%016llx", (unsigned long long)s->hash);
    csv_field(f, num, 0);
    csv_field(f, verified, 0);
    csv_field(f, CORUN_VERSION, 0);
    csv_field(f, B->host, 0);
    csv_field(f, ts, 1);
    fflush(f);
    B->rows++;
}

/* --------------------------------------------------------------- progress */

static void fmt_secs(double s, char *buf, size_t n) {
    if (s < 120) snprintf(buf, n, "%.0f s", s);
    else if (s < 7200) snprintf(buf, n, "%.0f min %02.0f s", (double)(long)(s / 60), s - 60 * (double)(long)(s / 60));
    else snprintf(buf, n, "%.1f h", s / 3600);
}

static void point_label(const point_t *pt, char *buf, size_t n) {
    char prob[96];
    bench_problem_label(&pt->prob, prob, sizeof prob);
    if (pt->threads) snprintf(buf, n, "%s %s threads=%d %s", bench_workload_name(pt->prob.workload),
                              pt->backend, pt->threads, prob);
    else snprintf(buf, n, "%s %s %s", bench_workload_name(pt->prob.workload), pt->backend, prob);
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

static int mismatch(bench_t *B, const point_t *pt, const char *what, uint64_t got) {
    const reference_t *r = &B->refs[pt->ref];
    char label[256];
    point_label(pt, label, sizeof label);
    if (B->show_bar) fputs("\r\033[K", stderr);
    cli_error("bench: VERIFICATION FAILED: %s, %s: hash %016llx, but the reference (%s) is "
              "%016llx",
              label, what, (unsigned long long)got, r->source, (unsigned long long)r->hash);
    return CORUN_EXIT_FAILURE;
}

/* The reference of pt's problem: an extra unrecorded run of the verify
 * backend on 1 thread, when no point provides it. */
static int ensure_reference(bench_t *B, const point_t *pt, corun_err_t *err) {
    reference_t *r = &B->refs[pt->ref];
    if (r->have || is_reference_run(B, pt)) return 0;
    char label[160];
    point_label(pt, label, sizeof label);
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

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n) {
    double tmp[1000];
    if (n <= 0) return 0;
    memcpy(tmp, v, (size_t)n * sizeof *v);
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
    return n % 2 ? tmp[n / 2] : 0.5 * (tmp[n / 2 - 1] + tmp[n / 2]);
}

/* Test hook (docs/BENCH.md): CORUN_BENCH_FAULT=BACKEND@THREADS flips a bit
 * of that point's hashes, so the tests can drive the mismatch path without a
 * broken backend. */
static int fault_hash(const point_t *pt) {
    const char *f = getenv("CORUN_BENCH_FAULT");
    if (!f || !f[0]) return 0;
    char me[32];
    snprintf(me, sizeof me, "%s@%d", pt->backend, pt->threads);
    return !strcmp(f, me);
}

static int run_point(bench_t *B, point_t *pt, int idx, int *exit_code) {
    const bench_opts_t *o = B->o;
    corun_err_t err = {0};
    char label[256];
    point_label(pt, label, sizeof label);
    if (ensure_reference(B, pt, &err)) {
        if (B->show_bar) fputs("\r\033[K", stderr);
        cli_error("bench: %s", err.msg);
        return *exit_code = CORUN_EXIT_FAILURE;
    }
    reference_t *r = &B->refs[pt->ref];
    for (int k = 0; k < o->warmup + o->repeat; k++) {
        int rep = k - o->warmup; /* < 0: warm-up */
        show_bar(B, label);
        bench_sample_t s;
        time_t when = time(NULL);
        int rc = bench_run_point(&B->env, &pt->prob, pt->backend, pt->threads, &s, &err);
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
            csv_row(B, pt, rep + 1, &s, verified, when);
            pt->secs[rep] = s.seconds;
            pt->foms[rep] = s.fom;
            pt->done++;
        }
        if (!strcmp(verified, "MISMATCH"))
            return *exit_code = mismatch(B, pt, rep >= 0 ? "a measured run" : "a warm-up run",
                                         s.hash);
        B->runs_done++;
        B->est_done += pt->est;
    }
    if (B->plain) {
        char unit_fom[64];
        snprintf(unit_fom, sizeof unit_fom, "%.4g %s", median(pt->foms, pt->done),
                 bench_fom_unit(pt->prob.workload));
        fprintf(stderr, "bench: [%d/%d] %s: median %.4g s, %s, hash %016llx verified\n", idx + 1,
                B->npts, label, median(pt->secs, pt->done), unit_fom,
                (unsigned long long)r->hash);
    }
    return 0;
}

/* ------------------------------------------------------------- the table */

/* The point a point's speedup is measured against: for omp the same size at
 * its lowest thread count; for serial and cuda (no thread count) the lowest
 * omp point of the same size, else the first point of that size. */
static const point_t *baseline(const bench_t *B, const point_t *pt) {
    const point_t *first = NULL, *omp = NULL;
    for (int i = 0; i < B->npts; i++) {
        const point_t *q = &B->pts[i];
        if (q->prob.workload != pt->prob.workload || q->size_idx != pt->size_idx || !q->done)
            continue;
        if (!first) first = q;
        if (!strcmp(q->backend, "omp") && (!omp || q->threads < omp->threads)) omp = q;
    }
    if (!strcmp(pt->backend, "omp")) return omp;
    return omp ? omp : first;
}

static void print_table(const bench_t *B) {
    printf("\n%-5s %-7s %7s  %-24s %10s %12s %-18s %8s %6s  %s\n", "work", "backend", "threads",
           "problem", "median_s", "fom", "unit", "speedup", "eff", "vs");
    for (int i = 0; i < B->npts; i++) {
        const point_t *pt = &B->pts[i];
        if (!pt->done) continue;
        char prob[96], th[16], sp[16] = "-", eff[16] = "-", vs[32] = "-";
        bench_problem_label(&pt->prob, prob, sizeof prob);
        snprintf(th, sizeof th, pt->threads ? "%d" : "-", pt->threads);
        const point_t *b = baseline(B, pt);
        double f = median(pt->foms, pt->done);
        if (b && b != pt) {
            double fb = median(b->foms, b->done);
            /* Throughput ratios: for strong scaling the work is fixed, so
             * this is T(base)/T(t); for weak scaling it is the scaled
             * speedup t*T(1)/T(t). Efficiency = speedup * t_base / t. */
            double s = fb > 0 ? f / fb : 0;
            snprintf(sp, sizeof sp, "%.3g", s);
            if (!strcmp(pt->backend, "omp"))
                snprintf(eff, sizeof eff, "%.0f%%", 100 * s * b->threads / pt->threads);
            if (b->threads) snprintf(vs, sizeof vs, "%s@%d", b->backend, b->threads);
            else snprintf(vs, sizeof vs, "%s", b->backend);
        } else if (b == pt) {
            snprintf(sp, sizeof sp, "1.00");
            if (!strcmp(pt->backend, "omp")) snprintf(eff, sizeof eff, "100%%");
            snprintf(vs, sizeof vs, "(base)");
        }
        printf("%-5s %-7s %7s  %-24s %10.4g %12.4g %-18s %8s %6s  %s\n",
               bench_workload_name(pt->prob.workload), pt->backend, th, prob,
               median(pt->secs, pt->done), f, bench_fom_unit(pt->prob.workload), sp, eff, vs);
    }
}

/* ---------------------------------------------------------------- command */

static void bench_free(bench_t *B) {
    for (int i = 0; i < B->npts; i++) free(B->pts[i].secs), free(B->pts[i].foms);
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
    if (o.dry_run) {
        printf("bench plan (%s scaling): %d points, %d runs each (%d warm-up + %d measured)\n",
               o.mode == BENCH_WEAK ? "weak" : "strong", B.npts, o.warmup + o.repeat, o.warmup,
               o.repeat);
        for (int i = 0; i < B.npts; i++) {
            char label[256];
            point_label(&B.pts[i], label, sizeof label);
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
    fputs(csv_header, B.csv);
    fflush(B.csv);

    double tp = corun_now();
    if (run_probes(&B, &err)) {
        cli_error("bench: %s", err.msg);
        exit_code = err.code == CORUN_EINVAL ? CORUN_EXIT_USAGE : CORUN_EXIT_FAILURE;
        goto out;
    }
    /* Expected time: every run of every point, plus the extra reference runs
     * (weak scaling needs one per grown problem). */
    int extra_refs = 0;
    double est_refs = 0;
    for (int i = 0; i < B.npts; i++) {
        point_t *pt = &B.pts[i];
        pt->est = estimate(&B, &B.probes[pt->probe], &pt->prob, pt->threads);
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
    char est[32], probe_s[32];
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
    if (exit_code == CORUN_EXIT_OK) {
        char took[32];
        fmt_secs(corun_now() - B.t0, took, sizeof took);
        print_table(&B);
        printf("\nbench: %d points verified, %d rows in %s, took %s (expected ~%s)\n", B.npts,
               B.rows, o.out, took, est);
    }
out:
    errno = 0;
    if (B.csv && (ferror(B.csv) | fclose(B.csv)) && exit_code == CORUN_EXIT_OK) {
        cli_error("bench: out %s: write failed: %s", part,
                  errno ? strerror(errno) : "an earlier write failed");
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
    bench_env_close(&B.env);
    bench_free(&B);
    fflush(stdout);
    return exit_code;
}
