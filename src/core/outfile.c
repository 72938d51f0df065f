/* outfile.c — an output file replaced whole or not at all (outdir.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corun/core.h"
#include "corun/outdir.h"

int corun_outfile_begin(corun_outfile_t *o, const char *path, int force, corun_err_t *err) {
    *o = (corun_outfile_t)CORUN_OUTFILE_INIT;
    char pid[32];
    snprintf(pid, sizeof pid, ".%ld.new", (long)getpid());
    int rc = 0;
    if (!(o->path = strdup(path)) || !(o->aside = corun_lock_sibling(path, pid))) {
        rc = corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    if ((rc = corun_lock_output(path, &o->lock, err))) goto fail;
    corun_lock_remove_stale(path); /* of killed runs */
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            rc = corun_err_set(err, CORUN_EINVAL, "%s is a folder, not a file", path);
            goto fail;
        }
        if (!force) {
            rc = corun_err_set(err, CORUN_EINVAL, "%s exists (use --force to replace it)", path);
            goto fail;
        }
        if ((rc = corun_file_replaceable(path, err))) goto fail;
    }
    int fd = open(o->aside, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
        rc = corun_err_set(err, CORUN_EIO, "%s: cannot create %s: %s", path, o->aside,
                           strerror(errno));
        if (fd >= 0) close(fd);
        goto fail;
    }
    return 0;
fail:
    free(o->aside);
    o->aside = NULL; /* nothing to remove */
    corun_outfile_end(o);
    return rc;
}

int corun_outfile_commit(corun_outfile_t *o, corun_err_t *err) {
    int rc = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        rc = corun_err_set(err, CORUN_EIO, "%s: write failed: %s", o->path, strerror(errno));
    if (fclose(o->f) != 0 && !rc)
        rc = corun_err_set(err, CORUN_EIO, "%s: write failed: %s", o->path, strerror(errno));
    o->f = NULL;
    if (rc) return rc;
    if (rename(o->aside, o->path) != 0)
        return corun_err_set(err, CORUN_EIO, "%s: cannot rename %s into place: %s", o->path,
                             o->aside, strerror(errno));
    o->committed = 1;
    return 0;
}

void corun_outfile_end(corun_outfile_t *o) {
    if (!o) return;
    if (o->f) fclose(o->f);
    if (o->aside && !o->committed) unlink(o->aside);
    corun_lock_release(&o->lock);
    free(o->aside);
    free(o->path);
    *o = (corun_outfile_t)CORUN_OUTFILE_INIT;
}
