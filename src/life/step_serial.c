/* step_serial.c — the serial backend: one byte per cell, the seed's algorithm.
 *
 * This is the oracle every other backend is checked against, so it is written
 * to be obviously correct rather than fast: count the eight neighbours with
 * the seed's get(y % height, x % width) (torus; for grids narrower or lower
 * than 3 a neighbour may be counted more than once, exactly as the seed does)
 * or as dead outside the grid, then apply the rule's truth table.
 */
#include <stdlib.h>
#include <string.h>

#include "corun/life.h"

typedef struct serial_state {
    corun_life_cells_t cur, next;
    corun_life_params_t p;
    int64_t cy0, cy1; /* step_counted counts rows cy0..cy1-1 */
} serial_state_t;

static int get_cell(const corun_life_cells_t *g, corun_life_boundary_t b, int64_t y, int64_t x) {
    if (b == CORUN_LIFE_TORUS) {
        /* Python's % is non-negative for a positive modulus; C's is not. */
        y = ((y % g->height) + g->height) % g->height;
        x = ((x % g->width) + g->width) % g->width;
    } else if (y < 0 || y >= g->height || x < 0 || x >= g->width) {
        return 0;
    }
    return g->cells[y * g->width + x];
}

static void step_once(serial_state_t *s) {
    const corun_life_cells_t *g = &s->cur;
    for (int64_t y = 0; y < g->height; y++) {
        for (int64_t x = 0; x < g->width; x++) {
            int n = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    if (dy || dx) n += get_cell(g, s->p.boundary, y + dy, x + dx);
            s->next.cells[y * g->width + x] =
                (uint8_t)corun_life_rule_apply(s->p.rule, g->cells[y * g->width + x], n);
        }
    }
    corun_life_cells_t t = s->cur;
    s->cur = s->next;
    s->next = t;
}

static int serial_init(void **state, const corun_life_cells_t *initial,
                       const corun_life_params_t *p, corun_err_t *err) {
    *state = NULL;
    serial_state_t *s = calloc(1, sizeof *s);
    if (!s) return corun_err_set(err, CORUN_ENOMEM, "serial backend: out of memory");
    int rc = corun_life_cells_init(&s->cur, initial->width, initial->height, err);
    if (!rc) rc = corun_life_cells_init(&s->next, initial->width, initial->height, err);
    if (rc) {
        corun_life_cells_close(&s->cur);
        free(s);
        return rc;
    }
    memcpy(s->cur.cells, initial->cells, (size_t)(initial->width * initial->height));
    s->p = *p;
    s->cy1 = initial->height;
    *state = s;
    return 0;
}

static int serial_step(void *state, int64_t generations, corun_err_t *err) {
    (void)err;
    for (int64_t i = 0; i < generations; i++) step_once(state);
    return 0;
}

static int serial_read(void *state, corun_life_cells_t *out, corun_err_t *err) {
    serial_state_t *s = state;
    if (out->width != s->cur.width || out->height != s->cur.height)
        return corun_err_set(err, CORUN_EINVAL, "serial backend: read into a grid of another size");
    memcpy(out->cells, s->cur.cells, (size_t)(s->cur.width * s->cur.height));
    return 0;
}

static void serial_fini(void *state) {
    serial_state_t *s = state;
    if (!s) return;
    corun_life_cells_close(&s->cur);
    corun_life_cells_close(&s->next);
    free(s);
}

static const char *serial_describe(void *state) {
    (void)state;
    return "bytes";
}

/* Live cells of the current generation in the counted rows. */
static int64_t count_rows(const serial_state_t *s) {
    corun_life_cells_t part = {s->cur.width, s->cy1 - s->cy0, s->cur.cells + s->cy0 * s->cur.width};
    return corun_life_cells_population(&part);
}

static int serial_step_counted(void *state, int64_t generations, int64_t *pops,
                               corun_err_t *err) {
    (void)err;
    serial_state_t *s = state;
    for (int64_t i = 0; i < generations; i++) {
        step_once(s);
        pops[i] = count_rows(s);
    }
    return 0;
}

static int rows_check(const serial_state_t *s, int64_t y0, int64_t n, corun_err_t *err) {
    return corun_life_rows_check("serial backend", s->cur.height, y0, n, err);
}

static int serial_read_rows(void *state, int64_t y0, int64_t n, uint64_t *words,
                            corun_err_t *err) {
    serial_state_t *s = state;
    int rc = rows_check(s, y0, n, err);
    if (rc) return rc;
    corun_life_cells_t part = {s->cur.width, n, s->cur.cells + y0 * s->cur.width};
    corun_life_pack(&part, words);
    return 0;
}

static int serial_count_rows(void *state, int64_t y0, int64_t y1, corun_err_t *err) {
    serial_state_t *s = state;
    int rc = rows_check(s, y0, y1 - y0, err);
    if (rc) return rc;
    s->cy0 = y0;
    s->cy1 = y1;
    return 0;
}

static int serial_write_rows(void *state, int64_t y0, int64_t n, const uint64_t *words,
                             corun_err_t *err) {
    serial_state_t *s = state;
    int rc = rows_check(s, y0, n, err);
    if (rc) return rc;
    corun_life_cells_t part = {s->cur.width, n, s->cur.cells + y0 * s->cur.width};
    corun_life_unpack(words, &part);
    return 0;
}

static int serial_read_packed(void *state, uint64_t *words, corun_err_t *err) {
    (void)err;
    corun_life_pack(&((serial_state_t *)state)->cur, words);
    return 0;
}

const corun_life_backend_t corun_life_backend_serial = {
    .name = "serial",
    .init = serial_init,
    .step = serial_step,
    .read = serial_read,
    .fini = serial_fini,
    .describe = serial_describe,
    .step_counted = serial_step_counted,
    .read_packed = serial_read_packed,
    .read_rows = serial_read_rows,
    .write_rows = serial_write_rows,
    .count_rows = serial_count_rows,
};
