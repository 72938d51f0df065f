/* render_image.c — picture sizes (--scale) and where a picture's values come
 * from: a grid in memory, a file's preview, or a file's frame reduced a
 * piece of rows at a time (render_cli.h). */
#include <stdlib.h>
#include <string.h>

#include "corun/outdir.h"
#include "render_cli.h"

/* Rows of a frame read at once when it is block-reduced: about 8 MiB. */
#define RENDER_PIECE_BYTES ((int64_t)8 << 20)

int render_scale_parse(const char *s, render_scale_t *out, corun_err_t *err) {
    int64_t v;
    *out = (render_scale_t){0, 0};
    if (!strcmp(s, "auto")) return 0;
    if (!strncmp(s, "1/", 2)) {
        if (corun_parse_i64(s + 2, &v) || v < 1 || v > RENDER_BLOCK_MAX)
            return corun_err_set(err, CORUN_EINVAL,
                                 "scale: '%s' is not 1/B with a block size B in 1..%lld", s,
                                 (long long)RENDER_BLOCK_MAX);
        out->block = v;
        out->mag = 1;
        return 0;
    }
    if (corun_parse_i64(s, &v) || v < 1 || v > 1024)
        return corun_err_set(err, CORUN_EINVAL,
                             "scale: '%s' is not auto, an integer S in 1..1024 (S x S pixels "
                             "per cell) or 1/B (one pixel per B x B cells)",
                             s);
    out->mag = v;
    out->block = 1;
    return 0;
}

int render_geom_make(int64_t width, int64_t height, const render_scale_t *s, int64_t max_side,
                     const char *format, render_geom_t *g, corun_err_t *err) {
    memset(g, 0, sizeof *g);
    g->width = width;
    g->height = height;
    if (s->block) {
        g->block = s->block;
        g->scale = s->mag;
    } else { /* auto: every cell up to 1024 a side, else the preview's block */
        g->block = corun_life_preview_block(width, height, RENDER_AUTO_SIDE);
        g->scale = 1;
    }
    g->pw = (width + g->block - 1) / g->block;
    g->ph = (height + g->block - 1) / g->block;
    if ((double)g->pw * (double)g->scale > (double)max_side ||
        (double)g->ph * (double)g->scale > (double)max_side)
        return corun_err_set(err, CORUN_EINVAL,
                             "a %lldx%lld grid at --scale %s%lld is a %.0fx%.0f picture, more "
                             "than %s takes (%lld pixels a side): choose a smaller --scale, e.g. "
                             "1/%lld",
                             (long long)width, (long long)height, g->block > 1 ? "1/" : "",
                             (long long)(g->block > 1 ? g->block : g->scale),
                             (double)g->pw * (double)g->scale, (double)g->ph * (double)g->scale,
                             format, (long long)max_side,
                             (long long)corun_life_preview_block(width, height, max_side));
    g->img_w = g->pw * g->scale;
    g->img_h = g->ph * g->scale;
    return 0;
}

void render_widen(const render_geom_t *g, const uint8_t *values, uint8_t *pixels) {
    if (g->scale == 1) {
        memcpy(pixels, values, (size_t)g->pw);
        return;
    }
    for (int64_t i = 0; i < g->pw; i++) memset(pixels + i * g->scale, values[i], (size_t)g->scale);
}

/* The value rows of grid rows y0.., n rows of `stride` words at `rows`. */
static void values_of(const render_geom_t *g, const uint64_t *rows, int64_t stride, int64_t y0,
                      int64_t n, int64_t by, uint64_t *counts) {
    corun_life_preview_count(rows, stride, g->width, y0, n, g->block, by, counts);
}

int render_grid_rows(void *ctx, int64_t by, uint8_t *values, corun_err_t *err) {
    (void)err;
    render_grid_src_t *s = ctx;
    const render_geom_t *g = s->geom;
    int64_t y0 = by * g->block, n = y0 + g->block < g->height ? g->block : g->height - y0;
    memset(s->counts, 0, (size_t)g->pw * sizeof *s->counts);
    values_of(g, corun_life_grid_row(s->grid, y0), s->grid->stride, y0, n, by, s->counts);
    corun_life_preview_values(s->counts, g->width, g->height, g->block, by, values);
    return 0;
}

int render_frame_src_open(render_frame_src_t *src, corun_h5_reader_t *r,
                          const corun_h5_frames_t *info, const render_geom_t *g, int64_t k,
                          corun_err_t *err) {
    memset(src, 0, sizeof *src);
    src->reader = r;
    src->info = info;
    src->geom = g;
    src->k = k;
    if (info->preview_block == g->block && k < info->npreviews) {
        src->preview = malloc((size_t)(g->pw * g->ph));
        if (!src->preview) return corun_err_set(err, CORUN_ENOMEM, "out of memory");
        return corun_h5_reader_preview(r, k, src->preview, err);
    }
    const int64_t wpr = corun_life_words_per_row(g->width);
    src->piece_rows = RENDER_PIECE_BYTES / (wpr * 8);
    if (src->piece_rows < 1) src->piece_rows = 1;
    if (src->piece_rows > g->block) src->piece_rows = g->block;
    src->counts = calloc((size_t)g->pw, sizeof *src->counts);
    src->words = malloc((size_t)(src->piece_rows * wpr) * 8);
    if (!src->counts || !src->words) return corun_err_set(err, CORUN_ENOMEM, "out of memory");
    return 0;
}

int render_frame_rows(void *ctx, int64_t by, uint8_t *values, corun_err_t *err) {
    render_frame_src_t *s = ctx;
    const render_geom_t *g = s->geom;
    if (s->preview) {
        memcpy(values, s->preview + by * g->pw, (size_t)g->pw);
        return 0;
    }
    const int64_t wpr = corun_life_words_per_row(g->width);
    const int64_t y0 = by * g->block, y1 = y0 + g->block < g->height ? y0 + g->block : g->height;
    memset(s->counts, 0, (size_t)g->pw * sizeof *s->counts);
    for (int64_t y = y0; y < y1; y += s->piece_rows) {
        int64_t n = y1 - y < s->piece_rows ? y1 - y : s->piece_rows;
        int rc = corun_h5_reader_rows(s->reader, s->k, y, n, s->words, wpr, err);
        if (rc) return rc;
        values_of(g, s->words, wpr, y, n, by, s->counts);
    }
    corun_life_preview_values(s->counts, g->width, g->height, g->block, by, values);
    return 0;
}

void render_frame_src_close(render_frame_src_t *src) {
    free(src->preview);
    free(src->counts);
    free(src->words);
    memset(src, 0, sizeof *src);
}

int render_grid_png(const char *path, int force, const corun_life_grid_t *grid,
                    const render_scale_t *scale, corun_err_t *err) {
    render_geom_t g;
    int rc = render_available(err);
    if (!rc) rc = render_geom_make(grid->width, grid->height, scale, RENDER_PNG_MAX_SIDE, "PNG",
                                   &g, err);
    if (rc) return rc;
    render_grid_src_t src = {grid, &g, calloc((size_t)g.pw, sizeof(uint64_t))};
    if (!src.counts) return corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", path);
    corun_outfile_t o;
    rc = corun_outfile_begin(&o, path, force, err);
    if (!rc) rc = render_png_write(o.f, path, &g, render_grid_rows, &src, err);
    if (!rc) rc = corun_outfile_commit(&o, err);
    corun_outfile_end(&o);
    free(src.counts);
    return rc;
}
