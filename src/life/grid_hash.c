/* grid_hash.c — FNV-1a 64 of a packed grid's cells (one byte 0/1 per cell,
 * row-major) on all threads, through the affine maps of corun_life_fnv_map_t
 * (life.h explains why a run of 0/1 bytes hashes as h -> a*h +- b).
 *
 * A byte of 8 cells has, for a run starting with bit 0 of the state clear,
 * the map (P^8, T[byte], parity(byte)); starting with bit 0 set, b is
 * negated. Appending a byte to a run's map (a, B, par) gives (a * P^8,
 * B * P^8 + (par ? -T : T), par ^ parity), so one table lookup, one
 * multiply and one add per 8 cells; `a` is P^cells, computed once per run.
 * The multiply-add chain is serial (about 4 cycles a byte), so a row's full
 * words are cut into four runs stepped in lockstep, whose maps are composed
 * in order afterwards; threads do the same with their ranges of words. The
 * last word of a row contributes only its `width % 64` valid cells, so
 * padding bits and padding words are never read as cells. */
#include <stdint.h>

#include "corun/core.h"
#include "grid_int.h"

#define FNV_P UINT64_C(0x100000001b3)

/* T[par << 8 | byte]: b of the byte's map for a run whose state's bit 0 is
 * par. PAR[byte]: the byte's parity, shifted to the index's par bit. */
static uint64_t T[512];
static uint16_t PAR[256];

__attribute__((constructor)) static void tables_init(void) {
    for (unsigned par = 0; par < 2; par++)
        for (unsigned v = 0; v < 256; v++) {
            uint64_t b = 0;
            unsigned bit = par;
            for (int i = 0; i < 8; i++) {
                unsigned c = (v >> i) & 1u;
                uint64_t d = c ? (bit ? ~UINT64_C(0) : 1) : 0; /* +1 or -1 */
                b = (b + d) * FNV_P;
                bit ^= c;
            }
            T[par << 8 | v] = b;
            if (!par) PAR[v] = (uint16_t)((bit & 1u) << 8);
        }
}

static uint64_t fnv_pow(uint64_t n) {
    uint64_t r = 1, x = FNV_P;
    for (; n; n >>= 1, x *= x)
        if (n & 1) r *= x;
    return r;
}

corun_life_fnv_map_t corun_life_fnv_compose(corun_life_fnv_map_t first, corun_life_fnv_map_t then) {
    corun_life_fnv_map_t m;
    m.a = then.a * first.a;
    m.b = then.a * first.b + (first.parity ? (uint64_t)0 - then.b : then.b);
    m.parity = (first.parity ^ then.parity) & 1u;
    return m;
}

uint64_t corun_life_fnv_apply(corun_life_fnv_map_t m, uint64_t h) {
    return m.a * h + ((h & 1) ? (uint64_t)0 - m.b : m.b);
}

#define P2 (FNV_P * FNV_P)
#define P8 (P2 * P2 * P2 * P2) /* FNV_P^8 mod 2^64, folded by the compiler */

/* One byte appended to a run (B: the run's b; off: its parity << 8). */
#define STEP_BYTE(B, off, v)                                                                   \
    do {                                                                                       \
        unsigned v_ = (unsigned)(v);                                                           \
        (B) = (B) * P8 + T[(off) | v_];                                                        \
        (off) ^= PAR[v_];                                                                      \
    } while (0)

/* The maps of four runs of n full words each, p, p + n, p + 2n, p + 3n. */
static void map_words4(const uint64_t *p, int64_t n, corun_life_fnv_map_t out[4]) {
    uint64_t b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    unsigned o0 = 0, o1 = 0, o2 = 0, o3 = 0;
    const uint64_t *p1 = p + n, *p2 = p + 2 * n, *p3 = p + 3 * n;
    for (int64_t i = 0; i < n; i++) {
        uint64_t w0 = p[i], w1 = p1[i], w2 = p2[i], w3 = p3[i];
        for (int s = 0; s < 64; s += 8) {
            STEP_BYTE(b0, o0, (w0 >> s) & 0xffu);
            STEP_BYTE(b1, o1, (w1 >> s) & 0xffu);
            STEP_BYTE(b2, o2, (w2 >> s) & 0xffu);
            STEP_BYTE(b3, o3, (w3 >> s) & 0xffu);
        }
    }
    const uint64_t a = fnv_pow(64 * (uint64_t)n);
    out[0] = (corun_life_fnv_map_t){a, b0, o0 >> 8};
    out[1] = (corun_life_fnv_map_t){a, b1, o1 >> 8};
    out[2] = (corun_life_fnv_map_t){a, b2, o2 >> 8};
    out[3] = (corun_life_fnv_map_t){a, b3, o3 >> 8};
}

/* The map of the first `cells` cells of w (cells <= 64). */
static corun_life_fnv_map_t map_bits(uint64_t w, unsigned cells) {
    uint64_t b = 0;
    unsigned off = 0, i = 0;
    for (; i + 8 <= cells; i += 8) STEP_BYTE(b, off, (w >> i) & 0xffu);
    for (; i < cells; i++) {
        unsigned c = (unsigned)(w >> i) & 1u;
        uint64_t d = c ? (off ? (uint64_t)0 - FNV_P : FNV_P) : 0;
        b = b * FNV_P + d;
        off ^= c << 8;
    }
    return (corun_life_fnv_map_t){fnv_pow(cells), b, off >> 8};
}

/* Words [j0, j1) of one row: full words in four lockstep runs, then the
 * leftover full words one by one, then the row's last word if partial. */
static corun_life_fnv_map_t map_row_piece(const corun_life_grid_t *g, const uint64_t *row,
                                          int64_t j0, int64_t j1) {
    const unsigned lastbits = grid_last_bits(g->width);
    int64_t full_end = (j1 == g->wpr && lastbits < 64) ? j1 - 1 : j1;
    corun_life_fnv_map_t m = CORUN_LIFE_FNV_MAP_IDENTITY, run[4];
    int64_t n = (full_end - j0) / 4, j = j0;
    if (n > 0) {
        map_words4(row + j, n, run);
        for (int r = 0; r < 4; r++) m = corun_life_fnv_compose(m, run[r]);
        j += 4 * n;
    }
    for (; j < full_end; j++) m = corun_life_fnv_compose(m, map_bits(row[j], 64));
    if (full_end < j1) m = corun_life_fnv_compose(m, map_bits(row[full_end], lastbits));
    return m;
}

static corun_life_fnv_map_t map_range(const corun_life_grid_t *g, int64_t lo, int64_t hi) {
    corun_life_fnv_map_t m = CORUN_LIFE_FNV_MAP_IDENTITY;
    while (lo < hi) {
        int64_t y = lo / g->wpr, j0 = lo % g->wpr, j1 = j0 + (hi - lo);
        if (j1 > g->wpr) j1 = g->wpr;
        m = corun_life_fnv_compose(m, map_row_piece(g, corun_life_grid_row(g, y), j0, j1));
        lo += j1 - j0;
    }
    return m;
}

corun_life_fnv_map_t grid_hash_map_parts(const corun_life_grid_t *g, int parts, int threads) {
    corun_life_fnv_map_t m = CORUN_LIFE_FNV_MAP_IDENTITY;
    /* Parts finish at about the same time; `ordered` then composes their
     * maps in part order without a shared array. */
#pragma omp parallel for ordered schedule(static, 1) num_threads(threads) if (threads > 1)
    for (int p = 0; p < parts; p++) {
        int64_t lo, hi;
        grid_part(g, p, parts, &lo, &hi);
        corun_life_fnv_map_t mine = map_range(g, lo, hi);
#pragma omp ordered
        m = corun_life_fnv_compose(m, mine);
    }
    return m;
}

corun_life_fnv_map_t corun_life_grid_hash_map(const corun_life_grid_t *g, int threads) {
    int parts = grid_parts(g, threads, 1024);
    return grid_hash_map_parts(g, parts, parts);
}

uint64_t corun_life_grid_hash(const corun_life_grid_t *g, int threads) {
    return corun_life_fnv_apply(corun_life_grid_hash_map(g, threads), CORUN_FNV1A64_INIT);
}
