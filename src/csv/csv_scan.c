/* csv_scan.c — what every backend shares: the key dictionary, mapping the
 * input and parsing its header, parsing a range of records into a slot
 * (kernels/csv_scan.h does the bytes), merging slots, and turning the first
 * error into a message with its line number. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#endif

#include "corun/core.h"
#include "csv_int.h"

/* ------------------------------------------------------------ dictionary */

/* Keys are short (country names) and looked up once per record, so the
 * lookup avoids calls: a key of at most 16 bytes is packed into two words
 * by loads that may overlap (first 8 and last 8 bytes; for shorter keys
 * first and last 4, or three single bytes), a packing that is one-to-one for
 * a given length. Such keys then compare as (length, w0, w1), with no
 * memcmp; longer keys hash all their words and compare with memcmp. */
static inline uint64_t load8(const char *k) {
    uint64_t w;
    memcpy(&w, k, 8);
    return w;
}

static inline uint64_t load_short(const char *k, size_t len) { /* len < 8 */
    if (len >= 4) {
        uint32_t a, b;
        memcpy(&a, k, 4);
        memcpy(&b, k + len - 4, 4);
        return a | (uint64_t)b << ((len - 4) * 8);
    }
    if (!len) return 0;
    return (uint64_t)(unsigned char)k[0] | (uint64_t)(unsigned char)k[len / 2] << (len / 2 * 8) |
           (uint64_t)(unsigned char)k[len - 1] << ((len - 1) * 8);
}

static inline void key_words(const char *k, size_t len, uint64_t *w0, uint64_t *w1) {
    if (len <= 8) {
        *w0 = len == 8 ? load8(k) : load_short(k, len);
        *w1 = 0;
    } else {
        *w0 = load8(k);
        *w1 = load8(k + len - 8);
    }
}

/* Two multiplications that do not wait for each other; the table index is
 * taken from the top bits (Fibonacci hashing), which depend on every bit of
 * both words. Words between the first and the last 8 bytes of a long key
 * are folded in first. */
static inline uint64_t key_hash(const char *k, size_t len, uint64_t w0, uint64_t w1) {
    uint64_t x = w0 ^ len;
    for (size_t i = 8; i + 8 < len; i += 8) x = (x ^ load8(k + i)) * UINT64_C(0x9e3779b97f4a7c15);
    return x * UINT64_C(0xff51afd7ed558ccd) ^ w1 * UINT64_C(0xc4ceb9fe1a85ec53);
}

void csv_dict_init(csv_dict_t *d) { memset(d, 0, sizeof *d); }

void csv_dict_free(csv_dict_t *d) {
    free(d->tab);
    free(d->ent);
    free(d->arena);
    memset(d, 0, sizeof *d);
}

static void dict_put(csv_dict_slot_t *tab, size_t cap, int shift, const csv_dict_ent_t *e,
                     uint64_t w0, uint64_t w1, uint32_t id) {
    size_t j = (size_t)(e->hash >> shift);
    while (tab[j].id1) j = (j + 1) & (cap - 1);
    tab[j] = (csv_dict_slot_t){w0, w1, e->klen, id + 1};
}

static int dict_grow(csv_dict_t *d) {
    size_t cap = d->cap ? d->cap * 2 : 64;
    int shift = 64 - __builtin_ctzll(cap);
    csv_dict_slot_t *tab = calloc(cap, sizeof *tab);
    if (!tab) return -1;
    for (size_t j = 0; j < d->cap; j++)
        if (d->tab[j].id1) {
            uint32_t id = d->tab[j].id1 - 1;
            dict_put(tab, cap, shift, &d->ent[id], d->tab[j].w0, d->tab[j].w1, id);
        }
    free(d->tab);
    d->tab = tab;
    d->cap = cap;
    d->shift = shift;
    return 0;
}

/* Hot: once per record, inlined into the scanners through take_row. */
static inline __attribute__((always_inline)) int64_t dict_find(const csv_dict_t *d, const char *key,
                                                               size_t len, uint64_t w0,
                                                               uint64_t w1, uint64_t h) {
    if (!d->cap) return -1;
    for (size_t j = (size_t)(h >> d->shift);; j = (j + 1) & (d->cap - 1)) {
        const csv_dict_slot_t *t = &d->tab[j];
        if (!t->id1) return -1;
        if (t->w0 == w0 && t->w1 == w1 && t->len == len &&
            (len <= 16 || !memcmp(d->arena + d->ent[t->id1 - 1].koff, key, len)))
            return t->id1 - 1;
    }
}

static int64_t dict_add(csv_dict_t *d, const char *key, size_t len, uint64_t w0, uint64_t w1,
                        uint64_t h) {
    if (d->n >= UINT32_MAX - 1 || len > UINT32_MAX) return -2;
    /* At most a quarter full: a lookup that has to probe past its first slot
     * is a mispredicted branch, and this runs once per record. */
    if ((d->n + 1) * 4 > d->cap && dict_grow(d)) return -2;
    if (d->n == d->ecap) {
        size_t c = d->ecap ? d->ecap * 2 : 64;
        csv_dict_ent_t *e = realloc(d->ent, c * sizeof *e);
        if (!e) return -2;
        d->ent = e;
        d->ecap = c;
    }
    if (d->alen + len + 1 > d->acap) {
        size_t c = d->acap ? d->acap : 1024;
        while (c < d->alen + len + 1) c *= 2;
        char *a = realloc(d->arena, c);
        if (!a) return -2;
        d->arena = a;
        d->acap = c;
    }
    memcpy(d->arena + d->alen, key, len);
    d->arena[d->alen + len] = '\0';
    d->ent[d->n] = (csv_dict_ent_t){h, d->alen, (uint32_t)len};
    d->alen += len + 1;
    dict_put(d->tab, d->cap, d->shift, &d->ent[d->n], w0, w1, (uint32_t)d->n);
    return (int64_t)d->n++;
}

static inline __attribute__((always_inline)) int64_t dict_get(csv_dict_t *d, const char *key,
                                                              size_t len, int add) {
    uint64_t w0, w1;
    key_words(key, len, &w0, &w1);
    uint64_t h = key_hash(key, len, w0, w1);
    int64_t id = dict_find(d, key, len, w0, w1, h);
    if (id >= 0 || !add) return id;
    return dict_add(d, key, len, w0, w1, h);
}

int64_t csv_dict_get(csv_dict_t *d, const char *key, size_t len, int add) {
    return dict_get(d, key, len, add);
}

/* ------------------------------------------------------------ records */

const char *csv_field_bytes(csv_slot_t *sl, const unsigned char *b, const corun_csv_field_t *f,
                            size_t *len) {
    const char *p = (const char *)b + f->off;
    if (!f->quoted || !memchr(p, '"', f->len)) {
        *len = f->len;
        return p;
    }
    if (f->len > sl->scap) {
        char *s = realloc(sl->scratch, f->len);
        if (!s) return NULL;
        sl->scratch = s;
        sl->scap = f->len;
    }
    size_t o = 0;
    for (uint32_t i = 0; i < f->len; i++) {
        sl->scratch[o++] = p[i];
        if (p[i] == '"') i++; /* the second of a doubled quote */
    }
    *len = o;
    return sl->scratch;
}

static void slot_fail(csv_slot_t *sl, int kind, uint64_t off, uint32_t field) {
    sl->ekind = kind;
    sl->eoff = off;
    sl->efield = field;
}

/* stats: one more row for key id in this slot's counters: the count and the
 * exact cents of each --sum column (overflow and malformed amounts are errors
 * at the field). Shared by every backend's host side, so the first error is
 * the same everywhere. */
int csv_slot_add_amounts(corun_csv_scan_t *s, csv_slot_t *sl, uint32_t id, uint64_t start,
                         const corun_csv_field_t *f) {
    size_t per = 1 + (size_t)s->nsum;
    if (id >= sl->acckeys) {
        size_t c = sl->acckeys ? sl->acckeys * 2 : 64;
        while (c <= id) c *= 2;
        int64_t *a = realloc(sl->acc, c * per * sizeof *a);
        if (!a) {
            slot_fail(sl, CSV_ERR_NOMEM, start, 0);
            return -1;
        }
        memset(a + sl->acckeys * per, 0, (c - sl->acckeys) * per * sizeof *a);
        sl->acc = a;
        sl->acckeys = c;
    }
    int64_t *acc = sl->acc + (size_t)id * per;
    acc[0]++;
    for (int j = 0; j < s->nsum; j++) {
        const corun_csv_field_t *fj = &f[s->sum_k[j]];
        size_t len;
        const char *v = csv_field_bytes(sl, s->b, fj, &len);
        int64_t c;
        int dec, prc = !v || len > UINT32_MAX
                           ? -1
                           : corun_csv_parse_cents((const unsigned char *)v, (uint32_t)len, &c,
                                                   &dec);
        if (prc || __builtin_add_overflow(acc[1 + j], c, &acc[1 + j])) {
            slot_fail(sl, prc == -1 ? CSV_ERR_AMOUNT : prc ? CSV_ERR_RANGE : CSV_ERR_SUM,
                      fj->off - fj->quoted, (uint32_t)j);
            return -1;
        }
        if (dec > sl->dec[j]) sl->dec[j] = dec;
    }
    return 0;
}

/* Inlined into each scanner copy: a call per record showed in profiles. */
static inline __attribute__((always_inline)) int take_row(corun_csv_scan_t *s, csv_slot_t *sl,
                                                          uint64_t start, uint64_t end,
                                                          const corun_csv_field_t *f) {
    const corun_csv_field_t *kf = &f[s->key_k];
    size_t klen = kf->len;
    const char *k = kf->quoted ? csv_field_bytes(sl, s->b, kf, &klen)
                               : (const char *)s->b + kf->off;
    int64_t id = k ? dict_get(&sl->dict, k, klen, 1) : -2;
    if (id < 0) {
        slot_fail(sl, CSV_ERR_NOMEM, start, 0);
        return -1;
    }
    sl->records++;
    if (s->stage) {
        if (!csv_stage_put(s, sl, (uint32_t)id, s->b + start, (size_t)(end - start))) return 0;
        slot_fail(sl, CSV_ERR_NOMEM, start, 0);
        return -1;
    }
    if (s->keep_rows) {
        if (sl->nrows == sl->rcap) {
            size_t c = sl->rcap ? sl->rcap * 2 : 4096;
            csv_rowrec_t *r = realloc(sl->rows, c * sizeof *r);
            if (!r) {
                slot_fail(sl, CSV_ERR_NOMEM, start, 0);
                return -1;
            }
            sl->rows = r;
            sl->rcap = c;
        }
        /* A record longer than 4 GiB would not fit len: refuse it. */
        if (end - start > UINT32_MAX) {
            slot_fail(sl, CSV_ERR_NOMEM, start, 0);
            return -1;
        }
        sl->rows[sl->nrows++] = (csv_rowrec_t){start, (uint32_t)(end - start), (uint32_t)id};
    }
    if (s->nsum >= 0 && !s->keep_rows) return csv_slot_add_amounts(s, sl, (uint32_t)id, start, f);
    return 0;
}

/* The record scanner, one copy per SIMD target (csv_fastscan.h says why);
 * csv_scan_range picks the best copy the CPU runs. */
#define NAME(x) csv_base_##x
#ifdef __SSE2__
#define CSV_MASKS(p, cm, qm, nm)                                                                \
    do {                                                                                        \
        cm = qm = nm = 0;                                                                       \
        for (int i_ = 0; i_ < 64; i_ += 16) {                                                   \
            __m128i v_ = _mm_loadu_si128((const __m128i *)((p) + i_));                          \
            cm |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v_, _mm_set1_epi8(','))) \
                  << i_;                                                                        \
            qm |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v_, _mm_set1_epi8('"'))) \
                  << i_;                                                                        \
            nm |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v_, _mm_set1_epi8('\n')))\
                  << i_;                                                                        \
        }                                                                                       \
    } while (0)
#else
#define CSV_MASKS(p, cm, qm, nm)                                                                \
    do {                                                                                        \
        cm = qm = nm = 0;                                                                       \
        for (int i_ = 0; i_ < 64; i_++) {                                                       \
            cm |= (uint64_t)((p)[i_] == ',') << i_;                                             \
            qm |= (uint64_t)((p)[i_] == '"') << i_;                                             \
            nm |= (uint64_t)((p)[i_] == '\n') << i_;                                            \
        }                                                                                       \
    } while (0)
#endif
#include "csv_fastscan.h"
#undef CSV_MASKS
#undef NAME

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CSV_X86 1
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,bmi,bmi2,popcnt")
#define NAME(x) csv_avx512_##x
#define CSV_MASKS(p, cm, qm, nm)                                                                \
    do {                                                                                        \
        __m512i v_ = _mm512_loadu_si512((const void *)(p));                                     \
        cm = _mm512_cmpeq_epi8_mask(v_, _mm512_set1_epi8(','));                                 \
        qm = _mm512_cmpeq_epi8_mask(v_, _mm512_set1_epi8('"'));                                 \
        nm = _mm512_cmpeq_epi8_mask(v_, _mm512_set1_epi8('\n'));                                \
    } while (0)
#include "csv_fastscan.h"
#undef CSV_MASKS
#undef NAME
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,bmi,bmi2,popcnt")
#define NAME(x) csv_avx2_##x
#define CSV_MASKS(p, cm, qm, nm)                                                                \
    do {                                                                                        \
        __m256i lo_ = _mm256_loadu_si256((const __m256i *)(p));                                 \
        __m256i hi_ = _mm256_loadu_si256((const __m256i *)((p) + 32));                          \
        __m256i c_ = _mm256_set1_epi8(','), q_ = _mm256_set1_epi8('"'),                         \
                n_ = _mm256_set1_epi8('\n');                                                    \
        cm = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo_, c_)) |                       \
             (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi_, c_)) << 32;        \
        qm = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo_, q_)) |                       \
             (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi_, q_)) << 32;        \
        nm = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo_, n_)) |                       \
             (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi_, n_)) << 32;        \
    } while (0)
#include "csv_fastscan.h"
#undef CSV_MASKS
#undef NAME
#pragma GCC pop_options
#endif

typedef struct csv_scanner {
    uint64_t (*scan_range)(corun_csv_scan_t *, csv_slot_t *, uint64_t, uint64_t);
    uint64_t (*count_quotes)(const unsigned char *, uint64_t, uint64_t);
} csv_scanner_t;

static const csv_scanner_t *scanner(void) {
    static const csv_scanner_t base = {csv_base_scan_range, csv_base_count_quotes};
#ifdef CSV_X86
    static const csv_scanner_t avx2 = {csv_avx2_scan_range, csv_avx2_count_quotes};
    static const csv_scanner_t avx512 = {csv_avx512_scan_range, csv_avx512_count_quotes};
    const unsigned bmi = CORUN_CPU_BMI | CORUN_CPU_BMI2 | CORUN_CPU_POPCNT;
    if (corun_cpu_has(bmi | CORUN_CPU_AVX512F | CORUN_CPU_AVX512BW)) return &avx512;
    if (corun_cpu_has(bmi | CORUN_CPU_AVX2)) return &avx2;
#endif
    return &base;
}

uint64_t csv_scan_range(corun_csv_scan_t *s, csv_slot_t *sl, uint64_t from, uint64_t to) {
    return scanner()->scan_range(s, sl, from, to);
}

uint64_t csv_count_quotes(const unsigned char *b, uint64_t from, uint64_t to) {
    return scanner()->count_quotes(b, from, to);
}

void csv_scan_reset_rows(corun_csv_scan_t *s) {
    for (int i = 0; i < s->nslots; i++) s->slots[i].nrows = 0;
}

uint64_t csv_line_of(const unsigned char *b, uint64_t off) { return csv_line_from(b, 0, 1, off); }

uint64_t csv_line_from(const unsigned char *b, uint64_t from, uint64_t line_at, uint64_t off) {
    uint64_t line = line_at;
    const unsigned char *p = b + from, *e = b + off;
    while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        line++;
        p++;
    }
    return line;
}

int csv_scan_error(const corun_csv_scan_t *s, const char *path, const char *const *colnames,
                   corun_err_t *err) {
    const csv_slot_t *first = NULL;
    for (int i = 0; i < s->nslots; i++) {
        const csv_slot_t *sl = &s->slots[i];
        if (sl->ekind && (!first || sl->eoff < first->eoff)) first = sl;
    }
    if (!first) return 0;
    uint64_t line = s->line_at ? csv_line_from(s->b, s->line_from, s->line_at, first->eoff)
                               : csv_line_of(s->b, first->eoff);
    switch (first->ekind) {
    case CORUN_CSV_E_UNTERMINATED:
        return corun_err_set(err, CORUN_EPARSE,
                             "%s:%llu: unterminated quoted field (the quote opened here is "
                             "never closed)",
                             path, (unsigned long long)line);
    case CORUN_CSV_E_BARE_QUOTE:
        return corun_err_set(err, CORUN_EPARSE,
                             "%s:%llu: a '\"' inside an unquoted field (quote the whole field "
                             "and double the quote: RFC 4180)",
                             path, (unsigned long long)line);
    case CORUN_CSV_E_AFTER_QUOTE:
        return corun_err_set(err, CORUN_EPARSE,
                             "%s:%llu: text after a closing quote (expected ',' or the end of "
                             "the line)",
                             path, (unsigned long long)line);
    case CORUN_CSV_E_RAGGED:
        return corun_err_set(err, CORUN_EPARSE,
                             "%s:%llu: ragged record: %u fields, the header has %u", path,
                             (unsigned long long)line, first->efield, s->ncols);
    case CSV_ERR_AMOUNT:
    case CSV_ERR_RANGE:
    case CSV_ERR_SUM: {
        int k = s->sum_k[first->efield];
        const char *col = colnames[s->want[k]];
        unsigned ci = s->want[k] + 1;
        if (first->ekind == CSV_ERR_RANGE)
            return corun_err_set(err, CORUN_ERANGE,
                                 "%s:%llu: field '%s' (column %u) is out of range (an amount "
                                 "must lie within +-92233720368547758.07)",
                                 path, (unsigned long long)line, col, ci);
        if (first->ekind == CSV_ERR_SUM)
            return corun_err_set(err, CORUN_ERANGE,
                                 "%s:%llu: field '%s' (column %u) takes its group's sum out of "
                                 "range (sums are exact within +-92233720368547758.07)",
                                 path, (unsigned long long)line, col, ci);
        return corun_err_set(err, CORUN_EPARSE,
                             "%s:%llu: field '%s' (column %u) is not an amount "
                             "([-]digits[.dd], at most 2 decimals)",
                             path, (unsigned long long)line, col, ci);
    }
    default:
        return corun_err_set(err, CORUN_ENOMEM, "%s:%llu: out of memory while indexing records",
                             path, (unsigned long long)line);
    }
}

/* ------------------------------------------------------------ input */

int csv_input_open(csv_input_t *in, const char *path, corun_err_t *err) {
    memset(in, 0, sizeof *in);
    in->path = path;
    in->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0) return corun_err_set(err, CORUN_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(in->fd, &st) || !S_ISREG(st.st_mode)) {
        close(in->fd);
        in->fd = -1;
        return corun_err_set(err, CORUN_EIO, "%s: not a regular file", path);
    }
    in->n = (uint64_t)st.st_size;
    if (in->n == 0) {
        close(in->fd);
        in->fd = -1;
        return corun_err_set(err, CORUN_EPARSE, "%s:1: empty file (expected a header line)", path);
    }
    void *m = mmap(NULL, in->n, PROT_READ, MAP_PRIVATE, in->fd, 0);
    if (m == MAP_FAILED) {
        int e = errno;
        close(in->fd);
        in->fd = -1;
        return corun_err_set(err, CORUN_EIO, "%s: cannot map: %s", path, strerror(e));
    }
    madvise(m, in->n, MADV_SEQUENTIAL);
    in->b = m;
    if (in->n >= 3 && !memcmp(in->b, "\xEF\xBB\xBF", 3)) in->hdr_start = 3;
    uint32_t want[CORUN_CSV_WANT_MAX];
    corun_csv_field_t f[CORUN_CSV_WANT_MAX];
    uint64_t end, eo = 0;
    uint32_t nf = 0;
    int rc = in->hdr_start < in->n
                 ? corun_csv_parse_row(in->b, in->hdr_start, in->n, want, 0, f, &end, &nf, &eo)
                 : CORUN_CSV_ROW_BLANK;
    if (rc != CORUN_CSV_ROW_OK) {
        csv_input_close(in);
        if (rc == CORUN_CSV_ROW_BLANK)
            return corun_err_set(err, CORUN_EPARSE, "%s:1: empty header line", path);
        return corun_err_set(err, CORUN_EPARSE, "%s:%llu: malformed header (%s)", path,
                             (unsigned long long)csv_line_of(in->b ? in->b : (const unsigned char *)"", 0),
                             rc == CORUN_CSV_E_UNTERMINATED ? "unterminated quote"
                             : rc == CORUN_CSV_E_BARE_QUOTE ? "a '\"' inside an unquoted field"
                                                            : "text after a closing quote");
    }
    in->ncols = nf;
    in->body = end;
    in->colnames = calloc(nf, sizeof *in->colnames);
    if (!in->colnames) {
        csv_input_close(in);
        return corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", path);
    }
    /* Field names: parse the header once per column (it is one line). */
    csv_slot_t tmp;
    memset(&tmp, 0, sizeof tmp);
    for (uint32_t c = 0; c < nf; c++) {
        uint32_t w = c;
        corun_csv_parse_row(in->b, in->hdr_start, in->n, &w, 1, f, &end, &nf, &eo);
        size_t len;
        const char *p = csv_field_bytes(&tmp, in->b, &f[0], &len);
        /* A lone CR outside quotes: the file's lines end with CR alone (old
         * Mac files), so the "header" would be the whole file and every
         * record would vanish into it. Refused rather than guessed. */
        if (p && !f[0].quoted && memchr(p, '\r', len)) {
            free(tmp.scratch);
            csv_input_close(in);
            return corun_err_set(err, CORUN_EPARSE,
                                 "%s:1: header field %u holds a carriage return (CR) that does "
                                 "not end a CRLF: lines ending with CR alone (classic Mac) are "
                                 "not read; convert the line ends to LF or CRLF (e.g. "
                                 "tr '\\r' '\\n')",
                                 path, c + 1);
        }
        in->colnames[c] = p ? strndup(p, len) : NULL;
        if (!in->colnames[c]) {
            free(tmp.scratch);
            csv_input_close(in);
            return corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", path);
        }
    }
    free(tmp.scratch);
    return 0;
}

void csv_input_close(csv_input_t *in) {
    if (in->colnames)
        for (uint32_t c = 0; c < in->ncols; c++) free(in->colnames[c]);
    free(in->colnames);
    if (in->b) munmap((void *)in->b, in->n);
    if (in->fd >= 0) close(in->fd);
    memset(in, 0, sizeof *in);
    in->fd = -1;
}

int csv_input_column(const csv_input_t *in, const char *name, uint32_t *col, corun_err_t *err) {
    for (uint32_t c = 0; c < in->ncols; c++)
        if (!strcmp(in->colnames[c], name)) {
            *col = c;
            return 0;
        }
    char known[512] = "";
    size_t o = 0;
    for (uint32_t c = 0; c < in->ncols && o < sizeof known - 8; c++)
        o += (size_t)snprintf(known + o, sizeof known - o, "%s'%s'", c ? ", " : "", in->colnames[c]);
    return corun_err_set(err, CORUN_EINVAL, "%s:1: no column '%s' in the header (columns: %s)",
                         in->path, name, known);
}

/* ------------------------------------------------------------ scan state */

int csv_scan_init(corun_csv_scan_t *s, const csv_input_t *in, int threads, corun_err_t *err) {
    memset(s, 0, sizeof *s);
    s->b = in->b;
    s->n = in->n;
    s->ncols = in->ncols;
    s->threads = threads > 0 ? threads : corun_default_threads();
    s->nslots = s->threads;
    s->nsum = 0;
    /* Test hook: tiny chunks, so small test files exercise the chunked path
     * (a record or a quoted field spanning chunk boundaries). */
    s->min_chunk = 65536;
    const char *mc = getenv("CORUN_CSV_MIN_CHUNK");
    uint64_t v;
    if (mc && !corun_parse_u64(mc, &v) && v >= 1) s->min_chunk = v;
    /* Test hook: every record through corun_csv_parse_row (the fast
     * scanner off), to compare the two. */
    const char *sc = getenv("CORUN_CSV_SCALAR");
    s->scalar = sc && sc[0] == '1';
    s->slots = calloc((size_t)s->nslots, sizeof *s->slots);
    if (!s->slots) return corun_err_set(err, CORUN_ENOMEM, "out of memory");
    return 0;
}

void csv_scan_fini(corun_csv_scan_t *s) {
    for (int i = 0; i < s->nslots; i++) {
        csv_slot_t *sl = &s->slots[i];
        csv_dict_free(&sl->dict);
        free(sl->to_global);
        free(sl->rows);
        free(sl->acc);
        free(sl->scratch);
        csv_stage_free(sl);
    }
    free(s->slots);
    memset(s, 0, sizeof *s);
}

int csv_scan_merge(corun_csv_scan_t *s, csv_dict_t *g) {
    for (int i = 0; i < s->nslots; i++) {
        csv_slot_t *sl = &s->slots[i];
        if (sl->dict.n > sl->mapcap) {
            size_t c = sl->mapcap ? sl->mapcap : 64;
            while (c < sl->dict.n) c *= 2;
            uint32_t *m = realloc(sl->to_global, c * sizeof *m);
            if (!m) return -2;
            sl->to_global = m;
            sl->mapcap = c;
        }
        for (size_t k = sl->nmapped; k < sl->dict.n; k++) {
            size_t len;
            const char *key = csv_dict_key(&sl->dict, (uint32_t)k, &len);
            int64_t id = csv_dict_get(g, key, len, 1);
            if (id < 0) return -2;
            sl->to_global[k] = (uint32_t)id;
        }
        sl->nmapped = sl->dict.n;
        for (size_t r = 0; r < sl->nrows; r++) sl->rows[r].key = sl->to_global[sl->rows[r].key];
    }
    return 0;
}
