/* verify.c — what makes a snapshot file's contents checkable: the chunk
 * checksum of its datasets and the digest of the attributes that define the
 * run.
 *
 * Why Fletcher32 (HDF5's own filter) rather than a hash dataset of corun's:
 * HDF5 computes it inside the write of each chunk, on the I/O worker that
 * already makes the call (also for every rank of a parallel write and for
 * the frames a GPU backend hands over), and verifies it inside every read,
 * so every reader — corun's restart, h5py in tests/h5check.py and the
 * notebooks, h5dump — refuses a damaged chunk without code of its own. It
 * runs after compression on write (before decompression on read), so a
 * damaged compressed chunk never reaches the decompressor. Its cost is
 * measured by bench/snapshot_bench.sh (docs/PERFORMANCE.md).
 */
#include <stdio.h>
#include <string.h>

#include "corun/core.h"
#include "h5_int.h"

int h5io_checksum_dcpl(hid_t dcpl) { return H5Pset_fletcher32(dcpl) < 0 ? -1 : 0; }

int h5io_has_checksum(hid_t d) {
    hid_t dcpl = H5Dget_create_plist(d);
    if (dcpl < 0) return 0;
    unsigned flags = 0, cd[8];
    size_t ncd = 8;
    char name[64];
    int has = H5Pget_filter_by_id2(dcpl, H5Z_FILTER_FLETCHER32, &flags, &ncd, cd, sizeof name,
                                   name, NULL) >= 0;
    H5Pclose(dcpl);
    H5Eclear2(H5E_DEFAULT);
    return has;
}

static herr_t checksum_cb(unsigned depth, const H5E_error2_t *e, void *data) {
    (void)depth;
    int *found = data;
    /* HDF5's Fletcher32 filter reports "data error detected by Fletcher32
     * checksum"; its metadata checksums say "incorrect metadata checksum". */
    if (e->desc && (strstr(e->desc, "Fletcher32") || strstr(e->desc, "checksum"))) *found = 1;
    return 0;
}

int h5io_checksum_error(void) {
    int found = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, checksum_cb, &found);
    return found;
}

uint64_t h5io_header_digest(const corun_h5_meta_t *m) {
    char rule[32], text[512], comp[32];
    corun_life_rule_format(m->rule, rule, sizeof rule);
    if (m->codec == CORUN_H5_GZIP) snprintf(comp, sizeof comp, "gzip:%d", m->level);
    else snprintf(comp, sizeof comp, "%s", m->codec == CORUN_H5_LZ4 ? "lz4" : "none");
    int n = snprintf(text, sizeof text,
                     "rule=%s\nboundary=%s\nwidth=%lld\nheight=%lld\nframe_format=%s\n"
                     "compression=%s\nsnapshot_every=%lld\n",
                     rule, corun_life_boundary_name(m->boundary), (long long)m->width,
                     (long long)m->height, m->format == CORUN_H5_BITS ? "bits" : "bytes", comp,
                     (long long)m->snapshot_every);
    return corun_fnv1a64(CORUN_FNV1A64_INIT, text, (size_t)n);
}
