/* csv_fastscan.h — the host's record scanner, included by csv_scan.c once
 * per SIMD target. The includer defines NAME(x) (the copy's prefix) and
 * CSV_MASKS(p, cm, qm, nm), which sets three 64-bit masks: bit i of cm, qm,
 * nm is set if byte p[i] is ',', '"' or '\n' (p[0..63] readable).
 *
 * Why a second scanner next to corun_csv_parse_row (kernels/csv_scan.h, the
 * one definition of the format): that parser looks at one byte at a time,
 * about 0.6 GB/s per core, and a split of a big file is mostly this scan.
 * Here a record costs a few 64-byte blocks: one load and three compares give
 * the masks of a block, the record ends at its first LF, the fields it wants
 * are found by walking the comma bits (tzcnt), the rest are only counted
 * (popcount). Only the common case is taken: a record with no '"' before its
 * LF that does not start with CR or LF. Anything else (quoted fields, blank
 * lines, malformed quotes) goes to corun_csv_parse_row, so both agree on every
 * record by construction; tests/test_csv.c compares the two on random input.
 */

/* The masks of the 64 bytes at b + pos; bytes past n count as none of the
 * three (a zero-padded copy near the end of the mapping). */
static inline __attribute__((always_inline)) void NAME(block)(const unsigned char *b, uint64_t pos,
                                                              uint64_t n, uint64_t *cm,
                                                              uint64_t *qm, uint64_t *nm) {
    if (n - pos >= 64) {
        CSV_MASKS(b + pos, *cm, *qm, *nm);
        return;
    }
    unsigned char tail[64];
    memset(tail, 0, sizeof tail);
    memcpy(tail, b + pos, (size_t)(n - pos));
    CSV_MASKS(tail, *cm, *qm, *nm);
}

/* The record at p as corun_csv_parse_row would give it, if it is a simple
 * one (see above); -1 otherwise, with nothing set. */
static inline __attribute__((always_inline)) int
NAME(fast_row)(const unsigned char *b, uint64_t p, uint64_t n, const uint32_t *want, int nwant,
               corun_csv_field_t *f, uint64_t *end, uint32_t *nfields) {
    if (b[p] == '\r' || b[p] == '\n') return -1;
    uint32_t col = 0;
    int k = 0;
    uint64_t fs = p, pos = p, e;
#define FIELD_END(at)                                                                           \
    do {                                                                                        \
        if (want[k] == col) {                                                                   \
            f[k].off = fs;                                                                      \
            f[k].len = (uint32_t)((at) - fs);                                                   \
            f[k].quoted = 0;                                                                    \
            k++;                                                                                \
        }                                                                                       \
        col++;                                                                                  \
        fs = (at) + 1;                                                                          \
    } while (0)
    for (;;) {
        uint64_t cm, qm, nm;
        NAME(block)(b, pos, n, &cm, &qm, &nm);
        /* bits before the record's LF (all of them if the LF is further) */
        uint64_t lim = nm ? (nm & (0 - nm)) - 1 : ~UINT64_C(0);
        if (qm & lim) return -1;
        uint64_t c = cm & lim;
        while (c && k < nwant) {
            FIELD_END(pos + (uint64_t)__builtin_ctzll(c));
            c &= c - 1;
        }
        col += (uint32_t)__builtin_popcountll(c);
        if (nm) {
            e = pos + (uint64_t)__builtin_ctzll(nm);
            break;
        }
        if (n - pos <= 64) { /* the last record, without LF */
            e = n;
            break;
        }
        pos += 64;
    }
    /* The CR of a CRLF (or of a final "\r") is not data; it cannot be a
     * comma, so only the last field's end moves. */
    uint64_t ce = b[e - 1] == '\r' ? e - 1 : e;
    if (k < nwant) FIELD_END(ce);
    else col++;
#undef FIELD_END
    *end = e < n ? e + 1 : n;
    *nfields = col;
    return 0;
}

#ifndef CSV_PREFETCH
#define CSV_PREFETCH 1024
#endif

/* csv_scan_range of csv_int.h, for this target. */
static uint64_t NAME(scan_range)(corun_csv_scan_t *s, csv_slot_t *sl, uint64_t from, uint64_t to) {
    corun_csv_field_t f[CORUN_CSV_WANT_MAX];
    const unsigned char *b = s->b;
    const uint64_t n = s->n;
    uint64_t p = from;
    while (p < to) {
        uint64_t end, eo = 0;
        uint32_t nf = 0;
        /* The input comes from memory once: ask for it ahead, across page
         * boundaries the hardware prefetcher stops at (two lines per record
         * of ~124 bytes; measured: the scan waited on its loads otherwise). */
        __builtin_prefetch(b + p + CSV_PREFETCH, 0, 0);
        __builtin_prefetch(b + p + CSV_PREFETCH + 64, 0, 0);
        int rc = s->scalar ? -1 : NAME(fast_row)(b, p, n, s->want, s->nwant, f, &end, &nf);
        if (rc < 0) rc = corun_csv_parse_row(b, p, n, s->want, s->nwant, f, &end, &nf, &eo);
        if (rc < 0) {
            slot_fail(sl, rc, eo, 0);
            return p;
        }
        if (rc == CORUN_CSV_ROW_OK) {
            if (nf != s->ncols) {
                slot_fail(sl, CORUN_CSV_E_RAGGED, p, nf);
                return p;
            }
            if (take_row(s, sl, p, end, f)) return p;
        }
        p = end;
    }
    return p;
}

/* The number of '"' in b[from, to). */
static uint64_t NAME(count_quotes)(const unsigned char *b, uint64_t from, uint64_t to) {
    uint64_t c = 0;
    for (uint64_t pos = from; pos < to; pos += 64) {
        uint64_t cm, qm, nm;
        NAME(block)(b, pos, to, &cm, &qm, &nm);
        c += (uint64_t)__builtin_popcountll(qm);
    }
    return c;
}
