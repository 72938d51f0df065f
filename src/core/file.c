/* file.c — reading a whole input file (a pattern, a config) into memory,
 * refusing what cannot be one: a device such as /dev/zero or /dev/stdin's
 * terminal, a FIFO, a directory or a socket would be read without end or
 * block for ever, so only regular files are read, and only up to a bound the
 * caller gives (a file can grow while it is read, so the bound holds for the
 * bytes read, not only for the size stat reported). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corun/core.h"

static const char *file_kind(mode_t m) {
    if (S_ISDIR(m)) return "a directory";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISSOCK(m)) return "a socket";
    return "not a plain file";
}

/* "1 GiB", "1 MiB", "512 KiB" or "N bytes": the limits are set by people. */
static void bytes_text(size_t n, char *buf, size_t cap) {
    static const char *const units[] = {"GiB", "MiB", "KiB"};
    for (int i = 0; i < 3; i++) {
        size_t u = (size_t)1 << (30 - 10 * i);
        if (n >= u && n % u == 0) {
            snprintf(buf, cap, "%zu %s", n / u, units[i]);
            return;
        }
    }
    snprintf(buf, cap, "%zu bytes", n);
}

static int too_large(const char *path, const char *what, size_t max_bytes, corun_err_t *err) {
    char lim[32];
    bytes_text(max_bytes, lim, sizeof lim);
    return corun_err_set(err, CORUN_ERANGE, "%s: larger than %s, the limit for %ss", path, lim,
                         what);
}

int corun_file_read_all(const char *path, const char *what, size_t max_bytes, char **out,
                        size_t *len, corun_err_t *err) {
    *out = NULL;
    *len = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer before fstat can
     * refuse it. Regular files ignore the flag. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return corun_err_set(err, CORUN_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int rc = 0;
    char *buf = NULL;
    size_t n = 0;
    if (fstat(fd, &st) != 0) {
        rc = corun_err_set(err, CORUN_EIO, "%s: cannot stat: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = corun_err_set(err, CORUN_EINVAL, "%s: not a regular file (%s); %ss must be regular files",
                           path, file_kind(st.st_mode), what);
        goto done;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > max_bytes) {
        rc = too_large(path, what, max_bytes, err);
        goto done;
    }
    /* One byte more than the size, to see whether the file grew (and for the NUL). */
    size_t cap = (size_t)st.st_size + 2;
    buf = malloc(cap);
    if (!buf) {
        rc = corun_err_set(err, CORUN_ENOMEM, "%s: out of memory reading the file", path);
        goto done;
    }
    for (;;) {
        if (cap - n < 2) {
            if (n > max_bytes) {
                rc = too_large(path, what, max_bytes, err);
                goto done;
            }
            size_t ncap = cap * 2 < max_bytes + 2 ? cap * 2 : max_bytes + 2;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                rc = corun_err_set(err, CORUN_ENOMEM, "%s: out of memory reading the file", path);
                goto done;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = corun_err_set(err, CORUN_EIO, "%s: cannot read: %s", path, strerror(errno));
            goto done;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    if (n > max_bytes) {
        rc = too_large(path, what, max_bytes, err);
        goto done;
    }
    buf[n] = '\0';
done:
    close(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return 0;
}

int corun_file_replace(const char *path, const char *data, size_t len, corun_err_t *err) {
    /* .NAME.PID.new next to path (the same file system: the rename is
     * atomic; corun_lock_remove_stale removes one a killed run left). */
    const char *slash = strrchr(path, '/');
    const int dir = slash ? (int)(slash - path) + 1 : 0;
    const size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) return corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", path);
    snprintf(tmp, n, "%.*s.%s.%ld.new", dir, path, path + dir, (long)getpid());
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        rc = corun_err_set(err, CORUN_EIO, "%s: cannot create %s: %s", path, tmp, strerror(errno));
        free(tmp);
        return rc;
    }
    for (size_t done = 0; done < len && !rc;) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) rc = corun_err_set(err, CORUN_EIO, "%s: cannot write: %s", path, strerror(errno));
        else done += (size_t)w;
    }
    if (close(fd) != 0 && !rc)
        rc = corun_err_set(err, CORUN_EIO, "%s: cannot write: %s", path, strerror(errno));
    if (!rc && rename(tmp, path) != 0)
        rc = corun_err_set(err, CORUN_EIO, "%s: cannot rename %s over it: %s", path, tmp,
                           strerror(errno));
    if (rc) unlink(tmp);
    free(tmp);
    return rc;
}

int corun_file_replaceable(const char *path, corun_err_t *err) {
    struct stat st;
    if (stat(path, &st) != 0 || S_ISREG(st.st_mode)) return 0; /* absent: the create says why */
    const char *what = S_ISDIR(st.st_mode)    ? "a folder"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a regular file";
    return corun_err_set(err, CORUN_EINVAL, "%s exists and is %s: refusing to replace it", path,
                         what);
}
