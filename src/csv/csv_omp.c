/* csv_omp.c — the OpenMP backend: a window is cut into one chunk per thread
 * at arbitrary byte offsets; each thread counts the quotes of its chunk, a
 * prefix XOR of those parities says whether each chunk starts inside a quoted
 * field, and then every thread parses the records that START in its chunk
 * (the last one may run into the next chunk) into its own slot. Slots are
 * merged in chunk order, so the result equals the serial backend's. */
#include <omp.h>

#include "csv_int.h"

static int omp_scan(corun_csv_scan_t *s, uint64_t begin, uint64_t end, uint64_t *next,
                    corun_err_t *err) {
    (void)err;
    int T = s->nslots;
    uint64_t len = end - begin;
    /* Below ~64 KiB per thread the fork costs more than it saves. */
    if (T > 1 && len < (uint64_t)T * s->min_chunk)
        T = len / s->min_chunk > 1 ? (int)(len / s->min_chunk) : 1;
    if (T == 1) {
        csv_slot_t *sl = &s->slots[0];
        *next = csv_scan_range(s, sl, begin, end);
        return sl->ekind ? CORUN_EPARSE : 0;
    }
    uint64_t cut[65], nxt[64];
    uint8_t par[64];
    if (T > 64) T = 64;
    for (int c = 0; c <= T; c++) cut[c] = begin + len * (uint64_t)c / (uint64_t)T;
    /* Two loops rather than one region with a barrier: correct for any
     * team size the runtime grants (OMP_DYNAMIC, nesting). */
#pragma omp parallel for num_threads(T) schedule(static, 1)
    for (int c = 0; c < T - 1; c++)
        par[c] = (uint8_t)(corun_csv_count_quotes(s->b, cut[c], cut[c + 1]) & 1);
    par[T - 1] = 0; /* the last chunk's parity is never needed */
#pragma omp parallel for num_threads(T) schedule(static, 1)
    for (int c = 0; c < T; c++) {
        int inq = 0;
        for (int j = 0; j < c; j++) inq ^= par[j];
        uint64_t first = corun_csv_first_row(s->b, begin, cut[c], cut[c + 1], inq);
        nxt[c] = csv_scan_range(s, &s->slots[c], first, cut[c + 1]);
    }
    uint64_t mx = begin;
    int failed = 0;
    for (int c = 0; c < T; c++) {
        if (s->slots[c].ekind) failed = 1;
        if (nxt[c] > mx) mx = nxt[c];
    }
    *next = mx;
    return failed ? CORUN_EPARSE : 0;
}

const corun_csv_backend_t corun_csv_backend_omp = {"omp", omp_scan};
