/* step_serial.c — the serial backend: one byte per cell, the seed's algorithm.
 *
 * This is the oracle every other backend is checked against, so it is written
 * to be obviously correct rather than fast: count the eight neighbours with
 * the seed's get(y % height, x % width) (torus; for grids narrower or lower
 * than 3 a neighbour may be counted more than once, exactly as the seed does)
 * or as dead outside the grid, then apply the rule's truth table
 * (corun_life_rule_next: the count for B/S rules, the whole neighbourhood
 * for isotropic ones).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/life.h"

typedef struct serial_state {
    corun_life_grid_t *g; /* the grid given to open(): the result goes back there */
    corun_life_cells_t cur, next;
    corun_life_params_t p;
    int64_t cy0, cy1; /* step() counts rows cy0..cy1-1 */
    int64_t *cols;    /* 3 * width: step_once's neighbour columns */
} serial_state_t;

/* One coordinate of a neighbour, v = y + dy or x + dx on a side of n
 * cells: on the torus the seed's v % n (Python's %, non-negative for a
 * positive modulus; C's is not), else v itself, or -1 outside the grid (a
 * dead cell). */
static int64_t coord(corun_life_boundary_t b, int64_t v, int64_t n) {
    if (b == CORUN_LIFE_TORUS) return ((v % n) + n) % n;
    return v < 0 || v >= n ? -1 : v;
}

static void step_once(serial_state_t *s) {
    const corun_life_cells_t *g = &s->cur;
    const corun_life_boundary_t b = s->p.boundary;
    /* The three neighbour columns of every x, worked out once per
     * generation rather than for each of the nine cells of every
     * neighbourhood (the divisions were most of the oracle's time). */
    int64_t *cols = s->cols;
    for (int64_t x = 0; x < g->width; x++)
        for (int dx = -1; dx <= 1; dx++) cols[3 * x + dx + 1] = coord(b, x + dx, g->width);
    for (int64_t y = 0; y < g->height; y++) {
        int64_t rows[3];
        for (int dy = -1; dy <= 1; dy++) rows[dy + 1] = coord(b, y + dy, g->height);
        for (int64_t x = 0; x < g->width; x++) {
            /* the 3x3 neighbourhood as the rule's 9-bit index (life.h) */
            unsigned k = 0;
            for (int dy = 0; dy < 3; dy++)
                for (int dx = 0; dx < 3; dx++) {
                    const int64_t r = rows[dy], c = cols[3 * x + dx];
                    if (r >= 0 && c >= 0 && g->cells[r * g->width + c]) k |= 1u << (3 * dy + dx);
                }
            s->next.cells[y * g->width + x] = (uint8_t)corun_life_rule_next(&s->p.rule, k);
        }
    }
    corun_life_cells_t t = s->cur;
    s->cur = s->next;
    s->next = t;
}

static int serial_close(void *state, corun_err_t *err) {
    (void)err;
    serial_state_t *s = state;
    if (!s) return 0;
    if (s->cur.cells) corun_life_cells_pack(&s->cur, s->g);
    corun_life_cells_close(&s->cur);
    corun_life_cells_close(&s->next);
    free(s->cols);
    free(s);
    return 0;
}

static int serial_open(void **state, corun_life_grid_t *g, const corun_life_params_t *p,
                       corun_err_t *err) {
    *state = NULL;
    serial_state_t *s = calloc(1, sizeof *s);
    if (!s) return corun_err_set(err, CORUN_ENOMEM, "serial backend: out of memory");
    int rc = corun_life_cells_init(&s->cur, g->width, g->height, err);
    if (!rc) rc = corun_life_cells_init(&s->next, g->width, g->height, err);
    if (!rc && !(s->cols = malloc((size_t)g->width * 3 * sizeof *s->cols)))
        rc = corun_err_set(err, CORUN_ENOMEM, "serial backend: out of memory");
    if (!rc && (p->count_y0 < 0 || p->count_y1 > g->height || p->count_y0 > p->count_y1))
        rc = corun_err_set(err, CORUN_EINVAL, "serial backend: counted rows %lld..%lld outside 0..%lld",
                           (long long)p->count_y0, (long long)p->count_y1 - 1,
                           (long long)g->height - 1);
    if (rc) {
        corun_life_cells_close(&s->cur);
        corun_life_cells_close(&s->next);
        free(s->cols);
        free(s);
        return rc;
    }
    corun_life_cells_unpack(g, &s->cur);
    s->g = g;
    s->p = *p;
    s->cy0 = p->count_y0;
    s->cy1 = p->count_y1 ? p->count_y1 : g->height;
    *state = s;
    return 0;
}

/* Live cells of the current generation in the counted rows. */
static int64_t count_rows(const serial_state_t *s) {
    corun_life_cells_t part = {s->cur.width, s->cy1 - s->cy0, s->cur.cells + s->cy0 * s->cur.width};
    return corun_life_cells_population(&part);
}

static int serial_step(void *state, int64_t generations, int64_t *pops, corun_err_t *err) {
    (void)err;
    serial_state_t *s = state;
    for (int64_t i = 0; i < generations; i++) {
        step_once(s);
        if (pops) pops[i] = count_rows(s);
    }
    return 0;
}

static void serial_info(void *state, corun_life_info_t *out) {
    (void)state;
    snprintf(out->mode, sizeof out->mode, "bytes");
    snprintf(out->simd, sizeof out->simd, "-");
    out->threads = 1;
}

/* Rows y0..y0+n-1 as a packed grid at words, `stride` words apart. */
static int rows_view(const serial_state_t *s, int64_t y0, int64_t n, uint64_t *words,
                     int64_t stride, corun_life_cells_t *part, corun_life_grid_t *packed,
                     corun_err_t *err) {
    int rc = corun_life_rows_check("serial backend", s->cur.height, y0, n, err);
    if (rc) return rc;
    *part = (corun_life_cells_t){s->cur.width, n, s->cur.cells + y0 * s->cur.width};
    *packed = (corun_life_grid_t){s->cur.width, n, corun_life_words_per_row(s->cur.width), stride,
                                  words, 0};
    return 0;
}

static int serial_get_rows(void *state, int64_t y0, int64_t n, uint64_t *words, int64_t stride,
                           corun_err_t *err) {
    corun_life_cells_t part;
    corun_life_grid_t packed;
    int rc = rows_view(state, y0, n, words, stride, &part, &packed, err);
    if (!rc) corun_life_cells_pack(&part, &packed);
    return rc;
}

static int serial_put_rows(void *state, int64_t y0, int64_t n, const uint64_t *words,
                           int64_t stride, corun_err_t *err) {
    corun_life_cells_t part;
    corun_life_grid_t packed;
    int rc = rows_view(state, y0, n, (uint64_t *)words, stride, &part, &packed, err);
    if (!rc) corun_life_cells_unpack(&packed, &part);
    return rc;
}

const corun_life_backend_t corun_life_backend_serial = {
    .name = "serial",
    .open = serial_open,
    .step = serial_step,
    .get_rows = serial_get_rows,
    .put_rows = serial_put_rows,
    .close = serial_close,
    .info = serial_info,
    .snap = NULL,
    .bytes_per_cell = 2.0, /* two byte grids */
};
