/* life_cuda.cu — the cuda Life backend: the stepping kernels and their host
 * glue (the backend table of corun/life.h, snapshots, device discovery), one
 * source for nvcc and for the host C++ compiler against corun's emulator
 * (kernels/cuda_emu.h).
 *
 * Layout on the device: the omp backend's bit packing (src/life/omp_int.h):
 * a row is wpr = ceil(W/64) words, bit i of word j is cell 64*j + i, padding
 * bits above the width are always zero; rows are wpr words apart (the host
 * grid's rows are `stride` words apart: every copy is a 2D copy with the two
 * pitches). Two generations stay on the device for the whole run; the host
 * sees the cells in open() and close() (the caller's packed grid, no host
 * copy of its own), get_rows()/put_rows() and snapshots (step_cuda.h).
 *
 * Kernel: one thread per word column of a strip of LIFE_ROWS rows; a warp is
 * 32 neighbouring words of one row, so loads and stores are coalesced (256
 * bytes per warp). Walking down its strip a thread keeps the horizontal sums
 * (corun_life_word_hsum) of the rows above, at and below in registers, so each
 * source row is loaded once per strip (plus two halo rows: 18 loads per 16
 * rows). The west and east neighbour words come from the neighbouring lanes
 * by warp shuffles instead of two more loads; only lanes 0 and 31 load theirs.
 * The row ends wrap (torus) or read zero (dead) exactly as the omp backend's
 * edge_we(). The cell logic is kernels/life_word.h, the same functions every
 * CPU backend calls. B3/S23 has its own kernel so the compiler folds the rule.
 *
 * Several generations per launch: dense stepping without populations runs
 * a kernel that advances a tile k generations in shared memory between one
 * load and one store (k = LIFE_GENS, or CORUN_CUDA_GENS; the section
 * "several generations per launch" below), the remainder of a step with
 * the one-generation kernel.
 *
 * Change tracking (skip_stable on, and auto once a soup settles): a second
 * kernel recomputes only the 512 x 16-cell tiles whose neighbourhood changed
 * between generations t-2 and t (the "change tracking" section below);
 * auto starts dense and probes (cuda_step). Every kernel applies the rule in
 * one place, cell_next() (the rule seam).
 *
 * Errors: every CUDA call goes through CU(), which names the call, the
 * device and the runtime's message (plus the emulator's detail). Kernel
 * faults surface at the stream synchronisation that ends step().
 */
#include "cuda_emu.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "corun/cuda.h"
#include "corun/life.h"
#include "life/step_cuda.h"
}
#include "life_word.h"

#define LIFE_ROWS 16   /* rows per warp strip */
#define LIFE_WARPS 8   /* warps per block: 256 threads */
/* __launch_bounds__(256, 2): at least two blocks per SM. Without the second
 * argument ptxas capped the generic counted kernel at 64 registers on sm_75
 * and spilled (the rule's 17 hoisted mask words live in registers);
 * scripts/check-cuda-kernels.sh fails the build on any spill. */
#define LIFE_FULL 0xffffffffu

typedef struct life_geom {
    int64_t h, wpr;     /* rows; words per row */
    uint64_t lastmask;  /* valid cells of a row's last word */
    unsigned lastbits;  /* their count, 1..64 */
    int torus;
    int64_t cy0, cy1;   /* counted kernels count rows cy0..cy1-1 */
} life_geom_t;

/* Row y of the source (y may be -1 or h); NULL outside a dead grid. */
static __device__ __forceinline__ const uint64_t *src_row(const uint64_t *g, const life_geom_t &G,
                                                         int64_t y) {
    if (y < 0) {
        if (!G.torus) return NULL;
        y += G.h;
    } else if (y >= G.h) {
        if (!G.torus) return NULL;
        y -= G.h;
    }
    return g + y * G.wpr;
}

/* Word j of row r (its centre word into *c) and the row's horizontal sums
 * there. Every lane of the warp must call it (the shuffles). `act`: this
 * lane computes (else it loads nothing and gets zeros); wload / eload: it
 * must load its west / east neighbour word itself because the lane beside
 * it has none to share (the warp's first and last lanes, and in the tiles
 * kernel the edge of a tile whose neighbour tile is skipped). */
static __device__ __forceinline__ void row_hsum(const uint64_t *r, const life_geom_t &G, int64_t j,
                                               int act, int wload, int eload, uint64_t *c,
                                               uint64_t *h0, uint64_t *h1) {
    const int64_t n = G.wpr;
    const int in = r != NULL && act;
    uint64_t w = in ? r[j] : 0;
    uint64_t wv = __shfl_up_sync(LIFE_FULL, w, 1);
    uint64_t ev = __shfl_down_sync(LIFE_FULL, w, 1);
    *c = w;
    if (!in) {
        *h0 = *h1 = 0;
        return;
    }
    if (wload && j > 0) wv = r[j - 1];
    if (eload && j + 1 < n) ev = r[j + 1];
    uint64_t west, east;
    if (j == 0) /* the cell at x = W-1 (bit lastbits-1 of the last word), or dead */
        west = corun_life_word_west(w, corun_life_row_west_in(r, n, G.lastbits, G.torus) << 63);
    else
        west = corun_life_word_west(w, wv);
    if (j == n - 1) /* cell 0 enters at bit lastbits-1, the row's last cell */
        east = corun_life_word_east(w, 0) | corun_life_row_east_in(r, G.lastbits, G.torus);
    else
        east = corun_life_word_east(w, ev);
    corun_life_word_hsum(west, w, east, h0, h1);
}

/* The rule seam: the next state of 64 cells from their row's and the two
 * neighbour rows' horizontal sums, for every kernel below (dense and
 * tiles, counted or not). Any Life-like (B/S) rule arrives as the run-time
 * masks born/survive and goes through kernels/life_word.h, the code every
 * CPU backend runs; B3/S23 callers pass constants and the compiler folds
 * the rule. A faster kernel for other rules (a rule compiled to its own
 * boolean circuit, or isotropic non-totalistic rules, which need the
 * neighbourhood itself rather than its count) plugs in here: this function
 * gets the rows' words as well as their sums, and it is the only place the
 * kernels apply a rule. */
static __device__ __forceinline__ uint64_t cell_next(uint64_t mid, uint64_t u0, uint64_t u1,
                                                    uint64_t m0, uint64_t m1, uint64_t d0,
                                                    uint64_t d1, unsigned born,
                                                    unsigned survive) {
    return corun_life_word_next(mid, u0, u1, m0, m1, d0, d1, born, survive);
}

/* What a tiles-kernel thread learnt about its word column of a strip: the
 * OR of new ^ old over its rows (any), in the strip's first and last row
 * (top, bot), and the change of its counted population. */
typedef struct strip_diff {
    uint64_t any, top, bot;
    long long pop;
} strip_diff_t;

/* Steps the thread's word column of its warp's strip. Every lane of the warp
 * must call it (row_hsum's shuffles); only lanes with `act` compute and
 * write. Returns the live cells it wrote if `count` (a constant after
 * inlining: zero costs nothing). With `track` (the tiles kernel) it also
 * reads the word it overwrites (generation t-1), writes only words that
 * differ, and fills *d: pop is then the change in the count (new - old). */
static __device__ __forceinline__ unsigned long long
step_strip(const uint64_t *__restrict__ src, uint64_t *__restrict__ dst, const life_geom_t &G,
           unsigned born, unsigned survive, int count, int track, int act, int wload, int eload,
           strip_diff_t *d) {
    const int64_t j = (int64_t)blockIdx.x * 32 + threadIdx.x;
    const int64_t y0 = ((int64_t)blockIdx.y * blockDim.y + threadIdx.y) * LIFE_ROWS;
    unsigned long long pop = 0;
    if (y0 >= G.h) return 0; /* the whole warp: y0 does not depend on the lane */
    const int64_t y1 = y0 + LIFE_ROWS < G.h ? y0 + LIFE_ROWS : G.h;
    uint64_t c, u0, u1, m0, m1, d0, d1, mid;
    row_hsum(src_row(src, G, y0 - 1), G, j, act, wload, eload, &c, &u0, &u1);
    row_hsum(src + y0 * G.wpr, G, j, act, wload, eload, &mid, &m0, &m1);
    for (int64_t y = y0; y < y1; y++) {
        row_hsum(src_row(src, G, y + 1), G, j, act, wload, eload, &c, &d0, &d1);
        if (act) {
            uint64_t v = cell_next(mid, u0, u1, m0, m1, d0, d1, born, survive);
            if (j == G.wpr - 1) v &= G.lastmask; /* B0 rules must not wake the padding */
            uint64_t *p = dst + y * G.wpr + j;
            const int counted = count && y >= G.cy0 && y < G.cy1;
            if (track) {
                const uint64_t old = *p, x = v ^ old;
                if (x) *p = v; /* an unchanged word costs no write */
                d->any |= x;
                if (y == y0) d->top = x;
                if (y == y1 - 1) d->bot = x;
                if (counted) d->pop += (long long)__popcll(v) - (long long)__popcll(old);
            } else {
                *p = v;
                if (counted) pop += (unsigned long long)__popcll(v);
            }
        }
        u0 = m0;
        u1 = m1;
        m0 = d0;
        m1 = d1;
        mid = c;
    }
    return pop;
}

/* Adds the block's `mine` to *pop: a shuffle tree per warp, the warps'
 * sums through shared memory, one atomic per block. Every thread of the
 * block must call it (the barrier). Sums wrap modulo 2^64, so negative
 * changes (two's complement) add up right too. */
static __device__ __forceinline__ void block_count(unsigned long long mine,
                                                   unsigned long long *pop) {
    __shared__ unsigned long long part[LIFE_WARPS];
    const unsigned lane = threadIdx.x;
    for (int o = 16; o > 0; o >>= 1) mine += __shfl_down_sync(LIFE_FULL, mine, o);
    if (lane == 0) part[threadIdx.y] = mine;
    __syncthreads();
    if (threadIdx.y == 0) {
        unsigned long long v = lane < LIFE_WARPS ? part[lane] : 0;
        for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(LIFE_FULL, v, o);
        if (lane == 0 && v) atomicAdd(pop, v);
    }
}

/* The dense kernels: every word, every generation. */
static __device__ __forceinline__ unsigned long long
dense_strip(const uint64_t *__restrict__ src, uint64_t *__restrict__ dst, const life_geom_t &G,
            unsigned born, unsigned survive, int count) {
    const unsigned lane = threadIdx.x;
    const int act = (int64_t)blockIdx.x * 32 + lane < G.wpr;
    return step_strip(src, dst, G, born, survive, count, 0, act, lane == 0, lane == 31, NULL);
}

__global__ void __launch_bounds__(32 * LIFE_WARPS, 2)
life_step_conway(const uint64_t *__restrict__ src, uint64_t *__restrict__ dst, life_geom_t G) {
    dense_strip(src, dst, G, 1u << 3, 3u << 2, 0); /* B3/S23 as constants: folded */
}

__global__ void __launch_bounds__(32 * LIFE_WARPS, 2)
life_step_generic(const uint64_t *__restrict__ src, uint64_t *__restrict__ dst, life_geom_t G,
                  unsigned born, unsigned survive) {
    dense_strip(src, dst, G, born, survive, 0);
}

/* The same, also adding the new generation's population to *pop. */
__global__ void __launch_bounds__(32 * LIFE_WARPS, 2)
life_step_conway_counted(const uint64_t *__restrict__ src, uint64_t *__restrict__ dst,
                         life_geom_t G, unsigned long long *pop) {
    block_count(dense_strip(src, dst, G, 1u << 3, 3u << 2, 1), pop);
}

__global__ void __launch_bounds__(32 * LIFE_WARPS, 2)
life_step_generic_counted(const uint64_t *__restrict__ src, uint64_t *__restrict__ dst,
                          life_geom_t G, unsigned born, unsigned survive,
                          unsigned long long *pop) {
    block_count(dense_strip(src, dst, G, born, survive, 1), pop);
}

/* ---------------------------------------- several generations per launch
 *
 * The dense kernel moves 16 bytes of DRAM per word and generation; the
 * multi-generation kernel loads a tile once, advances it k generations in
 * shared memory and stores it once (docs/CUDA.md has the model that picks
 * k and the tile shape).
 *
 * Tile: MG_ROWS rows x MG_COLS words in shared memory, one warp's width, so
 * a lane owns one word column and gets its west and east words by shuffle.
 * The block writes the middle MG_OUT words of its R = MG_ROWS - 2k middle
 * rows; the outer word on each side and the k rows above and below are the
 * halo. Each generation the valid region shrinks by one row at the top and
 * bottom and by one bit column at each side; k <= 8 bits never reach
 * through a 64-bit halo word, and k rows of halo are used up exactly.
 *
 * Boundaries: the tile holds the grid's cells continued past its edges the
 * way the boundary continues them. On a torus that is the periodic
 * continuation (the torus is exactly the plane tiled with copies of the
 * grid), so halo rows wrap modulo the height and a halo word, or the padding
 * bits of a row's last word, hold the cells that follow modulo the width;
 * nothing needs correcting between generations, and the padding bits are
 * masked only when written back. Past a dead edge every cell stays dead:
 * those cells load as zero and are set to zero again after each generation
 * (a B0 rule would wake them), exactly what the dense kernel reads there.
 *
 * Two shared buffers alternate (generation g is read from one while g+1 is
 * written to the other); a barrier between generations. Each warp walks
 * MG_RPW rows of the tile with the rolling horizontal sums of step_strip. */
#define MG_COLS 32                        /* words per tile row: one warp */
#define MG_OUT (MG_COLS - 2)              /* of which written back */
#define MG_ROWS 64                        /* rows per tile: R + 2k */
#define MG_RPW (MG_ROWS / LIFE_WARPS)     /* rows per warp and generation */
#define MG_MAXK 8                         /* at most 8 generations per launch */

static __device__ __forceinline__ int64_t pmod(int64_t a, int64_t m) {
    a %= m;
    return a < 0 ? a + m : a;
}

/* n cells (1..64) of row r from cell p on (p + n <= the width), at bits
 * 0..n-1. */
static __device__ __forceinline__ uint64_t row_bits(const uint64_t *r, int64_t p, int n) {
    const int64_t q = p >> 6;
    const int o = (int)(p & 63);
    uint64_t v = r[q] >> o;
    if (o + n > 64) v |= r[q + 1] << (64 - o);
    return n == 64 ? v : v & (((uint64_t)1 << n) - 1);
}

/* Word j (any integer) of torus row r continued periodically: the 64 cells
 * from cell 64j on, modulo the width W. Inside the row that is the stored
 * word, unless it is a last word with padding (whose padding bits then hold
 * cells 0, 1, ...). A row narrower than 64 cells repeats within one word. */
static __device__ uint64_t torus_word(const uint64_t *r, const life_geom_t &G, int64_t W,
                                      int64_t j) {
    if (j >= 0 && (j < G.wpr - 1 || (j == G.wpr - 1 && G.lastbits == 64))) return r[j];
    int64_t p = pmod(64 * j, W);
    uint64_t v = 0;
    for (int got = 0; got < 64;) {
        const int n = (int)(W - p < 64 - got ? W - p : 64 - got);
        v |= row_bits(r, p, n) << got;
        got += n;
        p = 0;
    }
    return v;
}

/* The horizontal sums of a tile row at this lane's word; lane 0's west and
 * lane 31's east lie outside the tile (zero: only the halo words' outer
 * bits, which no written cell depends on within 8 generations, see them). */
static __device__ __forceinline__ void tile_hsum(uint64_t w, uint64_t *h0, uint64_t *h1) {
    const unsigned lane = threadIdx.x;
    uint64_t wv = __shfl_up_sync(LIFE_FULL, w, 1), ev = __shfl_down_sync(LIFE_FULL, w, 1);
    if (lane == 0) wv = 0;
    if (lane == 31) ev = 0;
    corun_life_word_hsum(corun_life_word_west(w, wv), w, corun_life_word_east(w, ev), h0, h1);
}

static __device__ __forceinline__ void multigen_tile(const uint64_t *__restrict__ src,
                                                     uint64_t *__restrict__ dst,
                                                     const life_geom_t &G, int k, unsigned born,
                                                     unsigned survive) {
    __shared__ uint64_t buf[2][MG_ROWS][MG_COLS];
    const unsigned lane = threadIdx.x, wp = threadIdx.y;
    const int R = MG_ROWS - 2 * k;
    const int64_t j = (int64_t)blockIdx.x * MG_OUT - 1 + lane; /* this lane's word */
    const int64_t ytop = (int64_t)blockIdx.y * R - k;          /* the tile's first row */
    const int64_t W = 64 * (G.wpr - 1) + G.lastbits;
    /* A dead edge: this lane's word lies outside the grid, or holds padding. */
    const int jout = j < 0 || j >= G.wpr;
    const uint64_t jmask = jout ? 0 : j == G.wpr - 1 ? G.lastmask : ~(uint64_t)0;
    /* Load: one row per warp at a time, 32 neighbouring words (coalesced). */
    for (int r = (int)wp; r < MG_ROWS; r += LIFE_WARPS) {
        const int64_t y = ytop + r;
        uint64_t v = 0;
        if (G.torus) v = torus_word(src + pmod(y, G.h) * G.wpr, G, W, j);
        else if (y >= 0 && y < G.h && !jout) v = src[y * G.wpr + j];
        buf[0][r][lane] = v;
    }
    __syncthreads();
    int cur = 0;
    const int ra = (int)wp * MG_RPW;
    for (int g = 1; g <= k; g++) {
        /* Generation g is valid on rows g .. MG_ROWS-1-g; this warp's share
         * (warp-uniform, so every lane reaches the shuffles). */
        const int lo = ra > g ? ra : g;
        const int hi = ra + MG_RPW < MG_ROWS - g ? ra + MG_RPW : MG_ROWS - g;
        if (lo < hi) {
            uint64_t u0, u1, m0, m1, d0, d1, mid = buf[cur][lo][lane];
            tile_hsum(buf[cur][lo - 1][lane], &u0, &u1);
            tile_hsum(mid, &m0, &m1);
            for (int r = lo; r < hi; r++) {
                const uint64_t down = buf[cur][r + 1][lane];
                tile_hsum(down, &d0, &d1);
                uint64_t v = cell_next(mid, u0, u1, m0, m1, d0, d1, born, survive);
                if (!G.torus) {
                    const int64_t y = ytop + r;
                    v &= y >= 0 && y < G.h ? jmask : 0;
                }
                buf[cur ^ 1][r][lane] = v;
                u0 = m0;
                u1 = m1;
                m0 = d0;
                m1 = d1;
                mid = down;
            }
        }
        __syncthreads();
        cur ^= 1;
    }
    /* Store the middle R rows x MG_OUT words. */
    if (lane >= 1 && lane <= MG_OUT && j < G.wpr)
        for (int r = k + (int)wp; r < k + R; r += LIFE_WARPS) {
            const int64_t y = ytop + r;
            if (y >= G.h) break;
            dst[y * G.wpr + j] = buf[cur][r][lane] & (j == G.wpr - 1 ? G.lastmask : ~(uint64_t)0);
        }
}

__global__ void __launch_bounds__(32 * LIFE_WARPS, 2)
life_multigen_conway(const uint64_t *__restrict__ src, uint64_t *__restrict__ dst, life_geom_t G,
                     int k) {
    multigen_tile(src, dst, G, k, 1u << 3, 3u << 2);
}

__global__ void __launch_bounds__(32 * LIFE_WARPS, 2)
life_multigen_generic(const uint64_t *__restrict__ src, uint64_t *__restrict__ dst,
                      life_geom_t G, int k, unsigned born, unsigned survive) {
    multigen_tile(src, dst, G, k, born, survive);
}

/* ------------------------------------------------------ change tracking
 *
 * The tiles kernel (skip_stable on, and auto once a soup settles): the
 * grid is cut into tiles of LIFE_TILE_WORDS words by LIFE_ROWS rows (512 x
 * 16 cells), so a warp's strip holds 4 tiles side by side and a block 4 x 8.
 * A tile is recomputed only if it, or the edge of a neighbour facing it,
 * changed between generations t-2 and t. Why t-2: the kernel writes t+1
 * over t-1 (double buffering); if a tile's neighbourhood at t equals t-2,
 * its t+1 equals t-1, which the destination already holds, so leaving the
 * tile alone is exact. That skips still lifes and period-2 oscillators
 * alike.
 *
 * Change flags: one byte per tile and generation, written by the warp that
 * owns the tile (its first lane), from what it wrote: TF_ANY (some cell of
 * the tile changed), TF_TOP / TF_BOT (its first / last row did), TF_WEST /
 * TF_EAST (its first / last cell column did). A skipped tile writes 0.
 * Two flag buffers alternate: generation t's are read, t+1's written. A
 * tile needs work if its own ANY is set, or the facing edge of one of its 8
 * neighbours: the tile above's BOT, the west tile's EAST, ..., and for a
 * diagonal neighbour both edges that meet at its facing corner (a
 * superset of "the corner cell changed"). Neighbours wrap on a torus and
 * do not exist past a dead edge. The last tile column's EAST is the row's
 * last cell (bit lastbits-1 of word wpr-1), which is what the torus wraps
 * to. Each lane reads the 9 flag bytes of its own tile: L1 broadcasts,
 * against 18 rows of words per strip.
 *
 * A lane computes iff its tile needs work; a warp none of whose tiles does
 * skips its strip entirely (a warp-uniform branch: no divergence, no
 * loads). Inside a warp, a computed tile next to a skipped one loads its
 * edge lane's neighbour word itself instead of taking it from the idle
 * lane. Loads and stores of a computed tile stay coalesced: its rows are
 * 64-byte runs (two 32-byte sectors).
 *
 * The kernel reads the word it overwrites (t-1) to find what changed and
 * stores only words that differ: up to 24 bytes per computed word against
 * the dense kernel's 16 (docs/CUDA.md has the model). Populations come as
 * changes: a computed tile adds new - old of its counted rows, a skipped
 * tile changes nothing, so the host adds them to the destination buffer's
 * known count (cuda_step).
 */
#define LIFE_TILE_WORDS 8 /* tile width in words; divides 32 (a warp) */
enum { TF_ANY = 1, TF_TOP = 2, TF_BOT = 4, TF_WEST = 8, TF_EAST = 16 };

typedef struct life_tiles {
    int64_t ntx, nty;         /* tiles across and down */
    const uint8_t *cur;       /* flags of generation t (ntx * nty) */
    uint8_t *next;            /* flags of generation t+1 */
    const int64_t *force;     /* per tile row: recompute in full while t < force[ty] */
    int64_t t;                /* the generation stepped from */
    int all;                  /* recompute every tile: generation t's flags are not valid */
    unsigned long long *work; /* += the tiles recomputed */
    unsigned long long *pop;  /* NULL, or += the change of the counted population */
} life_tiles_t;

/* Whether tile (tx, ty) must be recomputed from generation t. */
static __device__ __forceinline__ int tile_need(const life_tiles_t &T, int torus, int64_t tx,
                                               int64_t ty) {
    if (T.all || T.t < T.force[ty]) return 1;
    int need = 0;
    for (int dy = -1; dy <= 1; dy++) {
        int64_t y = ty + dy;
        if (y < 0 || y >= T.nty) {
            if (!torus) continue;
            y = y < 0 ? T.nty - 1 : 0;
        }
        for (int dx = -1; dx <= 1; dx++) {
            int64_t x = tx + dx;
            if (x < 0 || x >= T.ntx) {
                if (!torus) continue;
                x = x < 0 ? T.ntx - 1 : 0;
            }
            /* the neighbour's edges that face this tile */
            const unsigned want = (dy < 0 ? TF_BOT : dy > 0 ? TF_TOP : 0) |
                                  (dx < 0 ? TF_EAST : dx > 0 ? TF_WEST : 0);
            const unsigned f = T.cur[y * T.ntx + x];
            need |= want ? (f & want) == want : (f & TF_ANY) != 0;
        }
    }
    return need;
}

static __device__ __forceinline__ void tiles_strip(const uint64_t *__restrict__ src,
                                                   uint64_t *__restrict__ dst,
                                                   const life_geom_t &G, const life_tiles_t &T,
                                                   unsigned born, unsigned survive) {
    const unsigned lane = threadIdx.x;
    const int64_t j = (int64_t)blockIdx.x * 32 + lane;
    const int64_t ty = (int64_t)blockIdx.y * blockDim.y + threadIdx.y, tx = j / LIFE_TILE_WORDS;
    const int live = ty < T.nty && j < G.wpr; /* the lane has a word of the grid */
    const int first = live && j % LIFE_TILE_WORDS == 0;
    const int act = live && tile_need(T, G.torus, tx, ty);
    /* Neighbour lanes that compute share their word by shuffle; next to one
     * that does not, a lane loads the word itself. */
    const int wact = __shfl_up_sync(LIFE_FULL, act, 1), eact = __shfl_down_sync(LIFE_FULL, act, 1);
    strip_diff_t d = {0, 0, 0, 0};
    if (__any_sync(LIFE_FULL, act))
        step_strip(src, dst, G, born, survive, T.pop != NULL, 1, act, lane == 0 || !wact,
                   lane == 31 || !eact, &d);
    /* The tile's flags: ballots over the warp, each tile's lanes picked out. */
    const int last = j % LIFE_TILE_WORDS == LIFE_TILE_WORDS - 1 || j == G.wpr - 1;
    const unsigned ebit = j == G.wpr - 1 ? G.lastbits - 1 : 63;
    const unsigned bany = __ballot_sync(LIFE_FULL, d.any != 0);
    const unsigned btop = __ballot_sync(LIFE_FULL, d.top != 0);
    const unsigned bbot = __ballot_sync(LIFE_FULL, d.bot != 0);
    const unsigned bwest = __ballot_sync(LIFE_FULL, first && (d.any & 1u));
    const unsigned beast = __ballot_sync(LIFE_FULL, last && ((d.any >> ebit) & 1u));
    if (first) {
        const unsigned lanes = (0xffffffffu >> (32 - LIFE_TILE_WORDS)) << lane;
        T.next[ty * T.ntx + tx] = (uint8_t)((bany & lanes ? TF_ANY : 0) | (btop & lanes ? TF_TOP : 0) |
                                            (bbot & lanes ? TF_BOT : 0) | (bwest & lanes ? TF_WEST : 0) |
                                            (beast & lanes ? TF_EAST : 0));
    }
    /* One count of recomputed tiles per block; then the population change. */
    const int done = __syncthreads_count(first && act);
    if (lane == 0 && threadIdx.y == 0 && done) atomicAdd(T.work, (unsigned long long)done);
    if (T.pop) block_count((unsigned long long)d.pop, T.pop);
}

__global__ void __launch_bounds__(32 * LIFE_WARPS, 2)
life_tiles_conway(const uint64_t *__restrict__ src, uint64_t *__restrict__ dst, life_geom_t G,
                  life_tiles_t T) {
    tiles_strip(src, dst, G, T, 1u << 3, 3u << 2);
}

__global__ void __launch_bounds__(32 * LIFE_WARPS, 2)
life_tiles_generic(const uint64_t *__restrict__ src, uint64_t *__restrict__ dst, life_geom_t G,
                   life_tiles_t T, unsigned born, unsigned survive) {
    tiles_strip(src, dst, G, T, born, survive);
}

/* The population of rows cy0..cy1-1 of g into *pop: the starting counts of
 * both buffers before counted tiles steps (which then only add changes). */
__global__ void __launch_bounds__(32 * LIFE_WARPS, 2)
life_count(const uint64_t *__restrict__ g, life_geom_t G, unsigned long long *pop) {
    const int64_t j = (int64_t)blockIdx.x * 32 + threadIdx.x;
    const int64_t y0 = ((int64_t)blockIdx.y * blockDim.y + threadIdx.y) * LIFE_ROWS;
    unsigned long long n = 0;
    const int64_t a = y0 > G.cy0 ? y0 : G.cy0, b = y0 + LIFE_ROWS < G.cy1 ? y0 + LIFE_ROWS : G.cy1;
    if (j < G.wpr)
        for (int64_t y = a; y < b; y++) n += (unsigned long long)__popcll(g[y * G.wpr + j]);
    block_count(n, pop);
}

/* ================================================================ host */

/* How the backend steps: skip_stable off, on, auto (docs/CUDA.md). */
enum { POLICY_DENSE, POLICY_TILES, POLICY_AUTO };

/* skip_stable=auto, from the model in docs/CUDA.md (to be confirmed on a
 * GPU): below AUTO_MIN_CELLS a dense generation takes a few microseconds,
 * about a kernel launch, so skipping saves little while every probe costs
 * a synchronisation; a tiles generation moves up to 24 bytes per computed
 * word against the dense 16, so tiles pay while fewer than about 2/3 of
 * the tiles need work. Entering at 35 % and leaving above 50 % leaves room
 * for the flag overhead and keeps a soup near the limit from switching
 * back and forth. */
#define AUTO_MIN_CELLS ((int64_t)8192 * 8192)
#define AUTO_PROBE_EVERY 256 /* dense generations between probes */
#define AUTO_CHECK_EVERY 64  /* tiles generations between checks */
#define AUTO_ENTER 0.35      /* after a probe: stay with tiles at or below this fraction */
#define AUTO_LEAVE 0.50      /* with tiles: back to dense above this fraction */
/* A probe: one generation that recomputes every tile (the dense kernel
 * leaves no flags) and one that measures. */
#define AUTO_PROBE_GENS 2

struct cuda_state {
    life_geom_t G;
    int64_t width;
    size_t words;          /* h * wpr */
    unsigned born, survive;
    int conway;
    int device;
    corun_life_grid_t *grid; /* the caller's, given to open(): close() downloads into it */
    uint64_t *d_grid[2];   /* device: generation t is d_grid[cur] */
    int cur;
    int64_t generation;    /* generations stepped since open() */
    cudaStream_t compute;  /* every kernel, in order */
    cudaStream_t copy;     /* snapshot copies (step_cuda.h), beside the kernels */
    /* Per generation of a chunk (LIFE_CHUNK): populations (counted steps;
     * changes of them in the tiles kernel) and tiles recomputed. */
    unsigned long long *d_pop, *h_pop, *d_work, *h_work;
    dim3 grid_dim, block_dim;
    /* Dense stepping advances gens generations per launch of the
     * multi-generation kernel (1: the one-generation kernel only); lag: the
     * last launch was one, so the other buffer does not hold the generation
     * before the current one, which change tracking relies on. */
    int gens;
    int lag;
    dim3 mg_grid;
    /* Change tracking. */
    int skip;              /* skip_stable as asked: POLICY_* */
    int policy;            /* as it runs: auto on too small a grid is dense */
    int tiles_now;         /* the tiles kernel steps now (else the dense one) */
    int probing;           /* auto: tiles entered by a probe, not measured yet */
    int64_t since_probe;   /* auto: dense generations since the last probe */
    life_tiles_t T;        /* ntx, nty, force; the rest is set per launch */
    uint8_t *d_flags[2];   /* flags of the current generation: d_flags[fc] */
    int fc;
    int64_t *d_force, *h_force; /* per tile row (device copy once tiles ran) */
    int64_t all_until;     /* generations t < all_until recompute every tile */
    /* Populations of each buffer's counted rows, where known (bufpop_ok):
     * the tiles kernel reports changes, added to these. */
    int64_t bufpop[2];
    int bufpop_ok[2];
    corun_life_cuda_tuning_t tune; /* zeros replaced by the built-in values */
    corun_life_cuda_stats_t stats;
};

static int cuda_fail(corun_err_t *err, int code, int device, const char *call, cudaError_t e) {
    const char *d = corun_emu_detail();
    return corun_err_set(err, code, "cuda backend: %s on device %d failed: %s (%s)%s%s", call,
                         device, cudaGetErrorString(e), cudaGetErrorName(e),
                         CORUN_CUDA_EMULATED && d[0] ? "; " : "", CORUN_CUDA_EMULATED ? d : "");
}

/* Checks a CUDA call; on failure records it (naming call and device) and
 * jumps to the function's cleanup label `fail` with rc set. */
#define CU(call)                                                                   \
    do {                                                                           \
        cudaError_t e_ = (call);                                                   \
        if (e_ != cudaSuccess) {                                                   \
            rc = cuda_fail(err, CORUN_EIO, dev, #call, e_);                        \
            goto fail;                                                             \
        }                                                                          \
    } while (0)

/* A 2D copy between a host grid (rows `stride` words apart) and the device
 * layout (rows wpr words apart), in order on `stream`. The emulator completes
 * every copy when issued and has no asynchronous 2D form; on a device the
 * synchronous cudaMemcpy2D would run on the legacy stream, which does not
 * wait for the non-blocking compute stream. Callers synchronise the stream
 * before they touch the host side. */
static cudaError_t copy_rows(void *dst, size_t dpitch, const void *src, size_t spitch,
                             size_t row_bytes, size_t rows, cudaMemcpyKind kind,
                             cudaStream_t stream) {
    if (rows == 0) return cudaSuccess;
#if CORUN_CUDA_EMULATED
    (void)stream;
    return cudaMemcpy2D(dst, dpitch, src, spitch, row_bytes, rows, kind);
#else
    return cudaMemcpy2DAsync(dst, dpitch, src, spitch, row_bytes, rows, kind, stream);
#endif
}

/* Why no device is usable, in words a user can act on. */
static int no_device(corun_err_t *err, cudaError_t e) {
    int drv = 0;
    cudaDriverGetVersion(&drv);
    const char *vis = getenv("CUDA_VISIBLE_DEVICES");
    char why[320];
    if (CORUN_CUDA_EMULATED)
        snprintf(why, sizeof why, "%s", corun_emu_detail());
    else if (drv == 0)
        snprintf(why, sizeof why, "no NVIDIA driver is loaded (libcuda.so not found)");
    else if (vis)
        snprintf(why, sizeof why, "CUDA_VISIBLE_DEVICES='%s' (driver %d.%d)", vis, drv / 1000,
                 drv % 1000 / 10);
    else
        snprintf(why, sizeof why, "the driver (%d.%d) reports no GPU", drv / 1000,
                 drv % 1000 / 10);
    return corun_err_set(err, CORUN_ENOTSUP, "no CUDA device: cudaGetDeviceCount: %s (%s): %s",
                         cudaGetErrorString(e), cudaGetErrorName(e), why);
}

extern "C" corun_cuda_build_t corun_cuda_build(void) {
    return CORUN_CUDA_EMULATED ? CORUN_CUDA_BUILD_EMULATED : CORUN_CUDA_BUILD_DEVICE;
}

extern "C" const char *corun_cuda_build_desc(void) {
#if CORUN_CUDA_EMULATED
    return "emulated (CORUN_CUDA=EMULATE: the .cu sources run on the CPU)";
#else
    return "device (nvcc, architectures " CORUN_CUDA_ARCHS ")";
#endif
}

extern "C" int corun_cuda_devices(corun_cuda_device_t *out, int max, corun_err_t *err) {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0) {
        cudaGetLastError(); /* not sticky: clear it for later calls */
        no_device(err, e != cudaSuccess ? e : cudaErrorNoDevice);
        return 0;
    }
    for (int i = 0; i < n && i < max; i++) {
        cudaDeviceProp p;
        corun_cuda_device_t *d = &out[i];
        memset(d, 0, sizeof *d);
        d->index = i;
        d->emulated = CORUN_CUDA_EMULATED;
        if (cudaGetDeviceProperties(&p, i) != cudaSuccess) {
            snprintf(d->name, sizeof d->name, "(properties unavailable)");
            continue;
        }
        snprintf(d->name, sizeof d->name, "%s", p.name);
        d->major = p.major;
        d->minor = p.minor;
        d->sms = p.multiProcessorCount;
        d->global_mem = p.totalGlobalMem;
        d->bus_width = p.memoryBusWidth;
    }
    return n;
}

/* Frees everything; waits for work still queued first (snapshot copies in
 * flight read their own staging buffers, but the copy stream goes away). */
static void cuda_free(cuda_state *s) {
    if (!s) return;
    if (s->copy) cudaStreamSynchronize(s->copy);
    if (s->compute) cudaStreamSynchronize(s->compute);
    cudaFree(s->d_grid[0]);
    cudaFree(s->d_grid[1]);
    cudaFree(s->d_pop);
    cudaFreeHost(s->h_pop);
    cudaFree(s->d_work);
    cudaFreeHost(s->h_work);
    cudaFree(s->d_flags[0]);
    cudaFree(s->d_flags[1]);
    cudaFree(s->d_force);
    free(s->h_force);
    if (s->copy) cudaStreamDestroy(s->copy);
    if (s->compute) cudaStreamDestroy(s->compute);
    free(s);
}

/* Generations per launch of the multi-generation kernel: LIFE_GENS (the
 * model in docs/CUDA.md: from k = 4 on the kernel is compute-bound, and a
 * larger k only adds halo work), or CORUN_CUDA_GENS=1..8 (1: the
 * one-generation kernel, as before; tests use it to drive every k). */
#define LIFE_GENS 4

static int pick_gens(cuda_state *s, corun_err_t *err) {
    const char *e = getenv("CORUN_CUDA_GENS");
    int k = LIFE_GENS;
    if (e && *e) {
        char *end = NULL;
        const long v = strtol(e, &end, 10);
        if (*end || v < 1 || v > MG_MAXK)
            return corun_err_set(err, CORUN_EINVAL,
                                 "cuda backend: CORUN_CUDA_GENS='%s': want 1..%d generations per "
                                 "launch",
                                 e, MG_MAXK);
        k = (int)v;
    }
    const int64_t rows = MG_ROWS - 2 * k;
    const int64_t by = (s->G.h + rows - 1) / rows, bx = (s->G.wpr + MG_OUT - 1) / MG_OUT;
    if (by > 65535 || bx > 0x7fffffff) k = 1; /* too tall for one launch: one generation each */
    s->gens = k;
    s->mg_grid = dim3((unsigned)bx, (unsigned)by, 1);
    return 0;
}

static int cuda_open(void **state, corun_life_grid_t *g, const corun_life_params_t *p,
                     corun_err_t *err) {
    *state = NULL;
    int rc = 0, dev = p->device < 0 ? 0 : p->device, n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0) {
        cudaGetLastError();
        return no_device(err, e != cudaSuccess ? e : cudaErrorNoDevice);
    }
    if (dev >= n)
        return corun_err_set(err, CORUN_EINVAL,
                             "cuda backend: --device %d: only %d CUDA device%s visible (0..%d)",
                             dev, n, n == 1 ? " is" : "s are", n - 1);
    const int64_t cy0 = p->count_y0, cy1 = p->count_y1 ? p->count_y1 : g->height;
    if (cy0 < 0 || cy0 > cy1 || cy1 > g->height)
        return corun_err_set(err, CORUN_EINVAL,
                             "cuda backend: counted rows %lld..%lld outside the grid's %lld rows",
                             (long long)cy0, (long long)cy1 - 1, (long long)g->height);
    const int64_t strips = (g->height + LIFE_ROWS - 1) / LIFE_ROWS;
    if ((g->wpr + 31) / 32 > 0x7fffffff || (strips + LIFE_WARPS - 1) / LIFE_WARPS > 65535)
        return corun_err_set(err, CORUN_EINVAL,
                             "cuda backend: %lldx%lld does not fit one launch (at most %d rows)",
                             (long long)g->width, (long long)g->height,
                             65535 * LIFE_ROWS * LIFE_WARPS);
    cuda_state *s = (cuda_state *)calloc(1, sizeof *s);
    if (!s) return corun_err_set(err, CORUN_ENOMEM, "cuda backend: out of memory");
    s->device = dev;
    s->grid = g;
    s->width = g->width;
    s->G.h = g->height;
    s->G.wpr = g->wpr;
    s->G.lastbits = (unsigned)(g->width - 64 * (g->wpr - 1));
    s->G.lastmask = s->G.lastbits == 64 ? ~(uint64_t)0 : (((uint64_t)1 << s->G.lastbits) - 1);
    s->G.torus = p->boundary == CORUN_LIFE_TORUS;
    s->G.cy0 = cy0;
    s->G.cy1 = cy1;
    s->words = (size_t)s->G.h * (size_t)s->G.wpr;
    s->born = p->rule.born & 0x1ffu;
    s->survive = p->rule.survive & 0x1ffu;
    s->conway = s->born == (1u << 3) && s->survive == (3u << 2);
    s->skip = p->skip_stable == CORUN_LIFE_SKIP_ON     ? POLICY_TILES
                : p->skip_stable == CORUN_LIFE_SKIP_AUTO ? POLICY_AUTO
                                                         : POLICY_DENSE;
    s->T.ntx = (s->G.wpr + LIFE_TILE_WORDS - 1) / LIFE_TILE_WORDS;
    s->T.nty = strips;
    s->stats.tiles = s->T.ntx * s->T.nty;
    s->all_until = 2; /* no generation t-2 to compare with before t = 2 */
    corun_life_cuda_tune(s, NULL);
    s->block_dim = dim3(32, LIFE_WARPS, 1);
    s->grid_dim = dim3((unsigned)((s->G.wpr + 31) / 32),
                       (unsigned)((strips + LIFE_WARPS - 1) / LIFE_WARPS), 1);
    const size_t bytes = s->words * sizeof(uint64_t), row = (size_t)s->G.wpr * sizeof(uint64_t);
    cudaDeviceProp prop;
    size_t free_b = 0, total_b = 0;
    s->h_force = (int64_t *)calloc((size_t)s->T.nty, sizeof *s->h_force);
    if (!s->h_force) {
        rc = corun_err_set(err, CORUN_ENOMEM, "cuda backend: out of memory");
        goto fail;
    }
    if ((rc = pick_gens(s, err))) goto fail;
    CU(cudaSetDevice(dev));
    CU(cudaGetDeviceProperties(&prop, dev));
    CU(cudaMemGetInfo(&free_b, &total_b));
    if (2 * bytes > free_b) {
        rc = corun_err_set(err, CORUN_ENOMEM,
                           "cuda backend: %lldx%lld needs %.2f GiB on device %d (%s), %.2f GiB "
                           "free",
                           (long long)g->width, (long long)g->height,
                           2.0 * (double)bytes / (1 << 30), dev, prop.name,
                           (double)free_b / (1 << 30));
        goto fail;
    }
    CU(cudaStreamCreateWithFlags(&s->compute, cudaStreamNonBlocking));
    CU(cudaStreamCreateWithFlags(&s->copy, cudaStreamNonBlocking));
    CU(cudaMalloc(&s->d_grid[0], bytes));
    CU(cudaMalloc(&s->d_grid[1], bytes));
    /* Straight from the caller's grid, row by row past its stride padding:
     * no host copy of the grid. */
    CU(copy_rows(s->d_grid[0], row, g->words, (size_t)g->stride * sizeof(uint64_t), row,
                 (size_t)g->height, cudaMemcpyHostToDevice, s->compute));
    /* The back buffer too: its padding must start zeroed like the front's. */
    CU(cudaMemsetAsync(s->d_grid[1], 0, bytes, s->compute));
    CU(cudaStreamSynchronize(s->compute));
    *state = s;
    return 0;
fail:
    cuda_free(s);
    return rc;
}

/* Counters per generation are read back in chunks of LIFE_CHUNK
 * generations: one small copy and one synchronisation per chunk instead of
 * one per generation. */
#define LIFE_CHUNK 1024

/* The change tracking's device memory, on first use: two flag buffers and
 * the per tile row force marks (put_rows may have set some already). */
static int tiles_ready(cuda_state *s, corun_err_t *err) {
    int rc = 0, dev = s->device;
    const size_t n = (size_t)s->stats.tiles;
    if (s->d_flags[0]) return 0;
    CU(cudaMalloc(&s->d_flags[0], n));
    CU(cudaMalloc(&s->d_flags[1], n));
    CU(cudaMalloc(&s->d_force, (size_t)s->T.nty * sizeof *s->d_force));
    if (!s->d_work) {
        CU(cudaMalloc(&s->d_work, LIFE_CHUNK * sizeof *s->d_work));
        CU(cudaMallocHost(&s->h_work, LIFE_CHUNK * sizeof *s->h_work));
    }
    CU(cudaMemsetAsync(s->d_flags[0], 0, n, s->compute));
    CU(cudaMemsetAsync(s->d_flags[1], 0, n, s->compute));
    CU(cudaMemcpyAsync(s->d_force, s->h_force, (size_t)s->T.nty * sizeof *s->d_force,
                       cudaMemcpyHostToDevice, s->compute));
    CU(cudaStreamSynchronize(s->compute));
    return 0;
fail:
    return rc;
}

/* Counts the buffers whose population is not known (before counted tiles
 * steps, which only add changes to it). */
static int count_buffers(cuda_state *s, corun_err_t *err) {
    int rc = 0, dev = s->device;
    if (s->bufpop_ok[0] && s->bufpop_ok[1]) return 0;
    CU(cudaMemsetAsync(s->d_pop, 0, 2 * sizeof *s->d_pop, s->compute));
    for (int b = 0; b < 2; b++)
        if (!s->bufpop_ok[b])
            CORUN_LAUNCH(life_count, s->grid_dim, s->block_dim, 0, s->compute, s->d_grid[b], s->G,
                         s->d_pop + b);
    CU(cudaGetLastError());
    CU(cudaMemcpyAsync(s->h_pop, s->d_pop, 2 * sizeof *s->d_pop, cudaMemcpyDeviceToHost,
                       s->compute));
    CU(cudaStreamSynchronize(s->compute));
    for (int b = 0; b < 2; b++)
        if (!s->bufpop_ok[b]) {
            s->bufpop[b] = (int64_t)s->h_pop[b];
            s->bufpop_ok[b] = 1;
        }
    return 0;
fail:
    return rc;
}

/* Steps k generations (k <= LIFE_CHUNK when counters are read back) with
 * the dense kernel, or the tiles kernel if `tiles`; pops NULL or k entries.
 * Returns once they are done. */
static int run_chunk(cuda_state *s, int64_t k, int tiles, int64_t *pops, corun_err_t *err) {
    int rc = 0, dev = s->device;
    int multi = 0; /* some launch advanced several generations */
    const int cur0 = s->cur;
    if (pops && !s->d_pop) {
        CU(cudaMalloc(&s->d_pop, LIFE_CHUNK * sizeof *s->d_pop));
        CU(cudaMallocHost(&s->h_pop, LIFE_CHUNK * sizeof *s->h_pop));
    }
    if (tiles && (rc = tiles_ready(s, err))) return rc;
    if (tiles && pops && (rc = count_buffers(s, err))) return rc;
    if (pops) CU(cudaMemsetAsync(s->d_pop, 0, (size_t)k * sizeof *s->d_pop, s->compute));
    if (tiles) CU(cudaMemsetAsync(s->d_work, 0, (size_t)k * sizeof *s->d_work, s->compute));
    for (int64_t i = 0; i < k;) {
        const uint64_t *src = s->d_grid[s->cur];
        uint64_t *dst = s->d_grid[s->cur ^ 1];
        unsigned long long *pop = pops ? s->d_pop + i : NULL;
        int64_t n = 1; /* generations this launch advances */
        if (!tiles && !pops && s->gens > 1 && k - i >= s->gens) {
            /* Dense without populations: gens generations per launch; the
             * remainder of the chunk with the one-generation kernel. */
            n = s->gens;
            if (s->conway)
                CORUN_LAUNCH(life_multigen_conway, s->mg_grid, s->block_dim, 0, s->compute, src,
                             dst, s->G, s->gens);
            else
                CORUN_LAUNCH(life_multigen_generic, s->mg_grid, s->block_dim, 0, s->compute, src,
                             dst, s->G, s->gens, s->born, s->survive);
            multi = 1;
        } else if (tiles) {
            if (s->lag) {
                /* The destination holds an older generation than t-1, so
                 * neither it nor the flags can vouch for a skipped tile: two
                 * generations recompute every tile (one per buffer). */
                if (s->all_until < s->generation + 2) s->all_until = s->generation + 2;
            }
            life_tiles_t T = s->T;
            T.cur = s->d_flags[s->fc];
            T.next = s->d_flags[s->fc ^ 1];
            T.force = s->d_force;
            T.t = s->generation;
            T.all = s->generation < s->all_until;
            T.work = s->d_work + i;
            T.pop = pop;
            if (s->conway)
                CORUN_LAUNCH(life_tiles_conway, s->grid_dim, s->block_dim, 0, s->compute, src,
                             dst, s->G, T);
            else
                CORUN_LAUNCH(life_tiles_generic, s->grid_dim, s->block_dim, 0, s->compute, src,
                             dst, s->G, T, s->born, s->survive);
            s->fc ^= 1;
        } else if (pop && s->conway) {
            CORUN_LAUNCH(life_step_conway_counted, s->grid_dim, s->block_dim, 0, s->compute, src,
                         dst, s->G, pop);
        } else if (pop) {
            CORUN_LAUNCH(life_step_generic_counted, s->grid_dim, s->block_dim, 0, s->compute, src,
                         dst, s->G, s->born, s->survive, pop);
        } else if (s->conway) {
            CORUN_LAUNCH(life_step_conway, s->grid_dim, s->block_dim, 0, s->compute, src, dst,
                         s->G);
        } else {
            CORUN_LAUNCH(life_step_generic, s->grid_dim, s->block_dim, 0, s->compute, src, dst,
                         s->G, s->born, s->survive);
        }
        CU(cudaGetLastError()); /* launch errors now; faults at the synchronisation */
        s->lag = n > 1;
        s->cur ^= 1;
        s->generation += n;
        i += n;
    }
    if (pops)
        CU(cudaMemcpyAsync(s->h_pop, s->d_pop, (size_t)k * sizeof *s->d_pop,
                           cudaMemcpyDeviceToHost, s->compute));
    if (tiles)
        CU(cudaMemcpyAsync(s->h_work, s->d_work, (size_t)k * sizeof *s->d_work,
                           cudaMemcpyDeviceToHost, s->compute));
    /* Returning with the generations done keeps step() timings honest and
     * reports a kernel fault from the step() that caused it. */
    CU(cudaStreamSynchronize(s->compute));
    for (int64_t i = 0; i < k; i++) {
        const int b = cur0 ^ (int)((i & 1) ^ 1); /* the buffer generation i wrote */
        if (!pops) {
            s->bufpop_ok[b] = 0;
            if (multi) s->bufpop_ok[b ^ 1] = 0; /* launches and generations do not alternate alike */
        } else if (tiles) { /* a change, modulo 2^64 */
            s->bufpop[b] += (int64_t)s->h_pop[i];
            pops[i] = s->bufpop[b];
        } else {
            s->bufpop[b] = pops[i] = (int64_t)s->h_pop[i];
            s->bufpop_ok[b] = 1;
        }
        if (tiles) s->stats.tiles_computed += (int64_t)s->h_work[i];
    }
    if (tiles) s->stats.tiles_gens += k;
    else s->stats.dense_gens += k;
    return 0;
fail:
    return rc;
}

/* skip_stable=auto after a chunk of tiles generations: back to dense when
 * the last generation recomputed more tiles than the threshold (enter
 * right after a probe, leave later). A generation that recomputed every
 * tile measures nothing. */
static void auto_decide(cuda_state *s, int64_t k) {
    if (s->generation - 1 < s->all_until) return;
    const double f = (double)s->h_work[k - 1] / (double)s->stats.tiles;
    if (f > (s->probing ? s->tune.enter : s->tune.leave)) {
        s->tiles_now = 0;
        s->since_probe = 0;
        s->stats.switches++;
    }
    s->probing = 0;
}

static int cuda_step(void *state, int64_t generations, int64_t *pops, corun_err_t *err) {
    cuda_state *s = (cuda_state *)state;
    for (int64_t done = 0; done < generations;) {
        int64_t k = generations - done;
        if (s->policy == POLICY_AUTO && !s->tiles_now && s->since_probe >= s->tune.probe_every) {
            /* A probe. The dense kernel left no flags: recompute every tile
             * once; that generation writes valid flags (its destination
             * holds t-1, the rule applied to t-2). */
            s->tiles_now = 1;
            s->probing = 1;
            if (s->all_until < s->generation + 1) s->all_until = s->generation + 1;
            s->stats.switches++;
        }
        if (s->policy == POLICY_AUTO && s->tiles_now) {
            const int64_t m = s->probing ? AUTO_PROBE_GENS : s->tune.check_every;
            if (k > m) k = m;
        } else if (s->policy == POLICY_AUTO && k > s->tune.probe_every - s->since_probe) {
            k = s->tune.probe_every - s->since_probe;
        }
        if ((s->tiles_now || pops) && k > LIFE_CHUNK) k = LIFE_CHUNK;
        const int tiles = s->tiles_now;
        int rc = run_chunk(s, k, tiles, pops ? pops + done : NULL, err);
        if (rc) return rc;
        if (!tiles) s->since_probe += k;
        else if (s->policy == POLICY_AUTO) auto_decide(s, k);
        done += k;
    }
    return 0;
}

extern "C" void corun_life_cuda_tune(void *state, const corun_life_cuda_tuning_t *t) {
    cuda_state *s = (cuda_state *)state;
    static const corun_life_cuda_tuning_t none = {0, 0, 0, 0.0, 0.0};
    if (!t) t = &none;
    s->tune.auto_min_cells = t->auto_min_cells > 0 ? t->auto_min_cells : AUTO_MIN_CELLS;
    s->tune.probe_every = t->probe_every > 0 ? t->probe_every : AUTO_PROBE_EVERY;
    s->tune.check_every = t->check_every > 0 ? t->check_every : AUTO_CHECK_EVERY;
    s->tune.enter = t->enter > 0 ? t->enter : AUTO_ENTER;
    s->tune.leave = t->leave > 0 ? t->leave : AUTO_LEAVE;
    s->policy = s->skip == POLICY_AUTO && s->width * s->G.h < s->tune.auto_min_cells
                    ? POLICY_DENSE
                    : s->skip;
    /* auto starts dense (a fresh soup changes everywhere) and probes after
     * probe_every generations. */
    s->tiles_now = s->policy == POLICY_TILES;
    s->probing = 0;
    s->since_probe = 0;
    if (s->tiles_now && s->all_until < s->generation + 1) s->all_until = s->generation + 1;
}

extern "C" void corun_life_cuda_stats(void *state, corun_life_cuda_stats_t *out) {
    cuda_state *s = (cuda_state *)state;
    *out = s->stats;
    out->tiles_now = s->tiles_now;
}

/* Row access (snapshots without snap ops, MPI halos, --print): in order
 * with the kernels on the compute stream, finished before returning. */
static int cuda_get_rows(void *state, int64_t y0, int64_t n, uint64_t *words, int64_t stride,
                         corun_err_t *err) {
    cuda_state *s = (cuda_state *)state;
    int rc = corun_life_rows_check("cuda backend", s->G.h, y0, n, err), dev = s->device;
    const size_t row = (size_t)s->G.wpr * sizeof(uint64_t);
    if (rc || n == 0) return rc;
    CU(copy_rows(words, (size_t)stride * sizeof(uint64_t), s->d_grid[s->cur] + y0 * s->G.wpr,
                 row, row, (size_t)n, cudaMemcpyDeviceToHost, s->compute));
    CU(cudaStreamSynchronize(s->compute));
    return 0;
fail:
    return rc;
}

/* Change tracking assumes the destination holds the rule applied to the
 * generation before the current one; rows written from outside break that
 * for the tiles they touch and their neighbours, so those tile rows are
 * recomputed in full for the next two generations (one rebuilds the
 * destination, one the other buffer), after which it holds again. */
static int force_rows(cuda_state *s, int64_t y0, int64_t n, corun_err_t *err) {
    int rc = 0, dev = s->device;
    const int64_t nty = s->T.nty;
    int64_t a = y0 / LIFE_ROWS - 1, b = (y0 + n - 1) / LIFE_ROWS + 1;
    if (b - a + 1 >= nty) { /* every tile row */
        a = 0;
        b = nty - 1;
    }
    for (int64_t t = a; t <= b; t++) {
        if ((t < 0 || t >= nty) && !s->G.torus) continue; /* past a dead edge */
        s->h_force[(t + nty) % nty] = s->generation + 2;
    }
    if (s->d_force)
        CU(cudaMemcpyAsync(s->d_force, s->h_force, (size_t)nty * sizeof *s->d_force,
                           cudaMemcpyHostToDevice, s->compute));
    return 0;
fail:
    return rc;
}

static int cuda_put_rows(void *state, int64_t y0, int64_t n, const uint64_t *words,
                         int64_t stride, corun_err_t *err) {
    cuda_state *s = (cuda_state *)state;
    int rc = corun_life_rows_check("cuda backend", s->G.h, y0, n, err), dev = s->device;
    const size_t row = (size_t)s->G.wpr * sizeof(uint64_t);
    if (rc || n == 0) return rc;
    CU(copy_rows(s->d_grid[s->cur] + y0 * s->G.wpr, row, words,
                 (size_t)stride * sizeof(uint64_t), row, (size_t)n, cudaMemcpyHostToDevice,
                 s->compute));
    s->bufpop_ok[s->cur] = 0;
    if ((rc = force_rows(s, y0, n, err))) return rc;
    CU(cudaStreamSynchronize(s->compute)); /* the caller may reuse words at once */
    return 0;
fail:
    return rc;
}

static int cuda_close(void *state, corun_err_t *err) {
    cuda_state *s = (cuda_state *)state;
    if (!s) return 0;
    int rc = cuda_get_rows(s, 0, s->G.h, s->grid->words, s->grid->stride, err);
    cuda_free(s);
    return rc;
}

static void cuda_info(void *state, corun_life_info_t *out) {
    cuda_state *s = (cuda_state *)state;
    memset(out, 0, sizeof *out);
    /* What runs, no spaces (the summary line is key=value): the stepping
     * (dense, tiles, or auto's dense+tiles) and the rule's kernel. */
    static const char *const how[] = {"dense", "tiles", "dense+tiles"};
    /* Dense stepping's generations per launch (k4-: four), when more than one. */
    char ks[16] = "";
    if (s && s->gens > 1 && s->policy != POLICY_TILES) snprintf(ks, sizeof ks, "k%d-", s->gens);
    if (s)
        snprintf(out->mode, sizeof out->mode, "%s%s-%s%s", CORUN_CUDA_EMULATED ? "emulated-" : "",
                 how[s->policy], ks, s->conway ? "b3s23" : "rule");
    else
        snprintf(out->mode, sizeof out->mode, "dense");
    /* The kernels are the GPU's own code path; the emulator runs them as
     * plain scalar C++. One host thread drives either. */
    snprintf(out->simd, sizeof out->simd, "%s", CORUN_CUDA_EMULATED ? "-" : "gpu");
    out->threads = 1;
}

/* ------------------------------------------------------------ snapshots */

/* Why a device staging buffer: the host copy crosses PCIe (~25 GB/s), ~100x
 * slower than a generation in HBM, so copying straight from d_grid[cur]
 * would stall the kernels that overwrite it two generations later. The D2D
 * copy runs in order on the compute stream (about one generation's time);
 * the slow D2H copy then runs on the copy stream beside the next kernels. */
struct corun_life_cuda_snap {
    int device;
    int64_t generation, width, height, wpr;
    size_t bytes;
    uint64_t *d_stage, *h_words;
    cudaEvent_t staged, done;
};

extern "C" int corun_life_cuda_snap_begin(void *state, corun_life_cuda_snap_t **out,
                                          corun_err_t *err) {
    cuda_state *s = (cuda_state *)state;
    int rc = 0, dev = s->device;
    *out = NULL;
    corun_life_cuda_snap_t *n = (corun_life_cuda_snap_t *)calloc(1, sizeof *n);
    if (!n) return corun_err_set(err, CORUN_ENOMEM, "cuda backend: snapshot: out of memory");
    n->device = dev;
    n->generation = s->generation;
    n->width = s->width;
    n->height = s->G.h;
    n->wpr = s->G.wpr;
    n->bytes = s->words * sizeof(uint64_t);
    CU(cudaMalloc(&n->d_stage, n->bytes));
    CU(cudaMallocHost(&n->h_words, n->bytes));
    CU(cudaEventCreateWithFlags(&n->staged, cudaEventDisableTiming));
    CU(cudaEventCreateWithFlags(&n->done, cudaEventDisableTiming));
    CU(cudaMemcpyAsync(n->d_stage, s->d_grid[s->cur], n->bytes, cudaMemcpyDeviceToDevice,
                       s->compute));
    CU(cudaEventRecord(n->staged, s->compute));
    CU(cudaStreamWaitEvent(s->copy, n->staged, 0));
    CU(cudaMemcpyAsync(n->h_words, n->d_stage, n->bytes, cudaMemcpyDeviceToHost, s->copy));
    CU(cudaEventRecord(n->done, s->copy));
    *out = n;
    return 0;
fail:
    corun_life_cuda_snap_release(n);
    return rc;
}

extern "C" int corun_life_cuda_snap_poll(corun_life_cuda_snap_t *n, corun_err_t *err) {
    int rc = 0, dev = n->device;
    cudaError_t e = cudaEventQuery(n->done);
    if (e == cudaErrorNotReady) return 0;
    CU(e);
    return 1;
fail:
    return rc;
}

extern "C" int corun_life_cuda_snap_wait(corun_life_cuda_snap_t *n, corun_err_t *err) {
    int rc = 0, dev = n->device;
    CU(cudaEventSynchronize(n->done));
    return 0;
fail:
    return rc;
}

extern "C" int64_t corun_life_cuda_snap_generation(const corun_life_cuda_snap_t *n) {
    return n->generation;
}

extern "C" const uint64_t *corun_life_cuda_snap_words(const corun_life_cuda_snap_t *n) {
    return n->h_words;
}

extern "C" corun_life_grid_t corun_life_cuda_snap_grid(const corun_life_cuda_snap_t *n) {
    corun_life_grid_t g = {};  /* a view: owned 0 */
    g.width = n->width;
    g.height = n->height;
    g.wpr = n->wpr;
    g.stride = n->wpr;
    g.words = n->h_words;
    return g;
}

extern "C" void corun_life_cuda_snap_release(corun_life_cuda_snap_t *n) {
    if (!n) return;
    if (n->done) cudaEventSynchronize(n->done); /* never free under a running copy */
    cudaFree(n->d_stage);
    cudaFreeHost(n->h_words);
    if (n->staged) cudaEventDestroy(n->staged);
    if (n->done) cudaEventDestroy(n->done);
    free(n);
}

/* The backend's asynchronous snapshot ops (used by the snapshot pipeline in
 * src/h5io/snapshot.c: the aio loop polls, the I/O worker writes from the
 * pinned buffer and releases). */
static int cuda_snap_begin(void *state, void **snap, corun_err_t *err) {
    corun_life_cuda_snap_t *s = NULL;
    int rc = corun_life_cuda_snap_begin(state, &s, err);
    *snap = s;
    return rc;
}
static int cuda_snap_poll(void *snap, corun_err_t *err) {
    return corun_life_cuda_snap_poll((corun_life_cuda_snap_t *)snap, err);
}
static const uint64_t *cuda_snap_words(void *snap) {
    return corun_life_cuda_snap_words((const corun_life_cuda_snap_t *)snap);
}
static void cuda_snap_release(void *snap) {
    corun_life_cuda_snap_release((corun_life_cuda_snap_t *)snap);
}

static const corun_life_snap_ops_t cuda_snap_ops = {
    cuda_snap_begin, cuda_snap_poll, cuda_snap_words, NULL /* copy */, cuda_snap_release,
};

/* Host memory on top of the caller's grid: none that grows with the grid
 * (snapshot frames in flight are the snapshot pipeline's, bounded by its
 * pool). Positional: nvcc's C++ dialect may predate designated
 * initialisers. */
extern "C" const corun_life_backend_t corun_life_backend_cuda = {
    "cuda",        cuda_open,  cuda_step, cuda_get_rows, cuda_put_rows,
    cuda_close,    cuda_info,  &cuda_snap_ops, 0.0,
};
