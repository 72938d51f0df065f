/* mem.c — how much memory a run may use, read from /proc/meminfo. */
#include <stdio.h>
#include <string.h>

#include "corun/core.h"

uint64_t corun_mem_available(void) {
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
