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
 * cell, equal to one process's. Each rank turns its rows into the affine map
 * of life.h (corun_life_grid_hash_map, threaded), and one MPI_Allreduce
 * with a non-commutative operation composes the ranks' maps in row order.
 */
#include "mpi/life_slab.h"

#include <limits.h>
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

static int64_t mini(int64_t a, int64_t b) { return a < b ? a : b; }

int corun_life_slab_layout(const corun_life_slab_cfg_t *cfg, corun_life_boundary_t b,
                           corun_life_slab_layout_t *out, corun_err_t *err) {
    memset(out, 0, sizeof *out);
    if (cfg->size < 1 || cfg->rank < 0 || cfg->rank >= cfg->size)
        return corun_err_set(err, CORUN_EINVAL, "slab: rank %d of %d ranks", cfg->rank,
                             cfg->size);
    const int64_t smallest = cfg->height / cfg->size; /* the lowest slab */
    if (smallest < 1)
        return corun_err_set(err, CORUN_EINVAL,
                             "%d MPI ranks for a grid of %lld rows: each rank needs at least one "
                             "row (use at most %lld ranks)",
                             cfg->size, (long long)cfg->height, (long long)cfg->height);
    const int64_t d = cfg->halo > 0 ? cfg->halo : mini(CORUN_LIFE_SLAB_HALO, smallest);
    if (d > smallest)
        return corun_err_set(err, CORUN_EINVAL,
                             "--halo %lld: deeper than the smallest slab (%lld rows of %lld over "
                             "%d ranks); use at most %lld",
                             (long long)d, (long long)smallest, (long long)cfg->height,
                             cfg->size, (long long)smallest);
    if (d * corun_life_words_per_row(cfg->width) > INT_MAX)
        return corun_err_set(err, CORUN_ERANGE,
                             "--halo %lld: a halo of %lld words is too large for one MPI message",
                             (long long)d, (long long)(d * corun_life_words_per_row(cfg->width)));
    corun_life_slab_rows(cfg->height, cfg->rank, cfg->size, &out->row0, &out->rows);
    out->halo = (int)d;
    const int torus = b == CORUN_LIFE_TORUS;
    out->top = torus || cfg->rank > 0 ? d : 0;
    out->bot = torus || cfg->rank < cfg->size - 1 ? d : 0;
    return 0;
}

#if CORUN_MPI
#include "mpi_int.h"

enum { TAG_UP = 11, TAG_DOWN = 12 };

static MPI_Comm g_comm = MPI_COMM_NULL;

static int need_comm(corun_err_t *err) {
    if (g_comm != MPI_COMM_NULL) return 0;
    return corun_err_set(err, CORUN_EINVAL,
                         "Life under MPI: corun_life_mpi_begin() was not called");
}

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

/* ------------------------------------------------------------- the team */

static int team_agree(void *ctx, int64_t *n, int *stop, corun_err_t *err) {
    (void)ctx;
    int64_t in[2] = {*n, -(int64_t)(*stop != 0)}, out[2];
    int rc = corun_mpi_comm_check(MPI_Allreduce(in, out, 2, MPI_INT64_T, MPI_MIN, g_comm),
                                  "chunk agreement: MPI_Allreduce", err);
    if (rc) return rc;
    *n = out[0];
    *stop = out[1] != 0;
    return 0;
}

static int team_sum(void *ctx, int64_t mine, int64_t *sum, corun_err_t *err) {
    (void)ctx;
    return corun_mpi_comm_check(MPI_Allreduce(&mine, sum, 1, MPI_INT64_T, MPI_SUM, g_comm),
                                "sum: MPI_Allreduce", err);
}

static int team_max(void *ctx, double mine, double *max, corun_err_t *err) {
    (void)ctx;
    return corun_mpi_comm_check(MPI_Allreduce(&mine, max, 1, MPI_DOUBLE, MPI_MAX, g_comm),
                                "max: MPI_Allreduce", err);
}

/* A map travels as three words: a, b, parity. */
static corun_life_fnv_map_t map_of(const uint64_t *w) {
    corun_life_fnv_map_t m = {w[0], w[1], (unsigned)w[2]};
    return m;
}

/* MPI reduction of maps in rank order: inout = in, then inout (in holds the
 * lower ranks' rows). */
static void fnv_compose_op(void *in, void *inout, int *len, MPI_Datatype *type) {
    (void)type;
    const uint64_t *x = in;
    uint64_t *y = inout;
    for (int i = 0; i < *len; i++, x += 3, y += 3) {
        corun_life_fnv_map_t m = corun_life_fnv_compose(map_of(x), map_of(y));
        y[0] = m.a;
        y[1] = m.b;
        y[2] = m.parity;
    }
}

static int team_hash(void *ctx, corun_life_fnv_map_t mine, uint64_t *hash, corun_err_t *err) {
    (void)ctx;
    uint64_t in[3] = {mine.a, mine.b, mine.parity}, all[3] = {1, 0, 0};
    MPI_Datatype t3 = MPI_DATATYPE_NULL;
    MPI_Op op = MPI_OP_NULL;
    int rc = MPI_Type_contiguous(3, MPI_UINT64_T, &t3);
    if (!rc) rc = MPI_Type_commit(&t3);
    if (!rc) rc = MPI_Op_create(fnv_compose_op, 0, &op); /* not commutative: rank order */
    if (!rc) rc = MPI_Allreduce(in, all, 1, t3, op, g_comm);
    if (op != MPI_OP_NULL) MPI_Op_free(&op);
    if (t3 != MPI_DATATYPE_NULL) MPI_Type_free(&t3);
    *hash = corun_life_fnv_apply(map_of(all), CORUN_FNV1A64_INIT);
    return corun_mpi_comm_check(rc, "hash: MPI_Allreduce", err);
}

int corun_life_mpi_team(corun_life_team_t *team, corun_err_t *err) {
    memset(team, 0, sizeof *team);
    int rc = need_comm(err);
    if (rc) return rc;
    MPI_Comm_rank(g_comm, &team->rank);
    MPI_Comm_size(g_comm, &team->size);
    team->agree = team_agree;
    team->sum = team_sum;
    team->max = team_max;
    team->hash = team_hash;
    return 0;
}

/* ----------------------------------------------------------------- slab */

typedef struct slab {
    const corun_life_backend_t *node;
    void *inner;            /* the node on the caller's extended grid */
    void *edge[2];          /* overlap: the first and last own rows' light cones */
    corun_life_grid_t edge_grid[2];
    int rank, size, nb[2];  /* neighbours above [0] and below [1], or MPI_PROC_NULL */
    int64_t width, height, row0, rows, wpr;
    int d, halo[2];         /* halo depth; halo rows above, below (d or 0) */
    int overlap;
    int64_t edge_h[2];      /* rows of the edge grids */
    uint64_t *send[2], *recv[2], *ebuf; /* d rows each, wpr words apart; ebuf: an
                                         * edge grid's rows */
    int64_t *pops;
    int64_t pops_cap;
    double halo_seconds, wait_seconds;
    int64_t exchanges;
    int fail; /* test hook: CORUN_TEST_LIFE_FAIL_RANK names this rank */
} slab_t;

static int exchanged(const slab_t *s) { return s->halo[0] || s->halo[1]; }

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
    if (!rc && s->halo[0])
        rc = s->node->put_rows(s->inner, 0, s->halo[0], s->recv[0], s->wpr, err);
    if (!rc && s->halo[1])
        rc = s->node->put_rows(s->inner, s->halo[0] + s->rows, s->halo[1], s->recv[1], s->wpr,
                               err);
    s->exchanges++;
    return rc;
}

/* The own edge rows into send[] from the extended grid (no overlap). */
static int read_edges(slab_t *s, corun_err_t *err) {
    int rc = 0;
    if (s->halo[0]) rc = s->node->get_rows(s->inner, s->halo[0], s->d, s->send[0], s->wpr, err);
    if (!rc && s->halo[1])
        rc = s->node->get_rows(s->inner, s->halo[0] + s->rows - s->d, s->d, s->send[1], s->wpr,
                               err);
    return rc;
}

/* A whole exchange of the current generation's edge rows. */
static int exchange_now(slab_t *s, corun_err_t *err) {
    MPI_Request req[4];
    int rc = read_edges(s, err);
    if (!rc) rc = post(s, req, err);
    if (!rc) rc = finish(s, req, err);
    return rc;
}

/* Overlap: the own edge rows k generations ahead, into send[], from the
 * current generation's light cones in the edge grids. */
static int edges_ahead(slab_t *s, int64_t k, corun_err_t *err) {
    const int64_t first[2] = {0, s->halo[0] + s->rows - 2 * s->d};
    const int64_t out[2] = {s->halo[0], s->d}; /* sent rows, in edge-grid rows */
    for (int i = 0; i < 2; i++) {
        if (!s->halo[i]) continue;
        int rc = s->node->get_rows(s->inner, first[i], s->edge_h[i], s->ebuf, s->wpr, err);
        if (!rc) rc = s->node->put_rows(s->edge[i], 0, s->edge_h[i], s->ebuf, s->wpr, err);
        if (!rc) rc = s->node->step(s->edge[i], k, NULL, err);
        if (!rc) rc = s->node->get_rows(s->edge[i], out[i], s->d, s->send[i], s->wpr, err);
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
    rc = s->node->step(s->inner, k, pops, err);
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

static int slab_step(void *state, int64_t n, int64_t *pops, corun_err_t *err) {
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
        int rc = s->node->step(s->inner, n, local, err);
        if (rc) return rc;
    } else {
        for (int64_t done = 0; done < n;) {
            int64_t k = mini(n - done, s->d);
            int rc = block(s, k, local ? local + done : NULL, err);
            if (rc) return rc;
            done += k;
        }
    }
    /* The own rows' counts, summed over the ranks, in chunks an int counts. */
    for (int64_t done = 0; pops && done < n;) {
        int c = (int)mini(n - done, INT_MAX);
        int rc = corun_mpi_comm_check(MPI_Allreduce(local + done, pops + done, c, MPI_INT64_T,
                                                    MPI_SUM, g_comm),
                                      "populations: MPI_Allreduce", err);
        if (rc) return rc;
        done += c;
    }
    return 0;
}

static int slab_get_rows(void *state, int64_t y0, int64_t n, uint64_t *words, int64_t stride,
                         corun_err_t *err) {
    slab_t *s = state;
    int rc = corun_life_rows_check("slab", s->rows, y0, n, err);
    return rc ? rc : s->node->get_rows(s->inner, s->halo[0] + y0, n, words, stride, err);
}

/* The neighbours' halos hold copies of this rank's edge rows, so a change
 * is only complete once they have the new ones: every rank calls put_rows
 * (n = 0 where it changes nothing) and the halos are exchanged again. */
static int slab_put_rows(void *state, int64_t y0, int64_t n, const uint64_t *words,
                         int64_t stride, corun_err_t *err) {
    slab_t *s = state;
    int rc = corun_life_rows_check("slab", s->rows, y0, n, err);
    if (!rc && n) rc = s->node->put_rows(s->inner, s->halo[0] + y0, n, words, stride, err);
    if (!rc && exchanged(s)) rc = exchange_now(s, err);
    return rc;
}

/* Closes the node (first, so that the caller's grid gets the final
 * generation even if something else fails) and frees the rest. */
static int slab_free(slab_t *s, corun_err_t *err) {
    int rc = 0;
    if (!s) return 0;
    if (s->node) {
        rc = s->node->close(s->inner, err);
        for (int i = 0; i < 2; i++) {
            s->node->close(s->edge[i], NULL);
            corun_life_grid_close(&s->edge_grid[i]);
        }
    }
    for (int i = 0; i < 2; i++) {
        free(s->send[i]);
        free(s->recv[i]);
    }
    free(s->ebuf);
    free(s->pops);
    free(s);
    return rc;
}

static int slab_close(void *state, corun_err_t *err) { return slab_free(state, err); }

static void slab_info(void *state, corun_life_info_t *out) {
    slab_t *s = state;
    s->node->info(s->inner, out);
}

/* Everything local to this rank that can fail: sizes, buffers, the node
 * backend states. */
static int slab_setup(slab_t *s, corun_life_grid_t *ext, const corun_life_params_t *p,
                      corun_err_t *err) {
    const corun_life_slab_cfg_t *cfg = p->slab;
    corun_life_slab_layout_t L;
    s->rank = corun_mpi_rank();
    if (!cfg)
        return corun_err_set(err, CORUN_EINVAL, "slab backend: no decomposition (params.slab)");
    int rc = need_comm(err);
    if (rc) return rc;
    MPI_Comm_rank(g_comm, &s->rank);
    MPI_Comm_size(g_comm, &s->size);
    if (cfg->rank != s->rank || cfg->size != s->size)
        return corun_err_set(err, CORUN_EINVAL,
                             "slab: configured as rank %d of %d, but this is rank %d of %d",
                             cfg->rank, cfg->size, s->rank, s->size);
    if ((rc = corun_life_slab_layout(cfg, p->boundary, &L, err))) return rc;
    const char *fr = getenv("CORUN_TEST_LIFE_FAIL_RANK");
    s->fail = fr && *fr && atoi(fr) == s->rank;
    s->width = cfg->width;
    s->height = cfg->height;
    s->wpr = corun_life_words_per_row(cfg->width);
    s->row0 = L.row0;
    s->rows = L.rows;
    s->d = L.halo;
    s->halo[0] = (int)L.top;
    s->halo[1] = (int)L.bot;
    if (ext->width != s->width || ext->height != L.top + L.rows + L.bot)
        return corun_err_set(err, CORUN_EINVAL,
                             "slab: rank %d was given a %lldx%lld grid, not its extended "
                             "%lldx%lld (%lld halo rows, %lld own, %lld halo)",
                             s->rank, (long long)ext->width, (long long)ext->height,
                             (long long)s->width, (long long)(L.top + L.rows + L.bot),
                             (long long)L.top, (long long)L.rows, (long long)L.bot);
    const int torus = p->boundary == CORUN_LIFE_TORUS;
    s->nb[0] = s->rank > 0 ? s->rank - 1 : torus ? s->size - 1 : MPI_PROC_NULL;
    s->nb[1] = s->rank < s->size - 1 ? s->rank + 1 : torus ? 0 : MPI_PROC_NULL;
    const int64_t smallest = cfg->height / s->size;
    s->overlap = cfg->overlap && exchanged(s) && smallest >= 2 * (int64_t)s->d;
    for (int i = 0; i < 2; i++) {
        s->send[i] = calloc((size_t)(s->d * s->wpr), sizeof(uint64_t));
        s->recv[i] = calloc((size_t)(s->d * s->wpr), sizeof(uint64_t));
        if (!s->send[i] || !s->recv[i])
            return corun_err_set(err, CORUN_ENOMEM, "rank %d: out of memory", s->rank);
    }
    /* The node counts the own rows only; it knows nothing of slabs. */
    corun_life_params_t np = *p;
    np.slab = NULL;
    np.count_y0 = L.top;
    np.count_y1 = L.top + L.rows;
    s->node = cfg->node;
    if ((rc = s->node->open(&s->inner, ext, &np, err)) || !s->overlap) return rc;
    np.count_y0 = np.count_y1 = 0;
    s->edge_h[0] = s->halo[0] + 2 * s->d;
    s->edge_h[1] = 2 * s->d + s->halo[1];
    s->ebuf = malloc((size_t)(3 * s->d * s->wpr) * sizeof(uint64_t));
    if (!s->ebuf) return corun_err_set(err, CORUN_ENOMEM, "rank %d: out of memory", s->rank);
    for (int i = 0; i < 2 && !rc; i++) {
        if (!s->halo[i]) continue;
        rc = corun_life_grid_init(&s->edge_grid[i], s->width, s->edge_h[i], err);
        if (!rc) rc = s->node->open(&s->edge[i], &s->edge_grid[i], &np, err);
    }
    return rc;
}

static int slab_open(void **state, corun_life_grid_t *ext, const corun_life_params_t *p,
                     corun_err_t *err) {
    *state = NULL;
    slab_t *s = calloc(1, sizeof *s);
    int rc = s ? slab_setup(s, ext, p, err)
               : corun_err_set(err, CORUN_ENOMEM, "rank %d: out of memory", corun_mpi_rank());
    /* All ranks learn whether every one is ready before the first exchange,
     * which would otherwise wait forever for a rank that gave up. */
    int first, any = corun_life_mpi_agree_code(rc ? 1 : 0, &first);
    if (any && !rc)
        rc = corun_err_set(err, CORUN_ECANCELED, "rank %d could not set up its slab", first);
    if (!rc && exchanged(s)) { /* the first halos */
        rc = exchange_now(s, err);
        s->exchanges = 0;
        s->wait_seconds = 0;
    }
    if (rc) {
        slab_free(s, NULL);
        return rc;
    }
    *state = s;
    return 0;
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

/* Snapshots: the node's own snap ops where it has a device copy (a GPU
 * copies its extended grid off the device while stepping goes on; the frame
 * is its own rows, `off` words in), else a synchronous copy of the own rows
 * (omp's lent buffers hold the halo rows too, and a slab steps only a share
 * of the grid: the copy is small). */
typedef struct slab_snap {
    const corun_life_snap_ops_t *ops; /* NULL: words is a copy, ready */
    void *inner;
    int64_t off;
    uint64_t *words;
} slab_snap_t;

static int slab_snap_begin(void *state, void **out, corun_err_t *err) {
    slab_t *s = state;
    *out = NULL;
    slab_snap_t *n = calloc(1, sizeof *n);
    if (!n) return corun_err_set(err, CORUN_ENOMEM, "rank %d: snapshot: out of memory", s->rank);
    int rc;
    if (s->node->snap && s->node->snap->words) {
        n->ops = s->node->snap;
        n->off = s->halo[0] * s->wpr;
        rc = n->ops->begin(s->inner, &n->inner, err);
    } else {
        n->words = malloc((size_t)(s->rows * s->wpr) * sizeof(uint64_t));
        rc = n->words ? slab_get_rows(s, 0, s->rows, n->words, s->wpr, err)
                      : corun_err_set(err, CORUN_ENOMEM, "rank %d: snapshot: out of memory",
                                      s->rank);
    }
    if (rc) {
        free(n->words);
        free(n);
        return rc;
    }
    *out = n;
    return 0;
}

static int slab_snap_poll(void *snap, corun_err_t *err) {
    slab_snap_t *n = snap;
    return n->ops ? n->ops->poll(n->inner, err) : 1;
}

static const uint64_t *slab_snap_words(void *snap) {
    slab_snap_t *n = snap;
    return n->ops ? n->ops->words(n->inner) + n->off : n->words;
}

static void slab_snap_release(void *snap) {
    slab_snap_t *n = snap;
    if (!n) return;
    if (n->ops) n->ops->release(n->inner);
    free(n->words);
    free(n);
}

/* ---------------------------------------------------------------- gather */

/* Whether every rank can go on to the next collective of the gather: 0, or
 * this rank's failure (bad, message in local), or CORUN_ECANCELED for
 * another rank's. */
static int all_ready(int bad, const corun_err_t *local, corun_err_t *err) {
    int any = 0;
    int rc = corun_mpi_comm_check(MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MIN, g_comm),
                                  "gather: MPI_Allreduce", err);
    if (rc || !any) return rc;
    if (bad) return corun_err_set(err, bad, "%s", local->msg);
    return corun_err_set(err, CORUN_ECANCELED, "gathering the grid failed on another rank");
}

int corun_life_slab_gather(const corun_life_grid_t *own, int64_t row0, int64_t height,
                           corun_life_grid_t *full, corun_err_t *err) {
    memset(full, 0, sizeof *full);
    int rc = need_comm(err), rank = 0, size = 1, bad = 0;
    if (rc) return rc;
    MPI_Comm_rank(g_comm, &rank);
    MPI_Comm_size(g_comm, &size);
    int64_t mine[2] = {row0, own->height}, *all = NULL;
    int *counts = NULL, *displs = NULL;
    MPI_Datatype send_t = MPI_DATATYPE_NULL, row_t = MPI_DATATYPE_NULL,
                 recv_t = MPI_DATATYPE_NULL;
    corun_err_t local = {0};
    /* Rows travel as MPI types over the grids' strides: no packed copies,
     * but counts and strides in ints. */
    if (own->height > INT_MAX || own->stride > INT_MAX || height > INT_MAX)
        bad = corun_err_set(&local, CORUN_ERANGE,
                            "the %lldx%lld grid is too large to gather on one rank",
                            (long long)own->width, (long long)height);
    if (!bad && rank == 0) {
        all = malloc((size_t)size * 2 * sizeof *all);
        counts = malloc((size_t)size * sizeof *counts);
        displs = malloc((size_t)size * sizeof *displs);
        if (!all || !counts || !displs)
            bad = corun_err_set(&local, CORUN_ENOMEM, "rank 0: out of memory");
        else
            bad = corun_life_grid_init(full, own->width, height, &local);
    }
    rc = all_ready(bad, &local, err);
    if (!rc)
        rc = corun_mpi_comm_check(MPI_Gather(mine, 2, MPI_INT64_T, all, 2, MPI_INT64_T, 0,
                                             g_comm),
                                  "gather: MPI_Gather", err);
    if (rc) goto out;
    for (int r = 0; !bad && rank == 0 && r < size; r++) {
        if (all[2 * r] < 0 || all[2 * r + 1] < 0 || all[2 * r] + all[2 * r + 1] > height)
            bad = corun_err_set(&local, CORUN_EINVAL,
                                "gather: rank %d's rows %lld..%lld lie outside the grid's %lld",
                                r, (long long)all[2 * r],
                                (long long)(all[2 * r] + all[2 * r + 1] - 1), (long long)height);
        counts[r] = (int)all[2 * r + 1];
        displs[r] = (int)all[2 * r];
    }
    if (!bad) {
        int t = MPI_Type_vector((int)own->height, (int)own->wpr, (int)own->stride, MPI_UINT64_T,
                                &send_t);
        if (!t) t = MPI_Type_commit(&send_t);
        if (!t && rank == 0) { /* one row of the full grid; the next starts a stride on */
            t = MPI_Type_contiguous((int)full->wpr, MPI_UINT64_T, &row_t);
            if (!t)
                t = MPI_Type_create_resized(row_t, 0,
                                            (MPI_Aint)(full->stride * (int64_t)sizeof(uint64_t)),
                                            &recv_t);
            if (!t) t = MPI_Type_commit(&recv_t);
        }
        if (t) bad = corun_mpi_comm_check(t, "gather: MPI datatypes", &local);
    }
    rc = all_ready(bad, &local, err);
    if (!rc)
        rc = corun_mpi_comm_check(MPI_Gatherv(own->words, 1, send_t, full->words, counts, displs,
                                              recv_t, 0, g_comm),
                                  "gather: MPI_Gatherv", err);
out:
    if (send_t != MPI_DATATYPE_NULL) MPI_Type_free(&send_t);
    if (row_t != MPI_DATATYPE_NULL) MPI_Type_free(&row_t);
    if (recv_t != MPI_DATATYPE_NULL) MPI_Type_free(&recv_t);
    if (rc && full->words) corun_life_grid_close(full);
    free(all);
    free(counts);
    free(displs);
    return rc;
}

#else /* no MPI in this build: a team of one, and no slab is ever opened */

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

static int one_agree(void *ctx, int64_t *n, int *stop, corun_err_t *err) {
    (void)ctx, (void)n, (void)stop, (void)err;
    return 0;
}
static int one_sum(void *ctx, int64_t mine, int64_t *sum, corun_err_t *err) {
    (void)ctx, (void)err;
    *sum = mine;
    return 0;
}
static int one_max(void *ctx, double mine, double *max, corun_err_t *err) {
    (void)ctx, (void)err;
    *max = mine;
    return 0;
}
static int one_hash(void *ctx, corun_life_fnv_map_t mine, uint64_t *hash, corun_err_t *err) {
    (void)ctx, (void)err;
    *hash = corun_life_fnv_apply(mine, CORUN_FNV1A64_INIT);
    return 0;
}
int corun_life_mpi_team(corun_life_team_t *team, corun_err_t *err) {
    (void)err;
    memset(team, 0, sizeof *team);
    team->size = 1;
    team->agree = one_agree;
    team->sum = one_sum;
    team->max = one_max;
    team->hash = one_hash;
    return 0;
}

static int slab_none(corun_err_t *err) {
    return corun_err_set(err, CORUN_ENOTSUP, "this corun was built without MPI");
}
static int slab_open(void **state, corun_life_grid_t *ext, const corun_life_params_t *p,
                     corun_err_t *err) {
    (void)ext, (void)p;
    *state = NULL;
    return slab_none(err);
}
static int slab_step(void *state, int64_t n, int64_t *pops, corun_err_t *err) {
    (void)state, (void)n, (void)pops;
    return slab_none(err);
}
static int slab_get_rows(void *state, int64_t y0, int64_t n, uint64_t *words, int64_t stride,
                         corun_err_t *err) {
    (void)state, (void)y0, (void)n, (void)words, (void)stride;
    return slab_none(err);
}
static int slab_put_rows(void *state, int64_t y0, int64_t n, const uint64_t *words,
                         int64_t stride, corun_err_t *err) {
    (void)state, (void)y0, (void)n, (void)words, (void)stride;
    return slab_none(err);
}
static int slab_close(void *state, corun_err_t *err) {
    (void)state, (void)err;
    return 0;
}
static void slab_info(void *state, corun_life_info_t *out) {
    (void)state;
    memset(out, 0, sizeof *out);
    snprintf(out->mode, sizeof out->mode, "-");
    snprintf(out->simd, sizeof out->simd, "-");
}
static int slab_snap_begin(void *state, void **snap, corun_err_t *err) {
    (void)state;
    *snap = NULL;
    return slab_none(err);
}
static int slab_snap_poll(void *snap, corun_err_t *err) {
    (void)snap;
    return slab_none(err);
}
static const uint64_t *slab_snap_words(void *snap) {
    (void)snap;
    return NULL;
}
static void slab_snap_release(void *snap) { (void)snap; }
void corun_life_slab_info(void *state, corun_life_slab_info_t *info) {
    (void)state;
    memset(info, 0, sizeof *info);
    info->ranks = 1;
}
int corun_life_slab_gather(const corun_life_grid_t *own, int64_t row0, int64_t height,
                           corun_life_grid_t *full, corun_err_t *err) {
    (void)own, (void)row0, (void)height;
    memset(full, 0, sizeof *full);
    return slab_none(err);
}

#endif

static const corun_life_snap_ops_t slab_snap_ops = {
    .begin = slab_snap_begin,
    .poll = slab_snap_poll,
    .words = slab_snap_words,
    .release = slab_snap_release,
};

const corun_life_backend_t corun_life_backend_slab = {
    .name = "slab",
    .open = slab_open,
    .step = slab_step,
    .get_rows = slab_get_rows,
    .put_rows = slab_put_rows,
    .close = slab_close,
    .info = slab_info,
    .snap = &slab_snap_ops,
    .bytes_per_cell = 0.0,
};
