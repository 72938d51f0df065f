/* pattern.c — pattern files as a whole: loading (format by extension, else by
 * content), placing a pattern into a grid, and saving RLE or .cells by the
 * overwrite rule of every output (outdir.h).
 *
 * The parsers themselves live in pattern_rle.c and pattern_cells.c and work
 * on in-memory text, so the tests can feed them strings; this file owns the
 * file-system side (reading, writing aside + rename).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corun/core.h"
#include "corun/life.h"
#include "corun/outdir.h"

/* Pattern files are text to be placed into a grid: 1 GiB is a generous
 * bound that still stops a wrong path from filling the memory. */
#define PATTERN_MAX_BYTES ((size_t)1 << 30)

static int has_ext(const char *path, const char *ext) {
    size_t n = strlen(path), m = strlen(ext);
    return n > m && !strcasecmp(path + n - m, ext);
}

/* Without a known extension: RLE if the first line that is neither blank nor
 * a '#' comment starts with 'x' (its header); otherwise plaintext. */
static int looks_like_rle(const char *text, size_t len) {
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) e = end;
        const char *q = p;
        while (q < e && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
        if (q < e && *q != '#') return *q == 'x' || *q == 'X';
        p = e < end ? e + 1 : e;
    }
    return 0;
}

int corun_life_pattern_load(const char *path, corun_life_pattern_t *p, corun_err_t *err) {
    memset(p, 0, sizeof *p);
    char *text;
    size_t len;
    int rc = corun_file_read_all(path, "pattern file", PATTERN_MAX_BYTES, &text, &len, err);
    if (rc) return rc;
    int rle = has_ext(path, ".rle")     ? 1
              : has_ext(path, ".cells") ? 0
                                        : looks_like_rle(text, len);
    rc = rle ? corun_life_rle_parse(text, len, path, p, err)
             : corun_life_cells_parse(text, len, path, p, err);
    free(text);
    return rc;
}

void corun_life_pattern_close(corun_life_pattern_t *p) {
    corun_life_cells_close(&p->cells);
    memset(p, 0, sizeof *p);
}

/* a + b for the message, saturated: the offset may be absurd (INT64_MAX). */
static int64_t sat_add(int64_t a, int64_t b) { return a > INT64_MAX - b ? INT64_MAX : a + b; }

int corun_life_pattern_place(corun_life_grid_t *g, const corun_life_cells_t *pat, int64_t x,
                             int64_t y, int64_t row0, int64_t height, corun_err_t *err) {
    if (x < 0 || y < 0 || pat->width > g->width || pat->height > height ||
        x > g->width - pat->width || y > height - pat->height)
        return corun_err_set(err, CORUN_ERANGE,
                             "the %" PRId64 "x%" PRId64 " pattern placed at %" PRId64 ",%" PRId64
                             " does not fit in the %" PRId64 "x%" PRId64
                             " grid (it needs at least %" PRId64 "x%" PRId64 ")",
                             pat->width, pat->height, x, y, g->width, height,
                             sat_add(x, pat->width), sat_add(y, pat->height));
    for (int64_t r = 0; r < pat->height; r++) {
        int64_t gy = y + r - row0;
        if (gy < 0 || gy >= g->height) continue;
        const uint8_t *src = pat->cells + r * pat->width;
        for (int64_t c = 0; c < pat->width; c++)
            if (src[c]) corun_life_grid_set(g, x + c, gy, 1);
    }
    return 0;
}

/* Writes a pattern file by the overwrite rule of every output (outdir.h):
 * aside, then renamed into place, so a full disk or a crash never leaves a
 * half-written file in place of a good one. */
static int save(const char *path, int force, const corun_life_grid_t *g, corun_life_rule_t rule,
                corun_life_boundary_t b, int cells, const char *comment, corun_err_t *err) {
    corun_outfile_t o;
    int rc = corun_outfile_begin(&o, path, force, err);
    if (rc) return rc;
    rc = cells ? corun_life_cells_write(o.f, g, comment, err)
               : corun_life_rle_write(o.f, g, rule, b, err);
    if (rc) {
        if (err && !strstr(err->msg, path)) corun_err_prefix(err, "%s", path);
    } else {
        rc = corun_outfile_commit(&o, err);
    }
    corun_outfile_end(&o);
    return rc;
}

int corun_life_rle_save(const char *path, const corun_life_grid_t *g, corun_life_rule_t rule,
                        corun_life_boundary_t b, corun_err_t *err) {
    /* corun life checks --force before the run */
    return save(path, 1, g, rule, b, 0, NULL, err);
}

int corun_life_pattern_save(const char *path, int force, const corun_life_grid_t *g,
                            corun_life_rule_t rule, corun_life_boundary_t b, const char *comment,
                            corun_err_t *err) {
    return save(path, force, g, rule, b, has_ext(path, ".cells"), comment, err);
}
