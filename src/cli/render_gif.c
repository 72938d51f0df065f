/* render_gif.c — animated grey-level GIF pictures with giflib
 * (render_cli.h).
 *
 * GIF89a, a global colour map of the 256 grey levels (index = level), a
 * NETSCAPE2.0 extension so that viewers loop the animation, and per frame a
 * graphics control block (its delay) and one full-size image written a row
 * at a time (EGifPutLine), so a frame is never held whole. */
#include <errno.h>
#include <gif_lib.h>
#include <stdlib.h>
#include <string.h>

#include "render_cli.h"

struct render_gif {
    GifFileType *gif;
    FILE *f;
    const char *name;
    render_geom_t g;
    int delay_cs;
    uint8_t *values, *pixels;
};

static int to_file(GifFileType *gif, const GifByteType *bytes, int n) {
    return (int)fwrite(bytes, 1, (size_t)n, gif->UserData);
}

static int gif_fail(render_gif_t *r, int code, const char *what, corun_err_t *err) {
    const char *why = GifErrorString(code);
    int io = ferror(r->f);
    return corun_err_set(err, CORUN_EIO, "%s: writing the GIF failed: %s: %s%s%s", r->name, what,
                         why ? why : "unknown giflib error", io ? ": " : "",
                         io ? strerror(errno) : "");
}

int render_gif_begin(FILE *f, const char *name, const render_geom_t *g, int delay_cs,
                     render_gif_t **out, corun_err_t *err) {
    *out = NULL;
    render_gif_t *r = calloc(1, sizeof *r);
    if (!r) return corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", name);
    r->f = f;
    r->name = name;
    r->g = *g;
    r->delay_cs = delay_cs;
    r->values = malloc((size_t)g->pw);
    r->pixels = malloc((size_t)g->img_w);
    int code = 0;
    if (!r->values || !r->pixels || !(r->gif = EGifOpen(f, to_file, &code))) {
        int rc = r->gif || code ? gif_fail(r, code, "opening", err)
                                : corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", name);
        render_gif_end(r, NULL);
        return rc;
    }
    GifColorType grey[256];
    for (int i = 0; i < 256; i++) grey[i] = (GifColorType){(GifByteType)i, (GifByteType)i, (GifByteType)i};
    ColorMapObject *map = GifMakeMapObject(256, grey);
    EGifSetGifVersion(r->gif, true);
    int ok = map && EGifPutScreenDesc(r->gif, (int)g->img_w, (int)g->img_h, 8, 0, map) == GIF_OK;
    GifFreeMapObject(map);
    /* Loop for ever: application extension NETSCAPE2.0, sub-block 1, count 0. */
    static const GifByteType loop[3] = {1, 0, 0};
    ok = ok && EGifPutExtensionLeader(r->gif, APPLICATION_EXT_FUNC_CODE) == GIF_OK &&
         EGifPutExtensionBlock(r->gif, 11, "NETSCAPE2.0") == GIF_OK &&
         EGifPutExtensionBlock(r->gif, 3, loop) == GIF_OK &&
         EGifPutExtensionTrailer(r->gif) == GIF_OK;
    if (!ok) {
        int rc = gif_fail(r, r->gif->Error, "writing the header", err);
        render_gif_end(r, NULL);
        return rc;
    }
    *out = r;
    return 0;
}

int render_gif_frame(render_gif_t *r, render_rows_fn rows, void *ctx, corun_err_t *err) {
    const render_geom_t *g = &r->g;
    /* graphics control: disposal "leave in place" (each frame covers the
     * whole picture anyway), the delay, no transparent colour */
    GifByteType gce[4] = {1 << 2, (GifByteType)(r->delay_cs & 0xff),
                          (GifByteType)((r->delay_cs >> 8) & 0xff), 0};
    if (EGifPutExtension(r->gif, GRAPHICS_EXT_FUNC_CODE, 4, gce) != GIF_OK ||
        EGifPutImageDesc(r->gif, 0, 0, (int)g->img_w, (int)g->img_h, false, NULL) != GIF_OK)
        return gif_fail(r, r->gif->Error, "writing a frame header", err);
    for (int64_t by = 0; by < g->ph; by++) {
        int rc = rows(ctx, by, r->values, err);
        if (rc) return rc;
        render_widen(g, r->values, r->pixels);
        for (int64_t i = 0; i < g->scale; i++)
            if (EGifPutLine(r->gif, r->pixels, (int)g->img_w) != GIF_OK)
                return gif_fail(r, r->gif->Error, "writing a frame", err);
    }
    return 0;
}

int render_gif_end(render_gif_t *r, corun_err_t *err) {
    if (!r) return 0;
    int rc = 0, code = 0;
    if (r->gif && EGifCloseFile(r->gif, &code) != GIF_OK && err)
        rc = gif_fail(r, code, "closing", err);
    free(r->values);
    free(r->pixels);
    free(r);
    return rc;
}
