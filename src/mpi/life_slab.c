/* life_slab.c — Life under MPI: slabs of rows, one per rank, halo exchange
 * between neighbours, global summary (contract in life_slab.h; docs/MPI.md).
 *
 * Decomposition. Rank r owns rows row0..row0+rows-1 of the global grid. Its
 * node backend steps an extended grid: `top` halo rows, its own rows, `bot`
 * halo rows (top = bot = d, the halo depth; none on the outer side of the
 * first and last rank under the dead boundary). The node backend runs with
 * the global boundary mode unchanged, so columns wrap (torus) or end (dead)
 * exactly as in one process, and rows do whatever they do at the extended
 * grid's top and bottom: wrap onto the other halo (torus) or see dead cells.
 * Either way the error starts in the outermost halo row and moves one row
 * per generation, so after k <= d generations the own rows are exact and
 * only halo rows are wrong. Then d rows are exchanged with each neighbour
 * and the next block of up to d generations can start. Under the torus the
 * first rank's upper neighbour is the last rank, and with one rank a slab is
 * its own neighbour (it sends to itself): the single-process torus. With
 * height 2 and two ranks both halos of a rank are the other rank's one row,
 * which counts it twice, exactly like the seed's get(y % height, x).
 *
 * Overlap (cfg.overlap, used when own rows >= 2d): before stepping a block
 * the rank computes its first d and last d own rows k generations ahead in
 * two small "edge" grids of the same node backend (rows -d..2d-1 and
 * rows-2d..rows+d-1 relative to its first own row, the light cone of the
 * rows sent), posts the receives and sends of those rows, and only then
 * steps the whole slab; the messages travel while it computes. The cost is
 * computing 2 x 3d rows twice per block. Whether a message really moves
 * during the computation is up to the MPI library's progress: eager-sized
 * messages do; large ones under a rendezvous protocol wait for the
 * MPI_Waitall (docs/MPI.md has the measured numbers).
 *
 * Global hash: FNV-1a 64 over the cells in row order, one byte (0 or 1) per
 * cell, equal to one process's. A plain chain (rank 0 hashes from the offset
 * basis, hands the state on, ...) would cost P times one slab's hashing, so
 * each rank turns its bytes into an affine map first, all ranks at once:
 * with cells 0/1, h ^ c only touches bit 0, and bit 0 of (h ^ c) * prime is
 * bit 0 of h ^ c (the prime is odd), so along the bytes bit 0 of the state is
 * the starting bit XOR a prefix XOR of the cells, and h ^ c = h + d with d =
 * 0 (c = 0), +1 (bit 0 clear) or -1 (bit 0 set). A run of bytes is then
 * h -> A*h + B (mod 2^64) with A = prime^n, where B is computed for a state
 * with bit 0 clear and is -B for bit 0 set (every d changes sign). Chunks
 * compose the same way, so threads split a slab and one MPI_Allreduce with a
 * non-commutative operation composes the ranks' maps in row order.
 */
#include "mpi/life_slab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "corun/mpi.h"

void corun_life_slab_rows(int64_t height, int rank, int size, int64_t *row0, int64_t *rows) {
    int64_t base = height / size, extra = height % size;
    *row0 = rank * base + (rank < extra ? rank : extra);
    *rows = base + (rank < extra ? 1 : 0);
}

#if CORUN_MPI
#include "mpi_int.h"

enum { TAG_UP = 11, TAG_DOWN = 12 };

static MPI_Comm g_comm = MPI_COMM_NULL;

int corun_life_mpi_begin(corun_err_t *err) {
    if (g_comm != MPI_COMM_NULL) return 0;
    int rc = corun_mpi_comm_check(MPI_Comm_dup(MPI_COMM_WORLD, &g_comm), "MPI_Comm_dup", err);
    if (!rc) MPI_Comm_set_errhandler(g_comm, MPI_ERRORS_RETURN);
    return rc;
}

void corun_life_mpi_end(void) {
    if (g_comm != MPI_COMM_NULL) MPI_Comm_free(&g_comm);
}

int corun_life_mpi_agree_code(int code, int *first) {
    int rank = corun_mpi_rank(), size = corun_mpi_size();
    int in[2] = {-code, code ? rank : size}, out[2];
    /* MIN of -code is -(largest code); MIN of the rank is the first failure. */
    if (MPI_Allreduce(in, out, 2, MPI_INT, MPI_MIN, g_comm) != MPI_SUCCESS) {
        *first = rank;
        return code ? code : CORUN_EXIT_FAILURE;
    }
    *first = out[1] < size ? out[1] : -1;
    return -out[0];
}

int corun_life_mpi_node_ranks(int *local_rank) {
    MPI_Comm node;
    int n = 1;
    *local_rank = 0;
    if (MPI_Comm_split_type(g_comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) != MPI_SUCCESS)
        return 1;
    MPI_Comm_rank(node, local_rank);
    MPI_Comm_size(node, &n);
    MPI_Comm_free(&node);
    return n;
}

typedef struct slab {
    const corun_life_backend_t *node;
    void *inner;            /* the extended grid: top + rows + bot rows */
    void *edge[2];          /* overlap: the first and last own rows' light cones */
    int rank, size, nb[2];  /* neighbours above [0] and below [1], or MPI_PROC_NULL */
    int64_t width, height, row0, rows, wpr;
    int d, halo[2];         /* halo depth; halo rows above, below (d or 0) */
    int overlap;
    int64_t edge_h[2];      /* rows of the edge grids */
    uint64_t *send[2], *recv[2], *ebuf; /* d rows each; ebuf: an edge grid's rows */
    int64_t *pops;
    int64_t pops_cap;
    double halo_seconds, wait_seconds;
    int64_t exchanges;
    int fail; /* test hook: CORUN_TEST_LIFE_FAIL_RANK names this rank */
} slab_t;

static int64_t mini(int64_t a, int64_t b) { return a < b ? a : b; }

/* Receives into the halos and sends the own edge rows (already in send[]). */
static int post(slab_t *s, MPI_Request req[4], corun_err_t *err) {
    const int count = (int)(s->d * s->wpr);
    int rc = 0, n = 0;
    for (int i = 0; i < 4; i++) req[i] = MPI_REQUEST_NULL;
    /* Rows travelling down come from above (they fill the upper halo); rows
     * travelling up come from below. Distinct tags keep the two messages
     * apart when both neighbours are one rank (two ranks, torus; or self). */
    if (s->halo[0])
        rc = MPI_Irecv(s->recv[0], count, MPI_UINT64_T, s->nb[0], TAG_DOWN, g_comm, &req[n++]);
    if (!rc && s->halo[1])
        rc = MPI_Irecv(s->recv[1], count, MPI_UINT64_T, s->nb[1], TAG_UP, g_comm, &req[n++]);
    if (!rc && s->halo[0])
        rc = MPI_Isend(s->send[0], count, MPI_UINT64_T, s->nb[0], TAG_UP, g_comm, &req[n++]);
    if (!rc && s->halo[1])
        rc = MPI_Isend(s->send[1], count, MPI_UINT64_T, s->nb[1], TAG_DOWN, g_comm, &req[n++]);
    return corun_mpi_comm_check(rc, "halo exchange: MPI_Isend/MPI_Irecv", err);
}

/* Waits for the halos and writes them into the extended grid. */
static int finish(slab_t *s, MPI_Request req[4], corun_err_t *err) {
    double t0 = corun_now();
    int rc = corun_mpi_comm_check(MPI_Waitall(4, req, MPI_STATUSES_IGNORE),
                                  "halo exchange: MPI_Waitall", err);
    s->wait_seconds += corun_now() - t0;
    if (!rc && s->halo[0]) rc = s->node->write_rows(s->inner, 0, s->halo[0], s->recv[0], err);
    if (!rc && s->halo[1])
        rc = s->node->write_rows(s->inner, s->halo[0] + s->rows, s->halo[1], s->recv[1], err);
    s->exchanges++;
    return rc;
}

/* The own edge rows into send[] from the extended grid (no overlap). */
static int read_edges(slab_t *s, corun_err_t *err) {
    int rc = 0;
    if (s->halo[0]) rc = s->node->read_rows(s->inner, s->halo[0], s->d, s->send[0], err);
    if (!rc && s->halo[1])
        rc = s->node->read_rows(s->inner, s->halo[0] + s->rows - s->d, s->d, s->send[1], err);
    return rc;
}

/* Overlap: the own edge rows k generations ahead, into send[], from the
 * current generation's light cones in the edge grids. */
static int edges_ahead(slab_t *s, int64_t k, corun_err_t *err) {
    const int64_t first[2] = {0, s->halo[0] + s->rows - 2 * s->d};
    const int64_t out[2] = {s->halo[0], s->d}; /* sent rows, in edge-grid rows */
    for (int i = 0; i < 2; i++) {
        if (!s->halo[i]) continue;
        int rc = s->node->read_rows(s->inner, first[i], s->edge_h[i], s->ebuf, err);
        if (!rc) rc = s->node->write_rows(s->edge[i], 0, s->edge_h[i], s->ebuf, err);
        if (!rc) rc = s->node->step(s->edge[i], k, err);
        if (!rc) rc = s->node->read_rows(s->edge[i], out[i], s->d, s->send[i], err);
        if (rc) return rc;
    }
    return 0;
}

/* One block of k <= d generations and the exchange after it. */
static int block(slab_t *s, int64_t k, int64_t *pops, corun_err_t *err) {
    MPI_Request req[4];
    double t0 = corun_now();
    int rc = 0;
    if (s->overlap) {
        rc = edges_ahead(s, k, err);
        if (!rc) rc = post(s, req, err);
        if (rc) return rc;
    }
    double t1 = corun_now();
    rc = pops ? s->node->step_counted(s->inner, k, pops, err) : s->node->step(s->inner, k, err);
    if (rc) return rc;
    double t2 = corun_now();
    if (!s->overlap) {
        rc = read_edges(s, err);
        if (!rc) rc = post(s, req, err);
        if (rc) return rc;
    }
    rc = finish(s, req, err);
    s->halo_seconds += (t1 - t0) + (corun_now() - t2);
    return rc;
}

static int exchanged(const slab_t *s) { return s->halo[0] || s->halo[1]; }

static int slab_step_counted(void *state, int64_t n, int64_t *pops, corun_err_t *err) {
    slab_t *s = state;
    if (s->fail)
        return corun_err_set(err, CORUN_EIO,
                             "rank %d: failure injected by CORUN_TEST_LIFE_FAIL_RANK", s->rank);
    int64_t *local = NULL;
    if (pops) {
        if (n > s->pops_cap) {
            int64_t *p = realloc(s->pops, (size_t)n * sizeof *p);
            if (!p) return corun_err_set(err, CORUN_ENOMEM, "rank %d: out of memory", s->rank);
            s->pops = p;
            s->pops_cap = n;
        }
        local = s->pops;
    }
    if (!exchanged(s)) { /* one rank, dead boundary: nothing to exchange */
        int rc = pops ? s->node->step_counted(s->inner, n, local, err)
                      : s->node->step(s->inner, n, err);
        if (rc) return rc;
    } else {
        for (int64_t done = 0; done < n;) {
            int64_t k = mini(n - done, s->d);
            int rc = block(s, k, local ? local + done : NULL, err);
            if (rc) return rc;
            done += k;
        }
    }
    if (pops) /* the own rows' counts, summed over the ranks */
        return corun_mpi_comm_check(MPI_Allreduce(local, pops, (int)n, MPI_INT64_T, MPI_SUM,
                                                  g_comm),
                                    "populations: MPI_Allreduce", err);
    return 0;
}

static int slab_step(void *state, int64_t n, corun_err_t *err) {
    return slab_step_counted(state, n, NULL, err);
}

static int slab_read_packed(void *state, uint64_t *words, corun_err_t *err) {
    slab_t *s = state;
    return s->node->read_rows(s->inner, s->halo[0], s->rows, words, err);
}

static int slab_read(void *state, corun_life_cells_t *out, corun_err_t *err) {
    slab_t *s = state;
    if (out->width != s->width || out->height != s->rows)
        return corun_err_set(err, CORUN_EINVAL, "slab: read into a grid of another size");
    uint64_t *w = malloc((size_t)(s->rows * s->wpr) * sizeof *w);
    if (!w) return corun_err_set(err, CORUN_ENOMEM, "rank %d: out of memory", s->rank);
    int rc = slab_read_packed(s, w, err);
    if (!rc) corun_life_unpack(w, out);
    free(w);
    return rc;
}

static void slab_fini(void *state) {
    slab_t *s = state;
    if (!s) return;
    if (s->node) {
        s->node->fini(s->inner);
        s->node->fini(s->edge[0]);
        s->node->fini(s->edge[1]);
    }
    for (int i = 0; i < 2; i++) {
        free(s->send[i]);
        free(s->recv[i]);
    }
    free(s->ebuf);
    free(s->pops);
    free(s);
}

static const char *slab_describe(void *state) {
    slab_t *s = state;
    return s && s->node->describe ? s->node->describe(s->inner) : "-";
}

static int slab_init(void **state, const corun_life_cells_t *initial, const corun_life_params_t *p,
                     corun_err_t *err) {
    (void)initial, (void)p;
    *state = NULL;
    return corun_err_set(err, CORUN_EINVAL, "slab backend: open it with corun_life_slab_open");
}

/* A byte grid of `h` rows holding `own` at row `at` (the rest dead) and
 * the node backend initialised with it. */
static int node_open(slab_t *s, void **st, const corun_life_cells_t *own, int64_t at, int64_t h,
                     const corun_life_params_t *p, corun_err_t *err) {
    corun_life_cells_t g;
    int rc = corun_life_cells_init(&g, s->width, h, err);
    if (rc) return rc;
    if (own) memcpy(g.cells + at * s->width, own->cells, (size_t)(own->width * own->height));
    rc = s->node->init(st, &g, p, err);
    corun_life_cells_close(&g);
    return rc;
}

/* Everything local to this rank that can fail: sizes, buffers, the node
 * backend states. */
static int slab_setup(slab_t *s, const corun_life_slab_cfg_t *cfg, const corun_life_cells_t *own,
                      const corun_life_params_t *p, corun_err_t *err) {
    const corun_life_backend_t *node = cfg->node;
    if (!node->read_rows || !node->write_rows || !node->count_rows)
        return corun_err_set(err, CORUN_ENOTSUP,
                             "backend %s cannot run under MPI (no row access hooks)", node->name);
    s->node = node;
    s->rank = corun_mpi_rank();
    s->size = corun_mpi_size();
    s->width = cfg->width;
    s->height = cfg->height;
    s->wpr = corun_life_words_per_row(cfg->width);
    corun_life_slab_rows(cfg->height, s->rank, s->size, &s->row0, &s->rows);
    const char *fr = getenv("CORUN_TEST_LIFE_FAIL_RANK");
    s->fail = fr && *fr && atoi(fr) == s->rank;
    const int64_t smallest = cfg->height / s->size; /* the lowest slab */
    if (own->width != s->width || own->height != s->rows)
        return corun_err_set(err, CORUN_EINVAL,
                             "slab: rank %d was given %lldx%lld, not its %lldx%lld", s->rank,
                             (long long)own->width, (long long)own->height,
                             (long long)s->width, (long long)s->rows);
    if (smallest < 1)
        return corun_err_set(err, CORUN_EINVAL,
                             "%d ranks for a grid of %lld rows: each rank needs at least one "
                             "row (use at most %lld ranks)",
                             s->size, (long long)cfg->height, (long long)cfg->height);
    s->d = cfg->halo > 0 ? cfg->halo : (int)mini(CORUN_LIFE_SLAB_HALO, smallest);
    if (s->d > smallest)
        return corun_err_set(err, CORUN_EINVAL,
                             "--halo %d: deeper than the smallest slab (%lld rows of %lld over "
                             "%d ranks); use at most %lld",
                             s->d, (long long)smallest, (long long)cfg->height, s->size,
                             (long long)smallest);
    if ((int64_t)s->d * s->wpr > 0x7fffffff)
        return corun_err_set(err, CORUN_ERANGE,
                             "--halo %d: a halo of %lld words is too large for one MPI message",
                             s->d, (long long)(s->d * s->wpr));
    const int torus = p->boundary == CORUN_LIFE_TORUS;
    s->nb[0] = s->rank > 0 ? s->rank - 1 : torus ? s->size - 1 : MPI_PROC_NULL;
    s->nb[1] = s->rank < s->size - 1 ? s->rank + 1 : torus ? 0 : MPI_PROC_NULL;
    s->halo[0] = s->nb[0] == MPI_PROC_NULL ? 0 : s->d;
    s->halo[1] = s->nb[1] == MPI_PROC_NULL ? 0 : s->d;
    s->overlap = cfg->overlap && exchanged(s) && smallest >= 2 * (int64_t)s->d;
    for (int i = 0; i < 2; i++) {
        s->send[i] = calloc((size_t)(s->d * s->wpr), sizeof(uint64_t));
        s->recv[i] = calloc((size_t)(s->d * s->wpr), sizeof(uint64_t));
        if (!s->send[i] || !s->recv[i])
            return corun_err_set(err, CORUN_ENOMEM, "rank %d: out of memory", s->rank);
    }
    const int64_t ext_h = s->halo[0] + s->rows + s->halo[1];
    int rc = node_open(s, &s->inner, own, s->halo[0], ext_h, p, err);
    if (!rc) rc = node->count_rows(s->inner, s->halo[0], s->halo[0] + s->rows, err);
    if (rc || !s->overlap) return rc;
    s->edge_h[0] = s->halo[0] + 2 * s->d;
    s->edge_h[1] = 2 * s->d + s->halo[1];
    s->ebuf = malloc((size_t)(3 * s->d * s->wpr) * sizeof(uint64_t));
    if (!s->ebuf) return corun_err_set(err, CORUN_ENOMEM, "rank %d: out of memory", s->rank);
    for (int i = 0; i < 2 && !rc; i++)
        if (s->halo[i]) rc = node_open(s, &s->edge[i], NULL, 0, s->edge_h[i], p, err);
    return rc;
}

int corun_life_slab_open(void **state, const corun_life_slab_cfg_t *cfg,
                         const corun_life_cells_t *own, const corun_life_params_t *p,
                         corun_err_t *err) {
    *state = NULL;
    slab_t *s = calloc(1, sizeof *s);
    int rc = s ? slab_setup(s, cfg, own, p, err)
               : corun_err_set(err, CORUN_ENOMEM, "rank %d: out of memory", corun_mpi_rank());
    /* All ranks learn whether every one is ready before the first exchange,
     * which would otherwise wait forever for a rank that gave up. */
    int first, any = corun_life_mpi_agree_code(rc ? 1 : 0, &first);
    if (any && !rc)
        rc = corun_err_set(err, CORUN_ECANCELED, "rank %d could not set up its slab", first);
    if (!rc && exchanged(s)) { /* the first halos */
        MPI_Request req[4];
        rc = read_edges(s, err);
        if (!rc) rc = post(s, req, err);
        if (!rc) rc = finish(s, req, err);
        s->exchanges = 0;
        s->wait_seconds = 0;
    }
    if (rc) {
        slab_fini(s);
        return rc;
    }
    *state = s;
    return 0;
}

int corun_life_slab_agree(void *state, int64_t *n, int *stop, corun_err_t *err) {
    (void)state;
    int64_t in[2] = {*n, -(int64_t)(*stop != 0)}, out[2];
    int rc = corun_mpi_comm_check(MPI_Allreduce(in, out, 2, MPI_INT64_T, MPI_MIN, g_comm),
                                  "chunk agreement: MPI_Allreduce", err);
    if (rc) return rc;
    *n = out[0];
    *stop = out[1] != 0;
    return 0;
}

#define FNV_PRIME UINT64_C(0x100000001b3)

/* The affine map of FNV-1a over cells (0/1): h -> a*h + (h & 1 ? -b : b). */
typedef struct fnv_map {
    uint64_t a, b;
} fnv_map_t;

static uint64_t fnv_apply(fnv_map_t m, uint64_t h) {
    return m.a * h + ((h & 1) ? (uint64_t)0 - m.b : m.b);
}

/* The map of n cells; *parity: their XOR (how they change bit 0). */
static fnv_map_t fnv_map(const uint8_t *c, size_t n, unsigned *parity) {
    uint64_t a = 1, b = 0;
    unsigned bit = 0; /* bit 0 of the state, for a start with bit 0 clear */
    for (size_t i = 0; i < n; i++) {
        uint64_t d = c[i] ? (bit ? ~UINT64_C(0) : 1) : 0;
        b = (b + d) * FNV_PRIME;
        a *= FNV_PRIME;
        bit ^= c[i];
    }
    *parity = bit;
    return (fnv_map_t){a, b};
}

/* The map of a whole slab: 64 chunks mapped by the threads, then composed
 * in order (chunk k starts with bit 0 = the parity of the chunks before). */
static fnv_map_t fnv_slab(const corun_life_cells_t *own, unsigned *parity) {
    enum { CHUNKS = 64 };
    const size_t n = (size_t)(own->width * own->height);
    fnv_map_t m[CHUNKS];
    unsigned par[CHUNKS];
#pragma omp parallel for schedule(static) if (n > (1u << 22))
    for (int k = 0; k < CHUNKS; k++) {
        size_t lo = n * (size_t)k / CHUNKS, hi = n * (size_t)(k + 1) / CHUNKS;
        m[k] = fnv_map(own->cells + lo, hi - lo, &par[k]);
    }
    fnv_map_t t = {1, 0};
    unsigned bit = 0;
    for (int k = 0; k < CHUNKS; k++) {
        t.a *= m[k].a;
        t.b = m[k].a * t.b + (bit ? (uint64_t)0 - m[k].b : m[k].b);
        bit ^= par[k];
    }
    *parity = bit;
    return t;
}

/* MPI reduction of (a, b, parity) triples in rank order: inout = in, then
 * inout (in holds the lower ranks' rows). */
static void fnv_compose_op(void *in, void *inout, int *len, MPI_Datatype *type) {
    (void)type;
    const uint64_t *x = in;
    uint64_t *y = inout;
    for (int i = 0; i < *len; i++, x += 3, y += 3) {
        uint64_t b = y[0] * x[1] + (x[2] ? (uint64_t)0 - y[1] : y[1]);
        y[0] *= x[0];
        y[1] = b;
        y[2] ^= x[2];
    }
}

int corun_life_slab_summary(void *state, const corun_life_cells_t *own, int64_t *population,
                            uint64_t *hash, corun_err_t *err) {
    (void)state;
    int64_t pop = corun_life_cells_population(own);
    int rc = corun_mpi_comm_check(MPI_Allreduce(&pop, population, 1, MPI_INT64_T, MPI_SUM,
                                                g_comm),
                                  "population: MPI_Allreduce", err);
    if (rc) return rc;
    unsigned parity;
    fnv_map_t m = fnv_slab(own, &parity);
    uint64_t mine[3] = {m.a, m.b, parity}, all[3] = {1, 0, 0};
    MPI_Datatype t3 = MPI_DATATYPE_NULL;
    MPI_Op op = MPI_OP_NULL;
    rc = MPI_Type_contiguous(3, MPI_UINT64_T, &t3);
    if (!rc) rc = MPI_Type_commit(&t3);
    if (!rc) rc = MPI_Op_create(fnv_compose_op, 0, &op); /* not commutative: rank order */
    if (!rc) rc = MPI_Allreduce(mine, all, 1, t3, op, g_comm);
    if (op != MPI_OP_NULL) MPI_Op_free(&op);
    if (t3 != MPI_DATATYPE_NULL) MPI_Type_free(&t3);
    *hash = fnv_apply((fnv_map_t){all[0], all[1]}, CORUN_FNV1A64_INIT);
    return corun_mpi_comm_check(rc, "hash: MPI_Allreduce", err);
}

int corun_life_slab_gather(void *state, const corun_life_cells_t *own, corun_life_cells_t *full,
                           corun_err_t *err) {
    slab_t *s = state;
    memset(full, 0, sizeof *full);
    if (s->height * s->wpr > 0x7fffffff)
        return corun_err_set(err, CORUN_ERANGE,
                             "the %lldx%lld grid is too large to gather on one rank",
                             (long long)s->width, (long long)s->height);
    uint64_t *mine = malloc((size_t)(s->rows * s->wpr) * sizeof *mine), *all = NULL;
    int *counts = NULL, *displs = NULL, rc = 0;
    if (mine) corun_life_pack(own, mine);
    if (s->rank == 0) {
        all = malloc((size_t)(s->height * s->wpr) * sizeof *all);
        counts = malloc((size_t)s->size * sizeof *counts);
        displs = malloc((size_t)s->size * sizeof *displs);
        for (int r = 0; all && counts && displs && r < s->size; r++) {
            int64_t r0, n;
            corun_life_slab_rows(s->height, r, s->size, &r0, &n);
            counts[r] = (int)(n * s->wpr);
            displs[r] = (int)(r0 * s->wpr);
        }
    }
    /* Everyone learns whether every rank has its buffers before the gather,
     * so no rank waits for one that gave up. */
    int bad = !mine || (s->rank == 0 && (!all || !counts || !displs)), any = 0;
    rc = corun_mpi_comm_check(MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, g_comm),
                              "gather: MPI_Allreduce", err);
    if (!rc && any)
        rc = corun_err_set(err, CORUN_ENOMEM, "out of memory gathering the grid on rank 0%s",
                           bad ? "" : " (on another rank)");
    if (!rc)
        rc = corun_mpi_comm_check(MPI_Gatherv(mine, (int)(s->rows * s->wpr), MPI_UINT64_T, all,
                                              counts, displs, MPI_UINT64_T, 0, g_comm),
                                  "gather: MPI_Gatherv", err);
    if (!rc && s->rank == 0) {
        rc = corun_life_cells_init(full, s->width, s->height, err);
        if (!rc) corun_life_unpack(all, full);
    }
    free(mine);
    free(all);
    free(counts);
    free(displs);
    return rc;
}

int corun_life_slab_sum(void *state, int64_t mine, int64_t *sum, corun_err_t *err) {
    (void)state;
    return corun_mpi_comm_check(MPI_Allreduce(&mine, sum, 1, MPI_INT64_T, MPI_SUM, g_comm),
                                "MPI_Allreduce", err);
}

int corun_life_slab_max(void *state, double mine, double *max, corun_err_t *err) {
    (void)state;
    return corun_mpi_comm_check(MPI_Allreduce(&mine, max, 1, MPI_DOUBLE, MPI_MAX, g_comm),
                                "MPI_Allreduce", err);
}

void corun_life_slab_info(void *state, corun_life_slab_info_t *info) {
    slab_t *s = state;
    info->ranks = s->size;
    info->halo = s->d;
    info->overlap = s->overlap;
    info->row0 = s->row0;
    info->rows = s->rows;
    info->halo_seconds = s->halo_seconds;
    info->wait_seconds = s->wait_seconds;
    info->exchanges = s->exchanges;
}

#else /* no MPI in this build: nothing is ever opened */

int corun_life_mpi_begin(corun_err_t *err) {
    return corun_err_set(err, CORUN_ENOTSUP, "this corun was built without MPI");
}
void corun_life_mpi_end(void) {}
int corun_life_mpi_node_ranks(int *local_rank) {
    *local_rank = 0;
    return 1;
}
int corun_life_mpi_agree_code(int code, int *first) {
    *first = code ? 0 : -1;
    return code;
}

static int slab_none(corun_err_t *err) {
    return corun_err_set(err, CORUN_ENOTSUP, "this corun was built without MPI");
}
int corun_life_slab_open(void **state, const corun_life_slab_cfg_t *cfg,
                         const corun_life_cells_t *own, const corun_life_params_t *p,
                         corun_err_t *err) {
    (void)cfg, (void)own, (void)p;
    *state = NULL;
    return slab_none(err);
}
static int slab_init(void **state, const corun_life_cells_t *initial, const corun_life_params_t *p,
                     corun_err_t *err) {
    (void)initial, (void)p;
    *state = NULL;
    return slab_none(err);
}
static int slab_step(void *state, int64_t n, corun_err_t *err) {
    (void)state, (void)n;
    return slab_none(err);
}
static int slab_read(void *state, corun_life_cells_t *out, corun_err_t *err) {
    (void)state, (void)out;
    return slab_none(err);
}
static void slab_fini(void *state) { (void)state; }
static const char *slab_describe(void *state) {
    (void)state;
    return "-";
}
static int slab_step_counted(void *state, int64_t n, int64_t *pops, corun_err_t *err) {
    (void)pops;
    return slab_step(state, n, err);
}
static int slab_read_packed(void *state, uint64_t *words, corun_err_t *err) {
    (void)state, (void)words;
    return slab_none(err);
}
int corun_life_slab_agree(void *state, int64_t *n, int *stop, corun_err_t *err) {
    (void)state, (void)n, (void)stop, (void)err;
    return 0;
}
int corun_life_slab_summary(void *state, const corun_life_cells_t *own, int64_t *population,
                            uint64_t *hash, corun_err_t *err) {
    (void)state, (void)err;
    *population = corun_life_cells_population(own);
    *hash = corun_life_cells_hash(own);
    return 0;
}
int corun_life_slab_gather(void *state, const corun_life_cells_t *own, corun_life_cells_t *full,
                           corun_err_t *err) {
    (void)state, (void)own;
    memset(full, 0, sizeof *full);
    return slab_none(err);
}
int corun_life_slab_sum(void *state, int64_t mine, int64_t *sum, corun_err_t *err) {
    (void)state, (void)err;
    *sum = mine;
    return 0;
}
int corun_life_slab_max(void *state, double mine, double *max, corun_err_t *err) {
    (void)state, (void)err;
    *max = mine;
    return 0;
}
void corun_life_slab_info(void *state, corun_life_slab_info_t *info) {
    (void)state;
    memset(info, 0, sizeof *info);
    info->ranks = 1;
}

#endif

const corun_life_backend_t corun_life_backend_slab = {
    .name = "slab",
    .init = slab_init,
    .step = slab_step,
    .read = slab_read,
    .fini = slab_fini,
    .describe = slab_describe,
    .step_counted = slab_step_counted,
    .read_packed = slab_read_packed,
};
