/* render_cli.h — pictures of Life grids: `corun render` (cmd_render.c) and
 * `corun life --write-png` (cmd_life.c).
 *
 * A picture shows one value per block x block cells of the grid: the
 * block's live-cell density 0..255 (corun_life_preview_values, the same
 * values as a snapshot file's /previews), as a grey level (0 black: dead;
 * 255 white: alive), each value as scale x scale pixels. block 1 is full
 * resolution (black and white). Pictures are produced a row of values at a
 * time, so a frame of any size is never held whole.
 *
 * render_image.c: sizes and sources of values; render_png.c and
 * render_gif.c: the encoders (libpng, giflib); render_disabled.c stands in
 * for those two in a build without the libraries. */
#ifndef CORUN_RENDER_CLI_H
#define CORUN_RENDER_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "corun/h5io.h"

/* Picture size above which a picture is block-reduced by default: the
 * preview rule (either side more than 1024 cells). */
#define RENDER_AUTO_SIDE CORUN_LIFE_PREVIEW_MAX_SIDE
#define RENDER_BLOCK_MAX ((int64_t)1 << 26)

/* --scale: auto (both 0), S (magnify S x S pixels per cell) or 1/B. */
typedef struct render_scale {
    int64_t mag;   /* 0: auto */
    int64_t block; /* 0: auto */
} render_scale_t;

typedef struct render_geom {
    int64_t width, height; /* the grid */
    int64_t block, scale;  /* cells per value side; pixels per value side */
    int64_t pw, ph;        /* values per row; rows of values */
    int64_t img_w, img_h;  /* pixels */
} render_geom_t;

/* "auto", an integer S >= 1 or 1/B (B >= 1). */
int render_scale_parse(const char *s, render_scale_t *out, corun_err_t *err);
/* The picture of a width x height grid at that scale; max_side: the largest
 * picture side the format takes (an error suggests a smaller scale). */
int render_geom_make(int64_t width, int64_t height, const render_scale_t *s, int64_t max_side,
                     const char *format, render_geom_t *g, corun_err_t *err);

/* One row of pixels from a row of values: each value scale times. */
void render_widen(const render_geom_t *g, const uint8_t *values, uint8_t *pixels);

/* Fills the pw values of value row `by`, in order by = 0 .. ph-1. */
typedef int (*render_rows_fn)(void *ctx, int64_t by, uint8_t *values, corun_err_t *err);

/* A grid in memory as a source (corun life --write-png). */
typedef struct render_grid_src {
    const corun_life_grid_t *grid;
    const render_geom_t *geom;
    uint64_t *counts; /* pw */
} render_grid_src_t;
int render_grid_rows(void *ctx, int64_t by, uint8_t *values, corun_err_t *err);

/* Frame k of a snapshot file as a source: its preview when the file has one
 * of this block size, else block-reduced from its rows, read a piece at a
 * time. */
typedef struct render_frame_src {
    corun_h5_reader_t *reader;
    const corun_h5_frames_t *info;
    const render_geom_t *geom;
    int64_t k;
    uint8_t *preview;      /* ph * pw: the preview, when used */
    uint64_t *counts;      /* pw */
    uint64_t *words;       /* piece_rows rows of words per row */
    int64_t piece_rows;
} render_frame_src_t;
/* Sets up src for frame k (reads its preview when that is used). */
int render_frame_src_open(render_frame_src_t *src, corun_h5_reader_t *r,
                          const corun_h5_frames_t *info, const render_geom_t *g, int64_t k,
                          corun_err_t *err);
int render_frame_rows(void *ctx, int64_t by, uint8_t *values, corun_err_t *err);
void render_frame_src_close(render_frame_src_t *src);

/* Writes the grid as a PNG picture at the scale, by the overwrite rule of
 * outputs (outdir.h): corun life --write-png. */
int render_grid_png(const char *path, int force, const corun_life_grid_t *grid,
                    const render_scale_t *scale, corun_err_t *err);

/* ---- the encoders (render_png.c, render_gif.c; render_disabled.c) ---- */

/* The libraries, for corun info; or "none: <why>". */
const char *render_libraries(void);
/* 0 if this build writes PNG and GIF, else CORUN_ENOTSUP saying why. */
int render_available(corun_err_t *err);
#define RENDER_PNG_MAX_SIDE ((int64_t)0x7fffffff)
#define RENDER_GIF_MAX_SIDE ((int64_t)65535)
/* A grey-level PNG of the picture into f (name: for messages). */
int render_png_write(FILE *f, const char *name, const render_geom_t *g, render_rows_fn rows,
                     void *ctx, corun_err_t *err);
/* An animated GIF (looping, delay_cs hundredths of a second per frame). */
typedef struct render_gif render_gif_t;
int render_gif_begin(FILE *f, const char *name, const render_geom_t *g, int delay_cs,
                     render_gif_t **out, corun_err_t *err);
int render_gif_frame(render_gif_t *gif, render_rows_fn rows, void *ctx, corun_err_t *err);
/* Ends the file (the trailer) and frees gif; 0 or the first error. */
int render_gif_end(render_gif_t *gif, corun_err_t *err);

int cmd_render(int argc, char **argv);

#endif
