/* life.h — Game of Life (any Life-like rule): rules, grids, patterns and the
 * stepping backends.
 *
 * Memory: the packed grid (corun_life_grid_t, 64 cells per word) is the
 * exchange format of a run: patterns are placed into it, the random fill
 * writes it, backends open from it and hand the result back into it, and
 * hash, population, snapshots, restart and MPI slabs work on it. A run holds
 * it plus what its backend adds (omp: the second generation). The byte grid
 * (corun_life_cells_t, one byte per cell) is the serial oracle's own state
 * and the column printer's input.
 *
 * Threads: the grid functions and the omp backend use OpenMP on the
 * `threads` they are given; the serial backend runs on the caller's thread.
 * Nothing here calls exit().
 *
 * Failure: every fallible call returns 0 or a negative CORUN_E* and writes a
 * message to its corun_err_t naming the file, line or field at fault.
 */
#ifndef CORUN_LIFE_H
#define CORUN_LIFE_H

#include <stdint.h>
#include <stdio.h>

#include "corun/err.h"

/* ------------------------------------------------------------------ rules */

/* A Life-like rule. Bit k of `born` set: a dead cell with k live neighbours
 * becomes alive; bit k of `survive`: a live cell with k neighbours stays
 * alive (k = 0..8). B3/S23 is born = 1<<3, survive = 1<<2 | 1<<3.
 *
 * Isotropic non-totalistic rules (Hensel notation, e.g. B2-a/S12) have iso
 * set and decide by the whole 3x3 neighbourhood: bit k of table (word k >> 6,
 * bit k & 63) is the next state of a cell whose neighbourhood is k, where k
 * has bit 3*(dy+1) + (dx+1) set when the cell at offset (dx, dy) is alive
 * (row-major from the north-west corner; bit 4 is the cell itself). born and
 * survive then hold the counts whose every neighbourhood is born/survives.
 * A rule whose counts are all complete is outer-totalistic: iso is 0 and
 * table unused (zero). */
typedef struct corun_life_rule {
    uint16_t born;
    uint16_t survive;
    int iso;
    uint64_t table[8];
} corun_life_rule_t;

#define CORUN_LIFE_RULE_CONWAY ((corun_life_rule_t){1u << 3, (1u << 2) | (1u << 3), 0, {0}})

/* Longest text corun_life_rule_format() writes, with its terminating NUL. */
#define CORUN_LIFE_RULE_TEXT_MAX 96

/* Parses "B3/S23" (case-insensitive b/s, either order) or the S/B form "23/3",
 * and Hensel's isotropic notation as Golly reads it: letters after a count
 * (cekainyqjrtwz, those valid for that count, either case), "-" between a
 * count and letters for all letters but those ("B2-a/S12", "S12/B2-a",
 * "12/2-a"). Rejects repeated counts or letters, letters a count does not
 * have, out-of-range digits, a missing '/', junk characters. */
CORUN_API int corun_life_rule_parse(const char *text, corun_life_rule_t *out, corun_err_t *err);
/* Canonical form into buf (CORUN_LIFE_RULE_TEXT_MAX bytes hold every rule):
 * "B3/S23"; isotropic rules as Golly prints them ("B2-a/S12": letters in
 * alphabetical order, the shorter of the letters and the "-" form, without
 * "-" on a tie). */
CORUN_API void corun_life_rule_format(corun_life_rule_t r, char *buf, size_t n);
/* Next state (0/1) of a cell in state `alive` with `neighbours` live
 * neighbours; outer-totalistic rules only (iso 0). */
CORUN_API int corun_life_rule_apply(corun_life_rule_t r, int alive, int neighbours);
/* Next state (0/1) of a cell with 3x3 neighbourhood k (bits as for table
 * above), for every rule. */
CORUN_API int corun_life_rule_next(const corun_life_rule_t *r, unsigned k);
/* 1 when a and b are the same rule. */
CORUN_API int corun_life_rule_equal(const corun_life_rule_t *a, const corun_life_rule_t *b);

/* ------------------------------------------------------------------ grids */

typedef enum corun_life_boundary {
    CORUN_LIFE_TORUS = 0, /* wraps like the seed's get(y % height, x % width) */
    CORUN_LIFE_DEAD = 1   /* cells outside the grid are always dead */
} corun_life_boundary_t;

CORUN_API const char *corun_life_boundary_name(corun_life_boundary_t b);
CORUN_API int corun_life_boundary_parse(const char *s, corun_life_boundary_t *out, corun_err_t *err);

/* The packed grid: the exchange format of a run. Patterns are placed into
 * it, the random fill writes it, backends open from it and read back into
 * it, and hash, population, snapshots, restart and MPI slabs work on it.
 *
 * Layout: 64 cells per uint64 word, bit i of word j of a row is cell
 * x = 64*j + i. A row is wpr = ceil(width/64) words; rows sit `stride` words
 * apart (corun_life_grid_stride(): a multiple of 8 words plus 8, so rows start
 * on a cache line and power-of-two widths do not alias in the caches; the omp
 * backend steps in this memory directly). Bits at x >= width ("padding") and
 * the words from wpr to stride are always 0.
 *
 * A grid from corun_life_grid_init() owns its words (64-byte aligned, zero
 * pages mapped lazily, so a huge grid costs nothing until written);
 * corun_life_grid_rows() makes a view of some of its rows, which shares the
 * memory and is never closed.
 *
 * Grid memory comes only from corun_life_words_alloc() and goes back only
 * through corun_life_words_free() with the same word count: a backend
 * allocates its second generation with the pair and may swap buffers with
 * the grid it opened from, so both must come from the same allocator. */
typedef struct corun_life_grid {
    int64_t width, height;
    int64_t wpr;     /* words per row: ceil(width / 64) */
    int64_t stride;  /* words from one row to the next */
    uint64_t *words; /* height * stride words */
    int owned;       /* from corun_life_grid_init (not a view): close() frees it,
                      * and a backend may hand it other memory of the same size */
} corun_life_grid_t;

/* Words per row in the bit-packed layout. */
static inline int64_t corun_life_words_per_row(int64_t width) { return (width + 63) / 64; }
/* The row stride corun_life_grid_init() uses for a width. */
static inline int64_t corun_life_grid_stride(int64_t width) {
    return ((corun_life_words_per_row(width) + 7) & ~(int64_t)7) + 8;
}

/* nwords zero-filled words, 64-byte aligned; NULL if out of memory. Large
 * blocks (1 MiB and up) are fresh anonymous mappings on transparent huge
 * pages where the kernel allows: their zero pages cost nothing until
 * written, and they land on the NUMA node of the thread that first writes
 * them. Free with corun_life_words_free(p, the same nwords); p may be NULL. */
CORUN_API uint64_t *corun_life_words_alloc(size_t nwords);
CORUN_API void corun_life_words_free(uint64_t *p, size_t nwords);
/* Faults the pages of nwords at p (a block from corun_life_words_alloc(),
 * or a piece of one) in now, huge pages where granted, so that the first
 * generation stepped into them does not pay for it inside the stepping
 * time. Advice only: where the kernel refuses, the first stores fault them
 * in as before. */
CORUN_API void corun_life_words_prefault(uint64_t *p, size_t nwords);

/* Refuses sizes < 1, sizes whose byte count overflows, and grids that would
 * not fit in available memory (bytes_per_cell: the caller's estimate of the
 * total bytes a run needs per cell). */
CORUN_API int corun_life_check_size(int64_t width, int64_t height, double bytes_per_cell,
                                    corun_err_t *err);
/* Allocates an all-dead grid (zero-filled memory, mapped lazily). */
CORUN_API int corun_life_grid_init(corun_life_grid_t *g, int64_t width, int64_t height,
                                   corun_err_t *err);
CORUN_API void corun_life_grid_close(corun_life_grid_t *g);
/* Rows y0..y0+n-1 of g as a grid of its own (shares g's memory; not closed). */
static inline corun_life_grid_t corun_life_grid_rows(const corun_life_grid_t *g, int64_t y0,
                                                     int64_t n) {
    corun_life_grid_t v = *g;
    v.height = n;
    v.owned = 0;
    v.words = g->words + y0 * g->stride;
    return v;
}
static inline uint64_t *corun_life_grid_row(const corun_life_grid_t *g, int64_t y) {
    return g->words + y * g->stride;
}
static inline int corun_life_grid_get(const corun_life_grid_t *g, int64_t x, int64_t y) {
    return (int)((g->words[y * g->stride + (x >> 6)] >> (x & 63)) & 1u);
}
static inline void corun_life_grid_set(corun_life_grid_t *g, int64_t x, int64_t y, int alive) {
    uint64_t *w = &g->words[y * g->stride + (x >> 6)], bit = (uint64_t)1 << (x & 63);
    *w = alive ? *w | bit : *w & ~bit;
}
/* FNV-1a 64 over the cells, row-major, one byte (0/1) per cell: the
 * summary's hash, the same value the byte grid gives (corun_life_cells_hash).
 * Computed on `threads` threads (0: the OpenMP default), like everything
 * below that takes a thread count. Padding bits are never read as cells. */
CORUN_API uint64_t corun_life_grid_hash(const corun_life_grid_t *g, int threads);
/* Live cells (padding bits not counted). */
CORUN_API int64_t corun_life_grid_population(const corun_life_grid_t *g, int threads);

/* The hash of a run of cells as a function of the hash before it, so that
 * pieces (threads' row ranges, MPI ranks' slabs) are hashed independently
 * and composed in order. With cells c in {0, 1}, h ^ c = h + c * (1 - 2 *
 * (h & 1)) and the FNV prime is odd, so bit 0 of the state flips with each
 * live cell and a run maps h to a * h + (h & 1 ? -b : b) (mod 2^64), where
 * a = prime^cells and parity is the XOR of the run's cells. */
typedef struct corun_life_fnv_map {
    uint64_t a, b;
    unsigned parity; /* 0 or 1 */
} corun_life_fnv_map_t;

/* The map of no cells. */
#define CORUN_LIFE_FNV_MAP_IDENTITY ((corun_life_fnv_map_t){1, 0, 0})
/* The map of g's cells in row-major order (a view maps its own rows). */
CORUN_API corun_life_fnv_map_t corun_life_grid_hash_map(const corun_life_grid_t *g, int threads);
/* The map of `first`'s cells followed by `then`'s. Associative, not
 * commutative. */
CORUN_API corun_life_fnv_map_t corun_life_fnv_compose(corun_life_fnv_map_t first,
                                                      corun_life_fnv_map_t then);
/* The hash after the run, from the hash h before it; the grid's hash is
 * corun_life_fnv_apply(map, CORUN_FNV1A64_INIT). */
CORUN_API uint64_t corun_life_fnv_apply(corun_life_fnv_map_t m, uint64_t h);
/* Cell (x, y) is alive iff corun_rng_u64(seed, (row0 + y) * width + x) >> 11
 * < density * 2^53: the same cells for every backend, thread count and MPI
 * rank count (a rank fills its slab with row0 = its first global row). */
CORUN_API void corun_life_grid_fill_random(corun_life_grid_t *g, double density, uint64_t seed,
                                           int64_t row0, int threads);

/* The byte-per-cell grid: the serial oracle's own state and the column
 * printer's input (small grids), not an exchange format. */
typedef struct corun_life_cells {
    int64_t width, height;
    uint8_t *cells; /* width*height bytes, row-major, each 0 or 1 */
} corun_life_cells_t;

/* Allocates an all-dead byte grid. */
CORUN_API int corun_life_cells_init(corun_life_cells_t *g, int64_t width, int64_t height,
                                    corun_err_t *err);
CORUN_API void corun_life_cells_close(corun_life_cells_t *g);
static inline uint8_t *corun_life_cell(corun_life_cells_t *g, int64_t x, int64_t y) {
    return &g->cells[y * g->width + x];
}
/* FNV-1a 64 over the bytes: the hash's definition, byte by byte. */
CORUN_API uint64_t corun_life_cells_hash(const corun_life_cells_t *g);
CORUN_API int64_t corun_life_cells_population(const corun_life_cells_t *g);
/* The random fill's definition, cell by cell (row0 as above). */
CORUN_API void corun_life_cells_fill_random_rows(corun_life_cells_t *g, double density,
                                                 uint64_t seed, int64_t row0);
static inline void corun_life_cells_fill_random(corun_life_cells_t *g, double density,
                                                uint64_t seed) {
    corun_life_cells_fill_random_rows(g, density, seed, 0);
}
/* Byte grid <-> packed grid of the same size. */
CORUN_API void corun_life_cells_pack(const corun_life_cells_t *c, corun_life_grid_t *g);
CORUN_API void corun_life_cells_unpack(const corun_life_grid_t *g, corun_life_cells_t *c);

/* --------------------------------------------------------------- patterns */

/* A pattern as read from a file: its cells plus what its header declared. */
typedef struct corun_life_pattern {
    corun_life_cells_t cells;    /* width x height = declared size */
    int has_rule;               /* header named a rule */
    corun_life_rule_t rule;
    int has_bounded;            /* Golly bounded-grid suffix (:T / :P) */
    corun_life_boundary_t boundary;
    int64_t bounded_w, bounded_h; /* size from the suffix */
} corun_life_pattern_t;

/* Reads an RLE or plaintext .cells file (chosen by extension, .rle/.cells,
 * else by content). Errors name the file and line. */
CORUN_API int corun_life_pattern_load(const char *path, corun_life_pattern_t *p, corun_err_t *err);
/* Parsers over an in-memory text; `name` is used in error messages. */
CORUN_API int corun_life_rle_parse(const char *text, size_t len, const char *name,
                                   corun_life_pattern_t *p, corun_err_t *err);
CORUN_API int corun_life_cells_parse(const char *text, size_t len, const char *name,
                                     corun_life_pattern_t *p, corun_err_t *err);
CORUN_API void corun_life_pattern_close(corun_life_pattern_t *p);
/* Writes g as RLE (header x, y, rule with Golly's :T/:P suffix, lines <= 70
 * characters) that Golly and corun read back. */
CORUN_API int corun_life_rle_write(FILE *f, const corun_life_grid_t *g, corun_life_rule_t rule,
                                   corun_life_boundary_t b, corun_err_t *err);
CORUN_API int corun_life_rle_save(const char *path, const corun_life_grid_t *g,
                                  corun_life_rule_t rule, corun_life_boundary_t b,
                                  corun_err_t *err);
/* Writes g as plaintext .cells: every row in full ('.' dead, 'O' alive),
 * so that reading it back gives exactly g's size; comment (may be NULL)
 * becomes '!' lines first. */
CORUN_API int corun_life_cells_write(FILE *f, const corun_life_grid_t *g, const char *comment,
                                     corun_err_t *err);
/* Saves g as .cells (a path ending in .cells) or RLE (any other), by the
 * overwrite rule of outputs (outdir.h: an existing file only with force,
 * written aside and renamed into place). comment: .cells only. */
CORUN_API int corun_life_pattern_save(const char *path, int force, const corun_life_grid_t *g,
                                      corun_life_rule_t rule, corun_life_boundary_t b,
                                      const char *comment, corun_err_t *err);
/* Sets the pattern's live cells in a grid `height` rows high with the
 * pattern's top-left corner at (x, y); g holds rows row0..row0+g->height-1
 * of it (the whole grid: row0 = 0, height = g->height; an MPI rank: its
 * slab) and gets the pattern rows that fall there. An error if the pattern
 * does not fit in the whole grid. */
CORUN_API int corun_life_pattern_place(corun_life_grid_t *g, const corun_life_cells_t *pat,
                                       int64_t x, int64_t y, int64_t row0, int64_t height,
                                       corun_err_t *err);

/* ---------------------------------------------------------------- previews */

/* The live-cell density of block x block blocks of a packed grid, one value
 * 0..255 per block: (255 * live + area / 2) / area, area being the block's
 * cells inside the grid (edge blocks are clipped). The snapshot file's
 * /previews and `corun render` both use these (docs/FORMAT.md), so a picture
 * from a preview and one block-reduced from the frame are the same.
 * A preview of a WxH grid is ceil(H/block) rows of pw = ceil(W/block) values.
 * block at most 2^26 (the sums stay exact). */
#define CORUN_LIFE_PREVIEW_MAX_SIDE 1024
/* The smallest block >= 1 for which both ceil(width/block) and
 * ceil(height/block) are at most max_side (the file's preview_block uses
 * CORUN_LIFE_PREVIEW_MAX_SIDE). */
CORUN_API int64_t corun_life_preview_block(int64_t width, int64_t height, int64_t max_side);
/* Adds the live cells of n packed rows, grid rows y0..y0+n-1 (row i at
 * rows + i * stride words), to the counts of their blocks:
 * counts[(y / block - by0) * pw + x / block], where by0 is the block row
 * counts[0] belongs to (0 for counts of the whole grid). Rows may come in
 * any pieces (a slab, a chunk read from a file); start with zeroed counts. */
CORUN_API void corun_life_preview_count(const uint64_t *rows, int64_t stride, int64_t width,
                                        int64_t y0, int64_t n, int64_t block, int64_t by0,
                                        uint64_t *counts);
/* The pw values of block row `by` from its complete counts (pw entries). */
CORUN_API void corun_life_preview_values(const uint64_t *counts, int64_t width, int64_t height,
                                         int64_t block, int64_t by, uint8_t *out);
/* The whole preview of g: ceil(height/block) * pw values into out. */
CORUN_API int corun_life_preview_grid(const corun_life_grid_t *g, int64_t block, uint8_t *out,
                                      corun_err_t *err);

/* ----------------------------------------------------------------- printer */

/* The seed's ColumnPrinter: generations side by side, a header row with the
 * generation number centred, " | " between columns, '*' alive, '-' empty.
 * frames[i] is generation i. */
CORUN_API int corun_life_print_columns(FILE *f, const corun_life_cells_t *frames, int nframes);

/* ---------------------------------------------------------------- backends */

typedef enum corun_life_skip {
    CORUN_LIFE_SKIP_AUTO = 0,
    CORUN_LIFE_SKIP_OFF = 1,
    CORUN_LIFE_SKIP_ON = 2
} corun_life_skip_t;

typedef struct corun_life_params {
    corun_life_rule_t rule;
    corun_life_boundary_t boundary;
    int threads;               /* 0: the OpenMP default */
    corun_life_skip_t skip_stable;
    int device;                /* cuda: device index; -1 = CUDA_VISIBLE_DEVICES / device 0 */
    /* Populations from step() count rows count_y0..count_y1-1 (both 0: every
     * row): an MPI slab counts its own rows, not the halo rows it also holds. */
    int64_t count_y0, count_y1;
    /* omp: tuning knobs for tests and benchmarks (src/life/omp_tuning.h); NULL:
     * the built-in choices. */
    const struct corun_life_omp_tuning *omp_tuning;
    /* The MPI slab backend (src/mpi/life_slab.h): the decomposition and the
     * node backend that steps the rank's rows. */
    const struct corun_life_slab_cfg *slab;
} corun_life_params_t;

/* What a backend reports about the run it steps (summary, file metadata). */
typedef struct corun_life_info {
    char mode[48]; /* stepping mode actually used, no spaces, e.g. "tblock-avx512-strided" */
    char simd[16]; /* SIMD code path: "avx512", "avx2", "portable"; "-" where none applies */
    int threads;   /* threads really used (a small grid may use fewer than asked) */
} corun_life_info_t;

/* Optional asynchronous snapshots, for backends whose grid lives in another
 * memory (a GPU) or that can lend a generation buffer (omp): begin() queues
 * a copy of the current generation (or lends it) and returns a handle at
 * once, so stepping goes on; it returns 1 (no handle) where the caller
 * should copy with get_rows() instead. poll() never blocks (1 ready, 0 not
 * yet, < 0 error). Once ready, the frame is words() (height rows of wpr
 * words, no gaps) or, where words is NULL, copy() writes its rows y0 ..
 * y0+n-1 to dst (row y0+k at dst + k*stride) on the caller's thread, in
 * pieces as the caller likes. release() frees the handle.
 * Handles do not refer back to the state: poll, words, copy and release may
 * be called from another thread (the I/O thread), also after close(). */
typedef struct corun_life_snap_ops {
    int (*begin)(void *state, void **snap, corun_err_t *err);
    int (*poll)(void *snap, corun_err_t *err);
    const uint64_t *(*words)(void *snap);
    int (*copy)(void *snap, int64_t y0, int64_t n, uint64_t *dst, int64_t stride);
    void (*release)(void *snap);
} corun_life_snap_ops_t;

/* A stepping backend: a small table of functions over the packed grid, in
 * the spirit of Redis's ae backends (one file per backend; the table is
 * looked up by name with corun_life_backend_find()).
 *
 *   open     opens on g, the initial generation. The backend may step in g's
 *            memory (omp: g's words are one of its two generations), so g
 *            must stay open until close() and its contents are undefined
 *            in between.
 *   step     advances n generations; pops is NULL, or n entries that receive
 *            the population after each generation (rows p->count_y0..).
 *   get_rows rows y0..y0+n-1 of the current generation, copied into words
 *            (row k at words + k*stride, wpr words in the packed layout);
 *   put_rows replaces them (padding bits 0); the next step() computes from
 *            the new values. Both synchronous: snapshots, halos, --print.
 *   close    leaves the current generation in g (the grid given to open(),
 *            which may now hold other memory of the same size: omp hands
 *            over whichever buffer is current) and frees the rest; the state
 *            is freed even when it fails (a GPU download). close(NULL) is 0.
 *   info     mode, SIMD path and threads really used.
 *   snap     optional (NULL: snapshots go through get_rows).
 *   bytes_per_cell  the host memory the backend needs per cell on top of
 *            the grid given to open(): the run's memory estimate. */
typedef struct corun_life_backend {
    const char *name;
    int (*open)(void **state, corun_life_grid_t *g, const corun_life_params_t *p,
                corun_err_t *err);
    int (*step)(void *state, int64_t n, int64_t *pops, corun_err_t *err);
    int (*get_rows)(void *state, int64_t y0, int64_t n, uint64_t *words, int64_t stride,
                    corun_err_t *err);
    int (*put_rows)(void *state, int64_t y0, int64_t n, const uint64_t *words, int64_t stride,
                    corun_err_t *err);
    int (*close)(void *state, corun_err_t *err);
    void (*info)(void *state, corun_life_info_t *out);
    const corun_life_snap_ops_t *snap;
    double bytes_per_cell;
} corun_life_backend_t;

/* The row hooks' argument check, shared by the backends: 0 if rows
 * y0..y0+n-1 lie inside 0..height-1, else CORUN_EINVAL with a message naming
 * `who` (e.g. "omp backend") and the rows. */
CORUN_API int corun_life_rows_check(const char *who, int64_t height, int64_t y0, int64_t n,
                                    corun_err_t *err);

CORUN_API extern const corun_life_backend_t corun_life_backend_serial;
CORUN_API extern const corun_life_backend_t corun_life_backend_omp;
/* Only in builds with the cuda backend (corun_cuda_build(), corun/cuda.h). */
CORUN_API extern const corun_life_backend_t corun_life_backend_cuda;

/* The SIMD code path the omp backend picked at run time on this CPU. */
CORUN_API const char *corun_life_omp_simd(void);

/* Every backend compiled into this build (the first is serial, the oracle). */
CORUN_API int corun_life_backends(const corun_life_backend_t *const **list);

/* Looks a backend up by name ("serial", "omp", "cuda", "auto" = cuda if a
 * real GPU is visible, else omp); NULL with a message listing the choices if
 * unknown or not compiled in. */
CORUN_API const corun_life_backend_t *corun_life_backend_find(const char *name, corun_err_t *err);

#endif
