/* xdmf.c — FILE.xmf next to a snapshot file FILE.h5: an XDMF 3 description
 * that ParaView and VisIt open directly (their Xdmf3 readers, the XDMF
 * library's own reader too). It lists the complete frames as a temporal
 * collection on a 2-D uniform grid (2DCoRectMesh): the previews (cells of
 * B x B grid cells, values 0-255) and, when frames are stored as bytes,
 * the full frames (cells 0/1). Bit-packed frames are not cells to a
 * visualisation tool and are not described. Each entry points into the
 * HDF5 file with a hyperslab of one frame; the time is the generation.
 *
 * The file is rewritten whole after each frame's /generation entry is on
 * disk, under a temporary name renamed over it (corun_file_replace), so
 * after a crash it lists the frames the HDF5 file holds complete, or all
 * but the last one when the crash came between that frame's index reaching
 * the disk and the rename; never a frame the file does not hold.
 * A series so long that rewriting its .xmf would cost more than about 5%
 * of the I/O worker's time is rewritten less often during the run (then
 * after a crash it may miss the last frames, never list one too many), and
 * always when the file is opened for a restart and when the run ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "h5_int.h"

/* The .xmf is rewritten after every frame below this size. */
#define XDMF_ALWAYS_BYTES (256 * 1024)

char *h5io_xdmf_path(const char *h5path) {
    size_t n = strlen(h5path);
    char *p = malloc(n + 8);
    if (!p) return NULL;
    const char *slash = strrchr(h5path, '/');
    const char *base = slash ? slash + 1 : h5path;
    if (n > 3 && !strcmp(h5path + n - 3, ".h5") && (size_t)(h5path + n - base) > 3)
        snprintf(p, n + 8, "%.*s.xmf", (int)(n - 3), h5path);
    else snprintf(p, n + 8, "%s.xmf", h5path);
    return p;
}

/* s with XML's special characters escaped (an attribute or text). */
static void put_escaped(FILE *o, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", o); break;
        case '<': fputs("&lt;", o); break;
        case '>': fputs("&gt;", o); break;
        case '"': fputs("&quot;", o); break;
        default: fputc(*s, o);
        }
    }
}

/* One temporal collection: frame k of dataset `set` (F x ny x nx of uint8)
 * as cells of size `cell` on a 2-D uniform grid. */
static void put_series(FILE *o, const corun_h5_file_t *f, const char *h5name, const char *name,
                       const char *set, const char *attr, int64_t nx, int64_t ny, int64_t cell,
                       int64_t total) {
    fprintf(o, "    <Grid Name=\"%s\" GridType=\"Collection\" CollectionType=\"Temporal\">\n",
            name);
    for (int64_t k = 0; k < f->nframes; k++) {
        fprintf(o,
                "      <Grid Name=\"%s %lld\" GridType=\"Uniform\">\n"
                "        <Time Value=\"%lld\"/>\n"
                "        <Topology TopologyType=\"2DCoRectMesh\" Dimensions=\"%lld %lld\"/>\n"
                "        <Geometry GeometryType=\"ORIGIN_DXDY\">\n"
                "          <DataItem Format=\"XML\" Dimensions=\"2\" NumberType=\"Float\" "
                "Precision=\"8\">0 0</DataItem>\n"
                "          <DataItem Format=\"XML\" Dimensions=\"2\" NumberType=\"Float\" "
                "Precision=\"8\">%lld %lld</DataItem>\n"
                "        </Geometry>\n"
                "        <Attribute Name=\"%s\" AttributeType=\"Scalar\" Center=\"Cell\">\n"
                "          <DataItem ItemType=\"HyperSlab\" Dimensions=\"1 %lld %lld\" "
                "Type=\"HyperSlab\">\n"
                "            <DataItem Format=\"XML\" Dimensions=\"3 3\" NumberType=\"Int\">"
                "%lld 0 0 1 1 1 1 %lld %lld</DataItem>\n"
                "            <DataItem Format=\"HDF\" Dimensions=\"%lld %lld %lld\" "
                "NumberType=\"UChar\" Precision=\"1\">",
                name, (long long)k, (long long)f->gen_list[k], (long long)(ny + 1),
                (long long)(nx + 1), (long long)cell, (long long)cell, attr, (long long)ny,
                (long long)nx, (long long)k, (long long)ny, (long long)nx, (long long)total,
                (long long)ny, (long long)nx);
        put_escaped(o, h5name);
        fprintf(o, ":/%s</DataItem>\n"
                   "          </DataItem>\n"
                   "        </Attribute>\n"
                   "      </Grid>\n",
                set);
    }
    fputs("    </Grid>\n", o);
}

int h5io_xdmf_write(corun_h5_file_t *f, int force, corun_err_t *err) {
    const corun_h5_meta_t *m = &f->meta;
    const int bytes = m->format == CORUN_H5_BYTES;
    if (f->prevs < 0 && !bytes) return 0; /* nothing a viewer can show */
    const double t0 = corun_now();
    if (!force && f->xmf_cost > 0 && t0 < f->xmf_next) return 0;
    const char *slash = strrchr(f->path, '/');
    const char *h5name = slash ? slash + 1 : f->path; /* relative: the pair can move */
    char *text = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&text, &len);
    if (!o) return corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", f->xmf_path);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<Xdmf Version=\"3.0\" xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n"
          "  <Domain>\n",
          o);
    /* The datasets' length as listed: a frame written past it (the run
     * goes on, or a crash before its index entry) is not complete, and a
     * restart trims it. */
    if (f->prevs >= 0)
        put_series(o, f, h5name, "previews", "previews", "density", f->pw, f->ph, f->pblock,
                   f->nframes);
    if (bytes)
        put_series(o, f, h5name, "frames", "frames", "alive", m->width, m->height, 1,
                   f->nframes);
    fputs("  </Domain>\n</Xdmf>\n", o);
    int bad = ferror(o);
    if (fclose(o) != 0 || bad || !text) {
        free(text);
        return corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", f->xmf_path);
    }
    int rc = corun_file_replace(f->xmf_path, text, len, err);
    free(text);
    if (rc) return rc;
    const double t = corun_now() - t0;
    f->xmf_frames = f->nframes;
    f->xmf_cost = len >= XDMF_ALWAYS_BYTES ? t : 0;
    f->xmf_next = t0 + 20 * t;
    return 0;
}
