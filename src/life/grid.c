/* grid.c — the packed grid and the byte-per-cell grid: allocation with size
 * checks, hash, population, counter-based random fill (whole grids and
 * slabs of rows), pack/unpack between them, boundary names. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "corun/core.h"
#include "corun/life.h"

const char *corun_life_boundary_name(corun_life_boundary_t b) {
    return b == CORUN_LIFE_DEAD ? "dead" : "torus";
}

int corun_life_boundary_parse(const char *s, corun_life_boundary_t *out, corun_err_t *err) {
    if (s && strcasecmp(s, "torus") == 0) {
        *out = CORUN_LIFE_TORUS;
        return 0;
    }
    if (s && strcasecmp(s, "dead") == 0) {
        *out = CORUN_LIFE_DEAD;
        return 0;
    }
    return corun_err_set(err, CORUN_EINVAL, "boundary '%s': expected 'torus' or 'dead'",
                         s ? s : "");
}

int corun_life_check_size(int64_t w, int64_t h, double bytes_per_cell, corun_err_t *err) {
    if (w < 1 || h < 1)
        return corun_err_set(err, CORUN_ERANGE,
                             "grid size %lldx%lld: width and height must be at least 1",
                             (long long)w, (long long)h);
    /* The cell count must fit in int64 and in size_t with room for the
     * backends' copies. */
    if (w > INT64_MAX / h || w * h > (int64_t)(SIZE_MAX / 4))
        return corun_err_set(err, CORUN_ERANGE,
                             "grid size %lldx%lld: the cell count overflows", (long long)w,
                             (long long)h);
    double need = (double)w * (double)h * bytes_per_cell;
    uint64_t avail = corun_mem_available();
    if (avail && need > (double)avail)
        return corun_err_set(err, CORUN_ENOMEM,
                             "grid size %lldx%lld needs about %.1f GiB but only %.1f GiB of "
                             "memory is available",
                             (long long)w, (long long)h, need / (1u << 30),
                             (double)avail / (1u << 30));
    return 0;
}

int corun_life_cells_init(corun_life_cells_t *g, int64_t w, int64_t h, corun_err_t *err) {
    g->width = g->height = 0;
    g->cells = NULL;
    int rc = corun_life_check_size(w, h, 1.0, err);
    if (rc) return rc;
    g->cells = calloc((size_t)(w * h), 1);
    if (!g->cells)
        return corun_err_set(err, CORUN_ENOMEM, "grid %lldx%lld: out of memory", (long long)w,
                             (long long)h);
    g->width = w;
    g->height = h;
    return 0;
}

void corun_life_cells_close(corun_life_cells_t *g) {
    free(g->cells);
    g->cells = NULL;
    g->width = g->height = 0;
}

uint64_t corun_life_cells_hash(const corun_life_cells_t *g) {
    return corun_fnv1a64(CORUN_FNV1A64_INIT, g->cells, (size_t)(g->width * g->height));
}

int64_t corun_life_cells_population(const corun_life_cells_t *g) {
    /* Cells are 0 or 1, so the popcount of 8 cells read as one word is the
     * number of live ones among them; threads split the words. */
    const int64_t total = g->width * g->height, words = total / 8;
    int64_t n = 0;
#pragma omp parallel for schedule(static) reduction(+ : n) if (total > (1 << 20))
    for (int64_t i = 0; i < words; i++) {
        uint64_t w;
        memcpy(&w, g->cells + 8 * i, 8);
        n += __builtin_popcountll(w);
    }
    for (int64_t i = 8 * words; i < total; i++) n += g->cells[i];
    return n;
}

void corun_life_cells_fill_random_rows(corun_life_cells_t *g, double density, uint64_t seed,
                                      int64_t row0) {
    /* Compare the top 53 bits with density scaled to 2^53: exact for 0 and 1. */
    uint64_t limit = density >= 1.0 ? (UINT64_C(1) << 53)
                     : density <= 0.0 ? 0
                                      : (uint64_t)(density * 9007199254740992.0);
    int64_t total = g->width * g->height;
    uint64_t first = (uint64_t)row0 * (uint64_t)g->width; /* global index of cell 0 */
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < total; i++)
        g->cells[i] = (corun_rng_u64(seed, first + (uint64_t)i) >> 11) < limit;
}

void corun_life_pack(const corun_life_cells_t *g, uint64_t *words) {
    const int64_t wpr = corun_life_words_per_row(g->width);
#pragma omp parallel for schedule(static)
    for (int64_t y = 0; y < g->height; y++) {
        const uint8_t *src = g->cells + y * g->width;
        uint64_t *row = words + y * wpr;
        memset(row, 0, (size_t)wpr * sizeof *row);
        for (int64_t x = 0; x < g->width; x++) row[x >> 6] |= (uint64_t)(src[x] & 1u) << (x & 63);
    }
}

void corun_life_unpack(const uint64_t *words, corun_life_cells_t *g) {
    const int64_t wpr = corun_life_words_per_row(g->width);
#pragma omp parallel for schedule(static)
    for (int64_t y = 0; y < g->height; y++) {
        const uint64_t *row = words + y * wpr;
        uint8_t *dst = g->cells + y * g->width;
        for (int64_t x = 0; x < g->width; x++) dst[x] = (uint8_t)((row[x >> 6] >> (x & 63)) & 1u);
    }
}

/* ---------------------------------------------------------- packed grid */

int corun_life_grid_init(corun_life_grid_t *g, int64_t w, int64_t h, corun_err_t *err) {
    memset(g, 0, sizeof *g);
    int rc = corun_life_check_size(w, h, 0.0, err);
    if (rc) return rc;
    const int64_t stride = corun_life_grid_stride(w);
    size_t bytes = ((size_t)(stride * h) * 8 + 63) & ~(size_t)63;
    g->words = aligned_alloc(64, bytes);
    if (!g->words)
        return corun_err_set(err, CORUN_ENOMEM, "grid %lldx%lld: out of memory", (long long)w,
                             (long long)h);
    memset(g->words, 0, bytes);
    g->width = w;
    g->height = h;
    g->wpr = corun_life_words_per_row(w);
    g->stride = stride;
    return 0;
}

void corun_life_grid_close(corun_life_grid_t *g) {
    free(g->words);
    memset(g, 0, sizeof *g);
}

uint64_t corun_life_grid_hash(const corun_life_grid_t *g, int threads) {
    (void)threads;
    uint64_t h = CORUN_FNV1A64_INIT;
    for (int64_t y = 0; y < g->height; y++)
        for (int64_t x = 0; x < g->width; x++) {
            uint8_t c = (uint8_t)corun_life_grid_get(g, x, y);
            h = corun_fnv1a64(h, &c, 1);
        }
    return h;
}

int64_t corun_life_grid_population(const corun_life_grid_t *g, int threads) {
    (void)threads;
    int64_t n = 0;
    for (int64_t y = 0; y < g->height; y++)
        for (int64_t j = 0; j < g->wpr; j++) n += __builtin_popcountll(corun_life_grid_row(g, y)[j]);
    return n;
}

void corun_life_grid_fill_random(corun_life_grid_t *g, double density, uint64_t seed,
                                 int64_t row0, int threads) {
    (void)threads;
    uint64_t limit = density >= 1.0 ? (UINT64_C(1) << 53)
                     : density <= 0.0 ? 0
                                      : (uint64_t)(density * 9007199254740992.0);
    for (int64_t y = 0; y < g->height; y++)
        for (int64_t x = 0; x < g->width; x++)
            corun_life_grid_set(
                g, x, y,
                (corun_rng_u64(seed, (uint64_t)(row0 + y) * (uint64_t)g->width + (uint64_t)x) >>
                 11) < limit);
}

void corun_life_cells_pack(const corun_life_cells_t *c, corun_life_grid_t *g) {
    for (int64_t y = 0; y < c->height; y++) {
        uint64_t *row = corun_life_grid_row(g, y);
        memset(row, 0, (size_t)g->stride * 8);
        for (int64_t x = 0; x < c->width; x++)
            row[x >> 6] |= (uint64_t)(c->cells[y * c->width + x] & 1u) << (x & 63);
    }
}

void corun_life_cells_unpack(const corun_life_grid_t *g, corun_life_cells_t *c) {
    for (int64_t y = 0; y < c->height; y++)
        for (int64_t x = 0; x < c->width; x++)
            c->cells[y * c->width + x] = (uint8_t)corun_life_grid_get(g, x, y);
}

#define FNV_PRIME UINT64_C(0x100000001b3)

corun_life_fnv_map_t corun_life_grid_hash_map(const corun_life_grid_t *g, int threads) {
    (void)threads;
    corun_life_fnv_map_t m = {1, 0, 0};
    for (int64_t y = 0; y < g->height; y++)
        for (int64_t x = 0; x < g->width; x++) {
            int c = corun_life_grid_get(g, x, y);
            /* bit 0 of the state so far, for a start with bit 0 clear */
            if (c) m.b += m.parity ? (uint64_t)-1 : 1;
            m.parity ^= (unsigned)c;
            m.b *= FNV_PRIME;
            m.a *= FNV_PRIME;
        }
    return m;
}

corun_life_fnv_map_t corun_life_fnv_compose(corun_life_fnv_map_t first, corun_life_fnv_map_t then) {
    /* then(first(h)) for a start with bit 0 clear; first leaves bit 0 =
     * first.parity, which flips the sign of then's b. */
    corun_life_fnv_map_t m;
    m.a = then.a * first.a;
    m.b = then.a * first.b + (first.parity ? (uint64_t)0 - then.b : then.b);
    m.parity = first.parity ^ then.parity;
    return m;
}

uint64_t corun_life_fnv_apply(corun_life_fnv_map_t m, uint64_t h) {
    return m.a * h + ((h & 1) ? (uint64_t)0 - m.b : m.b);
}
