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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
    char rule[CORUN_LIFE_RULE_TEXT_MAX], text[512], comp[32];
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

/* ---- probing a file's metadata in a child process ---- */

static herr_t probe_attr(hid_t loc, const char *name, const H5A_info_t *info, void *data) {
    (void)info;
    int *bad = data;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = a >= 0 ? H5Aget_type(a) : -1;
    if (a < 0 || t < 0) {
        *bad = 1;
    } else if (H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        char *v = NULL;
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t));
        if (H5Aread(a, mt, &v) < 0) *bad = 1;
        else if (v) H5free_memory(v);
        H5Tclose(mt);
    } else {
        hsize_t n = H5Aget_storage_size(a);
        char buf[4096];
        if (n > sizeof buf || H5Aread(a, t, buf) < 0) *bad = n > sizeof buf ? *bad : 1;
    }
    if (t >= 0) H5Tclose(t);
    if (a >= 0) H5Aclose(a);
    return 0;
}

/* The child: reads what a restart reads and writes over (every root
 * attribute, the datasets' headers); exit 0 read, 3 an HDF5 error. */
static void probe_child(const char *path) {
    /* Dies with the restart, and holds none of its files (the output lock). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (int fd = 3; fd < 1024; fd++) close(fd);
    setenv("HDF5_USE_FILE_LOCKING", "FALSE", 1);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) _exit(0); /* the parent says why it cannot be opened */
    int bad = 0;
    hsize_t idx = 0;
    if (H5Aiterate2(f, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, probe_attr, &bad) < 0) bad = 1;
    static const char *const sets[] = {"frames", "generation", "population", "previews"};
    for (int i = 0; i < 4; i++) {
        if (H5Lexists(f, sets[i], H5P_DEFAULT) <= 0) continue;
        hid_t d = H5Dopen2(f, sets[i], H5P_DEFAULT);
        if (d < 0) continue; /* the parent names a missing dataset */
        hid_t sp = H5Dget_space(d), pl = H5Dget_create_plist(d);
        if (sp >= 0) H5Sclose(sp);
        if (pl >= 0) H5Pclose(pl);
        H5Dclose(d);
    }
    H5Fclose(f);
    _exit(bad ? 3 : 0);
}

#define PROBE_LIMIT_MS 15000

int h5io_probe_metadata(const char *path, char *why, size_t n) {
    pid_t pid = fork();
    if (pid < 0) return 0; /* no probe: the restart reads as before */
    if (pid == 0) probe_child(path);
    int st = 0;
    const double t0 = corun_now();
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) break;
        if (r < 0) return 0;
        if ((corun_now() - t0) * 1000 >= PROBE_LIMIT_MS) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            snprintf(why, n, "reading its metadata did not finish in %d s (damaged HDF5 metadata)",
                     PROBE_LIMIT_MS / 1000);
            return -1;
        }
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    if (WIFSIGNALED(st)) {
        snprintf(why, n, "reading its metadata crashed the HDF5 library (signal %d): damaged HDF5 "
                         "metadata (variable-length strings have no checksum)",
                 WTERMSIG(st));
        return -1;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 3) {
        snprintf(why, n, "its root attributes cannot all be read (damaged HDF5 metadata)");
        return -1;
    }
    return 0;
}
