/* csv_omp.c — the OpenMP backend: a window is cut into one chunk per thread
 * at arbitrary byte offsets; the threads count the quotes of the chunks, a
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
    /* Quote parities of T sub-pieces of every chunk but the last, so that
     * all threads count (with one pass per chunk, one thread would count
     * while the others wait). */
    uint8_t par[64 * 64];
    if (T > 64) T = 64;
    for (int c = 0; c <= T; c++) cut[c] = begin + len * (uint64_t)c / (uint64_t)T;
    const int npiece = (T - 1) * T;
    /* One region, two worksharing loops: correct for any team size the
     * runtime grants (OMP_DYNAMIC, nesting), one fork per window. */
#pragma omp parallel num_threads(T)
    {
#pragma omp for schedule(static)
        for (int i = 0; i < npiece; i++) {
            int c = i / T, j = i % T;
            uint64_t w = cut[c + 1] - cut[c];
            uint64_t lo = cut[c] + w * (uint64_t)j / (uint64_t)T,
                     hi = cut[c] + w * (uint64_t)(j + 1) / (uint64_t)T;
            par[i] = (uint8_t)(csv_count_quotes(s->b, lo, hi) & 1);
        }
#pragma omp for schedule(static, 1)
        for (int c = 0; c < T; c++) {
            int inq = 0;
            for (int i = 0; i < c * T; i++) inq ^= par[i];
            uint64_t first = corun_csv_first_row(s->b, begin, cut[c], cut[c + 1], inq);
            nxt[c] = csv_scan_range(s, &s->slots[c], first, cut[c + 1]);
        }
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
