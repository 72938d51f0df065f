/* bench_load.c — how much of the machine other processes took while a bench
 * run was measured. A point measured while something else ran (a compile, a
 * second job on a shared node, the hypervisor stealing time) says little
 * about corun; the bench marks such points instead of silently reporting a
 * bad speedup.
 *
 * Busy time comes from the first line of /proc/stat (all CPUs: user, nice,
 * system, irq, softirq and steal; idle and iowait are not busy); this
 * process's own comes from getrusage (itself and its waited-for children:
 * the fib workload runs in a child). What remains was someone else's. The
 * kernel counts in clock ticks (usually 10 ms), so a run of 0.1 s has about
 * +-0.1 cores of resolution: --min-time keeps runs long enough for it. */
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench_cli.h"

static double tv_secs(struct timeval tv) { return (double)tv.tv_sec + 1e-6 * (double)tv.tv_usec; }

void bench_cpu_mark(bench_cpu_mark_t *m) {
    m->ok = 0;
    m->t = corun_now();
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    m->own = tv_secs(self.ru_utime) + tv_secs(self.ru_stime) + tv_secs(kids.ru_utime) +
             tv_secs(kids.ru_stime);
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return;
    unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal = 0;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle,
                   &iowait, &irq, &softirq, &steal);
    fclose(f);
    long tick = sysconf(_SC_CLK_TCK);
    if (n < 7 || tick <= 0) return;
    m->busy = (double)(user + nice + sys + irq + softirq + steal) / (double)tick;
    m->ok = 1;
}

double bench_other_cpu(const bench_cpu_mark_t *a, const bench_cpu_mark_t *b) {
    double dt = b->t - a->t;
    if (!a->ok || !b->ok || dt <= 0) return -1;
    double other = ((b->busy - a->busy) - (b->own - a->own)) / dt;
    return other > 0 ? other : 0;
}
