/* lock.c — output locks (lock.h): fcntl record locks on OUTPUT's .NAME.lock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corun/lock.h"
#include "corun/outdir.h"

char *corun_lock_sibling(const char *output, const char *suffix) {
    size_t n = strlen(output);
    while (n > 1 && output[n - 1] == '/') n--;
    size_t cap = n + strlen(suffix) + 2;
    char *p = malloc(cap);
    if (!p) return NULL;
    const char *slash = memrchr(output, '/', n);
    size_t dir = slash ? (size_t)(slash - output) + 1 : 0;
    snprintf(p, cap, "%.*s.%.*s%s", (int)dir, output, (int)(n - dir), output + dir, suffix);
    return p;
}

/* folder/.name.lock for output folder/name (trailing slashes ignored). */
static char *lock_path(const char *output) { return corun_lock_sibling(output, ".lock"); }

/* Write lock on the whole file, without waiting: 0, or errno. */
static int try_lock(int fd) {
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
#ifdef F_OFD_SETLK
    /* OFD locks belong to this descriptor, not to the process: another
     * open of the same file in this process (HDF5, a test) cannot drop it. */
    if (fcntl(fd, F_OFD_SETLK, &fl) == 0) return 0;
    if (errno != EINVAL) return errno;
#endif
    return fcntl(fd, F_SETLK, &fl) == 0 ? 0 : errno;
}

int corun_lock_output(const char *output, corun_lock_t *lk, corun_err_t *err) {
    lk->fd = -1;
    lk->path = lock_path(output);
    if (!lk->path) return corun_err_set(err, CORUN_ENOMEM, "%s: out of memory", output);
    int rc = 0;
    for (int tries = 0; tries < 100 && !rc; tries++) {
        int fd = open(lk->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            int e = errno;
            rc = corun_err_set(err, CORUN_EIO, "%s: cannot create the lock file %s: %s", output,
                               lk->path, strerror(e));
            break;
        }
        int e = try_lock(fd);
        if (e == EACCES || e == EAGAIN) {
            char who[300] = "";
            ssize_t k = pread(fd, who, sizeof who - 1, 0);
            who[k > 0 ? k : 0] = '\0';
            who[strcspn(who, "\n")] = '\0';
            close(fd);
            corun_err_set(err, CORUN_EBUSY,
                          "%s: in use by another corun run (%s, lock %s): one writer per output; "
                          "wait for it or choose another output",
                          output, who[0] ? who : "holder unknown", lk->path);
            free(lk->path);
            lk->path = NULL;
            return CORUN_EBUSY;
        }
        if (e) {
            close(fd);
            rc = corun_err_set(err, CORUN_EIO,
                          "%s: cannot lock %s: %s (does this file system support fcntl locks? "
                          "Lustre needs -o flock)",
                          output, lk->path, strerror(e));
            break;
        }
        /* The holder before us may have unlinked the file between our open
         * and our lock: then we hold a lock nobody else can see. */
        struct stat a, b;
        if (fstat(fd, &a) != 0 || stat(lk->path, &b) != 0 || a.st_ino != b.st_ino ||
            a.st_dev != b.st_dev) {
            close(fd);
            continue;
        }
        char host[256] = "unknown", text[320];
        gethostname(host, sizeof host);
        host[sizeof host - 1] = '\0';
        int n = snprintf(text, sizeof text, "pid %ld host %s\n", (long)getpid(), host);
        if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n) {
            /* Only the message suffers; the lock itself is held. */
        }
        lk->fd = fd;
        return 0;
    }
    if (!rc)
        rc = corun_err_set(err, CORUN_EIO, "%s: the lock file %s keeps changing", output,
                           lk->path);
    free(lk->path);
    lk->path = NULL;
    return rc;
}

int corun_lock_reserve(corun_lock_t *lk, long bytes) {
    if (lk->fd < 0) return -1;
    /* After the holder's text, which stays first in the file. */
    return posix_fallocate(lk->fd, 4096, bytes) == 0 ? 0 : -1;
}

void corun_lock_unreserve(corun_lock_t *lk) {
    if (lk->fd < 0) return;
    struct stat st;
    if (fstat(lk->fd, &st) == 0 && st.st_size > 4096 && ftruncate(lk->fd, 4096) != 0) {
        /* nothing more to give back */
    }
}

void corun_lock_release(corun_lock_t *lk) {
    if (!lk || lk->fd < 0) {
        if (lk) {
            free(lk->path);
            lk->path = NULL;
        }
        return;
    }
    unlink(lk->path); /* while still holding it: see the protocol in lock.h */
    close(lk->fd);
    lk->fd = -1;
    free(lk->path);
    lk->path = NULL;
}

/* The PID of ".NAME.PID<suffix>" (entry s of output NAME, len bytes), or
 * 0 if s is not such a name. */
static long temp_pid(const char *s, const char *name, size_t len, const char *suffix) {
    if (s[0] != '.' || strncmp(s + 1, name, len) || s[1 + len] != '.') return 0;
    const char *p = s + 2 + len, *q = p;
    while (*q >= '0' && *q <= '9') q++;
    if (q == p || q - p > 18 || strcmp(q, suffix)) return 0;
    return strtol(p, NULL, 10);
}

void corun_lock_remove_stale(const char *output) {
    size_t n = strlen(output);
    while (n > 1 && output[n - 1] == '/') n--;
    char *dir = strndup(output, n);
    if (!dir) return;
    char *slash = strrchr(dir, '/');
    const char *name = slash ? slash + 1 : dir;
    const char *folder = slash ? (slash == dir ? "/" : dir) : ".";
    if (slash && slash != dir) *slash = '\0';
    size_t len = strlen(name);
    DIR *d = opendir(folder);
    if (d) {
        for (struct dirent *e; (e = readdir(d));) {
            /* .NAME.PID.new: an output being built (a file, or a folder:
             * outdir.h); .NAME.PID.old: an output folder moved aside to be
             * replaced. Holding the lock, no live run owns either. */
            const char *s = e->d_name;
            int is_new = temp_pid(s, name, len, ".new") > 0;
            int is_old = !is_new && temp_pid(s, name, len, ".old") > 0;
            if (!is_new && !is_old) continue;
            char path[4096], out[4096];
            if (snprintf(path, sizeof path, "%s/%s", folder, s) >= (int)sizeof path) continue;
            snprintf(out, sizeof out, "%s/%s", folder, name);
            struct stat st;
            /* The run died between its two renames: the old output is the
             * one that is whole, so it goes back. */
            if (is_old && lstat(out, &st) != 0 && errno == ENOENT && rename(path, out) == 0)
                continue;
            corun_remove_tree(path);
        }
        closedir(d);
    }
    free(dir);
}
