/* render_disabled.c — the PNG and GIF writers in a corun built without
 * libpng or giflib.
 *
 * Compiled instead of render_png.c and render_gif.c (CMakeLists.txt): every
 * picture output (corun render to .png, .gif or a folder, corun life
 * --write-png) is refused with the reason found at configure time
 * (CORUN_RENDER_WHY); corun render's pattern export needs neither library
 * and works as in any build. */
#include "render_cli.h"

#ifndef CORUN_RENDER_WHY
#define CORUN_RENDER_WHY "libpng not found"
#endif

#define RENDER_OFF "corun was built without PNG and GIF output (" CORUN_RENDER_WHY " at configure time)"
#define RENDER_HOW "rebuild with libpng and giflib (Debian: libpng-dev libgif-dev)"

const char *render_libraries(void) { return "none: " RENDER_OFF; }

int render_available(corun_err_t *err) {
    return corun_err_set(err, CORUN_ENOTSUP, "%s; %s", RENDER_OFF, RENDER_HOW);
}

int render_png_write(FILE *f, const char *name, const render_geom_t *g, render_rows_fn rows,
                     void *ctx, corun_err_t *err) {
    (void)f, (void)name, (void)g, (void)rows, (void)ctx;
    return render_available(err);
}

int render_gif_begin(FILE *f, const char *name, const render_geom_t *g, int delay_cs,
                     render_gif_t **out, corun_err_t *err) {
    (void)f, (void)name, (void)g, (void)delay_cs;
    *out = NULL;
    return render_available(err);
}

int render_gif_frame(render_gif_t *gif, render_rows_fn rows, void *ctx, corun_err_t *err) {
    (void)gif, (void)rows, (void)ctx;
    return render_available(err);
}

int render_gif_end(render_gif_t *gif, corun_err_t *err) {
    (void)gif, (void)err;
    return 0;
}
