/* csv_cuda.c — the cuda backend's host side: cuts a window into pieces,
 * has the device index each piece (record starts by prefix XOR of quote
 * parities, fields by the shared parser: kernels/csv_cuda.cu), builds the
 * key dictionary on the host from the extracted key fields, and for split
 * has the device partition the records stably by key before they go into
 * the slot. Only built with the cuda backend (CORUN_CUDA_BACKEND).
 *
 * Same output as serial, by construction. The device results fill slot 0
 * exactly as csv_scan_range would (same records, same dictionary order,
 * same counters); the split driver groups a slot's records by key keeping
 * their order, so records handed over already grouped (stably) give the
 * same bytes. Whenever the device index is not plainly a valid piece — a
 * parse error, a ragged record, a record end that disagrees with the next
 * start, the last record cut off by the end of the copied piece, or more
 * records than the field budget — nothing from the device is used and the
 * piece is parsed by the CPU's csv_scan_range instead. That is the error
 * path: the first error is then found and recorded by the same code as in
 * the serial backend, so the message (file:line) is identical. Only amount
 * errors of stats are found here, by the same checks in the same order as
 * csv_scan.c's take_row.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "csv_cuda.h"
#include "csv_int.h"

#if CORUN_CUDA_BACKEND

/* Bytes per device piece: offsets fit 32 bits, and the device's share of
 * memory stays small whatever window_bytes the caller chose. */
#define PIECE_BYTES ((uint64_t)16 << 20)
/* Bytes past the piece copied for its last record; a longer last record
 * sends the piece to the CPU (correct, only slower). */
#define PIECE_TAIL ((uint64_t)1 << 20)
/* Extracted fields per piece at most (16 bytes each). */
#define PIECE_FIELDS ((size_t)16 << 20)

atomic_ullong csv_cuda_pieces_device, csv_cuda_pieces_cpu;

static void fail_at(csv_slot_t *sl, int kind, uint64_t off, uint32_t field) {
    sl->ekind = kind;
    sl->eoff = off;
    sl->efield = field;
}

/* A device index is used only if every record is valid and the records tile
 * [0, last end) exactly. */
static int piece_usable(const csv_cuda_window_t *w, uint32_t ncols, int cut) {
    for (size_t i = 0; i < w->nrec; i++) {
        const csv_cuda_rec_t *r = &w->recs[i];
        if (r->rc < 0 || (r->rc == CORUN_CSV_ROW_OK && r->nf != ncols)) return 0;
        if (i + 1 < w->nrec && r->end != w->starts[i + 1]) return 0;
    }
    /* The last record: not cut off by the end of the copy, and ending at or
     * past start_lim (else a record start was missed) unless the input ends. */
    const csv_cuda_rec_t *last = &w->recs[w->nrec - 1];
    if (cut && last->end >= w->len) return 0;
    if (last->end < w->start_lim && (cut || last->end < w->len)) return 0;
    return 1;
}


static int grow_rows(csv_slot_t *sl, size_t more) {
    if (sl->nrows + more <= sl->rcap) return 0;
    size_t c = sl->rcap ? sl->rcap : 4096;
    while (c < sl->nrows + more) c *= 2;
    csv_rowrec_t *r = realloc(sl->rows, c * sizeof *r);
    if (!r) return -1;
    sl->rows = r;
    sl->rcap = c;
    return 0;
}

/* Takes the device's records of a usable piece at `base` into slot 0.
 * Returns 0, CORUN_EPARSE (slot error set) or another CORUN_E* in err. */
static int take_piece(corun_csv_scan_t *s, csv_slot_t *sl, uint64_t base,
                      const csv_cuda_window_t *w, corun_err_t *err) {
    uint32_t *keys = NULL, *perm = NULL, *idx = NULL;
    size_t m = 0;
    int rc = 0;
    if (s->keep_rows) {
        keys = malloc((w->nrec ? w->nrec : 1) * sizeof *keys);
        idx = malloc((w->nrec ? w->nrec : 1) * sizeof *idx);
        if (!keys || !idx || grow_rows(sl, w->nrec)) {
            rc = corun_err_set(err, CORUN_ENOMEM, "cuda csv backend: out of memory");
            goto done;
        }
    }
    for (size_t i = 0; i < w->nrec; i++) {
        if (w->recs[i].rc != CORUN_CSV_ROW_OK) continue; /* a blank line */
        uint64_t start = base + w->starts[i];
        corun_csv_field_t f[CORUN_CSV_WANT_MAX];
        for (int k = 0; k < s->nwant; k++) {
            f[k] = w->fields[i * (size_t)s->nwant + (size_t)k];
            f[k].off += base;
        }
        size_t klen;
        const char *key = csv_field_bytes(sl, s->b, &f[s->key_k], &klen);
        int64_t id = key ? csv_dict_get(&sl->dict, key, klen, 1) : -2;
        if (id < 0) {
            fail_at(sl, CSV_ERR_NOMEM, start, 0);
            rc = CORUN_EPARSE;
            goto done;
        }
        sl->records++;
        if (s->keep_rows) {
            keys[m] = (uint32_t)id;
            idx[m++] = (uint32_t)i;
        } else if (csv_slot_add_amounts(s, sl, (uint32_t)id, start, f)) {
            rc = CORUN_EPARSE;
            goto done;
        }
    }
    if (s->keep_rows && m) {
        perm = malloc(m * sizeof *perm);
        if (!perm) {
            rc = corun_err_set(err, CORUN_ENOMEM, "cuda csv backend: out of memory");
            goto done;
        }
        if ((rc = csv_cuda_partition(keys, m, (uint32_t)sl->dict.n, perm, err))) goto done;
        for (size_t j = 0; j < m; j++) {
            size_t i = idx[perm[j]];
            uint64_t start = base + w->starts[i];
            sl->rows[sl->nrows++] =
                (csv_rowrec_t){start, w->recs[i].end - w->starts[i], keys[perm[j]]};
        }
    }
done:
    free(keys);
    free(perm);
    free(idx);
    return rc;
}

static int cuda_scan(corun_csv_scan_t *s, uint64_t begin, uint64_t end, uint64_t *next,
                     corun_err_t *err) {
    csv_slot_t *sl = &s->slots[0];
    uint64_t p = begin, piece = PIECE_BYTES, tail = PIECE_TAIL, v;
    /* Test hook: tiny pieces, so small test files exercise records and
     * quoted fields crossing pieces and the cut-off last record. */
    const char *hook = getenv("CORUN_CSV_CUDA_PIECE");
    if (hook && !corun_parse_u64(hook, &v) && v >= 1 && v < PIECE_BYTES) {
        piece = v;
        tail = v;
    }
    while (p < end) {
        uint64_t se = end - p > piece ? p + piece : end;
        uint64_t lim = s->n - se > tail ? se + tail : s->n;
        csv_cuda_window_t w;
        memset(&w, 0, sizeof w);
        w.b = s->b + p;
        w.len = lim - p;
        w.start_lim = se - p;
        w.want = s->want;
        w.nwant = s->nwant;
        w.max_fields = PIECE_FIELDS;
        int rc = csv_cuda_index(&w, err);
        if (rc) return rc;
        if (!w.too_many && w.nrec && piece_usable(&w, s->ncols, lim < s->n)) {
            rc = take_piece(s, sl, p, &w, err);
            atomic_fetch_add(&csv_cuda_pieces_device, 1);
            p += w.recs[w.nrec - 1].end;
            csv_cuda_window_free(&w);
            if (rc) return rc;
        } else {
            /* Not plainly valid (or too big for the budget): the CPU
             * parser decides, and reports the first error as serial does. */
            csv_cuda_window_free(&w);
            atomic_fetch_add(&csv_cuda_pieces_cpu, 1);
            p = csv_scan_range(s, sl, p, se);
            if (sl->ekind) break;
        }
    }
    *next = p;
    return sl->ekind ? CORUN_EPARSE : 0;
}

const corun_csv_backend_t corun_csv_backend_cuda = {"cuda", cuda_scan};

#else
typedef int corun_csv_cuda_unused_t; /* ISO C: no empty translation unit */
#endif
