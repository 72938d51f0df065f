/* plan.c — the decisions a Life run makes before stepping, made once for
 * every caller (the CLI, the benchmarks, MPI ranks): where the initial cells
 * come from and how they are written into the packed grid, and whether the
 * run fits in memory. (Whether a team of MPI ranks fits the grid is the
 * slab layout's decision: corun_life_slab_layout.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "corun/life_run.h"

int corun_life_source_open(const char *spec, int64_t at_x, int64_t at_y,
                           corun_life_source_t *src, corun_err_t *err) {
    memset(src, 0, sizeof *src);
    src->at_x = at_x;
    src->at_y = at_y;
    if (strncmp(spec, "random:", 7)) {
        int rc = corun_life_pattern_load(spec, &src->pat, err);
        if (rc) corun_err_prefix(err, "init %s", spec);
        return rc;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec + 7);
    char *colon = strchr(buf, ':');
    if (!colon)
        return corun_err_set(err, CORUN_EINVAL,
                             "init '%s': expected random:DENSITY:SEED, e.g. random:0.5:1", spec);
    *colon = '\0';
    if (corun_parse_double(buf, &src->density) || src->density < 0 || src->density > 1)
        return corun_err_set(err, CORUN_EINVAL, "init '%s': density must be a number from 0 to 1",
                             spec);
    if (corun_parse_u64(colon + 1, &src->seed))
        return corun_err_set(err, CORUN_EINVAL,
                             "init '%s': seed must be a non-negative integer below 2^64", spec);
    if (at_x || at_y)
        return corun_err_set(err, CORUN_EINVAL, "--at applies to pattern files, not random");
    src->random = 1;
    return 0;
}

void corun_life_source_close(corun_life_source_t *src) {
    if (!src->random) corun_life_pattern_close(&src->pat);
    memset(src, 0, sizeof *src);
}

int corun_life_source_fill(const corun_life_source_t *src, corun_life_grid_t *g, int64_t row0,
                           int64_t height, int threads, int progress, corun_err_t *err) {
    if (!src->random)
        return corun_life_pattern_place(g, &src->pat.cells, src->at_x, src->at_y, row0, height,
                                        err);
    /* A big fill takes seconds: in bands, with a progress line like
     * stepping's. Each band is filled on all threads. */
    const int bands = progress && (double)g->width * (double)g->height > 1e9 ? 50 : 1;
    for (int b = 0; b < bands; b++) {
        int64_t y0 = g->height * b / bands, y1 = g->height * (b + 1) / bands;
        corun_life_grid_t part = corun_life_grid_rows(g, y0, y1 - y0);
        corun_life_grid_fill_random(&part, src->density, src->seed, row0 + y0, threads);
        if (bands > 1) fprintf(stderr, "\rlife: random fill %3d%%   ", 100 * (b + 1) / bands);
    }
    if (bands > 1) fputc('\n', stderr);
    return 0;
}

double corun_life_memory_need(const corun_life_backend_t *be, int64_t width, int64_t rows,
                              int frames) {
    double cells = (double)width * (double)rows;
    double grid = (double)corun_life_grid_stride(width) * 8.0 * (double)rows;
    double frame = (double)corun_life_words_per_row(width) * 8.0 * (double)rows;
    return grid + cells * be->bytes_per_cell + frames * frame;
}

int corun_life_memory_frames(const corun_life_backend_t *be, int64_t width, int64_t rows,
                             int frames) {
    const char *which;
    uint64_t avail = corun_mem_limit(&which);
    while (frames > 1 && avail && corun_life_memory_need(be, width, rows, frames) > (double)avail)
        frames--;
    return frames;
}

int corun_life_memory_check(const corun_life_backend_t *be, int64_t width, int64_t height,
                            int64_t rows, int frames, corun_err_t *err) {
    int rc = corun_life_check_size(width, height, 0.0, err);
    if (rc) return rc;
    const char *which = NULL;
    double need = corun_life_memory_need(be, width, rows, frames);
    uint64_t avail = corun_mem_limit(&which);
    if (avail && need > (double)avail) {
        double cells = (double)width * (double)rows;
        return corun_err_set(
            err, CORUN_ENOMEM,
            "grid %lldx%lld%s needs about %.2f GiB (%.3f bytes per cell: the packed grid, the %s "
            "backend's %.3f%s) but %s leaves %.2f GiB",
            (long long)width, (long long)height, rows != height ? " (this rank's slab)" : "",
            need / 1073741824.0, need / cells, be->name, be->bytes_per_cell,
            frames ? " and the snapshot buffers" : "", which, (double)avail / 1073741824.0);
    }
    return 0;
}
