/* cmd_render.c — `corun render FILE.h5`: pictures (PNG, animated GIF) and
 * patterns (RLE, .cells) of the frames of a snapshot file, read-only.
 *
 * The file may be one a running corun is still writing: only the frames its
 * /generation lists when it is opened are seen (docs/FORMAT.md). Frames are
 * named by their generation. Pictures come from the file's previews where
 * their block size is the one asked for, else from the frame, block-reduced
 * a piece of rows at a time (render_image.c); patterns need the whole frame
 * as a packed grid (an eighth of a byte per cell). Every output follows the
 * overwrite rule of outputs (outdir.h): an existing one only with --force,
 * replaced whole. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "corun/outdir.h"
#include "render_cli.h"

static const char render_usage[] =
    "usage: corun render FILE.h5 -o OUTPUT [options]\n"
    "\n"
    "Pictures and patterns of the frames of a snapshot file (corun life --out),\n"
    "which is only read (also while a run is still writing it):\n"
    "  -o FILE.png            one frame as a PNG picture (grey levels)\n"
    "  -o FILE.gif            the frames as an animated GIF (looping)\n"
    "  -o DIR                 one PNG per frame in folder DIR, named\n"
    "                         frame-GGGGGGGG.png by generation (so they sort)\n"
    "  -o FILE.rle            one frame as a Golly RLE pattern (rule, :T/:P size)\n"
    "  -o FILE.cells          one frame as a plaintext .cells pattern\n"
    "\n"
    "options (each also an INI key under [render]):\n"
    "  --config FILE.ini      read options from an INI file\n"
    "  -o, --out OUTPUT       what to write (above)\n"
    "  --frames SEL           which frames, by generation: all, last, a list\n"
    "                         N,M,... and ranges A-B (e.g. 0,100-200,last)\n"
    "                         (default: last for .png/.rle/.cells, all for .gif/DIR)\n"
    "  --scale S              picture size: auto (default: every cell when both\n"
    "                         sides are at most 1024 cells, else one pixel per\n"
    "                         B x B block, B the smallest with both sides <= 1024),\n"
    "                         an integer S (S x S pixels per cell) or 1/B (one\n"
    "                         pixel per B x B block of cells)\n"
    "  --delay MS             .gif: milliseconds per frame (default 100)\n"
    "  --force                replace an existing output\n"
    "  --summary-json FILE    also write the summary as a JSON object (-: stdout)\n"
    "  --no-summary           no summary line\n"
    "  -h, --help             show this help\n"
    "\n"
    "A pixel is the live-cell density of its block as a grey level: white\n"
    "alive, black dead (at full resolution black and white), the values of the\n"
    "file's previews (docs/FORMAT.md).\n"
    "Exit codes: 0 success, 1 run-time failure, 2 bad usage or input.\n";

typedef struct render_opts {
    char out[CLI_PATH_MAX];
    char frames[4096];
    int has_frames;
    render_scale_t scale;
    char scale_text[32];
    int64_t delay_ms;
    int force;
    cli_summary_opts_t summary;
} render_opts_t;

static int render_set(void *ctx, const char *key, const char *v, corun_err_t *err) {
    render_opts_t *o = ctx;
    int rc = cli_summary_opt(&o->summary, key, v, err);
    if (rc <= 0) return rc;
    if (!strcmp(key, "out")) return cli_copy_str(o->out, sizeof o->out, key, v, err);
    if (!strcmp(key, "frames")) {
        o->has_frames = 1;
        return cli_copy_str(o->frames, sizeof o->frames, key, v, err);
    }
    if (!strcmp(key, "scale")) {
        if ((rc = render_scale_parse(v, &o->scale, err))) return rc;
        return cli_copy_str(o->scale_text, sizeof o->scale_text, key, v, err);
    }
    if (!strcmp(key, "delay")) {
        if (corun_parse_i64(v, &o->delay_ms) || o->delay_ms < 0 || o->delay_ms > 655350)
            return corun_err_set(err, CORUN_EINVAL,
                                 "delay: '%s' is not a number of milliseconds in 0..655350", v);
        return 0;
    }
    if (!strcmp(key, "force")) return cli_parse_bool(key, v, &o->force, err);
    return corun_err_set(err, CORUN_EINVAL,
                         "unknown option '%s' (known: out, frames, scale, delay, force)", key);
}

static const cli_key_t render_keys[] = {
    {"out", 1, 'o'}, {"frames", 1, 0}, {"scale", 1, 0}, {"delay", 1, 0}, {"force", 0, 0},
    CLI_SUMMARY_KEYS, {NULL, 0, 0},
};

/* ------------------------------------------------------------ outputs */

typedef enum { OUT_DIR, OUT_PNG, OUT_GIF, OUT_RLE, OUT_CELLS } out_kind_t;
static const char *const kind_name[] = {"folder", "png", "gif", "rle", "cells"};

static int ends_with(const char *s, const char *ext) {
    size_t n = strlen(s), m = strlen(ext);
    return n > m && !strcasecmp(s + n - m, ext);
}

/* What -o names: by its extension; a name without one (or an existing
 * folder, or one ending in '/') is a folder. */
static int out_kind(const char *out, out_kind_t *k, corun_err_t *err) {
    static const struct {
        const char *ext;
        out_kind_t kind;
    } known[] = {{".png", OUT_PNG}, {".gif", OUT_GIF}, {".rle", OUT_RLE}, {".cells", OUT_CELLS}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (ends_with(out, known[i].ext)) {
            *k = known[i].kind;
            return 0;
        }
    *k = OUT_DIR;
    size_t n = strlen(out);
    const char *base = strrchr(out, '/');
    base = base ? base + 1 : out;
    const char *dot = strrchr(base, '.');
    if (n && out[n - 1] != '/' && dot && dot != base && access(out, F_OK) != 0)
        return corun_err_set(err, CORUN_EINVAL,
                             "-o %s: unknown output type '%s' (known: .png, .gif, .rle, .cells, "
                             "or a folder for one .png per frame)",
                             out, dot);
    return 0;
}

/* frame-GGGGGGGG.png: what a folder of pictures holds (--force replaces
 * only such a folder). */
static int is_frame_png(const char *name) {
    return !strncmp(name, "frame-", 6) && ends_with(name, ".png");
}

/* ------------------------------------------------------------ frames */

/* "generations 0, 10, 20, ..., 200" for messages. */
static void list_generations(const corun_h5_frames_t *fi, char *buf, size_t cap) {
    size_t at = 0;
    const int64_t n = fi->nframes;
    at += (size_t)snprintf(buf, cap, "%s ", n == 1 ? "generation" : "generations");
    for (int64_t k = 0; k < n && at < cap; k++) {
        if (n > 12 && k == 6) {
            at += (size_t)snprintf(buf + at, cap - at, "..., ");
            k = n - 4;
            continue;
        }
        at += (size_t)snprintf(buf + at, cap - at, "%lld%s", (long long)fi->generation[k],
                               k + 1 < n ? ", " : "");
    }
}

/* The frame of generation g, or -1. */
static int64_t frame_of(const corun_h5_frames_t *fi, int64_t g) {
    int64_t lo = 0, hi = fi->nframes - 1;
    while (lo <= hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (fi->generation[mid] == g) return mid;
        if (fi->generation[mid] < g) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

/* --frames into a mask over the file's frames. */
static int select_frames(const char *file, const char *sel, const corun_h5_frames_t *fi,
                         uint8_t *mask, corun_err_t *err) {
    char list[256];
    list_generations(fi, list, sizeof list);
    char *copy = strdup(sel), *save = NULL;
    if (!copy) return corun_err_set(err, CORUN_ENOMEM, "out of memory");
    int rc = 0;
    for (char *item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
        int64_t a, b;
        char *dash = strchr(item, '-');
        if (!strcmp(item, "all")) {
            memset(mask, 1, (size_t)fi->nframes);
        } else if (!strcmp(item, "last")) {
            mask[fi->nframes - 1] = 1;
        } else if (dash && dash != item) {
            *dash = '\0';
            if (corun_parse_i64(item, &a) || corun_parse_i64(dash + 1, &b) || a < 0 || b < a) {
                *dash = '-';
                rc = corun_err_set(err, CORUN_EINVAL,
                                   "--frames: '%s' is not a range A-B of generations (0 <= A <= B)",
                                   item);
                break;
            }
            int64_t hits = 0;
            for (int64_t k = 0; k < fi->nframes; k++)
                if (fi->generation[k] >= a && fi->generation[k] <= b) mask[k] = 1, hits++;
            if (!hits)
                rc = corun_err_set(err, CORUN_EINVAL,
                                   "--frames %lld-%lld: %s has no frame in that range (its %lld "
                                   "frames: %s)",
                                   (long long)a, (long long)b, file, (long long)fi->nframes, list);
        } else if (!corun_parse_i64(item, &a) && a >= 0) {
            int64_t k = frame_of(fi, a);
            if (k < 0)
                rc = corun_err_set(err, CORUN_EINVAL,
                                   "--frames %lld: %s has no frame at generation %lld (its %lld "
                                   "frames: %s)",
                                   (long long)a, file, (long long)a, (long long)fi->nframes, list);
            else
                mask[k] = 1;
        } else {
            rc = corun_err_set(err, CORUN_EINVAL,
                               "--frames: '%s' is not all, last, a generation N or a range A-B",
                               item);
        }
    }
    if (!rc && !strtok_r(strcpy(copy, sel), ",", &save))
        rc = corun_err_set(err, CORUN_EINVAL, "--frames: empty selection");
    free(copy);
    return rc;
}

/* ------------------------------------------------------------ the outputs */

typedef struct render_job {
    render_opts_t o;
    const char *file;
    out_kind_t kind;
    corun_h5_reader_t *reader;
    const corun_h5_frames_t *fi;
    int64_t *picked, npicked;
    render_geom_t geom;
    int from_previews; /* how many frames came from previews */
    corun_err_t err;
} render_job_t;

/* One frame as a pattern: the whole frame as a packed grid. */
static int write_pattern(render_job_t *j) {
    const corun_h5_meta_t *m = &j->fi->meta;
    const int64_t k = j->picked[0], gen = j->fi->generation[k];
    corun_life_grid_t g = {0};
    int rc = corun_life_check_size(m->width, m->height, 0.125, &j->err);
    if (!rc) rc = corun_life_grid_init(&g, m->width, m->height, &j->err);
    /* pieces of about 8 MiB: the reader checks each as it arrives */
    int64_t piece = ((int64_t)8 << 20) / (g.stride * 8);
    if (piece < 1) piece = 1;
    for (int64_t y = 0; !rc && y < m->height; y += piece) {
        int64_t n = m->height - y < piece ? m->height - y : piece;
        rc = corun_h5_reader_rows(j->reader, k, y, n, corun_life_grid_row(&g, y), g.stride,
                                  &j->err);
    }
    char comment[CLI_PATH_MAX + 160], rule[32];
    corun_life_rule_format(m->rule, rule, sizeof rule);
    snprintf(comment, sizeof comment, "Name: %s generation %lld\nrule %s, %lldx%lld %s", j->file,
             (long long)gen, rule, (long long)m->width, (long long)m->height,
             corun_life_boundary_name(m->boundary));
    if (!rc)
        rc = corun_life_pattern_save(j->o.out, j->o.force, &g, m->rule, m->boundary, comment,
                                     &j->err);
    corun_life_grid_close(&g);
    return rc;
}

/* One frame as a PNG into f. */
static int png_frame(render_job_t *j, FILE *f, const char *name, int64_t k) {
    render_frame_src_t src;
    int rc = render_frame_src_open(&src, j->reader, j->fi, &j->geom, k, &j->err);
    if (!rc) {
        j->from_previews += src.preview != NULL;
        rc = render_png_write(f, name, &j->geom, render_frame_rows, &src, &j->err);
    }
    render_frame_src_close(&src);
    return rc;
}

static int write_png(render_job_t *j) {
    corun_outfile_t o;
    int rc = corun_outfile_begin(&o, j->o.out, j->o.force, &j->err);
    if (!rc) rc = png_frame(j, o.f, j->o.out, j->picked[0]);
    if (!rc) rc = corun_outfile_commit(&o, &j->err);
    corun_outfile_end(&o);
    return rc;
}

static int write_gif(render_job_t *j) {
    corun_outfile_t o;
    render_gif_t *gif = NULL;
    int rc = corun_outfile_begin(&o, j->o.out, j->o.force, &j->err);
    if (!rc) rc = render_gif_begin(o.f, j->o.out, &j->geom, (int)((j->o.delay_ms + 5) / 10),
                                   &gif, &j->err);
    for (int64_t i = 0; !rc && i < j->npicked; i++) {
        render_frame_src_t src;
        rc = render_frame_src_open(&src, j->reader, j->fi, &j->geom, j->picked[i], &j->err);
        if (!rc) {
            j->from_previews += src.preview != NULL;
            rc = render_gif_frame(gif, render_frame_rows, &src, &j->err);
        }
        render_frame_src_close(&src);
    }
    int erc = render_gif_end(gif, rc ? NULL : &j->err);
    if (!rc) rc = erc;
    if (!rc) rc = corun_outfile_commit(&o, &j->err);
    corun_outfile_end(&o);
    return rc;
}

static int write_dir(render_job_t *j) {
    corun_outdir_t d;
    int rc = corun_outdir_begin(&d, j->o.out, j->o.force, is_frame_png, &j->err);
    int digits = 8;
    for (int64_t g = j->fi->generation[j->picked[j->npicked - 1]]; g >= 100000000; g /= 10)
        digits++;
    for (int64_t i = 0; !rc && i < j->npicked; i++) {
        const int64_t k = j->picked[i];
        char *path = malloc(strlen(d.aside) + 48);
        if (!path) {
            rc = corun_err_set(&j->err, CORUN_ENOMEM, "out of memory");
            break;
        }
        sprintf(path, "%s/frame-%0*lld.png", d.aside, digits, (long long)j->fi->generation[k]);
        FILE *f = fopen(path, "wb");
        if (!f) {
            rc = corun_err_set(&j->err, CORUN_EIO, "%s: cannot create %s: %s", j->o.out, path,
                               strerror(errno));
        } else {
            rc = png_frame(j, f, path, k);
            if (fclose(f) != 0 && !rc)
                rc = corun_err_set(&j->err, CORUN_EIO, "%s: write failed: %s", path,
                                   strerror(errno));
        }
        free(path);
    }
    if (!rc) rc = corun_outdir_commit(&d, &j->err);
    corun_outdir_end(&d);
    return rc;
}

/* Input and usage problems exit 2, everything else 1. */
static int exit_code(const corun_err_t *err) {
    return err->code == CORUN_EINVAL || err->code == CORUN_EPARSE || err->code == CORUN_ERANGE ||
                   err->code == CORUN_ENOTSUP
               ? CORUN_EXIT_USAGE
               : CORUN_EXIT_FAILURE;
}

static int render_run(render_job_t *j) {
    render_opts_t *o = &j->o;
    if (out_kind(o->out, &j->kind, &j->err)) return CORUN_EXIT_USAGE;
    const int picture = j->kind == OUT_PNG || j->kind == OUT_GIF || j->kind == OUT_DIR;
    if (picture && render_available(&j->err)) return CORUN_EXIT_USAGE;
    /* A file a running corun writes is open for writing, which HDF5 1.10
     * marks with a lock; this only reads what the writer has listed. */
    setenv("HDF5_USE_FILE_LOCKING", "FALSE", 0);
    if (corun_h5_reader_open(j->file, &j->reader, &j->fi, &j->err)) return CORUN_EXIT_USAGE;
    const int64_t n = j->fi->nframes;
    uint8_t *mask = calloc((size_t)n, 1);
    j->picked = malloc((size_t)n * sizeof *j->picked);
    if (!mask || !j->picked) {
        free(mask);
        corun_err_set(&j->err, CORUN_ENOMEM, "out of memory");
        return CORUN_EXIT_FAILURE;
    }
    const int single = j->kind == OUT_PNG || j->kind == OUT_RLE || j->kind == OUT_CELLS;
    int rc = select_frames(j->file, o->has_frames ? o->frames : single ? "last" : "all", j->fi,
                           mask, &j->err);
    for (int64_t k = 0; k < n; k++)
        if (mask[k]) j->picked[j->npicked++] = k;
    free(mask);
    if (rc) return CORUN_EXIT_USAGE;
    if (single && j->npicked != 1) {
        corun_err_set(&j->err, CORUN_EINVAL,
                      "-o %s takes one frame, but --frames %s selects %lld (use -o DIR or "
                      "FILE.gif for several)",
                      o->out, o->frames, (long long)j->npicked);
        return CORUN_EXIT_USAGE;
    }
    if (picture &&
        render_geom_make(j->fi->meta.width, j->fi->meta.height, &o->scale,
                         j->kind == OUT_GIF ? RENDER_GIF_MAX_SIDE : RENDER_PNG_MAX_SIDE,
                         j->kind == OUT_GIF ? "GIF" : "PNG", &j->geom, &j->err))
        return CORUN_EXIT_USAGE;
    if (!picture && o->scale_text[0]) {
        corun_err_set(&j->err, CORUN_EINVAL, "--scale applies to pictures, not to -o %s",
                      o->out);
        return CORUN_EXIT_USAGE;
    }
    switch (j->kind) {
    case OUT_RLE:
    case OUT_CELLS: rc = write_pattern(j); break;
    case OUT_PNG: rc = write_png(j); break;
    case OUT_GIF: rc = write_gif(j); break;
    case OUT_DIR: rc = write_dir(j); break;
    }
    return rc ? exit_code(&j->err) : 0;
}

int cmd_render(int argc, char **argv) {
    static render_job_t job; /* paths: not on the stack */
    render_job_t *j = &job;
    memset(j, 0, sizeof *j);
    j->o.delay_ms = 100;
    int help = 0;
    int code = cli_parse_args("render", argc, argv, render_keys, render_set, &j->o, &j->file,
                              &help);
    if (code) return code;
    if (help) {
        fputs(render_usage, stdout);
        return CORUN_EXIT_OK;
    }
    if (!j->file || !j->o.out[0]) {
        cli_error("render: %s (usage: corun render FILE.h5 -o OUTPUT; see 'corun render --help')",
                  !j->file ? "no snapshot file given" : "no output given (-o)");
        return CORUN_EXIT_USAGE;
    }
    double t0 = corun_now();
    code = render_run(j);
    if (code) {
        cli_error("render: %s", j->err.msg);
    } else {
        const int picture = j->kind == OUT_PNG || j->kind == OUT_GIF || j->kind == OUT_DIR;
        char pic[160] = "";
        if (picture)
            snprintf(pic, sizeof pic, " picture=%lldx%lld block=%lld scale=%lld from_previews=%d",
                     (long long)j->geom.img_w, (long long)j->geom.img_h,
                     (long long)j->geom.block, (long long)j->geom.scale, j->from_previews);
        code = cli_summary("render", j->o.summary.json, j->o.summary.off ? NULL : stdout,
                           "render: output=%s type=%s frames=%lld first_generation=%lld "
                           "last_generation=%lld%s seconds=%.6f\n",
                           j->o.out, kind_name[j->kind], (long long)j->npicked,
                           (long long)j->fi->generation[j->picked[0]],
                           (long long)j->fi->generation[j->picked[j->npicked - 1]], pic,
                           corun_now() - t0);
    }
    corun_h5_reader_close(j->reader);
    free(j->picked);
    return code;
}
