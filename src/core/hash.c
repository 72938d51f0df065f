/* hash.c — FNV-1a 64, the verification hash printed in every run summary.
 * Chosen because anyone can recompute it in a few lines of any language. */
#include "corun/core.h"

uint64_t corun_fnv1a64(uint64_t h, const void *data, size_t n) {
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}
