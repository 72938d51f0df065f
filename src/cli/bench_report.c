/* bench_report.c — what `corun bench` hands back: the results CSV (one row
 * per measured repetition), the reliability note of each point, the closing
 * table of speedup and efficiency, and the same table as JSON for scripts.
 * Columns and definitions: docs/BENCH.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_cli.h"

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(const double *v, int n) {
    if (n <= 0) return 0;
    double *tmp = malloc((size_t)n * sizeof *tmp);
    if (!tmp) return v[0];
    memcpy(tmp, v, (size_t)n * sizeof *v);
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
    double m = n % 2 ? tmp[n / 2] : 0.5 * (tmp[n / 2 - 1] + tmp[n / 2]);
    free(tmp);
    return m;
}

void bench_point_label(const bench_point_t *pt, char *buf, size_t n) {
    char prob[96];
    bench_problem_label(&pt->prob, prob, sizeof prob);
    if (pt->threads) snprintf(buf, n, "%s %s threads=%d %s", bench_workload_name(pt->prob.workload),
                              pt->backend, pt->threads, prob);
    else snprintf(buf, n, "%s %s %s", bench_workload_name(pt->prob.workload), pt->backend, prob);
}

/* Average cores other processes took over pt's measured repetitions (-1:
 * unknown), and the spread (max - min) / median of its seconds. */
static double point_other(const bench_point_t *pt) {
    double sum = 0;
    int n = 0;
    for (int i = 0; i < pt->done; i++)
        if (pt->reps[i].other_cpu >= 0) sum += pt->reps[i].other_cpu, n++;
    return n ? sum / n : -1;
}

static double point_spread(const bench_point_t *pt) {
    if (pt->done < 2) return 0;
    double lo = pt->secs[0], hi = pt->secs[0];
    for (int i = 1; i < pt->done; i++) {
        if (pt->secs[i] < lo) lo = pt->secs[i];
        if (pt->secs[i] > hi) hi = pt->secs[i];
    }
    double med = bench_median(pt->secs, pt->done);
    return med > 0 ? (hi - lo) / med : 0;
}

void bench_point_note(const bench_t *B, const bench_point_t *pt, char *buf, size_t n) {
    (void)B;
    double other = point_other(pt), spread = point_spread(pt);
    buf[0] = '\0';
    if (other > BENCH_LOAD_LIMIT)
        snprintf(buf, n, "loaded: other processes used %.2f cores", other);
    if (spread > BENCH_SPREAD_LIMIT) {
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%sspread %.0f%% between repetitions", l ? "; " : "",
                 100 * spread);
    }
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

void bench_csv_header(FILE *f) {
    fputs("workload,backend,device_or_cpu,threads,problem_size,steps_or_n_or_rows,rep,seconds,fom,"
          "fom_unit,hash,verified,corun_version,host,timestamp,runs_per_sample,other_cpu,"
          "reliability\n",
          f);
}

void bench_csv_row(const bench_t *B, FILE *f, const bench_point_t *pt, int rep,
                   const bench_rep_t *r, const char *note) {
    char num[64], ts[32];
    struct tm tm;
    time_t when = (time_t)r->when;
    gmtime_r(&when, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    csv_field(f, bench_workload_name(pt->prob.workload), 0);
    csv_field(f, pt->backend, 0);
    csv_field(f, strcmp(pt->backend, "cuda") ? B->cpu : B->gpu, 0);
    fprintf(f, "%d,%lld,%lld,%d,%.9f,%.6g,", pt->threads,
            (long long)bench_problem_size(&pt->prob), (long long)bench_problem_count(&pt->prob),
            rep, r->s.seconds, r->s.fom);
    csv_field(f, bench_fom_unit(pt->prob.workload), 0);
    snprintf(num, sizeof num, "%016llx", (unsigned long long)r->s.hash);
    csv_field(f, num, 0);
    csv_field(f, r->verified, 0);
    csv_field(f, CORUN_VERSION, 0);
    csv_field(f, B->host, 0);
    csv_field(f, ts, 0);
    fprintf(f, "%d,", pt->inner);
    if (r->other_cpu >= 0) fprintf(f, "%.2f,", r->other_cpu);
    else fputs(",", f);
    csv_field(f, note && note[0] ? note : "ok", 1);
}

int bench_write_results(const bench_t *B, const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    bench_csv_header(f);
    for (int i = 0; i < B->npts; i++) {
        const bench_point_t *pt = &B->pts[i];
        char note[160];
        bench_point_note(B, pt, note, sizeof note);
        for (int k = 0; k < pt->done; k++) bench_csv_row(B, f, pt, k + 1, &pt->reps[k], note);
    }
    int bad = ferror(f);
    return (fclose(f) | bad) ? -1 : 0;
}

/* The point a point's speedup is measured against: for omp the same size at
 * its lowest thread count; for serial and cuda (no thread count) the lowest
 * omp point of the same size, else the first point of that size. */
static const bench_point_t *baseline(const bench_t *B, const bench_point_t *pt) {
    const bench_point_t *first = NULL, *omp = NULL;
    for (int i = 0; i < B->npts; i++) {
        const bench_point_t *q = &B->pts[i];
        if (q->prob.workload != pt->prob.workload || q->size_idx != pt->size_idx || !q->done)
            continue;
        if (!first) first = q;
        if (!strcmp(q->backend, "omp") && (!omp || q->threads < omp->threads)) omp = q;
    }
    if (!strcmp(pt->backend, "omp")) return omp;
    return omp ? omp : first;
}

/* Speedup against the baseline (< 0: none), efficiency (< 0: not a thread
 * count) and what it is measured against. */
typedef struct scaling {
    double speedup, eff;
    char vs[32];
} scaling_t;

static scaling_t scaling_of(const bench_t *B, const bench_point_t *pt) {
    scaling_t sc = {-1, -1, "-"};
    const bench_point_t *b = baseline(B, pt);
    int omp = !strcmp(pt->backend, "omp");
    if (b && b != pt) {
        double f = bench_median(pt->foms, pt->done), fb = bench_median(b->foms, b->done);
        /* Throughput ratios: for strong scaling the work is fixed, so this
         * is T(base)/T(t); for weak scaling it is the scaled speedup
         * t*T(1)/T(t). Efficiency = speedup * t_base / t. */
        sc.speedup = fb > 0 ? f / fb : 0;
        if (omp) sc.eff = sc.speedup * b->threads / pt->threads;
        if (b->threads) snprintf(sc.vs, sizeof sc.vs, "%s@%d", b->backend, b->threads);
        else snprintf(sc.vs, sizeof sc.vs, "%s", b->backend);
    } else if (b == pt) {
        sc.speedup = 1;
        if (omp) sc.eff = 1;
        snprintf(sc.vs, sizeof sc.vs, "(base)");
    }
    return sc;
}

void bench_print_table(const bench_t *B) {
    int unreliable = 0;
    printf("\n%-5s %-7s %7s  %-24s %10s %12s %-18s %8s %6s  %-8s %s\n", "work", "backend",
           "threads", "problem", "median_s", "fom", "unit", "speedup", "eff", "vs", "note");
    for (int i = 0; i < B->npts; i++) {
        const bench_point_t *pt = &B->pts[i];
        if (!pt->done) continue;
        char prob[96], th[16], sp[16] = "-", eff[16] = "-", note[160];
        bench_problem_label(&pt->prob, prob, sizeof prob);
        snprintf(th, sizeof th, pt->threads ? "%d" : "-", pt->threads);
        scaling_t sc = scaling_of(B, pt);
        if (sc.speedup >= 0) snprintf(sp, sizeof sp, "%.3g", sc.speedup);
        if (sc.eff >= 0) snprintf(eff, sizeof eff, "%.0f%%", 100 * sc.eff);
        bench_point_note(B, pt, note, sizeof note);
        if (note[0]) unreliable++;
        printf("%-5s %-7s %7s  %-24s %10.4g %12.4g %-18s %8s %6s  %-8s %s\n",
               bench_workload_name(pt->prob.workload), pt->backend, th, prob,
               bench_median(pt->secs, pt->done), bench_median(pt->foms, pt->done),
               bench_fom_unit(pt->prob.workload), sp, eff, sc.vs, note[0] ? note : "ok");
    }
    if (unreliable)
        printf("\nbench: %d point%s unreliable (see note): rerun them on an idle machine, or "
               "with more --repeat or a longer --min-time\n",
               unreliable, unreliable > 1 ? "s are" : " is");
}

static void jkey_str(FILE *f, const char *key, const char *v) {
    fprintf(f, ", \"%s\": ", key);
    cli_json_str(f, v, strlen(v));
}

static void json_out(const bench_t *B, FILE *f, double took) {
    const bench_opts_t *o = B->o;
    fputs("{\"command\": \"bench\"", f);
    jkey_str(f, "mode", o->mode == BENCH_WEAK ? "weak" : "strong");
    jkey_str(f, "cpu", B->cpu);
    jkey_str(f, "gpu", B->gpu);
    jkey_str(f, "host", B->host);
    fprintf(f, ", \"cores\": %d, \"repeat\": %d, \"warmup\": %d, \"min_time\": %g", B->cores,
            o->repeat, o->warmup, o->min_time);
    jkey_str(f, "verify_backend", o->verify_backend);
    jkey_str(f, "out", o->out);
    fprintf(f, ", \"seconds\": %.3f, \"points\": [", took);
    int first = 1;
    for (int i = 0; i < B->npts; i++) {
        const bench_point_t *pt = &B->pts[i];
        if (!pt->done) continue;
        char prob[96], note[160], hash[24];
        bench_problem_label(&pt->prob, prob, sizeof prob);
        bench_point_note(B, pt, note, sizeof note);
        scaling_t sc = scaling_of(B, pt);
        fprintf(f, "%s{\"workload\": \"%s\"", first ? "" : ", ", bench_workload_name(pt->prob.workload));
        first = 0;
        jkey_str(f, "backend", pt->backend);
        if (pt->threads) fprintf(f, ", \"threads\": %d", pt->threads);
        else fputs(", \"threads\": null", f);
        jkey_str(f, "problem", prob);
        fprintf(f, ", \"problem_size\": %lld, \"steps_or_n_or_rows\": %lld, \"runs_per_sample\": %d",
                (long long)bench_problem_size(&pt->prob), (long long)bench_problem_count(&pt->prob),
                pt->inner);
        fprintf(f, ", \"median_seconds\": %.9g, \"fom\": %.6g", bench_median(pt->secs, pt->done),
                bench_median(pt->foms, pt->done));
        jkey_str(f, "fom_unit", bench_fom_unit(pt->prob.workload));
        if (sc.speedup >= 0) fprintf(f, ", \"speedup\": %.4g", sc.speedup);
        else fputs(", \"speedup\": null", f);
        if (sc.eff >= 0) fprintf(f, ", \"efficiency\": %.4g", sc.eff);
        else fputs(", \"efficiency\": null", f);
        jkey_str(f, "vs", sc.vs);
        snprintf(hash, sizeof hash, "%016llx", (unsigned long long)B->refs[pt->ref].hash);
        jkey_str(f, "hash", hash);
        double other = point_other(pt);
        if (other >= 0) fprintf(f, ", \"other_cpu\": %.3f", other);
        else fputs(", \"other_cpu\": null", f);
        fprintf(f, ", \"spread\": %.4f, \"reliable\": %s", point_spread(pt), note[0] ? "false" : "true");
        jkey_str(f, "note", note);
        fputc('}', f);
    }
    fputs("]}\n", f);
}

int bench_write_json(const bench_t *B, const char *path, double took) {
    if (!strcmp(path, "-")) {
        json_out(B, stdout, took);
        fflush(stdout);
        return 0;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        cli_error("bench: --summary-json %s: %s", path, strerror(errno));
        return CORUN_EXIT_FAILURE;
    }
    json_out(B, f, took);
    if (ferror(f) | fclose(f)) {
        cli_error("bench: --summary-json %s: write failed: %s", path, strerror(errno));
        return CORUN_EXIT_FAILURE;
    }
    return 0;
}
