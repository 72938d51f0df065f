/* mem.c — how much memory a run may use: the smallest of the node's
 * MemAvailable, the cgroup's memory limit (v2 memory.max, v1
 * memory.limit_in_bytes: what a Slurm job's --mem sets) less what the group
 * already uses, and the address-space limits (ulimit -v / -d). */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "corun/core.h"

static uint64_t meminfo_available(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f) return 0;
    char line[256];
    unsigned long long kb = 0;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) break;
    }
    fclose(f);
    return (uint64_t)kb * 1024u;
}

static uint64_t read_u64(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    unsigned long long v = 0;
    int ok = fscanf(f, "%llu", &v) == 1; /* "max" (no limit) reads as nothing */
    fclose(f);
    return ok ? (uint64_t)v : 0;
}

/* This process's cgroup folder under /sys/fs/cgroup (v2: the "0::" line;
 * v1: the memory controller's line). */
static int cgroup_dir(char *out, size_t n, int *v1) {
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f) return 0;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *p = NULL;
        if (!strncmp(line, "0::", 3)) {
            p = line + 3;
            *v1 = 0;
        } else if ((p = strstr(line, ":memory:")) != NULL) {
            p += 8;
            *v1 = 1;
        }
        if (p) found = snprintf(out, n, "/sys/fs/cgroup%s%s", *v1 ? "/memory" : "", p) < (int)n;
    }
    fclose(f);
    return found;
}

static uint64_t cgroup_room(void) {
    char dir[600], path[700];
    int v1 = 0;
    if (!cgroup_dir(dir, sizeof dir - 32, &v1)) return 0;
    snprintf(path, sizeof path, "%s/%s", dir, v1 ? "memory.limit_in_bytes" : "memory.max");
    uint64_t limit = read_u64(path);
    /* v1 says "no limit" with a huge number */
    if (!limit || limit >= (UINT64_C(1) << 60)) return 0;
    snprintf(path, sizeof path, "%s/%s", dir, v1 ? "memory.usage_in_bytes" : "memory.current");
    uint64_t used = read_u64(path);
    return limit > used ? limit - used : 1;
}

static uint64_t rlimit_room(void) {
    uint64_t room = 0;
    const int which[2] = {RLIMIT_AS, RLIMIT_DATA};
    for (int i = 0; i < 2; i++) {
        struct rlimit rl;
        if (getrlimit(which[i], &rl) || rl.rlim_cur == RLIM_INFINITY) continue;
        if (!room || (uint64_t)rl.rlim_cur < room) room = (uint64_t)rl.rlim_cur;
    }
    return room;
}

uint64_t corun_mem_limit(const char **which) {
    uint64_t best = meminfo_available(), v;
    const char *name = "MemAvailable";
    if ((v = cgroup_room()) && (!best || v < best)) {
        best = v;
        name = "the cgroup memory limit";
    }
    if ((v = rlimit_room()) && (!best || v < best)) {
        best = v;
        name = "the address-space limit (ulimit -v/-d)";
    }
    if (which) *which = name;
    return best;
}

uint64_t corun_mem_available(void) { return corun_mem_limit(NULL); }
