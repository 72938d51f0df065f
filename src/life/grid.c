/* grid.c — the packed grid's memory and the byte-per-cell grid: allocation
 * with size checks, the byte grid's hash, population and random fill (the
 * definitions the packed kernels in grid_fill.c, grid_hash.c and
 * grid_population.c must match), pack/unpack between the two, boundary
 * names. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "corun/core.h"
#include "corun/life.h"
#include "grid_int.h"

const char *corun_life_boundary_name(corun_life_boundary_t b) {
    return b == CORUN_LIFE_DEAD ? "dead" : "torus";
}

int corun_life_boundary_parse(const char *s, corun_life_boundary_t *out, corun_err_t *err) {
    if (s && strcasecmp(s, "torus") == 0) {
        *out = CORUN_LIFE_TORUS;
        return 0;
    }
    /* Golly calls a bounded grid with dead cells outside a plane (:P). */
    if (s && (strcasecmp(s, "dead") == 0 || strcasecmp(s, "plane") == 0)) {
        *out = CORUN_LIFE_DEAD;
        return 0;
    }
    return corun_err_set(err, CORUN_EINVAL,
                         "boundary '%s': expected 'torus' or 'dead' (also called 'plane')",
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
#pragma omp parallel for schedule(static) if (total > (1 << 16))
    for (int64_t i = 0; i < total; i++)
        g->cells[i] = (corun_rng_u64(seed, first + (uint64_t)i) >> 11) < limit;
}

/* 8 cells (bytes 0/1) to 8 bits, byte k -> bit k: with the bytes masked to
 * their low bit, the product puts byte k's bit at 56 + k, and no two partial
 * products share a bit, so nothing carries. */
static inline uint64_t pack8(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return ((v & UINT64_C(0x0101010101010101)) * UINT64_C(0x0102040810204080)) >> 56;
}

/* 8 bits to 8 bytes 0/1, bit k -> byte k: bits 0..6 multiplied land at 8k
 * without overlapping (bit 7 would collide with bit 0's copies, so it goes
 * in by hand). */
static inline uint64_t spread8(unsigned x) {
    return (((x & 0x7fu) * UINT64_C(0x0002040810204081)) & UINT64_C(0x0101010101010101)) |
           (uint64_t)(x >> 7) << 56;
}

/* One row of `width` cells into ceil(width/64) words, padding bits 0. */
static void pack_row(const uint8_t *src, int64_t width, uint64_t *row) {
    int64_t x = 0, j = 0;
    for (; x + 64 <= width; x += 64, j++) {
        uint64_t w = 0;
        for (int k = 0; k < 8; k++) w |= pack8(src + x + 8 * k) << (8 * k);
        row[j] = w;
    }
    if (x < width) {
        uint64_t w = 0;
        for (int i = 0; x + i < width; i++) w |= (uint64_t)(src[x + i] & 1u) << i;
        row[j] = w;
    }
}

static void unpack_row(const uint64_t *row, int64_t width, uint8_t *dst) {
    int64_t x = 0;
    for (; x + 8 <= width; x += 8) {
        uint64_t v = spread8((unsigned)(row[x >> 6] >> (x & 63)) & 0xffu);
        memcpy(dst + x, &v, 8);
    }
    for (; x < width; x++) dst[x] = (uint8_t)((row[x >> 6] >> (x & 63)) & 1u);
}

/* Rows are independent; threads pay off from about a million cells. */
#define ROWS_PARALLEL(w, h) if ((w) * (h) > (1 << 20))

/* ---------------------------------------------------------- packed grid */

/* From this size on a block is its own mapping: fresh zero pages cost
 * nothing until touched (no memset of a huge grid), and the thread that
 * first writes a page decides its NUMA node. Below it, the heap. */
#define WORDS_MAP_MIN ((size_t)1 << 20)
/* Mappings start on a huge-page boundary so the whole block can be backed
 * by 2 MiB pages (fewer TLB misses when kernels stream through rows). */
#define HUGE_PAGE ((size_t)2 << 20)

static size_t words_bytes(size_t nwords) { return (nwords * 8 + 63) & ~(size_t)63; }
static size_t page_round(size_t bytes) { return (bytes + 4095) & ~(size_t)4095; }

uint64_t *corun_life_words_alloc(size_t nwords) {
    if (nwords > (SIZE_MAX - 2 * HUGE_PAGE) / 8) return NULL;
    size_t bytes = words_bytes(nwords ? nwords : 1);
    if (bytes < WORDS_MAP_MIN) {
        uint64_t *p = aligned_alloc(64, bytes);
        if (p) memset(p, 0, bytes);
        return p;
    }
    size_t len = page_round(bytes);
    /* Map a huge page more and trim both ends to the aligned block, so the
     * block is exactly [p, p + len) and free() needs only nwords. */
    char *raw = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED) return NULL;
    char *p = (char *)(((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (p > raw) munmap(raw, (size_t)(p - raw));
    size_t tail = (size_t)(raw + len + HUGE_PAGE - (p + len));
    if (tail) munmap(p + len, tail);
#ifdef MADV_HUGEPAGE
    madvise(p, len, MADV_HUGEPAGE); /* advice only: fine if refused */
#endif
    return (uint64_t *)p;
}

void corun_life_words_free(uint64_t *p, size_t nwords) {
    if (!p) return;
    size_t bytes = words_bytes(nwords ? nwords : 1);
    if (bytes < WORDS_MAP_MIN)
        free(p);
    else
        munmap(p, page_round(bytes));
}

int corun_life_grid_init(corun_life_grid_t *g, int64_t w, int64_t h, corun_err_t *err) {
    memset(g, 0, sizeof *g);
    int rc = corun_life_check_size(w, h, 0.0, err);
    if (rc) return rc;
    const int64_t stride = corun_life_grid_stride(w);
    if (h > (int64_t)(SIZE_MAX / 16) / stride) /* a narrow grid: stride dominates */
        return corun_err_set(err, CORUN_ERANGE, "grid size %lldx%lld: the word count overflows",
                             (long long)w, (long long)h);
    g->words = corun_life_words_alloc((size_t)(stride * h));
    if (!g->words)
        return corun_err_set(err, CORUN_ENOMEM, "grid %lldx%lld: out of memory", (long long)w,
                             (long long)h);
    g->width = w;
    g->height = h;
    g->wpr = corun_life_words_per_row(w);
    g->stride = stride;
    g->owned = 1;
    return 0;
}

void corun_life_words_prefault(uint64_t *p, size_t nwords) {
#ifdef MADV_POPULATE_WRITE
    /* (pieces of a block too: any range of whole pages inside it) */
    uintptr_t a = (uintptr_t)p & ~(uintptr_t)4095, e = ((uintptr_t)(p + nwords) + 4095) & ~(uintptr_t)4095;
    if (p && nwords && e > a) madvise((void *)a, e - a, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)nwords;
#endif
}

void corun_life_grid_close(corun_life_grid_t *g) {
    if (g->owned) corun_life_words_free(g->words, (size_t)(g->stride * g->height));
    memset(g, 0, sizeof *g);
}

int grid_parts(const corun_life_grid_t *g, int threads, int64_t min_words) {
    int64_t t = threads > 0 ? threads : corun_default_threads();
    int64_t most = (g->height * g->wpr) / (min_words > 0 ? min_words : 1);
    if (t > most) t = most;
    return t < 1 ? 1 : (int)t;
}

void corun_life_cells_pack(const corun_life_cells_t *c, corun_life_grid_t *g) {
#pragma omp parallel for schedule(static) ROWS_PARALLEL(c->width, c->height)
    for (int64_t y = 0; y < c->height; y++) {
        /* Only the row's wpr words: g may be a caller's buffer whose words
         * between rows are not ours (a grid's own gap words stay 0 anyway). */
        pack_row(c->cells + y * c->width, c->width, corun_life_grid_row(g, y));
    }
}

void corun_life_cells_unpack(const corun_life_grid_t *g, corun_life_cells_t *c) {
#pragma omp parallel for schedule(static) ROWS_PARALLEL(c->width, c->height)
    for (int64_t y = 0; y < c->height; y++)
        unpack_row(corun_life_grid_row(g, y), c->width, c->cells + y * c->width);
}
