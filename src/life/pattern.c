/* pattern.c — pattern files as a whole: loading (format by extension, else by
 * content), placing a pattern into a grid, and saving RLE atomically.
 *
 * The parsers themselves live in pattern_rle.c and pattern_cells.c and work
 * on in-memory text, so the tests can feed them strings; this file owns the
 * file-system side (reading, temporary file + rename).
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

int corun_life_rle_save(const char *path, const corun_life_grid_t *g, corun_life_rule_t rule,
                        corun_life_boundary_t b, corun_err_t *err) {
    /* Write next to the target and rename over it only when everything
     * succeeded: rename() within one directory is atomic, so a full disk or
     * a crash never leaves a half-written file in place of a good one. */
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp) return corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", path);
    snprintf(tmp, n + 16, "%s.tmpXXXXXX", path);
    int rc = 0;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = corun_err_set(err, CORUN_EIO, "%s: cannot create a temporary file %s: %s", path,
                           tmp, strerror(errno));
        free(tmp);
        return rc;
    }
    /* mkstemp creates 0600; give the file the usual 0666 & ~umask. */
    mode_t um = umask(0);
    umask(um);
    (void)fchmod(fd, 0666 & ~um);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        rc = corun_err_set(err, CORUN_EIO, "%s: %s", path, strerror(errno));
        close(fd);
        goto fail;
    }
    rc = corun_life_rle_write(f, g, rule, b, err);
    if (!rc && fflush(f) != 0)
        rc = corun_err_set(err, CORUN_EIO, "%s: write failed: %s", path, strerror(errno));
    if (fclose(f) != 0 && !rc)
        rc = corun_err_set(err, CORUN_EIO, "%s: write failed: %s", path, strerror(errno));
    if (rc) {
        if (err && !strstr(err->msg, path)) corun_err_prefix(err, "%s", path);
        goto fail;
    }
    if (rename(tmp, path) != 0) {
        rc = corun_err_set(err, CORUN_EIO, "%s: cannot rename %s over it: %s", path, tmp,
                           strerror(errno));
        goto fail;
    }
    free(tmp);
    return 0;
fail:
    unlink(tmp);
    free(tmp);
    return rc;
}
