/* csv_gen.c — corun_csv_gen: synthetic sales records in the seed's schema.
 *
 * Record i draws its values from corun_rng_u64(seed, 16*i + j), j = 0..15,
 * so the file is the same for every thread count. Records are formatted in
 * blocks of BLOCK rows, a batch of blocks in parallel (OpenMP), and a batch
 * is written by a pool job of an aio loop while the next batch is formatted
 * (two batch buffers). The file hash is FNV-1a 64 over the header bytes and
 * then the 8-byte FNV-1a 64 of each block, so it is computed in parallel too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corun/aio.h"
#include "corun/core.h"
#include "corun/csv.h"

#define BLOCK 8192
#define ROW_MAX 512

static const char *const regions[] = {"Sub-Saharan Africa",
                                      "Europe",
                                      "Asia",
                                      "Middle East and North Africa",
                                      "Central America and the Caribbean",
                                      "Australia and Oceania",
                                      "North America"};

/* 185 countries, '|'-separated, one string per region (same order). */
static const char *const country_lists[] = {
    "Angola|Benin|Botswana|Burkina Faso|Burundi|Cameroon|Cape Verde|Central African Republic|"
    "Chad|Comoros|Democratic Republic of the Congo|Republic of the Congo|Cote d'Ivoire|"
    "Djibouti|Equatorial Guinea|Eritrea|Ethiopia|Gabon|The Gambia|Ghana|Guinea|Guinea-Bissau|"
    "Kenya|Lesotho|Liberia|Madagascar|Malawi|Mali|Mauritania|Mauritius|Mozambique|Namibia|"
    "Niger|Nigeria|Rwanda|Sao Tome and Principe|Senegal|Seychelles|Sierra Leone|Somalia|"
    "South Africa|South Sudan|Sudan|Swaziland|Tanzania|Togo|Uganda|Zambia|Zimbabwe",
    "Albania|Andorra|Armenia|Austria|Belarus|Belgium|Bosnia and Herzegovina|Bulgaria|Croatia|"
    "Cyprus|Czech Republic|Denmark|Estonia|Finland|France|Georgia|Germany|Greece|Hungary|"
    "Iceland|Ireland|Italy|Kosovo|Latvia|Liechtenstein|Lithuania|Luxembourg|Macedonia|Malta|"
    "Moldova|Monaco|Montenegro|Netherlands|Norway|Poland|Portugal|Romania|Russia|San Marino|"
    "Serbia|Slovakia|Slovenia|Spain|Sweden|Switzerland|Ukraine|United Kingdom|Vatican City",
    "Bangladesh|Bhutan|Brunei|Cambodia|China|India|Indonesia|Japan|Kazakhstan|Kyrgyzstan|Laos|"
    "Malaysia|Maldives|Mongolia|Myanmar|Nepal|North Korea|Philippines|Singapore|South Korea|"
    "Sri Lanka|Taiwan|Tajikistan|Thailand|Turkmenistan|Uzbekistan|Vietnam|East Timor",
    "Afghanistan|Algeria|Azerbaijan|Bahrain|Egypt|Iran|Iraq|Israel|Jordan|Kuwait|Lebanon|"
    "Libya|Morocco|Oman|Pakistan|Qatar|Saudi Arabia|Syria|Tunisia|Turkey|United Arab Emirates|"
    "Yemen",
    "Antigua and Barbuda|The Bahamas|Barbados|Belize|Costa Rica|Cuba|Dominica|"
    "Dominican Republic|El Salvador|Grenada|Guatemala|Haiti|Honduras|Jamaica|Nicaragua|Panama|"
    "Saint Kitts and Nevis|Saint Lucia|Saint Vincent and the Grenadines|Trinidad and Tobago",
    "Australia|Federated States of Micronesia|Fiji|Kiribati|Marshall Islands|Nauru|"
    "New Zealand|Palau|Papua New Guinea|Samoa|Solomon Islands|Tonga|Tuvalu|Vanuatu",
    "Canada|Greenland|Mexico|United States of America"};

#define NCOUNTRY_MAX 200
typedef struct country {
    char name[40];
    uint8_t len, region;
} country_t;

/* The dataset's 12 item types with their fixed unit price and cost (cents). */
static const struct {
    const char *name;
    int64_t price, cost;
} items[12] = {{"Baby Food", 25528, 15942},      {"Beverages", 4745, 3179},
               {"Cereal", 20570, 11711},         {"Clothes", 10928, 3584},
               {"Cosmetics", 43720, 26333},      {"Fruits", 933, 692},
               {"Household", 66827, 50254},      {"Meat", 42189, 36469},
               {"Office Supplies", 65121, 52496}, {"Personal Care", 8173, 5667},
               {"Snacks", 15258, 9744},          {"Vegetables", 15406, 9093}};

static const char header[] =
    "Region,Country,Item Type,Sales Channel,Order Priority,Order Date,Order ID,Ship Date,"
    "Units Sold,Unit Price,Unit Cost,Total Revenue,Total Cost,Total Profit";

static size_t build_countries(country_t *c) {
    size_t n = 0;
    for (size_t r = 0; r < 7; r++) {
        const char *p = country_lists[r];
        while (*p) {
            const char *e = strchr(p, '|');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            memcpy(c[n].name, p, len);
            c[n].name[len] = '\0';
            c[n].len = (uint8_t)len;
            c[n].region = (uint8_t)r;
            n++;
            p += len + (e != NULL);
        }
    }
    return n;
}

/* Days since 1970-01-01 -> civil date (Howard Hinnant's algorithm). */
static void civil(int64_t z, int *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static char *put_u(char *p, uint64_t v) {
    char t[24];
    int n = 0;
    do t[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n) *p++ = t[--n];
    return p;
}

static char *put_cents(char *p, int64_t c) {
    if (c < 0) {
        *p++ = '-';
        c = -c;
    }
    p = put_u(p, (uint64_t)c / 100);
    *p++ = '.';
    *p++ = (char)('0' + c % 100 / 10);
    *p++ = (char)('0' + c % 10);
    return p;
}

static char *put_str(char *p, const char *s, size_t n) {
    memcpy(p, s, n);
    return p + n;
}

static char *put_date(char *p, int64_t days) {
    int y, m, d;
    civil(days, &y, &m, &d);
    p = put_u(p, (uint64_t)m);
    *p++ = '/';
    p = put_u(p, (uint64_t)d);
    *p++ = '/';
    return put_u(p, (uint64_t)y);
}

/* One record into p (at most ROW_MAX bytes); returns the end. */
static char *gen_row(char *p, const corun_csv_gen_opts_t *o, const country_t *cs, size_t nc,
                     uint64_t i) {
    uint64_t r[10];
    for (int j = 0; j < 10; j++) r[j] = corun_rng_u64(o->seed, i * 16 + (uint64_t)j);
    const country_t *c = &cs[r[0] % nc];
    int it = (int)(r[1] % 12);
    const char *reg = regions[c->region];
    int quoted = o->quoted_fraction > 0 &&
                 (double)(r[8] >> 11) * 0x1.0p-53 < o->quoted_fraction;
    int64_t od = 14610 + (int64_t)(r[4] % 2766); /* 2010-01-01 .. 2017-07-28 */
    int64_t sd = od + (int64_t)(r[5] % 51);
    uint64_t units = 1 + r[7] % 10000;
    int64_t rev = (int64_t)units * items[it].price, cost = (int64_t)units * items[it].cost;
    if (quoted) *p++ = '"';
    p = put_str(p, reg, strlen(reg));
    if (quoted) *p++ = '"';
    *p++ = ',';
    if (quoted) *p++ = '"';
    p = put_str(p, c->name, c->len);
    if (quoted) *p++ = '"';
    *p++ = ',';
    if (quoted) {
        /* RFC 4180's hard cases: a comma, doubled quotes, a line break. */
        static const char *const extra[4] = {", \"\"lot ", ", \"\"batch ", " (\"\"A\"\"), no ",
                                             ",\nline "};
        *p++ = '"';
        p = put_str(p, items[it].name, strlen(items[it].name));
        const char *x = extra[r[9] % 4];
        p = put_str(p, x, strlen(x));
        p = put_u(p, r[9] % 1000);
        if (r[9] % 4 < 2) p = put_str(p, "\"\"", 2);
        *p++ = '"';
    } else {
        p = put_str(p, items[it].name, strlen(items[it].name));
    }
    *p++ = ',';
    p = put_str(p, r[2] & 1 ? "Online," : "Offline,", r[2] & 1 ? 7 : 8);
    *p++ = "HMLC"[r[3] % 4];
    *p++ = ',';
    p = put_date(p, od);
    *p++ = ',';
    p = put_u(p, 100000000 + r[6] % 900000000);
    *p++ = ',';
    p = put_date(p, sd);
    *p++ = ',';
    p = put_u(p, units);
    *p++ = ',';
    p = put_cents(p, items[it].price);
    *p++ = ',';
    p = put_cents(p, items[it].cost);
    *p++ = ',';
    p = put_cents(p, rev);
    *p++ = ',';
    p = put_cents(p, cost);
    *p++ = ',';
    if (quoted) *p++ = '"';
    p = put_cents(p, rev - cost);
    if (quoted) *p++ = '"';
    if (o->crlf) *p++ = '\r';
    *p++ = '\n';
    return p;
}

void corun_csv_gen_opts_init(corun_csv_gen_opts_t *o) {
    memset(o, 0, sizeof *o);
    o->rows = 1000;
    o->seed = 1;
}

typedef struct batch {
    char *buf[2];     /* per block: BLOCK * ROW_MAX bytes */
    size_t *len;      /* per block */
    uint64_t *hash;   /* per block */
    size_t nblocks;
    int fd;
    const char *path;
} batch_t;

static int write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

typedef struct wjob {
    int fd;
    char **blocks;
    size_t *len;
    size_t n;
    const char *path;
} wjob_t;

static int wjob_run(void *arg, void **value, corun_err_t *err) {
    (void)value;
    wjob_t *j = arg;
    for (size_t b = 0; b < j->n; b++)
        if (write_all(j->fd, j->blocks[b], j->len[b]))
            return corun_err_set(err, CORUN_EIO, "%s: write failed: %s", j->path, strerror(errno));
    return 0;
}

int corun_csv_gen(const corun_csv_gen_opts_t *o, const char *path, corun_csv_gen_result_t *res,
                  corun_err_t *err) {
    double t0 = corun_now();
    if (!o || !path || !(o->quoted_fraction >= 0 && o->quoted_fraction <= 1))
        return corun_err_set(err, CORUN_EINVAL, "csv gen: a path and quoted_fraction in 0..1");
    country_t cs[NCOUNTRY_MAX];
    size_t nc = build_countries(cs);
    int threads = o->threads > 0 ? o->threads : corun_default_threads();
    size_t per = (size_t)threads * 4; /* blocks per batch */
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return corun_err_set(err, CORUN_EINVAL, "%s: path too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return corun_err_set(err, CORUN_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    int rc = 0;
    corun_aio_loop_t *loop = NULL;
    corun_aio_future_t *pending = NULL;
    char **blocks = calloc(2 * per, sizeof *blocks);
    size_t *lens = calloc(2 * per, sizeof *lens);
    uint64_t *hashes = calloc(per, sizeof *hashes);
    wjob_t jobs[2];
    uint64_t h = CORUN_FNV1A64_INIT, bytes = 0;
    if (!blocks || !lens || !hashes) {
        rc = corun_err_set(err, CORUN_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t b = 0; b < 2 * per; b++)
        if (!(blocks[b] = malloc((size_t)BLOCK * ROW_MAX))) {
            rc = corun_err_set(err, CORUN_ENOMEM, "out of memory");
            goto done;
        }
    corun_aio_config_t cfg;
    corun_aio_config_init(&cfg);
    cfg.pool_threads = 1;
    if ((rc = corun_aio_loop_create(&cfg, &loop, err))) goto done;
    {
        char hdr[sizeof header + 8];
        size_t hl = 0;
        if (o->bom) hl = (size_t)snprintf(hdr, sizeof hdr, "\xEF\xBB\xBF");
        hl += (size_t)snprintf(hdr + hl, sizeof hdr - hl, "%s%s", header, o->crlf ? "\r\n" : "\n");
        h = corun_fnv1a64(h, hdr, hl);
        bytes += hl;
        if (write_all(fd, hdr, hl)) {
            rc = corun_err_set(err, CORUN_EIO, "%s: write failed: %s", tmp, strerror(errno));
            goto done;
        }
    }
    uint64_t nblocks = (o->rows + BLOCK - 1) / BLOCK;
    for (uint64_t b0 = 0, k = 0; b0 < nblocks; b0 += per, k ^= 1) {
        size_t nb = nblocks - b0 < per ? (size_t)(nblocks - b0) : per;
        char **bl = blocks + k * per;
        size_t *ln = lens + k * per;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
        for (size_t j = 0; j < nb; j++) {
            uint64_t first = (b0 + j) * BLOCK;
            uint64_t last = first + BLOCK < o->rows ? first + BLOCK : o->rows;
            char *p = bl[j];
            for (uint64_t i = first; i < last; i++) p = gen_row(p, o, cs, nc, i);
            ln[j] = (size_t)(p - bl[j]);
            hashes[j] = corun_fnv1a64(CORUN_FNV1A64_INIT, bl[j], ln[j]);
        }
        for (size_t j = 0; j < nb; j++) {
            h = corun_fnv1a64(h, &hashes[j], 8);
            bytes += ln[j];
        }
        /* The previous batch's writer must be done before its buffers are
         * reused (the next iteration); wait for it now, then hand this one. */
        if (pending) {
            rc = corun_aio_future_result(pending, -1, NULL, err);
            corun_aio_future_release(pending);
            pending = NULL;
            if (rc) goto done;
        }
        jobs[k] = (wjob_t){fd, bl, ln, nb, tmp};
        if ((rc = corun_aio_submit(loop, wjob_run, &jobs[k], &pending, err))) goto done;
    }
    if (pending) {
        rc = corun_aio_future_result(pending, -1, NULL, err);
        corun_aio_future_release(pending);
        pending = NULL;
        if (rc) goto done;
    }
    if (close(fd)) {
        fd = -1;
        rc = corun_err_set(err, CORUN_EIO, "%s: close failed: %s", tmp, strerror(errno));
        goto done;
    }
    fd = -1;
    if (rename(tmp, path)) {
        rc = corun_err_set(err, CORUN_EIO, "%s: cannot rename to %s: %s", tmp, path,
                           strerror(errno));
        goto done;
    }
done:
    if (pending) {
        corun_err_t e2;
        corun_aio_future_result(pending, -1, NULL, &e2);
        corun_aio_future_release(pending);
    }
    if (loop) {
        corun_err_t e2;
        corun_aio_loop_shutdown(loop, CORUN_AIO_DRAIN, &e2);
        corun_aio_loop_destroy(loop);
    }
    if (fd >= 0) close(fd);
    if (rc) unlink(tmp);
    if (blocks)
        for (size_t b = 0; b < 2 * per; b++) free(blocks[b]);
    free(blocks);
    free(lens);
    free(hashes);
    if (res) {
        res->rows = rc ? 0 : o->rows;
        res->bytes = bytes;
        res->hash = h;
        res->seconds = corun_now() - t0;
    }
    return rc;
}
