/* render_png.c — grey-level PNG pictures with libpng (render_cli.h).
 *
 * 8-bit grey, one picture row at a time (png_write_row), so the picture is
 * never held whole. libpng reports errors by longjmp to the setjmp of the
 * call: everything the jump can skip is allocated before it and freed
 * after. */
#include <errno.h>
#include <gif_lib.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "render_cli.h"

const char *render_libraries(void) {
    static char buf[96];
    snprintf(buf, sizeof buf, "libpng %s, giflib %d.%d.%d", png_get_libpng_ver(NULL),
             GIFLIB_MAJOR, GIFLIB_MINOR, GIFLIB_RELEASE);
    return buf;
}

int render_available(corun_err_t *err) {
    (void)err;
    return 0;
}

typedef struct png_job {
    jmp_buf jump;
    char msg[160];
} png_job_t;

static void on_error(png_structp png, png_const_charp msg) {
    png_job_t *job = png_get_error_ptr(png);
    snprintf(job->msg, sizeof job->msg, "%s", msg);
    longjmp(job->jump, 1);
}

static void on_warning(png_structp png, png_const_charp msg) { (void)png, (void)msg; }

/* The rows, after setjmp: a libpng error jumps back to the caller. */
static int write_rows(png_structp png, png_infop info, FILE *f, const render_geom_t *g,
                      render_rows_fn rows, void *ctx, uint8_t *values, uint8_t *pixels,
                      corun_err_t *err) {
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)g->img_w, (png_uint_32)g->img_h, 8, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int64_t by = 0; by < g->ph; by++) {
        int rc = rows(ctx, by, values, err);
        if (rc) return rc;
        render_widen(g, values, pixels);
        for (int64_t i = 0; i < g->scale; i++) png_write_row(png, pixels);
    }
    png_write_end(png, NULL);
    return 0;
}

int render_png_write(FILE *f, const char *name, const render_geom_t *g, render_rows_fn rows,
                     void *ctx, corun_err_t *err) {
    png_job_t job = {.msg = ""};
    uint8_t *values = malloc((size_t)g->pw), *pixels = malloc((size_t)g->img_w);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &job, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    int rc = 0;
    if (!values || !pixels || !png || !info) {
        rc = corun_err_set(err, CORUN_ENOMEM, "%s: out of memory for the picture", name);
    } else if (setjmp(job.jump)) {
        rc = corun_err_set(err, CORUN_EIO, "%s: writing the PNG failed: %s%s%s", name, job.msg,
                           ferror(f) ? ": " : "", ferror(f) ? strerror(errno) : "");
    } else {
        rc = write_rows(png, info, f, g, rows, ctx, values, pixels, err);
    }
    png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
    free(values);
    free(pixels);
    return rc;
}
