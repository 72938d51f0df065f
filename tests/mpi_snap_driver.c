/* mpi_snap_driver.c — an MPI program that drives the snapshot pipeline the
 * way `corun life` does under `mpirun -np P`, with a fake backend instead of
 * a Life stepper, so parallel snapshots are tested on their own
 * (tests/test_mpi_snapshots.c launches it; tests/mpi_snap_check.py checks
 * the files it writes).
 *
 * The fake grid: cell (x, y) of generation g is alive iff
 *     (3x + 5y + 7g + (x*y) % 11) % 4 == 0
 * Each rank owns a slab of rows (the height split as evenly as possible,
 * the first height % P ranks one row more) and its get_rows gives only
 * those rows; the populations it submits are the whole grid's, identical on
 * every rank. Frames: generation 0, every EVERY-th and the last; populations
 * alone are also submitted every 7th generation, as life_run does between
 * frames.
 *
 *   mpi_snap_driver create FILE WxH GENS EVERY bits|bytes none|gzip|lz4 [swmr]
 *                   [interrupt-on-last] [fail=R:G] [bad-slab]
 *   mpi_snap_driver restart FILE GENS [interrupt-on-last]
 *
 * restart reads the file's metadata (corun_h5_read_meta), chooses this P's
 * slabs, checks that the restart rows each rank reads are the pattern at the
 * last frame's generation, and continues for GENS generations.
 * interrupt-on-last: the last rank alone closes with status "interrupted"
 * (the file must say so: statuses are agreed). fail=R:G: frames come
 * through the asynchronous snapshot hooks (as from a GPU), and rank R's copy
 * of generation G fails: every rank must fail with rank R's message, the
 * frames before G stay listed. bad-slab: the last rank's slab starts a row
 * early (an overlap and a hole): refused. Rank 0 prints
 * "ok gen=G io_seconds=... status=S" on success; exit 0, 1 (failure) or 2
 * (usage or a refused option, message on stderr).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/h5io.h"
#include "corun/life.h"
#include "corun/mpi.h"

typedef struct fake {
    int64_t width, row0, rows, gen;
} fake_t;

static int alive(int64_t x, int64_t y, int64_t g) {
    return (3 * x + 5 * y + 7 * g + (x * y) % 11) % 4 == 0;
}

/* Rows row0.. of generation g, row k at w + k*stride. */
static void pack_rows(int64_t width, int64_t row0, int64_t rows, int64_t g, uint64_t *w,
                      int64_t stride) {
    int64_t wpr = corun_life_words_per_row(width);
    for (int64_t y = 0; y < rows; y++) {
        memset(w + y * stride, 0, (size_t)wpr * 8);
        for (int64_t x = 0; x < width; x++)
            if (alive(x, row0 + y, g)) w[y * stride + x / 64] |= 1ull << (x % 64);
    }
}

static int fake_get_rows(void *state, int64_t y0, int64_t n, uint64_t *words, int64_t stride,
                         corun_err_t *err) {
    (void)err;
    fake_t *f = state;
    pack_rows(f->width, f->row0 + y0, n, f->gen, words, stride);
    return 0;
}

/* The asynchronous snapshot hooks (fail=R:G). */
static int fail_rank = -1, my_rank;
static int64_t fail_gen = -1;

typedef struct fake_snap {
    int fail;
    uint64_t words[];
} fake_snap_t;

static int fake_snap_begin(void *state, void **snap, corun_err_t *err) {
    fake_t *f = state;
    int64_t n = corun_life_words_per_row(f->width) * f->rows;
    fake_snap_t *h = malloc(sizeof *h + (size_t)n * 8);
    if (!h) return corun_err_set(err, CORUN_ENOMEM, "out of memory");
    h->fail = my_rank == fail_rank && f->gen == fail_gen;
    pack_rows(f->width, f->row0, f->rows, f->gen, h->words, corun_life_words_per_row(f->width));
    *snap = h;
    return 0;
}

static int fake_snap_poll(void *snap, corun_err_t *err) {
    fake_snap_t *h = snap;
    if (h->fail) return corun_err_set(err, CORUN_EIO, "injected copy failure");
    return 1;
}

static const uint64_t *fake_snap_words(void *snap) { return ((fake_snap_t *)snap)->words; }
static void fake_snap_release(void *snap) { free(snap); }

static int64_t population(int64_t w, int64_t h, int64_t g) {
    int64_t n = 0;
    for (int64_t y = 0; y < h; y++)
        for (int64_t x = 0; x < w; x++) n += alive(x, y, g);
    return n;
}

static void slab(int64_t h, int rank, int size, int64_t *row0, int64_t *rows) {
    int64_t base = h / size, extra = h % size;
    *rows = base + (rank < extra);
    *row0 = rank * base + (rank < extra ? rank : extra);
}

static int usage(void) {
    fprintf(stderr, "usage: mpi_snap_driver create FILE WxH GENS EVERY bits|bytes none|gzip|lz4 "
                    "[swmr] [interrupt-on-last]\n"
                    "       mpi_snap_driver restart FILE GENS [interrupt-on-last]\n");
    return 2;
}

static int fail(int rank, int code, const corun_err_t *e) {
    fprintf(stderr, "mpi_snap_driver: rank %d: %s\n", rank, e->msg);
    return code;
}

int main(int argc, char **argv) {
    corun_err_t err = {0};
    if (corun_mpi_init(&argc, &argv, &err)) {
        fprintf(stderr, "mpi_snap_driver: %s\n", err.msg);
        return 1;
    }
    int rank = corun_mpi_rank(), size = corun_mpi_size(), rc = 0;
    if (argc < 4) {
        rc = usage();
        goto out;
    }
    int restart = !strcmp(argv[1], "restart");
    int interrupt = !strcmp(argv[argc - 1], "interrupt-on-last");
    if (!restart && (strcmp(argv[1], "create") || argc < 8)) {
        rc = usage();
        goto out;
    }
    corun_snap_config_t sc;
    memset(&sc, 0, sizeof sc);
    sc.path = argv[2];
    sc.par.mpi = 1;
    int64_t gens, start = 0, last_gen = 0;
    corun_h5_meta_t *m = &sc.meta;
    if (restart) {
        gens = atoll(argv[3]);
        if (corun_h5_read_meta(sc.path, m, &last_gen, &err)) {
            rc = fail(rank, 2, &err);
            goto out;
        }
        sc.restart = 1;
    } else {
        long long w = 0, h = 0;
        if (sscanf(argv[3], "%lldx%lld", &w, &h) != 2) {
            rc = usage();
            goto out;
        }
        gens = atoll(argv[4]);
        m->width = w;
        m->height = h;
        corun_life_rule_parse("B3/S23", &m->rule, NULL);
        m->boundary = CORUN_LIFE_TORUS;
        m->snapshot_every = atoll(argv[5]);
        m->format = strcmp(argv[6], "bytes") ? CORUN_H5_BITS : CORUN_H5_BYTES;
        if (corun_h5_codec_parse(argv[7], &m->codec, &m->level, &err) ||
            !corun_h5_codec_available(m->codec, &err)) {
            rc = fail(rank, 2, &err);
            goto out;
        }
        for (int i = 8; i < argc; i++) {
            m->swmr |= !strcmp(argv[i], "swmr");
            long long g;
            if (sscanf(argv[i], "fail=%d:%lld", &fail_rank, &g) == 2) fail_gen = g;
        }
        snprintf(m->backend, sizeof m->backend, "fake");
        m->threads = 1;
        snprintf(m->host, sizeof m->host, "rank%d", rank); /* the file must say rank 0's */
        m->config_text = "[life]\nsize = fake\n";
        m->command_line = "mpi_snap_driver";
        sc.force = 1;
    }
    fake_t fk = {m->width, 0, 0, 0};
    slab(m->height, rank, size, &fk.row0, &fk.rows);
    for (int i = 3; i < argc; i++)
        if (!strcmp(argv[i], "bad-slab") && rank == size - 1 && size > 1) fk.row0--;
    sc.par.row0 = fk.row0;
    sc.par.rows = fk.rows;
    corun_snap_t *snap = NULL;
    if (corun_snap_open(&sc, &snap, &start, &err)) {
        rc = fail(rank, err.code == CORUN_EINVAL ? 2 : 1, &err);
        goto out;
    }
    if (restart) {
        /* The rows this rank reads must be the pattern at the last frame. */
        corun_life_grid_t got = {0}, want = {0};
        int bad = corun_life_grid_init(&got, m->width, fk.rows, &err) ||
                  corun_life_grid_init(&want, m->width, fk.rows, &err) || start != last_gen ||
                  corun_snap_restart_frame(snap, &got, &err);
        if (!bad) {
            pack_rows(m->width, fk.row0, fk.rows, start, want.words, want.stride);
            bad = memcmp(got.words, want.words, (size_t)(want.stride * fk.rows) * 8) != 0;
        }
        corun_life_grid_close(&got);
        corun_life_grid_close(&want);
        if (bad) fprintf(stderr, "mpi_snap_driver: rank %d: restart rows %lld..%lld of generation "
                                 "%lld differ from the pattern\n",
                         rank, (long long)fk.row0, (long long)(fk.row0 + fk.rows - 1),
                         (long long)start);
        int anybad = bad;
        if (corun_mpi_active()) MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (anybad) rc = 1;
    }
    my_rank = rank;
    static const corun_life_snap_ops_t fake_ops = {.begin = fake_snap_begin,
                                                   .poll = fake_snap_poll,
                                                   .words = fake_snap_words,
                                                   .release = fake_snap_release};
    static const corun_life_backend_t sync_be = {.name = "fake", .get_rows = fake_get_rows};
    static const corun_life_backend_t async_be = {.name = "fake-async", .snap = &fake_ops};
    const corun_life_backend_t *bep = fail_rank >= 0 ? &async_be : &sync_be;

    int64_t end = start + gens, every = m->snapshot_every, first = start + 1;
    int64_t *pops = malloc((size_t)(gens + 2) * sizeof *pops), np = 0;
    fk.gen = start;
    if (!restart) {
        pops[0] = population(m->width, m->height, 0);
        if (!rc && corun_snap_submit(snap, 0, bep, &fk, 0, pops, 1, &err)) rc = fail(rank, 1, &err);
    }
    for (int64_t g = start + 1; g <= end && !rc; g++) {
        fk.gen = g;
        pops[np++] = population(m->width, m->height, g);
        int frame = (every > 0 && g % every == 0) || g == end;
        if (frame || g % 7 == 0) {
            if (corun_snap_submit(snap, g, frame ? bep : NULL, &fk, first, pops, np, &err))
                rc = fail(rank, 1, &err);
            first = g + 1;
            np = 0;
        }
    }
    free(pops);
    corun_h5_stats_t st = {0};
    st.final_generation = end;
    st.status = rc ? "failed" : interrupt && rank == size - 1 ? "interrupted" : "complete";
    corun_err_t cerr = {0};
    if (corun_snap_close(snap, &st, &cerr) && !rc) rc = fail(rank, 1, &cerr);
    if (!rc && rank == 0)
        printf("ok gen=%lld ranks=%d io_seconds=%.6f stall_seconds=%.6f status=%s\n",
               (long long)end, size, st.io_seconds, st.stall_seconds, st.status);
out:
    corun_mpi_finalize();
    return rc;
}
