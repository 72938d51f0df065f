/* pattern_cells.c — the plaintext .cells pattern reader (corun_life_cells_parse)
 * and writer (corun_life_cells_write).
 *
 * Format (LifeWiki "Plaintext"): lines starting with '!' are comments; every
 * other line is one row, '.' dead and 'O' alive. Only these two characters
 * are accepted (not '*' or 'o', which some tools also write): a stray
 * character more likely means a wrong file than a dialect, so it is an error
 * naming the line and column. A carriage return at the end of a line is
 * ignored. The pattern is (number of rows) x (longest row): shorter rows are
 * padded with dead cells, and trailing dead cells written in the file count
 * towards the width. Blank lines between rows are empty rows; blank lines
 * after the last row are not counted (editors add them freely).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "corun/life.h"

/* Visits the rows of the text: calls fn(ctx, row index, chars, length) for
 * each non-comment line up to the last non-blank one. Returns the number of
 * rows. */
typedef int (*row_fn)(void *ctx, int64_t row, int line, const char *s, size_t n);

static int64_t for_each_row(const char *text, size_t len, row_fn fn, void *ctx, int *rc) {
    const char *p = text, *end = text + len;
    int64_t rows = 0, pending_blank = 0;
    int line = 1;
    *rc = 0;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) e = end;
        size_t n = (size_t)(e - p);
        if (n && p[n - 1] == '\r') n--;
        if (n && p[0] == '!') {
            /* comment */
        } else if (n == 0) {
            pending_blank++;
        } else {
            /* Blank lines seen before this row are rows of dead cells. */
            for (; pending_blank > 0; pending_blank--) {
                if (fn && (*rc = fn(ctx, rows, line, "", 0))) return rows;
                rows++;
            }
            if (fn && (*rc = fn(ctx, rows, line, p, n))) return rows;
            rows++;
        }
        p = e < end ? e + 1 : e;
        line++;
    }
    return rows;
}

typedef struct scan_ctx {
    const char *name;
    size_t width;
    corun_life_cells_t *g; /* NULL in the first (measuring) pass */
    corun_err_t *err;
} scan_ctx_t;

static int scan_row(void *vctx, int64_t row, int line, const char *s, size_t n) {
    scan_ctx_t *c = vctx;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == 'O') {
            if (c->g) *corun_life_cell(c->g, (int64_t)i, row) = 1;
        } else if (s[i] != '.') {
            unsigned char ch = (unsigned char)s[i];
            if (ch >= 0x20 && ch < 0x7f)
                return corun_err_set(c->err, CORUN_EPARSE,
                                     "%s:%d:%zu: unexpected character '%c' in a .cells pattern "
                                     "(only '.' dead and 'O' alive; '!' starts a comment line)",
                                     c->name, line, i + 1, ch);
            return corun_err_set(c->err, CORUN_EPARSE,
                                 "%s:%d:%zu: unexpected byte 0x%02x in a .cells pattern (only "
                                 "'.' dead and 'O' alive)",
                                 c->name, line, i + 1, ch);
        }
    }
    if (n > c->width) c->width = n;
    return 0;
}

int corun_life_cells_parse(const char *text, size_t len, const char *name,
                           corun_life_pattern_t *p, corun_err_t *err) {
    memset(p, 0, sizeof *p);
    if (!name) name = "<cells>";
    scan_ctx_t c = {name, 0, NULL, err};
    int rc;
    /* Pass 1 validates and measures, so nothing is allocated for a bad file. */
    int64_t rows = for_each_row(text, len, scan_row, &c, &rc);
    if (rc) return rc;
    if (rows == 0 || c.width == 0)
        return corun_err_set(err, CORUN_EPARSE,
                             "%s: empty .cells pattern (no rows of '.' and 'O' after the '!' "
                             "comment lines)",
                             name);
    rc = corun_life_check_size((int64_t)c.width, rows, 1.0, err);
    if (!rc) rc = corun_life_cells_init(&p->cells, (int64_t)c.width, rows, err);
    if (rc) {
        corun_err_prefix(err, "%s", name);
        return rc;
    }
    c.g = &p->cells;
    for_each_row(text, len, scan_row, &c, &rc);
    if (rc) corun_life_pattern_close(p);
    return rc;
}

int corun_life_cells_write(FILE *f, const corun_life_grid_t *g, const char *comment,
                           corun_err_t *err) {
    /* Each line of the comment as its own '!' line. */
    for (const char *c = comment; c && *c;) {
        const char *e = strchr(c, '\n');
        size_t n = e ? (size_t)(e - c) : strlen(c);
        fprintf(f, "!%.*s\n", (int)n, c);
        c += n + (e != NULL);
    }
    /* Full rows, trailing dead cells included: the reader takes the
     * longest row as the width, and a last row of dead cells must count. */
    for (int64_t y = 0; y < g->height; y++) {
        for (int64_t x = 0; x < g->width; x++) putc(corun_life_grid_get(g, x, y) ? 'O' : '.', f);
        putc('\n', f);
    }
    if (ferror(f)) return corun_err_set(err, CORUN_EIO, "writing .cells: %s", strerror(errno));
    return 0;
}
