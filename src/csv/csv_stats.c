/* csv_stats.c — corun_csv_stats: record count and exact sums per group.
 * Amounts are integers of hundredths (int64, overflow is an error), so sums
 * do not drift the way float sums do; each sum column is printed with the
 * most decimals (0..2) seen in it. Groups are printed in byte order of the
 * value, so the text (and its hash) is the same for every backend. */
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "csv_int.h"

void corun_csv_stats_opts_init(corun_csv_stats_opts_t *o) { memset(o, 0, sizeof *o); }

static void put_field(FILE *f, const char *v, size_t len) {
    if (!memchr(v, ',', len) && !memchr(v, '"', len) && !memchr(v, '\n', len) &&
        !memchr(v, '\r', len)) {
        fwrite(v, 1, len, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        if (v[i] == '"') fputc('"', f);
        fputc(v[i], f);
    }
    fputc('"', f);
}

static void put_amount(FILE *f, int64_t c, int dec) {
    uint64_t a = c < 0 ? (uint64_t)0 - (uint64_t)c : (uint64_t)c;
    const char *sign = c < 0 ? "-" : "";
    if (dec == 2) fprintf(f, ",%s%llu.%02llu", sign, (unsigned long long)(a / 100), (unsigned long long)(a % 100));
    else if (dec == 1) fprintf(f, ",%s%llu.%llu", sign, (unsigned long long)(a / 100), (unsigned long long)(a % 100 / 10));
    else fprintf(f, ",%s%llu", sign, (unsigned long long)(a / 100));
}

static _Thread_local const csv_dict_t *sort_dict;
static int cmp_key(const void *a, const void *b) {
    size_t la, lb;
    const char *ka = csv_dict_key(sort_dict, *(const uint32_t *)a, &la);
    const char *kb = csv_dict_key(sort_dict, *(const uint32_t *)b, &lb);
    int c = memcmp(ka, kb, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

int corun_csv_stats(const corun_csv_stats_opts_t *o, corun_csv_stats_result_t *res,
                    corun_err_t *err) {
    double t0 = corun_now();
    corun_csv_stats_result_t r;
    memset(&r, 0, sizeof r);
    if (!o || !o->input || !o->by || !o->out || o->nsum > CORUN_CSV_SUM_MAX)
        return corun_err_set(err, CORUN_EINVAL, "csv stats: input, by and out are required, "
                                                "at most %d sums", CORUN_CSV_SUM_MAX);
    const corun_csv_backend_t *be = o->backend ? o->backend : &corun_csv_backend_omp;
    size_t window = o->window_bytes ? o->window_bytes : (size_t)64 << 20;
    size_t max_groups = o->max_groups ? o->max_groups : 1000000;
    csv_input_t in;
    corun_csv_scan_t s;
    csv_dict_t g;
    memset(&s, 0, sizeof s);
    csv_dict_init(&g);
    int64_t *acc = NULL;
    uint32_t *order = NULL;
    char *text = NULL;
    size_t textlen = 0;
    FILE *mem = NULL;
    int rc = csv_input_open(&in, o->input, err);
    if (rc) return rc;
    uint32_t keycol, cols[CORUN_CSV_SUM_MAX + 1];
    if ((rc = csv_input_column(&in, o->by, &keycol, err))) goto done;
    for (size_t j = 0; j < o->nsum; j++)
        if ((rc = csv_input_column(&in, o->sum[j], &cols[j], err))) goto done;
    if ((rc = csv_scan_init(&s, &in, o->threads, err))) goto done;
    /* want[]: the distinct columns in increasing order. */
    cols[o->nsum] = keycol;
    for (size_t j = 0; j <= o->nsum; j++) {
        int seen = 0;
        for (int k = 0; k < s.nwant; k++) seen |= s.want[k] == cols[j];
        if (!seen) s.want[s.nwant++] = cols[j];
    }
    for (int a = 1; a < s.nwant; a++)
        for (int b = a; b > 0 && s.want[b - 1] > s.want[b]; b--) {
            uint32_t t = s.want[b];
            s.want[b] = s.want[b - 1];
            s.want[b - 1] = t;
        }
    for (int k = 0; k < s.nwant; k++) {
        if (s.want[k] == keycol) s.key_k = k;
        for (size_t j = 0; j < o->nsum; j++)
            if (s.want[k] == cols[j]) s.sum_k[j] = k;
    }
    s.nsum = (int)o->nsum;
    s.keep_rows = 0;
    for (uint64_t pos = in.body; pos < in.n;) {
        uint64_t we = in.n - pos > window ? pos + window : in.n, next = pos;
        rc = be->scan(&s, pos, we, &next, err);
        if (rc == CORUN_EPARSE) rc = csv_scan_error(&s, o->input, (const char *const *)in.colnames, err);
        if (rc) goto done;
        if (csv_scan_merge(&s, &g)) {
            rc = corun_err_set(err, CORUN_ENOMEM, "out of memory (group dictionary)");
            goto done;
        }
        if (g.n > max_groups) {
            rc = corun_err_set(err, CORUN_ERANGE, "%s: column '%s' has more than %zu groups",
                               o->input, o->by, max_groups);
            goto done;
        }
        pos = next;
    }
    size_t per = 1 + o->nsum;
    int dec[CORUN_CSV_SUM_MAX] = {0};
    acc = calloc((g.n ? g.n : 1) * per, sizeof *acc);
    order = malloc((g.n ? g.n : 1) * sizeof *order);
    if (!acc || !order) {
        rc = corun_err_set(err, CORUN_ENOMEM, "out of memory");
        goto done;
    }
    for (int t = 0; t < s.nslots; t++) {
        csv_slot_t *sl = &s.slots[t];
        r.rows += sl->records;
        for (size_t j = 0; j < o->nsum; j++)
            if (sl->dec[j] > dec[j]) dec[j] = sl->dec[j];
        for (size_t k = 0; k < sl->dict.n; k++) {
            int64_t *dst = acc + (size_t)sl->to_global[k] * per, *src = sl->acc + k * per;
            for (size_t j = 0; j < per; j++)
                if (__builtin_add_overflow(dst[j], src[j], &dst[j])) {
                    rc = corun_err_set(err, CORUN_ERANGE,
                                       "%s: the sum of '%s' for a group is out of range (sums "
                                       "are exact within +-92233720368547758.07)",
                                       o->input, j ? o->sum[j - 1] : "count");
                    goto done;
                }
        }
    }
    for (size_t k = 0; k < g.n; k++) order[k] = (uint32_t)k;
    sort_dict = &g; /* qsort has no context argument in C11 */
    qsort(order, g.n, sizeof *order, cmp_key);
    mem = open_memstream(&text, &textlen);
    if (!mem) {
        rc = corun_err_set(err, CORUN_ENOMEM, "out of memory");
        goto done;
    }
    put_field(mem, o->by, strlen(o->by));
    fputs(",count", mem);
    for (size_t j = 0; j < o->nsum; j++) {
        fputc(',', mem);
        put_field(mem, o->sum[j], strlen(o->sum[j]));
    }
    fputc('\n', mem);
    for (size_t i = 0; i < g.n; i++) {
        size_t len;
        const char *k = csv_dict_key(&g, order[i], &len);
        const int64_t *a = acc + (size_t)order[i] * per;
        put_field(mem, k, len);
        fprintf(mem, ",%lld", (long long)a[0]);
        for (size_t j = 0; j < o->nsum; j++) put_amount(mem, a[1 + j], dec[j]);
        fputc('\n', mem);
    }
    fclose(mem);
    mem = NULL;
    if (fwrite(text, 1, textlen, o->out) != textlen) {
        rc = corun_err_set(err, CORUN_EIO, "writing the result failed");
        goto done;
    }
    r.hash = corun_fnv1a64(CORUN_FNV1A64_INIT, text, textlen);
    r.groups = g.n;
    r.bytes_in = in.n;
done:
    if (mem) fclose(mem);
    free(text);
    free(acc);
    free(order);
    csv_dict_free(&g);
    csv_scan_fini(&s);
    csv_input_close(&in);
    r.seconds = corun_now() - t0;
    if (res) *res = r;
    return rc;
}
