/* outdir.c — an output folder replaced whole or not at all (outdir.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corun/outdir.h"

int (*corun_outdir_rename_hook)(const char *from, const char *to, unsigned flags);

static int do_rename(const char *from, const char *to, unsigned flags) {
    if (corun_outdir_rename_hook) return corun_outdir_rename_hook(from, to, flags);
    if (!flags) return rename(from, to);
#ifdef RENAME_EXCHANGE
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, flags);
#else
    errno = EINVAL;
    return -1;
#endif
}

static int remove_entry(const char *p, const struct stat *st, int type, struct FTW *ftw) {
    (void)st, (void)ftw;
    return (type == FTW_DP ? rmdir(p) : unlink(p)) == 0 || errno == ENOENT ? 0 : -1;
}

int corun_remove_tree(const char *path) {
    /* FTW_PHYS: a symbolic link is removed, never followed; FTW_DEPTH: a
     * folder after its contents. */
    return nftw(path, remove_entry, 16, FTW_PHYS | FTW_DEPTH) == 0 || errno == ENOENT ? 0 : -1;
}

/* The first entry of folder `path` that may not be replaced, or "" if all
 * may be; *why says what is wrong with it. */
static int foreign_entry(const char *path, int (*ours)(const char *), char *name, size_t cap,
                         const char **why) {
    DIR *d = opendir(path);
    if (!d) return -1;
    name[0] = '\0';
    int fd = dirfd(d);
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        struct stat st;
        if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue; /* just gone */
        *why = S_ISDIR(st.st_mode)   ? "is a folder"
               : !S_ISREG(st.st_mode) ? "is not a regular file"
               : ours && !ours(e->d_name) ? "was not written by this command"
                                          : NULL;
        if (*why) {
            snprintf(name, cap, "%s", e->d_name);
            break;
        }
    }
    closedir(d);
    return 0;
}

/* The last component of path (trailing slashes ignored) is one a rename
 * can move: not empty, ".", ".." or "/". */
static int swappable(const char *path) {
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') n--;
    const char *slash = memrchr(path, '/', n);
    const char *base = slash ? slash + 1 : path;
    size_t len = n - (size_t)(base - path);
    return len && !(len == 1 && base[0] == '.') && !(len == 2 && !strncmp(base, "..", 2)) &&
           !(len == 1 && base[0] == '/');
}

static int check_existing(corun_outdir_t *d, int force, int (*ours)(const char *),
                          corun_err_t *err) {
    struct stat st;
    if (stat(d->path, &st) != 0) {
        if (errno == ENOENT) return 0;
        return corun_err_set(err, CORUN_EIO, "%s: %s", d->path, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        return corun_err_set(err, CORUN_EINVAL, "%s exists and is not a folder", d->path);
    d->existed = 1;
    if (!force)
        return corun_err_set(err, CORUN_EINVAL,
                             "output folder %s exists (use --force to replace it)", d->path);
    char name[NAME_MAX + 1];
    const char *why = NULL;
    if (foreign_entry(d->path, ours, name, sizeof name, &why) != 0)
        return corun_err_set(err, CORUN_EIO, "%s: cannot read: %s", d->path, strerror(errno));
    if (name[0])
        return corun_err_set(err, CORUN_EINVAL,
                             "%s/%s %s: --force replaces the whole folder and only a folder of "
                             "this command's output files; move that entry away or choose "
                             "another output folder",
                             d->path, name, why);
    return 0;
}

int corun_outdir_begin(corun_outdir_t *d, const char *path, int force,
                       int (*ours)(const char *name), corun_err_t *err) {
    *d = (corun_outdir_t)CORUN_OUTDIR_INIT;
    if (!swappable(path))
        return corun_err_set(err, CORUN_EINVAL,
                             "%s: an output folder is replaced as a whole, so it must be named "
                             "by its own path (not '.', '..' or '/')",
                             path);
    /* A symbolic link to a folder: the folder it names is the output (the
     * link stays). */
    struct stat st;
    char *real = NULL;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) real = realpath(path, NULL);
    d->path = real ? real : strdup(path);
    int rc = 0;
    char pid[32];
    snprintf(pid, sizeof pid, ".%ld.new", (long)getpid());
    if (!d->path || !(d->aside = corun_lock_sibling(d->path, pid))) {
        rc = corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    if ((rc = corun_lock_output(d->path, &d->lock, err))) goto fail;
    corun_lock_remove_stale(d->path); /* of killed runs */
    if ((rc = check_existing(d, force, ours, err))) goto fail;
    if (mkdir(d->aside, 0777) != 0) {
        rc = corun_err_set(err, CORUN_EIO, "%s: cannot create the folder %s: %s", path,
                           d->aside, strerror(errno));
        goto fail;
    }
    return 0;
fail:
    free(d->aside);
    d->aside = NULL; /* nothing to remove */
    corun_outdir_end(d);
    return rc;
}

int corun_outdir_commit(corun_outdir_t *d, corun_err_t *err) {
    if (!d->existed) {
        if (do_rename(d->aside, d->path, 0) != 0)
            return corun_err_set(err, CORUN_EIO, "%s: cannot rename %s into place: %s", d->path,
                                 d->aside, strerror(errno));
        d->committed = 1;
        return 0;
    }
    /* One atomic step where the file system has it: afterwards the aside
     * name holds the old output. */
    if (do_rename(d->aside, d->path, RENAME_EXCHANGE) == 0) {
        d->committed = 1;
        corun_remove_tree(d->aside);
        return 0;
    }
    char pid[32];
    snprintf(pid, sizeof pid, ".%ld.old", (long)getpid());
    char *old = corun_lock_sibling(d->path, pid);
    if (!old) return corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", d->path);
    int rc = 0;
    if (do_rename(d->path, old, 0) != 0) {
        rc = corun_err_set(err, CORUN_EIO, "%s: cannot move the old output aside to %s: %s",
                           d->path, old, strerror(errno));
    } else if (do_rename(d->aside, d->path, 0) != 0) {
        int e = errno;
        if (do_rename(old, d->path, 0) == 0)
            rc = corun_err_set(err, CORUN_EIO,
                               "%s: cannot rename %s into place: %s (the old output is "
                               "unchanged)",
                               d->path, d->aside, strerror(e));
        else /* the next run on this output puts it back (lock.h) */
            rc = corun_err_set(err, CORUN_EIO,
                               "%s: cannot rename %s into place: %s, nor the old output back: "
                               "%s (it is whole in %s)",
                               d->path, d->aside, strerror(e), strerror(errno), old);
    } else {
        d->committed = 1;
        corun_remove_tree(old);
    }
    free(old);
    return rc;
}

void corun_outdir_end(corun_outdir_t *d) {
    if (!d) return;
    if (d->aside && !d->committed) corun_remove_tree(d->aside);
    corun_lock_release(&d->lock);
    free(d->aside);
    free(d->path);
    *d = (corun_outdir_t)CORUN_OUTDIR_INIT;
}
